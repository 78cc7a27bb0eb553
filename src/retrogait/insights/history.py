"""Local session history (SQLite, standard library) and weekly backward-volume progression.

One file, by default ``$XDG_DATA_HOME/retrogait/history.sqlite`` (``~/.local/share/...``),
overridden by ``$RETROGAIT_HISTORY`` or an explicit path.

- A session is written in **one transaction** at session end: a crash mid-write leaves the
  previous state (SQLite's rollback journal restores it on the next open).
- The schema is versioned with ``PRAGMA user_version`` and migrated step by step
  (:data:`MIGRATIONS`); before migrating, the file is backed up beside itself and the migration
  is logged. A file written by a newer retrogait, or a database that is not a retrogait history,
  is refused, never rewritten.
- An existing session is never replaced unless asked (``replace=True``).

Progression: backward volume (distance, m) per ISO week (Monday to Sunday, the local date of each
session's start). A week *warns* when its volume exceeds the previous calendar week's by
**strictly more** than the limit (default 10 %): +10.0 % does not warn, anything above does.
The first week with backward running, and a week after a week without any, have no baseline and
do not warn (they say so). See ``docs/insights.md`` for the evidence behind the 10 % rule.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from retrogait.errors import RetrogaitError
from retrogait.insights.summary import SessionSummary

log = logging.getLogger(__name__)

HISTORY_ENV = "RETROGAIT_HISTORY"
DEFAULT_PROGRESSION_LIMIT = 0.10
APPLICATION_ID = 0x52475448  # "RGTH": marks the file as a retrogait history
_REL_TOL = 1e-9  # relative tolerance for float noise in summed distances at the limit

MIGRATIONS: list[list[str]] = [
    # version 1: the first schema (one row per session, the full summary as JSON)
    [
        """CREATE TABLE sessions (
            session_id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            duration_s REAL NOT NULL,
            backward_distance_m REAL NOT NULL,
            forward_distance_m REAL NOT NULL,
            summary_json TEXT NOT NULL
        )""",
    ],
    # version 2: athlete (many runners on one machine), backward time, recording path, when added
    [
        "ALTER TABLE sessions ADD COLUMN athlete TEXT",
        "ALTER TABLE sessions ADD COLUMN backward_time_s REAL NOT NULL DEFAULT 0",
        "ALTER TABLE sessions ADD COLUMN recording TEXT",
        "ALTER TABLE sessions ADD COLUMN added_at TEXT",
        "UPDATE sessions SET athlete = json_extract(summary_json, '$.athlete'), "
        "backward_time_s = coalesce(json_extract(summary_json, '$.backward.time_s'), 0), "
        "recording = json_extract(summary_json, '$.recording')",
        "CREATE INDEX sessions_started ON sessions (athlete, started_at)",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(RetrogaitError):
    """The history file cannot be used as asked (newer schema, not ours, duplicate session)."""


def default_history_path() -> Path:
    """``$RETROGAIT_HISTORY``, else ``$XDG_DATA_HOME/retrogait/history.sqlite``."""
    env = os.environ.get(HISTORY_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "retrogait" / "history.sqlite"


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    athlete: str | None
    started_at: datetime
    duration_s: float
    backward_distance_m: float
    backward_time_s: float
    forward_distance_m: float
    recording: str | None

    def summary_from(self, history: History) -> SessionSummary:
        return history.summary(self.session_id)


@dataclass(frozen=True)
class WeekVolume:
    """Backward volume of one ISO week; ``change`` vs the previous calendar week (fraction)."""

    week_start: date
    sessions: int
    backward_distance_m: float
    backward_time_s: float
    change: float | None
    warning: bool
    note: str = ""

    @property
    def iso_week(self) -> str:
        y, w, _ = self.week_start.isocalendar()
        return f"{y}-W{w:02d}"


def week_start(d: date) -> date:
    """Monday of the ISO week containing ``d``."""
    return d - timedelta(days=d.weekday())


def progression(
    volumes: dict[date, tuple[int, float, float]], limit: float = DEFAULT_PROGRESSION_LIMIT
) -> list[WeekVolume]:
    """Weekly volumes -> list with change and warning, one entry per week from the first to the
    last (weeks without sessions included, as zero).

    ``volumes``: Monday -> (sessions, backward distance m, backward time s). A week warns iff the
    previous week had backward volume ``p > 0`` and this week's ``v > p * (1 + limit)``
    (strictly; with a 1e-9 relative tolerance so float noise in summed strides cannot tip a week
    that is exactly at the limit).
    """
    if limit < 0:
        raise ValueError("progression limit must be >= 0")
    if not volumes:
        return []
    first, last = min(volumes), max(volumes)
    out: list[WeekVolume] = []
    prev: float | None = None
    w = first
    while w <= last:
        n, dist, time_s = volumes.get(w, (0, 0.0, 0.0))
        change: float | None = None
        warning = False
        note = ""
        if prev is None:
            note = "first week: no baseline"
        elif prev <= 0:
            if dist > 0:
                note = "no backward running the week before: no baseline"
        else:
            change = (dist - prev) / prev
            warning = dist > prev * (1.0 + limit) * (1.0 + _REL_TOL)
            if warning:
                note = (
                    f"backward volume +{change * 100:.1f} % over the previous week "
                    f"(limit {limit * 100:.0f} %)"
                )
        out.append(WeekVolume(w, n, dist, time_s, change, warning, note))
        prev = dist
        w += timedelta(days=7)
    return out


def _local_date(dt: datetime) -> date:
    return dt.astimezone().date() if dt.tzinfo is not None else dt.date()


class History:
    """The session history file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None, migrate: bool = True) -> None:
        self.bad_rows: dict[str, str] = {}
        """session id -> reason, for rows :meth:`sessions` skipped (unreadable)"""
        self.path = Path(path) if path is not None else default_history_path()
        if self.path.is_dir():
            raise HistoryError(f"{self.path}: is a folder; give the history file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves (one explicit transaction)
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"{self.path}: cannot open the history: {exc}") from None
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._open(migrate)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise HistoryError(f"{self.path}: not a retrogait history ({exc})") from None
        except BaseException:
            self._conn.close()
            raise

    # ---- schema

    def _version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _open(self, migrate: bool) -> None:
        version = self._version()
        app_id = int(self._conn.execute("PRAGMA application_id").fetchone()[0])
        tables = {
            r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if version == 0 and tables:
            raise HistoryError(
                f"{self.path}: not a retrogait history (has tables {sorted(tables)})"
            )
        if version and app_id not in (0, APPLICATION_ID):
            raise HistoryError(f"{self.path}: not a retrogait history (application_id {app_id})")
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: history schema version {version} is newer than this retrogait "
                f"understands ({SCHEMA_VERSION}); upgrade retrogait, the file is left untouched"
            )
        if version == SCHEMA_VERSION:
            return
        if not migrate:
            raise HistoryError(
                f"{self.path}: history schema version {version}, needs migration to "
                f"{SCHEMA_VERSION}"
            )
        if version > 0:
            backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
            dst = sqlite3.connect(backup)
            try:
                self._conn.backup(dst)
            finally:
                dst.close()
            log.warning(
                "%s: migrating history schema %d -> %d (backup: %s)",
                self.path, version, SCHEMA_VERSION, backup,
            )
        self.migrate_from(version)

    def migrate_from(self, version: int) -> None:
        """Apply migrations ``version+1 .. SCHEMA_VERSION``, all in one transaction."""
        with self._transaction() as conn:
            for v in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS[v]:
                    conn.execute(stmt)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        return self._version()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything in it commits together or not at all."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # ---- writing

    def add_session(self, summary: SessionSummary, replace: bool = False) -> None:
        """Store a session summary atomically; an existing session id is an error unless
        ``replace``. Sessions without a wall-clock start cannot be placed in a week."""
        if summary.started_at is None:
            raise HistoryError(f"session {summary.session_id}: no start time, cannot be stored")
        numbers = (summary.duration_s, summary.backward.distance_m, summary.backward.time_s,
                   summary.forward.distance_m)
        if not all(math.isfinite(x) for x in numbers):
            raise HistoryError(
                f"session {summary.session_id}: non-finite duration or distance, not stored"
            )
        with self._transaction() as conn:
            exists = conn.execute(
                "SELECT 1 FROM sessions WHERE session_id = ?", (summary.session_id,)
            ).fetchone()
            if exists and not replace:
                raise HistoryError(
                    f"session {summary.session_id} is already in the history "
                    "(use --replace to overwrite it)"
                )
            if exists:
                conn.execute("DELETE FROM sessions WHERE session_id = ?", (summary.session_id,))
            self._write(conn, summary)

    def remove_session(self, session_id: str) -> None:
        """Delete one session (one transaction); an unknown id is an error."""
        with self._transaction() as conn:
            cur = conn.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,))
            if cur.rowcount == 0:
                raise HistoryError(f"no session {session_id!r} in {self.path}")

    def _write(self, conn: sqlite3.Connection, summary: SessionSummary) -> None:
        assert summary.started_at is not None
        conn.execute(
            "INSERT INTO sessions (session_id, athlete, started_at, duration_s, "
            "backward_distance_m, backward_time_s, forward_distance_m, recording, added_at, "
            "summary_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                summary.session_id,
                summary.athlete,
                summary.started_at.isoformat(),
                summary.duration_s,
                summary.backward.distance_m,
                summary.backward.time_s,
                summary.forward.distance_m,
                summary.recording,
                datetime.now().astimezone().isoformat(timespec="seconds"),
                summary.to_json(),
            ),
        )

    # ---- reading

    def sessions(self, athlete: str | None = None) -> list[SessionRow]:
        q = (
            "SELECT session_id, athlete, started_at, duration_s, backward_distance_m, "
            "backward_time_s, forward_distance_m, recording FROM sessions"
        )
        args: tuple[str, ...] = ()
        if athlete is not None:
            q += " WHERE athlete = ?"
            args = (athlete,)
        rows = self._conn.execute(q + " ORDER BY started_at, session_id", args).fetchall()
        out = []
        for r in rows:
            try:
                row = SessionRow(
                    session_id=str(r["session_id"]),
                    athlete=r["athlete"],
                    started_at=datetime.fromisoformat(r["started_at"]),
                    duration_s=float(r["duration_s"]),
                    backward_distance_m=float(r["backward_distance_m"]),
                    backward_time_s=float(r["backward_time_s"]),
                    forward_distance_m=float(r["forward_distance_m"]),
                    recording=r["recording"],
                )
                numbers = (row.duration_s, row.backward_distance_m, row.backward_time_s,
                           row.forward_distance_m)
                if not all(math.isfinite(x) for x in numbers):
                    raise ValueError("non-finite duration or distance")
            except (TypeError, ValueError) as exc:
                # a row no current retrogait writes (an older bug, an edit by hand): skipped and
                # reported, so one bad row never makes the whole history unreadable
                self.bad_rows[str(r["session_id"])] = str(exc)
                continue
            out.append(row)
        return out

    def summary(self, session_id: str) -> SessionSummary:
        row = self._conn.execute(
            "SELECT summary_json FROM sessions WHERE session_id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise HistoryError(f"no session {session_id!r} in {self.path}")
        try:
            return SessionSummary.model_validate_json(row[0])
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise HistoryError(
                f"session {session_id!r} in {self.path} is unreadable ({type(exc).__name__}); "
                f"remove it with: retrogait history remove {session_id}"
            ) from None

    def weekly(
        self, athlete: str | None = None, limit: float = DEFAULT_PROGRESSION_LIMIT
    ) -> list[WeekVolume]:
        """Backward volume per ISO week with the progression warning (see module docstring)."""
        volumes: dict[date, tuple[int, float, float]] = {}
        for s in self.sessions(athlete):
            w = week_start(_local_date(s.started_at))
            n, d, t = volumes.get(w, (0, 0.0, 0.0))
            volumes[w] = (n + 1, d + s.backward_distance_m, t + s.backward_time_s)
        return progression(volumes, limit)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
