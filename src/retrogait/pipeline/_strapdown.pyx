# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernel of :mod:`.strapdown`: orientation, strapdown integration of a segment and
the opening attitude from gravity (contracts in :mod:`.strapdown`; built with floating-point
contraction off, see ``setup.py``).

Units: s, m/s², deg/s, m. Frames: input in the foot frame, output in the stride world frame
(:mod:`.strapdown`). Each stride is integrated two or three times; as chains of small NumPy
calls on ~200 samples the call overhead, not the arithmetic, was the cost.
"""

from libc.math cimport asin, atan2, cos, sin, sqrt, M_PI

import numpy as np

from retrogait.pipeline._table cimport (
    AX, AY, AZ, P_GYR, P_NCOL, P_PITCH, P_POS, P_ROT, P_T, P_VEL, T, calibrated_rate, deg2rad)


cdef void _orientation(const double[:] t, const double[:, :] gyr, const double[:] q0,
                       double[:, :] rot) noexcept nogil:
    """``rot`` (n, 9, row-major 3 x 3): the attitude (foot -> world) composed sample by sample
    with the exact rotation of each trapezoid increment (angle |w|·dt about w), kept unit."""
    cdef Py_ssize_t n = t.shape[0], k
    cdef double qn = sqrt(q0[0] * q0[0] + q0[1] * q0[1] + q0[2] * q0[2] + q0[3] * q0[3])
    cdef double w = q0[0] / qn, x = q0[1] / qn, y = q0[2] / qn, z = q0[3] / qn
    cdef double dt, r0, r1, r2, ang, half, c, s, bw, bx, by, bz, nw, nx, ny, nz
    for k in range(n):
        if k > 0:
            dt = t[k] - t[k - 1]
            r0 = 0.5 * (gyr[k, 0] + gyr[k - 1, 0]) * deg2rad() * dt
            r1 = 0.5 * (gyr[k, 1] + gyr[k - 1, 1]) * deg2rad() * dt
            r2 = 0.5 * (gyr[k, 2] + gyr[k - 1, 2]) * deg2rad() * dt
            ang = sqrt(r0 * r0 + r1 * r1 + r2 * r2)
            half = 0.5 * ang
            c = cos(half)
            s = sin(half) / ang if ang > 1e-12 else 0.5  # sin(ang/2)/ang, safe at 0
            bw = c
            bx = r0 * s
            by = r1 * s
            bz = r2 * s
            nw = w * bw - x * bx - y * by - z * bz
            nx = w * bx + x * bw + y * bz - z * by
            ny = w * by - x * bz + y * bw + z * bx
            nz = w * bz + x * by - y * bx + z * bw
            qn = sqrt(nw * nw + nx * nx + ny * ny + nz * nz)
            w = nw / qn
            x = nx / qn
            y = ny / qn
            z = nz / qn
        rot[k, 0] = 1 - 2 * (y * y + z * z)
        rot[k, 1] = 2 * (x * y - w * z)
        rot[k, 2] = 2 * (x * z + w * y)
        rot[k, 3] = 2 * (x * y + w * z)
        rot[k, 4] = 1 - 2 * (x * x + z * z)
        rot[k, 5] = 2 * (y * z - w * x)
        rot[k, 6] = 2 * (x * z - w * y)
        rot[k, 7] = 2 * (y * z + w * x)
        rot[k, 8] = 1 - 2 * (x * x + y * y)


def orientation(const double[:] t, const double[:, :] gyr, const double[:] q0):
    """(n, 9) rotations (row-major) from q0 at t[0]."""
    out = np.empty((t.shape[0], 9))
    _orientation(t, gyr, q0, out)
    return out



cdef void _segment(double[:, :] o, const double[:, :] acc, const double[:] q0, double gravity,
                   bint zupt_end, double* drift) noexcept nogil:
    """Strapdown loop of ``strapdown.integrate_segment`` on a packed table ``o`` whose time
    and gyro columns are filled: rotations, world acceleration less gravity, velocity
    (trapezoid), linear de-drift to zero velocity at the end (``zupt_end``), position, pitch
    of the toe axis (deg)."""
    cdef Py_ssize_t n = o.shape[0], k
    cdef double p0 = 0, p1 = 0, p2 = 0, v0 = 0, v1 = 0, v2 = 0, a0, a1, a2, dt, s, f, span
    _orientation(o[:, P_T], o[:, P_GYR:P_GYR + 3], q0, o[:, P_ROT:P_ROT + 9])
    for k in range(n):
        a0 = (o[k, P_ROT] * acc[k, 0] + o[k, P_ROT + 1] * acc[k, 1]
              + o[k, P_ROT + 2] * acc[k, 2])
        a1 = (o[k, P_ROT + 3] * acc[k, 0] + o[k, P_ROT + 4] * acc[k, 1]
              + o[k, P_ROT + 5] * acc[k, 2])
        a2 = (o[k, P_ROT + 6] * acc[k, 0] + o[k, P_ROT + 7] * acc[k, 1]
              + o[k, P_ROT + 8] * acc[k, 2])
        a2 -= gravity
        if k > 0:
            dt = o[k, P_T] - o[k - 1, P_T]
            v0 += 0.5 * (a0 + p0) * dt
            v1 += 0.5 * (a1 + p1) * dt
            v2 += 0.5 * (a2 + p2) * dt
        o[k, P_VEL] = v0
        o[k, P_VEL + 1] = v1
        o[k, P_VEL + 2] = v2
        p0 = a0
        p1 = a1
        p2 = a2
        s = min(1.0, max(-1.0, o[k, P_ROT + 6]))
        o[k, P_PITCH] = asin(s) * (180.0 / M_PI)
    drift[0] = 0
    drift[1] = 0
    drift[2] = 0
    span = o[n - 1, P_T] - o[0, P_T]
    if zupt_end:
        drift[0] = o[n - 1, P_VEL]
        drift[1] = o[n - 1, P_VEL + 1]
        drift[2] = o[n - 1, P_VEL + 2]
        for k in range(n):
            f = (o[k, P_T] - o[0, P_T]) / span if span > 0 else 0.0
            o[k, P_VEL] -= f * drift[0]
            o[k, P_VEL + 1] -= f * drift[1]
            o[k, P_VEL + 2] -= f * drift[2]
    o[0, P_POS] = 0
    o[0, P_POS + 1] = 0
    o[0, P_POS + 2] = 0
    for k in range(1, n):
        dt = o[k, P_T] - o[k - 1, P_T]
        o[k, P_POS] = o[k - 1, P_POS] + 0.5 * (o[k, P_VEL] + o[k - 1, P_VEL]) * dt
        o[k, P_POS + 1] = o[k - 1, P_POS + 1] + 0.5 * (o[k, P_VEL + 1] + o[k - 1, P_VEL + 1]) * dt
        o[k, P_POS + 2] = o[k - 1, P_POS + 2] + 0.5 * (o[k, P_VEL + 2] + o[k - 1, P_VEL + 2]) * dt


cdef tuple _finish(o, double* drift):
    """(packed table, end heading rad, |drift| m/s) of an integrated segment."""
    cdef double[:, :] v = o
    cdef Py_ssize_t n = v.shape[0]
    return (o, atan2(v[n - 1, P_ROT + 3], v[n - 1, P_ROT]),
            sqrt(drift[0] * drift[0] + drift[1] * drift[1] + drift[2] * drift[2]))


def segment(const double[:] t, const double[:, :] acc, const double[:, :] gyr,
            const double[:] q0, double gravity, bint zupt_end):
    """Strapdown integration of calibrated samples (foot frame) from attitude q0: (packed
    table (n, 20): t, gyr, rot (row-major), vel, pos, pitch; end heading; |drift|)."""
    cdef Py_ssize_t n = t.shape[0], i
    cdef int r
    cdef double drift[3]
    o = np.empty((n, P_NCOL))
    cdef double[:, :] ov = o
    for i in range(n):
        ov[i, P_T] = t[i]
        for r in range(3):
            ov[i, P_GYR + r] = gyr[i, r]
    _segment(ov, acc, q0, gravity, zupt_end, drift)
    return _finish(o, drift)


cdef void _quat_from_matrix(const double* mp, double[:] q) noexcept nogil:
    """Unit quaternion [w, x, y, z] of a rotation matrix (row-major 3 x 3 at ``mp``;
    Shepperd's method)."""
    cdef double m[3][3]
    cdef int i, j
    for i in range(3):
        for j in range(3):
            m[i][j] = mp[3 * i + j]
    cdef double tr = m[0][0] + m[1][1] + m[2][2], s, nq
    cdef int k
    if tr > 0:
        s = sqrt(tr + 1.0) * 2
        q[0] = 0.25 * s
        q[1] = (m[2][1] - m[1][2]) / s
        q[2] = (m[0][2] - m[2][0]) / s
        q[3] = (m[1][0] - m[0][1]) / s
    elif m[0][0] > m[1][1] and m[0][0] > m[2][2]:
        s = sqrt(1.0 + m[0][0] - m[1][1] - m[2][2]) * 2
        q[0] = (m[2][1] - m[1][2]) / s
        q[1] = 0.25 * s
        q[2] = (m[0][1] + m[1][0]) / s
        q[3] = (m[0][2] + m[2][0]) / s
    elif m[1][1] > m[2][2]:
        s = sqrt(1.0 + m[1][1] - m[0][0] - m[2][2]) * 2
        q[0] = (m[0][2] - m[2][0]) / s
        q[1] = (m[0][1] + m[1][0]) / s
        q[2] = 0.25 * s
        q[3] = (m[1][2] + m[2][1]) / s
    else:
        s = sqrt(1.0 + m[2][2] - m[0][0] - m[1][1]) * 2
        q[0] = (m[1][0] - m[0][1]) / s
        q[1] = (m[0][2] + m[2][0]) / s
        q[2] = (m[1][2] + m[2][1]) / s
        q[3] = 0.25 * s
    nq = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    for k in range(4):
        q[k] /= nq


cdef void _attitude_from_gravity(double f0, double f1, double f2, double[:] q) noexcept nogil:
    """Quaternion (foot -> world): world z = the measured up direction, world x = horizontal
    projection of the foot's x axis (of its z axis when the toes point straight up/down)."""
    cdef double nf = sqrt(f0 * f0 + f1 * f1 + f2 * f2)
    cdef double z0 = f0 / nf, z1 = f1 / nf, z2 = f2 / nf
    cdef double x0 = 1.0 - z0 * z0, x1 = -z0 * z1, x2 = -z0 * z2
    cdef double nx = sqrt(x0 * x0 + x1 * x1 + x2 * x2)
    cdef double m[3][3]
    if nx < 1e-6:
        x0 = -z2 * z0
        x1 = -z2 * z1
        x2 = 1.0 - z2 * z2
        nx = sqrt(x0 * x0 + x1 * x1 + x2 * x2)
    x0 /= nx
    x1 /= nx
    x2 /= nx
    m[0][0] = x0
    m[0][1] = x1
    m[0][2] = x2
    m[1][0] = z1 * x2 - z2 * x1
    m[1][1] = z2 * x0 - z0 * x2
    m[1][2] = z0 * x1 - z1 * x0
    m[2][0] = z0
    m[2][1] = z1
    m[2][2] = z2
    _quat_from_matrix(&m[0][0], q)


def attitude_from_gravity_into(double f0, double f1, double f2, double[:] q):
    _attitude_from_gravity(f0, f1, f2, q)



def integrate_rows(const double[:, :] data, Py_ssize_t r_first, Py_ssize_t r_last,
                   Py_ssize_t r_att, Py_ssize_t r_ref, const double[:] calib, double gravity,
                   bint zupt_end):
    """Calibrate and integrate the sample-table rows r_first..r_last (r_first a zero-velocity
    anchor; see ``SensorPipeline._integrate``): the opening attitude from gravity = the mean
    specific force of rows r_att..r_ref, carried by the gyro from r_ref to r_first when
    r_ref < r_first. Returns (packed table, end heading rad, |drift| m/s) as :func:`segment`."""
    cdef Py_ssize_t n = r_last + 1 - r_first, i, k, p, row
    cdef int r
    cdef double m0 = 0, m1 = 0, m2 = 0
    cdef double q0b[4]
    cdef double[:] q0 = q0b
    cdef double drift[3]
    cdef double[:] pt
    cdef double[:, :] pg, prot
    o = np.empty((n, P_NCOL))
    acc_a = np.empty((n, 3))
    cdef double[:, :] ov = o
    cdef double[:, :] acc = acc_a
    for i in range(n):
        row = r_first + i
        ov[i, P_T] = data[row, T]
        for r in range(3):
            acc[i, r] = (data[row, AX] * calib[3 * r] + data[row, AY] * calib[3 * r + 1]
                         + data[row, AZ] * calib[3 * r + 2])
            ov[i, P_GYR + r] = calibrated_rate(data, row, calib, r)
    k = r_ref + 1 - r_att
    for row in range(r_att, r_ref + 1):
        m0 += data[row, AX]
        m1 += data[row, AY]
        m2 += data[row, AZ]
    m0 /= k
    m1 /= k
    m2 /= k
    _attitude_from_gravity(m0 * calib[0] + m1 * calib[1] + m2 * calib[2],
                           m0 * calib[3] + m1 * calib[4] + m2 * calib[5],
                           m0 * calib[6] + m1 * calib[7] + m2 * calib[8], q0)
    p = r_first + 1 - r_ref
    if p > 1:  # carry the attitude from where gravity was read to the anchor
        pt = np.empty(p)
        pg = np.empty((p, 3))
        prot = np.empty((p, 9))
        for i in range(p):
            pt[i] = data[r_ref + i, T]
            for r in range(3):
                pg[i, r] = calibrated_rate(data, r_ref + i, calib, r)
        _orientation(pt, pg, q0, prot)
        _quat_from_matrix(&prot[p - 1, 0], q0)
    _segment(ov, acc, q0, gravity, zupt_end, drift)
    return _finish(o, drift)
