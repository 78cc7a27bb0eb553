"""Strapdown integration of one foot segment between two zero-velocity anchors (pure NumPy).

Frames: the input is in the **foot frame** (x toes, y left, z up when flat; see
:mod:`retrogait.mounting`). The output is in a **stride world frame**: z up (gravity), x the
horizontal projection of the foot's toe axis at the opening anchor, y = z × x. Quaternions are
``[w, x, y, z]`` and rotate foot-frame vectors into that world frame.

Orientation is integrated exactly (per-sample rotation increments composed with a
log-depth parallel prefix product, so no per-sample Python loop). Velocity is the integral of
the gravity-free world acceleration; the zero-velocity update is the simplest honest one: the
velocity must be zero at both anchors, so its end value is removed linearly over the segment
(de-drifting), then integrated to position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]

STANDARD_GRAVITY = 9.80665  # m/s²


def _qmul_c(a1: ComplexArray, b1: ComplexArray, a2: ComplexArray, b2: ComplexArray
            ) -> tuple[ComplexArray, ComplexArray]:
    """Quaternion product in the Cayley–Dickson form q = A + B·j (A = w + x·i, B = y + z·i)."""
    return a1 * a2 - b1 * np.conj(b2), a1 * b2 + b1 * np.conj(a2)


def prefix_product(a: ComplexArray, b: ComplexArray) -> tuple[ComplexArray, ComplexArray]:
    """Inclusive prefix products q0 ⊗ q1 ⊗ … ⊗ qk for all k (Hillis–Steele scan, log2 n steps)."""
    a = a.copy()
    b = b.copy()
    n = a.shape[0]
    d = 1
    while d < n:
        na, nb = _qmul_c(a[:-d], b[:-d], a[d:], b[d:])
        a[d:] = na
        b[d:] = nb
        d *= 2
    return a, b


def attitude_from_gravity(f_up: FloatArray) -> FloatArray:
    """Quaternion (foot → world) from a measured specific force (reads +g up at rest).

    World z = the measured up direction; world x = horizontal projection of the foot's x axis
    (the heading is defined by the toes, not measured).
    """
    z = f_up / np.linalg.norm(f_up)
    x = np.array([1.0, 0.0, 0.0]) - z[0] * z
    nx = np.linalg.norm(x)
    if nx < 1e-6:  # toes pointing straight up/down: fall back to the y axis for heading
        x = np.array([0.0, 0.0, 1.0]) - z[2] * z
        nx = np.linalg.norm(x)
    x /= nx
    y = np.array([z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]])
    rot = np.vstack([x, y, z])  # rows: world axes in foot coordinates -> v_world = rot @ v_foot
    return quat_from_matrix(rot)


def quat_from_matrix(m: FloatArray) -> FloatArray:
    """Unit quaternion [w, x, y, z] of a rotation matrix (Shepperd's method)."""
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0:
        s = np.sqrt(tr + 1.0) * 2
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2]) * 2
        q = [(m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s]
    elif m[1, 1] > m[2, 2]:
        s = np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2]) * 2
        q = [(m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s]
    else:
        s = np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1]) * 2
        q = [(m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s]
    out = np.asarray(q, dtype=np.float64)
    return out / np.linalg.norm(out)


def quat_to_matrices(w: FloatArray, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
    """(n, 3, 3) rotation matrices of unit quaternions given by components."""
    n = w.shape[0]
    m = np.empty((n, 3, 3))
    xx, yy, zz = x * x, y * y, z * z
    xy, xz, yz = x * y, x * z, y * z
    wx, wy, wz = w * x, w * y, w * z
    m[:, 0, 0] = 1 - 2 * (yy + zz)
    m[:, 0, 1] = 2 * (xy - wz)
    m[:, 0, 2] = 2 * (xz + wy)
    m[:, 1, 0] = 2 * (xy + wz)
    m[:, 1, 1] = 1 - 2 * (xx + zz)
    m[:, 1, 2] = 2 * (yz - wx)
    m[:, 2, 0] = 2 * (xz - wy)
    m[:, 2, 1] = 2 * (yz + wx)
    m[:, 2, 2] = 1 - 2 * (xx + yy)
    return m


def integrate_orientation(t: FloatArray, gyr_dps: FloatArray, q0: FloatArray) -> FloatArray:
    """(n, 3, 3) foot → world rotations at each sample, starting from ``q0`` at ``t[0]``.

    gyr in deg/s, foot frame; increments use the mean rate of consecutive samples (trapezoid).
    """
    w = np.deg2rad(gyr_dps)
    rv = 0.5 * (w[1:] + w[:-1]) * np.diff(t)[:, None]
    ang = np.sqrt(np.einsum("ij,ij->i", rv, rv))
    half = 0.5 * ang
    # sin(ang/2)/ang, safe at 0 (np.sinc(x) = sin(pi x)/(pi x))
    k = 0.5 * np.sinc(half / np.pi)
    a = np.empty(ang.shape[0] + 1, dtype=np.complex128)
    b = np.empty_like(a)
    a[0] = q0[0] + 1j * q0[1]
    b[0] = q0[2] + 1j * q0[3]
    a[1:] = np.cos(half) + 1j * (rv[:, 0] * k)
    b[1:] = rv[:, 1] * k + 1j * (rv[:, 2] * k)
    a, b = prefix_product(a, b)
    norm = np.sqrt(np.abs(a) ** 2 + np.abs(b) ** 2)
    a /= norm
    b /= norm
    return quat_to_matrices(a.real, a.imag, b.real, b.imag)


@dataclass(frozen=True, slots=True)
class SegmentMotion:
    """Result of integrating one anchor-to-anchor segment (stride world frame, see module doc).

    rot: (n, 3, 3) foot → world; vel: (n, 3) m/s after de-drifting; pos: (n, 3) m from the
    opening anchor; pitch_deg: (n,) toe-up pitch of the foot's x axis, deg; end_heading_rad:
    yaw of the toe axis at the closing anchor relative to the opening one; drift_m_s: the
    velocity removed at the closing anchor (integration error indicator), m/s.
    """

    rot: FloatArray
    vel: FloatArray
    pos: FloatArray
    pitch_deg: FloatArray
    end_heading_rad: float
    drift_m_s: float


def integrate_segment(
    t: FloatArray,
    acc: FloatArray,
    gyr_dps: FloatArray,
    q0: FloatArray,
    gravity: float = STANDARD_GRAVITY,
    drift_gain: float = 0.0,
    zupt_end: bool = True,
) -> SegmentMotion:
    """Strapdown integration with zero velocity at both ends (see module docstring).

    t (n,) s; acc (n, 3) m/s² specific force; gyr_dps (n, 3) deg/s, bias already removed;
    q0 the foot → world attitude at ``t[0]``. ``zupt_end=False``: the segment has no closing
    rest point yet (a landing decided during the landing rotation); the velocity is then only
    anchored at ``t[0]`` and nothing is removed (``drift_m_s`` = 0).
    """
    rot = integrate_orientation(t, gyr_dps, q0)
    acc_w = np.einsum("nij,nj->ni", rot, acc)
    acc_w[:, 2] -= gravity
    dt = np.diff(t)
    vel = np.zeros_like(acc_w)
    np.cumsum(0.5 * (acc_w[1:] + acc_w[:-1]) * dt[:, None], axis=0, out=vel[1:])
    # the velocity error accrues with time and, much faster, during high specific force
    # (impacts, sensor saturation, scale errors): remove it in proportion to that rate
    fnorm = np.sqrt(np.einsum("ij,ij->i", acc, acc))
    rate = 1.0 + drift_gain * ((fnorm - gravity) / gravity) ** 2
    wcum = np.zeros_like(t)
    np.cumsum(0.5 * (rate[1:] + rate[:-1]) * dt, out=wcum[1:])
    frac = wcum / wcum[-1] if wcum[-1] > 0 else np.zeros_like(t)
    drift = vel[-1].copy() if zupt_end else np.zeros(3)
    if zupt_end:
        vel -= frac[:, None] * drift[None, :]
    pos = np.zeros_like(vel)
    np.cumsum(0.5 * (vel[1:] + vel[:-1]) * dt[:, None], axis=0, out=pos[1:])
    pitch = np.rad2deg(np.arcsin(np.clip(rot[:, 2, 0], -1.0, 1.0)))
    heading = float(np.arctan2(rot[-1, 1, 0], rot[-1, 0, 0]))
    return SegmentMotion(
        rot=rot, vel=vel, pos=pos, pitch_deg=pitch, end_heading_rad=heading,
        drift_m_s=float(np.linalg.norm(drift)),
    )
