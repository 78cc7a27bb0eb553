"""The sample table and the packed segment table: column layouts and inline helpers shared
by the compiled kernels (``_stance``, ``_strapdown``, ``_contacts``, ``_early``).

This file is the one home of both layouts; ``_table.pyx`` exports the column numbers to
Python (:mod:`.buffer` and :class:`.strapdown.SegmentMotion` read them from there).
"""

from libc.math cimport M_PI

# ---------------------------------------------------------------- sample table (SampleBuffer)
# one row per sample: t s; specific force x, y, z (m/s², nominal foot frame); rate x, y, z
# (deg/s, nominal foot frame); |gyr| (deg/s); | |acc| - g | (m/s²); their causal moving
# averages over smooth_s (the raw magnitudes and their smoothed values are adjacent, so both
# are smoothed with the same slice operations)
cpdef enum:
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
    NCOL = 11

# ---------------------------------------------------------------- packed segment table
# one row per sample of an integrated segment: t s; calibrated rate x, y, z (deg/s, foot
# frame); rotation foot -> world (3 x 3 row-major); velocity x, y, z (m/s, stride world
# frame); position x, y, z (m, from the opening anchor); pitch of the toe axis (deg)
cpdef enum:
    P_T = 0
    P_GYR = 1
    P_ROT = 4
    P_VEL = 13
    P_POS = 16
    P_PITCH = 19
    P_NCOL = 20


cdef inline double deg2rad() noexcept nogil:
    """Radians per degree."""
    return M_PI / 180.0


cdef inline double calibrated_rate(const double[:, :] data, Py_ssize_t i, const double[:] calib,
                                   int r) noexcept nogil:
    """Calibrated rate about foot axis r (deg/s) of sample-table row i: (gyr - bias) rotated
    by the tilt, products summed in a fixed order. ``calib`` = tilt (3 x 3 row-major), gyro
    bias (3, deg/s, foot frame)."""
    return ((data[i, GX] - calib[9]) * calib[3 * r] + (data[i, GY] - calib[10]) * calib[3 * r + 1]
            + (data[i, GZ] - calib[11]) * calib[3 * r + 2])
