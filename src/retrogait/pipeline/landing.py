"""Landing stage: the landing and the stride of a segment between two zero-velocity anchors.

Contract: :meth:`LandingStage.on_anchor` takes the opening and closing anchors (absolute sample
indices), the sample at which the closing anchor was confirmed, and the landing already
emitted early for this segment (:mod:`.early`), if any; it appends the
:class:`~retrogait.events.LandingEvent` and :class:`~retrogait.events.StrideEvent` (times in s
on the recording time base; distances in m in the stride world frame) and returns the swing's
largest smoothed |gyro| (deg/s) when the segment was a real step, else None.

A landing is only accepted when the foot really travelled or lifted (``min_travel_m`` /
``min_lift_m``) with a real swing rotation (``min_swing_peak_dps``): standing, fidgeting and
tapping make no landings. The stride (landing to landing) is emitted with the landing that
closes it; its direction is the sign of the travel along the mean toe heading (negative =
toward the heel = backward).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from retrogait.events import Direction, Event, Foot, LandingEvent, LandingRule, StrideEvent
from retrogait.footstrike import classify_strike
from retrogait.pipeline.activity import ActivityTracker
from retrogait.pipeline.buffer import AX, AZ, E, SampleBuffer, T
from retrogait.pipeline.contacts import KernelConsts, contacts_of_motion
from retrogait.pipeline.integration import Integrator
from retrogait.pipeline.params import ContactParams, LandingParams

_MIN_SEGMENT_SAMPLES = 4  # fewer samples between two anchors: the same stance
_GAPS_KEPT = 64  # data gaps remembered (far more than a stride can touch)


@dataclass
class Landing:
    """A landing: time (s), strike angle (deg, toe-up pitch), within a data gap."""

    t_s: float
    angle_deg: float
    uncertain: bool


@dataclass
class EarlyDecision:
    """A landing decided during the landing rotation (already emitted) for the segment that
    opened at ``anchor`` (absolute sample index); ``toe_off_s`` its toe-off, s."""

    anchor: int
    landing: Landing
    toe_off_s: float


class GapLog:
    """The recent data gaps of one sensor (start s, end s)."""

    def __init__(self) -> None:
        self._gaps: deque[tuple[float, float]] = deque(maxlen=_GAPS_KEPT)

    def add(self, start_s: float, end_s: float) -> None:
        self._gaps.append((start_s, end_s))

    def total(self, t0: float, t1: float) -> float:
        """Total length (s) of the data gaps that touch [t0, t1], each counted whole: a
        landing inside a gap is interpolated across it, so it may be off by the gap's length
        even when most of the gap lies outside the stride."""
        return sum(g1 - g0 for g0, g1 in self._gaps if g0 <= t1 and g1 >= t0)

    def inside(self, t0: float, t1: float) -> bool:
        """Whether a gap overlaps (t0, t1)."""
        return any(g0 < t1 and g1 > t0 for g0, g1 in self._gaps)


class LandingStage:
    """The stride chain of one sensor: the last landing and the segment that made no step."""

    def __init__(self, sensor_id: str, foot: Foot, buf: SampleBuffer, integrator: Integrator,
                 activity: ActivityTracker, params: LandingParams, contacts: ContactParams,
                 consts: KernelConsts) -> None:
        self.sensor_id = sensor_id
        self.foot = foot
        self.buf = buf
        self.integrator = integrator
        self.activity = activity
        self.params = params
        self.contacts = contacts
        self.consts = consts
        self.gaps = GapLog()
        self.last_landing: Landing | None = None
        self.no_step_from: int | None = None  # opening anchor of a segment that made no step

    def reset(self) -> None:
        """Break the stride chain (a long gap, a swing without stance)."""
        self.no_step_from = None
        self.last_landing = None
        self.activity.clear_votes()

    def landing_event(self, t_s: float, emitted: float, angle: float, uncertain: bool,
                      rule: LandingRule, toe_off_s: float, prev: Landing | None
                      ) -> LandingEvent:
        """The LandingEvent of a landing at ``t_s`` (s) decided at ``emitted`` (s); the toe-off
        before it is given when it follows the previous landing ``prev``."""
        return LandingEvent(
            t_s=t_s, emitted_at_s=emitted, sensor=self.sensor_id, foot=self.foot,
            foot_strike=classify_strike(angle), strike_angle_deg=angle, uncertain=uncertain,
            landing_rule=rule,
            toe_off_before_s=toe_off_s if prev is not None and toe_off_s > prev.t_s else None,
        )

    def on_anchor(self, prev: int | None, anchor: int, decision: int,
                  early: EarlyDecision | None, events: list[Event],
                  from_stance_start: bool = True) -> float | None:
        """The segment ``prev``..``anchor`` (see the module docstring); ``from_stance_start``:
        ``prev`` is the rest at its stance's start (not moved to the stance's end)."""
        p = self.params
        buf = self.buf
        if prev is None or prev < buf.start or anchor - prev < _MIN_SEGMENT_SAMPLES:
            return None
        rows = buf.view(prev, anchor + 1)
        t = rows[:, T]
        if t[-1] - t[0] > p.max_stride_s:
            self.last_landing = None
            return None
        peak = float(rows[:, E].max())
        if peak < p.min_swing_peak_dps:
            self.no_step_from = None
            return None  # weight shift or fidget inside a stance
        integrate = self.integrator.integrate
        t, motion = integrate(prev, anchor)
        # A slow swing (the last step before stopping) can pause its rotation in the air,
        # which looks like a stance: the segment that ends at that false anchor makes no step,
        # and the one starting there has a large velocity error (the foot was not at rest).
        # When the previous segment made no step, integrate across its anchor as well and keep
        # whichever needs the smaller zero-velocity correction. The contacts are always found
        # on the longer span: a quiet dip inside the push-off rocker cuts the push lobe, and
        # the toe-off needs all of it.
        alt = self.no_step_from
        self.no_step_from = None
        tc, mc = t, motion
        first_c = prev
        if alt is not None and alt >= buf.start and (
                buf.time(anchor) - buf.time(alt) <= p.max_stride_s):
            tc, mc = integrate(alt, anchor)
            first_c = alt
            if mc.drift_m_s < motion.drift_m_s:
                t, motion = tc, mc
        contacts, _ = contacts_of_motion(mc, buf.view(first_c, anchor + 1)[:, AX : AZ + 1],
                                         self.consts)
        end = motion.pos[-1]
        travel = float(np.hypot(end[0], end[1]))
        lift = float(motion.pos[:, 2].max())
        # An in-place step (lift without travel) from the rest at a stance's start reaches
        # its next rest a whole stride later (landing to landing >= min_stride_s). A shorter
        # segment without travel is a stance cut in two (the foot rolling inside it) or a
        # quiet stretch in mid-swing (a foot gliding without rotating), whatever lift its
        # integration shows; taken for a step, its rotation made a landing at the toe-off and
        # an in-place stride (docs/pipeline.md, issue 12 part 4)
        short = from_stance_start and t[-1] - t[0] < p.min_stride_s
        if contacts is None or (travel < p.min_travel_m and (lift < p.min_lift_m or short)):
            self.no_step_from = prev if self.last_landing is not None else None
            return None  # no real step: tapping, fidgeting, shuffling
        ic = contacts.initial_contact_s
        to = contacts.toe_off_s
        emitted = buf.time(decision)
        uncertain = self.gaps.inside(t[0], t[-1])
        angle = float(np.interp(contacts.strike_at_s, t, motion.pitch_deg))
        prev_landing = self.last_landing
        two_steps = early is not None and ic - early.landing.t_s >= p.min_stride_s
        if early is not None and not two_steps:  # emitted during the landing rotation
            ic, angle = early.landing.t_s, early.landing.angle_deg
            uncertain = uncertain or early.landing.uncertain
        else:
            if early is not None:  # a stance was missed: the segment holds two steps
                prev_landing = early.landing
            events.append(self.landing_event(ic, emitted, angle, uncertain,
                                             contacts.landing_rule, to, prev_landing))
        self.last_landing = Landing(ic, angle, uncertain)
        if prev_landing is None or two_steps:
            return peak  # (two steps: one integration cannot split them, no stride is guessed)
        stride_t = ic - prev_landing.t_s
        if not p.min_stride_s <= stride_t <= p.max_stride_s:
            return peak
        h = 0.5 * motion.end_heading_rad
        toe = float(end[0] * np.cos(h) + end[1] * np.sin(h))
        direction: Direction
        if travel < p.min_travel_m or abs(toe) < p.in_place_toe_fraction * travel:
            direction = "in_place"
        else:
            direction = "backward" if toe < 0 else "forward"
        to_ok = prev_landing.t_s < to < ic
        contact = to - prev_landing.t_s if to_ok else float("nan")
        reach = self.contacts.landing_reach_s
        gaps = self.gaps
        events.append(
            StrideEvent(
                t_s=ic, emitted_at_s=emitted, sensor=self.sensor_id, foot=self.foot,
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
                gap_s=gaps.total(prev_landing.t_s, ic),
                time_error_max_s=(gaps.total(prev_landing.t_s - reach, prev_landing.t_s + reach)
                                  + gaps.total(ic - reach, ic + reach)),
            )
        )
        if to_ok:
            self.activity.stride(contact, stride_t, prev_landing.t_s, emitted, events)
        return peak
