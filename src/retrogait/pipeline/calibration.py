"""Calibration of one foot sensor from its still periods: the tilt of the nominal foot frame
and the gyro bias.

Contract: :func:`calibrate_still` takes sample-table rows of a still stance (columns of
``_table.pxd``: specific force m/s² and rate deg/s in the nominal foot frame) and returns a new
:class:`Calibration`, or None when the rows are not still enough to learn from. A calibration
is never changed in place, only replaced: the stages that cache work per calibration compare
identities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrogait.pipeline.buffer import AX, AZ, GN, GX, GZ
from retrogait.pipeline.strapdown import FloatArray


@dataclass(frozen=True, eq=False)
class Calibration:
    """``tilt`` (3 × 3): rotation refining the nominal foot frame so that gravity reads on +z
    when the foot is flat; ``bias`` (3,): gyro bias, deg/s, foot frame; ``vec`` (12,): both as
    the one vector the compiled kernels read (tilt row-major, then bias)."""

    tilt: FloatArray = field(default_factory=lambda: np.eye(3))
    bias: FloatArray = field(default_factory=lambda: np.zeros(3))
    vec: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vec", np.concatenate(
            (np.asarray(self.tilt, dtype=np.float64).ravel(),
             np.asarray(self.bias, dtype=np.float64))))


def calibrate_still(rows: FloatArray, still_gyro_dps: float, gravity_m_s2: float,
                    gravity_tolerance: float) -> Calibration | None:
    """Calibration learnt from sample-table ``rows`` of a still stance: None unless their mean
    |gyro| is below ``still_gyro_dps`` (deg/s) and their mean specific force is within
    ``gravity_tolerance`` × ``gravity_m_s2`` of gravity (m/s²); else the tilt taking that mean
    onto +z and the mean rate as the gyro bias (deg/s)."""
    if not rows[:, GN].mean() < still_gyro_dps:
        return None
    acc = rows[:, AX : AZ + 1].mean(axis=0)
    if not abs(np.linalg.norm(acc) - gravity_m_s2) < gravity_tolerance * gravity_m_s2:
        return None
    return Calibration(tilt=_min_rotation(acc / np.linalg.norm(acc), np.array([0, 0, 1.0])),
                       bias=rows[:, GX : GZ + 1].mean(axis=0))


def _min_rotation(a: FloatArray, b: FloatArray) -> FloatArray:
    """Smallest rotation matrix taking unit vector ``a`` onto unit vector ``b`` (Rodrigues)."""
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    s2 = float(np.dot(v, v))
    if s2 < 1e-18:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx * ((1 - c) / s2)
