"""Per-sensor gait pipeline: timed samples of one foot sensor -> landing, stride, activity events.

:class:`SensorPipeline` is the state machine that runs the stages, one module each (their
contracts there, the physics and its measurements in ``docs/pipeline.md``):

1. **Features and stance** (:mod:`.stance`): samples rotated into the nominal foot frame by the
   declared mounting; the foot is *quiet* (stance) while smoothed |gyro| < Q and smoothed
   | |acc| − g | is small; Q follows this foot's swing peaks. Still periods calibrate tilt and
   gyro bias (:mod:`.calibration`).
2. **Anchor**: the zero-velocity instant, the stillest sample within ``anchor_window_s`` after
   the foot became quiet (and, after a long stance, again just before the foot leaves).
3. **Integration** (:mod:`.integration`, :mod:`.strapdown`) and **contacts** (:mod:`.contacts`)
   of each segment between two anchors; **landing and stride** (:mod:`.landing`), decided at
   the closing anchor, or during the landing rotation by the **early landing** (:mod:`.early`).
4. **Activity** (:mod:`.activity`).

States: SWING (waiting for the foot to become quiet) -> ANCHOR (quiet: the anchor is chosen
once the foot leaves again or ``anchor_window_s`` has passed) -> STANCE (until the foot leaves)
-> SWING.

Streaming contract: input :class:`~retrogait.timing.clock.TimedBlock` of one sensor (t s on the
recording time base, specific force m/s² and rate deg/s in the sensor frame), output events on
the same time base. Every decision is taken at a definite sample (``emitted_at_s`` is that
sample's time), from the samples up to it, so feeding the same samples in blocks of any size
gives identical events. Memory is a fixed ring of ``buffer_s`` seconds.
"""

from __future__ import annotations

import numpy as np

from retrogait.events import Event, Foot, GapEvent
from retrogait.pipeline.activity import ActivityTracker
from retrogait.pipeline.buffer import SampleBuffer
from retrogait.pipeline.calibration import calibrate_still
from retrogait.pipeline.contacts import kernel_consts
from retrogait.pipeline.early import EarlyLanding
from retrogait.pipeline.integration import Integrator
from retrogait.pipeline.landing import LandingStage
from retrogait.pipeline.params import PipelineParams
from retrogait.pipeline.stance import StanceSearch
from retrogait.recording.format import FOOT_OF_PLACEMENT, SensorInfo
from retrogait.timing.clock import TimedBlock

__all__ = ["PipelineParams", "SensorPipeline", "foot_of"]


def foot_of(sensor: SensorInfo) -> Foot:
    """The foot ``sensor`` is on ("unknown" for a sensor that is not on a foot)."""
    return FOOT_OF_PLACEMENT.get(sensor.placement, "unknown")


_SWING, _ANCHOR, _STANCE = 0, 1, 2


class SensorPipeline:
    """Consumes :class:`TimedBlock` of one sensor; emits events on the recording time base."""

    def __init__(
        self, sensor: SensorInfo, params: PipelineParams | None = None,
        rate_hz: float | None = None,
    ) -> None:
        self.sensor = sensor
        self.params = p = params or PipelineParams()
        self.foot = foot_of(sensor)
        self.rate_hz = float(rate_hz or sensor.rate_hz or 200.0)
        self.samples_seen = 0
        self._last_t: float | None = None
        cap = max(256, int(np.ceil(p.buffer_s * self.rate_hz)))
        self.buf = buf = SampleBuffer(cap)
        self._chunk = cap // 4
        n_smooth = max(1, round(p.stance.smooth_s * self.rate_hz))
        r_nominal = np.ascontiguousarray(sensor.mounting.sensor_to_foot(), dtype=np.float64)
        self.stance = StanceSearch(buf, r_nominal, n_smooth, p.gravity_m_s2, p.stance)
        self.integrator = Integrator(buf, n_smooth, p.gravity_m_s2)
        self.activity = ActivityTracker(sensor.id, self.foot, p.activity)
        self.landing = LandingStage(sensor.id, self.foot, buf, self.integrator, self.activity,
                                    p.landing, p.contacts,
                                    kernel_consts(p.contacts, p.gravity_m_s2))
        self.early = EarlyLanding(buf, self.landing, p.early, self.rate_hz)
        self.calibrated = False
        self._state = _SWING
        self._pos = 0  # next absolute sample to examine
        self._swing_start = 0
        self._swing_timed_out = False
        self._quiet_start = 0
        self._still = False
        self._anchor: int | None = None  # absolute index of the last zero-velocity anchor
        self._reanchored = False  # the anchor was moved to the end of its stance

    def process(self, block: TimedBlock) -> list[Event]:
        """Events decided by the samples of ``block`` (any size, in time order)."""
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
            self.landing.gaps.add(gap_start, gap_end)
            if block.gap_before_s > self.params.landing.max_gap_s:
                self._reset_chain(at=self.buf.end)
        if n <= self._chunk:  # (a notification: no slicing)
            self.stance.append(block.t, block.acc, block.gyr)
            self._advance(events)
        else:
            for i in range(0, n, self._chunk):
                j = min(n, i + self._chunk)
                self.stance.append(block.t[i:j], block.acc[i:j], block.gyr[i:j])
                self._advance(events)
        self.samples_seen += n
        self._last_t = float(block.t[-1])
        return events

    def finish(self) -> list[Event]:
        """End of stream: nothing is pending that could still be confirmed."""
        return []

    # ------------------------------------------------------------------ state machine
    def _advance(self, events: list[Event]) -> None:
        sp, lp = self.params.stance, self.params.landing
        st, buf = self.stance, self.buf
        while True:
            end = buf.end
            if self._pos >= end:
                return
            if self._state == _SWING:
                i0 = max(self._pos, buf.start)
                qs = st.first(True, st.q, i0, end)
                if not self._swing_timed_out:
                    t_out = buf.time(self._swing_start) + lp.max_stride_s
                    k = st.time_index(t_out, i0, end if qs is None else qs)
                    if k is not None:  # moving without any stance: not gait
                        self._swing_timed_out = True
                        self._reset_chain(at=None)
                        self.activity.set("moving", buf.time(k), buf.time(k), events)
                if self.params.early.enabled:
                    self.early.try_until(self._anchor, end - 1 if qs is None else qs, events)
                if qs is None:
                    self._pos = end
                    return
                self._quiet_start = qs
                self._state = _ANCHOR
                self._pos = qs
            elif self._state == _ANCHOR:
                qs = self._quiet_start
                dead = st.time_index(buf.time(qs) + sp.anchor_window_s, qs, end)
                exit_ = st.first(False, st.q * sp.quiet_exit_factor, qs,
                                 end if dead is None else dead + 1)
                if exit_ is not None:
                    decision = exit_
                elif dead is not None:
                    decision = dead
                else:
                    self._pos = end
                    return
                if exit_ is not None and buf.time(exit_) - buf.time(qs) < sp.min_stance_s:
                    self._state = _SWING  # a dip inside the swing, not a stance
                    self._pos = exit_
                    continue
                self._on_anchor(st.stillest(qs, decision + 1), decision, events)
                if exit_ is not None:
                    self._enter_swing(exit_)
                else:
                    self._state = _STANCE
                    self._still = False
                    self._pos = decision + 1
            else:  # _STANCE
                i0 = self._pos
                exit_ = st.first(False, st.q * sp.quiet_exit_factor, i0, end)
                if not self._still:
                    k = st.time_index(buf.time(self._quiet_start) + sp.still_s, i0,
                                      end if exit_ is None else exit_)
                    if k is not None:
                        self._still = True
                        self._on_still(k, events)
                if exit_ is None:
                    self._pos = end
                    return
                if self._anchor is not None:
                    self._reanchor(exit_)
                self._enter_swing(exit_)

    def _reanchor(self, exit_: int) -> None:
        """Move the anchor to the stillest sample of the last ``reanchor_window_s`` before the
        foot leaves at ``exit_`` (less drift to integrate). The vertical of the next segment is
        read where the stance's last ``attitude_window_s`` was stillest (the foot flat), not at
        the re-anchor: just before it leaves, the foot may already pivot (heel rise) with a
        small rate but a tangential acceleration that tilts gravity by several degrees."""
        sp, st, buf = self.params.stance, self.stance, self.buf
        assert self._anchor is not None
        lo = st.time_index(buf.time(exit_) - sp.reanchor_window_s,
                           max(self._anchor, buf.start), exit_)
        if lo is None or lo >= exit_:
            return
        new = st.stillest(lo, exit_)
        r_lo = st.time_index(buf.time(exit_) - sp.attitude_window_s,
                             max(self._anchor, buf.start), exit_)
        ref = new
        if r_lo is not None and r_lo < new:
            ref = st.stillest(r_lo, new + 1)
        self._reanchored = self._reanchored or new != self._anchor
        self._anchor = new
        if ref != new:
            self.integrator.set_attitude_ref(new, ref)

    def _enter_swing(self, i: int) -> None:
        self._state = _SWING
        self._swing_start = i
        self._swing_timed_out = False
        self._pos = i
        self.early.restart(i)

    def _reset_chain(self, at: int | None) -> None:
        self._anchor = None
        self.early.pending = None
        self.landing.reset()
        if at is not None:
            self._enter_swing(at)

    def _on_anchor(self, anchor: int, decision: int, events: list[Event]) -> None:
        prev = self._anchor
        self._anchor = anchor
        early = self.early.take(prev)
        from_stance_start = not self._reanchored
        self._reanchored = False
        peak = self.landing.on_anchor(prev, anchor, decision, early, events,
                                      from_stance_start=from_stance_start)
        if peak is not None:
            self.stance.learn_swing_peak(peak)

    def _on_still(self, k: int, events: list[Event]) -> None:
        """Quiet for ``still_s``: standing. Calibrate gyro bias and tilt if truly still."""
        sp = self.params.stance
        buf = self.buf
        t_k = buf.time(k)
        lo = self.stance.time_index(t_k - sp.calibration_window_s,
                                    max(self._quiet_start, buf.start), k + 1)
        if lo is not None and k + 1 - lo >= sp.calibration_min_samples:
            cal = calibrate_still(buf.view(lo, k + 1), sp.still_gyro_dps,
                                  self.params.gravity_m_s2, sp.gravity_tolerance)
            if cal is not None:
                self.integrator.calibration = cal
                self.calibrated = True
        # the stride chain survives a short stop (a turn-around: forward -> stop -> backward is
        # one stride of the foot, decided from its own integration); max_stride_s bounds it
        self.activity.clear_votes()
        self.activity.set("still", buf.time(self._quiet_start), t_k, events)
