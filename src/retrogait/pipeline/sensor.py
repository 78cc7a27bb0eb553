"""Per-sensor gait pipeline: timed samples of one foot sensor -> landing, stride, activity events.

Stages (details and the physics behind each in ``docs/pipeline.md``):

1. **Frame**: samples are rotated from the sensor frame into the nominal foot frame given by the
   declared mounting; a small tilt correction ``C`` and the gyro bias are learnt from still
   periods (standing) and applied per analysed segment.
2. **Stance detection**: ``e`` = |gyro| smoothed over ``smooth_s``. The foot is *quiet* (stance)
   when ``e`` is below ``Q`` = ``quiet_fraction`` × the typical swing peak of this foot, clipped
   to [``quiet_min_dps``, ``quiet_max_dps``]: running stance is short and never fully still, so
   the threshold follows the activity instead of being one fixed number.
3. **Anchor** (zero-velocity instant): the minimum of ``e`` within ``anchor_window_s`` after the
   foot became quiet (and, after a long stance, again just before the foot leaves the ground).
4. **Segment analysis** at each new anchor: strapdown integration from the previous anchor
   (:mod:`.strapdown`, zero velocity at both ends), toe-off and initial contact from the sagittal
   gyro lobes (:mod:`.contacts`), foot-strike angle = integrated pitch at initial contact.
   A landing is only accepted when the foot really travelled or lifted
   (``min_travel_m`` / ``min_lift_m``) with a real swing rotation (``min_swing_peak_dps``):
   standing, fidgeting and tapping make no landings.
5. **Events**: the landing (and the stride closed by it, landing to landing, when the previous
   landing is recent enough) are emitted as soon as the anchor is confirmed.

Streaming contract: every decision is taken at a definite sample (``emitted_at_s`` is that
sample's time), from the samples up to it, so feeding the same samples in blocks of any size
gives identical events. Memory is a fixed ring of ``buffer_s`` seconds.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from retrogait.events import (
    Activity,
    ActivityEvent,
    Direction,
    Event,
    Foot,
    GapEvent,
    LandingEvent,
    StrideEvent,
)
from retrogait.footstrike import classify_strike
from retrogait.pipeline import _contacts, _stance, _strapdown
from retrogait.pipeline.buffer import AX, AZ, GN, GX, GZ, E, SampleBuffer, T
from retrogait.pipeline.contacts import contacts_of_motion
from retrogait.pipeline.early import EarlyScan, LobeTracker
from retrogait.pipeline.strapdown import STANDARD_GRAVITY, FloatArray, SegmentMotion
from retrogait.recording.format import SensorInfo
from retrogait.timing.clock import TimedBlock


class PipelineParams(BaseModel):
    """Parameters of the per-sensor pipeline; physical units in the names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    smooth_s: float = Field(0.02, gt=0, description="window of the |gyro| moving average, s")
    quiet_fraction: float = Field(
        0.2, gt=0, lt=1, description="stance threshold as a fraction of the typical swing peak"
    )
    quiet_min_dps: float = Field(40.0, description="lowest stance threshold, deg/s")
    quiet_max_dps: float = Field(200.0, description="highest stance threshold, deg/s")
    quiet_acc_m_s2: float = Field(
        3.0, description="stance also needs | |acc| − g | below this (smoothed), m/s²: a foot "
        "on the ground feels gravity plus small accelerations; a swing whose rotation merely "
        "reverses does not")
    quiet_exit_factor: float = Field(1.5, ge=1, description="hysteresis: stance ends above Q×this")
    initial_swing_peak_dps: float = Field(400.0, description="swing peak assumed before learning")
    anchor_window_s: float = Field(
        0.04, gt=0, description="zero-velocity search after stance start, s")
    min_stance_s: float = Field(
        0.03, description="shorter quiet dips (inside a swing) are not a stance, s")
    reanchor_window_s: float = Field(0.1, gt=0, description="re-anchor search before stance end")
    min_swing_peak_dps: float = Field(
        80.0, description="smallest |gyro| peak of a real swing, deg/s (slow backward walking "
        "swings at 100–150 °/s; travel or lift is the real test)")
    min_travel_m: float = Field(0.15, description="horizontal foot travel of a real stride, m")
    min_lift_m: float = Field(0.08, description="or foot lift of a real in-place step, m")
    min_stride_s: float = Field(0.35, description="shortest plausible stride (landing to landing)")
    max_stride_s: float = Field(
        2.5, description="longest plausible stride, s; longer breaks the chain")
    max_gap_s: float = Field(0.5, description="longer data gaps reset the stride chain, s")
    still_s: float = Field(1.5, description="stance this long = standing still, s")
    still_gyro_dps: float = Field(8.0, description="mean |gyro| of a still period, deg/s")
    min_lobe_dps: float = Field(30.0, description="smallest significant pitch-rate lobe, deg/s")
    lobe_fraction: float = Field(0.15, description="significant lobe: fraction of largest peak")
    buffer_s: float = Field(8.0, description="ring buffer length, s (bounds memory)")
    early_landing: bool = Field(
        True, description="decide the landing during the landing rotation (before the foot is "
        "flat), from the samples since the opening anchor, instead of at the next stance")
    landing_lookahead_s: float = Field(
        0.06, ge=0, description="the landing lobe must have lasted this long before the "
        "landing is decided early, s")
    early_step_s: float = Field(
        0.02, gt=0, description="the early landing is tried every this many seconds of swing "
        "(a sample grid counted from the swing start, so any block size decides alike), s")
    attitude_window_s: float = Field(
        1.0, gt=0, description="the opening attitude of a stride is read from gravity at the "
        "stillest sample of the last this many seconds of its stance, then carried to the "
        "zero-velocity anchor by the gyro, s")
    gravity_m_s2: float = STANDARD_GRAVITY


def foot_of(sensor: SensorInfo) -> str:
    return {"left_foot": "left", "right_foot": "right"}.get(sensor.placement, "unknown")


_SWING, _ANCHOR, _STANCE = 0, 1, 2

# how far from its time a landing is decided (a zero crossing, an impact's rise, the contact
# point's arrival: all between neighbouring samples, 30 ms covers 52 Hz); a data gap within
# this reach can move the landing by up to the gap's length
_LANDING_REACH_S = _contacts.LANDING_REACH_S


@dataclass
class _Landing:
    t_s: float
    angle_deg: float
    uncertain: bool


@dataclass
class _Early:
    """A landing decided during the landing rotation (already emitted) for the segment that
    opened at ``anchor``."""

    anchor: int
    landing: _Landing
    toe_off_s: float


@dataclass
class _EarlyLobes:
    """Pitch-rate lobes (and the largest smoothed |gyro|) of the early-landing pre-check for
    one anchor / bias / tilt."""

    anchor: int
    bias: FloatArray
    tilt: FloatArray
    tracker: LobeTracker


class SensorPipeline:
    """Consumes :class:`TimedBlock` of one sensor; emits events on the recording time base."""

    def __init__(
        self, sensor: SensorInfo, params: PipelineParams | None = None,
        rate_hz: float | None = None,
    ) -> None:
        self.sensor = sensor
        self.params = p = params or PipelineParams()
        self.foot: Foot = foot_of(sensor)  # type: ignore[assignment]
        self.rate_hz = float(rate_hz or sensor.rate_hz or 200.0)
        self.samples_seen = 0
        self._last_t: float | None = None
        self._r_nominal = np.ascontiguousarray(sensor.mounting.sensor_to_foot(), dtype=np.float64)
        cap = max(256, int(np.ceil(p.buffer_s * self.rate_hz)))
        self.buf = SampleBuffer(cap)
        self._chunk = cap // 4
        self._n_smooth = max(1, round(p.smooth_s * self.rate_hz))
        # calibration
        self._tilt = np.eye(3)  # refines nominal foot frame from still periods
        self._bias = np.zeros(3)  # gyro bias, deg/s, foot frame
        self._calib = _calibration(self._tilt, self._bias)
        self.calibrated = False
        # stance detection state
        self._peaks: deque[float] = deque([p.initial_swing_peak_dps], maxlen=5)
        self._q = self._threshold()
        self._state = _SWING
        self._pos = 0  # next absolute sample to examine
        self._swing_start = 0
        self._swing_timed_out = False
        self._quiet_start = 0
        self._still = False
        self._anchor: int | None = None  # absolute index of the last zero-velocity anchor
        self._no_step_from: int | None = None  # opening anchor of a segment that made no step
        # attitude reference of a re-anchored stance: anchor -> stillest sample of the stance
        self._att_ref: dict[int, int] = {}
        self._last_landing: _Landing | None = None
        self._early: _Early | None = None
        self._early_next = 0  # next absolute sample of the early-landing grid
        # fastest-motion time of the last failed full early check: (prev, tilt, bias, t_s)
        self._early_fast: tuple[int, FloatArray, FloatArray, float] | None = None
        self._early_lobe_cache: _EarlyLobes | None = None
        self._early_scan = EarlyScan(
            max_stride_s=p.max_stride_s, min_swing_peak_dps=p.min_swing_peak_dps,
            min_lobe_dps=p.min_lobe_dps, lobe_fraction=p.lobe_fraction,
            lookahead_s=p.landing_lookahead_s)
        self._early_step = max(1, round(p.early_step_s * self.rate_hz))
        self._gaps: deque[tuple[float, float]] = deque(maxlen=64)
        self.activity: Activity | None = None
        self._gait_votes: deque[Activity] = deque(maxlen=2)

    # ------------------------------------------------------------------ public
    def process(self, block: TimedBlock) -> list[Event]:
        events: list[Event] = []
        n = len(block)
        if n == 0:
            return events
        if block.gap_before_s > 0 and self._last_t is not None:
            gap_start, gap_end = self._last_t, float(block.t[0])
            events.append(
                GapEvent(
                    t_s=gap_start, emitted_at_s=gap_end, sensor=self.sensor.id, foot=self.foot,
                    start_s=gap_start, end_s=gap_end, lost_packets=block.lost_packets,
                )
            )
            self._gaps.append((gap_start, gap_end))
            if block.gap_before_s > self.params.max_gap_s:
                self._reset_chain(at=self.buf.end)
        if n <= self._chunk:  # (a notification: no slicing)
            self._append(block.t, block.acc, block.gyr)
            self._advance(events)
        else:
            for i in range(0, n, self._chunk):
                j = min(n, i + self._chunk)
                self._append(block.t[i:j], block.acc[i:j], block.gyr[i:j])
                self._advance(events)
        self.samples_seen += n
        self._last_t = float(block.t[-1])
        return events

    def finish(self) -> list[Event]:
        """End of stream: nothing is pending that could still be confirmed."""
        return []

    # ------------------------------------------------------------------ samples
    def _append(self, t: FloatArray, acc: FloatArray, gyr: FloatArray) -> None:
        """Rotate samples (sensor frame) into the nominal foot frame and write them and their
        features straight into the ring buffer (``_stance.append_rows``, one compiled call
        whatever the block size, so any block size gives the same bits)."""
        n = t.shape[0]
        first = self.buf.extend(n)
        buf = self.buf
        lo = max(buf.start, first - self._n_smooth + 1)
        _stance.append_rows(buf.data, first - buf.base, lo - buf.base,
                           np.asarray(t, dtype=np.float64), np.asarray(acc, dtype=np.float64),
                           np.asarray(gyr, dtype=np.float64), self._r_nominal,
                           self.params.gravity_m_s2, self._n_smooth)

    def _threshold(self) -> float:
        p = self.params
        peak = statistics.median(self._peaks)  # (of ≤ 5 floats: no NumPy call)
        return min(max(p.quiet_fraction * peak, p.quiet_min_dps), p.quiet_max_dps)

    def _time_index(self, t_target: float, i0: int, i1: int) -> int | None:
        """First absolute index in [i0, i1) with t >= t_target, or None."""
        if i1 <= i0:
            return None
        buf = self.buf
        k = _stance.time_index(buf.data, *buf.rows(i0, i1), t_target)
        return None if k < 0 else k + buf.base

    def _stillest(self, i0: int, i1: int) -> int:
        """Absolute index in [i0, i1) (not empty) where the foot is stillest: smallest
        smoothed |gyro| / Q + smoothed | |acc| − g | / quiet_acc_m_s2."""
        if i1 <= i0:
            raise IndexError(f"no rows in [{i0}, {i1})")
        buf = self.buf
        return buf.base + _stance.stillest_row(buf.data, *buf.rows(i0, i1), self._q,
                                              self.params.quiet_acc_m_s2)

    def _first(self, below: bool, thr: float, i0: int, i1: int) -> int | None:
        """First absolute index in [i0, i1) where the foot becomes quiet (``below``: e < thr
        and d < quiet_acc) or stops being quiet (e > thr or d > quiet_acc × exit factor)."""
        p = self.params
        buf = self.buf
        r0, r1 = buf.rows(i0, i1)
        if below:
            k = _stance.first_row(buf.data, r0, r1, True, thr, p.quiet_acc_m_s2)
        else:
            k = _stance.first_row(buf.data, r0, r1, False, thr,
                                 p.quiet_acc_m_s2 * p.quiet_exit_factor)
        return None if k < 0 else k + buf.base

    # ------------------------------------------------------------------ state machine
    def _advance(self, events: list[Event]) -> None:
        p = self.params
        while True:
            end = self.buf.end
            if self._pos >= end:
                return
            if self._state == _SWING:
                i0 = max(self._pos, self.buf.start)
                qs = self._first(True, self._q, i0, end)
                if not self._swing_timed_out:
                    t_out = self._t(self._swing_start) + p.max_stride_s
                    k = self._time_index(t_out, i0, end if qs is None else qs)
                    if k is not None:  # moving without any stance: not gait
                        self._swing_timed_out = True
                        self._reset_chain(at=None)
                        self._set_activity("moving", self._t(k), self._t(k), events)
                if p.early_landing:
                    self._try_early(end - 1 if qs is None else qs, events)
                if qs is None:
                    self._pos = end
                    return
                self._quiet_start = qs
                self._state = _ANCHOR
                self._pos = qs
            elif self._state == _ANCHOR:
                qs = self._quiet_start
                t_dead = self._t(qs) + p.anchor_window_s
                dead = self._time_index(t_dead, qs, end)
                exit_ = self._first(False, self._q * p.quiet_exit_factor, qs, end if dead is None
                                    else dead + 1)
                if exit_ is not None:
                    decision = exit_
                elif dead is not None:
                    decision = dead
                else:
                    self._pos = end
                    return
                if exit_ is not None and self._t(exit_) - self._t(qs) < p.min_stance_s:
                    self._state = _SWING  # a dip inside the swing, not a stance
                    self._pos = exit_
                    continue
                anchor = self._stillest(qs, decision + 1)
                self._on_anchor(anchor, decision, events)
                if exit_ is not None:
                    self._enter_swing(exit_)
                else:
                    self._state = _STANCE
                    self._still = False
                    self._pos = decision + 1
            else:  # _STANCE
                i0 = self._pos
                exit_ = self._first(False, self._q * p.quiet_exit_factor, i0, end)
                if not self._still:
                    k = self._time_index(self._t(self._quiet_start) + p.still_s, i0,
                                         end if exit_ is None else exit_)
                    if k is not None:
                        self._still = True
                        self._on_still(k, events)
                if exit_ is None:
                    self._pos = end
                    return
                # re-anchor just before the foot leaves the ground (less drift to integrate)
                if self._anchor is not None:
                    t_lo = self._t(exit_) - p.reanchor_window_s
                    lo = self._time_index(t_lo, max(self._anchor, self.buf.start), exit_)
                    if lo is not None and lo < exit_:
                        new = self._stillest(lo, exit_)
                        # the vertical is read where the whole stance was stillest (the foot
                        # flat), not at the re-anchor: just before it leaves, the foot may
                        # already pivot (heel rise) with a small rate but a tangential
                        # acceleration that tilts gravity by several degrees
                        r_lo = self._time_index(self._t(exit_) - p.attitude_window_s,
                                                max(self._anchor, self.buf.start), exit_)
                        ref = new
                        if r_lo is not None and r_lo < new:
                            ref = self._stillest(r_lo, new + 1)
                        self._anchor = new
                        if ref != new:
                            self._att_ref[new] = ref
                            while len(self._att_ref) > 8:
                                del self._att_ref[next(iter(self._att_ref))]
                self._enter_swing(exit_)

    def _enter_swing(self, i: int) -> None:
        self._state = _SWING
        self._swing_start = i
        self._swing_timed_out = False
        self._pos = i
        self._early_next = i + self._early_step

    def _t(self, i: int) -> float:
        return float(self.buf.data[i - self.buf.base, T])

    def _reset_chain(self, at: int | None) -> None:
        self._anchor = None
        self._early = None
        self._no_step_from = None
        self._last_landing = None
        self._gait_votes.clear()
        if at is not None:
            self._enter_swing(at)

    # ------------------------------------------------------------------ decisions
    def _on_still(self, k: int, events: list[Event]) -> None:
        """Quiet for ``still_s``: standing. Calibrate gyro bias and tilt if truly still."""
        p = self.params
        t_k = self._t(k)
        lo = self._time_index(t_k - 1.0, max(self._quiet_start, self.buf.start), k + 1)
        if lo is not None and k + 1 - lo >= 8:
            rows = self.buf.view(lo, k + 1)
            if rows[:, GN].mean() < p.still_gyro_dps:
                acc = rows[:, AX : AZ + 1].mean(axis=0)
                if abs(np.linalg.norm(acc) - p.gravity_m_s2) < 0.1 * p.gravity_m_s2:
                    self._tilt = _min_rotation(acc / np.linalg.norm(acc), np.array([0, 0, 1.0]))
                    self._bias = rows[:, GX : GZ + 1].mean(axis=0)
                    self._calib = _calibration(self._tilt, self._bias)
                    self.calibrated = True
        # the stride chain survives a short stop (a turn-around: forward -> stop -> backward is
        # one stride of the foot, decided from its own integration); max_stride_s bounds it
        self._gait_votes.clear()
        self._set_activity("still", self._t(self._quiet_start), t_k, events)

    def _gap_total(self, t0: float, t1: float) -> float:
        """Total length (s) of the data gaps that touch [t0, t1], each counted whole: a
        landing inside a gap is interpolated across it, so it may be off by the gap's length
        even when most of the gap lies outside the stride."""
        return sum(g1 - g0 for g0, g1 in self._gaps if g0 <= t1 and g1 >= t0)

    def _gap_inside(self, t0: float, t1: float) -> bool:
        return any(g0 < t1 and g1 > t0 for g0, g1 in self._gaps)

    def _try_early(self, limit: int, events: list[Event]) -> None:
        """Try the early landing at the grid samples up to ``limit`` (absolute index): the
        cheap pre-check (:meth:`LobeTracker.scan_landing`) finds the next grid sample worth
        the full check, which integrates the swing."""
        prev = self._anchor
        step = self._early_step
        if prev is None or (self._early is not None and self._early.anchor == prev):
            self._early_next = max(self._early_next, limit + 1)
            return
        while self._early_next <= limit:
            d = self._early_candidate(prev, self._early_next, limit) if (
                prev >= self.buf.start) else None
            if d is None:  # no grid sample up to limit passes: go on after it
                self._early_next += -(-(limit + 1 - self._early_next) // step) * step
                return
            self._early_next = d + step
            if self._early_check(prev, d, events):
                self._early_next = max(self._early_next, limit + 1)
                return

    def _early_check(self, prev: int, d: int, events: list[Event]) -> bool:
        """Decide the landing at sample ``d`` (a grid sample that passed the pre-check of
        :meth:`_early_candidate`) from the samples since the opening anchor ``prev`` only (no
        closing rest point yet): the landing lobe (the last significant pitch-rate lobe after
        the swing, :func:`find_contacts`) has lasted ``landing_lookahead_s``, and the swing was
        a real step — travel or lift at the landing from an integration anchored at ``prev``
        alone (over one swing its drift is small next to the 0.15 m / 0.08 m test). Emits the
        LandingEvent."""
        p = self.params
        t, motion = self._integrate(prev, d, zupt_end=False)
        contacts, t_fast = contacts_of_motion(motion, self.buf.view(prev, d + 1)[:, AX : AZ + 1],
                                              p.min_lobe_dps, p.lobe_fraction)
        self._early_fast = (prev, self._tilt, self._bias, t_fast)
        if contacts is None:
            return False
        ic = contacts.initial_contact_s
        if not contacts.complete or t[-1] - ic < p.landing_lookahead_s:
            return False
        k = int(np.searchsorted(t, ic, side="right"))
        travel = float(np.hypot(motion.pos[k - 1, 0], motion.pos[k - 1, 1]))
        lift = float(motion.pos[:k, 2].max())
        if travel < p.min_travel_m and lift < p.min_lift_m:
            return False
        to = contacts.toe_off_s
        pitch_t, pitch = t, motion.pitch_deg
        alt = self._no_step_from
        if alt is not None and alt >= self.buf.start and self._t(d) - self._t(alt) <= (
                p.max_stride_s):
            # prev may be a false mid-swing anchor (a slow swing pausing, see _on_anchor): its
            # gravity attitude is then wrong. As at the anchor, keep the integration needing
            # the smaller correction: the foot is nearly at rest at d (landing rotation)
            t2, m2 = self._integrate(alt, d, zupt_end=False)
            if np.linalg.norm(m2.vel[-1]) < np.linalg.norm(motion.vel[-1]):
                pitch_t, pitch = t2, m2.pitch_deg
        angle = float(np.interp(contacts.strike_at_s, pitch_t, pitch))
        uncertain = self._gap_inside(t[0], t[-1])
        prev_landing = self._last_landing
        events.append(
            LandingEvent(
                t_s=ic, emitted_at_s=float(t[-1]), sensor=self.sensor.id, foot=self.foot,
                foot_strike=classify_strike(angle), strike_angle_deg=angle,
                uncertain=uncertain, landing_rule=contacts.landing_rule,
                toe_off_before_s=to if prev_landing is not None and to > prev_landing.t_s
                else None,
            )
        )
        self._early = _Early(prev, _Landing(ic, angle, uncertain), to)
        return True

    def _early_candidate(self, prev: int, first: int, limit: int) -> int | None:
        """First grid sample ``first``, ``first + step``, … ≤ ``limit`` (absolute indices) at
        which the early landing's cheap pre-check passes, or None.

        The pitch-rate lobes since ``prev`` are kept for one anchor, bias and tilt (objects
        that are only ever replaced, never changed in place) and extended with the new samples
        only; each rate depends on its own sample alone, so how the samples are cut into blocks
        changes nothing. The pre-check's shortcut
        (:meth:`_swing_open_after`) uses the fastest-motion time of the last full check."""
        bias, tilt = self._bias, self._tilt
        c = self._early_lobe_cache
        if c is None or c.anchor != prev or c.bias is not bias or c.tilt is not tilt or (
                c.tracker.n > first - prev):
            c = _EarlyLobes(prev, bias, tilt, LobeTracker())
            self._early_lobe_cache = c
        buf = self.buf
        d = c.tracker.scan_landing(buf.data, *buf.rows(prev + c.tracker.n, limit + 1), self._calib,
                                   first - prev, self._early_step, self._t(prev),
                                   self._early_scan, self._swing_open_after(prev))
        return None if d < 0 else prev + d

    def _swing_open_after(self, prev: int) -> float:
        """The shortcut of the full early check (same result, no integration), as a time for
        :meth:`LobeTracker.scan_landing` (NaN: none): the full check cannot pass while the
        last significant pitch-rate lobe started before the fastest sample of an earlier full
        check for the same anchor, bias and tilt, for :func:`find_contacts` would take that
        last lobe as the swing, so the initial contact would be the last sample and the
        look-ahead could not hold.

        The integration anchored at ``prev`` alone is sample-causal: the speed at a sample does
        not depend on how many samples follow (``test_early_integration_is_causal`` checks it
        bit for bit), so the fastest sample over a longer span is the one found by an earlier
        full check or a later one. The tracker holds the lobes of exactly the pitch rate
        :meth:`_integrate` gives (the same compiled expression), with the starts and peaks of
        :func:`lobes`."""
        fast = self._early_fast
        if fast is None or fast[0] != prev or fast[1] is not self._tilt or (
                fast[2] is not self._bias):
            return math.nan
        return fast[3]

    def _on_anchor(self, anchor: int, decision: int, events: list[Event]) -> None:
        p = self.params
        prev = self._anchor
        self._anchor = anchor
        early = self._early if self._early is not None and self._early.anchor == prev else None
        self._early = None
        if prev is None or prev < self.buf.start or anchor - prev < 4:
            return
        rows = self.buf.view(prev, anchor + 1)
        t = rows[:, T]
        if t[-1] - t[0] > p.max_stride_s:
            self._last_landing = None
            return
        peak = float(rows[:, E].max())
        if peak < p.min_swing_peak_dps:
            self._no_step_from = None
            return  # weight shift or fidget inside a stance
        t, motion = self._integrate(prev, anchor)
        # A slow swing (the last step before stopping) can pause its rotation for a few tens of
        # ms in the air, which looks like a stance: the segment that ends at that false anchor
        # makes no step, and the one starting there has a huge velocity error (the foot was
        # not at rest). When the previous segment made no step, integrate across its anchor as
        # well and keep whichever needs the smaller zero-velocity correction.
        # The contacts are always found on the longer span: a quiet dip inside the push-off
        # rocker (the simulator's backward walk rolls over the heel at < Q) cuts the push lobe,
        # and the toe-off needs all of it (cut: the zero crossing, 40-60 ms late).
        alt = self._no_step_from
        self._no_step_from = None
        tc, mc = t, motion
        first_c = prev
        if alt is not None and alt >= self.buf.start and (
                self._t(anchor) - self._t(alt) <= p.max_stride_s):
            tc, mc = self._integrate(alt, anchor)
            first_c = alt
            if mc.drift_m_s < motion.drift_m_s:
                t, motion = tc, mc
        contacts, _ = contacts_of_motion(mc, self.buf.view(first_c, anchor + 1)[:, AX : AZ + 1],
                                         p.min_lobe_dps, p.lobe_fraction)
        end = motion.pos[-1]
        travel = float(np.hypot(end[0], end[1]))
        lift = float(motion.pos[:, 2].max())
        if contacts is None or (travel < p.min_travel_m and lift < p.min_lift_m):
            self._no_step_from = prev if self._last_landing is not None else None
            return  # no real step: tapping, fidgeting, shuffling
        ic = contacts.initial_contact_s
        to = contacts.toe_off_s
        emitted = self._t(decision)
        uncertain = self._gap_inside(t[0], t[-1])
        angle = float(np.interp(contacts.strike_at_s, t, motion.pitch_deg))
        prev_landing = self._last_landing
        two_steps = early is not None and ic - early.landing.t_s >= p.min_stride_s
        if early is not None and not two_steps:  # emitted during the landing rotation
            ic, angle = early.landing.t_s, early.landing.angle_deg
            uncertain = uncertain or early.landing.uncertain
        else:
            if early is not None:  # a stance was missed: the segment holds two steps
                prev_landing = early.landing
            events.append(
                LandingEvent(
                    t_s=ic, emitted_at_s=emitted, sensor=self.sensor.id, foot=self.foot,
                    foot_strike=classify_strike(angle), strike_angle_deg=angle,
                    uncertain=uncertain, landing_rule=contacts.landing_rule,
                    toe_off_before_s=to if prev_landing is not None and to > prev_landing.t_s
                    else None,
                )
            )
        self._peaks.append(peak)
        self._q = self._threshold()
        self._last_landing = _Landing(ic, angle, uncertain)
        if prev_landing is None or two_steps:
            return  # (two steps: one integration cannot split them, no stride is guessed)
        stride_t = ic - prev_landing.t_s
        if not p.min_stride_s <= stride_t <= p.max_stride_s:
            return
        h = 0.5 * motion.end_heading_rad
        toe = float(end[0] * np.cos(h) + end[1] * np.sin(h))
        direction: Direction
        if travel < p.min_travel_m or abs(toe) < 0.5 * travel:
            direction = "in_place"
        else:
            direction = "backward" if toe < 0 else "forward"
        to_ok = prev_landing.t_s < to < ic
        contact = to - prev_landing.t_s if to_ok else float("nan")
        events.append(
            StrideEvent(
                t_s=ic, emitted_at_s=emitted, sensor=self.sensor.id, foot=self.foot,
                start_s=prev_landing.t_s, toe_off_s=to if to_ok else prev_landing.t_s,
                end_s=ic, stride_time_s=stride_t,
                contact_time_s=contact if to_ok else 0.0,
                swing_time_s=ic - to if to_ok else 0.0,
                direction=direction, displacement_toe_m=toe, stride_length_m=travel,
                speed_m_s=travel / stride_t, cadence_spm=120.0 / stride_t,
                foot_strike=classify_strike(prev_landing.angle_deg),
                strike_angle_deg=prev_landing.angle_deg,
                max_lift_m=lift,
                uncertain=uncertain or prev_landing.uncertain or not to_ok,
                gap_s=self._gap_total(prev_landing.t_s, ic),
                time_error_max_s=(self._gap_total(prev_landing.t_s - _LANDING_REACH_S,
                                                  prev_landing.t_s + _LANDING_REACH_S)
                                  + self._gap_total(ic - _LANDING_REACH_S,
                                                    ic + _LANDING_REACH_S)),
            )
        )
        if to_ok:
            gait: Activity = "running" if contact < 0.5 * stride_t else "walking"
            self._gait_votes.append(gait)
            if (len(self._gait_votes) == 2 and self._gait_votes[0] == gait) or (
                self.activity not in ("walking", "running")
            ):
                self._set_activity(gait, prev_landing.t_s, emitted, events)

    def _integrate(self, first: int, last: int, zupt_end: bool = True
                   ) -> tuple[FloatArray, SegmentMotion]:
        """Strapdown integration of the buffer rows ``first``..``last`` (absolute indices,
        inclusive; ``first`` is a zero-velocity anchor): times (s) and the motion (its table
        also holds the calibrated gyro, deg/s, foot frame).

        The opening attitude comes from gravity averaged over the anchor's own quiet window:
        the ``smooth_s`` samples *ending* at the anchor, the ones its stillness was judged on
        (the smoothing is causal). Samples after the anchor are not used: a re-anchor is the
        last still sample before the foot leaves, and the departure's acceleration (20–40 m/s²
        within 10 ms on the simulator's backward run) tilted the estimated vertical by 10–13°,
        which went straight into every pitch, hence into the strike angle of that stride."""
        buf = self.buf
        r_first, r_end = buf.rows(first, last + 1)
        ref = self._att_ref.get(first, first)
        if ref < buf.start:
            ref = first
        lo = max(buf.start, ref - self._n_smooth + 1)
        r_att, r_ref = buf.rows(lo, ref)
        table, heading, drift = _strapdown.integrate_rows(
            buf.data, r_first, r_end - 1, r_att, r_ref, self._calib, self.params.gravity_m_s2,
            zupt_end)
        return table[:, 0], SegmentMotion.from_table(table, heading, drift)

    def _set_activity(self, act: Activity, t_s: float, emitted: float, events: list[Event]
                      ) -> None:
        if act == self.activity:
            return
        events.append(
            ActivityEvent(
                t_s=t_s, emitted_at_s=emitted, sensor=self.sensor.id, foot=self.foot,
                activity=act, previous=self.activity,
            )
        )
        self.activity = act


def _calibration(tilt: FloatArray, bias: FloatArray) -> FloatArray:
    """Tilt correction (3 × 3, row-major) and gyro bias (deg/s, foot frame) as the one vector
    the compiled kernels read."""
    return np.concatenate((np.asarray(tilt, dtype=np.float64).ravel(),
                           np.asarray(bias, dtype=np.float64)))


def _min_rotation(a: FloatArray, b: FloatArray) -> FloatArray:
    """Smallest rotation matrix taking unit vector ``a`` onto unit vector ``b`` (Rodrigues)."""
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    s2 = float(np.dot(v, v))
    if s2 < 1e-18:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx * ((1 - c) / s2)
