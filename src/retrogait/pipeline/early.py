"""The early-landing pre-check's pitch-rate lobes, kept up to date sample by sample
(compiled kernel ``_early.pyx``).

The full early-landing check (``SensorPipeline._early_check``) integrates the swing; this
pre-check finds, in one compiled scan, the grid samples worth that check: the calibrated pitch
rate since the opening anchor (deg/s, foot y axis) split into lobes as :func:`.contacts.lobes`
does, and the thresholds of :func:`.contacts.find_contacts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from retrogait.pipeline import _early
from retrogait.pipeline.contacts import FloatArray


@dataclass(frozen=True, slots=True)
class EarlyScan:
    """Thresholds of the early-landing pre-check (:meth:`LobeTracker.scan_landing`)."""

    max_stride_s: float
    min_swing_peak_dps: float
    min_lobe_dps: float
    lobe_fraction: float
    lookahead_s: float


class LobeTracker:
    """:func:`.contacts.lobes` of a growing signal, kept up to date sample by sample.

    The early-landing pre-check asks, every few samples of a swing, for the lobes of the pitch
    rate since the opening anchor; recomputing :func:`.contacts.lobes` each time costs ~25
    NumPy calls for a few new samples. This keeps what never changes once seen — zero
    crossings and the *candidate* touch points (interior minima of |x| with the same sign on
    both sides), with the peak |x| and the ∫|x| dt of the stretches between them — and merges
    the stretches into lobes at the current touch limit (``touch_fraction`` × max |x|, which
    only grows: touches are only ever added). Starts and peaks equal those of
    :func:`.contacts.lobes` exactly; angles are the same products summed in sample order
    (equal up to rounding).

    The state lives in NumPy arrays worked on by compiled kernel (``_early.pyx``), so that
    :meth:`scan_landing` can run the whole early-landing pre-check over many grid samples of a
    big offline block in one call.
    """

    __slots__ = ("_state", "_tab", "_touch_fraction")

    def __init__(self, touch_fraction: float = 0.05, capacity: int = 64) -> None:
        self._touch_fraction = touch_fraction
        # n, pending x, pending t, |x| before the pending sample, same sign before it (0/1),
        # max |x|, number of stretches, max of the side signal of scan_landing
        self._state = np.zeros(8)
        # stretches between candidate boundaries (columns): start s, touch |x| (-1: always a
        # boundary), peak |x| and ∫|x| dt of the committed samples
        self._tab = np.empty((4, capacity))

    @property
    def n(self) -> int:
        """Samples seen."""
        return int(self._state[0])

    @property
    def max_abs(self) -> float:
        """Largest |x| so far."""
        return float(self._state[5])

    def _reserve(self, new_samples: int) -> None:
        need = int(self._state[6]) + 2 * new_samples + 1  # ≤ 2 stretches per sample
        cap = self._tab.shape[1]
        if need > cap:
            tab = np.empty((4, max(need, 2 * cap)))
            tab[:, :cap] = self._tab
            self._tab = tab

    def extend(self, t: FloatArray, x: FloatArray) -> None:
        """Append samples: times (s) and values (any unit)."""
        t = np.asarray(t, dtype=np.float64)
        self._reserve(t.shape[0])
        _early.tracker_extend(self._state, self._tab, t, np.asarray(x, dtype=np.float64))

    def lobes(self) -> tuple[list[float], list[float], list[float]]:
        """Lobe starts (s), peaks and angles of the samples so far (as :func:`.contacts.lobes`)."""
        cnt = int(self._state[6])
        out = np.empty((3, cnt))
        m = _early.tracker_lobes(self._state, self._tab, self._touch_fraction, out[0], out[1],
                                 out[2])
        return out[0, :m].tolist(), out[1, :m].tolist(), out[2, :m].tolist()

    def last_lobe(self) -> tuple[float, float]:
        """Start (s) and peak of the last lobe (as :func:`.contacts.lobes`); needs a sample."""
        if self.n == 0:
            raise ValueError("no samples")
        start, peak = _early.tracker_last_lobe(self._state, self._tab, self._touch_fraction)
        return float(start), float(peak)

    def landing_lobe_start(self, min_peak: float, peak_fraction: float) -> float | None:
        """Start (s) of the last significant lobe when it comes after the significant lobe of
        the largest angle (the swing), else None; significant: peak ≥ ``max(min_peak,
        peak_fraction × max |x|)``, as in :func:`.contacts.find_contacts`."""
        v = _early.tracker_landing_start(self._state, self._tab, self._touch_fraction,
                                         min_peak, peak_fraction)
        return None if math.isnan(v) else float(v)

    def scan_landing(self, table: FloatArray, row: int, end: int, calib: FloatArray,
                     first: int, step: int, t0: float, params: EarlyScan, t_fast: float
                     ) -> int:
        """The early-landing pre-check at the grid samples ``first``, ``first + step``, … (sample
        numbers from the opening anchor at ``t0`` s) over the pipeline's sample-table rows
        ``row``..``end - 1`` (``row`` holding the tracker's next sample, :attr:`n`): the
        signal is the calibrated pitch rate (deg/s; ``calib`` = tilt row-major, gyro bias),
        the side signal the smoothed |gyro|. Extends the lobes up to each grid sample in turn
        and returns the first grid sample that passes, or -1 (the lobes then hold the samples
        up to the last grid sample tried). It passes when, over the samples since the anchor:
        the stride is not longer than ``max_stride_s``; the largest smoothed |gyro| reaches
        ``min_swing_peak_dps``; a significant lobe after the swing
        (:meth:`landing_lobe_start`) has lasted ``lookahead_s``; and the last lobe is not the
        one holding the fastest motion of an earlier full check (``t_fast``, NaN if none; see
        ``SensorPipeline._swing_open_after``)."""
        self._reserve(end - row)
        return int(_early.tracker_scan(
            self._state, self._tab, self._touch_fraction, table, row, end, calib, first, step,
            t0, params.max_stride_s, params.min_swing_peak_dps, params.min_lobe_dps,
            params.lobe_fraction, params.lookahead_s, t_fast))
