# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernel of :mod:`.contacts`: lobes, the rocker's pivot fit and departure, the
toe-first touchdown rules and the contact search of a segment (contracts and physics in
:mod:`.contacts`; built with floating-point contraction off, see ``setup.py``).

Units: s, m/s², deg/s, m; rates and velocities in the foot frame.

Why one file of ~480 lines: the lobe split, the pivot fit (with its own minimum-norm least
squares of three unknowns, a Jacobi SVD: no LAPACK call per stride) and the touchdown rules are
``cdef`` helpers of one search, called in its inner loops; kept in one translation unit they
inline and need no exported C API between modules.
"""

from libc.float cimport DBL_EPSILON
from libc.math cimport fabs, isnan, sqrt, NAN

import numpy as np

from retrogait.pipeline._table cimport P_GYR, P_ROT, P_T, P_VEL, deg2rad


# the parameters of the contact search (their one home, with units and what each was chosen
# on: retrogait.pipeline.params.ContactParams, whose fields these are; gravity_m_s2 is the
# pipeline's)
cdef struct Consts:
    double min_lobe_dps
    double lobe_fraction
    double touch_fraction
    double gravity_m_s2
    double push_fit_fraction
    double impact_level
    double impact_min_jerk
    double impact_jerk_factor
    double impact_rise_s
    double impact_max_dt_s
    double impact_peak_factor
    double rocker_fit_fraction
    double rocker_fit_max_s
    double rocker_max_residual
    double pivot_min_speed_m_s
    double pivot_noise_factor
    double pivot_max_residual


# which rule decided a landing (contacts.LANDING_RULES holds the names, same order)
cdef enum:
    RULE_ROTATION_REVERSAL = 0
    RULE_IMPACT = 1
    RULE_CONTACT_POINT = 2
    RULE_ROTATION_ONSET = 3
    RULE_SWING_END = 4



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
                if fabs(gamma) <= DBL_EPSILON * sqrt(alpha * beta) or gamma == 0:
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
    cdef double o0 = gyr[k, 0] * deg2rad(), o1 = gyr[k, 1] * deg2rad(), o2 = gyr[k, 2] * deg2rad()
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
        o0 = gyr[i0 + k, 0] * deg2rad()
        o1 = gyr[i0 + k, 1] * deg2rad()
        o2 = gyr[i0 + k, 2] * deg2rad()
        a[3 * k, 1] = -o2
        a[3 * k, 2] = o1
        a[3 * k + 1, 0] = o2
        a[3 * k + 1, 2] = -o0
        a[3 * k + 2, 0] = -o1
        a[3 * k + 2, 1] = o0
        b[3 * k] = -vel_foot[i0 + k, 0]
        b[3 * k + 1] = -vel_foot[i0 + k, 1]
        b[3 * k + 2] = -vel_foot[i0 + k, 2]
    _lstsq3(a, b, DBL_EPSILON * (3 * m), r)
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


cdef inline double _acc_dev(const double[:, :] acc, Py_ssize_t i, double g) noexcept nogil:
    return fabs(sqrt(acc[i, 0] * acc[i, 0] + acc[i, 1] * acc[i, 1] + acc[i, 2] * acc[i, 2])
                - g)


cdef inline double _acc_change(const double[:, :] acc, Py_ssize_t j,
                              Py_ssize_t i) noexcept nogil:
    """|a_j - a_i|: the specific-force change from sample i to sample j, m/s²."""
    cdef double d0 = acc[j, 0] - acc[i, 0], d1 = acc[j, 1] - acc[i, 1], d2 = acc[j, 2] - acc[i, 2]
    return sqrt(d0 * d0 + d1 * d1 + d2 * d2)


cdef double _impact_onset(const double[:] t, const double[:, :] acc, Py_ssize_t k,
                          const Consts* c) noexcept:
    """Onset (s) of the impact whose first jump above the swing's level is into sample k: the
    time the rise into the impact's peak of | |acc| - g | (within impact_rise_s after k)
    crosses impact_level x that peak, interpolated between samples and searched back at most
    to impact_rise_s before k (a soft shoe spreads the rise over several samples)."""
    cdef Py_ssize_t n = t.shape[0], j, jp = k, lo
    cdef double half, f_prev, g = c.gravity_m_s2
    while jp + 1 < n and t[jp + 1] - t[k] <= c.impact_rise_s:
        jp += 1
    j = k
    for jp in range(k, jp + 1):
        if _acc_dev(acc, jp, g) > _acc_dev(acc, j, g):
            j = jp
    half = c.impact_level * _acc_dev(acc, j, g)
    lo = k - 1
    while lo > 0 and t[k] - t[lo - 1] <= c.impact_rise_s:
        lo -= 1
    while j > lo and _acc_dev(acc, j - 1, g) >= half:
        j -= 1
    if j == lo:
        return t[lo]
    f_prev = _acc_dev(acc, j - 1, g)
    return t[j - 1] + (t[j] - t[j - 1]) * (half - f_prev) / (_acc_dev(acc, j, g) - f_prev)


cdef double _impact_search(const double[:] t, const double[:, :] acc, Py_ssize_t a,
                           Py_ssize_t b, Py_ssize_t ks, Py_ssize_t kend, double t_rest,
                           const Consts* c, double* complete) noexcept:
    """Onset (s) of the touchdown impact, or NaN, searched after sample ``ks`` up to sample
    ``kend``; samples a..b are the free swing (the swing lobe). The impact is the first
    specific-force jump |a_k - a_(k-1)| / dt above max(impact_min_jerk, impact_jerk_factor x
    the free swing's largest jump) that stops the foot: within impact_rise_s from k, the specific force moves away from its value before
    the jump by more than impact_peak_factor x the free foot's own acceleration there
    (| |a| - g | at k - 1: a touchdown decelerates the foot within the impact's duration), and
    the point the foot rocks about after the touchdown is at rest from the transient's end on
    (``t_rest``: when it came to rest, s; NaN: not known): a jerk of the free foot (a
    late-swing rotation starting) leaves it moving. Only when samples are at most
    impact_max_dt_s apart (an impact rising over 5-40 ms falls between the samples of a
    <= 60 Hz sensor); ``complete`` gets 0 when a candidate's transient runs past the last
    sample (a later sample could still make it pass)."""
    cdef Py_ssize_t n = t.shape[0], k, j
    cdef double jsw = 0, thr, pk
    if acc.shape[0] != n or n < 2 or (t[n - 1] - t[0]) / (n - 1) > c.impact_max_dt_s:
        return NAN
    for k in range(max(a, 1), min(b + 1, n)):
        jsw = max(jsw, _jerk(t, acc, k))
    thr = max(c.impact_min_jerk, c.impact_jerk_factor * jsw)
    for k in range(max(ks + 1, 1), min(kend + 1, n)):
        if _jerk(t, acc, k) > thr and not t[k] + c.impact_rise_s < t_rest:
            pk = 0
            j = k
            while j < n and t[j] - t[k] <= c.impact_rise_s:
                pk = max(pk, _acc_change(acc, j, k - 1))
                j += 1
            if j >= n:  # the transient may still grow
                complete[0] = 0.0
            if pk > c.impact_peak_factor * _acc_dev(acc, k - 1, c.gravity_m_s2):
                return _impact_onset(t, acc, k, c)
    return NAN


cdef double _toe_first_touchdown(const double[:] t, const double[:] x, const double[:, :] acc,
                                 const double[:, :] gyr, const double[:, :] vel_foot,
                                 double swing0, double swing1, double lobe0, double lobe1,
                                 const Consts* c, double* rule, double* complete) noexcept:
    """contacts.touchdown: the touchdown of a toe-first landing whose heel-drop lobe of x spans
    lobe0..lobe1 after the swing lobe swing0..swing1 (see contacts.find_contacts); ``rule``
    gets the deciding rule, ``complete`` 0 when a later sample could still change the result
    (the rocker has not yet slowed after its fastest rotation, or an impact candidate's
    transient runs past the data)."""
    cdef Py_ssize_t n = t.shape[0], k, k_peak, i0, i1, ks, f1, kend
    cdef double thr, rms, speed, prev, lim, ic, t_cp
    cdef double r[3]
    complete[0] = 1.0
    if not _lobe_peak(t, x, lobe0, lobe1, &i0, &k_peak):
        rule[0] = RULE_ROTATION_ONSET
        return lobe0
    lim = c.rocker_fit_fraction * fabs(x[k_peak])
    f1 = k_peak
    while f1 < n and fabs(x[f1]) >= lim and x[f1] * x[k_peak] > 0 and (
            t[f1] - t[k_peak] <= c.rocker_fit_max_s):
        f1 += 1
    if f1 >= n:
        complete[0] = 0.0
    if k_peak + 2 >= n:  # the rate may still be rising
        complete[0] = 0.0
    # the contact point: the rocker's pivot (fitted while the foot rolls on it after its
    # fastest heel drop: the toe is down by then) came to rest where its speed, going
    # back in time, last exceeds max(pivot_min_speed_m_s, pivot_noise_factor x fit rms)
    t_cp = NAN
    if gyr.shape[0] == n and vel_foot.shape[0] == n and _pivot_fit(
            gyr, vel_foot, k_peak, f1, c.rocker_max_residual, r, &rms):
        thr = max(c.pivot_min_speed_m_s, c.pivot_noise_factor * rms)
        t_cp = lobe0
        prev = sqrt(_point_speed2(gyr, vel_foot, k_peak, r))
        for k in range(k_peak - 1, i0 - 2, -1):
            if k < 0:
                break
            speed = sqrt(_point_speed2(gyr, vel_foot, k, r))
            if speed > thr:  # moving at k, at rest at k + 1: arrival between them
                t_cp = max(lobe0, t[k] + (t[k + 1] - t[k]) * (speed - thr) / (speed - prev))
                break
            prev = speed
    # 1. impact, searched from the interval holding the heel-drop start (or the swing's fastest
    # rotation, if later) up to the fastest heel drop (the toe is down by then; a later
    # impact is the heel arriving); the free swing's jumps are those of the swing lobe
    kend = k_peak + 1
    if kend >= n:
        complete[0] = 0.0
        kend = n - 1
    if _lobe_peak(t, x, swing0, swing1, &i1, &ks):
        ic = _impact_search(t, acc, i1, _searchsorted(t, swing1, True) - 1, max(i0 - 1, ks),
                            kend, t_cp, c, complete)
        if not isnan(ic):
            rule[0] = RULE_IMPACT
            return ic
    # 2. no impact: the contact point
    if not isnan(t_cp):
        rule[0] = RULE_CONTACT_POINT
        return t_cp
    # 3. neither: the heel-drop onset
    rule[0] = RULE_ROTATION_ONSET
    return lobe0


cdef bint _find_contacts(const double[:] t, const double[:] x, const Consts* c,
                         const double[:] speed, const double[:, :] gyr,
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
    m = _lobes(t, x, c.touch_fraction, lb)
    for k in range(m):
        if lb[2, k] > pmax:
            pmax = lb[2, k]
    thr = max(c.min_lobe_dps, c.lobe_fraction * pmax)
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
        # nothing follows the swing lobe: an impact up to the stance still marks the touchdown
        if _lobe_peak(t, x, lb[0, swing], lb[1, swing], &i0, &k_peak):
            dep = _impact_search(t, acc, i0, k_peak, k_peak, n - 1, NAN, c, &complete)
            if not isnan(dep):
                ic = dep
                rule = RULE_IMPACT
    elif lb[4, last_after] < 0:  # heel drop: toe first
        ic = _toe_first_touchdown(t, x, acc, gyr, vel_foot, lb[0, swing], lb[1, swing],
                                  lb[0, last_after], lb[1, last_after], c, &rule, &complete)
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
                lim = c.push_fit_fraction * fabs(x[k_peak])
                for i in range(i0, k_peak + 1):
                    if fabs(x[i]) > lim:
                        if w0 < 0:
                            w0 = i
                        w1 = i
                        cnt += 1
                if cnt >= 3:
                    dep = _pivot_departure(t, gyr, vel_foot, w0, w1 + 1, k_peak,
                                           c.pivot_min_speed_m_s, c.pivot_noise_factor,
                                           c.pivot_max_residual)
                    if not isnan(dep):
                        to = min(to, dep)
    out[0] = to
    out[1] = ic
    out[2] = lb[3, swing]
    out[3] = strike_at
    out[4] = rule
    out[5] = complete
    return True


def find_contacts(const double[:] t, const double[:] x, Consts consts,
                  const double[:] speed, const double[:, :] gyr,
                  const double[:, :] vel_foot, const double[:, :] acc):
    """(found, toe-off, initial contact, swing angle, strike_at, landing rule, complete);
    empty arrays: not given."""
    cdef double out[6]
    ok = _find_contacts(t, x, &consts, speed, gyr, vel_foot, acc, out)
    return ok, out[0], out[1], out[2], out[3], int(out[4]), out[5] > 0.5


def contacts_of_motion(const double[:, :] o, const double[:, :] acc, Consts consts):
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
    ok = _find_contacts(o[:, P_T], o[:, P_GYR + 1], &consts, speed,
                        o[:, P_GYR:P_GYR + 3], vel_foot, acc, out)
    return ok, out[0], out[1], out[2], out[3], int(out[4]), out[5] > 0.5, o[kf, P_T]
