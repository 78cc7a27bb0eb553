"""Streaming recording writer: records reach the OS within ``flush_interval_s`` of wall time.

Records are collected in memory and written in one piece (plain ``.jsonl``: written and flushed;
``.jsonl.gz``: compressed and sync-flushed with ``Z_SYNC_FLUSH``) when a record comes more than
``flush_interval_s`` (default 0.5 s) after the last flush, on connection events, markers and
close, and on :meth:`RecordingWriter.flush` (the live daemon calls it on a timer, so the bound
also holds when the stream stalls). A crash loses at most that interval, and the file still
reads up to its last complete record. ``max_pending`` bounds the records held in memory (they are
then handed to the file or the compressor without a flush). Batching costs one system call and
one compressor call per interval instead of per record.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import numpy as np

from retrogait.recording.format import (
    ConnectionRecord,
    EndRecord,
    Header,
    MarkerRecord,
    SamplesRecord,
)
from retrogait.sources.base import (
    ConnectionChange,
    DecodedSamples,
    Marker,
    Notification,
    SourceItem,
)

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _dumps(obj: object) -> str:
    return _ENCODER.encode(obj)


GZIP_LEVEL = 6
"""zlib's default; on simulator recording lines, compressed in batches, about a third less CPU
than gzip's default level 9 for 2 % more bytes"""


class RecordingWriter:
    def __init__(
        self,
        path: str | Path,
        header: Header,
        flush_interval_s: float = 0.5,
        max_pending: int = 4096,
    ) -> None:
        self.path = Path(path)
        self.header = header
        self._gz = self.path.name.endswith(".gz")
        self.flush_interval_s = flush_interval_s
        self.max_pending = max_pending
        self._pending: list[bytes] = []
        self._raw: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._gzip: gzip.GzipFile | None = None
        self._out: IO[bytes] | gzip.GzipFile = self._raw
        if self._gz:
            self._gzip = gzip.GzipFile(
                fileobj=self._raw, mode="wb", mtime=0, compresslevel=GZIP_LEVEL
            )
            self._out = self._gzip
        self._last_flush = time.monotonic()
        self._sensor_ids = {s.id for s in header.sensors}
        self._prefixes: dict[tuple[str, str], str] = {}
        self.records_written = 0
        self.last_t = 0.0
        self.closed = False
        self._write_line(header.model_dump_json(), force_flush=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close("error" if exc_type else "stopped")

    def _write_line(self, line: str, force_flush: bool = False) -> None:
        if self.closed:
            raise ValueError(f"{self.path}: recording already closed")
        self._pending.append(line.encode("utf-8"))
        self.records_written += 1
        if force_flush or time.monotonic() - self._last_flush >= self.flush_interval_s:
            self.flush()
        elif len(self._pending) >= self.max_pending:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._pending:
            self._pending.append(b"")  # the last record's newline
            self._out.write(b"\n".join(self._pending))
            self._pending.clear()

    def flush(self) -> None:
        """Write what is pending and push it to the OS (gzip: a sync flush, so a reader can
        decompress everything up to here)."""
        if self.closed:
            return
        self._hand_over()
        if self._gzip is not None:
            self._gzip.flush(zlib.Z_SYNC_FLUSH)
        self._raw.flush()
        self._last_flush = time.monotonic()

    @property
    def pending(self) -> int:
        """Records not yet handed to the file."""
        return len(self._pending)

    def _check_sensor(self, sensor: str) -> None:
        if sensor not in self._sensor_ids:
            raise ValueError(f"sensor {sensor!r} is not in the recording header")

    def write_notification(self, t: float, sensor: str, char: str, payload: bytes) -> None:
        prefix = self._prefixes.get((sensor, char))
        if prefix is None:
            self._check_sensor(sensor)
            # the JSON-escaped constant part, once per (sensor, characteristic)
            prefix = self._prefixes[(sensor, char)] = (
                f'"sensor":{_dumps(sensor)},"char":{_dumps(char)},"hex":"'
            )
        if t > self.last_t:
            self.last_t = t
        # hand-built for speed on the hot path: exactly json.dumps of a NotificationRecord's
        # fields (a float's JSON is its repr)
        self._write_line(
            f'{{"type":"notification","t":{float(round(t, 6))!r},{prefix}{payload.hex()}"}}'
        )

    def write(self, item: SourceItem) -> None:
        self.last_t = max(self.last_t, item.t)
        match item:
            case Notification():
                self.write_notification(item.t, item.sensor, item.char, item.payload)
            case DecodedSamples():
                self._check_sensor(item.sensor)
                rec = SamplesRecord(
                    t=round(item.t, 6),
                    sensor=item.sensor,
                    t_sensor=[round(float(x), 6) for x in item.t_sensor],
                    acc=[tuple(r) for r in item.acc.round(6).tolist()],
                    gyr=(None if np.isnan(item.gyr).all()  # no gyroscope
                         else [tuple(r) for r in item.gyr.round(6).tolist()]),
                )
                self._write_line(rec.model_dump_json())
            case ConnectionChange():
                self._check_sensor(item.sensor)
                rec2 = ConnectionRecord(
                    t=round(item.t, 6), sensor=item.sensor, event=item.event, detail=item.detail
                )
                self._write_line(rec2.model_dump_json(), force_flush=True)
            case Marker():
                rec3 = MarkerRecord(t=round(item.t, 6), label=item.label)
                self._write_line(rec3.model_dump_json(), force_flush=True)
            case _:
                raise TypeError(f"cannot record {type(item).__name__}")

    def close(self, reason: str = "stopped", t: float | None = None) -> None:
        if self.closed:
            return
        end = EndRecord(t=round(t if t is not None else self.last_t, 6), reason=reason)
        self._write_line(end.model_dump_json(), force_flush=True)
        self.closed = True
        if self._gzip is not None:
            self._gzip.close()
        self._raw.close()

