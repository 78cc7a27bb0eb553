# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernel of the early-landing pre-check (:mod:`.early`): the incremental lobe
tracker (:class:`.early.LobeTracker`) and its scan over the grid samples of a swing. The
tracker must see exactly the pitch rate the full check integrates (``calibrated_rate`` of
``_table.pxd``, the same compiled expression; floating-point contraction off, ``setup.py``).
"""

from libc.math cimport fabs, isnan, NAN

from retrogait.pipeline._table cimport E, T, calibrated_rate

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
            _tracker_push(st, tab, data[r_lo + i, T], calibrated_rate(data, r_lo + i, calib, 1))
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

