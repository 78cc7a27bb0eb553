"""Type stub of the compiled kernel ``_contacts.pyx`` (see there)."""

import numpy as np
from numpy.typing import NDArray

_F = NDArray[np.float64]

_Consts = dict[str, float]

def lobes_into(t: _F, x: _F, touch_fraction: float, out: _F) -> int: ...
def lstsq_min_norm(a: _F, b: _F, rcond: float) -> _F: ...
def pivot_departure(t: _F, gyr: _F, vel_foot: _F, i0: int, i1: int, search_from: int,
                    min_speed: float, noise_factor: float, max_residual: float) -> float: ...
def find_contacts(t: _F, x: _F, consts: _Consts, speed: _F, gyr: _F, vel_foot: _F, acc: _F
                  ) -> tuple[bool, float, float, float, float, int, bool]: ...
def contacts_of_motion(o: _F, acc: _F, consts: _Consts
                       ) -> tuple[bool, float, float, float, float, int, bool, float]: ...
