"""Whole-body simulation: a trunk sensor (chest, lower back) beside the feet, and manoeuvres
(falls, sitting down, jumping, kneeling) with their truth.

The trunk follows the gait plan of :mod:`retrogait.simulate.gait`: the pelvis travels with the
feet (their mean position, low-passed), rises and falls once per step (running: lowest at
mid-stance, spring-mass; walking: highest at mid-stance, inverted pendulum) by the style's
vertical oscillation, sways toward the stance foot, leans by the style's trunk lean (+ =
forward, with a small pitch nod per step) and faces the way the feet point. Each landing adds a
decaying vertical shock. A manoeuvre replaces the motion of every body part from its start:

* falls (backward from running/walking, tripping forward): the body rotates about the feet as
  an inverted pendulum (angle ∝ time², the free fall), hits the ground (the rotation and the
  pelvis stop within ``impact_s``: a 4–8 g shock at the trunk), lies still (breathing), then gets
  up; each foot turns to a lying posture (heel down toes up on the back, toes down on the front);
* sitting down fast on a seat, jumping on the spot, kneeling to tie a shoe: not falls.

Motion is continuous in position and velocity everywhere (the manoeuvre starts from the state
of the motion it replaces), so the IMU model (:func:`retrogait.simulate.imu.simulate_imu`) sees
no artificial spikes. Frames: body frame x forward (chest facing), y left, z up.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from scipy import signal
from scipy.interpolate import CubicSpline, PchipInterpolator
from scipy.spatial.transform import Rotation

from retrogait import __version__
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.mounting import Mounting
from retrogait.recording import Header, RecordingWriter
from retrogait.recording.format import IMPORTED_PROFILE, SensorInfo
from retrogait.simulate.gait import (
    BACKWARD_RUN,
    BACKWARD_WALK,
    FORWARD_RUN_REARFOOT,
    FORWARD_WALK,
    GaitPlan,
    GaitStyle,
    Locomotion,
    Segment,
    Still,
    plan_gait,
)
from retrogait.simulate.imu import (
    ImuErrors,
    Placement,
    make_placement,
    simulate_imu,
    small_rotation,
)
from retrogait.simulate.kinematics import FloatArray, FootTrajectory, Profile
from retrogait.simulate.scenarios import get_scenario
from retrogait.simulate.simulator import CREATED
from retrogait.sources.base import ConnectionChange, DecodedSamples
from retrogait.truth import GroundTruth, SensorTruth, TruthManoeuvre, truth_path_for

TrunkSite = Literal["chest", "lower_back"]
PELVIS_HEIGHT_M = 0.95
SITE_POSITION = {"lower_back": (-0.12, 0.0, 0.05), "chest": (0.12, 0.0, 0.40)}
"""Sensor position in the body frame relative to the pelvis centre, m."""
SITE_MOUNTING = {
    # a clip on the waistband: board x up, z pointing backward out of the body
    "lower_back": Mounting(toe_axis="-z", up_axis="+x"),
    # a chest strap: z out of the chest (forward), y up
    "chest": Mounting(toe_axis="+z", up_axis="+y"),
}


@dataclass(frozen=True)
class TrunkStyle:
    """Trunk motion of one gait: lean + forward, deg; vertical oscillation peak to peak, m."""

    lean_deg: float
    oscillation_m: float
    shock_m_s2: float
    sway_m: float = 0.03
    nod_deg: float = 1.0
    surge_m_s: float = 0.2  # speed fluctuation amplitude along the travel (braking/propulsion)


def trunk_style(style: GaitStyle) -> TrunkStyle:
    """Per gait: forward running leans ~5° and oscillates ~8 cm (Garmin-class figures for
    recreational runners); backward running is upright (biomechanics note §7) with a shorter,
    quicker bounce; walking oscillates ~3–4 cm."""
    if style.gait == "run":
        if style.direction == "forward":
            return TrunkStyle(5.0, 0.08, 10.0)
        return TrunkStyle(-1.0, 0.055, 7.0)
    if style.direction == "forward":
        return TrunkStyle(2.0, 0.04, 3.0, surge_m_s=0.12)
    return TrunkStyle(0.0, 0.03, 2.5, surge_m_s=0.1)


# --------------------------------------------------------------------------------- rotations

def rot_zyx(yaw: FloatArray, lean: FloatArray, roll: FloatArray) -> FloatArray:
    """(n,3,3) body -> world: Rz(yaw) Ry(lean) Rx(roll); lean + tips the head forward."""
    return np.asarray(Rotation.from_euler("ZYX", np.stack([yaw, lean, roll], axis=1)).as_matrix())


# --------------------------------------------------------------------------------- manoeuvres

FallKind = Literal["fall_backward", "fall_forward"]


@dataclass(frozen=True)
class Manoeuvre:
    """Something the body does from ``t0`` (s): a fall or another movement (truth label)."""

    kind: Literal["fall_backward", "fall_forward", "sit", "jump", "kneel"]
    t0: float
    fall_s: float = 0.8  # falls: start to ground contact; sit: descent
    impact_s: float = 0.05
    hold_s: float = 6.0  # lying / sitting / kneeling
    rise_s: float = 2.0

    @property
    def is_fall(self) -> bool:
        return self.kind.startswith("fall")

    @property
    def impact_t(self) -> float:
        """Ground contact (falls, sitting), s."""
        return self.t0 + self.fall_s


def drop_profile(dt: FloatArray, fall_s: float, impact_s: float) -> FloatArray:
    """Progress 0 -> 1: ∝ time² until ``fall_s`` (free fall), then the velocity falls linearly
    to zero over ``impact_s`` (the impact)."""
    k = 1.0 / (1.0 + impact_s / fall_s)
    v = 2 * k / fall_s
    x = np.clip(dt, 0.0, None)
    out = np.where(x <= fall_s, k * (x / fall_s) ** 2, 0.0)
    y = np.clip(x - fall_s, 0.0, impact_s)
    out = np.where(x > fall_s, k + v * (y - y * y / (2 * impact_s)), out)
    return out


def smooth01(dt: FloatArray, duration: float) -> FloatArray:
    """Quintic 0 -> 1 over ``duration`` with zero rate and acceleration at both ends."""
    s = np.clip(dt / duration, 0.0, 1.0)
    return s * s * s * (10 - 15 * s + 6 * s * s)


def decay_drift(dt: FloatArray, duration: float) -> FloatArray:
    """Distance at unit initial speed when the speed falls linearly to zero over duration."""
    x = np.clip(dt, 0.0, duration)
    return x - x * x / (2 * duration)


# --------------------------------------------------------------------------------- the trunk

@dataclass
class TrunkTruth:
    """What the trunk did: per step (landing time) the lean (deg, + forward), the sensor's
    vertical oscillation over the step (peak to peak, m) and the direction of travel."""

    steps_s: list[float] = field(default_factory=list)
    feet: list[str] = field(default_factory=list)
    lean_deg: list[float] = field(default_factory=list)
    oscillation_m: list[float] = field(default_factory=list)
    direction: list[str] = field(default_factory=list)


class BodyMotion:
    """The trunk's motion from a gait plan, with manoeuvres; evaluated at any time."""

    def __init__(self, plan: GaitPlan, manoeuvres: Sequence[Manoeuvre] = (),
                 rate_hz: float = 200.0, lean_offset: Callable[[FloatArray], FloatArray]
                 | None = None) -> None:
        self.plan = plan
        self.manoeuvres = sorted(manoeuvres, key=lambda m: m.t0)
        self.lean_offset = lean_offset
        t = np.arange(0.0, plan.end_s + 1.0, 1.0 / rate_hz)
        self.t_grid = t
        # horizontal path and heading from the feet
        mid = np.array([0.13, 0.0, 0.0])
        pos = []
        head = []
        for foot in ("left", "right"):
            R, p = plan.trajectories[foot].rigid(t, mid)
            pos.append(p)
            head.append(np.stack([R[:, 0, 0], R[:, 1, 0]], axis=1))
        xy = 0.5 * (pos[0][:, :2] + pos[1][:, :2])
        h = head[0] + head[1]
        sos = signal.butter(2, 0.8, fs=rate_hz, output="sos")
        xy = signal.sosfiltfilt(sos, xy, axis=0)
        yaw = np.unwrap(np.arctan2(h[:, 1], h[:, 0]))
        yaw = signal.sosfiltfilt(sos, yaw)
        self._x = CubicSpline(t, xy[:, 0])
        self._y = CubicSpline(t, xy[:, 1])
        self._yaw = CubicSpline(t, yaw)
        # per step knots: height, lean, sway
        tz, z, tl, lean, ts, sway = [0.0], [PELVIS_HEIGHT_M], [0.0], [0.0], [0.0], [0.0]
        # surge: the speed along the travel dips at each mid-stance (the ground brakes the body
        # after the landing and propels it before toe-off): delta = -A sin(2 pi (t - m) / T)
        tsu, sux, suy = [0.0], [0.0], [0.0]
        steps = plan.steps
        self.truth_steps: list[tuple[float, str, str, GaitStyle]] = []
        for i, st in enumerate(steps):
            ts_ = trunk_style(st.style)
            step_t = st.style.step_time_s
            nxt = steps[i + 1].t_ic if i + 1 < len(steps) else math.inf
            prev = steps[i - 1].t_ic if i > 0 else -math.inf
            if st.t_ic - prev > 1.5 * step_t + 0.5:  # bout start: from standing
                tz.append(st.t_ic - step_t)
                z.append(PELVIS_HEIGHT_M)
                tl.append(st.t_ic - step_t)
                lean.append(0.0)
                ts.append(st.t_ic - step_t)
                sway.append(0.0)
            mid_stance = st.t_ic + 0.4 * min(st.style.contact_s, step_t)
            low = st.style.gait == "run"
            base = PELVIS_HEIGHT_M - (0.03 if low else 0.01)
            amp = ts_.oscillation_m / 2
            if low:  # running: lowest at mid-stance, highest in flight
                knots = [(mid_stance, base - amp), (mid_stance + 0.5 * (nxt - st.t_ic),
                                                    base + amp)]
            else:  # walking: lowest in double support just after the landing (weight
                # acceptance), highest in mid single support
                knots = [(st.t_ic + 0.1 * step_t, base - amp),
                         (st.t_ic + 0.6 * step_t, base + amp)]
            tz.append(knots[0][0])
            z.append(knots[0][1])
            if nxt - st.t_ic < 1.5 * step_t + 0.5:
                tz.append(knots[1][0])
                z.append(knots[1][1])
            else:  # bout end
                tz.append(st.t_ic + step_t)
                z.append(PELVIS_HEIGHT_M)
            tl += [st.t_ic, st.t_ic + 0.5 * step_t]
            lean += [ts_.lean_deg + ts_.nod_deg, ts_.lean_deg - ts_.nod_deg]
            travel = st.yaw if st.direction == "forward" else st.yaw + math.pi
            d = np.array([math.cos(travel), math.sin(travel)])
            nxt_mid = (steps[i + 1].t_ic + 0.4 * min(steps[i + 1].style.contact_s, step_t)
                       if nxt - st.t_ic < 1.5 * step_t + 0.5 else None)
            if st.direction in ("forward", "backward"):
                span = (nxt_mid - mid_stance) if nxt_mid is not None else step_t
                amp = ts_.surge_m_s * span / (2 * math.pi)
                knots = [(mid_stance, 0.0), (mid_stance + span / 4, -amp)]
                if nxt_mid is not None:
                    knots += [(mid_stance + span / 2, 0.0), (mid_stance + 3 * span / 4, amp)]
                else:
                    knots += [(mid_stance + span / 2, 0.0)]
                for tk, a_k in knots:
                    tsu.append(tk)
                    sux.append(a_k * d[0])
                    suy.append(a_k * d[1])
            side = 1.0 if st.foot == "left" else -1.0
            ts.append(mid_stance)
            sway.append(side * ts_.sway_m / 2)
            if nxt - st.t_ic >= 1.5 * step_t + 0.5:
                tl.append(st.t_ic + 1.5 * step_t)
                lean.append(0.0)
                ts.append(st.t_ic + 1.5 * step_t)
                sway.append(0.0)
            self.truth_steps.append((st.t_ic, st.foot, st.direction, st.style))
        end = plan.end_s + 1.0
        for arr_t, arr_v, v in ((tz, z, PELVIS_HEIGHT_M), (tl, lean, 0.0), (ts, sway, 0.0)):
            arr_t.append(end)
            arr_v.append(v)
        # monotone between knots: no overshoot across the still periods
        self._z = PchipInterpolator(*_strict(tz, z))
        self._lean = PchipInterpolator(*_strict(tl, np.radians(lean)))
        self._sway = PchipInterpolator(*_strict(ts, sway))
        tsu.append(end)
        sux.append(0.0)
        suy.append(0.0)
        self._sux = PchipInterpolator(*_strict(tsu, sux))
        self._suy = PchipInterpolator(*_strict(tsu, suy))
        self._shocks = [(st.t_ic, trunk_style(st.style).shock_m_s2) for st in steps]

    # -- the base motion (gait), pelvis centre
    def _base(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        yaw = self._yaw(t)
        lean = self._lean(t)
        if self.lean_offset is not None:
            lean = lean + np.radians(self.lean_offset(t))
        sway = self._sway(t)
        roll = -sway / 0.015 * math.radians(1.0)  # lean into the stance side, ±2°
        R = rot_zyx(yaw, lean, roll)
        p = np.stack([self._x(t) - np.sin(yaw) * sway + self._sux(t),
                      self._y(t) + np.cos(yaw) * sway + self._suy(t), self._z(t)], axis=1)
        return R, p

    def rigid(self, t: FloatArray, r_body: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Orientation (n,3,3) body -> world and world position (n,3) of body point r_body."""
        t = np.asarray(t, dtype=np.float64)
        R, p = self._base(t)
        for m in self.manoeuvres:
            sel = t >= m.t0
            if np.any(sel):
                R[sel], p[sel] = self._manoeuvre(m, t[sel])
        return R, p + np.einsum("nij,j->ni", R, r_body)

    def _state(self, t0: float) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Pelvis orientation, position, velocity (world) and body rate (rad/s) at t0."""
        h = 1e-3
        tt = np.array([t0 - h, t0, t0 + h])
        R, p = self._base(tt)
        for m in self.manoeuvres:  # an earlier manoeuvre may already be in force
            if m.t0 < t0 - h:
                R, p = self._manoeuvre(m, tt)
        v = (p[2] - p[0]) / (2 * h)
        w = Rotation.from_matrix(R[0].T @ R[2]).as_rotvec() / (2 * h)
        return R[1], p[1], v, w

    def _manoeuvre(self, m: Manoeuvre, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        R0, p0, v0, _w0 = self._state(m.t0)
        dt = t - m.t0
        yaw0, lean0, roll0 = (float(x) for x in Rotation.from_matrix(R0).as_euler("ZYX"))
        fwd = np.array([math.cos(yaw0), math.sin(yaw0), 0.0])
        if m.kind in ("fall_backward", "fall_forward", "kneel", "sit"):
            if m.kind.startswith("fall"):
                end_lean = math.radians(-88.0 if m.kind == "fall_backward" else 88.0)
                s = drop_profile(dt, m.fall_s, m.impact_s)
            elif m.kind == "kneel":
                end_lean = math.radians(70.0)
                s = smooth01(dt, m.fall_s)
            else:  # sit: a quick drop onto a seat, leaning back on it
                end_lean = math.radians(-10.0)
                s = drop_profile(dt, m.fall_s, m.impact_s)
            t_up = m.fall_s + m.impact_s + m.hold_s
            back = smooth01(dt - t_up, m.rise_s)  # getting up
            lean = lean0 + (end_lean - lean0) * s
            if m.kind == "kneel":  # hands at work: small trunk movements
                lean = lean + math.radians(2.0) * np.sin(2 * math.pi * 1.0 * dt) * (s * (1 - back))
            lean = lean * (1 - back)
            breathe = math.radians(0.5) * np.sin(2 * math.pi * 0.25 * dt) * s * (1 - back)
            R = rot_zyx(np.full(len(t), yaw0), lean + breathe, roll0 * (1 - smooth01(dt, 0.3)))
            drift = v0[None, :] * decay_drift(dt, m.fall_s)[:, None]
            if m.kind == "sit":
                height = PELVIS_HEIGHT_M - 0.45 * s
                z = p0[2] + (height - PELVIS_HEIGHT_M) * (1 - back) + drift[:, 2]
                p = np.stack([p0[0] + drift[:, 0], p0[1] + drift[:, 1], z], axis=1)
                return R, p
            if m.kind == "kneel":
                height = PELVIS_HEIGHT_M - 0.4 * s * (1 - back)
                p = p0 + drift
                p[:, 2] = p0[2] + (height - PELVIS_HEIGHT_M)
                return R, p
            # inverted pendulum about the feet
            L = PELVIS_HEIGHT_M
            pend = lambda a: L * (np.sin(a)[:, None] * fwd[None, :]  # noqa: E731
                                  + np.cos(a)[:, None] * np.array([0.0, 0.0, 1.0]))
            p = p0 + drift + pend(lean) - pend(np.full(len(t), lean0))
            return R, p
        if m.kind == "jump":
            return self._jump(m, t, R0, p0)
        raise ValueError(m.kind)

    def _jump(self, m: Manoeuvre, t: FloatArray, R0: FloatArray, p0: FloatArray
              ) -> tuple[FloatArray, FloatArray]:
        dz = jump_height(t - m.t0, crouch_m=0.12)
        R = np.repeat(R0[None], len(t), axis=0)
        p = np.repeat(p0[None], len(t), axis=0)
        p[:, 2] += dz
        return R, p

    def motion(self, t: FloatArray, r_body: FloatArray, h: float = 2e-4, ringing: bool = True
               ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Orientation (n,3,3), position (n,3) m, acceleration (n,3) m/s² (world) and body rate
        (n,3) rad/s of body point ``r_body`` at times ``t`` (as
        :meth:`FootTrajectory.motion`); landings add the trunk's shock unless ``ringing`` is
        False."""
        t = np.asarray(t, dtype=np.float64)
        R0, p0 = self.rigid(t, r_body)
        Rm, pm = self.rigid(t - h, r_body)
        Rp, pp = self.rigid(t + h, r_body)
        acc = ((pp - p0) - (p0 - pm)) / (h * h)
        M = np.einsum("nji,njk->nik", Rm, Rp)
        omega = Rotation.from_matrix(M).as_rotvec() / (2 * h)
        first = self.manoeuvres[0].t0 if self.manoeuvres else math.inf
        for t_ic, a in self._shocks:
            if t_ic >= first:
                break
            x = t - t_ic
            sel = (x >= 0) & (x < 0.2)
            if np.any(sel):
                xs = x[sel]
                # the landing's loading shock: a damped 18 Hz oscillation starting upward
                # (its small net upward impulse is not in the position: a model limit)
                acc[sel, 2] += a * np.exp(-xs / 0.025) * np.sin(2 * math.pi * 18.0 * xs)
        return R0, p0, acc, omega

    # -- truth
    def trunk_truth(self, site: TrunkSite) -> TrunkTruth:
        """Per step of the plan (before any manoeuvre) the true lean, oscillation, direction."""
        out = TrunkTruth()
        first = self.manoeuvres[0].t0 if self.manoeuvres else math.inf
        r = np.array(SITE_POSITION[site])
        for i, (t_ic, foot, direction, style) in enumerate(self.truth_steps):
            nxt = (self.truth_steps[i + 1][0] if i + 1 < len(self.truth_steps)
                   else t_ic + style.step_time_s)
            end = min(nxt, t_ic + 1.5 * style.step_time_s)
            if end >= first:
                break
            tt = np.linspace(t_ic, end, 50)
            R, p = self.rigid(tt, r)
            up = R[:, :, 2]  # body z in world
            yaw = self._yaw(tt)
            f = np.stack([np.cos(yaw), np.sin(yaw)], axis=1)
            lean = np.degrees(np.arctan2(np.sum(up[:, :2] * f, axis=1), up[:, 2]))
            out.steps_s.append(round(t_ic, 6))
            out.feet.append(foot)
            out.lean_deg.append(round(float(np.mean(lean)), 3))
            out.oscillation_m.append(round(float(np.ptp(p[:, 2])), 4))
            out.direction.append(direction)
        return out


def _strict(t: list[float], v: Sequence[float] | FloatArray) -> tuple[FloatArray, FloatArray]:
    """Knots sorted by time, later duplicates dropped (CubicSpline needs increasing x)."""
    tt = np.asarray(t, dtype=np.float64)
    vv = np.asarray(v, dtype=np.float64)
    order = np.argsort(tt, kind="stable")
    tt, vv = tt[order], vv[order]
    keep = np.concatenate([[True], np.diff(tt) > 0.02])
    return tt[keep], vv[keep]


_G = 9.80665
_FLIGHT_S = 0.4
_PUSH_S = 0.5


def jump_height(dt: FloatArray, crouch_m: float) -> FloatArray:
    """Vertical displacement of the pelvis in a jump on the spot from ``dt`` = 0: a crouch of
    ``crouch_m`` and push-off over 0.5 s (rising 0.1 m), a ballistic flight of 0.4 s, a
    landing absorbed by the knees over 0.15 s, then back to standing over 0.8 s; m."""
    v = _G * _FLIGHT_S / 2  # take-off speed
    t1, t2 = _PUSH_S, _PUSH_S + _FLIGHT_S
    z1 = 0.10
    x = np.asarray(dt, dtype=np.float64)
    out = np.zeros_like(x)
    push = Profile.hermite(0.0, t1, (0.0, 0.0, 0.0), (z1, v, -_G), bump=-crouch_m)
    a = (x > 0) & (x <= t1)
    out[a] = push(x[a])
    b = (x > t1) & (x <= t2)
    y = x[b] - t1
    out[b] = z1 + v * y - 0.5 * _G * y * y
    c = x > t2
    y = x[c] - t2
    land = np.clip(y, 0.0, 0.15)
    z_low = z1 - v * 0.075
    out[c] = z1 - v * (land - land * land / 0.3) - z_low * smooth01(y - 0.15, 0.8)
    return out


def jump_foot_height(dt: FloatArray) -> FloatArray:
    """Vertical displacement of a foot in the same jump: it leaves the ground over the last
    0.08 s of the push-off, flies, and stops within 0.02 s at landing (the shoe's impact); m."""
    v = _G * _FLIGHT_S / 2
    t0, t1, t2 = _PUSH_S - 0.08, _PUSH_S, _PUSH_S + _FLIGHT_S
    z1 = v * 0.04
    x = np.asarray(dt, dtype=np.float64)
    out = np.zeros_like(x)
    lift = Profile.hermite(t0, 0.08, (0.0, 0.0, 0.0), (z1, v, -_G))
    a = (x > t0) & (x <= t1)
    out[a] = lift(x[a])
    b = (x > t1) & (x <= t2)
    y = x[b] - t1
    out[b] = z1 + v * y - 0.5 * _G * y * y
    c = x > t2
    y = x[c] - t2
    land = np.clip(y, 0.0, 0.02)
    z_end = z1 - v * 0.01
    out[c] = z1 - v * (land - land * land / 0.04) - z_end * smooth01(y - 0.02, 0.3)
    return out


# --------------------------------------------------------------------------------- the feet

class ManoeuvredFoot:
    """A foot trajectory whose motion a manoeuvre replaces from its start (same interface as
    :class:`FootTrajectory` for the IMU model)."""

    def __init__(self, base: FootTrajectory, manoeuvres: Sequence[Manoeuvre], foot: str,
                 kneel_foot: str = "left") -> None:
        self.base = base
        self.manoeuvres = sorted(manoeuvres, key=lambda m: m.t0)
        self.foot = foot
        self.kneel_foot = kneel_foot

    def _pose(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Orientation and heel position (foot origin) at t."""
        R, p = self.base.rigid(t, np.zeros(3))
        return R, p + self.base.impact_displacement(t, False)

    def rigid(self, t: FloatArray, r_body: FloatArray) -> tuple[FloatArray, FloatArray]:
        t = np.asarray(t, dtype=np.float64)
        R, p = self._pose(t)
        for m in self.manoeuvres:
            sel = t >= m.t0
            if np.any(sel) and m.kind != "sit":
                R[sel], p[sel] = self._manoeuvre(m, t[sel])
        return R, p + np.einsum("nij,j->ni", R, r_body)

    def _manoeuvre(self, m: Manoeuvre, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        h = 1e-3
        tt = np.array([m.t0 - h, m.t0, m.t0 + h])
        R, p = self._pose(tt)
        v0 = (p[2] - p[0]) / (2 * h)
        w0 = Rotation.from_matrix(R[0].T @ R[2]).as_rotvec() / (2 * h)
        R0, p0 = R[1], p[1]
        dt = t - m.t0
        yaw0 = math.atan2(R0[1, 0], R0[0, 0])
        if m.kind == "jump":
            Rj = np.repeat(R0[None], len(t), axis=0)
            pj = np.repeat(p0[None], len(t), axis=0)
            pj[:, 2] += jump_foot_height(dt)
            return Rj, pj
        if m.kind == "kneel":
            if self.foot != self.kneel_foot:
                return np.repeat(R0[None], len(t), axis=0), np.repeat(p0[None], len(t), axis=0)
            end_pitch, span, s_fn = -55.0, m.fall_s, smooth01
        elif m.kind == "fall_backward":
            end_pitch, span, s_fn = 70.0, m.fall_s, None
        else:
            end_pitch, span, s_fn = -75.0, m.fall_s, None
        R_end = rot_zyx(np.array([yaw0]), np.array([math.radians(-end_pitch)]),
                        np.array([math.radians(25.0 if self.foot == "left" else -25.0)
                                  if m.is_fall else 0.0]))[0]
        s = s_fn(dt, span) if s_fn else drop_profile(dt, m.fall_s, m.impact_s)
        t_up = m.fall_s + m.impact_s + m.hold_s
        back = smooth01(dt - t_up, m.rise_s)
        # rotation: carry the initial rate while it decays, then turn to the end posture
        g = decay_drift(dt, span)
        R_spin = Rotation.from_rotvec(np.outer(g, w0)).as_matrix()
        R_mid = R0 @ Rotation.from_rotvec(w0 * span / 2).as_matrix()
        L = Rotation.from_matrix(R_mid.T @ R_end).as_rotvec()
        R_flat = rot_zyx(np.array([yaw0]), np.zeros(1), np.zeros(1))[0]
        Lb = Rotation.from_matrix(R_end.T @ R_flat).as_rotvec()
        Rm = np.einsum("ij,njk->nik", R0, R_spin)
        Rm = np.einsum("nij,njk->nik", Rm, Rotation.from_rotvec(np.outer(s, L)).as_matrix())
        Rm = np.einsum("nij,njk->nik", Rm, Rotation.from_rotvec(np.outer(back, Lb)).as_matrix())
        # position: drift with the initial velocity, heel to the ground
        drift = v0[None, :] * g[:, None]
        target = p0 + v0 * span / 2
        target[2] = 0.02 if m.kind != "kneel" else 0.05
        pm = p0 + drift + np.outer(s, target - (p0 + v0 * span / 2))
        ground = target.copy()
        ground[2] = 0.0
        pm = pm + np.outer(back, ground - target)
        return Rm, pm

    def impact_displacement(self, t: FloatArray, ringing: bool = True) -> FloatArray:
        return np.zeros((len(t), 3))

    def motion(self, t: FloatArray, r_body: FloatArray, h: float = 2e-4, ringing: bool = True
               ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """As :meth:`FootTrajectory.motion`; before the first manoeuvre exactly the base."""
        t = np.asarray(t, dtype=np.float64)
        first = self.manoeuvres[0].t0 if self.manoeuvres else math.inf
        out = self.base.motion(t, r_body, h=h, ringing=ringing)
        sel = t >= first - 2 * h
        if not np.any(sel):
            return out
        R0, p0, acc, omega = (np.array(x) for x in out)
        ts = t[sel]
        Rc, pc = self.rigid(ts, r_body)
        Rmn, pmn = self.rigid(ts - h, r_body)
        Rpl, ppl = self.rigid(ts + h, r_body)
        R0[sel], p0[sel] = Rc, pc
        acc[sel] = ((ppl - pc) - (pc - pmn)) / (h * h)
        M = np.einsum("nji,njk->nik", Rmn, Rpl)
        omega[sel] = Rotation.from_matrix(M).as_rotvec() / (2 * h)
        return R0, p0, acc, omega


# --------------------------------------------------------------------------------- scenarios

@dataclass(frozen=True)
class BodyScenario:
    """Segments for the gait planner plus manoeuvres at times relative to a segment's start."""

    name: str
    description: str
    segments: tuple[Segment, ...]
    manoeuvre: tuple[str, int, float] | None = None  # (kind, segment index, offset s)
    fall: bool = False


def _fall_scn(name: str, desc: str, style: GaitStyle, kind: str, fall_s: float
              ) -> BodyScenario:
    return BodyScenario(name, desc, (Still(3.0), Locomotion(style, duration_s=14.0),
                                     Still(14.0)), (kind, 1, 10.0), True)


BODY_SCENARIOS: dict[str, BodyScenario] = {s.name: s for s in [
    _fall_scn("fall_backward_run", "backward running, falls backward, lies 6 s, gets up",
              BACKWARD_RUN, "fall_backward", 0.8),
    _fall_scn("fall_backward_walk", "backward walking, falls backward, lies 6 s, gets up",
              BACKWARD_WALK, "fall_backward", 0.9),
    _fall_scn("trip_forward", "forward running, trips and falls forward, lies 6 s, gets up",
              FORWARD_RUN_REARFOOT, "fall_forward", 0.7),
    BodyScenario("sit_down_fast", "forward walk, stop, drop onto a seat, sit 6 s, stand up",
                 (Still(3.0), Locomotion(FORWARD_WALK, duration_s=8.0), Still(14.0)),
                 ("sit", 2, 0.8)),
    BodyScenario("stop_abrupt", "backward running, stops dead and stands",
                 (Still(3.0), Locomotion(BACKWARD_RUN, duration_s=12.0), Still(8.0))),
    BodyScenario("jump", "forward walk, stop, jump on the spot",
                 (Still(3.0), Locomotion(FORWARD_WALK, duration_s=6.0), Still(8.0)),
                 ("jump", 2, 1.5)),
    BodyScenario("kneel_tie_shoe", "forward walk, stop, kneel to tie a shoe 7 s, stand up",
                 (Still(3.0), Locomotion(FORWARD_WALK, duration_s=6.0), Still(16.0)),
                 ("kneel", 2, 1.0)),
]}

_FALL_S = {"fall_backward_run": 0.8, "fall_backward_walk": 0.9, "trip_forward": 0.7}


def manoeuvres_for(scn: BodyScenario, plan: GaitPlan, rng: np.random.Generator
                   ) -> list[Manoeuvre]:
    """The scenario's manoeuvre at its time in the plan (segment start from the activities)."""
    if scn.manoeuvre is None:
        return []
    kind, seg, offset = scn.manoeuvre
    starts = _segment_starts(plan, len(scn.segments))
    t0 = starts[seg] + offset + float(rng.uniform(-0.3, 0.3))
    if kind.startswith("fall"):
        return [Manoeuvre(kind, t0, fall_s=_FALL_S[scn.name] * float(rng.uniform(0.9, 1.1)),  # type: ignore[arg-type]
                          impact_s=float(rng.uniform(0.04, 0.07)))]
    if kind == "sit":
        return [Manoeuvre("sit", t0, fall_s=0.45, impact_s=0.1, hold_s=6.0, rise_s=1.5)]
    if kind == "kneel":
        return [Manoeuvre("kneel", t0, fall_s=1.5, hold_s=7.0, rise_s=1.5)]
    return [Manoeuvre("jump", t0, hold_s=0.0)]


def _segment_starts(plan: GaitPlan, n: int) -> list[float]:
    """Start time of each segment: activities come in segment order; a run of locomotion
    activities belongs to one segment."""
    starts: list[float] = []
    last = ""
    for a in plan.activities:
        kind = "still" if a.activity == "still" else "move"
        if kind != last or kind == "still":
            starts.append(a.start_s)
        last = kind
    return (starts + [plan.end_s] * n)[:n]


def trunk_placement(site: TrunkSite, misalignment_deg: float, rng: np.random.Generator
                    ) -> Placement:
    """A trunk sensor at ``site``; the strap/clip sits up to ``misalignment_deg`` off."""
    mounting = SITE_MOUNTING[site]
    axis = rng.standard_normal(3)
    axis /= np.linalg.norm(axis)
    mis = small_rotation(axis * math.radians(misalignment_deg))
    return Placement(site, np.array(SITE_POSITION[site]), mounting,
                     mis @ mounting.sensor_to_foot(), misalignment_deg)


# --------------------------------------------------------------------------------- simulation

@dataclass
class BodySimulation:
    """Sensors, their samples as source items (in time order), and the truth."""

    name: str
    sensors: list[SensorInfo]
    items: list[DecodedSamples]
    manoeuvres: list[Manoeuvre]
    trunk_truth: dict[str, TrunkTruth]
    plan: GaitPlan
    duration_s: float

    @property
    def falls(self) -> list[Manoeuvre]:
        return [m for m in self.manoeuvres if m.is_fall]


def body_segments(name: str, duration_s: float | None = None) -> tuple[list[Segment],
                                                                        BodyScenario | None]:
    """Segments of a body scenario or of any foot scenario of :mod:`.scenarios`."""
    if name in BODY_SCENARIOS:
        scn = BODY_SCENARIOS[name]
        return list(scn.segments), scn
    return get_scenario(name).segments(duration_s), None


def simulate_body(
    name: str, seed: int = 0, sites: Sequence[str] = ("left", "right", "chest"),
    gyro: bool = True, rate_hz: float = 100.0, duration_s: float | None = None,
    block: int = 10, lean_offset: Callable[[FloatArray], FloatArray] | None = None,
    hold_s: float | None = None,
) -> BodySimulation:
    """Simulate feet (``left``, ``right``) and trunk sensors (``chest``, ``lower_back``) for a
    body or foot scenario; samples as decoded blocks of ``block`` samples (imported
    sensors, host clock = sensor clock). ``gyro`` False: the trunk sensors have no gyroscope
    (NaN, as a Polar H10 decodes). ``lean_offset(t)``: extra trunk lean, deg (+ forward).
    ``hold_s``: how long the manoeuvre's posture is held (lying after a fall) before getting up
    (default: the scenario's; longer than the recording = never gets up)."""
    segments, scn = body_segments(name, duration_s)
    seeds = np.random.SeedSequence([seed, 15]).spawn(8)
    plan = plan_gait(segments, np.random.default_rng(seeds[0]))
    mans = manoeuvres_for(scn, plan, np.random.default_rng(seeds[1])) if scn else []
    if hold_s is not None:
        mans = [dataclasses.replace(m, hold_s=hold_s) for m in mans]
    body = BodyMotion(plan, mans, lean_offset=lean_offset)
    errors = ImuErrors()
    acc_range = 16 * STANDARD_GRAVITY
    infos: list[SensorInfo] = []
    items: list[DecodedSamples] = []
    truth: dict[str, TrunkTruth] = {}
    t = np.arange(0.0, plan.end_s, 1.0 / rate_hz)
    for k, site in enumerate(sites):
        rng = np.random.default_rng(seeds[2 + k])
        traj: object
        if site in ("left", "right"):
            placement = make_placement("instep" if site == "left" else "lateral", site,
                                       errors.misalignment_deg, rng)
            traj = ManoeuvredFoot(plan.trajectories[site], mans, site)  # type: ignore[index]
            placement_name = f"{site}_foot"
        else:
            placement = trunk_placement(site, 10.0, rng)  # type: ignore[arg-type]
            traj = body
            placement_name = site
            truth[site] = body.trunk_truth(site)  # type: ignore[arg-type]
        sig = simulate_imu(traj, t, placement, errors, rng, acc_range, 2000.0)  # type: ignore[arg-type]
        gyr = sig.gyr
        if not gyro and site not in ("left", "right"):
            gyr = np.full_like(gyr, np.nan)
        sid = site
        infos.append(SensorInfo(id=sid, profile=IMPORTED_PROFILE, placement=placement_name,
                                mounting=placement.mounting, rate_hz=rate_hz))
        for i in range(0, len(t), block):
            j = min(i + block, len(t))
            items.append(DecodedSamples(float(t[j - 1]) + 0.002 * k, sid, t[i:j].copy(),
                                        sig.acc[i:j], gyr[i:j]))
    items.sort(key=lambda it: it.t)
    return BodySimulation(name, infos, items, mans, truth, plan, float(t[-1]))


def body_truth(sim: BodySimulation, recording_name: str) -> GroundTruth:
    """The truth file of a body simulation: trunk steps with lean, oscillation and direction,
    foot landings, the manoeuvres."""
    sensors: dict[str, SensorTruth] = {}
    for info in sim.sensors:
        if info.id in sim.trunk_truth:
            tt = sim.trunk_truth[info.id]
            sensors[info.id] = SensorTruth(
                landings_s=tt.steps_s, lean_deg=tt.lean_deg, oscillation_m=tt.oscillation_m,
                step_directions=tt.direction)
        else:
            first = sim.manoeuvres[0].t0 if sim.manoeuvres else math.inf
            foot = info.id
            sensors[info.id] = SensorTruth(
                landings_s=[round(s.t_ic, 6) for s in sim.plan.steps_of(foot)  # type: ignore[arg-type]
                            if s.t_ic < first],
                toe_offs_s=[round(s.t_to, 6) for s in sim.plan.steps_of(foot)  # type: ignore[arg-type]
                            if s.t_to < first])
    return GroundTruth(
        recording=recording_name, origin="simulator",
        method="body simulator (retrogait.simulate.body): exact step times of the gait plan; "
        "trunk lean and vertical travel of the sensor point per step; manoeuvres as planned",
        sensors=sensors,
        manoeuvres=[TruthManoeuvre(kind=m.kind, start_s=round(m.t0, 6),
                                   impact_s=round(m.impact_t, 6) if m.kind != "kneel" and
                                   m.kind != "jump" else None, fall=m.is_fall)
                    for m in sim.manoeuvres],
        notes=json.dumps({"scenario": sim.name}),
    )


def write_body_recording(sim: BodySimulation, output: str | Path) -> tuple[Path, Path]:
    """Write the samples as a recording (``samples`` records) and its truth beside it."""
    out = Path(output)
    header = Header(created=CREATED, software=f"retrogait {__version__} simulate",
                    origin="simulator", sensors=sim.sensors,
                    notes=f"body simulation, scenario {sim.name}; truth beside it")
    with RecordingWriter(out, header, flush_interval_s=math.inf) as writer:
        for info in sim.sensors:
            writer.write(ConnectionChange(0.0, info.id, "connected", "simulated"))
        for item in sim.items:
            writer.write(item)
    truth_path = truth_path_for(out)
    body_truth(sim, out.name).save(truth_path)
    return out, truth_path
