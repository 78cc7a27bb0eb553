"""Simulator configuration and orchestration: scenario -> kinematics -> IMU -> packets -> files."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from retrogait import __version__
from retrogait.decoders import encoder_for
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.errors import ConfigError, DecodeError
from retrogait.profiles import FirmwareProfile, find_profile
from retrogait.recording import Header, RecordingWriter, SensorInfo
from retrogait.simulate.gait import Foot, GaitPlan, plan_gait
from retrogait.simulate.ground_truth import SensorSpan, build_truth
from retrogait.simulate.imu import ImuErrors, ImuSignals, Placement, make_placement, simulate_imu
from retrogait.simulate.kinematics import FloatArray
from retrogait.simulate.scenarios import get_scenario
from retrogait.simulate.writer import BleLinkModel, ClockModel, TimedPacket, packet_arrivals
from retrogait.sources.base import ConnectionChange
from retrogait.truth import GroundTruth, truth_path_for

CREATED = datetime(2025, 1, 1, tzinfo=UTC)
"""Nominal creation time written in simulated headers (fixed so files are reproducible)."""
_SENSOR_INDEX = {"left": 0, "right": 1}


class SimConfig(BaseModel):
    """Everything that defines a simulated recording; same config + seed = same bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str = "session"
    duration_s: float | None = Field(default=None, gt=0, description="None: scenario default")
    seed: int = 0
    profile: str = "retrogait-imu"
    rate_hz: float | None = Field(default=None, gt=0, description="None: profile default")
    feet: tuple[Foot, ...] = ("left", "right")
    mount: Literal["mixed", "instep", "lateral"] = Field(
        default="mixed", description="mixed: left on the instep, right on the lateral side"
    )
    misalignment_deg: float = Field(default=3.0, ge=0, le=30)
    packet_loss: float = Field(default=0.0, ge=0, lt=1)
    acc_range_g: float | None = Field(default=None, gt=0, description="None: profile range")
    ideal: bool = Field(default=False, description="no noise/bias/scale/misalignment/ringing")
    connection_interval_s: float = Field(default=0.015, ge=0.0075, le=0.5)
    randomize: bool = Field(default=False, description="draw the whole session from the seed "
                            "(retrogait.simulate.randomized); the other options are ignored")

    @field_validator("feet")
    @classmethod
    def _feet(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v or len(set(v)) != len(v):
            raise ValueError("feet must be left, right or both, each once")
        return tuple(sorted(v, key=lambda f: _SENSOR_INDEX[f]))

    def command_line(self, output: str) -> str:
        if self.randomize:
            return f"retrogait simulate --randomize --seed {self.seed} -o {output}"
        parts = [f"retrogait simulate --scenario {self.scenario}"]
        if self.duration_s is not None:
            parts.append(f"--duration {self.duration_s:g}")
        parts.append(f"--seed {self.seed}")
        if self.profile != "retrogait-imu":
            parts.append(f"--profile {self.profile}")
        if self.rate_hz is not None:
            parts.append(f"--rate {self.rate_hz:g}")
        if self.feet != ("left", "right"):
            parts.append(f"--feet {','.join(self.feet)}")
        if self.mount != "mixed":
            parts.append(f"--mount {self.mount}")
        if self.misalignment_deg != 3.0:
            parts.append(f"--misalignment-deg {self.misalignment_deg:g}")
        if self.packet_loss:
            parts.append(f"--packet-loss {self.packet_loss:g}")
        if self.acc_range_g is not None:
            parts.append(f"--acc-range-g {self.acc_range_g:g}")
        if self.ideal:
            parts.append("--ideal")
        if self.connection_interval_s != 0.015:
            parts.append(f"--connection-interval-ms {self.connection_interval_s * 1000:g}")
        parts.append(f"-o {output}")
        return " ".join(parts)


_OPTIONS = {
    "duration_s": "--duration", "rate_hz": "--rate", "feet": "--feet", "mount": "--mount",
    "misalignment_deg": "--misalignment-deg", "packet_loss": "--packet-loss",
    "acc_range_g": "--acc-range-g", "connection_interval_s": "--connection-interval-ms",
    "seed": "--seed", "scenario": "--scenario", "profile": "--profile",
}


def make_config(**kwargs: object) -> SimConfig:
    """:class:`SimConfig` from keyword options; invalid values raise :class:`ConfigError`."""
    try:
        return SimConfig.model_validate(kwargs)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        option = _OPTIONS.get(field, field)
        raise ConfigError(f"simulate {option}: {err['msg']}") from None


@dataclass
class SimulatedSensor:
    sensor_id: str
    foot: Foot
    placement: Placement
    clock: ClockModel
    t_host: FloatArray  # sample times on the host clock (recording time base), s
    t_sensor: FloatArray  # the same samples on the sensor's clock, s
    signals: ImuSignals
    packets: list[TimedPacket]
    packets_total: int


@dataclass
class Simulation:
    config: SimConfig
    profile: FirmwareProfile
    rate_hz: float
    plan: GaitPlan
    sensors: list[SimulatedSensor]
    truth: GroundTruth

    def sensor_infos(self) -> list[SensorInfo]:
        return [
            SensorInfo(
                id=s.sensor_id,
                profile=self.profile.name,
                placement="left_foot" if s.foot == "left" else "right_foot",
                mounting=s.placement.mounting,
                name=f"RG-IMU-SIM-{s.foot[0].upper()}",
                rate_hz=self.rate_hz,
            )
            for s in self.sensors
        ]

    def header(self, output_name: str) -> Header:
        return Header(
            created=CREATED,
            software=f"retrogait {__version__} simulate",
            origin="simulator",
            sensors=self.sensor_infos(),
            notes=f"simulated recording ({self.config.command_line(output_name)}); "
            "ground truth in the .truth.json beside it; see docs/simulator.md",
        )


def _check_profile(cfg: SimConfig) -> tuple[FirmwareProfile, float]:
    profile = find_profile(cfg.profile)
    if profile.kind != "imu":
        raise ConfigError(f"profile {profile.name} is a {profile.kind} profile, not an IMU")
    rate = cfg.rate_hz if cfg.rate_hz is not None else profile.default_rate_hz
    if not any(math.isclose(rate, r) for r in profile.rates_hz):
        raise ConfigError(
            f"--rate {rate:g} Hz is not a rate of profile {profile.name} "
            f"({', '.join(f'{r:g}' for r in profile.rates_hz)})"
        )
    try:
        encoder_for(profile, rate)
    except DecodeError:
        raise ConfigError(
            f"profile {profile.name}: its decoder {profile.decoder.name!r} has no encoder, "
            "so the simulator cannot write its packets"
        ) from None
    return profile, rate


def _ranges(cfg: SimConfig, profile: FirmwareProfile) -> tuple[float, float]:
    acc_g = profile.acc_range_g or 16.0
    if cfg.acc_range_g is not None:
        if cfg.acc_range_g > acc_g:
            raise ConfigError(
                f"--acc-range-g {cfg.acc_range_g:g} exceeds the range of profile "
                f"{profile.name} ({acc_g:g} g)"
            )
        acc_g = cfg.acc_range_g
    return acc_g * STANDARD_GRAVITY, profile.gyr_range_dps or 2000.0


def sensor_notes(sensors: list[SimulatedSensor]) -> dict[str, dict[str, object]]:
    """Per sensor, the truth notes: true placement, clock, biases, clipping, lost packets."""
    return {
        s.sensor_id: {
            "placement": s.placement.name,
            "position_m": [round(float(x), 4) for x in s.placement.position_m],
            "true_sensor_to_foot": np.round(s.placement.true_sensor_to_foot, 6).tolist(),
            "misalignment_deg": s.placement.misalignment_deg,
            "clock_start_s": round(s.clock.start_s, 6),
            "clock_drift_ppm": round(s.clock.drift_ppm, 3),
            "clock_sensor_t0_s": round(s.clock.sensor_t0_s, 6),
            "gyr_bias_dps": np.round(s.signals.gyr_bias_dps, 4).tolist(),
            "acc_bias_m_s2": np.round(s.signals.acc_bias_m_s2, 4).tolist(),
            "acc_clipped_samples": s.signals.acc_clipped,
            "gyr_clipped_samples": s.signals.gyr_clipped,
            "packets": s.packets_total,
            "packets_lost": s.packets_total - len(s.packets),
        }
        for s in sensors
    }


def simulate(cfg: SimConfig, recording_name: str = "simulated.jsonl.gz") -> Simulation:
    """Run the whole simulation in memory (no files)."""
    if cfg.randomize:
        from retrogait.simulate.randomized import simulate_randomized

        return simulate_randomized(cfg, recording_name)
    profile, rate = _check_profile(cfg)
    acc_range, gyr_range = _ranges(cfg, profile)
    scenario = get_scenario(cfg.scenario)
    segments = scenario.segments(cfg.duration_s)
    seeds = np.random.SeedSequence(cfg.seed).spawn(9)
    plan = plan_gait(segments, np.random.default_rng(seeds[0]))
    errors = ImuErrors.ideal() if cfg.ideal else ImuErrors(misalignment_deg=cfg.misalignment_deg)
    link = BleLinkModel(connection_interval_s=cfg.connection_interval_s,
                        loss_prob=cfg.packet_loss)
    sensors: list[SimulatedSensor] = []
    spans: list[SensorSpan] = []
    for foot in cfg.feet:
        k = 1 + 4 * _SENSOR_INDEX[foot]
        rng_place, rng_imu, rng_clock, rng_link = (np.random.default_rng(s) for s in
                                                   seeds[k:k + 4])
        kind = cfg.mount if cfg.mount != "mixed" else ("instep" if foot == "left" else "lateral")
        placement = make_placement(kind, foot, errors.misalignment_deg, rng_place)
        clock = ClockModel.random(rng_clock)
        end = plan.end_s - float(rng_clock.uniform(0.0, 0.2))
        t_host, t_sensor = clock.sample_times(rate, end)
        signals = simulate_imu(plan.trajectories[foot], t_host, placement, errors, rng_imu,
                               acc_range, gyr_range)
        encoder = encoder_for(profile, rate)
        packets = encoder.encode(t_sensor, signals.acc, signals.gyr)
        timed = packet_arrivals(foot, packets, t_host, link, rng_link)
        sensors.append(SimulatedSensor(foot, foot, placement, clock, t_host, t_sensor, signals,
                                       timed, len(packets)))
        spans.append(SensorSpan(foot, foot, placement.position_m, float(t_host[0]),
                                float(t_host[-1])))
    # (randomize is always False here: left out so existing truth files stay byte-identical)
    notes = json.dumps({"config": cfg.model_dump(mode="json", exclude={"randomize"}),
                        "sensors": sensor_notes(sensors)}, separators=(",", ":"))
    truth = build_truth(plan, spans, recording_name, notes)
    return Simulation(cfg, profile, rate, plan, sensors, truth)


def write_simulation(sim: Simulation, output: str | Path) -> tuple[Path, Path]:
    """Write the recording (arrival order across sensors) and its truth beside it."""
    out = Path(output)
    if not out.name.endswith((".jsonl", ".jsonl.gz")):
        raise ConfigError(f"{out}: recordings end in .jsonl or .jsonl.gz")
    if not out.parent.is_dir():
        raise ConfigError(f"{out.parent}: no such directory")
    header = sim.header(out.name)
    order = {s.sensor_id: i for i, s in enumerate(sim.sensors)}
    items: list[tuple[float, int, int, TimedPacket | None]] = []
    for s in sim.sensors:
        # the host connects just before the sensor starts streaming
        items.append((round(s.clock.start_s - 0.04, 6), order[s.sensor_id], -1, None))
        items.extend((tp.t_arrival, order[tp.sensor], i, tp) for i, tp in enumerate(s.packets))
    items.sort(key=lambda x: (x[0], x[1], x[2]))
    # flush only when forced (header, connection events, close): the gzip bytes then do not
    # depend on wall-clock timing, so a seed reproduces a byte-identical file
    with RecordingWriter(out, header, flush_interval_s=math.inf) as writer:
        for t, idx, _, tp in items:
            if tp is None:
                writer.write(ConnectionChange(t, sim.sensors[idx].sensor_id, "connected",
                                              "simulated"))
            else:
                writer.write_notification(t, tp.sensor, tp.packet.char, tp.packet.payload)
    truth = sim.truth.model_copy(update={"recording": out.name})
    truth_path = truth_path_for(out)
    truth.save(truth_path)
    return out, truth_path


def simulate_to_file(cfg: SimConfig, output: str | Path) -> tuple[Simulation, Path, Path]:
    sim = simulate(cfg, Path(output).name)
    rec, truth = write_simulation(sim, output)
    return sim, rec, truth
