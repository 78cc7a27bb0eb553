"""Gait styles (with their sources) and the step planner: scenario segments -> steps (the foot
trajectories that follow them are built in :mod:`retrogait.simulate.trajectory`).

The planner lays down a sequence of steps, alternating feet, on the host clock (s). Each step
takes one foot from its stance through a swing to a new foot-flat placement. A stance is:

* landing rocker: the foot rolls about the sole point that touched first (heel when the pitch at
  initial contact is >= 0, toe otherwise) from the strike angle to flat;
* flat (possibly with fidgeting: toe/heel taps and twists about a planted sole point);
* departure rocker: the foot rolls about the sole point that leaves last (toe for a forward step,
  heel for a backward one) to the toe-off pitch, reached with a non-zero pitch rate;

and a swing moves the departing point along a minimum-jerk horizontal path to where the next
landing needs it, with a smooth vertical clearance, while pitch/roll/yaw go from their toe-off to
their initial-contact values. Landing at the foot's footprint is exact: the truth is the plan.

Footprints follow the body: starting with feet side by side, step ``j`` puts the stepping foot at
body point ``c_j = c_(j-1) + l_j`` (so the first step of a bout moves the foot one step length,
the next ones a stride, and the last one, which brings the feet together, one step length).

Over 400 lines: the planner is one state machine over the step and style types defined here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from retrogait.simulate.kinematics import (
    FootTrajectory,
    Impact,
    toe_point,
)

GaitKind = Literal["walk", "run"]
StepDirection = Literal["forward", "backward"]
Foot = Literal["left", "right"]
FEET: tuple[Foot, Foot] = ("left", "right")
SIDE = {"left": 1.0, "right": -1.0}  # + = the body's left

FOOT_LENGTH_M = 0.26
DEG = math.pi / 180.0


@dataclass(frozen=True)
class GaitStyle:
    """Nominal parameters of one gait; variability is drawn per step around them.

    Angles in degrees (pitch + = toes up), times in s, lengths in m. Sources in
    ``docs/simulator.md``.
    """

    gait: GaitKind
    direction: StepDirection
    speed_m_s: float
    cadence_spm: float
    contact_s: float
    strike_deg: float
    strike_sd_deg: float
    toe_off_deg: float
    toe_off_sd_deg: float = 4.0
    toe_off_rate_factor: float = 2.0
    """pitch rate at toe-off = factor * toe_off_deg / departure-rocker duration. 2.0 makes the
    rate rise monotonically to its peak exactly at toe-off (zero angular acceleration there),
    as in real forward gait (gaitmap walk: peak plantar-flexion rate 5 ms before toe-off);
    backward styles use 0.5: a slow heel take-off, the time reversal of a forward heel strike."""
    land_rocker_frac: float = 0.15
    dep_rocker_frac: float = 0.40
    clearance_m: float = 0.15
    impact_v_m_s: float = 0.5
    impact_tau_s: float = 0.008
    vib_acc_m_s2: float = 20.0
    step_width_m: float = 0.08
    inversion_deg: float = 4.0
    wobble_deg: float = 3.0
    cadence_cv: float = 0.015
    length_cv: float = 0.025
    contact_cv: float = 0.03
    label: str = ""
    # Landing and shoe details. The defaults are the named styles' model (no late-swing
    # rotation, zero pitch rate at contact, point pivots, 35-60 Hz ringing); the randomised
    # family (``retrogait.simulate.randomized``) draws them.
    late_swing_s: float = 0.0
    """the landing rotation starts this long before initial contact (0: one swing quintic)"""
    late_swing_deg: float = 0.0
    """pitch change during that late swing, + = toes up (pitch there = strike - this)"""
    touchdown_rate_dps: float = 0.0
    """foot pitch rate at initial contact, deg/s, + = toes up; the landing rocker starts with it"""
    heel_radius_m: float = 0.0
    """heel rocker radius: the heel rolls on an arc of this radius (0: a point pivot)"""
    toe_radius_m: float = 0.0
    """toe rocker radius (0: a point pivot)"""
    vib_freq_hz: float = 0.0
    """sensor ringing frequency (shoe/mount stiffness); 0: drawn 35-60 Hz per landing"""
    vib_tau_s: float = 0.012
    """decay time constant of the sensor ringing, s"""

    @property
    def step_time_s(self) -> float:
        return 60.0 / self.cadence_spm

    @property
    def step_length_m(self) -> float:
        return self.speed_m_s * self.step_time_s

    @property
    def activity(self) -> Literal["walking", "running"]:
        return "running" if self.gait == "run" else "walking"

    def with_(self, **changes: float | str) -> GaitStyle:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _blend(a: GaitStyle, b: GaitStyle, w: float) -> GaitStyle:
    """Numeric fields interpolated ``(1 - w) a + w b``; the rest from ``b``."""
    changes: dict[str, float] = {}
    for f in dataclasses.fields(GaitStyle):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if isinstance(va, float) and isinstance(vb, float):
            changes[f.name] = (1 - w) * va + w * vb
    return dataclasses.replace(b, **changes)  # type: ignore[arg-type]


# --- nominal styles -------------------------------------------------------------------------
# Forward running at 3.0 m/s, 164 steps/min (Frontiers 2019: 160 spm at 3.5 m/s; Takeshita:
# 150 spm at 2.38 m/s), flight 0.072 s (Cavagna 2012, FR average) -> contact = step - flight.
_FR_STEP = 60.0 / 164.0
FORWARD_RUN_REARFOOT = GaitStyle(
    gait="run", direction="forward", speed_m_s=3.0, cadence_spm=164.0,
    contact_s=_FR_STEP - 0.072, strike_deg=15.0, strike_sd_deg=2.5, toe_off_deg=-50.0,
    land_rocker_frac=0.15, dep_rocker_frac=0.40, clearance_m=0.20, impact_v_m_s=0.7,
    impact_tau_s=0.007, vib_acc_m_s2=40.0, step_width_m=0.08, inversion_deg=5.0,
    label="forward run, rearfoot strike",
)
FORWARD_RUN_MIDFOOT = FORWARD_RUN_REARFOOT.with_(
    strike_deg=3.0, strike_sd_deg=1.2, land_rocker_frac=0.10, impact_v_m_s=0.5,
    impact_tau_s=0.008, vib_acc_m_s2=25.0, label="forward run, midfoot strike",
)
FORWARD_RUN_FOREFOOT = FORWARD_RUN_REARFOOT.with_(
    strike_deg=-8.0, strike_sd_deg=2.0, land_rocker_frac=0.22, impact_v_m_s=0.45,
    impact_tau_s=0.009, vib_acc_m_s2=20.0, label="forward run, forefoot strike",
)
# Backward running at 80 % of the forward speed (Bates: equal effort at ~80 %), cadence above
# forward (+11.3 % at equal speed, BWS abstract; lower at the lower speed -> 174 spm assumed),
# flight 0.098 s (Cavagna 2012, BR average) -> shorter contact than FR (Wright & Weyand 2001).
# Toe-first landing (time-reversal of FR, Grasso 1998 / Mehdizadeh 2015), toes-up heel take-off.
_BR_STEP = 60.0 / 174.0
BACKWARD_RUN = GaitStyle(
    gait="run", direction="backward", speed_m_s=2.4, cadence_spm=174.0,
    contact_s=_BR_STEP - 0.098, strike_deg=-15.0, strike_sd_deg=3.0, toe_off_deg=25.0,
    toe_off_rate_factor=0.5,
    land_rocker_frac=0.30, dep_rocker_frac=0.35, clearance_m=0.12, impact_v_m_s=0.35,
    impact_tau_s=0.010, vib_acc_m_s2=15.0, step_width_m=0.10, inversion_deg=2.0,
    label="backward run, toe-first landing",
)
# Walking: forward 1.35 m/s at 110 spm, contact 62 % of the stride (double support);
# backward ~1.0 m/s (derived from KU-HAR), cadence about unchanged (Laufer 2005), longer stance.
FORWARD_WALK = GaitStyle(
    gait="walk", direction="forward", speed_m_s=1.35, cadence_spm=110.0,
    contact_s=0.62 * 2 * 60.0 / 110.0, strike_deg=20.0, strike_sd_deg=2.5, toe_off_deg=-55.0,
    land_rocker_frac=0.18, dep_rocker_frac=0.40, clearance_m=0.06,
    impact_v_m_s=0.30, impact_tau_s=0.012, vib_acc_m_s2=10.0, step_width_m=0.16,
    inversion_deg=3.0, wobble_deg=2.0, label="forward walk, heel strike",
)
BACKWARD_WALK = GaitStyle(
    gait="walk", direction="backward", speed_m_s=1.0, cadence_spm=104.0,
    contact_s=0.65 * 2 * 60.0 / 104.0, strike_deg=-12.0, strike_sd_deg=3.0, toe_off_deg=20.0,
    toe_off_rate_factor=0.5,
    land_rocker_frac=0.25, dep_rocker_frac=0.35, clearance_m=0.05,
    impact_v_m_s=0.20, impact_tau_s=0.012, vib_acc_m_s2=6.0, step_width_m=0.16,
    inversion_deg=2.0, wobble_deg=2.0, label="backward walk, toe-first landing",
)

STYLES: dict[str, GaitStyle] = {
    "forward_run": FORWARD_RUN_REARFOOT,
    "forward_run_rearfoot": FORWARD_RUN_REARFOOT,
    "forward_run_midfoot": FORWARD_RUN_MIDFOOT,
    "forward_run_forefoot": FORWARD_RUN_FOREFOOT,
    "backward_run": BACKWARD_RUN,
    "forward_walk": FORWARD_WALK,
    "backward_walk": BACKWARD_WALK,
}


# --- scenario segments ----------------------------------------------------------------------
@dataclass(frozen=True)
class Still:
    """Both feet flat on the ground (after bringing them together if walking/running)."""

    duration_s: float


@dataclass(frozen=True)
class Locomotion:
    """Walk or run with ``style`` for ``duration_s`` (or exactly ``steps`` steps).

    ``turn_deg`` turns the body by that much, spread over the segment's steps (step turns on an
    arc, steps shortened by ``turn_step_scale``); + = to the left.
    """

    style: GaitStyle
    duration_s: float | None = None
    steps: int | None = None
    turn_deg: float = 0.0
    turn_step_scale: float = 0.6


@dataclass(frozen=True)
class Fidget:
    """Standing, fidgeting with one or both feet: toe taps, heel taps, twists. No step taken."""

    duration_s: float
    feet: tuple[Foot, ...] = ("right",)
    kinds: tuple[str, ...] = ("toe_tap", "heel_tap", "twist")


Segment = Still | Locomotion | Fidget


@dataclass(frozen=True)
class StepPlan:
    """One step: a foot's departure (toe-off), swing and landing."""

    index: int
    foot: Foot
    t_to: float
    t_ic: float
    direction: StepDirection
    style: GaitStyle
    section: int
    heel: np.ndarray  # world position of the heel point once the foot is flat, m
    yaw: float  # foot yaw once flat, rad
    strike_rad: float  # pitch at initial contact
    inversion_rad: float  # roll at initial contact
    toe_off_rad: float  # pitch at toe-off (of the departing stance)
    toe_off_rate: float  # pitch rate at toe-off, rad/s
    d_dep: float  # departure rocker duration, s
    d_land: float  # landing rocker duration, s
    clearance_m: float
    wobble_yaw_rad: float
    wobble_roll_rad: float
    impact: Impact
    final: bool = False  # brings the feet together (end of a bout)
    strike_rate: float = 0.0  # pitch rate at initial contact, rad/s
    late_swing_s: float = 0.0  # landing rotation starts this long before initial contact, s
    late_swing_rad: float = 0.0  # pitch change during it (pitch at its start = strike - this)
    heel_radius_m: float = 0.0  # rocker radii of the shoe (0: point pivots)
    toe_radius_m: float = 0.0


@dataclass(frozen=True)
class FidgetEvent:
    t0: float
    duration: float
    pivot: Literal["heel", "toe"]
    pitch_rad: float
    yaw_rad: float
    kind: str


@dataclass(frozen=True)
class ActivitySpan:
    start_s: float
    end_s: float
    activity: Literal["still", "walking", "running", "turning", "tapping"]
    direction: StepDirection | None = None


@dataclass
class GaitPlan:
    """Everything the planner decided: steps, initial placements, fidgets, activities."""

    steps: list[StepPlan]
    initial: dict[Foot, tuple[np.ndarray, float]]  # heel position, yaw
    fidgets: dict[Foot, list[FidgetEvent]]
    activities: list[ActivitySpan]
    end_s: float
    foot_length_m: float = FOOT_LENGTH_M
    trajectories: dict[Foot, FootTrajectory] = field(default_factory=dict)

    def steps_of(self, foot: Foot) -> list[StepPlan]:
        return [s for s in self.steps if s.foot == foot]


@dataclass(frozen=True)
class PlannerConfig:
    foot_length_m: float = FOOT_LENGTH_M
    toe_out_deg: float = 5.0
    toe_out_sd_deg: float = 1.0
    start_heading_rad: float | None = None  # None: random
    blend_steps: int = 3
    min_flat_s: float = 0.02


def _rot_z(yaw: float) -> np.ndarray:
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


class _Planner:
    def __init__(self, rng: np.random.Generator, cfg: PlannerConfig) -> None:
        self.rng = rng
        self.cfg = cfg
        self.t = 0.0
        self.psi = float(rng.uniform(-math.pi, math.pi)) if cfg.start_heading_rad is None else (
            cfg.start_heading_rad)
        self.point = np.zeros(2)
        self.toe_out = {f: SIDE[f] * cfg.toe_out_deg * DEG for f in FEET}
        self.width = 0.12
        self.steps: list[StepPlan] = []
        self.in_bout = False
        self.next_foot: Foot = "left"
        self.last_style: GaitStyle | None = None
        self.section = -1
        self.section_starts: list[tuple[int, float, GaitStyle, bool]] = []
        self.activities: list[ActivitySpan] = []
        self.fidgets: dict[Foot, list[FidgetEvent]] = {f: [] for f in FEET}
        self.last_ic: dict[Foot, float | None] = {f: None for f in FEET}
        self.last_step: dict[Foot, StepPlan | None] = {f: None for f in FEET}
        self.initial = {f: self._placement(f, self.point, self.psi, 0.0) for f in FEET}
        self.still_since = 0.0

    # geometry -------------------------------------------------------------------------------
    def _placement(
        self, foot: Foot, point: np.ndarray, psi: float, yaw_noise: float
    ) -> tuple[np.ndarray, float]:
        """Heel position (3,) and yaw of a flat foot centred beside body point ``point``."""
        yaw = psi + self.toe_out[foot] + yaw_noise
        n = np.array([-math.sin(psi), math.cos(psi)])
        centre = point + SIDE[foot] * (self.width / 2) * n
        heel = np.array([centre[0], centre[1], 0.0]) - _rot_z(yaw) @ toe_point(
            self.cfg.foot_length_m / 2)
        return heel, yaw

    # segments -------------------------------------------------------------------------------
    def run(self, segments: list[Segment]) -> GaitPlan:
        for seg in segments:
            if isinstance(seg, Locomotion):
                self._locomotion(seg)
            elif isinstance(seg, Still):
                self._stop()
                self._still(seg.duration_s, "still")
            elif isinstance(seg, Fidget):
                self._stop()
                self._fidget(seg)
            else:  # pragma: no cover - typing guard
                raise TypeError(f"unknown segment {seg!r}")
        self._stop()
        self._still(1.0, "still")
        plan = GaitPlan(
            steps=self.steps,
            initial=self.initial,
            fidgets=self.fidgets,
            activities=self.activities,
            end_s=self.t,
            foot_length_m=self.cfg.foot_length_m,
        )
        from retrogait.simulate.trajectory import build_trajectory  # it reads the plan's types

        plan.trajectories = {f: build_trajectory(plan, f) for f in FEET}
        return plan

    def _still(self, duration: float, activity: Literal["still", "tapping"]) -> None:
        if duration <= 0:
            return
        self.activities.append(ActivitySpan(self.t, self.t + duration, activity))
        self.t += duration

    def _fidget(self, seg: Fidget) -> None:
        rng = self.rng
        for foot in seg.feet:
            t = self.t + 0.3
            end = self.t + seg.duration_s - 0.3
            while True:
                dur = float(rng.uniform(0.25, 0.45))
                if t + dur > end:
                    break
                kind = str(seg.kinds[int(rng.integers(len(seg.kinds)))])
                if kind == "toe_tap":
                    ev = FidgetEvent(t, dur, "heel", float(rng.uniform(8, 20)) * DEG, 0.0, kind)
                elif kind == "heel_tap":
                    ev = FidgetEvent(t, dur, "toe", -float(rng.uniform(6, 12)) * DEG, 0.0, kind)
                else:
                    yaw = float(rng.uniform(5, 12)) * DEG * float(rng.choice([-1.0, 1.0]))
                    ev = FidgetEvent(t, dur, "heel", 0.0, yaw, kind)
                self.fidgets[foot].append(ev)
                t += dur + float(rng.uniform(0.05, 0.35))
        self._still(seg.duration_s, "tapping")

    def _draw(self, style: GaitStyle) -> tuple[float, float, float]:
        rng = self.rng
        step_t = style.step_time_s * (1 + style.cadence_cv * float(rng.standard_normal()))
        length = style.speed_m_s * style.step_time_s * (
            1 + style.length_cv * float(rng.standard_normal()))
        contact = style.contact_s * (1 + style.contact_cv * float(rng.standard_normal()))
        return step_t, length, contact

    def _locomotion(self, seg: Locomotion) -> None:
        style = seg.style
        if self.in_bout and self.last_style is not None and (
            self.last_style.direction != style.direction
        ):
            # reversing without stopping would need an in-place step: stop first
            self._stop()
            self._still(0.5, "still")
        blend_from = self.last_style if self.in_bout else None
        if seg.steps is not None:
            n = int(seg.steps)
        elif seg.duration_s is not None:
            n = max(2, round(seg.duration_s / style.step_time_s))
        else:
            raise ValueError("a Locomotion segment needs duration_s or steps")
        self.section += 1
        activity_turn = seg.turn_deg != 0.0
        self.section_starts.append((self.section, math.nan, style, activity_turn))
        dpsi = seg.turn_deg * DEG / n
        for i in range(n):
            st = style
            if blend_from is not None and i < self.cfg.blend_steps:
                st = _blend(blend_from, style, (i + 1) / (self.cfg.blend_steps + 1))
            scale = seg.turn_step_scale if activity_turn else 1.0
            self._step(st, length_scale=scale, dpsi=dpsi)
        self.last_style = style

    def _stop(self) -> None:
        if not self.in_bout or self.last_style is None:
            return
        self._step(self.last_style, final=True)
        self.in_bout = False
        last = self.steps[-1]
        self._close_sections(last.t_ic)
        self.t = last.t_ic

    def _close_sections(self, end: float) -> None:
        # sections of the bout that just ended -> activity spans
        spans = [s for s in self.section_starts if not math.isnan(s[1])]
        for k, (_, start, st, turn) in enumerate(spans):
            stop = spans[k + 1][1] if k + 1 < len(spans) else end
            act: Literal["walking", "running", "turning"] = "turning" if turn else st.activity
            self.activities.append(ActivitySpan(start, stop, act, st.direction))
        self.section_starts = []

    def _step(self, style: GaitStyle, length_scale: float = 1.0, dpsi: float = 0.0,
              final: bool = False) -> None:
        rng = self.rng
        cfg = self.cfg
        foot = self.next_foot
        step_t, length, contact = self._draw(style)
        length *= length_scale
        self.width = style.step_width_m
        d_dep = style.dep_rocker_frac * contact
        prev = self.steps[-1] if self.steps else None
        swing_nominal = 2 * step_t - contact
        first_of_bout = not self.in_bout
        if first_of_bout:
            # first step of a bout: leave after the still, with a normal swing
            t_to = self.t + d_dep + 0.05
            t_ic = t_to + swing_nominal
            self.in_bout = True
            self.still_since = self.t
        else:
            assert prev is not None
            t_ic = prev.t_ic + step_t
            opening = self.last_step[foot]
            if opening is not None and opening.t_ic > self.still_since:
                t_to = opening.t_ic + contact
            else:
                t_to = max(t_ic - swing_nominal, self.still_since + d_dep + 0.05)
        # the departing stance must fit its rockers and a short flat phase
        opening = self.last_step[foot]
        if opening is not None:
            t_to = max(t_to, opening.t_ic + opening.d_land + cfg.min_flat_s + d_dep)
        if t_ic - t_to < 0.15:
            raise ValueError(f"step {len(self.steps)}: swing of {t_ic - t_to:.3f} s is too short")
        # where the foot lands
        d = 1.0 if style.direction == "forward" else -1.0
        if final:
            point, psi = self.point, self.psi
        else:
            psi = self.psi + dpsi
            heading = self.psi + dpsi / 2
            point = self.point + d * length * np.array([math.cos(heading), math.sin(heading)])
        yaw_noise = cfg.toe_out_sd_deg * DEG * float(rng.standard_normal())
        heel, yaw = self._placement(foot, point, psi, yaw_noise)
        # keep yaw continuous with the foot's previous stance
        prev_yaw = (self.last_step[foot].yaw if self.last_step[foot] is not None  # type: ignore[union-attr]
                    else self.initial[foot][1])
        yaw = prev_yaw + math.remainder(yaw - prev_yaw, 2 * math.pi)
        strike = (style.strike_deg + style.strike_sd_deg * float(rng.standard_normal())) * DEG
        toe_off = (style.toe_off_deg + style.toe_off_sd_deg * float(rng.standard_normal())) * DEG
        inversion = -SIDE[foot] * style.inversion_deg * DEG * (
            1 + 0.3 * float(rng.standard_normal()))
        imp_v = style.impact_v_m_s * float(np.clip(1 + 0.2 * rng.standard_normal(), 0.4, 1.6))
        vib_dir = np.array([0.3 * rng.standard_normal(), 0.3 * rng.standard_normal(), 1.0])
        vib_acc = style.vib_acc_m_s2 * float(np.clip(1 + 0.3 * rng.standard_normal(), 0.2, 2))
        vib_freq = float(rng.uniform(35, 60))
        if style.vib_freq_hz:
            vib_freq *= style.vib_freq_hz / 47.5  # the style's frequency, same +-26 % spread
        impact = Impact(
            t=t_ic,
            v=imp_v,
            tau_c=style.impact_tau_s,
            vib_acc=vib_acc,
            vib_freq=vib_freq,
            vib_tau=style.vib_tau_s,
            vib_dir=vib_dir / np.linalg.norm(vib_dir),
        )
        # section start = first toe-off of the section
        for k, (sec, start, st, turn) in enumerate(self.section_starts):
            if sec == self.section and math.isnan(start):
                # a bout's activity starts when the still ends; later sections at their first
                # toe-off
                self.section_starts[k] = (sec, self.t if first_of_bout else t_to, st, turn)
        late_rad, strike_rate = _landing_rotation(style, strike, style.land_rocker_frac * contact)
        step = StepPlan(
            index=len(self.steps),
            foot=foot,
            t_to=t_to,
            t_ic=t_ic,
            direction=style.direction,
            style=style,
            section=self.section,
            heel=heel,
            yaw=yaw,
            strike_rad=strike,
            inversion_rad=inversion,
            toe_off_rad=toe_off,
            toe_off_rate=style.toe_off_rate_factor * toe_off / d_dep,
            d_dep=d_dep,
            d_land=style.land_rocker_frac * contact,
            clearance_m=style.clearance_m * float(np.clip(1 + 0.1 * rng.standard_normal(),
                                                          0.7, 1.3)),
            wobble_yaw_rad=style.wobble_deg * DEG * float(rng.standard_normal()),
            wobble_roll_rad=style.wobble_deg * DEG * float(rng.standard_normal()),
            impact=impact,
            final=final,
            strike_rate=strike_rate,
            late_swing_s=style.late_swing_s,
            late_swing_rad=late_rad,
            heel_radius_m=style.heel_radius_m,
            toe_radius_m=style.toe_radius_m,
        )
        self.steps.append(step)
        self.last_step[foot] = step
        self.last_ic[foot] = t_ic
        self.point, self.psi = point, psi
        self.next_foot = "right" if foot == "left" else "left"


ROCKER_RATE_LIMIT = 2.0
"""A landing rocker may start toward flat at most this × (strike angle / rocker duration): the
quintic to flat then never passes flat (it does from 3.0 on), which would drive the other sole
end into the ground."""


def _landing_rotation(style: GaitStyle, strike: float, d_land: float) -> tuple[float, float]:
    """(late-swing pitch change, pitch rate at contact) of one step, rad and rad/s, from the
    style's values, limited to what keeps the drawn pivot the first contact: a late-swing
    rotation away from flat starts no further than flat (the foot was on the strike's side of
    flat before contact), and a rotation toward flat at contact stops at flat in the rocker."""
    late = style.late_swing_deg * DEG
    rate = style.touchdown_rate_dps * DEG
    side = 1.0 if strike >= 0 else -1.0
    if late * side > abs(strike):
        late = strike
    if rate * side < 0 and abs(rate) * d_land > ROCKER_RATE_LIMIT * abs(strike):
        rate = -side * ROCKER_RATE_LIMIT * abs(strike) / d_land
    if rate * side > 0 and style.late_swing_s > 0:
        # away from flat: the late-swing quintic stays monotonic (no dip past its start)
        cap = ROCKER_RATE_LIMIT * abs(late) / style.late_swing_s
        rate = side * min(abs(rate), cap) if late * side > 0 else 0.0
    return late, rate


def plan_gait(
    segments: list[Segment], rng: np.random.Generator, cfg: PlannerConfig | None = None
) -> GaitPlan:
    """Turn scenario segments into a :class:`GaitPlan` with one trajectory per foot."""
    return _Planner(rng, cfg or PlannerConfig()).run(segments)
