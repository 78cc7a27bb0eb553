"""Session summary: what a runner or coach wants to know after a (backward) run.

:class:`SummaryBuilder` consumes the event stream one event at a time in bounded memory
(running sums, fixed-resolution histograms for medians, one small bin per ``bin_s`` of session
time for the time courses) and :meth:`SummaryBuilder.summary` returns a :class:`SessionSummary`
at any moment, typically at session end::

    builder = SummaryBuilder(athlete="ana", recording="run.jsonl.gz")
    for event in events:
        builder.add(event)
    summary = builder.summary()

The format is :mod:`retrogait.insights.summary_model`, its terminal text
:mod:`retrogait.insights.summary_text`. Conventions (see ``docs/insights.md``):

- Strides marked ``uncertain`` (they span a data gap or failed a check) are counted in
  :attr:`DataQuality.uncertain_strides` and in ``strides_total`` but left out of every time,
  distance, share and median: the summary only states what was measured.
- Time and distance per direction are summed per foot sensor and then averaged over the foot
  sensors that produced strides: with two feet, each foot's strides cover the whole way, so
  adding both would count the distance twice.
- Medians come from histograms with a fixed resolution (:data:`RESOLUTION`): they are within
  half a bin of the exact median.

Over 400 lines: the builder and the bounded-memory accumulators it alone uses.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

import numpy as np

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
from retrogait.insights.summary_model import (
    ACSM_NET_HORIZONTAL_ML_O2_PER_KG_M,
    BACKWARD_COST_RATIO,
    KCAL_PER_L_O2,
    MAX_TRUNK_BOUTS,
    MIN_TRUNK_BOUT_STEPS,
    TRUNK_BOUT_GAP_S,
    DataQuality,
    DirectionTotals,
    EnergyEstimate,
    LeftRight,
    Metrics,
    SessionSummary,
    SideSummary,
    Stat,
    StrikeShares,
    TimeBin,
    TrunkBout,
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
