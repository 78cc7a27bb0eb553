"""Early-landing stage: the landing decided during the landing rotation, before the foot is
flat (compiled kernel ``_early.pyx``).

Contract: :meth:`EarlyLanding.try_until` tries the early landing at the grid samples (every
``step_s`` of swing, counted from the swing start, so any block size decides alike) up to an
absolute sample index, from the samples since the opening anchor only; when it decides, it
appends the :class:`~retrogait.events.LandingEvent` (emitted at the deciding sample's time,
s) and keeps an :class:`~.landing.EarlyDecision` that the landing stage takes at the closing
anchor (:meth:`EarlyLanding.take`).

The full check integrates the swing (:meth:`EarlyLanding._check`); a cheap pre-check finds,
in one compiled scan, the grid samples worth it: the calibrated pitch rate since the opening
anchor (deg/s, foot y axis) split into lobes as :func:`.contacts.lobes` does
(:class:`LobeTracker`), with the thresholds of :func:`.contacts.find_contacts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from retrogait.events import Event
from retrogait.pipeline import _early
from retrogait.pipeline.buffer import AX, AZ, SampleBuffer
from retrogait.pipeline.calibration import Calibration
from retrogait.pipeline.contacts import FloatArray, contacts_of_motion
from retrogait.pipeline.landing import EarlyDecision, Landing, LandingStage
from retrogait.pipeline.params import ContactParams, EarlyParams


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

    def __init__(self, touch_fraction: float = ContactParams().touch_fraction,
                 capacity: int = 64) -> None:
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


@dataclass
class _Lobes:
    """The pre-check's lobe tracker for one opening anchor and calibration."""

    anchor: int
    calibration: Calibration
    tracker: LobeTracker


class EarlyLanding:
    """The early-landing decision of one sensor (see the module docstring)."""

    def __init__(self, buf: SampleBuffer, landing: LandingStage, params: EarlyParams,
                 rate_hz: float) -> None:
        self.buf = buf
        self.landing = landing
        self.params = params
        lp, cp = landing.params, landing.contacts
        self._scan = EarlyScan(
            max_stride_s=lp.max_stride_s, min_swing_peak_dps=lp.min_swing_peak_dps,
            min_lobe_dps=cp.min_lobe_dps, lobe_fraction=cp.lobe_fraction,
            lookahead_s=params.lookahead_s)
        self.step = max(1, round(params.step_s * rate_hz))
        self.pending: EarlyDecision | None = None
        self.next = 0  # next absolute sample of the grid
        # fastest-motion time of the last failed full check: (anchor, calibration, t_s)
        self._fast: tuple[int, Calibration, float] | None = None
        self._lobes: _Lobes | None = None

    def restart(self, swing_start: int) -> None:
        """A swing starts at sample ``swing_start``: the grid restarts one step after it."""
        self.next = swing_start + self.step

    def take(self, prev: int | None) -> EarlyDecision | None:
        """The landing decided early for the segment opened at ``prev``, if any; forgets any
        pending decision."""
        early = self.pending if self.pending is not None and self.pending.anchor == prev else None
        self.pending = None
        return early

    def try_until(self, prev: int | None, limit: int, events: list[Event]) -> None:
        """Try the early landing of the segment opened at anchor ``prev`` at the grid samples
        up to ``limit`` (absolute index): the pre-check (:meth:`LobeTracker.scan_landing`)
        finds the next grid sample worth the full check."""
        step = self.step
        if prev is None or (self.pending is not None and self.pending.anchor == prev):
            self.next = max(self.next, limit + 1)
            return
        while self.next <= limit:
            d = self._candidate(prev, self.next, limit) if prev >= self.buf.start else None
            if d is None:  # no grid sample up to limit passes: go on after it
                self.next += -(-(limit + 1 - self.next) // step) * step
                return
            self.next = d + step
            if self._check(prev, d, events):
                self.next = max(self.next, limit + 1)
                return

    def _check(self, prev: int, d: int, events: list[Event]) -> bool:
        """Decide the landing at sample ``d`` (a grid sample that passed the pre-check) from
        the samples since the opening anchor ``prev`` only (no closing rest point yet): the
        landing lobe (the last significant pitch-rate lobe after the swing,
        :func:`.contacts.find_contacts`) has lasted ``lookahead_s``, and the swing was a real
        step — travel or lift at the landing from an integration anchored at ``prev`` alone
        (over one swing its drift is small next to the travel and lift tests). Emits the
        LandingEvent."""
        stage = self.landing
        lp = stage.params
        buf = self.buf
        integrate = stage.integrator.integrate
        t, motion = integrate(prev, d, zupt_end=False)
        contacts, t_fast = contacts_of_motion(motion, buf.view(prev, d + 1)[:, AX : AZ + 1],
                                              stage.consts)
        self._fast = (prev, stage.integrator.calibration, t_fast)
        if contacts is None:
            return False
        ic = contacts.initial_contact_s
        if not contacts.complete or t[-1] - ic < self.params.lookahead_s:
            return False
        k = int(np.searchsorted(t, ic, side="right"))
        travel = float(np.hypot(motion.pos[k - 1, 0], motion.pos[k - 1, 1]))
        lift = float(motion.pos[:k, 2].max())
        if travel < lp.min_travel_m and lift < lp.min_lift_m:
            return False
        to = contacts.toe_off_s
        pitch_t, pitch = t, motion.pitch_deg
        alt = stage.no_step_from
        if alt is not None and alt >= buf.start and buf.time(d) - buf.time(alt) <= (
                lp.max_stride_s):
            # prev may be a false mid-swing anchor (a slow swing pausing, see
            # LandingStage.on_anchor): its gravity attitude is then wrong. As at the anchor,
            # keep the integration needing the smaller correction: the foot is nearly at rest
            # at d (landing rotation)
            t2, m2 = integrate(alt, d, zupt_end=False)
            if np.linalg.norm(m2.vel[-1]) < np.linalg.norm(motion.vel[-1]):
                pitch_t, pitch = t2, m2.pitch_deg
        angle = float(np.interp(contacts.strike_at_s, pitch_t, pitch))
        uncertain = stage.gaps.inside(t[0], t[-1])
        events.append(stage.landing_event(ic, float(t[-1]), angle, uncertain,
                                          contacts.landing_rule, to, stage.last_landing))
        self.pending = EarlyDecision(prev, Landing(ic, angle, uncertain), to)
        return True

    def _candidate(self, prev: int, first: int, limit: int) -> int | None:
        """First grid sample ``first``, ``first + step``, … ≤ ``limit`` (absolute indices) at
        which the pre-check passes, or None.

        The pitch-rate lobes since ``prev`` are kept for one anchor and calibration (objects
        that are only ever replaced, never changed in place) and extended with the new samples
        only; each rate depends on its own sample alone, so how the samples are cut into blocks
        changes nothing. The pre-check's shortcut (:meth:`_swing_open_after`) uses the
        fastest-motion time of the last full check."""
        cal = self.landing.integrator.calibration
        c = self._lobes
        if c is None or c.anchor != prev or c.calibration is not cal or (
                c.tracker.n > first - prev):
            c = _Lobes(prev, cal, LobeTracker(self.landing.contacts.touch_fraction))
            self._lobes = c
        buf = self.buf
        d = c.tracker.scan_landing(buf.data, *buf.rows(prev + c.tracker.n, limit + 1), cal.vec,
                                   first - prev, self.step, buf.time(prev), self._scan,
                                   self._swing_open_after(prev))
        return None if d < 0 else prev + d

    def _swing_open_after(self, prev: int) -> float:
        """The shortcut of the full check (same result, no integration), as a time for
        :meth:`LobeTracker.scan_landing` (NaN: none): the full check cannot pass while the
        last significant pitch-rate lobe started before the fastest sample of an earlier full
        check for the same anchor and calibration, for :func:`.contacts.find_contacts` would
        take that last lobe as the swing, so the initial contact would be the last sample and
        the look-ahead could not hold.

        The integration anchored at ``prev`` alone is sample-causal: the speed at a sample does
        not depend on how many samples follow (``test_early_integration_is_causal`` checks it
        bit for bit), so the fastest sample over a longer span is the one found by an earlier
        full check or a later one. The tracker holds the lobes of exactly the pitch rate the
        integration gives (the same compiled expression), with the starts and peaks of
        :func:`.contacts.lobes`."""
        fast = self._fast
        if fast is None or fast[0] != prev or fast[1] is not self.landing.integrator.calibration:
            return math.nan
        return fast[2]
