"""Sample features and the stance search over the sample table (compiled kernel
``_stance.pyx``).

Contract: :meth:`StanceSearch.append` rotates samples (t s, specific force m/s², rate deg/s,
sensor frame) into the nominal foot frame and writes them with their features (|gyro| deg/s,
| |acc| − g | m/s², and both smoothed causally over ``smooth_s``) into the
:class:`~.buffer.SampleBuffer`. The searches take and return absolute sample indices. The foot
is *quiet* (stance) when smoothed |gyro| < ``Q`` and smoothed | |acc| − g | <
``quiet_acc_m_s2``; ``Q`` = ``quiet_fraction`` × the median swing peak of the last strides,
clipped to [``quiet_min_dps``, ``quiet_max_dps``] (why: ``docs/pipeline.md``, Stages).
"""

from __future__ import annotations

import statistics
from collections import deque

import numpy as np

from retrogait.pipeline import _stance
from retrogait.pipeline.buffer import SampleBuffer
from retrogait.pipeline.params import StanceParams
from retrogait.pipeline.strapdown import FloatArray


class StanceSearch:
    """Features and searches of one sensor's sample table, and its stance threshold ``q``."""

    def __init__(self, buf: SampleBuffer, r_nominal: FloatArray, n_smooth: int,
                 gravity_m_s2: float, params: StanceParams) -> None:
        self.buf = buf
        self.params = params
        self._r_nominal = r_nominal
        self._n_smooth = n_smooth
        self._gravity = gravity_m_s2
        self._peaks: deque[float] = deque([params.initial_swing_peak_dps],
                                          maxlen=params.swing_peaks)
        self.q = self._threshold()

    def learn_swing_peak(self, peak_dps: float) -> None:
        """A real stride's largest smoothed |gyro| (deg/s): updates ``q``."""
        self._peaks.append(peak_dps)
        self.q = self._threshold()

    def _threshold(self) -> float:
        p = self.params
        peak = statistics.median(self._peaks)  # (of a few floats: no NumPy call)
        return min(max(p.quiet_fraction * peak, p.quiet_min_dps), p.quiet_max_dps)

    def append(self, t: FloatArray, acc: FloatArray, gyr: FloatArray) -> None:
        """Write samples and their features straight into the table (one compiled call
        whatever the block size, so any block size gives the same bits)."""
        n = t.shape[0]
        buf = self.buf
        first = buf.extend(n)
        lo = max(buf.start, first - self._n_smooth + 1)
        _stance.append_rows(buf.data, first - buf.base, lo - buf.base,
                            np.asarray(t, dtype=np.float64), np.asarray(acc, dtype=np.float64),
                            np.asarray(gyr, dtype=np.float64), self._r_nominal,
                            self._gravity, self._n_smooth)

    def time_index(self, t_target: float, i0: int, i1: int) -> int | None:
        """First absolute index in [i0, i1) with t >= t_target (s), or None."""
        if i1 <= i0:
            return None
        buf = self.buf
        k = _stance.time_index(buf.data, *buf.rows(i0, i1), t_target)
        return None if k < 0 else k + buf.base

    def stillest(self, i0: int, i1: int) -> int:
        """Absolute index in [i0, i1) (not empty) where the foot is stillest: smallest
        smoothed |gyro| / Q + smoothed | |acc| − g | / quiet_acc_m_s2."""
        if i1 <= i0:
            raise IndexError(f"no rows in [{i0}, {i1})")
        buf = self.buf
        return buf.base + _stance.stillest_row(buf.data, *buf.rows(i0, i1), self.q,
                                               self.params.quiet_acc_m_s2)

    def first(self, below: bool, thr: float, i0: int, i1: int) -> int | None:
        """First absolute index in [i0, i1) where the foot becomes quiet (``below``: smoothed
        |gyro| < thr deg/s and smoothed | |acc| − g | < quiet_acc_m_s2) or stops being quiet
        (|gyro| > thr or | |acc| − g | > quiet_acc_m_s2 × quiet_exit_factor), or None."""
        p = self.params
        buf = self.buf
        r0, r1 = buf.rows(i0, i1)
        if below:
            k = _stance.first_row(buf.data, r0, r1, True, thr, p.quiet_acc_m_s2)
        else:
            k = _stance.first_row(buf.data, r0, r1, False, thr,
                                  p.quiet_acc_m_s2 * p.quiet_exit_factor)
        return None if k < 0 else k + buf.base
