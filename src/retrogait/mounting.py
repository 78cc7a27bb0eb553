"""Sensor mounting: which sensor axis points toward the toes and which points up.

Frames
------
* **sensor frame**: the device's own x/y/z axes, as its firmware reports them.
* **foot frame** (right-handed): ``x`` toward the toes (anterior), ``y`` to the
  foot's left, ``z`` up, when the foot stands flat. For a trunk sensor (``chest``,
  ``lower_back``) ``toe_axis`` is the axis pointing forward out of the body and ``up_axis`` the
  one pointing up when standing; the trunk pipeline learns up from the data and uses the
  declared forward axis (or learns it from the first steps). Stride vectors are reported
  in this frame, so a positive ``x`` displacement is a forward stride and a
  negative one a backward stride, whatever way the sensor was strapped on.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

_AXES = {"x": 0, "y": 1, "z": 2}


def _check_axis(value: str) -> str:
    v = value.strip().lower()
    if len(v) == 1:
        v = "+" + v
    if len(v) != 2 or v[0] not in "+-" or v[1] not in _AXES:
        raise ValueError(f"axis must be one of +x,-x,+y,-y,+z,-z, got {value!r}")
    return v


AxisSpec = Annotated[str, AfterValidator(_check_axis)]


def axis_vector(spec: str) -> np.ndarray:
    """Unit vector (sensor frame) of an axis spec such as ``"-y"``."""
    spec = _check_axis(spec)
    v = np.zeros(3)
    v[_AXES[spec[1]]] = 1.0 if spec[0] == "+" else -1.0
    return v


class Mounting(BaseModel):
    """How a sensor sits on the body: sensor axes pointing toward the toes and up."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    toe_axis: AxisSpec
    up_axis: AxisSpec

    @model_validator(mode="after")
    def _orthogonal(self) -> Mounting:
        if self.toe_axis[1] == self.up_axis[1]:
            raise ValueError(
                f"toe_axis {self.toe_axis} and up_axis {self.up_axis} must be different axes"
            )
        return self

    def sensor_to_foot(self) -> np.ndarray:
        """Rotation matrix R (3x3) with ``v_foot = R @ v_sensor`` for the nominal mounting."""
        x = axis_vector(self.toe_axis)
        z = axis_vector(self.up_axis)
        y = np.cross(z, x)
        return np.vstack([x, y, z])
