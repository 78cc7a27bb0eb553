"""Careless and hostile input (issue 13): nothing destroyed, nothing silently wrong, one clear line.

Real CLI subprocesses on real files. Each test names the case of the issue it covers.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrogait.events import Event
from retrogait.outfiles import atomic_path, safe_name
from retrogait.recording import RecordingReader
from retrogait.recording.reader import MAX_LINE_BYTES

from .helpers import synthetic_recording

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "recordings" / "demo_backward_run.jsonl.gz"


def cli(*args: str | Path, cwd: Path | None = None, timeout: float = 120,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "retrogait", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env,
    )


def one_line_error(r: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, exactly one line on stderr starting with 'retrogait: error:', no traceback."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("retrogait: error:"), r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def events_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 s recording of one still sensor (retrogait-imu notifications)."""
    p = tmp_path_factory.mktemp("small") / "small.jsonl"
    synthetic_recording(p, seconds=3.0)
    return p


@pytest.fixture(scope="module")
def demo_plain(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    with gzip.open(DEMO, "rt", encoding="utf-8") as fh:
        return fh.read().splitlines()


def _notification_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.startswith('{"type":"notification"')]


# ------------------------------------------------------------------ 1. output over the input


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "{rec}", "--events", "{rec}"),
        ("replay", "{rec}", "--speed", "max", "--quiet", "--events", "{rec}"),
        ("export", "{rec}", "--strides", "{rec}"),
        ("export", "{rec}", "--summary", "{link}"),
        ("export", "{rec}", "--summary-json", "{hard}"),
        ("history", "--history", "{rec}", "add", "{rec}"),
    ],
    ids=["analyze", "replay", "export-strides", "export-summary-symlink",
         "export-json-hardlink", "history"],
)
def test_output_equal_to_input_is_refused_and_input_kept(
    tmp_path: Path, small: Path, args: tuple[str, ...]
) -> None:
    rec = tmp_path / "x.jsonl"
    rec.write_bytes(small.read_bytes())
    (tmp_path / "link.csv").symlink_to(rec)
    os.link(rec, tmp_path / "hard.json")
    before = rec.read_bytes()
    filled = [a.format(rec=rec, link=tmp_path / "link.csv", hard=tmp_path / "hard.json")
              for a in args]
    r = cli(*filled)
    one_line_error(r, "would overwrite the input")
    assert rec.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.json", "link.csv", "x.jsonl"]


def test_import_csv_output_equal_to_a_csv_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    t = np.arange(50) / 100
    rows = "\n".join(f"{x},0,0,9.81,0,0,0" for x in t)
    csv.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + rows + "\n")
    before = csv.read_bytes()
    target = tmp_path / "a.jsonl"
    target.symlink_to(csv)
    r = cli("import-csv", csv, "-o", target, "--placement", "left_foot", "--toe-axis=+x",
            "--up-axis=+z")
    one_line_error(r, "would overwrite the input")
    assert csv.read_bytes() == before


def test_export_outputs_must_differ(tmp_path: Path, small: Path) -> None:
    r = cli("export", small, "--strides", tmp_path / "o.csv", "--summary", tmp_path / "o.csv")
    one_line_error(r, "would overwrite the input")
    assert not (tmp_path / "o.csv").exists()


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    out.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["events.jsonl"]


def test_replay_interrupted_leaves_no_half_events_file(tmp_path: Path, small: Path) -> None:
    """An error in the middle of a replay: the events file does not appear under its name."""
    from retrogait.cli.replay_cmd import replay
    from retrogait.sinks import JsonlSink, Sink

    class Boom(Sink):
        n = 0

        async def emit(self, event: Event) -> None:
            self.n += 1
            if self.n == 1:
                raise RuntimeError("boom")

    out = tmp_path / "ev.jsonl"
    with pytest.raises(RuntimeError):
        asyncio.run(replay(small, None, [JsonlSink(out, atomic=True), Boom()]))
    assert list(tmp_path.iterdir()) == []


def test_analyze_events_to_full_disk_is_one_line_and_keeps_input(tmp_path: Path,
                                                                   small: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    before = small.read_bytes()
    r = cli("analyze", small, "--events", "/dev/full")
    one_line_error(r, "/dev/full", "disk full")
    assert small.read_bytes() == before


# ------------------------------------------------------------------ 2. non-finite values


@pytest.mark.parametrize("bad", ["NaN", "-Infinity", "1e400", '"Infinity"'])
def test_non_finite_or_bad_time_is_skipped_or_refused(tmp_path: Path, small: Path,
                                                      bad: str) -> None:
    lines = small.read_text().splitlines()
    i = _notification_lines(lines)[100]
    obj = json.loads(lines[i])
    lines[i] = lines[i].replace(f'"t":{json.dumps(obj["t"])}', f'"t":{bad}', 1)
    rec = tmp_path / "bad.jsonl"
    rec.write_text("\n".join(lines) + "\n")
    reader = RecordingReader(rec)
    if bad.startswith('"'):  # a string is a malformed record, as before: an error
        from retrogait.errors import RecordingError

        with pytest.raises(RecordingError, match=f"bad.jsonl:{i + 1}: malformed"):
            list(reader)
        return
    items = list(reader)
    assert reader.stats.non_finite == 1 and reader.stats.first_skipped_line == i + 1
    assert all(np.isfinite(it.t) for it in items)


def test_infinite_time_is_skipped_as_gap_same_in_analyze_and_replay(
    tmp_path: Path, demo_plain: list[str]
) -> None:
    bad = "Infinity"
    lines = list(demo_plain)
    i = _notification_lines(lines)[3000]
    obj = json.loads(lines[i])
    lines[i] = lines[i].replace(f'"t":{json.dumps(obj["t"])}', f'"t":{bad}', 1)
    assert bad in lines[i]
    rec = tmp_path / "bad.jsonl"
    rec.write_text("\n".join(lines) + "\n")
    a = cli("analyze", rec, "--events", tmp_path / "a.jsonl")
    assert a.returncode == 0, a.stderr
    assert f"first at line {i + 1}" in a.stderr and "non-finite" in a.stderr
    r = cli("replay", rec, "--speed", "max", "--quiet", "--events", tmp_path / "r.jsonl")
    assert r.returncode == 0, r.stderr
    ev_a, ev_r = events_of(tmp_path / "a.jsonl"), events_of(tmp_path / "r.jsonl")
    key = sorted(json.dumps(e, sort_keys=True) for e in ev_a)
    assert key == sorted(json.dumps(e, sort_keys=True) for e in ev_r)
    gaps = [e for e in ev_a if e["kind"] == "gap"]
    assert len(gaps) == 1 and gaps[0]["sensor"] == obj["sensor"]
    strides = [e for e in ev_a if e["kind"] == "stride"]
    assert all(-90 < float(s["strike_angle_deg"]) < 90 for s in strides)  # type: ignore[arg-type]
    # export: a finite duration
    x = cli("export", rec, "--summary-json", tmp_path / "s.json")
    assert x.returncode == 0, x.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert np.isfinite(summary["duration_s"]) and summary["duration_s"] < 200


def test_nan_inside_samples_is_skipped_and_marked_as_gap(tmp_path: Path) -> None:
    csv = tmp_path / "walk.csv"
    t = np.arange(2000) / 100.0
    rows = "\n".join(f"{x:.2f},0,0,9.81,{10 * np.sin(x):.4f},0,0" for x in t)
    csv.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + rows + "\n")
    rec = tmp_path / "walk.jsonl"
    r = cli("import-csv", csv, "-o", rec, "--placement", "left_foot", "--toe-axis=+x",
            "--up-axis=+z")
    assert r.returncode == 0, r.stderr
    lines = rec.read_text().splitlines()
    idx = [i for i, line in enumerate(lines) if '"samples"' in line][50]
    obj = json.loads(lines[idx])
    obj["acc"][3][2] = float("nan")
    lines[idx] = json.dumps(obj)  # Python writes NaN
    assert "NaN" in lines[idx]
    rec.write_text("\n".join(lines) + "\n")
    reader = RecordingReader(rec)
    items = list(reader)
    assert reader.stats.non_finite == 1 and reader.stats.first_skipped_line == idx + 1
    assert all(np.isfinite(it.acc).all() for it in items if hasattr(it, "acc"))
    a = cli("analyze", rec, "--events", tmp_path / "ev.jsonl")
    assert a.returncode == 0 and "non-finite" in a.stderr
    gaps = [e for e in events_of(tmp_path / "ev.jsonl") if e["kind"] == "gap"]
    assert len(gaps) == 1
    assert gaps[0]["start_s"] < obj["t_sensor"][0] and gaps[0]["end_s"] > obj["t_sensor"][-1]


def test_history_survives_a_bad_row_and_remove_deletes_it(tmp_path: Path, small: Path) -> None:
    hist = tmp_path / "h.sqlite"
    env = {**os.environ, "RETROGAIT_HISTORY": str(hist)}
    rec = tmp_path / "run.jsonl"
    rec.write_bytes(small.read_bytes())
    assert cli("history", "add", rec, env=env).returncode == 0
    with sqlite3.connect(hist) as conn:  # a row as an older retrogait could store it
        sid = conn.execute("SELECT session_id FROM sessions").fetchone()[0]
        conn.execute("INSERT INTO sessions (session_id, started_at, duration_s, "
                     "backward_distance_m, forward_distance_m, summary_json) "
                     "VALUES ('bad', '2025-01-01T00:00:00+00:00', 9e999, 0, 0, '{}')")
    conn.close()
    r = cli("history", env=env)
    assert r.returncode == 0, r.stderr
    assert sid in r.stdout and "'bad' skipped" in r.stderr and "Traceback" not in r.stderr
    r = cli("report", "bad", "-o", tmp_path / "rep", env=env)
    one_line_error(r, "history remove bad")
    r = cli("history", "remove", "bad", env=env)
    assert r.returncode == 0 and "removed bad" in r.stdout
    r = cli("history", env=env)
    assert r.returncode == 0 and r.stderr == "" and sid in r.stdout
    one_line_error(cli("history", "remove", "bad", env=env), "no session 'bad'")


def test_history_refuses_a_non_finite_summary(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from retrogait.insights.history import History, HistoryError
    from retrogait.insights.summary import SummaryBuilder

    s = SummaryBuilder(athlete="ana", started_at=datetime(2025, 1, 1, tzinfo=UTC)).summary()
    bad = s.model_copy(update={"duration_s": float("inf")})
    with History(tmp_path / "h.sqlite") as h, pytest.raises(HistoryError, match="non-finite"):
        h.add_session(bad)


def test_history_file_that_is_not_sqlite_is_one_line(tmp_path: Path, small: Path) -> None:
    notdb = tmp_path / "notes.txt"
    notdb.write_text("hello " * 100)
    one_line_error(cli("history", "--history", notdb), "not a retrogait history")
    assert notdb.read_text() == "hello " * 100


# ------------------------------------------------------------------ 3. time order


def test_out_of_order_records_are_skipped_counted_and_a_gap(
    tmp_path: Path, demo_plain: list[str]
) -> None:
    lines = list(demo_plain)
    idx = _notification_lines(lines)[2000:2200]
    for i in idx:
        obj = json.loads(lines[i])
        obj["t"] = round(obj["t"] - 5.0, 6)
        lines[i] = json.dumps(obj, separators=(",", ":"))
    rec = tmp_path / "shifted.jsonl"
    rec.write_text("\n".join(lines) + "\n")
    reader = RecordingReader(rec)
    n = sum(1 for _ in reader)
    assert reader.stats.out_of_order == 200 and reader.stats.first_skipped_line == idx[0] + 1
    assert n == len(lines) - 1 - 200 - 1  # header and end record are not items
    a = cli("analyze", rec, "--events", tmp_path / "a.jsonl")
    assert a.returncode == 0 and "200 record(s) earlier than their sensor's previous" in a.stderr
    gaps = [e for e in events_of(tmp_path / "a.jsonl") if e["kind"] == "gap"]
    assert len(gaps) == 2  # one per sensor: the 200 records hold both feet's notifications


def test_reversed_file_is_refused_record_by_record_not_silently_analysed(
    tmp_path: Path, small: Path
) -> None:
    lines = small.read_text().splitlines()
    body = [line for line in lines[1:] if '"notification"' in line]
    rec = tmp_path / "rev.jsonl"
    rec.write_text("\n".join([lines[0], *reversed(body)]) + "\n")
    reader = RecordingReader(rec)
    assert sum(1 for _ in reader) == 1
    assert reader.stats.out_of_order == len(body) - 1


# ------------------------------------------------------------------ 4. names from files


def test_athlete_with_a_path_is_refused_on_import(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    rows = "\n".join(f"{x / 100},0,0,9.81,0,0,0" for x in range(50))
    csv.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + rows + "\n")
    r = cli("import-csv", csv, "-o", tmp_path / "o.jsonl", "--placement", "left_foot",
            "--toe-axis=+x", "--up-axis=+z", "--athlete", "x/../../../../ESCAPED")
    one_line_error(r, "--athlete", "letters, digits")
    assert not (tmp_path / "o.jsonl").exists()


def test_athlete_with_a_path_in_a_header_is_refused_on_read(tmp_path: Path,
                                                            small: Path) -> None:
    lines = small.read_text().splitlines()
    head = json.loads(lines[0])
    head["athlete"] = "x/../../../../ESCAPED"
    rec = tmp_path / "evil.jsonl"
    rec.write_text("\n".join([json.dumps(head), *lines[1:]]) + "\n")
    r = cli("report", rec, cwd=tmp_path)
    one_line_error(r, "evil.jsonl:1", "athlete")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.jsonl"]
    assert not (tmp_path.parent / "ESCAPED").exists()


def test_names_in_paths_are_one_plain_component() -> None:
    assert safe_name("x/../../../../ESCAPED") == "x_.._.._.._.._ESCAPED"
    assert "/" not in safe_name("../..") and not safe_name("../..").startswith(".")
    assert safe_name("\x1b[31m") == "_31m"
    assert safe_name("") == "session"


def test_terminal_control_codes_from_names_are_escaped(tmp_path: Path) -> None:
    evil = tmp_path / "\x1b[2J\x1b]0;pwned\x07.jsonl"
    r = cli("analyze", evil)
    one_line_error(r, "no such recording")
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    assert "\\x1b[2J" in r.stderr


# ------------------------------------------------------------------ 8. line length


def test_a_huge_line_is_refused_quickly_with_a_clear_error(tmp_path: Path, small: Path) -> None:
    """Linear time: a line of 2x the limit is refused after reading just past the limit."""
    rec = tmp_path / "long.jsonl"
    with open(rec, "wb") as fh:
        fh.write(small.read_bytes().split(b"\n", 1)[0] + b"\n")
        fh.write(b"7" * (2 * MAX_LINE_BYTES))
    reader = RecordingReader(rec)
    from retrogait.errors import RecordingError

    with pytest.raises(RecordingError, match=r"long.jsonl:2: line longer than 16 MiB"):
        list(reader)
