"""Initial contact and toe-off from the foot's sagittal angular velocity (pure NumPy).

Between two stances the foot's pitch rate (gyro about the foot's mediolateral y axis; positive =
toes down) is a sequence of *lobes* of alternating sign. The swing itself is the lobe holding
the fastest foot motion (from the strapdown integration) or, without it, the one covering the
largest pitch angle. The *push lobe* is the significant lobe just before it, of opposite sign:
the foot rolling over its leading end before it leaves (toes-down over the toes forward,
toes-up over the heel backward).

* **toe-off** (the last sole point leaving the ground):
  - push lobe toes-down (forward push-off over the toes): the **peak of the push lobe**. While
    the toes are loaded the ground reaction and the plantar flexors accelerate the rotation;
    once free, the swinging leg decelerates it, so the rate peaks at release (gaitmap walk: the
    fastest toes-down rotation is 5 ms before the motion-capture toe-off);
  - push lobe toes-up (heel leaving last, backward): nothing accelerates a rotation about the
    heel, the rate peaks well before release (35–115 ms on the simulator, 60 ms on the
    time-reversed gaitmap walk). The release is taken from the kinematics instead: the pivot
    point (fitted as the foot point with zero velocity during the push lobe, from the strapdown
    velocity) starts to move (:func:`pivot_departure`); capped by the zero crossing that
    starts the swing lobe. When the push is not a clean rigid rocker (fit residual > 10 % of
    the sensor speed: measured 11–46 % on the real gaitmap walk, a soft shoe and impact errors
    in the strapdown velocity; 0.1–1 % on the simulator), the kinematics cannot locate the
    release and the zero crossing is used: on the time-reversed gaitmap walk (the only real
    backward proxy) the heel leaves 1.5 ms (median) before it;
  - no push lobe (or no kinematics): the zero crossing that starts the swing lobe.
* **initial contact** = the zero crossing that starts the last significant lobe after the swing
  (foot slap after a heel strike, heel drop after a toe-first backward landing), or the end
  of the swing lobe when nothing follows it. After a toe-first landing (heel-drop lobe,
  toes-up) the rotation may start in the air, so the contact is the impact instead: the
  half rise into the largest peak of | |acc| − g | between the lobe start and its peak rate,
  at most 30 ms after the start (:func:`impact_time`); the strike angle stays at the lobe
  start (``Contacts.strike_at_s``).

The direction-dependence is physical (which end of the foot the body rolls over), not a
threshold on one data set; see docs/pipeline.md for the measured offsets on all data kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Lobes:
    """Sign-constant stretches of a signal: start/end s (interpolated zero crossings), peak
    absolute value, angle (integral of |x| dt, same unit × s) and sign."""

    start_s: FloatArray
    end_s: FloatArray
    peak: FloatArray
    angle: FloatArray
    sign: NDArray[np.int8]


def lobes(t: FloatArray, x: FloatArray, touch_fraction: float = 0.05) -> Lobes:
    """Split ``x(t)`` at its zero crossings (linear interpolation between samples) and at
    interior minima of |x| that nearly touch zero (below ``touch_fraction`` × max |x|): two
    same-sign rotations meeting at rest, e.g. a forefoot landing followed by the heel drop."""
    pos = x >= 0
    ax = np.abs(x)
    idx = np.flatnonzero(pos[1:] != pos[:-1])  # crossing between idx and idx+1
    x0, x1 = x[idx], x[idx + 1]
    tc = t[idx] + (t[idx + 1] - t[idx]) * (x0 / (x0 - x1))
    lim = touch_fraction * float(ax.max()) if ax.size else 0.0
    mid = ax[1:-1]
    touch = np.flatnonzero((mid <= ax[:-2]) & (mid < ax[2:]) & (mid < lim)) + 1
    touch = touch[(pos[touch] == pos[touch - 1]) & (pos[touch] == pos[touch + 1])]  # no crossing
    if touch.size:
        # a touch sample is never a crossing index (no sign change on either side of it)
        is_touch = np.concatenate((np.zeros(idx.size, bool), np.ones(touch.size, bool)))
        idx = np.concatenate((idx, touch))
        tc = np.concatenate((tc, t[touch]))
        order = np.argsort(idx, kind="stable")
        idx, tc, is_touch = idx[order], tc[order], is_touch[order]
        # a touch sample starts its own lobe at that sample
        bidx = np.where(is_touch, idx, idx + 1)
    else:
        bidx = idx + 1
    starts = np.concatenate(([t[0]], tc))
    ends = np.concatenate((tc, [t[-1]]))
    bounds = np.concatenate(([0], bidx))
    peak = np.maximum.reduceat(ax, bounds)
    dt = np.empty_like(t)  # np.diff(t, append=t[-1]) without its overhead
    np.subtract(t[1:], t[:-1], out=dt[:-1])
    dt[-1:] = 0.0
    angle = np.add.reduceat(ax * dt, bounds)
    sign = np.where(pos[bounds], 1, -1).astype(np.int8)
    return Lobes(start_s=starts, end_s=ends, peak=peak, angle=angle, sign=sign)


@dataclass(frozen=True, slots=True)
class Contacts:
    """toe_off_s / initial_contact_s (s), swing_angle_deg: pitch covered by the swing lobe;
    strike_at_s: where the foot-strike angle is read, the start of the landing rotation (the
    rate is zero there, so the angle does not depend on the contact's exact sample: for a
    heel strike it is the contact itself, for a toe-first landing the heel-drop onset, the
    foot's landing posture, a few ms before its impact)."""

    toe_off_s: float
    initial_contact_s: float
    swing_angle_deg: float
    strike_at_s: float


def _cross_rows(a: FloatArray, r: NDArray[np.floating]) -> FloatArray:
    """Row-wise cross product ``a × r`` of (n, 3) rows with one 3-vector (the same products and
    differences as :func:`numpy.cross`, without its axis handling)."""
    out: FloatArray = np.empty(a.shape)
    r0, r1, r2 = float(r[0]), float(r[1]), float(r[2])
    out[:, 0] = a[:, 1] * r2 - a[:, 2] * r1
    out[:, 1] = a[:, 2] * r0 - a[:, 0] * r2
    out[:, 2] = a[:, 0] * r1 - a[:, 1] * r0
    return out


def pivot_departure(
    t: FloatArray, gyr_dps: FloatArray, vel_foot: FloatArray, fit: slice, search_from: int,
    min_speed_m_s: float = 0.05, noise_factor: float = 3.0, max_residual: float = 0.1,
) -> float | None:
    """Time (s) the pivot of a rocker starts to move, or None.

    The pivot is the foot point ``r`` (foot frame, m from the sensor) with zero velocity over
    the ``fit`` samples: least squares of ``v + ω × r = 0`` with ``vel_foot`` (n, 3) the
    sensor velocity in the foot frame (m/s) and ``gyr_dps`` (n, 3) the rate (deg/s). The pivot
    moves when its speed first exceeds ``max(min_speed_m_s, noise_factor × rms speed over the
    fit)`` at or after ``search_from`` (linear interpolation between samples). None as well
    when the fit is poor (rms pivot speed over the fit > ``max_residual`` × rms sensor speed):
    the foot did not roll about one fixed point (soft shoe, impacts in the velocity).
    """
    om = np.deg2rad(gyr_dps[fit])
    v = vel_foot[fit]
    if om.shape[0] < 3:
        return None
    # ω × r = -[r]× ω = [ω]× r ; rows of [ω]× for each sample
    a = np.zeros((om.shape[0], 3, 3))
    a[:, 0, 1], a[:, 0, 2] = -om[:, 2], om[:, 1]
    a[:, 1, 0], a[:, 1, 2] = om[:, 2], -om[:, 0]
    a[:, 2, 0], a[:, 2, 1] = -om[:, 1], om[:, 0]
    r = np.linalg.lstsq(a.reshape(-1, 3), -v.reshape(-1), rcond=None)[0]
    uf = v + _cross_rows(om, r)
    rms = float(np.sqrt(np.mean(np.einsum("ij,ij->i", uf, uf))))
    if rms > max_residual * float(np.sqrt(np.mean(np.einsum("ij,ij->i", v, v)))):
        return None  # not a rigid rocker about one point: the kinematics cannot say
    u = vel_foot[search_from:] + _cross_rows(np.deg2rad(gyr_dps[search_from:]), r)
    speed = np.sqrt(np.einsum("ij,ij->i", u, u))
    thr = max(min_speed_m_s, noise_factor * rms)
    hit = np.flatnonzero(speed > thr)
    if hit.size == 0:
        return None
    j = int(hit[0])
    ts = t[search_from:]
    if j == 0:
        return float(ts[0])
    return float(ts[j - 1] + (ts[j] - ts[j - 1]) * (thr - speed[j - 1]) / (speed[j] - speed[j - 1]))


def _lobe_peak(t: FloatArray, x: FloatArray, start_s: float, end_s: float
               ) -> tuple[int, int] | None:
    """First sample index of the lobe ``start_s``..``end_s`` and the index of its largest |x|,
    or None when no sample lies inside it."""
    i0 = int(np.searchsorted(t, start_s, side="left"))
    i1 = int(np.searchsorted(t, end_s, side="right"))
    if i1 <= i0:
        return None
    return i0, i0 + int(np.argmax(np.abs(x[i0:i1])))


def impact_time(t: FloatArray, x: FloatArray, acc: FloatArray, start_s: float, end_s: float,
                gravity: float = 9.80665, level: float = 0.5, max_delay_s: float = 0.03
                ) -> float:
    """Initial contact (s) of a toe-first landing whose heel-drop lobe of ``x`` (pitch rate)
    spans ``start_s``..``end_s``: where the impact's largest peak is reached, the time its
    rise into that peak crosses ``level`` × the peak —
    the impact being | |acc| − g | (``acc`` (n, 3), specific force, m/s²) from the lobe
    start to its peak rate, at most ``max_delay_s`` after the start — interpolated between
    samples, so the sampling rate hardly moves it; never before ``start_s``.

    The zero crossing that starts the heel drop is not the touchdown here: the foot may start
    that rotation in the air (time-reversed toe-offs of real walking: the crossing is ~18 ms
    before the toe touches, the rate peaks at the touch), and the ground announces itself by
    the impact on the specific force. Heel strikes keep the zero crossing: there the rotation
    itself is stopped by the ground.
    """
    peak = _lobe_peak(t, x, start_s, end_s)
    if peak is None:
        return start_s
    i0, k_peak = peak
    # the heel drop starts at most ~25 ms before the touch (time-reversed real walking: 17.6 ms
    # median, 22.8 ms p95); a slow sensor that misses the impact must not pick a later bump
    # (the first sample past the limit is kept, so the rise can be interpolated across it)
    hi = min(k_peak, int(np.searchsorted(t, start_s + max_delay_s, side="right")))
    f = np.abs(np.sqrt(np.einsum("ij,ij->i", acc[i0 : hi + 1], acc[i0 : hi + 1])) - gravity)
    j_max = int(np.argmax(f))
    thr = level * float(f[j_max])
    below = np.flatnonzero(f[:j_max] < thr)  # the rise into the largest peak, not a bump before
    if below.size == 0:
        return start_s
    j = int(below[-1]) + 1
    k = i0 + j
    f0, f1 = float(f[j - 1]), float(f[j])
    rise = float(t[k - 1] + (t[k] - t[k - 1]) * (thr - f0) / (f1 - f0))
    return min(max(start_s, rise), start_s + max_delay_s)


def find_contacts(
    t: FloatArray, pitch_rate_dps: FloatArray, min_lobe_dps: float = 30.0,
    lobe_fraction: float = 0.15, speed: FloatArray | None = None,
    gyr_dps: FloatArray | None = None, vel_foot: FloatArray | None = None,
    acc: FloatArray | None = None,
) -> Contacts | None:
    """Toe-off and initial contact in a stance-to-stance segment (see module docstring).

    A lobe is significant when its peak reaches ``max(min_lobe_dps, lobe_fraction × largest
    peak)``. With ``speed`` (the foot's speed from the strapdown integration, m/s, same
    samples) the swing lobe is the one holding the fastest foot motion — the swing is when the
    foot travels; without it, the lobe covering the largest angle. ``gyr_dps`` (n, 3, deg/s)
    and ``vel_foot`` (n, 3, sensor velocity in the foot frame, m/s) enable the pivot departure
    for a toes-up push; ``acc`` (n, 3, specific force in one fixed frame, m/s²) the impact
    time of a toe-first landing (:func:`impact_time`). Returns None when the segment holds no
    significant lobe.
    """
    if t.shape[0] < 3:
        return None
    x = pitch_rate_dps
    lb = lobes(t, x)
    thr = max(min_lobe_dps, lobe_fraction * float(lb.peak.max()))
    sig = np.flatnonzero(lb.peak >= thr)
    if sig.size == 0:
        return None
    swing = int(sig[np.argmax(lb.angle[sig])])
    if speed is not None:
        t_fast = t[int(np.argmax(speed))]
        inside = sig[(lb.start_s[sig] <= t_fast) & (lb.end_s[sig] >= t_fast)]
        if inside.size:
            swing = int(inside[0])
    after = sig[sig > swing]
    ic = float(lb.start_s[after[-1]]) if after.size else float(lb.end_s[swing])
    strike_at = ic
    if after.size and acc is not None and lb.sign[after[-1]] < 0:  # heel drop: toe first
        ic = impact_time(t, x, acc, ic, float(lb.end_s[after[-1]]))
    to = float(lb.start_s[swing])
    before = sig[sig < swing]
    if before.size and lb.sign[before[-1]] != lb.sign[swing]:
        push = int(before[-1])
        peak = _lobe_peak(t, x, float(lb.start_s[push]), float(lb.end_s[push]))
        if peak is not None:
            i0, k_peak = peak
            if lb.sign[push] > 0:  # toes-down push over the toes: release at the peak rate
                to = float(t[k_peak])
            elif gyr_dps is not None and vel_foot is not None:
                w = np.arange(i0, k_peak + 1)
                w = w[np.abs(x[w]) > 0.25 * abs(x[k_peak])]
                if w.size >= 3:
                    dep = pivot_departure(t, gyr_dps, vel_foot, slice(int(w[0]), int(w[-1]) + 1),
                                          k_peak)
                    if dep is not None:
                        to = min(to, dep)
    return Contacts(
        toe_off_s=to, initial_contact_s=ic, swing_angle_deg=float(lb.angle[swing]),
        strike_at_s=strike_at,
    )



class LobeTracker:
    """:func:`lobes` of a growing signal, kept up to date sample by sample (plain floats).

    The early-landing pre-check asks, every few samples of a swing, for the lobes of the pitch
    rate since the opening anchor; recomputing :func:`lobes` each time costs ~25 NumPy calls
    for a few new samples. This keeps what never changes once seen — zero crossings and the
    *candidate* touch points (interior minima of |x| with the same sign on both sides), with
    the peak |x| and the ∫|x| dt of the stretches between them — and merges the stretches into
    lobes at the current touch limit (``touch_fraction`` × max |x|, which only grows: touches
    are only ever added). Starts and peaks equal those of :func:`lobes` exactly; angles are
    the same products summed in sample order (equal up to rounding).
    """

    __slots__ = (
        "_angle",
        "_ax_before",
        "_peak",
        "_same_before",
        "_start",
        "_t",
        "_touch",
        "_touch_fraction",
        "_x",
        "max_abs",
        "n",
    )

    def __init__(self, touch_fraction: float = 0.05) -> None:
        self._touch_fraction = touch_fraction
        self.n = 0  # samples seen
        self.max_abs = 0.0  # max |x| so far
        # the newest sample is pending: whether it starts a stretch (touch) and its dt are
        # only known from the next one
        self._x = 0.0
        self._t = 0.0
        self._ax_before = 0.0  # |x| of the sample before the pending one
        self._same_before = False  # no sign change between that sample and the pending one
        # stretches between candidate boundaries: start s, touch |x| (-1: always a boundary),
        # peak |x| and ∫|x| dt of the committed samples
        self._start: list[float] = []
        self._touch: list[float] = []
        self._peak: list[float] = []
        self._angle: list[float] = []

    def extend(self, t: list[float], x: list[float]) -> None:
        """Append samples: times (s) and values (any unit), as plain float lists."""
        start, touch, peak, angle = self._start, self._touch, self._peak, self._angle
        n, xp, tp, ax_b, same_b, mx = (self.n, self._x, self._t, self._ax_before,
                                       self._same_before, self.max_abs)
        for ti, xi in zip(t, x, strict=True):
            axi = abs(xi)
            if axi > mx:
                mx = axi
            if n == 0:
                start.append(ti)
                touch.append(-1.0)
                peak.append(0.0)
                angle.append(0.0)
                n, xp, tp = 1, xi, ti
                continue
            axp = abs(xp)
            same = (xi >= 0) == (xp >= 0)
            if n >= 2 and same and same_b and axp <= ax_b and axp < axi:
                start.append(tp)  # the pending sample is a candidate touch: own stretch
                touch.append(axp)
                peak.append(0.0)
                angle.append(0.0)
            angle[-1] += axp * (ti - tp)  # commit the pending sample
            if axp > peak[-1]:
                peak[-1] = axp
            if not same:  # zero crossing between the two samples (linear interpolation)
                start.append(tp + (ti - tp) * (xp / (xp - xi)))
                touch.append(-1.0)
                peak.append(0.0)
                angle.append(0.0)
            n, ax_b, same_b, xp, tp = n + 1, axp, same, xi, ti
        self.n, self._x, self._t, self._ax_before, self._same_before, self.max_abs = (
            n, xp, tp, ax_b, same_b, mx)

    def lobes(self) -> tuple[list[float], list[float], list[float]]:
        """Lobe starts (s), peaks and angles of the samples so far (as :func:`lobes`)."""
        lim = self._touch_fraction * self.max_abs
        starts: list[float] = []
        peaks: list[float] = []
        angles: list[float] = []
        for s, v, pk, an in zip(self._start, self._touch, self._peak, self._angle, strict=True):
            if v < lim or not starts:  # a boundary (crossings and the first carry -1)
                starts.append(s)
                peaks.append(pk)
                angles.append(an)
            else:
                if pk > peaks[-1]:
                    peaks[-1] = pk
                angles[-1] += an
        if starts:
            axp = abs(self._x)  # the pending sample belongs to the last stretch (dt 0)
            if axp > peaks[-1]:
                peaks[-1] = axp
        return starts, peaks, angles

    def last_lobe(self) -> tuple[float, float]:
        """Start (s) and peak of the last lobe (as :func:`lobes`); needs a sample."""
        lim = self._touch_fraction * self.max_abs
        peak = abs(self._x)  # the pending sample
        for k in range(len(self._start) - 1, -1, -1):
            if self._peak[k] > peak:
                peak = self._peak[k]
            v = self._touch[k]
            if v < lim or k == 0:
                return self._start[k], peak
        raise ValueError("no samples")

    def landing_lobe_start(self, min_peak: float, peak_fraction: float) -> float | None:
        """Start (s) of the last significant lobe when it comes after the significant lobe of
        the largest angle (the swing), else None; significant: peak ≥ ``max(min_peak,
        peak_fraction × max |x|)``, as in :func:`find_contacts`."""
        starts, peaks, angles = self.lobes()
        thr = max(min_peak, peak_fraction * self.max_abs)
        best = -1.0
        best_is_last = True
        last_start: float | None = None
        count = 0
        for s, pk, an in zip(starts, peaks, angles, strict=True):
            if pk >= thr:
                count += 1
                last_start = s
                if an > best:
                    best = an
                    best_is_last = True
                else:
                    best_is_last = False
        if count < 2 or best_is_last:
            return None
        return last_start
