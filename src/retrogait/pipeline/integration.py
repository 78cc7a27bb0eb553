"""Integration stage: strapdown integration of the sample-table rows between two
zero-velocity anchors, calibrated (kernel ``_strapdown.pyx``, contracts in :mod:`.strapdown`).

Contract: :meth:`Integrator.integrate` takes absolute sample indices ``first``..``last``
(inclusive; ``first`` a zero-velocity anchor still held by the buffer) and returns the sample
times (s) and the :class:`~.strapdown.SegmentMotion` (stride world frame; its table also holds
the calibrated rate, deg/s, foot frame).
"""

from __future__ import annotations

from retrogait.pipeline import _strapdown
from retrogait.pipeline.buffer import SampleBuffer
from retrogait.pipeline.calibration import Calibration
from retrogait.pipeline.strapdown import FloatArray, SegmentMotion

_ATT_REFS = 8  # attitude references kept (a few strides of re-anchored stances)


class Integrator:
    """Integrates segments of one sensor's sample table with its current :attr:`calibration`
    (replaced, never changed in place, by the stance stage)."""

    def __init__(self, buf: SampleBuffer, n_smooth: int, gravity_m_s2: float) -> None:
        self.buf = buf
        self.calibration = Calibration()
        self._n_smooth = n_smooth
        self._gravity = gravity_m_s2
        # attitude reference of a re-anchored stance: anchor -> stillest sample of the stance
        self._att_ref: dict[int, int] = {}

    def set_attitude_ref(self, anchor: int, ref: int) -> None:
        """Read the opening attitude of segments starting at ``anchor`` from gravity at
        sample ``ref`` (the stance's stillest sample, before the anchor)."""
        self._att_ref[anchor] = ref
        while len(self._att_ref) > _ATT_REFS:
            del self._att_ref[next(iter(self._att_ref))]

    def integrate(self, first: int, last: int, zupt_end: bool = True
                  ) -> tuple[FloatArray, SegmentMotion]:
        """Times (s) and motion of rows ``first``..``last``; ``zupt_end``: zero velocity at
        ``last`` too (False: a landing decided before the closing stance).

        The opening attitude comes from gravity averaged over the ``smooth_s`` samples
        *ending* at the anchor (or at its attitude reference), the ones its stillness was
        judged on (the smoothing is causal), carried to the anchor by the gyro. Samples after
        the anchor are not used: the departure's acceleration would tilt the vertical
        (docs/pipeline.md, Stages 4)."""
        buf = self.buf
        r_first, r_end = buf.rows(first, last + 1)
        ref = self._att_ref.get(first, first)
        if ref < buf.start:
            ref = first
        lo = max(buf.start, ref - self._n_smooth + 1)
        r_att, r_ref = buf.rows(lo, ref)
        table, heading, drift = _strapdown.integrate_rows(
            buf.data, r_first, r_end - 1, r_att, r_ref, self.calibration.vec, self._gravity,
            zupt_end)
        return table[:, 0], SegmentMotion.from_table(table, heading, drift)
