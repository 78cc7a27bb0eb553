"""Whole-file analysis of a recording, with a column cache beside it.

``retrogait analyze``, :func:`retrogait.analyze` and the insights commands read a recording
once through the real flow (reader → decoders → clocks) and hold each sensor's timed samples
back (:meth:`GaitSession.handle_batched` without a size limit), then run the pipelines and
fusion on them (:meth:`GaitSession.flush`, :meth:`GaitSession.finish`): the events are the
ones streaming gives (the pipeline's events do not depend on block sizes).

Reading the recording (JSON Lines, raw notifications to decode) costs several times what the
pipeline costs, so the held-back state — per sensor the timed samples as columns ``t``, ``acc``,
``gyr`` with each block's sequence number, gap and lost packets, plus the few direct events
(connection changes, decode errors) and counters — is saved beside the recording as
``NAME.columns.npz`` (uncompressed NumPy arrays) and used on the next analysis of the same
file. The recording stays the one source of truth: the cache is keyed by the recording's size
and modification time, the retrogait version, the cache layout and the firmware profiles'
text, is rebuilt when any of them changes, is never required, and is skipped silently when the
folder is not writable. ``cache=False`` (``--no-cache``) neither reads nor writes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrogait import __version__
from retrogait.events import Event, parse_event
from retrogait.recording.format import IMPORTED_PROFILE, Header
from retrogait.recording.reader import ReadStats, RecordingReader
from retrogait.session import _NO_LIMIT, BlockColumns, GaitSession, SensorStats

log = logging.getLogger(__name__)

CACHE_LAYOUT = 2
"""Version of the cache's array layout; a change invalidates every cache (2: the reader skips
non-finite and out-of-order records, so caches of layout 1 may hold what it now skips)"""


@dataclass
class FileAnalysis:
    """What the whole-file analysis of one recording gives."""

    header: Header
    events: list[Event]
    stats: dict[str, SensorStats]
    read: ReadStats
    t_first: float | None
    """Earliest item time, s (the span the summary covers starts here)."""
    t_last: float | None
    from_cache: bool = False


def cache_path(recording: Path) -> Path:
    """``NAME.columns.npz`` beside ``NAME.jsonl[.gz]``."""
    stem = recording.name.removesuffix(".gz").removesuffix(".jsonl")
    return recording.with_name(f"{stem}.columns.npz")


def _key(recording: Path, header: Header, profile_dir: Path | None) -> str:
    from retrogait.profiles import default_profile_dir

    st = recording.stat()
    h = hashlib.sha256(f"{CACHE_LAYOUT}|{__version__}|{st.st_size}|{st.st_mtime_ns}".encode())
    folder = Path(profile_dir) if profile_dir else Path(str(default_profile_dir()))
    for s in sorted({s.profile for s in header.sensors} - {IMPORTED_PROFILE}):
        f = folder / f"{s}.toml"
        h.update(f.read_bytes() if f.is_file() else b"?")
    return h.hexdigest()


def analyze_file(recording: str | Path, profile_dir: str | Path | None = None,
                 cache: bool = True) -> FileAnalysis:
    """Every event of a recording, in emission order (see the module docstring)."""
    path = Path(recording)
    reader = RecordingReader(path)
    header = reader.header
    pdir = Path(profile_dir) if profile_dir else None
    key = _key(path, header, pdir) if cache else ""
    cpath = cache_path(path)
    session = GaitSession(header.sensors, profile_dir=profile_dir)
    restored = _load(cpath, key, session) if cache else None
    if restored is not None:
        read, t_first, t_last = restored
    else:
        t_first = t_last = None
        for item in reader:
            if t_first is None or item.t < t_first:
                t_first = item.t
            if t_last is None or item.t > t_last:
                t_last = item.t
            session.handle_batched(item, block_samples=_NO_LIMIT)
        read = reader.stats
        if cache:
            _save(cpath, key, session, read, t_first, t_last)
    events = session.flush()
    events.extend(session.finish())
    return FileAnalysis(header, events, session.stats(), read, t_first, t_last,
                        from_cache=restored is not None)


_FIELDS = ("seq", "n", "gap", "lost", "t", "acc", "gyr")


def _save(cpath: Path, key: str, session: GaitSession, read: ReadStats,
          t_first: float | None, t_last: float | None) -> None:
    arrays: dict[str, np.ndarray] = {}
    sensors: dict[str, object] = {}
    meta: dict[str, object] = {
        "key": key, "read": read.__dict__, "t_first": t_first, "t_last": t_last,
        "seq": session._seq, "sensors": sensors,
        "groups": [[seq, [e.model_dump_json() for e in evs], fuse]
                   for seq, evs, fuse in session._groups],
    }
    for i, (sid, st) in enumerate(session._state.items()):
        cols = session.hold_columns(st)
        sensors[sid] = {"index": i, "stats": st.stats.__dict__}
        for f in _FIELDS:
            arrays[f"{i}_{f}"] = getattr(cols, f)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    try:
        fd, tmp = tempfile.mkstemp(dir=cpath.parent, prefix=f".{cpath.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays)  # type: ignore[arg-type]
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # as any file the user writes, not mkstemp's 0600
            os.replace(tmp, cpath)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:  # a read-only folder: analyse without a cache
        log.debug("no column cache for %s: %s", cpath, exc)


def _load(cpath: Path, key: str, session: GaitSession
          ) -> tuple[ReadStats, float | None, float | None] | None:
    """Restore the held-back state into ``session``; None when there is no valid cache."""
    if not cpath.is_file():
        return None
    try:
        with np.load(cpath) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("key") != key or set(meta["sensors"]) != set(session._state):
                return None
            restored = {}
            for sid in session._state:
                info = meta["sensors"][sid]
                i = info["index"]
                restored[sid] = (BlockColumns(*(z[f"{i}_{f}"] for f in _FIELDS)),
                                 SensorStats(**info["stats"]))
        groups = [(int(seq), [parse_event(e) for e in evs], bool(fuse))
                  for seq, evs, fuse in meta["groups"]]
        read = ReadStats(**meta["read"])
    except Exception as exc:  # unreadable, foreign or crafted (BadZipFile, ...): rebuild
        log.debug("column cache %s not used: %s", cpath, exc)
        return None
    for sid, (cols, stats) in restored.items():
        st = session._state[sid]
        st.columns, st.stats = cols, stats
    session._groups = groups
    session._seq = int(meta["seq"])
    return read, meta["t_first"], meta["t_last"]
