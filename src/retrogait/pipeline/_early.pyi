"""Type stub of the compiled kernel ``_early.pyx`` (see there)."""

import numpy as np
from numpy.typing import NDArray

_F = NDArray[np.float64]

def tracker_extend(st: _F, tab: _F, t: _F, x: _F) -> None: ...
def tracker_lobes(st: _F, tab: _F, touch_fraction: float, starts: _F, peaks: _F,
                  angles: _F) -> int: ...
def tracker_last_lobe(st: _F, tab: _F, touch_fraction: float) -> tuple[float, float]: ...
def tracker_landing_start(st: _F, tab: _F, touch_fraction: float, min_peak: float,
                          peak_fraction: float) -> float: ...
def tracker_scan(st: _F, tab: _F, touch_fraction: float, data: _F, r_lo: int, r_hi: int,
                 calib: _F, first: int, step: int, t0: float, max_stride_s: float,
                 min_swing_peak: float, min_lobe: float, lobe_fraction: float,
                 lookahead_s: float, t_fast: float) -> int: ...
