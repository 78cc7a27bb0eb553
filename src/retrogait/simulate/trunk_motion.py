"""The trunk's motion in the body simulator: from a gait plan, the pelvis travels with the feet,
rises and falls once per step, sways, leans and faces the way the feet point, with a shock at
each landing; a manoeuvre (:mod:`retrogait.simulate.manoeuvres`) replaces it from its start.
Method: :mod:`retrogait.simulate.body` (module docstring) and docs/simulator.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import signal
from scipy.interpolate import CubicSpline, PchipInterpolator
from scipy.spatial.transform import Rotation

from retrogait.mounting import Mounting
from retrogait.simulate.gait import GaitPlan, GaitStyle
from retrogait.simulate.kinematics import FloatArray
from retrogait.simulate.manoeuvres import (
    Manoeuvre,
    decay_drift,
    drop_profile,
    jump_height,
    rot_zyx,
    smooth01,
)

TrunkSite = Literal["chest", "lower_back"]
PELVIS_HEIGHT_M = 0.95
SIT_GROUND_DROP_M = 0.8  # pelvis drop from standing to sitting on the ground, m
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
        if m.kind in ("fall_backward", "fall_forward", "fall_sit", "kneel", "sit"):
            if m.kind == "fall_sit":  # onto the buttocks: sitting on the ground, leaning back
                end_lean = math.radians(-30.0)
                s = drop_profile(dt, m.fall_s, m.impact_s)
            elif m.kind.startswith("fall"):
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
            if m.kind in ("sit", "fall_sit"):
                height = PELVIS_HEIGHT_M - (0.45 if m.kind == "sit" else SIT_GROUND_DROP_M) * s
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

