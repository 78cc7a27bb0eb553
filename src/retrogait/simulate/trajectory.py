"""Foot trajectories from a gait plan: for each foot, its stances (landing rocker, flat with
fidgets, departure rocker about the sole point that touched first / leaves last) and swings
(minimum-jerk path of the departing point with a vertical clearance that keeps the whole sole
above the ground), as continuous pieces of position and orientation on the host clock (s)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from retrogait.simulate.gait import (
    FidgetEvent,
    Foot,
    GaitPlan,
    StepPlan,
    _rot_z,
)
from retrogait.simulate.kinematics import (
    HEEL,
    FootTrajectory,
    Impact,
    Piece,
    Profile,
    euler_to_matrix,
    toe_point,
)

_FAR = 1e6


def _const3(p: np.ndarray) -> tuple[Profile, Profile, Profile]:
    return (Profile.constant(float(p[0])), Profile.constant(float(p[1])),
            Profile.constant(float(p[2])))


def _pivot_body(pivot: str, foot_length: float, radius: float = 0.0) -> np.ndarray:
    """The pivot's body point: the sole point, or the centre of its rocker arc (``radius``
    above it, the arc touching the sole plane there)."""
    base = HEEL if pivot == "heel" else toe_point(foot_length)
    return base + np.array([0.0, 0.0, radius]) if radius else base


def _radius(step: StepPlan, pivot: str) -> float:
    return step.heel_radius_m if pivot == "heel" else step.toe_radius_m


def _affine(p: Profile, a: float, b: float) -> Profile:
    """The profile ``a * p(t) + b``."""
    c = p.coeffs
    return Profile(p.t0, p.duration, (a * c[0] + b, a * c[1], a * c[2], a * c[3], a * c[4],
                                      a * c[5]), a * p.bump)


def _rocker_anchor(pw: np.ndarray, yaw: float, radius: float, pitch: Profile
                   ) -> tuple[Profile, Profile, Profile]:
    """World position of a rocker's pivot: fixed for a point pivot; for an arc of ``radius``
    (centre ``pw`` with the foot flat) the centre rolls without slipping, ``pw - r·pitch·u``
    (``u`` the horizontal toe direction), at constant height."""
    if not radius:
        return _const3(pw)
    return (_affine(pitch, -radius * math.cos(yaw), float(pw[0])),
            _affine(pitch, -radius * math.sin(yaw), float(pw[1])),
            Profile.constant(float(pw[2])))


def landing_pivot(step: StepPlan) -> Literal["heel", "toe"]:
    """Sole point touching first: heel when the strike pitch is >= 0 (toes up or flat)."""
    return "heel" if step.strike_rad >= 0 else "toe"


def departure_pivot(step: StepPlan) -> Literal["heel", "toe"]:
    """Sole point leaving last: the toe for a forward step, the heel for a backward one."""
    return "toe" if step.direction == "forward" else "heel"


def _flat_pieces(
    t0: float, t1: float, heel: np.ndarray, yaw: float, events: list[FidgetEvent], L: float
) -> list[Piece]:
    pieces: list[Piece] = []
    t = t0
    for ev in events:
        if ev.t0 < t or ev.t0 + ev.duration > t1:
            continue
        if ev.t0 > t:
            pieces.append(_flat(t, ev.t0, heel, yaw))
        rp = _pivot_body(ev.pivot, L)
        pw = heel + _rot_z(yaw) @ rp
        pieces.append(Piece(
            ev.t0, ev.t0 + ev.duration,
            yaw=Profile.hermite(ev.t0, ev.duration, (yaw, 0, 0), (yaw, 0, 0), bump=ev.yaw_rad),
            pitch=Profile.hermite(ev.t0, ev.duration, (0, 0, 0), (0, 0, 0), bump=ev.pitch_rad),
            roll=Profile.constant(0.0),
            anchor_world=_const3(pw), anchor_body=rp, kind=ev.kind,
        ))
        t = ev.t0 + ev.duration
    if t1 > t:
        pieces.append(_flat(t, t1, heel, yaw))
    return pieces


def _flat(t0: float, t1: float, heel: np.ndarray, yaw: float) -> Piece:
    return Piece(t0, t1, Profile.constant(yaw), Profile.constant(0.0), Profile.constant(0.0),
                 _const3(heel), HEEL, kind="flat")


def _offset(yaw: float, pitch: float, roll: float, r: np.ndarray, rate: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World offset ``R(yaw, pitch, roll) @ r`` and its first and second time derivatives when
    only the pitch moves, at ``rate`` (rad/s) without angular acceleration."""
    def at(p: float) -> np.ndarray:
        R = euler_to_matrix(np.array([yaw]), np.array([p]), np.array([roll]))
        return np.asarray(R[0] @ r)

    o0 = at(pitch)
    if not rate:
        return o0, np.zeros(3), np.zeros(3)
    h = 1e-4
    om, op = at(pitch - h), at(pitch + h)
    return o0, (op - om) / (2 * h) * rate, (op - 2 * o0 + om) / (h * h) * rate * rate


def _swing_piece(
    dep: StepPlan, from_heel: np.ndarray, from_yaw: float, L: float, clearance: float
) -> list[Piece]:
    """Swing of step ``dep`` from the stance at (from_heel, from_yaw) to its landing.

    Without a late-swing rotation (the named styles) one piece whose anchor is the departing
    pivot, ending where the landing pivot touches down. With one (``dep.late_swing_s`` > 0),
    two pieces (the second starts the landing rotation) anchored at the *landing* pivot, so the
    foot rotates about the point that is about to touch while that point descends smoothly.
    Either way the departing pivot leaves with its rocker's rolling velocity and the landing
    pivot arrives with the impact velocity (vertical) and the rolling velocity of its rocker at
    pitch rate ``dep.strike_rate`` (horizontal)."""
    T = dep.t_ic - dep.t_to
    pv_dep, pv_arr = departure_pivot(dep), landing_pivot(dep)
    rad_dep, rad_arr = _radius(dep, pv_dep), _radius(dep, pv_arr)
    r_dep = _pivot_body(pv_dep, L, rad_dep)
    r_arr = _pivot_body(pv_arr, L, rad_arr)
    u0 = np.array([math.cos(from_yaw), math.sin(from_yaw), 0.0])
    u1 = np.array([math.cos(dep.yaw), math.sin(dep.yaw), 0.0])
    p0 = from_heel + _rot_z(from_yaw) @ r_dep
    v0 = np.zeros(3)
    a0 = np.zeros(3)
    if rad_dep:
        p0 = p0 - rad_dep * dep.toe_off_rad * u0
        v0 = -rad_dep * dep.toe_off_rate * u0
    p1 = dep.heel + _rot_z(dep.yaw) @ r_arr
    v1 = np.array([0.0, 0.0, -dep.impact.v])
    a1 = np.zeros(3)
    w = dep.strike_rate
    if rad_arr:
        p1 = p1 - rad_arr * dep.strike_rad * u1
        v1 = v1 - rad_arr * w * u1
    late = dep.late_swing_s
    if late > 0.0:
        anchor_body = r_arr
        o, do, ddo = _offset(from_yaw, dep.toe_off_rad, 0.0, r_arr - r_dep, dep.toe_off_rate)
        p0, v0, a0 = p0 + o, v0 + do, a0 + ddo
    else:
        anchor_body = r_dep
        o, do, ddo = _offset(dep.yaw, dep.strike_rad, dep.inversion_rad, r_arr - r_dep, w)
        p1, v1, a1 = p1 - o, v1 - do, a1 - ddo
    anchor = (
        Profile.hermite(dep.t_to, T, (p0[0], v0[0], a0[0]), (p1[0], v1[0], a1[0])),
        Profile.hermite(dep.t_to, T, (p0[1], v0[1], a0[1]), (p1[1], v1[1], a1[1])),
        Profile.hermite(dep.t_to, T, (p0[2], v0[2], a0[2]), (p1[2], v1[2], a1[2]),
                        bump=clearance),
    )
    yaw = Profile.hermite(dep.t_to, T, (from_yaw, 0, 0), (dep.yaw, 0, 0),
                          bump=dep.wobble_yaw_rad)
    roll = Profile.hermite(dep.t_to, T, (0, 0, 0), (dep.inversion_rad, 0, 0),
                           bump=dep.wobble_roll_rad)
    start = (dep.toe_off_rad, dep.toe_off_rate, 0)
    end = (dep.strike_rad, w, 0)
    if late <= 0.0:
        return [Piece(dep.t_to, dep.t_ic, yaw=yaw, pitch=Profile.hermite(dep.t_to, T, start, end),
                      roll=roll, anchor_world=anchor, anchor_body=anchor_body, kind="swing")]
    if late > T - 0.05:
        raise ValueError(f"step {dep.index}: late swing of {late:.3f} s in a {T:.3f} s swing")
    t_pre = dep.t_ic - late
    mid = (dep.strike_rad - dep.late_swing_rad, 0, 0)
    return [
        Piece(dep.t_to, t_pre, yaw=yaw, pitch=Profile.hermite(dep.t_to, t_pre - dep.t_to, start,
                                                              mid),
              roll=roll, anchor_world=anchor, anchor_body=anchor_body, kind="swing"),
        Piece(t_pre, dep.t_ic, yaw=yaw, pitch=Profile.hermite(t_pre, late, mid, end),
              roll=roll, anchor_world=anchor, anchor_body=anchor_body, kind="late_swing"),
    ]


def sole_points(step: StepPlan, L: float) -> list[tuple[np.ndarray, float]]:
    """(body point, radius) of the two sole contacts: a point, or the centre of its arc."""
    return [(_pivot_body("heel", L, step.heel_radius_m), step.heel_radius_m),
            (_pivot_body("toe", L, step.toe_radius_m), step.toe_radius_m)]


def _sole_clear(pieces: list[Piece], L: float, step: StepPlan) -> bool:
    """True when heel and toe (their arcs' lowest points) stay strictly above the ground inside
    the swing."""
    t0, t1 = pieces[0].t0, pieces[-1].t1
    s = np.linspace(0.002, 0.998, 400)
    t = t0 + s * (t1 - t0)
    tr = FootTrajectory(pieces)
    for r, radius in sole_points(step, L):
        _, pos = tr.rigid(t, r)
        if np.min(pos[:, 2]) - radius <= 0.0:
            return False
    return True


def build_trajectory(plan: GaitPlan, foot: Foot) -> FootTrajectory:
    """The foot's piecewise trajectory over the whole plan (flat before the first step)."""
    L = plan.foot_length_m
    steps = plan.steps_of(foot)
    events = sorted(plan.fidgets[foot], key=lambda e: e.t0)
    heel, yaw = plan.initial[foot]
    pieces: list[Piece] = []
    t = -_FAR
    arrival: StepPlan | None = None
    for dep in [*steps, None]:
        # the stance from `arrival` (or the start) to `dep` (or the end)
        if arrival is not None:
            pv = landing_pivot(arrival)
            rp = _pivot_body(pv, L, _radius(arrival, pv))
            pw = heel + _rot_z(yaw) @ rp
            t1 = arrival.t_ic + arrival.d_land
            pitch = Profile.hermite(arrival.t_ic, arrival.d_land,
                                    (arrival.strike_rad, arrival.strike_rate, 0), (0, 0, 0))
            pieces.append(Piece(
                arrival.t_ic, t1,
                yaw=Profile.constant(yaw),
                pitch=pitch,
                roll=Profile.hermite(arrival.t_ic, arrival.d_land,
                                     (arrival.inversion_rad, 0, 0), (0, 0, 0)),
                anchor_world=_rocker_anchor(pw, yaw, _radius(arrival, pv), pitch),
                anchor_body=rp, kind="landing_rocker",
            ))
            t = t1
        end = dep.t_to - dep.d_dep if dep is not None else _FAR
        if end < t - 1e-9:
            raise ValueError(f"{foot} step {dep.index if dep else '-'}: stance rockers overlap")
        pieces.extend(_flat_pieces(t, end, heel, yaw, events, L))
        if dep is None:
            break
        pv = departure_pivot(dep)
        rp = _pivot_body(pv, L, _radius(dep, pv))
        pw = heel + _rot_z(yaw) @ rp
        pitch = Profile.hermite(end, dep.d_dep, (0, 0, 0), (dep.toe_off_rad, dep.toe_off_rate, 0))
        pieces.append(Piece(
            end, dep.t_to,
            yaw=Profile.constant(yaw),
            pitch=pitch,
            roll=Profile.constant(0.0),
            anchor_world=_rocker_anchor(pw, yaw, _radius(dep, pv), pitch), anchor_body=rp,
            kind="departure_rocker",
        ))
        clearance = dep.clearance_m
        for _ in range(8):
            swing = _swing_piece(dep, heel, yaw, L, clearance)
            if _sole_clear(swing, L, dep):
                break
            clearance *= 1.4
        else:
            raise ValueError(f"{foot} step {dep.index}: could not keep the sole above ground")
        pieces.extend(swing)
        heel, yaw = dep.heel, dep.yaw
        arrival = dep
        t = dep.t_ic
    impacts = [s.impact for s in steps]
    for ev in events:
        if ev.pitch_rad:
            # a tapping toe/heel meets the floor at the end of the event: ringing only
            impacts.append(Impact(t=ev.t0 + ev.duration, v=0.0, vib_acc=8.0, vib_freq=45.0))
    return FootTrajectory(pieces, impacts)
