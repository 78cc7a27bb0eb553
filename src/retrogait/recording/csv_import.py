"""Import CSV files of decoded samples (one file per sensor) into a recording.

Columns: ``t`` (s), ``acc_x,acc_y,acc_z`` (m/s²), ``gyr_x,gyr_y,gyr_z`` (deg/s), sensor frame.
Placement and mounting come from options or from a JSON sidecar beside the CSV
(``NAME.json`` with ``placement``, ``toe_axis``, ``up_axis``, optionally ``fs_hz`` and
``truth_times_s``), the layout of the real recordings in ``tests/data``.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from retrogait import __version__
from retrogait.errors import ConfigError, RecordingError
from retrogait.mounting import Mounting
from retrogait.outfiles import atomic_path
from retrogait.recording.format import IMPORTED_PROFILE, Header, SensorInfo
from retrogait.recording.writer import RecordingWriter
from retrogait.sources.base import DecodedSamples

COLUMNS = ("t", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
BLOCK = 16  # samples per record, about a BLE notification's worth


@dataclass
class CsvSensor:
    path: Path
    sensor_id: str
    placement: str
    mounting: Mounting
    sidecar: dict[str, Any]


def read_sidecar(csv_path: Path) -> dict[str, Any]:
    side = csv_path.with_suffix(".json")
    if not side.is_file():
        return {}
    try:
        data = json.loads(side.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{side}: not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ConfigError(f"{side}: invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{side}: expected a JSON object")
    for key in ("placement", "toe_axis", "up_axis"):
        if key in data and not isinstance(data[key], str):
            raise ConfigError(f"{side}: {key} must be a string, not {data[key]!r:.40}")
    return data


_STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[-_T ](\d{2})[-:](\d{2})[-:](\d{2})")


def session_start(sensors: list[CsvSensor]) -> datetime | None:
    """When the data were recorded, if the data say so: a sidecar's ``started_at`` (ISO 8601;
    UTC when it has no zone), else a ``YYYY-MM-DD-HH-MM-SS`` stamp in the first CSV's file name
    (as the PyShoe files carry; the zone is unknown and taken as UTC). None when unknown."""
    for s in sensors:
        raw = s.sidecar.get("started_at")
        if raw is not None:
            try:
                when = datetime.fromisoformat(str(raw))
            except ValueError:
                raise ConfigError(f"{s.path}: started_at {raw!r} is not an ISO 8601 time") from None
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    for s in sensors:
        m = _STAMP.search(s.path.name)
        if m:
            try:
                y, mo, d, h, mi, sec = (int(g) for g in m.groups())
                return datetime(y, mo, d, h, mi, sec, tzinfo=UTC)
            except ValueError:
                continue
    return None


def sidecar_rate(side: dict[str, Any], where: Path) -> float | None:
    """``fs_hz`` of a sidecar: a finite number > 0 (Hz), or None when absent."""
    v = side.get("fs_hz")
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
        raise ConfigError(
            f"{where.with_suffix('.json')}: fs_hz must be a positive number of Hz, not {v!r:.40}"
        )
    return float(v)


def read_csv(path: Path) -> NDArray[np.float64]:
    """(n, 7) array of t, acc xyz, gyr xyz; errors name the file and line."""
    if not path.is_file():
        raise RecordingError(f"{path}: no such CSV file")
    # utf-8-sig: Excel's "CSV UTF-8" starts with a byte order mark, which is skipped
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            return _rows(path, reader)
        except UnicodeDecodeError as exc:
            raise RecordingError(
                f"{path}: not UTF-8 text ({exc.reason} near line {reader.line_num + 1}); "
                "save the CSV as UTF-8"
            ) from None
        except csv.Error as exc:
            raise RecordingError(f"{path}:{reader.line_num}: not a CSV file ({exc})") from None


def _rows(path: Path, reader: Any) -> NDArray[np.float64]:
    """The header and number rows of a CSV reader as an (n, 7) array (checked)."""
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise RecordingError(f"{path}: empty CSV file") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RecordingError(
            f"{path}:1: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}"
        )
    idx = [header.index(c) for c in COLUMNS]
    rows = []
    for lineno, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        try:
            rows.append([float(row[i]) for i in idx])
        except (ValueError, IndexError):
            raise RecordingError(
                f"{path}:{lineno}: expected 7 numbers, got {row!r:.80}") from None
    data = np.asarray(rows, dtype=np.float64).reshape(-1, 7)
    if len(data) < 2:
        raise RecordingError(f"{path}: fewer than two samples")
    if not np.all(np.isfinite(data)):
        bad = int(np.argmax(~np.all(np.isfinite(data), axis=1))) + 2
        raise RecordingError(f"{path}:{bad}: non-finite value")
    if np.any(np.diff(data[:, 0]) <= 0):
        bad = int(np.argmax(np.diff(data[:, 0]) <= 0)) + 3
        raise RecordingError(f"{path}:{bad}: time t does not increase")
    return data


def import_csv(
    sensors: list[CsvSensor], out: Path, athlete: str | None = None, notes: str = "",
    started: datetime | None = None,
) -> Header:
    """Write one recording holding every CSV sensor's samples, interleaved in time order.

    The header's ``created`` (the session start) is ``started``, else what
    :func:`session_start` finds in the data, else the import time (and the notes say so)."""
    arrays = [read_csv(s.path) for s in sensors]
    infos = []
    for s, data in zip(sensors, arrays, strict=True):
        rate = sidecar_rate(s.sidecar, s.path) or float(
            round(1.0 / float(np.median(np.diff(data[:, 0])))))
        try:
            infos.append(
                SensorInfo(
                    id=s.sensor_id, profile=IMPORTED_PROFILE, placement=s.placement,
                    mounting=s.mounting, rate_hz=rate, name=s.path.name,
                )
            )
        except ValidationError as exc:
            raise ConfigError(f"{s.path}: {exc.errors()[0]['msg']}") from None
    when = started or session_start(sensors)
    default_notes = "imported from " + ", ".join(s.path.name for s in sensors)
    if when is None:
        default_notes += "; recording time unknown, session start = import time"
    header = Header(
        created=when or datetime.now(UTC), software=f"retrogait {__version__}",
        origin="import-csv", athlete=athlete, sensors=infos, notes=notes or default_notes,
    )
    records: list[DecodedSamples] = []
    for s, data in zip(sensors, arrays, strict=True):
        for start in range(0, len(data), BLOCK):
            blk = data[start : start + BLOCK]
            records.append(
                DecodedSamples(
                    t=float(blk[-1, 0]), sensor=s.sensor_id, t_sensor=blk[:, 0],
                    acc=blk[:, 1:4], gyr=blk[:, 4:7],
                )
            )
    records.sort(key=lambda r: r.t)
    with atomic_path(out) as tmp, RecordingWriter(tmp, header) as writer:
        for r in records:
            writer.write(r)
    return header
