"""Strapdown integration of one foot segment between two zero-velocity anchors.

Frames: the input is in the **foot frame** (x toes, y left, z up when flat; see
:mod:`retrogait.mounting`). The output is in a **stride world frame**: z up (gravity), x the
horizontal projection of the foot's toe axis at the opening anchor, y = z × x. Quaternions are
``[w, x, y, z]`` and rotate foot-frame vectors into that world frame.

Orientation is integrated exactly (per-sample rotation increments composed in order). The
per-sample loops are compiled with numba (``cache=True``: compiled once per machine, then
loaded): every stride is integrated two or three times, and small NumPy calls cost more than
the arithmetic of a 200-sample segment. Velocity is the integral of
the gravity-free world acceleration; the zero-velocity update is the simplest honest one: the
velocity must be zero at both anchors, so its end value is removed linearly over the segment
(de-drifting), then integrated to position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

STANDARD_GRAVITY = 9.80665  # m/s²


def attitude_from_gravity(f_up: FloatArray) -> FloatArray:
    """Quaternion (foot → world) from a measured specific force (reads +g up at rest).

    World z = the measured up direction; world x = horizontal projection of the foot's x axis
    (the heading is defined by the toes, not measured).
    """
    q = np.empty(4)
    attitude_from_gravity_into(float(f_up[0]), float(f_up[1]), float(f_up[2]), q)
    return q


@njit(cache=True, nogil=True)
def attitude_from_gravity_into(f0: float, f1: float, f2: float, q: FloatArray) -> None:
    nf = math.sqrt(f0 * f0 + f1 * f1 + f2 * f2)
    z0, z1, z2 = f0 / nf, f1 / nf, f2 / nf
    x0, x1, x2 = 1.0 - z0 * z0, -z0 * z1, -z0 * z2
    nx = math.sqrt(x0 * x0 + x1 * x1 + x2 * x2)
    if nx < 1e-6:  # toes pointing straight up/down: fall back to the y axis for heading
        x0, x1, x2 = -z2 * z0, -z2 * z1, 1.0 - z2 * z2
        nx = math.sqrt(x0 * x0 + x1 * x1 + x2 * x2)
    x0, x1, x2 = x0 / nx, x1 / nx, x2 / nx
    m = np.empty((3, 3))  # rows: world axes in foot coordinates -> v_world = m @ v_foot
    m[0, 0], m[0, 1], m[0, 2] = x0, x1, x2
    m[1, 0], m[1, 1], m[1, 2] = z1 * x2 - z2 * x1, z2 * x0 - z0 * x2, z0 * x1 - z1 * x0
    m[2, 0], m[2, 1], m[2, 2] = z0, z1, z2
    quat_from_matrix_into(m, q)


def quat_from_matrix(m: FloatArray) -> FloatArray:
    """Unit quaternion [w, x, y, z] of a rotation matrix (Shepperd's method)."""
    q = np.empty(4)
    quat_from_matrix_into(np.ascontiguousarray(m, dtype=np.float64), q)
    return q


@njit(cache=True, nogil=True)
def quat_from_matrix_into(m: FloatArray, q: FloatArray) -> None:
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0:
        s = math.sqrt(tr + 1.0) * 2
        q[0], q[1], q[2], q[3] = (0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s,
                                  (m[1, 0] - m[0, 1]) / s)
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2]) * 2
        q[0], q[1], q[2], q[3] = ((m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s,
                                  (m[0, 2] + m[2, 0]) / s)
    elif m[1, 1] > m[2, 2]:
        s = math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2]) * 2
        q[0], q[1], q[2], q[3] = ((m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s,
                                  (m[1, 2] + m[2, 1]) / s)
    else:
        s = math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1]) * 2
        q[0], q[1], q[2], q[3] = ((m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s,
                                  (m[1, 2] + m[2, 1]) / s, 0.25 * s)
    nq = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    for k in range(4):
        q[k] /= nq


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
    rot = np.empty((t.shape[0], 3, 3))
    orientation_into(np.ascontiguousarray(t, dtype=np.float64),
                 np.ascontiguousarray(gyr_dps, dtype=np.float64),
                 np.asarray(q0, dtype=np.float64), rot)
    return rot


@njit(cache=True, nogil=True)
def orientation_into(t: FloatArray, gyr_dps: FloatArray, q0: FloatArray, rot: FloatArray) -> None:
    """Fill ``rot`` (n, 3, 3): the attitude quaternion composed sample by sample with the exact
    rotation of each trapezoid increment (angle |ω̄|·dt about ω̄), kept unit, as matrices.
    Sequential, so each output depends only on the samples up to it."""
    n = t.shape[0]
    d2r = math.pi / 180.0
    qn = math.sqrt(q0[0] * q0[0] + q0[1] * q0[1] + q0[2] * q0[2] + q0[3] * q0[3])
    w, x, y, z = q0[0] / qn, q0[1] / qn, q0[2] / qn, q0[3] / qn
    for k in range(n):
        if k > 0:
            dt = t[k] - t[k - 1]
            r0 = 0.5 * (gyr_dps[k, 0] + gyr_dps[k - 1, 0]) * d2r * dt
            r1 = 0.5 * (gyr_dps[k, 1] + gyr_dps[k - 1, 1]) * d2r * dt
            r2 = 0.5 * (gyr_dps[k, 2] + gyr_dps[k - 1, 2]) * d2r * dt
            ang = math.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
            half = 0.5 * ang
            c = math.cos(half)
            s = math.sin(half) / ang if ang > 1e-12 else 0.5  # sin(ang/2)/ang, safe at 0
            bw, bx, by, bz = c, r0 * s, r1 * s, r2 * s
            w, x, y, z = (w * bw - x * bx - y * by - z * bz,
                          w * bx + x * bw + y * bz - z * by,
                          w * by - x * bz + y * bw + z * bx,
                          w * bz + x * by - y * bx + z * bw)
            qn = math.sqrt(w * w + x * x + y * y + z * z)
            w, x, y, z = w / qn, x / qn, y / qn, z / qn
        rot[k, 0, 0] = 1 - 2 * (y * y + z * z)
        rot[k, 0, 1] = 2 * (x * y - w * z)
        rot[k, 0, 2] = 2 * (x * z + w * y)
        rot[k, 1, 0] = 2 * (x * y + w * z)
        rot[k, 1, 1] = 1 - 2 * (x * x + z * z)
        rot[k, 1, 2] = 2 * (y * z - w * x)
        rot[k, 2, 0] = 2 * (x * z - w * y)
        rot[k, 2, 1] = 2 * (y * z + w * x)
        rot[k, 2, 2] = 1 - 2 * (x * x + y * y)


@njit(cache=True, nogil=True)
def segment_into(t: FloatArray, acc: FloatArray, gyr_dps: FloatArray, q0: FloatArray,
             gravity: float, zupt_end: bool, rot: FloatArray, vel: FloatArray, pos: FloatArray,
             pitch_deg: FloatArray, drift: FloatArray) -> None:
    """The strapdown loop of :func:`integrate_segment` (outputs filled in place)."""
    n = t.shape[0]
    orientation_into(t, gyr_dps, q0, rot)
    p0 = p1 = p2 = 0.0  # previous gravity-free world acceleration
    v0 = v1 = v2 = 0.0
    for k in range(n):
        a0 = rot[k, 0, 0] * acc[k, 0] + rot[k, 0, 1] * acc[k, 1] + rot[k, 0, 2] * acc[k, 2]
        a1 = rot[k, 1, 0] * acc[k, 0] + rot[k, 1, 1] * acc[k, 1] + rot[k, 1, 2] * acc[k, 2]
        a2 = rot[k, 2, 0] * acc[k, 0] + rot[k, 2, 1] * acc[k, 1] + rot[k, 2, 2] * acc[k, 2]
        a2 -= gravity
        if k > 0:
            dt = t[k] - t[k - 1]
            v0 += 0.5 * (a0 + p0) * dt
            v1 += 0.5 * (a1 + p1) * dt
            v2 += 0.5 * (a2 + p2) * dt
        vel[k, 0], vel[k, 1], vel[k, 2] = v0, v1, v2
        p0, p1, p2 = a0, a1, a2
        s = min(1.0, max(-1.0, rot[k, 2, 0]))
        pitch_deg[k] = math.degrees(math.asin(s))
    drift[0] = drift[1] = drift[2] = 0.0
    span = t[n - 1] - t[0]
    if zupt_end:
        drift[0], drift[1], drift[2] = vel[n - 1, 0], vel[n - 1, 1], vel[n - 1, 2]
        for k in range(n):
            f = (t[k] - t[0]) / span if span > 0 else 0.0
            vel[k, 0] -= f * drift[0]
            vel[k, 1] -= f * drift[1]
            vel[k, 2] -= f * drift[2]
    pos[0, 0] = pos[0, 1] = pos[0, 2] = 0.0
    for k in range(1, n):
        dt = t[k] - t[k - 1]
        pos[k, 0] = pos[k - 1, 0] + 0.5 * (vel[k, 0] + vel[k - 1, 0]) * dt
        pos[k, 1] = pos[k - 1, 1] + 0.5 * (vel[k, 1] + vel[k - 1, 1]) * dt
        pos[k, 2] = pos[k - 1, 2] + 0.5 * (vel[k, 2] + vel[k - 1, 2]) * dt


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
    zupt_end: bool = True,
) -> SegmentMotion:
    """Strapdown integration with zero velocity at both ends (see module docstring).

    t (n,) s; acc (n, 3) m/s² specific force; gyr_dps (n, 3) deg/s, bias already removed;
    q0 the foot → world attitude at ``t[0]``. ``zupt_end=False``: the segment has no closing
    rest point yet (a landing decided during the landing rotation); the velocity is then only
    anchored at ``t[0]`` and nothing is removed (``drift_m_s`` = 0). The velocity error removed
    at the closing anchor is taken to have grown linearly in time over the segment.
    """
    n = t.shape[0]
    rot = np.empty((n, 3, 3))
    vel = np.empty((n, 3))
    pos = np.empty((n, 3))
    pitch = np.empty(n)
    drift = np.empty(3)
    segment_into(np.ascontiguousarray(t, dtype=np.float64),
             np.ascontiguousarray(acc, dtype=np.float64),
             np.ascontiguousarray(gyr_dps, dtype=np.float64),
             np.asarray(q0, dtype=np.float64), float(gravity), bool(zupt_end),
             rot, vel, pos, pitch, drift)
    heading = math.atan2(rot[-1, 1, 0], rot[-1, 0, 0])
    return SegmentMotion(
        rot=rot, vel=vel, pos=pos, pitch_deg=pitch, end_heading_rad=heading,
        drift_m_s=math.sqrt(float(drift @ drift)),
    )
