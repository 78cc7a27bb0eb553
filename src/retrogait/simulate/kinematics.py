"""Rigid-foot kinematics in the world frame: piecewise smooth orientation and position.

Frames (as in ``docs/architecture.md``): world x/y horizontal, z up; foot frame x toward the
toes, y to the foot's left, z up when the foot stands flat. The foot is a rigid body whose sole
is two points, the heel ``(0, 0, 0)`` and the toe ``(foot_length, 0, 0)`` (foot frame, metres).

The foot's orientation is ``R = Rz(yaw) @ Ry(-pitch) @ Rx(roll)`` (foot -> world), so ``pitch``
is the elevation of the toe axis above the horizontal (+ = toes up) and ``roll`` rotates about
the toe axis (+ = the foot's left edge up). A :class:`Piece` gives, on one time interval,
the three angles and the world position of one *anchor* point of the foot (a point fixed in
the foot frame); every other point follows rigidly::

    p_world(r) = anchor_world(t) + R(t) @ (r - anchor_body)

During stance the anchor is the contacting sole point (the pivot, fixed in the world: the foot
rolls about it); during swing it is the point that left the ground last. Every profile is a
quintic polynomial in normalised time plus an optional smooth bump, chosen so that position,
velocity and acceleration are continuous across pieces (except the deliberate impacts).

Additive terms on top of the rigid motion, per landing (:class:`Impact`): the vertical
compression of the sole and heel pad (the landing point keeps its downward velocity at contact
and is stopped within a few ms) and a damped ringing of the sensor on the shoe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

HEEL = np.array([0.0, 0.0, 0.0])


def toe_point(foot_length_m: float) -> FloatArray:
    return np.array([foot_length_m, 0.0, 0.0])


def quintic_coeffs(
    x0: float, v0: float, a0: float, x1: float, v1: float, a1: float
) -> tuple[float, float, float, float, float, float]:
    """Coefficients c0..c5 of ``x(s) = sum c_i s**i`` on s in [0, 1] with the given value, first
    and second derivative (with respect to s) at both ends."""
    d = x1 - x0
    return (
        x0,
        v0,
        a0 / 2.0,
        10.0 * d - 6.0 * v0 - 4.0 * v1 - (3.0 * a0 - a1) / 2.0,
        -15.0 * d + 8.0 * v0 + 7.0 * v1 + (3.0 * a0 - 2.0 * a1) / 2.0,
        6.0 * d - 3.0 * (v0 + v1) - (a0 - a1) / 2.0,
    )


@dataclass(frozen=True, slots=True)
class Profile:
    """``x(t) = quintic(s) + bump * 64 s³ (1 - s)³`` with ``s = (t - t0) / duration`` in [0, 1].

    The bump has zero value, slope and curvature at both ends and peaks at 1 for s = 0.5, so it
    adds a smooth excursion (swing clearance, wobble) without touching the boundary conditions.
    """

    t0: float
    duration: float
    coeffs: tuple[float, float, float, float, float, float]
    bump: float = 0.0

    @classmethod
    def constant(cls, value: float) -> Profile:
        return cls(0.0, 1.0, (value, 0.0, 0.0, 0.0, 0.0, 0.0))

    @classmethod
    def hermite(
        cls,
        t0: float,
        duration: float,
        start: tuple[float, float, float],
        end: tuple[float, float, float],
        bump: float = 0.0,
    ) -> Profile:
        """Quintic through (value, rate /s, acceleration /s²) at ``t0`` and ``t0 + duration``."""
        T = duration
        return cls(
            t0,
            T,
            quintic_coeffs(start[0], start[1] * T, start[2] * T * T, end[0], end[1] * T,
                           end[2] * T * T),
            bump,
        )

    def __call__(self, t: FloatArray) -> FloatArray:
        s = np.clip((t - self.t0) / self.duration, 0.0, 1.0)
        c = self.coeffs
        x = c[0] + s * (c[1] + s * (c[2] + s * (c[3] + s * (c[4] + s * c[5]))))
        if self.bump:
            u = s * (1.0 - s)
            x = x + self.bump * 64.0 * u * u * u
        return x

    def end_state(self) -> tuple[float, float, float]:
        """(value, rate /s, acceleration /s²) at the end of the profile."""
        c = self.coeffs
        T = self.duration
        x = sum(c)
        v = (c[1] + 2 * c[2] + 3 * c[3] + 4 * c[4] + 5 * c[5]) / T
        a = (2 * c[2] + 6 * c[3] + 12 * c[4] + 20 * c[5]) / (T * T)
        return float(x), float(v), float(a)


@dataclass(frozen=True, slots=True)
class Piece:
    """One interval [t0, t1) of a foot's motion: angles (rad) and the anchor's world position."""

    t0: float
    t1: float
    yaw: Profile
    pitch: Profile
    roll: Profile
    anchor_world: tuple[Profile, Profile, Profile]
    anchor_body: FloatArray
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Impact:
    """Landing transient starting at ``t`` (s).

    Sole compression: the whole foot moves down by ``-v * tau * exp(-tau/tau_c)`` (m) after
    contact (``tau = t' - t``), which takes over the landing point's vertical velocity ``v``
    (m/s, > 0 downward) and stops it with a peak deceleration of ``2 v / tau_c``.
    Ringing: the sensor moves by ``vib_acc / w² * exp(-tau/vib_tau) * (1 - cos w tau)`` along
    ``vib_dir`` (world), ``w = 2 pi vib_freq``: acceleration ``vib_acc`` right after contact,
    velocity and position continuous, decaying to nothing. Both terms fade to exactly zero
    between 6 and 10 time constants, so the foot is exactly still in mid-stance.
    """

    t: float
    v: float = 0.0
    tau_c: float = 0.008
    vib_acc: float = 0.0
    vib_freq: float = 50.0
    vib_tau: float = 0.012
    vib_dir: FloatArray = field(default_factory=lambda: np.array([0.0, 0.0, 1.0]))

    def displacement(self, t: FloatArray, ringing: bool = True) -> FloatArray:
        """(n, 3) world displacement added to the rigid motion, m (compression, and the
        sensor's ringing unless ``ringing`` is False)."""
        tau = t - self.t
        out = np.zeros((len(t), 3))
        m = (tau > 0) & (tau < self.duration)
        if not np.any(m):
            return out
        tm = tau[m]
        if self.v:
            out[m, 2] -= self.v * tm * np.exp(-tm / self.tau_c) * _fade(tm, self.tau_c)
        if self.vib_acc and ringing:
            w = 2 * np.pi * self.vib_freq
            amp = self.vib_acc / (w * w) * np.exp(-tm / self.vib_tau) * (1 - np.cos(w * tm))
            out[m] += (amp * _fade(tm, self.vib_tau))[:, None] * self.vib_dir[None, :]
        return out

    @property
    def duration(self) -> float:
        """After this (s) the transient is exactly over."""
        return FADE_END * max(self.tau_c, self.vib_tau)


FADE_START = 6.0
FADE_END = 10.0


def _fade(tau: FloatArray, scale: float) -> FloatArray:
    """1 until ``FADE_START * scale``, minimum-jerk down to exactly 0 at ``FADE_END * scale``
    (so the foot is exactly still in mid-stance)."""
    s = np.clip((tau / scale - FADE_START) / (FADE_END - FADE_START), 0.0, 1.0)
    return np.asarray(1.0 - s * s * s * (10.0 - 15.0 * s + 6.0 * s * s))


def euler_to_matrix(yaw: FloatArray, pitch: FloatArray, roll: FloatArray) -> FloatArray:
    """(n, 3, 3) rotation foot -> world, ``Rz(yaw) Ry(-pitch) Rx(roll)``; angles in rad."""
    cy, sy = np.cos(yaw), np.sin(yaw)
    ct, st = np.cos(-pitch), np.sin(-pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    R = np.empty((len(yaw), 3, 3))
    R[:, 0, 0] = cy * ct
    R[:, 0, 1] = cy * st * sr - sy * cr
    R[:, 0, 2] = cy * st * cr + sy * sr
    R[:, 1, 0] = sy * ct
    R[:, 1, 1] = sy * st * sr + cy * cr
    R[:, 1, 2] = sy * st * cr - cy * sr
    R[:, 2, 0] = -st
    R[:, 2, 1] = ct * sr
    R[:, 2, 2] = ct * cr
    return R


def relative_rotation_vector(Ra: FloatArray, Rb: FloatArray) -> FloatArray:
    """(n, 3) rotation vector of ``Ra.T @ Rb`` (body frame of ``Ra``), rad."""
    M = np.einsum("nji,njk->nik", Ra, Rb)
    v = 0.5 * np.stack(
        [M[:, 2, 1] - M[:, 1, 2], M[:, 0, 2] - M[:, 2, 0], M[:, 1, 0] - M[:, 0, 1]], axis=1
    )
    s = np.linalg.norm(v, axis=1)
    c = 0.5 * (np.trace(M, axis1=1, axis2=2) - 1.0)
    angle = np.arctan2(s, c)
    scale = np.where(s > 1e-12, angle / np.maximum(s, 1e-300), 1.0)
    return v * scale[:, None]


class FootTrajectory:
    """The motion of one foot over the whole session, evaluated at any times (s, host clock)."""

    def __init__(self, pieces: Sequence[Piece], impacts: Sequence[Impact] = ()) -> None:
        if not pieces:
            raise ValueError("a foot trajectory needs at least one piece")
        self.pieces = list(pieces)
        self.impacts = sorted(impacts, key=lambda i: i.t)
        self._starts = np.array([p.t0 for p in self.pieces])
        for a, b in zip(self.pieces, self.pieces[1:], strict=False):
            if abs(a.t1 - b.t0) > 1e-12:
                raise ValueError(f"pieces not contiguous at t={a.t1} / {b.t0}")

    def rigid(self, t: FloatArray, r_body: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Orientation (n, 3, 3) and world position (n, 3) of foot point ``r_body`` (rigid motion,
        no impact terms)."""
        t = np.asarray(t, dtype=np.float64)
        idx = np.clip(np.searchsorted(self._starts, t, side="right") - 1, 0, len(self.pieces) - 1)
        yaw = np.empty(len(t))
        pitch = np.empty(len(t))
        roll = np.empty(len(t))
        aw = np.empty((len(t), 3))
        ab = np.empty((len(t), 3))
        order = np.argsort(idx, kind="stable")
        sorted_idx = idx[order]
        bounds = np.flatnonzero(np.diff(sorted_idx)) + 1
        for chunk in np.split(order, bounds):
            if len(chunk) == 0:
                continue
            p = self.pieces[idx[chunk[0]]]
            tc = t[chunk]
            yaw[chunk] = p.yaw(tc)
            pitch[chunk] = p.pitch(tc)
            roll[chunk] = p.roll(tc)
            aw[chunk, 0] = p.anchor_world[0](tc)
            aw[chunk, 1] = p.anchor_world[1](tc)
            aw[chunk, 2] = p.anchor_world[2](tc)
            ab[chunk] = p.anchor_body
        R = euler_to_matrix(yaw, pitch, roll)
        pos = aw + np.einsum("nij,nj->ni", R, r_body[None, :] - ab)
        return R, pos

    def impact_displacement(self, t: FloatArray, ringing: bool = True) -> FloatArray:
        out = np.zeros((len(t), 3))
        if not self.impacts:
            return out
        t_min, t_max = float(np.min(t)), float(np.max(t))
        for imp in self.impacts:
            if imp.t > t_max or imp.t + imp.duration < t_min:
                continue
            out += imp.displacement(t, ringing)
        return out

    def position(self, t: FloatArray, r_body: FloatArray, ringing: bool = True) -> FloatArray:
        """World position (n, 3) of foot point ``r_body``: rigid motion + sole compression
        (+ the sensor's ringing on the shoe unless ``ringing`` is False), m."""
        _, pos = self.rigid(t, r_body)
        return pos + self.impact_displacement(t, ringing)

    def motion(
        self, t: FloatArray, r_body: FloatArray, h: float = 2e-4, ringing: bool = True
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Orientation (n,3,3), position (n,3) m, acceleration (n,3) m/s² (world) and body angular
        rate (n,3) rad/s (foot frame) of point ``r_body`` at times ``t``.

        Derivatives are central differences with step ``h`` on the analytic trajectory
        (truncation error ~h², far below sensor noise; kinks only at the impact instants).
        The sole compression is part of the motion (it stops the landing point's descent);
        ``ringing`` switches the sensor's ringing on the shoe.
        """
        t = np.asarray(t, dtype=np.float64)
        R0, p0 = self.rigid(t, r_body)
        Rm, pm = self.rigid(t - h, r_body)
        Rp, pp = self.rigid(t + h, r_body)
        if self.impacts:
            p0 = p0 + self.impact_displacement(t, ringing)
            pm = pm + self.impact_displacement(t - h, ringing)
            pp = pp + self.impact_displacement(t + h, ringing)
        # subtract the centre value before differencing to keep round-off small far from origin
        acc = ((pp - p0) - (p0 - pm)) / (h * h)
        omega = relative_rotation_vector(Rm, Rp) / (2 * h)
        return R0, p0, acc, omega
