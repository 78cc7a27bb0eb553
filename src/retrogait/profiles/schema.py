"""The firmware-profile model: the single definition of the ``firmware_profiles/*.toml`` format."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from retrogait.mounting import Mounting

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"


def normalize_uuid(value: str) -> str:
    """Lower-case 128-bit UUID; 16-bit short forms (``"2a53"``) expand on the Bluetooth base."""
    v = value.strip().lower()
    if re.fullmatch(r"(0x)?[0-9a-f]{4}", v):
        v = f"0000{v[-4:]}{_BASE_UUID_SUFFIX}"
    if not _UUID_RE.match(v):
        raise ValueError(f"not a Bluetooth UUID: {value!r}")
    return v



def checked_regex(pattern: str | None) -> str | None:
    """``pattern`` unchanged when it is a valid regular expression (or None); a ValueError
    naming the problem otherwise, so a bad device-name pattern fails when its file loads."""
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
    return pattern

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Command(_Strict):
    """One GATT write: bytes in hex to a characteristic, with or without response."""

    char: str = Field(description="characteristic UUID to write to")
    hex: str = Field(description="payload bytes as hex, spaces allowed, e.g. 'ff aa 03 0b 00'")
    response: bool = Field(default=True, description="write with response (ATT Write Request)")
    delay_s: float = Field(default=0.0, ge=0.0, description="pause after the write, seconds")
    comment: str = ""

    @field_validator("char")
    @classmethod
    def _uuid(cls, v: str) -> str:
        return normalize_uuid(v)

    @field_validator("hex")
    @classmethod
    def _hex(cls, v: str) -> str:
        compact = v.replace(" ", "").replace(":", "").lower()
        try:
            bytes.fromhex(compact)
        except ValueError:
            raise ValueError(f"not hex bytes: {v!r}") from None
        return compact

    @property
    def payload(self) -> bytes:
        return bytes.fromhex(self.hex)


class Match(_Strict):
    """How to recognise the device in BLE advertisements."""

    name_pattern: str | None = Field(default=None, description="regular expression on the name")
    service_uuids: list[str] = Field(default_factory=list)
    manufacturer_id: int | None = None

    @field_validator("service_uuids")
    @classmethod
    def _uuids(cls, v: list[str]) -> list[str]:
        return [normalize_uuid(u) for u in v]

    @field_validator("name_pattern")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        return checked_regex(v)


class Gatt(_Strict):
    service: str
    notify: list[str] = Field(min_length=1, description="characteristics to subscribe to")
    write: str | None = Field(default=None, description="command characteristic, if any")

    @field_validator("service", "write")
    @classmethod
    def _uuid(cls, v: str | None) -> str | None:
        return None if v is None else normalize_uuid(v)

    @field_validator("notify")
    @classmethod
    def _uuids(cls, v: list[str]) -> list[str]:
        return [normalize_uuid(u) for u in v]


class DecoderSpec(_Strict):
    name: str = Field(description="registered decoder name, see `retrogait.decoders`")
    params: dict[str, Any] = Field(default_factory=dict)


class Axes(_Strict):
    convention: str = Field(description="the device's axis convention in words")
    documented_by_vendor: bool = True


class FirmwareProfile(_Strict):
    """One sensor family / firmware: how to find it, start it, and decode what it sends."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    vendor: str
    model: str
    firmware: str = ""
    description: str = ""
    kind: Literal["imu", "rsc"] = Field(
        default="imu", description="imu: raw acc/gyr; rsc: running speed and cadence channels"
    )
    match: Match = Field(default_factory=Match)
    gatt: Gatt
    rates_hz: list[float] = Field(min_length=1)
    default_rate_hz: float
    rate_commands: dict[str, list[Command]] = Field(
        default_factory=dict, description="commands that set each rate, keyed by the rate in Hz"
    )
    start: list[Command] = Field(default_factory=list)
    start_by_rate: dict[str, list[Command]] = Field(
        default_factory=dict,
        description="start commands whose bytes depend on the rate (e.g. a Movesense subscribe "
        "path or a Polar PMD start request), keyed by the rate in Hz; sent after `start`",
    )
    stop: list[Command] = Field(default_factory=list)
    decoder: DecoderSpec
    acc_range_g: float | None = None
    gyr_range_dps: float | None = None
    has_sensor_clock: bool = True
    axes: Axes
    default_mounting: Mounting
    mounting_note: str = ""
    quirks: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rates(self) -> FirmwareProfile:
        if self.default_rate_hz not in self.rates_hz:
            raise ValueError(f"default_rate_hz {self.default_rate_hz} is not in rates_hz")
        for field_name in ("rate_commands", "start_by_rate"):
            for key in getattr(self, field_name):
                try:
                    rate = float(key)
                except ValueError:
                    raise ValueError(f"{field_name} key {key!r} is not a number") from None
                if rate not in self.rates_hz:
                    raise ValueError(f"{field_name} key {key!r} is not in rates_hz")
        return self

    def commands_for_rate(self, rate_hz: float) -> list[Command]:
        for key, cmds in self.rate_commands.items():
            if float(key) == rate_hz:
                return cmds
        return []

    def start_sequence(self, rate_hz: float) -> list[Command]:
        """Every write that starts streaming at ``rate_hz``: rate commands, ``start``, then the
        rate-dependent ``start_by_rate`` commands (after notifications are enabled)."""
        by_rate: list[Command] = []
        for key, cmds in self.start_by_rate.items():
            if float(key) == rate_hz:
                by_rate = cmds
        return [*self.commands_for_rate(rate_hz), *self.start, *by_rate]
