# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled inner loops of the pipeline's stages (Cython, built when retrogait is installed).

Each stride costs two or three strapdown integrations, a contact search and ~30 early-landing
pre-checks; as chains of small NumPy calls on ~200 samples their call overhead, not their
arithmetic, was the cost, and they cannot be vectorised across strides (each decision depends
on the previous one). The logic and its physics are documented where it is used:
:mod:`.strapdown` (orientation, velocity, position), :mod:`.contacts` (lobes, contacts,
the incremental lobe tracker) and :mod:`.sensor` (sample features, stance search, calibrated
segment integration). Units: s, m/s², deg/s, m; frames as in those modules.

Floating-point contraction (FMA) is switched off at build time (``setup.py``), so an
expression gives the same bits wherever it is compiled: the early-landing pre-check and the
full analysis must see exactly the same pitch rate.
"""

from libc.math cimport asin, atan2, cos, fabs, isnan, sin, sqrt, NAN, M_PI

import numpy as np

# ---------------------------------------------------------------- sample table columns
# (same as retrogait.pipeline.buffer)
cdef enum:
    T = 0
    AX = 1
    AY = 2
    AZ = 3
    GX = 4
    GY = 5
    GZ = 6
    GN = 7
    AD = 8
    E = 9
    D = 10

cdef double D2R = M_PI / 180.0
cdef double EPS = 2.220446049250313e-16

# constants of the contact search (documented in contacts.find_contacts / pivot_departure,
# whose defaults are these names, and in docs/pipeline.md with the sources each was chosen on):
# the impact onset is the rise through IMPACT_LEVEL of the impact's | |acc| - g | peak; the
# pivot of a toes-up push moves when its speed exceeds max(PIVOT_MIN_SPEED_M_S,
# PIVOT_NOISE_FACTOR x fit rms), and the fit is refused above PIVOT_MAX_RESIDUAL x rms speed;
# LANDING_REACH_S: how far from its time a landing is decided (a data gap within it can move
# the landing by up to its length)
cdef double _GRAVITY = 9.80665
cdef double _IMPACT_LEVEL = 0.5
cdef double _LANDING_REACH_S = 0.03
# touchdown of a toe-first landing (contacts.find_contacts): an impact is a specific-force jump
# (|a_k - a_(k-1)| / dt) above max(IMPACT_MIN_JERK, IMPACT_JERK_FACTOR x the largest jump of
# the swing lobe, the free foot's own jerk and noise); the rocker fit for the kinematic
# fallback runs from the landing lobe's peak rate until it falls below ROCKER_FIT_FRACTION of
# that peak
cdef double _IMPACT_MIN_JERK = 1000.0
cdef double _IMPACT_JERK_FACTOR = 2.0
cdef double _IMPACT_RISE_S = 0.02
cdef double _IMPACT_MAX_DT_S = 1.0 / 75.0
cdef double _ROCKER_FIT_FRACTION = 0.25
cdef double _ROCKER_FIT_MAX_S = 0.08
cdef double _ROCKER_MAX_RESIDUAL = 0.3
cdef double _PIVOT_MIN_SPEED_M_S = 0.05
cdef double _PIVOT_NOISE_FACTOR = 3.0
cdef double _PIVOT_MAX_RESIDUAL = 0.1
STANDARD_GRAVITY = _GRAVITY
IMPACT_LEVEL = _IMPACT_LEVEL
LANDING_REACH_S = _LANDING_REACH_S
PIVOT_MIN_SPEED_M_S = _PIVOT_MIN_SPEED_M_S
PIVOT_NOISE_FACTOR = _PIVOT_NOISE_FACTOR
PIVOT_MAX_RESIDUAL = _PIVOT_MAX_RESIDUAL
IMPACT_MIN_JERK = _IMPACT_MIN_JERK
IMPACT_JERK_FACTOR = _IMPACT_JERK_FACTOR
IMPACT_RISE_S = _IMPACT_RISE_S
IMPACT_MAX_DT_S = _IMPACT_MAX_DT_S
ROCKER_FIT_FRACTION = _ROCKER_FIT_FRACTION
ROCKER_MAX_RESIDUAL = _ROCKER_MAX_RESIDUAL
ROCKER_FIT_MAX_S = _ROCKER_FIT_MAX_S
# which rule decided a landing (contacts.LANDING_RULES holds the names, same order)
cdef enum:
    RULE_ROTATION_REVERSAL = 0
    RULE_IMPACT = 1
    RULE_CONTACT_POINT = 2
    RULE_ROTATION_ONSET = 3
    RULE_SWING_END = 4


# ================================================================ strapdown
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
            r0 = 0.5 * (gyr[k, 0] + gyr[k - 1, 0]) * D2R * dt
            r1 = 0.5 * (gyr[k, 1] + gyr[k - 1, 1]) * D2R * dt
            r2 = 0.5 * (gyr[k, 2] + gyr[k - 1, 2]) * D2R * dt
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


# columns of a packed segment table (integrate_rows, segment)
cdef enum:
    P_T = 0
    P_GYR = 1
    P_ROT = 4
    P_VEL = 13
    P_POS = 16
    P_PITCH = 19
    P_NCOL = 20


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


# ================================================================ sensor: sample table
cdef inline double _rate(const double[:, :] data, Py_ssize_t i, const double[:] calib,
                         int r) noexcept nogil:
    """Calibrated rate about foot axis r (deg/s) of table row i: (gyr - bias) rotated by the
    tilt, products summed in a fixed order. ``calib`` = tilt (3 x 3 row-major), gyro bias
    (3, deg/s, foot frame)."""
    return ((data[i, GX] - calib[9]) * calib[3 * r] + (data[i, GY] - calib[10]) * calib[3 * r + 1]
            + (data[i, GZ] - calib[11]) * calib[3 * r + 2])


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
            ov[i, P_GYR + r] = _rate(data, row, calib, r)
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
                pg[i, r] = _rate(data, r_ref + i, calib, r)
        _orientation(pt, pg, q0, prot)
        _quat_from_matrix(&prot[p - 1, 0], q0)
    _segment(ov, acc, q0, gravity, zupt_end, drift)
    return _finish(o, drift)


def append_rows(double[:, :] data, Py_ssize_t row0, Py_ssize_t lo, const double[:] t,
                const double[:, :] acc, const double[:, :] gyr, const double[:, :] r_nominal,
                double gravity, Py_ssize_t m):
    """Write samples (sensor frame) into table rows row0… as nominal foot frame with |gyr|,
    | |acc| - g | and their causal moving averages over m samples (each its window summed in
    window order, then divided; shorter windows from row ``lo``, the first one held)."""
    cdef Py_ssize_t i, j, j0, k, row
    cdef int r
    cdef double e, d
    for i in range(t.shape[0]):
        row = row0 + i
        data[row, T] = t[i]
        for r in range(3):
            data[row, AX + r] = (acc[i, 0] * r_nominal[r, 0] + acc[i, 1] * r_nominal[r, 1]
                                 + acc[i, 2] * r_nominal[r, 2])
            data[row, GX + r] = (gyr[i, 0] * r_nominal[r, 0] + gyr[i, 1] * r_nominal[r, 1]
                                 + gyr[i, 2] * r_nominal[r, 2])
        data[row, GN] = sqrt(data[row, GX] * data[row, GX] + data[row, GY] * data[row, GY]
                             + data[row, GZ] * data[row, GZ])
        data[row, AD] = fabs(sqrt(data[row, AX] * data[row, AX] + data[row, AY] * data[row, AY]
                                  + data[row, AZ] * data[row, AZ]) - gravity)
        j0 = max(lo, row - m + 1)
        e = data[j0, GN]
        d = data[j0, AD]
        for j in range(j0 + 1, row + 1):
            e += data[j, GN]
            d += data[j, AD]
        k = row + 1 - j0
        data[row, E] = e / k
        data[row, D] = d / k


def first_row(const double[:, :] data, Py_ssize_t r0, Py_ssize_t r1, bint below, double thr,
              double acc_thr):
    """First table row in [r0, r1) where the foot becomes quiet (below: E < thr and
    D < acc_thr) or stops being quiet (E > thr or D > acc_thr); -1 if none."""
    cdef Py_ssize_t r
    for r in range(r0, r1):
        if below:
            if data[r, E] < thr and data[r, D] < acc_thr:
                return r
        elif data[r, E] > thr or data[r, D] > acc_thr:
            return r
    return -1


# ================================================================ contacts
cdef Py_ssize_t _lobes(const double[:] t, const double[:] x, double touch_fraction,
                       double[:, :] out) noexcept nogil:
    """Lobes of x(t) into out rows start, end, peak, angle, sign; returns their number. A
    lobe holds the samples from its first boundary sample up to the next one (a crossing
    between samples i and i+1 starts the next lobe at i+1, a touch at its own sample)."""
    cdef Py_ssize_t n = t.shape[0], i, m = 0
    cdef double mx = 0, lim, pk = 0, an = 0, axi, tc
    cdef bint pos
    for i in range(n):
        if fabs(x[i]) > mx:
            mx = fabs(x[i])
    lim = touch_fraction * mx
    out[0, 0] = t[0]
    out[4, 0] = 1.0 if x[0] >= 0 else -1.0
    for i in range(n):
        axi = fabs(x[i])
        if 1 <= i <= n - 2:
            pos = x[i] >= 0
            if ((x[i - 1] >= 0) == pos and (x[i + 1] >= 0) == pos and axi <= fabs(x[i - 1])
                    and axi < fabs(x[i + 1]) and axi < lim):  # a touch: own lobe from here
                out[1, m] = t[i]
                out[2, m] = pk
                out[3, m] = an
                m += 1
                out[0, m] = t[i]
                out[4, m] = 1.0 if pos else -1.0
                pk = 0
                an = 0
        if axi > pk:
            pk = axi
        if i < n - 1:
            an += axi * (t[i + 1] - t[i])
            if (x[i] >= 0) != (x[i + 1] >= 0):  # zero crossing between i and i+1
                tc = t[i] + (t[i + 1] - t[i]) * (x[i] / (x[i] - x[i + 1]))
                out[1, m] = tc
                out[2, m] = pk
                out[3, m] = an
                m += 1
                out[0, m] = tc
                out[4, m] = 1.0 if x[i + 1] >= 0 else -1.0
                pk = 0
                an = 0
    out[1, m] = t[n - 1]
    out[2, m] = pk
    out[3, m] = an
    return m + 1


def lobes_into(const double[:] t, const double[:] x, double touch_fraction, double[:, :] out):
    return _lobes(t, x, touch_fraction, out)


cdef void _lstsq3(double[:, :] w, const double[:] b, double rcond, double* r) noexcept nogil:
    """Minimum-norm least-squares solution of w (M, 3) r = b, singular values below
    rcond x the largest taken as zero (as numpy.linalg.lstsq), by a one-sided Jacobi SVD
    (w is overwritten)."""
    cdef Py_ssize_t mrows = w.shape[0], i
    cdef double v[3][3]
    cdef double sig[3]
    cdef double alpha, beta, gamma, zeta, tt, c, s, up, uq, smax, ub
    cdef int sweep, p, q, j, k, rotated
    for j in range(3):
        for k in range(3):
            v[j][k] = 1.0 if j == k else 0.0
    for sweep in range(60):
        rotated = 0
        for p in range(2):
            for q in range(p + 1, 3):
                alpha = 0
                beta = 0
                gamma = 0
                for i in range(mrows):
                    alpha += w[i, p] * w[i, p]
                    beta += w[i, q] * w[i, q]
                    gamma += w[i, p] * w[i, q]
                if fabs(gamma) <= EPS * sqrt(alpha * beta) or gamma == 0:
                    continue
                rotated = 1
                zeta = (beta - alpha) / (2 * gamma)
                tt = (1.0 if zeta >= 0 else -1.0) / (fabs(zeta) + sqrt(1 + zeta * zeta))
                c = 1 / sqrt(1 + tt * tt)
                s = c * tt
                for i in range(mrows):
                    up = w[i, p]
                    uq = w[i, q]
                    w[i, p] = c * up - s * uq
                    w[i, q] = s * up + c * uq
                for k in range(3):
                    up = v[k][p]
                    uq = v[k][q]
                    v[k][p] = c * up - s * uq
                    v[k][q] = s * up + c * uq
        if not rotated:
            break
    smax = 0
    for j in range(3):
        sig[j] = 0
        for i in range(mrows):
            sig[j] += w[i, j] * w[i, j]
        sig[j] = sqrt(sig[j])
        if sig[j] > smax:
            smax = sig[j]
    r[0] = 0
    r[1] = 0
    r[2] = 0
    for j in range(3):
        if sig[j] > rcond * smax and sig[j] > 0:
            ub = 0
            for i in range(mrows):
                ub += w[i, j] * b[i]
            ub /= sig[j] * sig[j]
            for k in range(3):
                r[k] += v[k][j] * ub


def lstsq_min_norm(const double[:, :] a, const double[:] b, double rcond):
    """The pivot fit's least squares on its own (for tests): minimum-norm r of a (M, 3) r = b
    with singular values below rcond x the largest taken as zero."""
    w = np.array(a, dtype=np.float64)
    cdef double r[3]
    _lstsq3(w, b, rcond, r)
    return np.array([r[0], r[1], r[2]])


cdef inline double _point_speed2(const double[:, :] gyr, const double[:, :] vel_foot,
                                 Py_ssize_t k, const double* r) noexcept nogil:
    """|v + w x r|² at sample k: squared speed (m²/s²) of the foot point r (foot frame, m from
    the sensor), v the sensor velocity (foot frame, m/s), w the rate (deg/s)."""
    cdef double o0 = gyr[k, 0] * D2R, o1 = gyr[k, 1] * D2R, o2 = gyr[k, 2] * D2R
    cdef double u0 = vel_foot[k, 0] + (o1 * r[2] - o2 * r[1])
    cdef double u1 = vel_foot[k, 1] + (o2 * r[0] - o0 * r[2])
    cdef double u2 = vel_foot[k, 2] + (o0 * r[1] - o1 * r[0])
    return u0 * u0 + u1 * u1 + u2 * u2


cdef bint _pivot_fit(const double[:, :] gyr, const double[:, :] vel_foot, Py_ssize_t i0,
                     Py_ssize_t i1, double max_residual, double* r, double* rms) noexcept:
    """The rocker's pivot r (foot frame, m from the sensor) fitted on samples i0..i1-1 (least
    squares of v + w x r = 0) and its rms speed there; False when fewer than 3 samples or the
    fit is poor (rms > max_residual x rms sensor speed: not a rigid rocker about one point)."""
    cdef Py_ssize_t m = i1 - i0, k
    cdef double o0, o1, o2, su = 0, sv = 0
    if m < 3:
        return False
    a_arr = np.zeros((3 * m, 3))
    b_arr = np.empty(3 * m)
    cdef double[:, :] a = a_arr
    cdef double[:] b = b_arr
    for k in range(m):  # w x r = [w]x r: three rows of [w]x per sample; right side -v
        o0 = gyr[i0 + k, 0] * D2R
        o1 = gyr[i0 + k, 1] * D2R
        o2 = gyr[i0 + k, 2] * D2R
        a[3 * k, 1] = -o2
        a[3 * k, 2] = o1
        a[3 * k + 1, 0] = o2
        a[3 * k + 1, 2] = -o0
        a[3 * k + 2, 0] = -o1
        a[3 * k + 2, 1] = o0
        b[3 * k] = -vel_foot[i0 + k, 0]
        b[3 * k + 1] = -vel_foot[i0 + k, 1]
        b[3 * k + 2] = -vel_foot[i0 + k, 2]
    _lstsq3(a, b, EPS * (3 * m), r)
    for k in range(i0, i1):
        su += _point_speed2(gyr, vel_foot, k, r)
        sv += (vel_foot[k, 0] * vel_foot[k, 0] + vel_foot[k, 1] * vel_foot[k, 1]
               + vel_foot[k, 2] * vel_foot[k, 2])
    rms[0] = sqrt(su / m)
    return not rms[0] > max_residual * sqrt(sv / m)


cdef double _pivot_departure(const double[:] t, const double[:, :] gyr,
                             const double[:, :] vel_foot, Py_ssize_t i0, Py_ssize_t i1,
                             Py_ssize_t search_from, double min_speed, double noise_factor,
                             double max_residual) noexcept:
    """contacts.pivot_departure on the fit samples i0..i1-1 (NaN: None)."""
    cdef Py_ssize_t k
    cdef double rms, thr, speed, prev = 0
    cdef double r[3]
    if not _pivot_fit(gyr, vel_foot, i0, i1, max_residual, r, &rms):
        return NAN  # not a rigid rocker about one point
    thr = max(min_speed, noise_factor * rms)
    for k in range(search_from, t.shape[0]):
        speed = sqrt(_point_speed2(gyr, vel_foot, k, r))
        if speed > thr:
            if k == search_from:
                return t[k]
            return t[k - 1] + (t[k] - t[k - 1]) * (thr - prev) / (speed - prev)
        prev = speed
    return NAN


def pivot_departure(const double[:] t, const double[:, :] gyr, const double[:, :] vel_foot,
                    Py_ssize_t i0, Py_ssize_t i1, Py_ssize_t search_from, double min_speed,
                    double noise_factor, double max_residual):
    return _pivot_departure(t, gyr, vel_foot, i0, i1, search_from, min_speed, noise_factor,
                            max_residual)


cdef Py_ssize_t _searchsorted(const double[:] t, double v, bint right) noexcept nogil:
    """numpy.searchsorted(t, v, side='right' if right else 'left') on sorted t."""
    cdef Py_ssize_t lo = 0, hi = t.shape[0], mid
    while lo < hi:
        mid = (lo + hi) // 2
        if (t[mid] <= v) if right else (t[mid] < v):
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef bint _lobe_peak(const double[:] t, const double[:] x, double start_s, double end_s,
                     Py_ssize_t* i0, Py_ssize_t* k_peak) noexcept nogil:
    """First sample of the lobe start_s..end_s and its sample of largest |x|; False when no
    sample lies inside it."""
    cdef Py_ssize_t a = _searchsorted(t, start_s, False), b = _searchsorted(t, end_s, True), i, k
    if b <= a:
        return False
    k = a
    for i in range(a + 1, b):
        if fabs(x[i]) > fabs(x[k]):
            k = i
    i0[0] = a
    k_peak[0] = k
    return True


cdef inline double _jerk(const double[:] t, const double[:, :] acc, Py_ssize_t k) noexcept nogil:
    """|a_k - a_(k-1)| / (t_k - t_(k-1)): the specific-force jump into sample k, m/s³."""
    cdef double d0 = acc[k, 0] - acc[k - 1, 0], d1 = acc[k, 1] - acc[k - 1, 1]
    cdef double d2 = acc[k, 2] - acc[k - 1, 2], dt = t[k] - t[k - 1]
    if dt <= 0:
        return 0.0
    return sqrt(d0 * d0 + d1 * d1 + d2 * d2) / dt


cdef inline double _acc_dev(const double[:, :] acc, Py_ssize_t i) noexcept nogil:
    return fabs(sqrt(acc[i, 0] * acc[i, 0] + acc[i, 1] * acc[i, 1] + acc[i, 2] * acc[i, 2])
                - _GRAVITY)


cdef double _impact_onset(const double[:] t, const double[:, :] acc, Py_ssize_t k) noexcept:
    """Onset (s) of the impact whose first jump above the swing's level is into sample k: the
    time the rise into the impact's peak of | |acc| - g | (within IMPACT_RISE_S after k)
    crosses IMPACT_LEVEL x that peak, interpolated between samples and searched back at most
    to IMPACT_RISE_S before k (a soft shoe spreads the rise over several samples at 100 Hz;
    the jump sample alone lagged the own simulator's touchdown by 15-25 ms there)."""
    cdef Py_ssize_t n = t.shape[0], j, jp = k, lo
    cdef double half, f_prev
    while jp + 1 < n and t[jp + 1] - t[k] <= _IMPACT_RISE_S:
        jp += 1
    j = k
    for jp in range(k, jp + 1):
        if _acc_dev(acc, jp) > _acc_dev(acc, j):
            j = jp
    half = _IMPACT_LEVEL * _acc_dev(acc, j)
    lo = k - 1
    while lo > 0 and t[k] - t[lo - 1] <= _IMPACT_RISE_S:
        lo -= 1
    while j > lo and _acc_dev(acc, j - 1) >= half:
        j -= 1
    if j == lo:
        return t[lo]
    f_prev = _acc_dev(acc, j - 1)
    return t[j - 1] + (t[j] - t[j - 1]) * (half - f_prev) / (_acc_dev(acc, j) - f_prev)


cdef double _toe_first_touchdown(const double[:] t, const double[:] x, const double[:, :] acc,
                                 const double[:, :] gyr, const double[:, :] vel_foot,
                                 double swing0, double swing1, double lobe0, double lobe1,
                                 double* rule, double* complete) noexcept:
    """contacts.touchdown: the touchdown of a toe-first landing whose heel-drop lobe of x
    spans lobe0..lobe1 after the swing lobe swing0..swing1 (see contacts.find_contacts);
    ``rule`` gets the deciding rule, ``complete`` 0 when a later sample could still change
    the result (the rocker has not yet slowed after its fastest rotation)."""
    cdef Py_ssize_t n = t.shape[0], a, b, k, k_peak, i0, f1
    cdef double jsw = 0, thr, rms, speed, prev, lim
    cdef double r[3]
    complete[0] = 1.0
    if not _lobe_peak(t, x, lobe0, lobe1, &i0, &k_peak):
        rule[0] = RULE_ROTATION_ONSET
        return lobe0
    # 1. impact: the first specific-force jump above anything the free swing made, from the
    # interval holding the rotation start up to the jump into the fastest heel drop
    if acc.shape[0] == n and n > 1 and (t[n - 1] - t[0]) / (n - 1) <= _IMPACT_MAX_DT_S:
        a = _searchsorted(t, swing0, False)
        b = _searchsorted(t, swing1, True)
        for k in range(max(a, 1), min(b, n)):
            jsw = max(jsw, _jerk(t, acc, k))
        thr = max(_IMPACT_MIN_JERK, _IMPACT_JERK_FACTOR * jsw)
        for k in range(max(i0, 1), min(k_peak + 2, n)):
            if _jerk(t, acc, k) > thr:
                rule[0] = RULE_IMPACT
                return _impact_onset(t, acc, k)
    # 2. no impact: the contact point (the rocker's pivot, fitted while the foot rolls on it
    # after its fastest heel drop) comes to rest
    lim = _ROCKER_FIT_FRACTION * fabs(x[k_peak])
    f1 = k_peak
    while f1 < n and fabs(x[f1]) >= lim and x[f1] * x[k_peak] > 0 and (
            t[f1] - t[k_peak] <= _ROCKER_FIT_MAX_S):
        f1 += 1
    if f1 >= n:
        complete[0] = 0.0
    if k_peak + 2 >= n:  # the rate may still be rising
        complete[0] = 0.0
    if gyr.shape[0] == n and vel_foot.shape[0] == n and _pivot_fit(
            gyr, vel_foot, k_peak, f1, _ROCKER_MAX_RESIDUAL, r, &rms):
        thr = max(_PIVOT_MIN_SPEED_M_S, _PIVOT_NOISE_FACTOR * rms)
        rule[0] = RULE_CONTACT_POINT
        prev = sqrt(_point_speed2(gyr, vel_foot, k_peak, r))
        for k in range(k_peak - 1, i0 - 2, -1):
            if k < 0:
                break
            speed = sqrt(_point_speed2(gyr, vel_foot, k, r))
            if speed > thr:  # moving at k, at rest at k + 1: arrival between them
                return max(lobe0, t[k] + (t[k + 1] - t[k]) * (speed - thr) / (speed - prev))
            prev = speed
        return lobe0
    # 3. neither: the rotation onset
    rule[0] = RULE_ROTATION_ONSET
    return lobe0


cdef bint _find_contacts(const double[:] t, const double[:] x, double min_lobe_dps,
                         double lobe_fraction, const double[:] speed, const double[:, :] gyr,
                         const double[:, :] vel_foot, const double[:, :] acc,
                         double* out) noexcept:
    """contacts.find_contacts (empty arrays: not given) into out = toe-off, initial contact,
    swing angle, strike_at; False when there is no significant lobe."""
    cdef Py_ssize_t n = t.shape[0], m, k, i, swing = -1, kf, last_after = -1, push = -1
    cdef Py_ssize_t i0, k_peak, w0 = -1, w1 = -1, cnt = 0
    cdef double pmax = 0, thr, t_fast, ic, strike_at, to, lim, dep
    cdef double rule = RULE_ROTATION_REVERSAL, complete = 1.0
    lb_arr = np.empty((5, n))
    cdef double[:, :] lb = lb_arr
    m = _lobes(t, x, 0.05, lb)
    for k in range(m):
        if lb[2, k] > pmax:
            pmax = lb[2, k]
    thr = max(min_lobe_dps, lobe_fraction * pmax)
    for k in range(m):  # the significant lobe of the largest angle (the first of equals)
        if lb[2, k] >= thr and (swing < 0 or lb[3, k] > lb[3, swing]):
            swing = k
    if swing < 0:
        return False
    if speed.shape[0] == n:  # the significant lobe holding the fastest motion, if any
        kf = 0
        for i in range(1, n):
            if speed[i] > speed[kf]:
                kf = i
        t_fast = t[kf]
        for k in range(m):
            if lb[2, k] >= thr and lb[0, k] <= t_fast and lb[1, k] >= t_fast:
                swing = k
                break
    for k in range(swing + 1, m):
        if lb[2, k] >= thr:
            last_after = k
    ic = lb[0, last_after] if last_after >= 0 else lb[1, swing]
    strike_at = ic
    if last_after < 0:
        rule = RULE_SWING_END
    elif lb[4, last_after] < 0:  # heel drop: toe first
        ic = _toe_first_touchdown(t, x, acc, gyr, vel_foot, lb[0, swing], lb[1, swing],
                                  lb[0, last_after], lb[1, last_after], &rule, &complete)
    to = lb[0, swing]
    for k in range(swing - 1, -1, -1):
        if lb[2, k] >= thr:
            push = k
            break
    if push >= 0 and lb[4, push] != lb[4, swing]:
        if _lobe_peak(t, x, lb[0, push], lb[1, push], &i0, &k_peak):
            if lb[4, push] > 0:  # toes-down push over the toes: release at the peak rate
                to = t[k_peak]
            elif gyr.shape[0] == n and vel_foot.shape[0] == n:
                lim = 0.25 * fabs(x[k_peak])
                for i in range(i0, k_peak + 1):
                    if fabs(x[i]) > lim:
                        if w0 < 0:
                            w0 = i
                        w1 = i
                        cnt += 1
                if cnt >= 3:
                    dep = _pivot_departure(t, gyr, vel_foot, w0, w1 + 1, k_peak,
                                           _PIVOT_MIN_SPEED_M_S, _PIVOT_NOISE_FACTOR,
                                           _PIVOT_MAX_RESIDUAL)
                    if not isnan(dep):
                        to = min(to, dep)
    out[0] = to
    out[1] = ic
    out[2] = lb[3, swing]
    out[3] = strike_at
    out[4] = rule
    out[5] = complete
    return True


def find_contacts(const double[:] t, const double[:] x, double min_lobe_dps,
                  double lobe_fraction, const double[:] speed, const double[:, :] gyr,
                  const double[:, :] vel_foot, const double[:, :] acc):
    """(found, toe-off, initial contact, swing angle, strike_at, landing rule, complete);
    empty arrays: not given."""
    cdef double out[6]
    ok = _find_contacts(t, x, min_lobe_dps, lobe_fraction, speed, gyr, vel_foot, acc, out)
    return ok, out[0], out[1], out[2], out[3], int(out[4]), out[5] > 0.5


def contacts_of_motion(const double[:, :] o, const double[:, :] acc, double min_lobe_dps,
                       double lobe_fraction):
    """find_contacts of an integrated segment (packed table ``o`` of :func:`segment`; speed
    and foot-frame velocity from its rotations and velocities; impact from ``acc``): (found,
    toe-off, initial contact, swing angle, strike_at, time of the fastest motion)."""
    cdef Py_ssize_t n = o.shape[0], i, kf = 0
    cdef int c
    cdef double v0, v1, v2
    cdef double out[6]
    cdef bint ok
    speed_a = np.empty(n)
    vf_a = np.empty((n, 3))
    cdef double[:] speed = speed_a
    cdef double[:, :] vel_foot = vf_a
    for i in range(n):
        v0 = o[i, P_VEL]
        v1 = o[i, P_VEL + 1]
        v2 = o[i, P_VEL + 2]
        speed[i] = sqrt(v0 * v0 + v1 * v1 + v2 * v2)
        if speed[i] > speed[kf]:
            kf = i
        for c in range(3):
            vel_foot[i, c] = (o[i, P_ROT + c] * v0 + o[i, P_ROT + 3 + c] * v1
                              + o[i, P_ROT + 6 + c] * v2)
    if n < 3:
        return False, NAN, NAN, NAN, NAN, 0, True, (o[kf, P_T] if n else NAN)
    ok = _find_contacts(o[:, P_T], o[:, P_GYR + 1], min_lobe_dps, lobe_fraction, speed,
                        o[:, P_GYR:P_GYR + 3], vel_foot, acc, out)
    return ok, out[0], out[1], out[2], out[3], int(out[4]), out[5] > 0.5, o[kf, P_T]


# ================================================================ incremental lobe tracker
# state: n, pending x, pending t, |x| before the pending sample, same sign before it (0/1),
# max |x|, number of stretches, max of the side signal e
cdef enum:
    S_N = 0
    S_XP = 1
    S_TP = 2
    S_AXB = 3
    S_SAMEB = 4
    S_MX = 5
    S_COUNT = 6
    S_EMAX = 7


cdef inline void _tracker_push(double[:] st, double[:, :] tab, double ti,
                              double xi) noexcept nogil:
    """Append one sample (t s, x) to the tracker: state ``st``, stretches ``tab`` rows start,
    touch |x| (-1: always a boundary), peak |x|, angle of the committed samples."""
    cdef Py_ssize_t n = <Py_ssize_t>st[S_N], c = <Py_ssize_t>st[S_COUNT]
    cdef double xp = st[S_XP], tp = st[S_TP], axi = fabs(xi), axp
    cdef bint same
    if axi > st[S_MX]:
        st[S_MX] = axi
    if n == 0:
        tab[0, c] = ti
        tab[1, c] = -1.0
        tab[2, c] = 0
        tab[3, c] = 0
        st[S_COUNT] = c + 1
        st[S_N] = 1
        st[S_XP] = xi
        st[S_TP] = ti
        return
    axp = fabs(xp)
    same = (xi >= 0) == (xp >= 0)
    if n >= 2 and same and st[S_SAMEB] > 0.5 and axp <= st[S_AXB] and axp < axi:
        # the pending sample is a candidate touch: it starts its own stretch
        tab[0, c] = tp
        tab[1, c] = axp
        tab[2, c] = 0
        tab[3, c] = 0
        c += 1
    tab[3, c - 1] += axp * (ti - tp)  # commit the pending sample
    if axp > tab[2, c - 1]:
        tab[2, c - 1] = axp
    if not same:  # zero crossing between the two samples (linear interpolation)
        tab[0, c] = tp + (ti - tp) * (xp / (xp - xi))
        tab[1, c] = -1.0
        tab[2, c] = 0
        tab[3, c] = 0
        c += 1
    st[S_N] = n + 1
    st[S_AXB] = axp
    st[S_SAMEB] = 1.0 if same else 0.0
    st[S_XP] = xi
    st[S_TP] = ti
    st[S_COUNT] = c


def tracker_extend(double[:] st, double[:, :] tab, const double[:] t, const double[:] x):
    cdef Py_ssize_t i
    for i in range(t.shape[0]):
        _tracker_push(st, tab, t[i], x[i])


def tracker_lobes(const double[:] st, const double[:, :] tab, double touch_fraction,
                  double[:] starts, double[:] peaks, double[:] angles):
    """Merge the stretches into lobes at the current touch limit; returns their number."""
    cdef double lim = touch_fraction * st[S_MX], axp
    cdef Py_ssize_t m = 0, k
    for k in range(<Py_ssize_t>st[S_COUNT]):
        if tab[1, k] < lim or m == 0:  # a boundary (crossings and the first carry -1)
            starts[m] = tab[0, k]
            peaks[m] = tab[2, k]
            angles[m] = tab[3, k]
            m += 1
        else:
            if tab[2, k] > peaks[m - 1]:
                peaks[m - 1] = tab[2, k]
            angles[m - 1] += tab[3, k]
    if m > 0:
        axp = fabs(st[S_XP])  # the pending sample belongs to the last stretch (dt 0)
        if axp > peaks[m - 1]:
            peaks[m - 1] = axp
    return m


cdef void _tracker_last_lobe(const double[:] st, const double[:, :] tab, double touch_fraction,
                             double* out) noexcept nogil:
    cdef double lim = touch_fraction * st[S_MX], pk = fabs(st[S_XP])
    cdef Py_ssize_t k
    for k in range(<Py_ssize_t>st[S_COUNT] - 1, -1, -1):
        if tab[2, k] > pk:
            pk = tab[2, k]
        if tab[1, k] < lim or k == 0:
            out[0] = tab[0, k]
            out[1] = pk
            return


def tracker_last_lobe(const double[:] st, const double[:, :] tab, double touch_fraction):
    cdef double out[2]
    _tracker_last_lobe(st, tab, touch_fraction, out)
    return out[0], out[1]


cdef double _tracker_landing_start(const double[:] st, const double[:, :] tab,
                                   double touch_fraction, double min_peak,
                                   double peak_fraction) noexcept nogil:
    """LobeTracker.landing_lobe_start without building the lobe lists (NaN: None)."""
    cdef double lim = touch_fraction * st[S_MX], thr = max(min_peak, peak_fraction * st[S_MX])
    cdef double best = -1, last_start = NAN, s, pk, an, axp
    cdef bint best_is_last = True
    cdef Py_ssize_t count = 0, cnt = <Py_ssize_t>st[S_COUNT], k = 0
    while k < cnt:  # one lobe: a boundary stretch and the touches merged into it
        s = tab[0, k]
        pk = tab[2, k]
        an = tab[3, k]
        k += 1
        while k < cnt and not tab[1, k] < lim:
            if tab[2, k] > pk:
                pk = tab[2, k]
            an += tab[3, k]
            k += 1
        if k == cnt:
            axp = fabs(st[S_XP])
            if axp > pk:
                pk = axp
        if pk >= thr:
            count += 1
            last_start = s
            if an > best:
                best = an
                best_is_last = True
            else:
                best_is_last = False
    if count < 2 or best_is_last:
        return NAN
    return last_start


def tracker_landing_start(const double[:] st, const double[:, :] tab, double touch_fraction,
                          double min_peak, double peak_fraction):
    return _tracker_landing_start(st, tab, touch_fraction, min_peak, peak_fraction)


def tracker_scan(double[:] st, double[:, :] tab, double touch_fraction,
                 const double[:, :] data, Py_ssize_t r_lo, Py_ssize_t r_hi,
                 const double[:] calib, Py_ssize_t first, Py_ssize_t step, double t0,
                 double max_stride_s, double min_swing_peak, double min_lobe,
                 double lobe_fraction, double lookahead_s, double t_fast):
    """LobeTracker.scan_landing over sample-table rows r_lo.. (r_lo = the tracker's next
    sample; pitch rate calibrated by ``calib``, smoothed |gyro| from column E): the first grid
    sample that passes, or -1."""
    cdef Py_ssize_t base = <Py_ssize_t>st[S_N], d = first, j, i
    cdef double ls, thr, tj
    cdef double out[2]
    cdef bint still_open
    while d - base < r_hi - r_lo:
        j = d - base  # the grid sample is table row r_lo + j
        for i in range(<Py_ssize_t>st[S_N] - base, j + 1):  # extend up to the grid sample
            if data[r_lo + i, E] > st[S_EMAX]:
                st[S_EMAX] = data[r_lo + i, E]
            _tracker_push(st, tab, data[r_lo + i, T], _rate(data, r_lo + i, calib, 1))
        tj = data[r_lo + j, T]
        if d >= 4 and tj - t0 <= max_stride_s and st[S_EMAX] >= min_swing_peak:
            ls = _tracker_landing_start(st, tab, touch_fraction, min_lobe, lobe_fraction)
            if not isnan(ls) and tj - ls >= lookahead_s:
                still_open = False
                if not isnan(t_fast) and lookahead_s > 0 and st[S_N] >= 3:
                    _tracker_last_lobe(st, tab, touch_fraction, out)
                    thr = max(min_lobe, lobe_fraction * st[S_MX])
                    still_open = out[1] >= thr and out[0] < t_fast
                if not still_open:
                    return d
        d += step
    return -1


# ================================================================ sensor: searches
def time_index(const double[:, :] data, Py_ssize_t r0, Py_ssize_t r1, double t_target):
    """First table row in [r0, r1) with t >= t_target, or -1 (rows in time order)."""
    cdef Py_ssize_t lo = r0, hi = r1, mid
    if r1 <= r0 or data[r1 - 1, T] < t_target:
        return -1
    while lo < hi:
        mid = (lo + hi) // 2
        if data[mid, T] < t_target:
            lo = mid + 1
        else:
            hi = mid
    return lo


def stillest_row(const double[:, :] data, Py_ssize_t r0, Py_ssize_t r1, double q, double qa):
    """Row in [r0, r1) of the smallest E/q + D/qa (smoothed |gyro| over the stance
    threshold plus smoothed | |acc| - g | over its limit; the first of equals)."""
    cdef Py_ssize_t r, best = r0
    cdef double v, vmin = data[r0, E] / q + data[r0, D] / qa
    for r in range(r0 + 1, r1):
        v = data[r, E] / q + data[r, D] / qa
        if v < vmin:
            vmin = v
            best = r
    return best
