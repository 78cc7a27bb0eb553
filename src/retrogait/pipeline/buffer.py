"""Bounded sample buffer for one sensor: contiguous NumPy views by absolute sample index.

Storage is a linear array twice the capacity; when it fills, the newest ``capacity`` samples are
moved to the front (amortised O(1) per sample), so any window of up to ``capacity`` recent
samples is one contiguous slice and memory never grows with the recording length.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from retrogait.pipeline._table import AD, AX, AY, AZ, GN, GX, GY, GZ, NCOL, D, E, T

FloatArray = NDArray[np.float64]

__all__ = ["AD", "AX", "AY", "AZ", "GN", "GX", "GY", "GZ", "NCOL", "D", "E", "SampleBuffer", "T"]


class SampleBuffer:
    """Rows of (t s, acc xyz m/s², gyr xyz deg/s, |gyr| deg/s, ||acc| − g| m/s², smoothed
    |gyr| deg/s, smoothed ||acc| − g| m/s²); column numbers from ``_table.pxd``."""

    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        self.data = np.zeros((2 * self.capacity, NCOL))
        self.base = 0  # absolute index of row 0
        self.size = 0  # rows in use

    @property
    def end(self) -> int:
        """Absolute index one past the newest sample."""
        return self.base + self.size

    @property
    def start(self) -> int:
        """Absolute index of the oldest sample still held."""
        return self.base

    def append(self, rows: FloatArray) -> int:
        """Append rows (n ≤ capacity); returns the absolute index of the first new row."""
        n = rows.shape[0]
        first = self.extend(n)
        self.data[self.size - n : self.size] = rows
        return first

    def extend(self, n: int) -> int:
        """Add ``n`` (≤ capacity) rows to be filled in place through :meth:`view`, without a
        temporary table; returns the absolute index of the first new row."""
        if n > self.capacity:
            raise ValueError("block larger than the buffer capacity")
        if self.size + n > self.data.shape[0]:
            keep = self.capacity - n
            self.data[:keep] = self.data[self.size - keep : self.size]
            self.base += self.size - keep
            self.size = keep
        first = self.end
        self.size += n
        return first

    def time(self, i: int) -> float:
        """Time (s) of the sample with absolute index ``i`` (not checked)."""
        return float(self.data[i - self.base, T])

    def rows(self, i0: int, i1: int) -> tuple[int, int]:
        """Positions in :attr:`data` of the rows with absolute indices [i0, i1), checked
        (the compiled loops index :attr:`data` directly and do not check bounds)."""
        if i0 < self.base or i1 > self.end or i0 > i1:
            raise IndexError(f"rows [{i0}, {i1}) not held (buffer holds [{self.base}, {self.end}))")
        return i0 - self.base, i1 - self.base

    def view(self, i0: int, i1: int) -> FloatArray:
        """Rows with absolute indices [i0, i1) as a view (valid until the next append)."""
        r0, r1 = self.rows(i0, i1)
        return self.data[r0:r1]

    def col(self, c: int, i0: int, i1: int) -> FloatArray:
        return self.view(i0, i1)[:, c]
