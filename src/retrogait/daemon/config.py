"""``retrogait.toml``: the daemon's configuration, one pydantic model (the single definition).

Example::

    athlete = "athlete"
    adapter = "hci0"                # optional; BlueZ adapter

    [[devices]]
    id = "left"
    profile = "retrogait-imu"
    placement = "left_foot"
    address = "C4:3A:11:22:33:44"  # or: name = "^RG-IMU L"  (regex on the advertised name)
    # rate_hz = 200.0; toe_axis = "+x"; up_axis = "+z"  (defaults from the profile)

    [mqtt]                          # optional; absent = no MQTT
    url = "mqtts://broker.example.org"
    username = "athlete"                # password: here or $RETROGAIT_MQTT_PASSWORD

    [recording]
    dir = "~/retrogait/recordings"

    [history]                       # optional; the session summary is stored at the end
    path = "~/retrogait/history.sqlite"   # default: $RETROGAIT_HISTORY, else the user data dir

    [alerts]                        # optional; run a program on a fall (event JSON on stdin)
    command = "/usr/local/bin/notify-coach --sms"
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from retrogait.errors import ConfigError
from retrogait.mounting import Mounting
from retrogait.profiles import find_profile
from retrogait.profiles.loader import format_validation_error
from retrogait.profiles.schema import checked_regex
from retrogait.recording.format import ID_PATTERN, Placement, SensorInfo
from retrogait.sinks.alert_cmd import AlertSettings
from retrogait.sinks.cues.planner import CueSettings
from retrogait.sinks.mqtt import MqttSettings
from retrogait.sources.ble import BleDevice, BleOptions

DEFAULT_CONFIG = Path("retrogait.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeviceConfig(_Strict):
    """One sensor to connect to."""

    id: str = Field(pattern=ID_PATTERN, description="short id, also a topic level")
    profile: str = Field(description="firmware profile name (`retrogait profiles`)")
    placement: Placement
    address: str | None = Field(default=None, description="BLE address (or macOS UUID)")
    name: str | None = Field(
        default=None, description="regular expression on the advertised name (instead of address)"
    )
    rate_hz: float | None = Field(default=None, gt=0, description="sample rate, Hz")
    toe_axis: str | None = Field(default=None, description="sensor axis toward the toes")
    up_axis: str | None = Field(default=None, description="sensor axis pointing up, foot flat")

    @field_validator("name")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        """The name is a regular expression: a bad one is a config error, not a silent miss."""
        return checked_regex(v)

    def to_sensor(self, profile_dir: Path | None = None) -> BleDevice:
        profile = find_profile(self.profile, profile_dir)
        rate = self.rate_hz or profile.default_rate_hz
        if rate not in profile.rates_hz:
            raise ConfigError(
                f"device {self.id}: {rate:g} Hz is not a rate of {profile.name} "
                f"({', '.join(f'{r:g}' for r in profile.rates_hz)})"
            )
        mounting = profile.default_mounting
        if self.toe_axis or self.up_axis:
            try:
                mounting = Mounting(toe_axis=self.toe_axis or mounting.toe_axis,
                                    up_axis=self.up_axis or mounting.up_axis)
            except ValidationError as exc:
                raise ConfigError(f"device {self.id}: {exc.errors()[0]['msg']}") from None
        info = SensorInfo(id=self.id, profile=profile.name, placement=self.placement,
                          mounting=mounting, address=self.address, rate_hz=rate)
        return BleDevice(info, name_pattern=self.name)


class BleConfig(_Strict):
    scan_timeout_s: float = Field(default=10.0, gt=0, description="per search, s")
    connect_timeout_s: float = Field(default=20.0, gt=0)
    initial_attempts: int | None = Field(
        default=3, ge=1, description="searches before giving up on a sensor never seen"
    )
    reconnect_attempts: int | None = Field(
        default=None, ge=1, description="after a drop-out; absent = keep trying"
    )
    backoff_min_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=30.0, gt=0)
    queue_size: int = Field(default=4096, ge=16, description="notifications in flight")
    acquire_notify: bool = Field(
        default=False,
        description="BlueZ: read notifications from a socket (AcquireNotify) instead of D-Bus "
        "signals (StartNotify): less CPU per notification; off by default as in bleak, since some "
        "devices misbehave with it",
    )


class RecordingConfig(_Strict):
    enabled: bool = True
    dir: Path = Field(default=Path("recordings"), description="where session files go")
    compress: bool = Field(default=True, description=".jsonl.gz (sync-flushed every 0.5 s)")


class HistoryConfig(_Strict):
    enabled: bool = Field(default=True, description="store each session's summary at its end")
    path: Path | None = Field(
        default=None,
        description="history file; default $RETROGAIT_HISTORY, else "
        "$XDG_DATA_HOME/retrogait/history.sqlite (~/.local/share/...)",
    )

    def resolve(self) -> Path | None:
        """The file to store in: ``$RETROGAIT_HISTORY`` (the environment wins over the file,
        as for MQTT credentials), else ``path``, else the default; None when disabled."""
        import os

        from retrogait.insights.history import HISTORY_ENV, default_history_path

        if not self.enabled:
            return None
        if os.environ.get(HISTORY_ENV) or self.path is None:
            return default_history_path()
        return self.path.expanduser()


class DaemonConfig(_Strict):
    athlete: str = Field(pattern=ID_PATTERN, description="athlete id (topic level)")
    adapter: str | None = Field(default=None, description="BlueZ adapter, e.g. hci1")
    profile_dir: Path | None = None
    devices: list[DeviceConfig] = Field(default_factory=list)
    ble: BleConfig = Field(default_factory=BleConfig)
    mqtt: MqttSettings | None = None
    recording: RecordingConfig = Field(default_factory=RecordingConfig)
    history: HistoryConfig = Field(default_factory=HistoryConfig)
    alerts: AlertSettings | None = Field(
        default=None, description="a program to run on a fall alert; absent = none")
    events_jsonl: Path | None = Field(default=None, description="also write events here")
    notes: str = ""
    cues: CueSettings = Field(default_factory=CueSettings,
                              description="audio cues for --cues (docs/cues.md)")

    @model_validator(mode="after")
    def _unique(self) -> DaemonConfig:
        ids = [d.id for d in self.devices]
        if len(set(ids)) != len(ids):
            raise ValueError(f"device ids must be unique, got {ids}")
        return self

    def ble_devices(self) -> list[BleDevice]:
        return [d.to_sensor(self.profile_dir) for d in self.devices]

    def ble_options(self) -> BleOptions:
        b = self.ble
        return BleOptions(
            adapter=self.adapter, scan_timeout_s=b.scan_timeout_s,
            connect_timeout_s=b.connect_timeout_s, queue_size=b.queue_size,
            backoff_min_s=b.backoff_min_s, backoff_max_s=b.backoff_max_s,
            initial_attempts=b.initial_attempts, reconnect_attempts=b.reconnect_attempts,
            acquire_notify=b.acquire_notify,
        )


def load_config(path: Path) -> DaemonConfig:
    """Read and validate ``retrogait.toml``; errors name the file and field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                          "TOML files are UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        return DaemonConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc)) from None
