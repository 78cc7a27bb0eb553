"""Recording reader: validates as it goes, survives files cut off by a crash.

A complete final line is read even without its trailing newline; an incomplete one (the crash
case) is dropped and counted in :attr:`ReadStats.dropped_bytes`. A malformed line anywhere else
is an error naming the file and line number: a recording is never silently half-read.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from retrogait.errors import RecordingError
from retrogait.profiles.loader import format_validation_error
from retrogait.recording.format import (
    BODY_ADAPTER,
    FORMAT_NAME,
    FORMAT_VERSION,
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

_CHUNK = 1 << 16


@dataclass
class ReadStats:
    lines: int = 0
    notifications: int = 0
    dropped_bytes: int = 0
    truncated: bool = False
    ended_cleanly: bool = False
    end_reason: str | None = None
    end_t: float | None = None

    def describe(self) -> str:
        if self.ended_cleanly:
            return f"{self.lines} records, ended cleanly ({self.end_reason})"
        cut = f", dropped {self.dropped_bytes} bytes of an incomplete last record" if (
            self.dropped_bytes) else ""
        return f"{self.lines} records, no end record (file was cut off){cut}"


def _raw_chunks(path: Path) -> Iterator[bytes]:
    """Bytes of the file, decompressed if gzip; a truncated gzip stream yields what it holds."""
    with open(path, "rb") as fh:
        first = fh.read(_CHUNK)
        if first[:2] == b"\x1f\x8b":
            decomp = zlib.decompressobj(wbits=31)
            chunk = first
            while chunk:
                try:
                    out = decomp.decompress(chunk)
                except zlib.error as exc:
                    raise RecordingError(f"{path}: corrupt gzip data: {exc}") from None
                if out:
                    yield out
                if decomp.eof:
                    return
                chunk = fh.read(_CHUNK)
            tail = decomp.flush()
            if tail:
                yield tail
        else:
            chunk = first
            while chunk:
                yield chunk
                chunk = fh.read(_CHUNK)


def _lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, line bytes, ended with a newline)."""
    buf = b""
    lineno = 0
    for chunk in _raw_chunks(path):
        buf += chunk
        parts = buf.split(b"\n")
        buf = parts.pop()
        for part in parts:
            lineno += 1
            yield lineno, part, True
    if buf:
        yield lineno + 1, buf, False


class RecordingReader:
    """Iterate a recording's records as :data:`SourceItem`; header available after construction."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise RecordingError(f"{self.path}: no such recording")
        self.stats = ReadStats()
        self._lines = _lines(self.path)
        self.header = self._read_header()

    def _read_header(self) -> Header:
        try:
            _, line, _ = next(self._lines)
        except StopIteration:
            raise RecordingError(f"{self.path}: empty file, expected a recording header") from None
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RecordingError(
                f"{self.path}:1: not a retrogait recording (first line is not JSON)"
            ) from None
        if not isinstance(obj, dict) or obj.get("type") != "header":
            raise RecordingError(f"{self.path}:1: expected a header record first")
        if obj.get("format") != FORMAT_NAME:
            raise RecordingError(
                f"{self.path}:1: format {obj.get('format')!r} is not {FORMAT_NAME}"
            )
        if obj.get("version") != FORMAT_VERSION:
            raise RecordingError(
                f"{self.path}:1: format version {obj.get('version')!r} is not supported "
                f"(this retrogait reads version {FORMAT_VERSION})"
            )
        try:
            header = Header.model_validate(obj)
        except ValidationError as exc:
            raise RecordingError(format_validation_error(f"{self.path}:1", exc)) from None
        self.stats.lines = 1
        return header

    def __iter__(self) -> Iterator[SourceItem]:
        sensors = {s.id for s in self.header.sensors}
        for lineno, line, complete in self._lines:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                item = self._item(obj)
            except (ValueError, KeyError, TypeError, ValidationError) as exc:
                if not complete:
                    self.stats.truncated = True
                    self.stats.dropped_bytes = len(line)
                    return
                msg = (
                    format_validation_error(f"{self.path}:{lineno}", exc)
                    if isinstance(exc, ValidationError)
                    else f"{self.path}:{lineno}: malformed record: {exc}"
                )
                raise RecordingError(msg) from None
            self.stats.lines += 1
            if item is None:
                continue
            sensor = getattr(item, "sensor", None)
            if sensor is not None and sensor not in sensors:
                raise RecordingError(
                    f"{self.path}:{lineno}: sensor {sensor!r} is not declared in the header"
                )
            yield item

    def _item(self, obj: dict[str, object]) -> SourceItem | None:
        if obj.get("type") == "notification":
            # fast path, same fields as NotificationRecord
            t, sensor, char, hx = obj["t"], obj["sensor"], obj["char"], obj["hex"]
            if not isinstance(t, int | float) or not isinstance(sensor, str) or not isinstance(
                char, str) or not isinstance(hx, str) or len(obj) != 5:
                raise ValueError("notification needs t (number), sensor, char, hex (strings)")
            self.stats.notifications += 1
            return Notification(float(t), sensor, char, bytes.fromhex(hx))
        rec = BODY_ADAPTER.validate_python(obj)
        match rec:
            case SamplesRecord():
                acc = np.asarray(rec.acc, dtype=np.float64)
                gyr = np.asarray(rec.gyr, dtype=np.float64)
                ts = np.asarray(rec.t_sensor, dtype=np.float64)
                if acc.shape != (len(ts), 3) or gyr.shape != (len(ts), 3):
                    raise ValueError("samples: t_sensor, acc and gyr lengths differ")
                return DecodedSamples(rec.t, rec.sensor, ts, acc, gyr)
            case ConnectionRecord():
                return ConnectionChange(rec.t, rec.sensor, rec.event, rec.detail)
            case MarkerRecord():
                return Marker(rec.t, rec.label)
            case EndRecord():
                self.stats.ended_cleanly = True
                self.stats.end_reason = rec.reason
                self.stats.end_t = rec.t
                return None
        raise ValueError(f"unknown record type {obj.get('type')!r}")


def read_header(path: str | Path) -> Header:
    return RecordingReader(path).header
