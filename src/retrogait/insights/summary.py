"""Session summary: what a runner or coach wants to know after a (backward) run.

:class:`SummaryBuilder` consumes the event stream one event at a time in bounded memory
(running sums, fixed-resolution histograms for medians, one small bin per ``bin_s`` of session
time for the time courses) and :meth:`SummaryBuilder.summary` returns a :class:`SessionSummary`
at any moment, typically at session end::

    builder = SummaryBuilder(athlete="ana", recording="run.jsonl.gz")
    for event in events:
        builder.add(event)
    summary = builder.summary()

Conventions (see ``docs/insights.md``):

- Strides marked ``uncertain`` (they span a data gap or failed a check) are counted in
  :attr:`DataQuality.uncertain_strides` and in ``strides_total`` but left out of every time,
  distance, share and median: the summary only states what was measured.
- Time and distance per direction are summed per foot sensor and then averaged over the foot
  sensors that produced strides: with two feet, each foot's strides cover the whole way, so
  adding both would count the distance twice.
- Medians come from histograms with a fixed resolution (:data:`RESOLUTION`): they are within
  half a bin of the exact median.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from retrogait.errors import printable
from retrogait.events import (
    Direction,
    Event,
    FallEvent,
    GapEvent,
    PostureEvent,
    SensorStatusEvent,
    StepEvent,
    StrideEvent,
    TrunkStepEvent,
)

SUMMARY_SCHEMA = "retrogait.session/1"

# --- energy model constants, quoted from docs/references.md [ACSM], [WRIGHT2001], [RASICA2020]
ACSM_NET_HORIZONTAL_ML_O2_PER_KG_M = 0.2
"""ACSM running equation, net horizontal term: 0.2 ml O2 per kg body mass per metre (level)."""
KCAL_PER_L_O2 = 5.0
"""Energy equivalent of oxygen used with the ACSM equation: 1 L O2 ≈ 5 kcal."""
BACKWARD_COST_RATIO = (1.30, 1.35)
"""Backward/forward net cost per metre at the same speed, k ≈ 1.30–1.35 (docs/insights.md)."""

ENERGY_METHOD = (
    "net (above resting) cost of level running from the ACSM running equation, horizontal term "
    "0.2 ml O2/kg/m (= about 1 kcal/kg/km with 1 L O2 ~ 5 kcal), multiplied for backward running "
    "by k = 1.30-1.35, the range of measured same-speed backward/forward differences "
    "(+29 % to +35 %; whether they are gross or net ratios is not always stated, treat k as "
    "+/- 0.05). Per metre at the same speed: runners choosing a slower backward pace burn "
    "about as much per minute as forward. The ACSM equation overestimated measured VO2 in 29 of "
    "33 subjects in a 1999 check. Level ground assumed; no slope correction."
)
ENERGY_SOURCE = (
    "ACSM running equation; Wright & Weyand 2001 J Exp Biol 204:1805 (+34-35 % at 3.0 m/s); "
    "Rasica et al. 2020 Eur J Appl Physiol 120:2507 (+35 % on average); body-weight-support "
    "abstract (+29 %); full references in docs/references.md"
)

Metric = Literal["cadence_spm", "contact_time_s", "stride_length_m", "speed_m_s",
                 "strike_angle_deg"]
RESOLUTION: dict[Metric, tuple[float, float, float]] = {
    # metric: (lowest, highest, bin width); values outside are clamped to the end bins
    "cadence_spm": (0.0, 400.0, 0.1),
    "contact_time_s": (0.0, 2.0, 0.001),
    "stride_length_m": (0.0, 8.0, 0.005),
    "speed_m_s": (0.0, 12.0, 0.005),
    "strike_angle_deg": (-90.0, 90.0, 0.1),
}
METRICS: tuple[Metric, ...] = tuple(RESOLUTION)


TRUNK_BOUT_GAP_S = 2.0
"""A pause longer than this between trunk steps ends a bout, s."""
MIN_TRUNK_BOUT_STEPS = 6
MAX_TRUNK_BOUTS = 200


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stat(_Model):
    """Distribution of one per-stride quantity (certain strides only)."""

    n: int = 0
    median: float | None = None
    p25: float | None = None
    p75: float | None = None
    mean: float | None = None


class Metrics(_Model):
    """Per-stride quantities: cadence (steps/min implied by each stride), contact time s,
    stride length m, speed m/s, foot pitch at landing deg (negative = toes first)."""

    cadence_spm: Stat = Field(default_factory=Stat)
    contact_time_s: Stat = Field(default_factory=Stat)
    stride_length_m: Stat = Field(default_factory=Stat)
    speed_m_s: Stat = Field(default_factory=Stat)
    strike_angle_deg: Stat = Field(default_factory=Stat)


class DirectionTotals(_Model):
    """Certain strides in one direction; time and distance averaged over the foot sensors."""

    strides: int = Field(0, description="certain strides in this direction, all sensors")
    time_s: float = Field(0.0, description="summed stride time, s (mean over foot sensors)")
    distance_m: float = Field(0.0, description="summed stride length, m (mean over foot sensors)")


class StrikeShares(_Model):
    """Share of landings (of certain strides) per foot-strike class, 0..1; None without strides."""

    n: int = 0
    forefoot: float | None = None
    midfoot: float | None = None
    rearfoot: float | None = None


class SideSummary(_Model):
    sensor: str
    strides: int
    metrics: Metrics


class LeftRight(_Model):
    """Both feet worn: per-side medians and asymmetry (positive = left larger)."""

    left: SideSummary
    right: SideSummary
    step_time_left_pct: float | None = Field(
        None, description="left share of summed step times from fused steps, % (50 = even)"
    )
    contact_time_asymmetry_pct: float | None = Field(
        None, description="100 (L - R) / mean(L, R) of the median contact times, %"
    )
    stride_length_asymmetry_pct: float | None = Field(
        None, description="100 (L - R) / mean(L, R) of the median stride lengths, %"
    )


class DataQuality(_Model):
    gaps: int = Field(0, description="data gaps reported by the pipeline")
    gap_time_s: float = Field(0.0, description="summed gap length, s")
    lost_packets: int = Field(0, description="packets the devices counted as lost")
    uncertain_strides: int = 0
    decode_errors: int = Field(0, description="notifications that could not be decoded")
    disconnects: int = 0
    failed_sensors: list[str] = Field(default_factory=list)


class EnergyEstimate(_Model):
    """Net energy of the backward running (above resting), kcal per kg body mass and in kcal."""

    backward_distance_m: float
    cost_ratio_low: float = BACKWARD_COST_RATIO[0]
    cost_ratio_high: float = BACKWARD_COST_RATIO[1]
    net_kcal_per_kg_low: float
    net_kcal_per_kg_high: float
    body_mass_kg: float | None = None
    net_kcal_low: float | None = None
    net_kcal_high: float | None = None
    forward_equivalent_kcal_per_kg: float = Field(
        description="net cost had the same distance been run forward, kcal/kg"
    )
    method: str = ENERGY_METHOD
    source: str = ENERGY_SOURCE


class TimeBin(_Model):
    """One bin of the time course (``width_s`` of session time from ``start_s``)."""

    start_s: float
    width_s: float
    strides: int = Field(description="certain strides closing in the bin, all sensors")
    backward: int = 0
    forward: int = 0
    in_place: int = 0
    uncertain: int = 0
    cadence_spm: float | None = Field(None, description="median stride cadence in the bin")
    forefoot: int = 0
    midfoot: int = 0
    rearfoot: int = 0
    contact_time_s: float | None = Field(None, description="mean contact time in the bin")
    stride_length_m: float | None = Field(None, description="mean stride length in the bin")
    speed_m_s: float | None = Field(None, description="mean stride speed in the bin")


class TrunkBout(_Model):
    """A run of trunk steps in one direction (no pause over ``TRUNK_BOUT_GAP_S``)."""

    sensor: str
    start_s: float
    end_s: float
    direction: str
    steps: int
    cadence_spm: float = Field(description="mean cadence of the bout's steps, steps/min")
    lean_deg: float = Field(description="mean trunk pitch, deg (+ forward, from the upright "
                            "baseline)")
    lean_min_deg: float = Field(description="most backward step pitch, deg")
    lean_max_deg: float = Field(description="most forward step pitch, deg")
    vertical_oscillation_cm: float = Field(description="mean vertical oscillation, cm")
    contact_time_s: float = Field(description="mean estimated contact time, s")


class SessionSummary(_Model):
    """Everything a runner or coach reads after a session; published retained on
    ``<prefix>/<athlete>/session`` and stored in the history."""

    schema_: Literal["retrogait.session/1"] = Field("retrogait.session/1", alias="schema")
    session_id: str
    athlete: str | None = None
    recording: str | None = Field(None, description="recording file the session came from")
    started_at: datetime | None = Field(None, description="wall-clock start, ISO 8601 with zone")
    start_s: float = Field(description="first time seen, s on the recording time base")
    end_s: float
    duration_s: float
    sensors: list[str]
    strides_total: int = Field(description="all strides incl. uncertain, all sensors")
    backward: DirectionTotals
    forward: DirectionTotals
    in_place: DirectionTotals
    backward_share: float | None = Field(
        None, description="backward share of certain strides, 0..1"
    )
    all: Metrics = Field(description="certain strides of every direction")
    backward_metrics: Metrics
    forward_metrics: Metrics
    foot_strike: StrikeShares
    foot_strike_backward: StrikeShares
    left_right: LeftRight | None = None
    quality: DataQuality
    falls: int = 0
    trunk_bouts: list[TrunkBout] = Field(
        default_factory=list, description="trunk sensors: lean, cadence and oscillation per bout "
        f"(the last {MAX_TRUNK_BOUTS} bouts of at least {MIN_TRUNK_BOUT_STEPS} steps)")
    posture_alerts: int = Field(0, description="lean-back posture events")
    energy: EnergyEstimate
    bin_s: float
    bins: list[TimeBin] = Field(description="time course, one entry per bin with any stride")
    notes: list[str] = Field(default_factory=list, description="warnings worth a runner's eye")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


# --------------------------------------------------------------------------------------------
# bounded-memory accumulators


@dataclass
class _TrunkAcc:
    sensor: str
    start_s: float
    end_s: float
    direction: str
    steps: int = 0
    cadence: float = 0.0
    lean: float = 0.0
    lean_min: float = math.inf
    lean_max: float = -math.inf
    osc: float = 0.0
    contact: float = 0.0

    def add(self, e: TrunkStepEvent) -> None:
        self.end_s = e.t_s
        self.steps += 1
        self.cadence += e.cadence_spm
        self.lean += e.pitch_deg
        self.lean_min = min(self.lean_min, e.pitch_deg)
        self.lean_max = max(self.lean_max, e.pitch_deg)
        self.osc += e.vertical_oscillation_cm
        self.contact += e.contact_time_s

    def bout(self) -> TrunkBout:
        n = self.steps
        return TrunkBout(
            sensor=self.sensor, start_s=round(self.start_s, 3), end_s=round(self.end_s, 3),
            direction=self.direction, steps=n, cadence_spm=round(self.cadence / n, 1),
            lean_deg=round(self.lean / n, 1), lean_min_deg=round(self.lean_min, 1),
            lean_max_deg=round(self.lean_max, 1),
            vertical_oscillation_cm=round(self.osc / n, 1),
            contact_time_s=round(self.contact / n, 3))


class _Hist:
    """Fixed-resolution histogram: count, mean and quantiles within half a bin."""

    __slots__ = ("counts", "hi", "lo", "n", "step", "total")

    def __init__(self, lo: float, hi: float, step: float) -> None:
        self.lo, self.hi, self.step = lo, hi, step
        self.counts = np.zeros(round((hi - lo) / step) + 1, dtype=np.int64)
        self.n = 0
        self.total = 0.0

    def add(self, value: float) -> None:
        if not math.isfinite(value):
            return
        idx = min(max(round((value - self.lo) / self.step), 0), len(self.counts) - 1)
        self.counts[idx] += 1
        self.n += 1
        self.total += value

    def _value_at_rank(self, cum: np.ndarray, rank: int) -> float:
        idx = int(np.searchsorted(cum, rank + 1))
        return self.lo + idx * self.step

    def quantile(self, q: float) -> float | None:
        """Linear interpolation between order statistics (numpy's default), on bin centres."""
        if self.n == 0:
            return None
        cum = np.cumsum(self.counts)
        h = (self.n - 1) * q
        lo_rank, hi_rank = math.floor(h), math.ceil(h)
        v_lo = self._value_at_rank(cum, lo_rank)
        v_hi = self._value_at_rank(cum, hi_rank)
        return _clean(v_lo + (h - lo_rank) * (v_hi - v_lo), self.step)

    def stat(self) -> Stat:
        if self.n == 0:
            return Stat()
        return Stat(
            n=self.n,
            median=self.quantile(0.5),
            p25=self.quantile(0.25),
            p75=self.quantile(0.75),
            mean=self.total / self.n,
        )


def _clean(value: float, step: float) -> float:
    """Round away float noise from bin arithmetic (keeps 3 decimals below the bin width)."""
    digits = max(0, -math.floor(math.log10(step))) + 3
    return round(value, digits)


class _MetricSet:
    __slots__ = ("hists",)

    def __init__(self) -> None:
        self.hists = {m: _Hist(*RESOLUTION[m]) for m in METRICS}

    def add(self, s: StrideEvent) -> None:
        for m in METRICS:
            self.hists[m].add(float(getattr(s, m)))

    def metrics(self) -> Metrics:
        return Metrics(**{m: self.hists[m].stat() for m in METRICS})


@dataclass
class _Totals:
    strides: int = 0
    time_s: float = 0.0
    distance_m: float = 0.0


@dataclass
class _Bin:
    strides: int = 0
    direction: dict[str, int] = field(default_factory=dict)
    uncertain: int = 0
    cadences: list[float] = field(default_factory=list)  # bounded by the strides in one bin
    strike: dict[str, int] = field(default_factory=dict)
    contact_sum: float = 0.0
    length_sum: float = 0.0
    speed_sum: float = 0.0


class _SensorStatsLike(Protocol):
    decode_errors: int
    lost_packets: int


def _asym(left: float | None, right: float | None) -> float | None:
    if left is None or right is None or left + right == 0:
        return None
    return 100.0 * (left - right) / ((left + right) / 2.0)


def _shares(counts: Mapping[str, int]) -> StrikeShares:
    n = sum(counts.values())
    if n == 0:
        return StrikeShares()
    return StrikeShares(
        n=n,
        forefoot=counts.get("forefoot", 0) / n,
        midfoot=counts.get("midfoot", 0) / n,
        rearfoot=counts.get("rearfoot", 0) / n,
    )


def estimate_energy(
    backward_distance_m: float, body_mass_kg: float | None = None
) -> EnergyEstimate:
    """Net energy of ``backward_distance_m`` m of level backward running (:data:`ENERGY_METHOD`)."""
    forward_per_kg = (
        backward_distance_m * ACSM_NET_HORIZONTAL_ML_O2_PER_KG_M / 1000.0 * KCAL_PER_L_O2
    )
    low, high = (forward_per_kg * k for k in BACKWARD_COST_RATIO)
    return EnergyEstimate(
        backward_distance_m=backward_distance_m,
        net_kcal_per_kg_low=low,
        net_kcal_per_kg_high=high,
        body_mass_kg=body_mass_kg,
        net_kcal_low=None if body_mass_kg is None else low * body_mass_kg,
        net_kcal_high=None if body_mass_kg is None else high * body_mass_kg,
        forward_equivalent_kcal_per_kg=forward_per_kg,
    )


class SummaryBuilder:
    """Streaming session summary. ``add`` every event (any order within a few seconds is fine);
    ``observe(t)`` optionally with source-item times so idle time counts in the duration."""

    def __init__(
        self,
        athlete: str | None = None,
        recording: str | None = None,
        started_at: datetime | None = None,
        sensors: Iterable[str] = (),
        session_id: str | None = None,
        body_mass_kg: float | None = None,
        bin_s: float = 60.0,
    ) -> None:
        if bin_s <= 0:
            raise ValueError("bin_s must be positive")
        self.athlete = athlete
        self.recording = recording
        self.started_at = started_at
        self.session_id = session_id
        self.body_mass_kg = body_mass_kg
        self.bin_s = float(bin_s)
        self._sensors: dict[str, str] = {s: "unknown" for s in sensors}  # id -> foot
        self._t_min = math.inf
        self._t_max = -math.inf
        self._strides_total = 0
        self._dir_count: dict[str, int] = {}
        self._totals: dict[str, dict[str, _Totals]] = {}  # sensor -> direction -> totals
        self._all = _MetricSet()
        self._by_dir: dict[str, _MetricSet] = {"backward": _MetricSet(), "forward": _MetricSet()}
        self._by_sensor: dict[str, _MetricSet] = {}
        self._sensor_strides: dict[str, int] = {}
        self._strike: dict[str, int] = {}
        self._strike_back: dict[str, int] = {}
        self._step_time: dict[str, float] = {}
        self._bins: dict[int, _Bin] = {}
        self.quality = DataQuality()
        self._decode_error_events = 0
        self._stats_decode_errors: int | None = None
        self._stats_lost_packets: int | None = None
        self.falls = 0
        self.posture_alerts = 0
        self._bouts: deque[_TrunkAcc] = deque(maxlen=MAX_TRUNK_BOUTS)
        self._open: dict[str, _TrunkAcc] = {}

    # ---- input

    def observe(self, t_s: float) -> None:
        """Extend the session span to ``t_s`` (s, recording time base)."""
        self._t_min = min(self._t_min, t_s)
        self._t_max = max(self._t_max, t_s)

    def add(self, event: Event) -> None:
        """Take one event into the running aggregates."""
        self.observe(event.t_s)
        match event:
            case StrideEvent():
                self._stride(event)
            case GapEvent():
                self.observe(event.start_s)
                self.quality.gaps += 1
                self.quality.gap_time_s += max(0.0, event.end_s - event.start_s)
                self.quality.lost_packets += event.lost_packets
            case StepEvent():
                if event.foot in ("left", "right"):
                    self._step_time[event.foot] = (
                        self._step_time.get(event.foot, 0.0) + event.step_time_s
                    )
            case SensorStatusEvent():
                self._sensors.setdefault(event.sensor, event.foot)
                if event.status == "decode_error":
                    self._decode_error_events += 1
                elif event.status == "disconnected":
                    self.quality.disconnects += 1
                elif event.status in ("failed", "gave_up") and (
                    event.sensor not in self.quality.failed_sensors
                ):
                    self.quality.failed_sensors.append(event.sensor)
            case FallEvent():
                self.falls += 1
            case TrunkStepEvent():
                self._trunk_step(event)
            case PostureEvent():
                self.posture_alerts += event.state == "lean_back"
            case _:
                pass

    def _trunk_step(self, e: TrunkStepEvent) -> None:
        self._sensors.setdefault(e.sensor, "trunk")
        b = self._open.get(e.sensor)
        if b is None or b.direction != e.direction or e.t_s - b.end_s > TRUNK_BOUT_GAP_S:
            if b is not None and b.steps >= MIN_TRUNK_BOUT_STEPS:
                self._bouts.append(b)
            b = self._open[e.sensor] = _TrunkAcc(e.sensor, e.t_s - e.step_time_s, e.t_s,
                                                 e.direction)
        b.add(e)

    def _trunk_bouts(self) -> list[TrunkBout]:
        done = list(self._bouts) + [b for b in self._open.values()
                                    if b.steps >= MIN_TRUNK_BOUT_STEPS]
        return [b.bout() for b in sorted(done, key=lambda b: b.start_s)][-MAX_TRUNK_BOUTS:]

    def add_all(self, events: Iterable[Event]) -> SummaryBuilder:
        for e in events:
            self.add(e)
        return self

    def set_sensor_stats(self, stats: Mapping[str, _SensorStatsLike]) -> None:
        """Counters of the session (``GaitSession.stats()``): exact decode-error and lost-packet
        counts, where events only report each new kind of error once."""
        self._stats_decode_errors = sum(s.decode_errors for s in stats.values())
        self._stats_lost_packets = sum(s.lost_packets for s in stats.values())

    def _stride(self, s: StrideEvent) -> None:
        self.observe(s.start_s)
        self._sensors[s.sensor] = s.foot
        self._strides_total += 1
        b = self._bins.setdefault(math.floor(s.t_s / self.bin_s), _Bin())
        if s.uncertain:
            self.quality.uncertain_strides += 1
            b.uncertain += 1
            return
        d = s.direction
        self._dir_count[d] = self._dir_count.get(d, 0) + 1
        tot = self._totals.setdefault(s.sensor, {}).setdefault(d, _Totals())
        tot.strides += 1
        tot.time_s += s.stride_time_s
        tot.distance_m += s.stride_length_m
        self._all.add(s)
        if d in self._by_dir:
            self._by_dir[d].add(s)
        self._by_sensor.setdefault(s.sensor, _MetricSet()).add(s)
        self._sensor_strides[s.sensor] = self._sensor_strides.get(s.sensor, 0) + 1
        self._strike[s.foot_strike] = self._strike.get(s.foot_strike, 0) + 1
        if d == "backward":
            self._strike_back[s.foot_strike] = self._strike_back.get(s.foot_strike, 0) + 1
        b.strides += 1
        b.direction[d] = b.direction.get(d, 0) + 1
        b.cadences.append(s.cadence_spm)
        b.strike[s.foot_strike] = b.strike.get(s.foot_strike, 0) + 1
        b.contact_sum += s.contact_time_s
        b.length_sum += s.stride_length_m
        b.speed_sum += s.speed_m_s

    # ---- output

    def _direction_totals(self, d: Direction) -> DirectionTotals:
        feet = [per for per in self._totals.values() if per]
        if not feet:
            return DirectionTotals()
        strides = sum(per[d].strides for per in feet if d in per)
        time_s = sum(per[d].time_s for per in feet if d in per) / len(feet)
        dist = sum(per[d].distance_m for per in feet if d in per) / len(feet)
        return DirectionTotals(strides=strides, time_s=time_s, distance_m=dist)

    def _left_right(self) -> LeftRight | None:
        sides: dict[str, str] = {}
        for sensor, foot in self._sensors.items():
            if foot in ("left", "right") and sensor in self._by_sensor:
                sides.setdefault(foot, sensor)
        if len(sides) < 2:
            return None
        left = SideSummary(sensor=sides["left"], strides=self._sensor_strides[sides["left"]],
                           metrics=self._by_sensor[sides["left"]].metrics())
        right = SideSummary(sensor=sides["right"], strides=self._sensor_strides[sides["right"]],
                            metrics=self._by_sensor[sides["right"]].metrics())
        st_l, st_r = self._step_time.get("left", 0.0), self._step_time.get("right", 0.0)
        return LeftRight(
            left=left,
            right=right,
            step_time_left_pct=100.0 * st_l / (st_l + st_r) if st_l + st_r > 0 else None,
            contact_time_asymmetry_pct=_asym(left.metrics.contact_time_s.median,
                                             right.metrics.contact_time_s.median),
            stride_length_asymmetry_pct=_asym(left.metrics.stride_length_m.median,
                                              right.metrics.stride_length_m.median),
        )

    def _time_bins(self) -> list[TimeBin]:
        out = []
        for k in sorted(self._bins):
            b = self._bins[k]
            n = b.strides
            out.append(TimeBin(
                start_s=k * self.bin_s,
                width_s=self.bin_s,
                strides=n,
                backward=b.direction.get("backward", 0),
                forward=b.direction.get("forward", 0),
                in_place=b.direction.get("in_place", 0),
                uncertain=b.uncertain,
                cadence_spm=float(np.median(b.cadences)) if b.cadences else None,
                forefoot=b.strike.get("forefoot", 0),
                midfoot=b.strike.get("midfoot", 0),
                rearfoot=b.strike.get("rearfoot", 0),
                contact_time_s=b.contact_sum / n if n else None,
                stride_length_m=b.length_sum / n if n else None,
                speed_m_s=b.speed_sum / n if n else None,
            ))
        return out

    def _notes(self, s: SessionSummary) -> list[str]:
        notes = []
        if s.falls:
            notes.append(f"{s.falls} probable fall(s) detected")
        if s.strides_total and s.quality.uncertain_strides / s.strides_total > 0.05:
            pct = 100 * s.quality.uncertain_strides / s.strides_total
            notes.append(f"{pct:.0f} % of strides uncertain (data gaps): figures may undercount")
        if s.quality.failed_sensors:
            notes.append("sensor(s) failed: " + ", ".join(s.quality.failed_sensors))
        if s.quality.decode_errors:
            notes.append(f"{s.quality.decode_errors} notifications could not be decoded")
        if s.posture_alerts:
            notes.append(f"trunk leaned back beyond the limit {s.posture_alerts} time(s)")
        if s.strides_total == 0 and not s.trunk_bouts:
            notes.append("no strides detected")
        return notes

    def summary(self) -> SessionSummary:
        """The summary of everything added so far."""
        if math.isfinite(self._t_min):
            start, end = self._t_min, self._t_max
        else:
            start = end = 0.0
        quality = self.quality.model_copy(deep=True)
        quality.decode_errors = (
            self._stats_decode_errors
            if self._stats_decode_errors is not None
            else self._decode_error_events
        )
        if self._stats_lost_packets is not None:
            quality.lost_packets = max(quality.lost_packets, self._stats_lost_packets)
        certain = sum(self._dir_count.values())
        backward = self._direction_totals("backward")
        session_id = self.session_id or _default_session_id(
            self.started_at, self.athlete, self.recording
        )
        s = SessionSummary(
            session_id=session_id,
            athlete=self.athlete,
            recording=self.recording,
            started_at=self.started_at,
            start_s=start,
            end_s=end,
            duration_s=end - start,
            sensors=sorted(self._sensors),
            strides_total=self._strides_total,
            backward=backward,
            forward=self._direction_totals("forward"),
            in_place=self._direction_totals("in_place"),
            backward_share=self._dir_count.get("backward", 0) / certain if certain else None,
            all=self._all.metrics(),
            backward_metrics=self._by_dir["backward"].metrics(),
            forward_metrics=self._by_dir["forward"].metrics(),
            foot_strike=_shares(self._strike),
            foot_strike_backward=_shares(self._strike_back),
            left_right=self._left_right(),
            quality=quality,
            falls=self.falls,
            trunk_bouts=self._trunk_bouts(),
            posture_alerts=self.posture_alerts,
            energy=estimate_energy(backward.distance_m, self.body_mass_kg),
            bin_s=self.bin_s,
            bins=self._time_bins(),
        )
        s.notes = self._notes(s)
        return s


def _default_session_id(
    started_at: datetime | None, athlete: str | None, recording: str | None
) -> str:
    parts = []
    if started_at is not None:
        parts.append(started_at.strftime("%Y%m%dT%H%M%S"))
    if athlete:
        parts.append(athlete)
    if recording:
        name = recording.rsplit("/", 1)[-1]
        for suffix in (".jsonl.gz", ".jsonl"):
            name = name.removesuffix(suffix)
        parts.append(name)
    return "-".join(parts) or "session"


def summarize(events: Iterable[Event], **kwargs: object) -> SessionSummary:
    """Convenience: summary of a finished list of events (``kwargs`` as for the builder)."""
    return SummaryBuilder(**kwargs).add_all(events).summary()  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# terminal text


def _fmt_pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def _fmt(x: float | None, fmt: str, scale: float = 1.0) -> str:
    return "-" if x is None else format(x * scale, fmt)


IN_PLACE_WARN_SHARE = 0.5
"""Share of in-place strides (of at least :data:`IN_PLACE_WARN_MIN` certain ones) above which a
session is suspicious: running moves the foot about a metre per stride, so a session that is
mostly "in place" is either stepping on the spot or a sensor whose declared mounting does not
match how it sits on the foot (the toe axis then points sideways or up)"""
IN_PLACE_WARN_MIN = 10


def summary_warnings(s: SessionSummary) -> list[str]:
    """Things the numbers of a session say a user should check, one line each."""
    out = []
    certain = s.backward.strides + s.forward.strides + s.in_place.strides
    if certain >= IN_PLACE_WARN_MIN and s.in_place.strides > IN_PLACE_WARN_SHARE * certain:
        out.append(
            f"{s.in_place.strides} of {certain} strides were in place (no forward or backward "
            "travel): unless the athlete stepped on the spot, the sensor mounting (toe_axis / "
            "up_axis) is probably wrong"
        )
    return out


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = max(0.0, seconds)
    h, rem = divmod(round(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_summary(s: SessionSummary) -> str:
    """A compact multi-line text for the terminal."""
    b, f = s.backward, s.forward
    lines = [
        printable(f"session {s.session_id}" + (f" ({s.athlete})" if s.athlete else "")),
        f"  duration        {format_duration(s.duration_s)}   strides {s.strides_total}"
        f"   backward share {_fmt_pct(s.backward_share)}",
        f"  backward        {b.distance_m:7.0f} m in {format_duration(b.time_s)}"
        f"   ({b.strides} strides)",
        f"  forward         {f.distance_m:7.0f} m in {format_duration(f.time_s)}"
        f"   ({f.strides} strides)",
        f"  cadence         median {_fmt(s.all.cadence_spm.median, '.0f')} steps/min"
        f"   (backward {_fmt(s.backward_metrics.cadence_spm.median, '.0f')})",
    ]
    fs, fb = s.foot_strike, s.foot_strike_backward
    lines.append(
        f"  foot strike     forefoot {_fmt_pct(fs.forefoot)}, midfoot {_fmt_pct(fs.midfoot)},"
        f" rearfoot {_fmt_pct(fs.rearfoot)}   (backward strides: forefoot"
        f" {_fmt_pct(fb.forefoot)})"
    )
    bm = s.backward_metrics
    lines.append(
        f"  backward stride contact {_fmt(bm.contact_time_s.median, '.0f', 1000)} ms,"
        f" length {_fmt(bm.stride_length_m.median, '.2f')} m,"
        f" speed {_fmt(bm.speed_m_s.median, '.2f')} m/s"
    )
    if s.left_right is not None:
        lr = s.left_right
        lines.append(
            f"  left/right      contact {_fmt(lr.left.metrics.contact_time_s.median, '.0f', 1000)}"
            f" / {_fmt(lr.right.metrics.contact_time_s.median, '.0f', 1000)} ms,"
            f" stride {_fmt(lr.left.metrics.stride_length_m.median, '.2f')}"
            f" / {_fmt(lr.right.metrics.stride_length_m.median, '.2f')} m"
            + (f", step time left {lr.step_time_left_pct:.1f} %"
               if lr.step_time_left_pct is not None else "")
        )
    e = s.energy
    if e.backward_distance_m > 0:
        kcal = (
            f" = {e.net_kcal_low:.0f}-{e.net_kcal_high:.0f} kcal"
            if e.net_kcal_low is not None and e.net_kcal_high is not None else ""
        )
        lines.append(
            f"  energy (net)    backward {e.net_kcal_per_kg_low:.3g}-{e.net_kcal_per_kg_high:.3g}"
            f" kcal/kg{kcal} (ACSM x {e.cost_ratio_low:.2f}-{e.cost_ratio_high:.2f},"
            " see docs/insights.md)"
        )
    q = s.quality
    lines.append(
        f"  data quality    {q.gaps} gaps ({q.gap_time_s:.1f} s), {q.lost_packets} lost packets,"
        f" {q.uncertain_strides} uncertain strides, {q.decode_errors} decode errors"
    )
    lines.extend(f"  ! {n}" for n in s.notes)
    return "\n".join(lines)
