"""Type stub of the compiled kernel ``_contacts.pyx`` (see there)."""

import numpy as np
from numpy.typing import NDArray

_F = NDArray[np.float64]

STANDARD_GRAVITY: float
IMPACT_LEVEL: float
LANDING_REACH_S: float
PIVOT_MIN_SPEED_M_S: float
PIVOT_NOISE_FACTOR: float
PIVOT_MAX_RESIDUAL: float
IMPACT_MIN_JERK: float
IMPACT_JERK_FACTOR: float
IMPACT_RISE_S: float
IMPACT_MAX_DT_S: float
ROCKER_FIT_FRACTION: float
ROCKER_FIT_MAX_S: float
ROCKER_MAX_RESIDUAL: float

def lobes_into(t: _F, x: _F, touch_fraction: float, out: _F) -> int: ...
def lstsq_min_norm(a: _F, b: _F, rcond: float) -> _F: ...
def pivot_departure(t: _F, gyr: _F, vel_foot: _F, i0: int, i1: int, search_from: int,
                    min_speed: float, noise_factor: float, max_residual: float) -> float: ...
def find_contacts(t: _F, x: _F, min_lobe_dps: float, lobe_fraction: float, speed: _F, gyr: _F,
                  vel_foot: _F, acc: _F
                  ) -> tuple[bool, float, float, float, float, int, bool]: ...
def contacts_of_motion(o: _F, acc: _F, min_lobe_dps: float, lobe_fraction: float
                       ) -> tuple[bool, float, float, float, float, int, bool, float]: ...
