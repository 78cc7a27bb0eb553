"""Manoeuvres of the body simulator (falls, sitting down, jumping, kneeling): their timing
profiles, and the feet's motion during them (:class:`ManoeuvredFoot`). The trunk's motion during
a manoeuvre is in :mod:`retrogait.simulate.trunk_motion`; the scenarios and the simulation in
:mod:`retrogait.simulate.body`. Frames: world z up; body frame x forward, y left, z up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.spatial.transform import Rotation

from retrogait.simulate.kinematics import FloatArray, FootTrajectory, Profile

# --------------------------------------------------------------------------------- rotations

def rot_zyx(yaw: FloatArray, lean: FloatArray, roll: FloatArray) -> FloatArray:
    """(n,3,3) body -> world: Rz(yaw) Ry(lean) Rx(roll); lean + tips the head forward."""
    return np.asarray(Rotation.from_euler("ZYX", np.stack([yaw, lean, roll], axis=1)).as_matrix())



# --------------------------------------------------------------------------------- manoeuvres

FallKind = Literal["fall_backward", "fall_forward", "fall_sit"]


@dataclass(frozen=True)
class Manoeuvre:
    """Something the body does from ``t0`` (s): a fall or another movement (truth label)."""

    kind: Literal["fall_backward", "fall_forward", "fall_sit", "sit", "jump", "kneel"]
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
        elif m.kind in ("fall_backward", "fall_sit"):  # heels down, toes up
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


