"""Streaming recording writer: every record reaches the OS as it is written.

Plain ``.jsonl`` files are flushed after every record. ``.jsonl.gz`` files are sync-flushed
(``Z_SYNC_FLUSH``) at most every ``flush_interval_s`` of wall time and on connection events,
markers and close, so a crash loses at most that interval and the file still decompresses up
to its last complete record.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from pathlib import Path
from types import TracebackType
from typing import IO, Self

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


def _dumps(obj: dict[str, object]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class RecordingWriter:
    def __init__(self, path: str | Path, header: Header, flush_interval_s: float = 0.5) -> None:
        self.path = Path(path)
        self.header = header
        self._gz = self.path.name.endswith(".gz")
        self.flush_interval_s = flush_interval_s
        self._raw: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._gzip: gzip.GzipFile | None = None
        self._out: IO[bytes] | gzip.GzipFile = self._raw
        if self._gz:
            self._gzip = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0)
            self._out = self._gzip
        self._last_flush = time.monotonic()
        self._sensor_ids = {s.id for s in header.sensors}
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
        self._out.write(line.encode("utf-8") + b"\n")
        self.records_written += 1
        now = time.monotonic()
        if not self._gz or force_flush or now - self._last_flush >= self.flush_interval_s:
            self.flush()
            self._last_flush = now

    def flush(self) -> None:
        if self._gzip is not None:
            self._gzip.flush(zlib.Z_SYNC_FLUSH)
        self._raw.flush()

    def _check_sensor(self, sensor: str) -> None:
        if sensor not in self._sensor_ids:
            raise ValueError(f"sensor {sensor!r} is not in the recording header")

    def write_notification(self, t: float, sensor: str, char: str, payload: bytes) -> None:
        self._check_sensor(sensor)
        self.last_t = max(self.last_t, t)
        # hand-built for speed on the hot path; same fields as NotificationRecord
        self._write_line(
            _dumps({"type": "notification", "t": round(t, 6), "sensor": sensor,
                    "char": char, "hex": payload.hex()})
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
                    gyr=[tuple(r) for r in item.gyr.round(6).tolist()],
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

