"""Strapdown integration of one foot segment between two zero-velocity anchors.

Frames: the input is in the **foot frame** (x toes, y left, z up when flat; see
:mod:`retrogait.mounting`). The output is in a **stride world frame**: z up (gravity), x the
horizontal projection of the foot's toe axis at the opening anchor, y = z × x. Quaternions are
``[w, x, y, z]`` and rotate foot-frame vectors into that world frame.

Orientation is integrated exactly (per-sample rotation increments composed in order). Velocity
is the integral of the gravity-free world acceleration; the zero-velocity update is the
simplest honest one: the velocity must be zero at both anchors, so its end value is removed
linearly over the segment (de-drifting), then integrated to position. The per-sample loops are
compiled (``_strapdown.pyx``, Cython): every stride is integrated two or three times, and small
NumPy calls cost more than the arithmetic of a 200-sample segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.pipeline import _strapdown
from retrogait.pipeline._table import P_PITCH, P_POS, P_ROT, P_VEL

FloatArray = NDArray[np.float64]

__all__ = ["STANDARD_GRAVITY", "FloatArray", "SegmentMotion", "attitude_from_gravity",
           "integrate_orientation", "integrate_segment"]


def attitude_from_gravity(f_up: FloatArray) -> FloatArray:
    """Quaternion (foot → world) from a measured specific force (reads +g up at rest).

    World z = the measured up direction; world x = horizontal projection of the foot's x axis
    (the heading is defined by the toes, not measured).
    """
    q = np.empty(4)
    _strapdown.attitude_from_gravity_into(float(f_up[0]), float(f_up[1]), float(f_up[2]), q)
    return q


def integrate_orientation(t: FloatArray, gyr_dps: FloatArray, q0: FloatArray) -> FloatArray:
    """(n, 3, 3) foot → world rotations at each sample, starting from ``q0`` at ``t[0]``.

    gyr in deg/s, foot frame; increments use the mean rate of consecutive samples (trapezoid).
    """
    rot9 = _strapdown.orientation(np.asarray(t, dtype=np.float64),
                              np.asarray(gyr_dps, dtype=np.float64),
                              np.asarray(q0, dtype=np.float64))
    return rot9.reshape(-1, 3, 3)


@dataclass(frozen=True, slots=True)
class SegmentMotion:
    """Result of integrating one anchor-to-anchor segment (stride world frame, see module doc).

    rot: (n, 3, 3) foot → world; vel: (n, 3) m/s after de-drifting; pos: (n, 3) m from the
    opening anchor; pitch_deg: (n,) toe-up pitch of the foot's x axis, deg; end_heading_rad:
    yaw of the toe axis at the closing anchor relative to the opening one; drift_m_s: the
    velocity removed at the closing anchor (integration error indicator), m/s. ``table``
    (n, 20) holds them all, packed as the compiled kernel writes it (columns ``P_*`` of
    ``_table.pxd``: t s, calibrated gyro deg/s ×3, rot row-major ×9, vel ×3, pos ×3, pitch);
    the arrays are views of it.
    """

    rot: FloatArray
    vel: FloatArray
    pos: FloatArray
    pitch_deg: FloatArray
    end_heading_rad: float
    drift_m_s: float
    table: FloatArray

    @classmethod
    def from_table(cls, table: FloatArray, heading_rad: float, drift_m_s: float
                   ) -> SegmentMotion:
        return cls(rot=table[:, P_ROT : P_ROT + 9].reshape(-1, 3, 3),
                   vel=table[:, P_VEL : P_VEL + 3], pos=table[:, P_POS : P_POS + 3],
                   pitch_deg=table[:, P_PITCH], end_heading_rad=heading_rad,
                   drift_m_s=drift_m_s, table=table)


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
    table, heading, drift = _strapdown.segment(
        np.asarray(t, dtype=np.float64), np.asarray(acc, dtype=np.float64),
        np.asarray(gyr_dps, dtype=np.float64), np.asarray(q0, dtype=np.float64),
        float(gravity), bool(zupt_end))
    return SegmentMotion.from_table(table, heading, drift)
