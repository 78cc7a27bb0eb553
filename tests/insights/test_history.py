"""Session history: atomic writes under a crash, schema migration, progression at the limit."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from retrogait.insights.history import (
    MIGRATIONS,
    SCHEMA_VERSION,
    History,
    HistoryError,
    default_history_path,
    progression,
)
from retrogait.insights.summary import SessionSummary, SummaryBuilder

from .helpers import run_of

MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday


def session(started: datetime, backward_m: float, sid: str | None = None,
            athlete: str = "ana") -> SessionSummary:
    """A summary with ``backward_m`` of backward running (strides of 2 m, one foot)."""
    n = round(backward_m / 2.0)
    b = SummaryBuilder(athlete=athlete, started_at=started, session_id=sid)
    b.add_all(run_of("S", "left", 0.0, n, 1.0, 0.25, 2.0, "backward", "forefoot", -5.0))
    s = b.summary()
    assert s.backward.distance_m == pytest.approx(2.0 * n)
    return s


def test_default_path_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RETROGAIT_HISTORY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_history_path() == tmp_path / "xdg" / "retrogait" / "history.sqlite"
    monkeypatch.setenv("RETROGAIT_HISTORY", str(tmp_path / "h.sqlite"))
    assert default_history_path() == tmp_path / "h.sqlite"


def test_add_read_and_never_silently_replace(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    s = session(MONDAY, 1000.0, sid="a")
    with History(path) as h:
        h.add_session(s)
        assert [r.session_id for r in h.sessions()] == ["a"]
        assert h.summary("a") == s
        with pytest.raises(HistoryError, match="already in the history"):
            h.add_session(session(MONDAY, 2000.0, sid="a"))
        assert h.sessions()[0].backward_distance_m == pytest.approx(1000.0)
        h.add_session(session(MONDAY, 2000.0, sid="a"), replace=True)
        assert h.sessions()[0].backward_distance_m == pytest.approx(2000.0)
        assert h.schema_version == SCHEMA_VERSION


class _Boom(Exception):
    pass


def test_exception_inside_the_transaction_keeps_previous_state(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"

    class Failing(History):
        def _write(self, conn: sqlite3.Connection, summary: SessionSummary) -> None:
            super()._write(conn, summary)
            raise _Boom

    with History(path) as h:
        h.add_session(session(MONDAY, 1000.0, sid="old"))
    with Failing(path) as f, pytest.raises(_Boom):
        f.add_session(session(MONDAY + timedelta(days=1), 500.0, sid="new"))
    with History(path) as h:
        assert [r.session_id for r in h.sessions()] == ["old"]


def test_killed_mid_write_leaves_previous_state_readable(tmp_path: Path) -> None:
    """A writer process is SIGKILLed inside its transaction, after the row was written: while it
    hangs the old state is readable, and after the kill the new session is gone, the file sound."""
    path = tmp_path / "h.sqlite"
    with History(path) as h:
        h.add_session(session(MONDAY, 1000.0, sid="old"))
    new = session(MONDAY + timedelta(days=2), 700.0, sid="new")
    script = textwrap.dedent(
        """
        import sys, time
        from retrogait.insights.history import History
        from retrogait.insights.summary import SessionSummary

        class Hanging(History):
            def _write(self, conn, summary):
                super()._write(conn, summary)
                print("inside", flush=True)
                time.sleep(60)

        s = SessionSummary.model_validate_json(sys.stdin.readline())
        Hanging(sys.argv[1]).add_session(s)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(new.to_json() + "\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "inside"
        # the writer holds its transaction open: readers still see the previous state
        ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        assert [r[0] for r in ro.execute("SELECT session_id FROM sessions")] == ["old"]
        ro.close()
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with History(path) as h:  # opening rolls the hot journal back
        assert [r.session_id for r in h.sessions()] == ["old"]
        assert h._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        h.add_session(new)  # and the history takes new sessions again
        assert [r.session_id for r in h.sessions()] == ["old", "new"]


def test_migration_from_version_1(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    old = session(MONDAY, 1234.0, sid="v1-session", athlete="ben")
    conn = sqlite3.connect(path)
    for stmt in MIGRATIONS[0]:
        conn.execute(stmt)
    conn.execute(
        "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
        ("v1-session", MONDAY.isoformat(), 600.0, 1234.0, 0.0, old.to_json()),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with History(path) as h:
        assert h.schema_version == SCHEMA_VERSION == 2
        (row,) = h.sessions()
        assert row.athlete == "ben"  # filled from the stored summary by the migration
        assert row.backward_time_s == pytest.approx(old.backward.time_s)
        assert h.summary("v1-session") == old
        assert [r.session_id for r in h.sessions(athlete="ben")] == ["v1-session"]
    # the pre-migration state is kept beside it (a sqlite backup: same content, own counters)
    backup = sqlite3.connect(tmp_path / "h.sqlite.v1.bak")
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    assert backup.execute("SELECT * FROM sessions").fetchall() == [
        ("v1-session", MONDAY.isoformat(), 600.0, 1234.0, 0.0, old.to_json())
    ]
    backup.close()


def test_newer_or_foreign_files_are_refused_untouched(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    with History(newer) as h:
        h.add_session(session(MONDAY, 100.0, sid="x"))
        h._conn.execute("PRAGMA user_version = 99")
    before = newer.read_bytes()
    with pytest.raises(HistoryError, match="newer than this retrogait"):
        History(newer)
    assert newer.read_bytes() == before

    foreign = tmp_path / "foreign.sqlite"
    c = sqlite3.connect(foreign)
    c.execute("CREATE TABLE photos (id INTEGER)")
    c.commit()
    c.close()
    before = foreign.read_bytes()
    with pytest.raises(HistoryError, match="not a retrogait history"):
        History(foreign)
    assert foreign.read_bytes() == before


# ---- progression ------------------------------------------------------------------------------

W1 = date(2025, 3, 3)
W2 = W1 + timedelta(days=7)
W3 = W2 + timedelta(days=7)


def test_progression_boundary_exactly_at_the_limit_does_not_warn() -> None:
    weeks = progression({W1: (1, 1000.0, 0.0), W2: (1, 1100.0, 0.0)}, limit=0.10)
    assert [w.warning for w in weeks] == [False, False]
    assert weeks[0].change is None and "first week" in weeks[0].note
    assert weeks[1].change == pytest.approx(0.10)


def test_progression_just_above_the_limit_warns() -> None:
    weeks = progression({W1: (1, 1000.0, 0.0), W2: (1, 1100.5, 0.0)}, limit=0.10)
    assert weeks[1].warning
    assert "+10.1 %" in weeks[1].note  # 10.05 % shown with one decimal
    weeks = progression({W1: (1, 1000.0, 0.0), W2: (1, 1101.0, 0.0)}, limit=0.10)
    assert weeks[1].warning


def test_progression_limit_is_configurable_and_float_noise_cannot_tip_it() -> None:
    assert not progression({W1: (1, 1000.0, 0), W2: (1, 1200.0, 0)}, limit=0.20)[1].warning
    assert progression({W1: (1, 1000.0, 0), W2: (1, 1201.0, 0)}, limit=0.20)[1].warning
    # 0.1 + 0.2 != 0.3 in binary: a week summed from strides lands a hair above 110 %
    prev = 3.0
    cur = (0.1 + 0.2) * 11.0  # 3.3000000000000003
    assert cur > prev * 1.1
    assert not progression({W1: (1, prev, 0), W2: (1, cur, 0)}, limit=0.10)[1].warning


def test_progression_week_without_running_has_no_baseline() -> None:
    weeks = progression({W1: (1, 1000.0, 0.0), W3: (1, 5000.0, 0.0)})
    assert [w.week_start for w in weeks] == [W1, W2, W3]
    assert weeks[1].sessions == 0 and weeks[1].change == pytest.approx(-1.0)
    assert not weeks[2].warning and "no baseline" in weeks[2].note


def test_weekly_from_history_uses_iso_weeks(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        h.add_session(session(MONDAY, 1000.0, sid="mon"))
        h.add_session(session(MONDAY + timedelta(days=6), 500.0, sid="sun"))  # same week
        h.add_session(session(MONDAY + timedelta(days=7), 1650.0, sid="next-mon"))
        h.add_session(session(MONDAY + timedelta(days=7), 4000.0, sid="other", athlete="ben"))
        weeks = h.weekly(athlete="ana")
    assert [(w.iso_week, w.sessions, w.backward_distance_m) for w in weeks] == [
        ("2025-W10", 2, pytest.approx(1500.0)),
        ("2025-W11", 1, pytest.approx(1650.0)),
    ]
    assert not weeks[1].warning  # +10.0 % exactly
    assert json.loads(json.dumps(weeks[1].change)) == pytest.approx(0.10)
