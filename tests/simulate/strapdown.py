"""A plain strapdown integrator for the tests (independent of the pipeline's own)."""

from __future__ import annotations

import numpy as np

from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.simulate.imu import small_rotation


def integrate(
    t: np.ndarray, acc: np.ndarray, gyr_dps: np.ndarray, R0: np.ndarray
) -> np.ndarray:
    """Positions (n, 3) in the world frame from sensor-frame specific force (m/s²) and rate
    (deg/s), starting at rest at the origin with sensor->world orientation ``R0``.

    Orientation: exponential map of the trapezoid-averaged rate per interval. Velocity and
    position: trapezoid rule on the world-frame acceleration.
    """
    n = len(t)
    w = np.radians(gyr_dps)
    R = np.empty((n, 3, 3))
    R[0] = R0
    for k in range(1, n):
        dt = t[k] - t[k - 1]
        R[k] = R[k - 1] @ small_rotation(0.5 * (w[k - 1] + w[k]) * dt)
    a = np.einsum("nij,nj->ni", R, acc) - np.array([0.0, 0.0, STANDARD_GRAVITY])
    dt = np.diff(t)[:, None]
    v = np.vstack([np.zeros(3), np.cumsum(0.5 * (a[1:] + a[:-1]) * dt, axis=0)])
    p = np.vstack([np.zeros(3), np.cumsum(0.5 * (v[1:] + v[:-1]) * dt, axis=0)])
    return p
