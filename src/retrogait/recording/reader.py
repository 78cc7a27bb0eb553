"""Recording reader: validates as it goes, survives files cut off by a crash.

A complete final line is read even without its trailing newline; an incomplete one (the crash
case) is dropped and counted in :attr:`ReadStats.dropped_bytes`. A malformed line anywhere else
is an error naming the file and line number: a recording is never silently half-read.

Records that are well-formed but cannot be used are **skipped, counted and reported**
(:meth:`ReadStats.warnings`), the same for every command, since all of them read through this
class; the samples they held are missing, so the sensor's clock sees a gap there and the pipeline
emits a ``gap`` event (strides over it are marked uncertain):

- a record with a number that is not finite (``NaN``, ``Infinity``, ``1e400``);
- a data record (``notification``, ``samples``) whose time ``t`` is earlier than the previous
  data record of the same sensor (the format requires time order per sensor; equal times are
  fine).

Reading takes time linear in the file size with at most :data:`MAX_LINE_BYTES` per line (a
longer line is an error: no record comes near it). A gzip file may hold several members (as
``cat a.gz b.gz`` makes; read in order, like ``gzip -d``); bytes after the last member that are
not gzip data are reported as trailing garbage and ignored.
"""

from __future__ import annotations

import json
import math
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
MAX_LINE_BYTES = 16 << 20
"""Longest record line accepted, bytes (a notification is ~100 B, 16 imported samples ~2 kB)"""
_MAX_OUT = 1 << 20  # decompressed bytes per step: a gzip bomb cannot take more memory at once


class _Unusable(Exception):
    """A well-formed record that cannot be used (non-finite number): skipped and counted."""


@dataclass
class ReadStats:
    lines: int = 0
    notifications: int = 0
    dropped_bytes: int = 0
    truncated: bool = False
    ended_cleanly: bool = False
    end_reason: str | None = None
    end_t: float | None = None
    non_finite: int = 0
    """records skipped because a number in them is NaN or infinite"""
    out_of_order: int = 0
    """data records skipped because their time is before the sensor's previous record"""
    first_skipped_line: int | None = None
    trailing_bytes: int = 0
    """bytes after the last gzip member that are not gzip data (ignored)"""

    def describe(self) -> str:
        if self.ended_cleanly:
            return f"{self.lines} records, ended cleanly ({self.end_reason})"
        cut = f", dropped {self.dropped_bytes} bytes of an incomplete last record" if (
            self.dropped_bytes) else ""
        return f"{self.lines} records, no end record (file was cut off){cut}"

    def warnings(self) -> list[str]:
        """What a user should know about this read, one line each (empty: nothing to say)."""
        out = []
        if not self.ended_cleanly:
            out.append(self.describe())
        skipped = []
        if self.non_finite:
            skipped.append(f"{self.non_finite} record(s) with a non-finite number (NaN/Infinity)")
        if self.out_of_order:
            skipped.append(f"{self.out_of_order} record(s) earlier than their sensor's previous "
                           "record (out of time order)")
        if skipped:
            out.append(f"skipped {' and '.join(skipped)}, first at line "
                       f"{self.first_skipped_line}; the samples there count as a gap")
        if self.trailing_bytes:
            out.append(f"ignored {self.trailing_bytes} bytes of trailing garbage after the "
                       "compressed data")
        return out


def _raw_chunks(path: Path, stats: ReadStats) -> Iterator[bytes]:
    """Bytes of the file, decompressed if gzip (every member); a truncated gzip stream yields
    what it holds; non-gzip bytes after a member are counted in ``stats.trailing_bytes``."""
    with open(path, "rb") as fh:
        first = fh.read(_CHUNK)
        if first[:2] != b"\x1f\x8b":
            chunk = first
            while chunk:
                yield chunk
                chunk = fh.read(_CHUNK)
            return
        decomp = zlib.decompressobj(wbits=31)
        chunk = first
        while chunk:
            data = chunk
            while data:
                try:
                    out = decomp.decompress(data, _MAX_OUT)
                except zlib.error as exc:
                    raise RecordingError(f"{path}: corrupt gzip data: {exc}") from None
                if out:
                    yield out
                if decomp.eof:
                    rest = decomp.unused_data
                    if len(rest) < 2:
                        rest += fh.read(_CHUNK)
                    if not rest:
                        return
                    if rest[:2] != b"\x1f\x8b":  # not another member: trailing garbage
                        stats.trailing_bytes = len(rest) + len(fh.read())
                        return
                    decomp = zlib.decompressobj(wbits=31)
                    data = rest
                else:
                    data = decomp.unconsumed_tail
            chunk = fh.read(_CHUNK)
        tail = decomp.flush()
        if tail:
            yield tail


def _lines(path: Path, stats: ReadStats) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, line bytes, ended with a newline); linear time, lines of at most
    :data:`MAX_LINE_BYTES`."""
    pending: list[bytes] = []  # pieces of a line not yet ended, joined once at its end
    pending_len = 0
    lineno = 0
    for chunk in _raw_chunks(path, stats):
        parts = chunk.split(b"\n")
        tail = parts.pop()
        if parts and pending:
            pending.append(parts[0])
            parts[0] = b"".join(pending)
            pending, pending_len = [], 0
        for part in parts:
            lineno += 1
            if len(part) > MAX_LINE_BYTES:
                _too_long(path, lineno)
            yield lineno, part, True
        if tail:
            pending.append(tail)
            pending_len += len(tail)
            if pending_len > MAX_LINE_BYTES:
                _too_long(path, lineno + 1)
    if pending:
        yield lineno + 1, b"".join(pending), False


def _too_long(path: Path, lineno: int) -> None:
    raise RecordingError(
        f"{path}:{lineno}: line longer than {MAX_LINE_BYTES >> 20} MiB: not a retrogait "
        "recording, or a corrupt one"
    )


class RecordingReader:
    """Iterate a recording's records as :data:`SourceItem`; header available after construction."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise RecordingError(f"{self.path}: no such recording")
        self.stats = ReadStats()
        self._last_t: dict[str, float] = {}
        self._lines = _lines(self.path, self.stats)
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
        version = obj.get("version")
        if type(version) is not int and str(version) == str(FORMAT_VERSION):
            raise RecordingError(
                f"{self.path}:1: format version must be the number {FORMAT_VERSION}, not the "
                f"{type(version).__name__} {version!r}"
            )
        if version != FORMAT_VERSION:
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
            except _Unusable:
                self.stats.lines += 1
                self.stats.non_finite += 1
                self.stats.first_skipped_line = self.stats.first_skipped_line or lineno
                continue
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
            if isinstance(item, Notification | DecodedSamples):
                prev = self._last_t.get(item.sensor)
                if prev is not None and item.t < prev:
                    self.stats.out_of_order += 1
                    self.stats.first_skipped_line = self.stats.first_skipped_line or lineno
                    continue
                self._last_t[item.sensor] = item.t
            yield item

    def _item(self, obj: dict[str, object]) -> SourceItem | None:
        if obj.get("type") == "notification":
            # fast path, same fields as NotificationRecord
            t, sensor, char, hx = obj["t"], obj["sensor"], obj["char"], obj["hex"]
            if not isinstance(t, int | float) or not isinstance(sensor, str) or not isinstance(
                char, str) or not isinstance(hx, str) or len(obj) != 5 or isinstance(t, bool):
                raise ValueError("notification needs t (number), sensor, char, hex (strings)")
            if not math.isfinite(t):
                raise _Unusable
            self.stats.notifications += 1
            return Notification(float(t), sensor, char, bytes.fromhex(hx))
        try:
            rec = BODY_ADAPTER.validate_python(obj)
        except ValidationError as exc:
            if all(e["type"] == "finite_number" for e in exc.errors()):
                raise _Unusable from None
            raise
        match rec:
            case SamplesRecord():
                acc = np.asarray(rec.acc, dtype=np.float64)
                ts = np.asarray(rec.t_sensor, dtype=np.float64)
                gyr = (np.full((len(ts), 3), np.nan) if rec.gyr is None  # no gyroscope
                       else np.asarray(rec.gyr, dtype=np.float64))
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
