# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernel of the sample table and the stance search (:mod:`.stance`): per-sample
features written straight into the table, and the searches over it (first quiet / not quiet
row, time index, stillest row). Table layout: ``_table.pxd``; units: s, m/s², deg/s.
"""

from libc.math cimport fabs, sqrt

from retrogait.pipeline._table cimport AD, AX, AY, AZ, D, E, GN, GX, GY, GZ, T


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