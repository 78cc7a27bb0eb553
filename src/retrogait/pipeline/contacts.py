"""Initial contact and toe-off from the foot's sagittal angular velocity (compiled loops).

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

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
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
    t = np.ascontiguousarray(t, dtype=np.float64)
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = t.shape[0]
    out = np.empty((5, max(n, 1)))
    m = _lobes_into(t, x, touch_fraction, out) if n else 0
    return Lobes(start_s=out[0, :m].copy(), end_s=out[1, :m].copy(), peak=out[2, :m].copy(),
                 angle=out[3, :m].copy(), sign=out[4, :m].astype(np.int8))


@njit(cache=True, nogil=True)
def _lobes_into(t: FloatArray, x: FloatArray, touch_fraction: float, out: FloatArray) -> int:
    """:func:`lobes` into ``out`` rows start, end, peak, angle, sign; returns their number.
    A lobe holds the samples from its first boundary sample up to the next one (a crossing
    between samples i and i+1 starts the next lobe at i+1, a touch at its own sample)."""
    n = t.shape[0]
    mx = 0.0
    for i in range(n):
        if abs(x[i]) > mx:
            mx = abs(x[i])
    lim = touch_fraction * mx
    m = 0
    out[0, 0] = t[0]
    out[4, 0] = 1.0 if x[0] >= 0 else -1.0
    pk = 0.0
    an = 0.0
    for i in range(n):
        axi = abs(x[i])
        if 1 <= i <= n - 2:
            pos = x[i] >= 0
            if ((x[i - 1] >= 0) == pos and (x[i + 1] >= 0) == pos and axi <= abs(x[i - 1])
                    and axi < abs(x[i + 1]) and axi < lim):  # a touch: own lobe from here
                out[1, m], out[2, m], out[3, m] = t[i], pk, an
                m += 1
                out[0, m] = t[i]
                out[4, m] = 1.0 if pos else -1.0
                pk = 0.0
                an = 0.0
        if axi > pk:
            pk = axi
        if i < n - 1:
            an += axi * (t[i + 1] - t[i])
            if (x[i] >= 0) != (x[i + 1] >= 0):  # zero crossing between i and i+1
                tc = t[i] + (t[i + 1] - t[i]) * (x[i] / (x[i] - x[i + 1]))
                out[1, m], out[2, m], out[3, m] = tc, pk, an
                m += 1
                out[0, m] = tc
                out[4, m] = 1.0 if x[i + 1] >= 0 else -1.0
                pk = 0.0
                an = 0.0
    out[1, m], out[2, m], out[3, m] = t[n - 1], pk, an
    return m + 1


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
    i0, i1, _ = fit.indices(t.shape[0])
    v = _pivot_departure(np.ascontiguousarray(t, dtype=np.float64),
                         np.ascontiguousarray(gyr_dps, dtype=np.float64),
                         np.ascontiguousarray(vel_foot, dtype=np.float64), i0, i1, search_from,
                         min_speed_m_s, noise_factor, max_residual)
    return None if math.isnan(v) else v


@njit(cache=True, nogil=True)
def _pivot_departure(t: FloatArray, gyr_dps: FloatArray, vel_foot: FloatArray, i0: int,
                     i1: int, search_from: int, min_speed_m_s: float, noise_factor: float,
                     max_residual: float) -> float:
    """:func:`pivot_departure` on the fit samples ``i0``..``i1 - 1`` (NaN: None)."""
    m = i1 - i0
    if m < 3:
        return math.nan
    d2r = math.pi / 180.0
    # ω × r = [ω]× r: three rows of [ω]× per sample; right side -v
    a = np.zeros((3 * m, 3))
    b = np.empty(3 * m)
    for k in range(m):
        o0, o1, o2 = gyr_dps[i0 + k, 0] * d2r, gyr_dps[i0 + k, 1] * d2r, gyr_dps[i0 + k, 2] * d2r
        a[3 * k, 1], a[3 * k, 2] = -o2, o1
        a[3 * k + 1, 0], a[3 * k + 1, 2] = o2, -o0
        a[3 * k + 2, 0], a[3 * k + 2, 1] = -o1, o0
        b[3 * k], b[3 * k + 1], b[3 * k + 2] = (-vel_foot[i0 + k, 0], -vel_foot[i0 + k, 1],
                                                -vel_foot[i0 + k, 2])
    r = np.linalg.lstsq(a, b, rcond=np.finfo(np.float64).eps * (3 * m))[0]
    su = 0.0
    sv = 0.0
    for k in range(m):
        o0, o1, o2 = gyr_dps[i0 + k, 0] * d2r, gyr_dps[i0 + k, 1] * d2r, gyr_dps[i0 + k, 2] * d2r
        v0, v1, v2 = vel_foot[i0 + k, 0], vel_foot[i0 + k, 1], vel_foot[i0 + k, 2]
        u0 = v0 + (o1 * r[2] - o2 * r[1])
        u1 = v1 + (o2 * r[0] - o0 * r[2])
        u2 = v2 + (o0 * r[1] - o1 * r[0])
        su += u0 * u0 + u1 * u1 + u2 * u2
        sv += v0 * v0 + v1 * v1 + v2 * v2
    rms = math.sqrt(su / m)
    if rms > max_residual * math.sqrt(sv / m):
        return math.nan  # not a rigid rocker about one point: the kinematics cannot say
    thr = max(min_speed_m_s, noise_factor * rms)
    prev = 0.0
    for k in range(search_from, t.shape[0]):
        o0, o1, o2 = gyr_dps[k, 0] * d2r, gyr_dps[k, 1] * d2r, gyr_dps[k, 2] * d2r
        u0 = vel_foot[k, 0] + (o1 * r[2] - o2 * r[1])
        u1 = vel_foot[k, 1] + (o2 * r[0] - o0 * r[2])
        u2 = vel_foot[k, 2] + (o0 * r[1] - o1 * r[0])
        speed = math.sqrt(u0 * u0 + u1 * u1 + u2 * u2)
        if speed > thr:
            if k == search_from:
                return t[k]
            return t[k - 1] + (t[k] - t[k - 1]) * (thr - prev) / (speed - prev)
        prev = speed
    return math.nan


@njit(cache=True, nogil=True)
def _lobe_peak(t: FloatArray, x: FloatArray, start_s: float, end_s: float) -> tuple[int, int]:
    """First sample index of the lobe ``start_s``..``end_s`` and the index of its largest |x|
    (-1, -1 when no sample lies inside it)."""
    i0 = int(np.searchsorted(t, start_s, side="left"))
    i1 = int(np.searchsorted(t, end_s, side="right"))
    if i1 <= i0:
        return -1, -1
    k = i0
    for i in range(i0 + 1, i1):
        if abs(x[i]) > abs(x[k]):
            k = i
    return i0, k


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
    return float(_impact_time(np.ascontiguousarray(t, dtype=np.float64),
                              np.ascontiguousarray(x, dtype=np.float64),
                              np.ascontiguousarray(acc, dtype=np.float64), start_s, end_s,
                              gravity, level, max_delay_s))


@njit(cache=True, nogil=True)
def _impact_time(t: FloatArray, x: FloatArray, acc: FloatArray, start_s: float, end_s: float,
                 gravity: float, level: float, max_delay_s: float) -> float:
    i0, k_peak = _lobe_peak(t, x, start_s, end_s)
    if i0 < 0:
        return start_s
    # the heel drop starts at most ~25 ms before the touch (time-reversed real walking: 17.6 ms
    # median, 22.8 ms p95); a slow sensor that misses the impact must not pick a later bump
    # (the first sample past the limit is kept, so the rise can be interpolated across it)
    hi = min(k_peak, int(np.searchsorted(t, start_s + max_delay_s, side="right")))
    m = hi + 1 - i0
    f = np.empty(m)
    j_max = 0
    for j in range(m):
        a = acc[i0 + j]
        f[j] = abs(math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]) - gravity)
        if f[j] > f[j_max]:
            j_max = j
    thr = level * f[j_max]
    j = -1  # the rise into the largest peak, not a bump before it
    for i in range(j_max - 1, -1, -1):
        if f[i] < thr:
            j = i + 1
            break
    if j < 0:
        return start_s
    k = i0 + j
    rise = t[k - 1] + (t[k] - t[k - 1]) * (thr - f[j - 1]) / (f[j] - f[j - 1])
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
    n = t.shape[0]
    if n < 3:
        return None
    none1 = np.empty(0)
    none3 = np.empty((0, 3))
    out = np.empty(4)
    kin = gyr_dps is not None and vel_foot is not None
    ok = _find_contacts(
        np.ascontiguousarray(t, dtype=np.float64),
        np.ascontiguousarray(pitch_rate_dps, dtype=np.float64), min_lobe_dps, lobe_fraction,
        none1 if speed is None else np.ascontiguousarray(speed, dtype=np.float64),
        np.ascontiguousarray(gyr_dps, dtype=np.float64) if kin else none3,
        np.ascontiguousarray(vel_foot, dtype=np.float64) if kin else none3,
        none3 if acc is None else np.ascontiguousarray(acc, dtype=np.float64), out)
    if not ok:
        return None
    return Contacts(toe_off_s=float(out[0]), initial_contact_s=float(out[1]),
                    swing_angle_deg=float(out[2]), strike_at_s=float(out[3]))


def contacts_of_motion(t: FloatArray, gyr_dps: FloatArray, rot: FloatArray, vel: FloatArray,
                       acc: FloatArray, min_lobe_dps: float = 30.0, lobe_fraction: float = 0.15
                       ) -> tuple[Contacts | None, float]:
    """:func:`find_contacts` of a strapdown-integrated segment, and the time of its fastest
    motion (s): pitch rate ``gyr_dps[:, 1]`` (foot frame, deg/s), speed and foot-frame
    velocity from ``rot`` (n, 3, 3, foot → world) and ``vel`` (n, 3, world, m/s), impact from
    ``acc`` (n, 3, specific force, m/s², any fixed frame)."""
    out = np.empty(5)
    ok = _contacts_of_motion(t, gyr_dps, rot, vel, acc, min_lobe_dps, lobe_fraction, out)
    c = Contacts(toe_off_s=float(out[0]), initial_contact_s=float(out[1]),
                 swing_angle_deg=float(out[2]), strike_at_s=float(out[3])) if ok else None
    return c, float(out[4])


@njit(cache=True, nogil=True)
def _contacts_of_motion(t: FloatArray, gyr_dps: FloatArray, rot: FloatArray, vel: FloatArray,
                        acc: FloatArray, min_lobe_dps: float, lobe_fraction: float,
                        out: FloatArray) -> bool:
    n = t.shape[0]
    speed = np.empty(n)
    vel_foot = np.empty((n, 3))
    kf = 0
    for i in range(n):
        v0, v1, v2 = vel[i, 0], vel[i, 1], vel[i, 2]
        speed[i] = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
        if speed[i] > speed[kf]:
            kf = i
        for c in range(3):
            vel_foot[i, c] = rot[i, 0, c] * v0 + rot[i, 1, c] * v1 + rot[i, 2, c] * v2
    out[4] = t[kf] if n else math.nan
    if n < 3:
        return False
    x = np.ascontiguousarray(gyr_dps[:, 1])
    return _find_contacts(np.ascontiguousarray(t), x, min_lobe_dps, lobe_fraction, speed,
                          np.ascontiguousarray(gyr_dps), vel_foot, np.ascontiguousarray(acc),
                          out)


@njit(cache=True, nogil=True)
def _find_contacts(t: FloatArray, x: FloatArray, min_lobe_dps: float, lobe_fraction: float,
                   speed: FloatArray, gyr_dps: FloatArray, vel_foot: FloatArray,
                   acc: FloatArray, out: FloatArray) -> bool:
    """:func:`find_contacts` (empty arrays: not given) into ``out`` = toe-off, initial
    contact, swing angle, strike_at; False when there is no significant lobe."""
    n = t.shape[0]
    lb = np.empty((5, n))
    m = _lobes_into(t, x, 0.05, lb)
    starts, ends, peaks, angles, signs = lb[0], lb[1], lb[2], lb[3], lb[4]
    pmax = 0.0
    for k in range(m):
        if peaks[k] > pmax:
            pmax = peaks[k]
    thr = max(min_lobe_dps, lobe_fraction * pmax)
    swing = -1
    for k in range(m):  # significant lobe of the largest angle (the first of equals)
        if peaks[k] >= thr and (swing < 0 or angles[k] > angles[swing]):
            swing = k
    if swing < 0:
        return False
    if speed.shape[0] == n:  # the significant lobe holding the fastest motion, if any
        kf = 0
        for i in range(1, n):
            if speed[i] > speed[kf]:
                kf = i
        t_fast = t[kf]
        for k in range(m):
            if peaks[k] >= thr and starts[k] <= t_fast and ends[k] >= t_fast:
                swing = k
                break
    last_after = -1
    for k in range(swing + 1, m):
        if peaks[k] >= thr:
            last_after = k
    ic = starts[last_after] if last_after >= 0 else ends[swing]
    strike_at = ic
    if last_after >= 0 and acc.shape[0] == n and signs[last_after] < 0:  # heel drop: toe first
        ic = _impact_time(t, x, acc, ic, ends[last_after], 9.80665, 0.5, 0.03)
    to = starts[swing]
    push = -1
    for k in range(swing - 1, -1, -1):
        if peaks[k] >= thr:
            push = k
            break
    if push >= 0 and signs[push] != signs[swing]:
        i0, k_peak = _lobe_peak(t, x, starts[push], ends[push])
        if i0 >= 0:
            if signs[push] > 0:  # toes-down push over the toes: release at the peak rate
                to = t[k_peak]
            elif gyr_dps.shape[0] == n and vel_foot.shape[0] == n:
                lim = 0.25 * abs(x[k_peak])
                w0 = -1
                w1 = -1
                cnt = 0
                for i in range(i0, k_peak + 1):
                    if abs(x[i]) > lim:
                        if w0 < 0:
                            w0 = i
                        w1 = i
                        cnt += 1
                if cnt >= 3:
                    dep = _pivot_departure(t, gyr_dps, vel_foot, w0, w1 + 1, k_peak, 0.05,
                                           3.0, 0.1)
                    if not math.isnan(dep):
                        to = min(to, dep)
    out[0], out[1], out[2], out[3] = to, ic, angles[swing], strike_at
    return True


class LobeTracker:
    """:func:`lobes` of a growing signal, kept up to date sample by sample.

    The early-landing pre-check asks, every few samples of a swing, for the lobes of the pitch
    rate since the opening anchor; recomputing :func:`lobes` each time costs ~25 NumPy calls
    for a few new samples. This keeps what never changes once seen — zero crossings and the
    *candidate* touch points (interior minima of |x| with the same sign on both sides), with
    the peak |x| and the ∫|x| dt of the stretches between them — and merges the stretches into
    lobes at the current touch limit (``touch_fraction`` × max |x|, which only grows: touches
    are only ever added). Starts and peaks equal those of :func:`lobes` exactly; angles are
    the same products summed in sample order (equal up to rounding).

    The state lives in NumPy arrays worked on by compiled loops (numba), so that
    :meth:`scan_landing` can run the whole early-landing pre-check over many grid samples of a
    big offline block in one call.
    """

    __slots__ = ("_angle", "_peak", "_start", "_state", "_touch", "_touch_fraction")

    def __init__(self, touch_fraction: float = 0.05, capacity: int = 64) -> None:
        self._touch_fraction = touch_fraction
        # n, pending x, pending t, |x| before the pending sample, same sign before it (0/1),
        # max |x|, number of stretches, max of the side signal e (see scan_landing)
        self._state = np.zeros(8)
        # stretches between candidate boundaries: start s, touch |x| (-1: always a boundary),
        # peak |x| and ∫|x| dt of the committed samples
        self._start = np.empty(capacity)
        self._touch = np.empty(capacity)
        self._peak = np.empty(capacity)
        self._angle = np.empty(capacity)

    @property
    def n(self) -> int:
        """Samples seen."""
        return int(self._state[_N])

    @property
    def max_abs(self) -> float:
        """Largest |x| so far."""
        return float(self._state[_MX])

    @property
    def e_max(self) -> float:
        """Largest side-signal value passed to :meth:`scan_landing` so far."""
        return float(self._state[_EMAX])

    def _reserve(self, new_samples: int) -> None:
        need = int(self._state[_COUNT]) + 2 * new_samples + 1  # ≤ 2 stretches per sample
        if need > self._start.shape[0]:
            size = max(need, 2 * self._start.shape[0])
            for name in ("_start", "_touch", "_peak", "_angle"):
                old = getattr(self, name)
                new = np.empty(size)
                new[: old.shape[0]] = old
                setattr(self, name, new)

    def extend(self, t: FloatArray, x: FloatArray) -> None:
        """Append samples: times (s) and values (any unit)."""
        t = np.ascontiguousarray(t, dtype=np.float64)
        x = np.ascontiguousarray(x, dtype=np.float64)
        self._reserve(t.shape[0])
        _tracker_extend(self._state, self._start, self._touch, self._peak, self._angle,
                        t, x, 0, t.shape[0])

    def lobes(self) -> tuple[list[float], list[float], list[float]]:
        """Lobe starts (s), peaks and angles of the samples so far (as :func:`lobes`)."""
        cnt = int(self._state[_COUNT])
        starts = np.empty(cnt)
        peaks = np.empty(cnt)
        angles = np.empty(cnt)
        m = _tracker_lobes(self._state, self._start, self._touch, self._peak, self._angle,
                           self._touch_fraction, starts, peaks, angles)
        return starts[:m].tolist(), peaks[:m].tolist(), angles[:m].tolist()

    def last_lobe(self) -> tuple[float, float]:
        """Start (s) and peak of the last lobe (as :func:`lobes`); needs a sample."""
        if self.n == 0:
            raise ValueError("no samples")
        out = np.empty(2)
        _tracker_last_lobe(self._state, self._start, self._touch, self._peak,
                           self._touch_fraction, out)
        return float(out[0]), float(out[1])

    def landing_lobe_start(self, min_peak: float, peak_fraction: float) -> float | None:
        """Start (s) of the last significant lobe when it comes after the significant lobe of
        the largest angle (the swing), else None; significant: peak ≥ ``max(min_peak,
        peak_fraction × max |x|)``, as in :func:`find_contacts`."""
        v = _tracker_landing_start(self._state, self._start, self._touch, self._peak,
                                   self._angle, self._touch_fraction, min_peak, peak_fraction)
        return None if math.isnan(v) else v

    def scan_landing(self, t: FloatArray, x: FloatArray, e: FloatArray, first: int, step: int,
                     t0: float, params: EarlyScan, t_fast: float) -> int:
        """The early-landing pre-check at the grid samples ``first``, ``first + step``, … of
        the samples ``n``, ``n + 1``, … given here (``t`` s, pitch rate ``x`` deg/s, smoothed
        |gyro| ``e`` deg/s; sample 0 is the opening anchor at ``t0``). Extends the lobes up to
        each grid sample in turn and returns the first grid sample (a sample number from the
        anchor) that passes, or -1 (the lobes then hold the samples up to the last grid
        sample tried). It passes when, over the samples since the anchor: the stride is not
        longer than ``max_stride_s``; the largest ``e`` reaches ``min_swing_peak_dps``; a
        significant lobe after the swing (:meth:`landing_lobe_start`) has lasted
        ``lookahead_s``; and the last lobe is not the one holding the fastest motion of an
        earlier full check (``t_fast``, NaN if none; see
        ``SensorPipeline._swing_still_open``)."""
        t = np.ascontiguousarray(t, dtype=np.float64)
        self._reserve(t.shape[0])
        return int(_tracker_scan(
            self._state, self._start, self._touch, self._peak, self._angle,
            self._touch_fraction, t, np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(e, dtype=np.float64), first, step, t0,
            params.max_stride_s, params.min_swing_peak_dps, params.min_lobe_dps,
            params.lobe_fraction, params.lookahead_s, t_fast))


@dataclass(frozen=True, slots=True)
class EarlyScan:
    """Thresholds of the early-landing pre-check (:meth:`LobeTracker.scan_landing`)."""

    max_stride_s: float
    min_swing_peak_dps: float
    min_lobe_dps: float
    lobe_fraction: float
    lookahead_s: float


_N, _XP, _TP, _AXB, _SAMEB, _MX, _COUNT, _EMAX = range(8)


@njit(cache=True, nogil=True)
def _tracker_extend(st: FloatArray, start: FloatArray, touch: FloatArray, peak: FloatArray,
                    angle: FloatArray, t: FloatArray, x: FloatArray, i0: int, i1: int) -> None:
    """Append samples ``i0``..``i1 - 1`` of ``t``, ``x`` to the tracker state (in place)."""
    n = int(st[_N])
    xp, tp, ax_b, same_b, mx = st[_XP], st[_TP], st[_AXB], st[_SAMEB] > 0.5, st[_MX]
    c = int(st[_COUNT])
    for i in range(i0, i1):
        ti = t[i]
        xi = x[i]
        axi = abs(xi)
        if axi > mx:
            mx = axi
        if n == 0:
            start[c], touch[c], peak[c], angle[c] = ti, -1.0, 0.0, 0.0
            c += 1
            n, xp, tp = 1, xi, ti
            continue
        axp = abs(xp)
        same = (xi >= 0) == (xp >= 0)
        if n >= 2 and same and same_b and axp <= ax_b and axp < axi:
            # the pending sample is a candidate touch: it starts its own stretch
            start[c], touch[c], peak[c], angle[c] = tp, axp, 0.0, 0.0
            c += 1
        angle[c - 1] += axp * (ti - tp)  # commit the pending sample
        if axp > peak[c - 1]:
            peak[c - 1] = axp
        if not same:  # zero crossing between the two samples (linear interpolation)
            start[c] = tp + (ti - tp) * (xp / (xp - xi))
            touch[c], peak[c], angle[c] = -1.0, 0.0, 0.0
            c += 1
        n, ax_b, same_b, xp, tp = n + 1, axp, same, xi, ti
    st[_N], st[_XP], st[_TP], st[_AXB], st[_MX] = n, xp, tp, ax_b, mx
    st[_SAMEB] = 1.0 if same_b else 0.0
    st[_COUNT] = c


@njit(cache=True, nogil=True)
def _tracker_lobes(st: FloatArray, start: FloatArray, touch: FloatArray, peak: FloatArray,
                   angle: FloatArray, touch_fraction: float, starts: FloatArray,
                   peaks: FloatArray, angles: FloatArray) -> int:
    """Merge the stretches into lobes at the current touch limit; returns their number."""
    lim = touch_fraction * st[_MX]
    m = 0
    for k in range(int(st[_COUNT])):
        if touch[k] < lim or m == 0:  # a boundary (crossings and the first carry -1)
            starts[m], peaks[m], angles[m] = start[k], peak[k], angle[k]
            m += 1
        else:
            if peak[k] > peaks[m - 1]:
                peaks[m - 1] = peak[k]
            angles[m - 1] += angle[k]
    if m > 0:
        axp = abs(st[_XP])  # the pending sample belongs to the last stretch (dt 0)
        if axp > peaks[m - 1]:
            peaks[m - 1] = axp
    return m


@njit(cache=True, nogil=True)
def _tracker_last_lobe(st: FloatArray, start: FloatArray, touch: FloatArray, peak: FloatArray,
                       touch_fraction: float, out: FloatArray) -> None:
    lim = touch_fraction * st[_MX]
    pk = abs(st[_XP])  # the pending sample
    for k in range(int(st[_COUNT]) - 1, -1, -1):
        if peak[k] > pk:
            pk = peak[k]
        if touch[k] < lim or k == 0:
            out[0], out[1] = start[k], pk
            return


@njit(cache=True, nogil=True)
def _tracker_landing_start(st: FloatArray, start: FloatArray, touch: FloatArray,
                           peak: FloatArray, angle: FloatArray, touch_fraction: float,
                           min_peak: float, peak_fraction: float) -> float:
    """:meth:`LobeTracker.landing_lobe_start` without building the lobe lists (NaN: None)."""
    lim = touch_fraction * st[_MX]
    thr = max(min_peak, peak_fraction * st[_MX])
    best = -1.0
    best_is_last = True
    last_start = math.nan
    count = 0
    cnt = int(st[_COUNT])
    k = 0
    while k < cnt:  # one lobe: a boundary stretch and the touches merged into it
        s, pk, an = start[k], peak[k], angle[k]
        k += 1
        while k < cnt and not touch[k] < lim:
            if peak[k] > pk:
                pk = peak[k]
            an += angle[k]
            k += 1
        if k == cnt:
            axp = abs(st[_XP])
            if axp > pk:
                pk = axp
        if pk >= thr:
            count += 1
            last_start = s
            if an > best:
                best = an
                best_is_last = True
            else:
                best_is_last = False
    if count < 2 or best_is_last:
        return math.nan
    return last_start


@njit(cache=True, nogil=True)
def _tracker_scan(st: FloatArray, start: FloatArray, touch: FloatArray, peak: FloatArray,
                  angle: FloatArray, touch_fraction: float, t: FloatArray, x: FloatArray,
                  e: FloatArray, first: int, step: int, t0: float, max_stride_s: float,
                  min_swing_peak: float, min_lobe: float, lobe_fraction: float,
                  lookahead_s: float, t_fast: float) -> int:
    base = int(st[_N])  # sample number of t[0]
    out = np.empty(2)
    d = first
    while d - base < t.shape[0]:
        j = d - base  # index of the grid sample in t
        # extend the lobes (and the running max of e) up to the grid sample
        n_before = int(st[_N])
        if j + 1 > n_before - base:
            lo = n_before - base
            for i in range(lo, j + 1):
                if e[i] > st[_EMAX]:
                    st[_EMAX] = e[i]
            _tracker_extend(st, start, touch, peak, angle, t, x, lo, j + 1)
        if d >= 4 and t[j] - t0 <= max_stride_s and st[_EMAX] >= min_swing_peak:
            ls = _tracker_landing_start(st, start, touch, peak, angle, touch_fraction,
                                        min_lobe, lobe_fraction)
            if not math.isnan(ls) and t[j] - ls >= lookahead_s:
                still_open = False
                if not math.isnan(t_fast) and lookahead_s > 0 and int(st[_N]) >= 3:
                    _tracker_last_lobe(st, start, touch, peak, touch_fraction, out)
                    thr = max(min_lobe, lobe_fraction * st[_MX])
                    still_open = out[1] >= thr and out[0] < t_fast
                if not still_open:
                    return d
        d += step
    return -1
