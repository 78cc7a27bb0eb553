"""The recording format (``retrogait-recording`` version 1): the single definition of its records.

A recording is JSON Lines (``.jsonl``, or gzip-compressed ``.jsonl.gz``): one header record
first, then records in time order, ideally an ``end`` record last. ``docs/recording-format.md``
is generated from these models (``python tools/gen_docs.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from retrogait.events import Foot
from retrogait.mounting import Mounting

FORMAT_NAME = "retrogait-recording"
IMPORTED_PROFILE = "imported"
"""Profile name of sensors whose samples were decoded elsewhere (``samples`` records)."""
FORMAT_VERSION = 1
ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
"""Sensor ids and athlete names: letters, digits, '_', '-', '.' (an MQTT topic level, and safe
as part of a file name)"""

Placement = Literal[
    "left_foot", "right_foot", "lower_back", "trunk", "chest", "head", "left_shank",
    "right_shank", "other",
]

FOOT_OF_PLACEMENT: dict[str, Foot] = {"left_foot": "left", "right_foot": "right"}
"""The foot a foot sensor is on, by placement (the one home of that mapping; other placements
are on no foot)."""


def check_athlete(name: str, what: str = "--athlete") -> str:
    """``name`` if it is a valid athlete id (:data:`ID_PATTERN`), else a one-line ConfigError."""
    import re

    from retrogait.errors import ConfigError

    if not re.match(ID_PATTERN, name):
        shown = name.encode("unicode_escape").decode("ascii")
        raise ConfigError(
            f"{what} {shown!r}: use letters, digits, '_', '-' and '.' only (an MQTT topic level)"
        )
    return name


class _Record(BaseModel):
    # NaN and infinities are not numbers a recording may hold (JSON has none either)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class SensorInfo(_Record):
    """One sensor of the session."""

    id: str = Field(pattern=ID_PATTERN, description="short id, unique in the recording")
    profile: str = Field(
        description="firmware profile name (file stem in firmware_profiles/), or 'imported' "
        "for samples decoded elsewhere"
    )
    placement: Placement
    mounting: Mounting = Field(description="sensor axes pointing toward the toes and up")
    address: str | None = Field(default=None, description="BLE address or platform id if known")
    name: str | None = Field(default=None, description="advertised device name if known")
    rate_hz: float | None = Field(default=None, gt=0, description="configured sample rate, Hz")


class Header(_Record):
    """First line of every recording: format, version, software and the sensors."""

    type: Literal["header"] = "header"
    format: Literal["retrogait-recording"] = "retrogait-recording"
    version: int = Field(default=FORMAT_VERSION, description="format version of this file")
    created: datetime = Field(description="wall-clock start of the session, ISO 8601 with zone")
    software: str = Field(description="program and version that wrote the file")
    origin: Literal["ble", "simulator", "import-csv", "other"] = "other"
    athlete: str | None = Field(
        default=None, pattern=ID_PATTERN,
        description="athlete id: letters, digits, '_', '-', '.' (an MQTT topic level)",
    )
    sensors: list[SensorInfo] = Field(min_length=1)
    notes: str = ""

    @field_validator("sensors")
    @classmethod
    def _unique(cls, v: list[SensorInfo]) -> list[SensorInfo]:
        ids = [s.id for s in v]
        if len(set(ids)) != len(ids):
            raise ValueError(f"sensor ids must be unique, got {ids}")
        return v


class NotificationRecord(_Record):
    """Raw bytes of one BLE notification; ``t`` = host arrival time, s since session start."""

    type: Literal["notification"] = "notification"
    t: float
    sensor: str
    char: str = Field(description="characteristic UUID")
    hex: str = Field(description="payload bytes, lower-case hex")


class SamplesRecord(_Record):
    """Decoded samples imported from elsewhere: t_sensor s, acc m/s², gyr deg/s, sensor frame."""

    type: Literal["samples"] = "samples"
    t: float
    sensor: str
    t_sensor: list[float] = Field(min_length=1)
    acc: list[tuple[float, float, float]]
    gyr: list[tuple[float, float, float]] | None = Field(
        None, description="deg/s; null: the sensor has no gyroscope (an accelerometer-only "
        "chest strap such as a Polar H10), read as NaN")


class ConnectionRecord(_Record):
    """A sensor's connection changed at host time ``t``."""

    type: Literal["connection"] = "connection"
    t: float
    sensor: str
    event: Literal["connected", "disconnected", "reconnected", "failed", "gave_up"]
    detail: str = ""


class MarkerRecord(_Record):
    """A user marker (lap, note) at host time ``t``."""

    type: Literal["marker"] = "marker"
    t: float
    label: str


class EndRecord(_Record):
    """Written when the session closes cleanly; its absence means the file was cut off."""

    type: Literal["end"] = "end"
    t: float
    reason: str = "stopped"


BodyRecord = Annotated[
    NotificationRecord | SamplesRecord | ConnectionRecord | MarkerRecord | EndRecord,
    Field(discriminator="type"),
]
BODY_ADAPTER: TypeAdapter[BodyRecord] = TypeAdapter(BodyRecord)
