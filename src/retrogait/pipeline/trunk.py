"""Trunk pipeline: timed samples of a chest or lower-back sensor -> per-step trunk events.

Works with an accelerometer alone (a Polar H10 has no gyroscope; NaN gyro is ignored); a
lower-back gyroscope gives the side of each landing (``_side``).
Method and measured accuracy in ``docs/pipeline.md`` (Trunk pipeline).

1. **Orientation learnt from the data.** Up = the mean specific force of the first
   ``learn_s`` seconds (the session starts standing, or over whole strides the body's own
   accelerations average out); this is the runner's *upright baseline*: pitch and roll are
   measured from it. Forward = the declared mounting's forward axis (``toe_axis``) made
   orthogonal to up; with ``forward_from_first_steps`` (sensor axes unknown) the
   anterior-posterior axis is the main axis of the horizontal acceleration over the first
   ``first_steps`` steps, signed so that they travel forward.
2. **Vertical acceleration** ``a_v`` = specific force along the current gravity direction (a
   ``gravity_tau_s`` low-pass of the specific force) minus g, smoothed by a centred Gaussian
   (``smooth_s``): zero-phase at a fixed delay.
3. **Steps.** Each landing loads the body: ``a_v`` rises from its low (flight, or the end of
   single support) to a peak. Peaks of at least ``peak_fraction`` of the largest ``a_v`` of
   the ``reference_s`` before them (so the threshold follows a change of gait within a step or
   two) and ``min_peak_m_s2``, at least ``min_step_fraction`` of the last step apart, are
   steps. The landing is the contact's impact: on ``a_v`` smoothed only by
   ``landing_smooth_s``, the first spike in the ``rise_window_s`` before the peak that reaches
   ``impact_fraction`` of the loading's rise (a double loading, heel then forefoot slap, has
   two), and the steepest rise before it. A bout's first landing is emitted with the second
   (measured over the step between them); a lone peak is no step.
4. **Per step** (landing to landing): pitch/roll of the mean specific force (gravity, since
   the body's own accelerations average out over a step) against the baseline; vertical
   oscillation by double integration of ``a_v`` with the velocity's mean and the position's
   trend removed (periodic motion); contact time = part of the step not in free fall;
   direction of travel from braking: the horizontal acceleration along forward in the first
   ``brake_fraction`` of the step (after the landing) minus its step mean is negative when
   travelling forward (the ground brakes the body) and positive when travelling backward.
5. **Posture**: during backward steps, the median pitch of the last ``posture_steps`` steps
   below the limit gives a ``posture`` event (``lean_back``), above it again ``upright``. The
   limit is ``lean_back_deg`` below the runner's baseline (median pitch of their first
   ``baseline_steps`` backward steps), or ``absolute_limit_deg`` when set.

Streaming: decisions at definite samples (a peak is confirmed ``confirm_s`` after it), memory a
ring of ``buffer_s`` seconds; feeding the same samples in any block sizes gives the same events.
"""

from __future__ import annotations

import math
import statistics
from collections import deque

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from retrogait.events import Direction, Event, Foot, PostureEvent, TrunkStepEvent
from retrogait.mounting import axis_vector
from retrogait.pipeline.strapdown import STANDARD_GRAVITY
from retrogait.recording.format import SensorInfo
from retrogait.timing.clock import TimedBlock

TRUNK_PLACEMENTS = frozenset({"chest", "lower_back", "trunk"})


class TrunkParams(BaseModel):
    """Parameters of the trunk pipeline; physical units in the names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    learn_s: float = Field(2.0, gt=0, description="upright baseline = mean specific force of "
                           "the first this many seconds, s")
    gravity_tau_s: float = Field(2.0, gt=0, description="gravity direction low-pass, s")
    smooth_s: float = Field(0.03, gt=0, description="Gaussian sigma of the a_v smoothing, s")
    min_peak_m_s2: float = Field(1.0, description="smallest a_v peak of a step, m/s²")
    peak_fraction: float = Field(0.35, description="a peak must reach this fraction of the "
                                 "largest a_v of the reference_s before it")
    reference_s: float = Field(1.0, gt=0, description="a peak is compared with the largest "
                               "a_v of this much time before it, s")
    min_step_s: float = Field(0.22, description="shortest step, s (270 steps/min)")
    min_step_fraction: float = Field(0.4, description="and at least this fraction of the "
                                     "previous step time")
    max_step_s: float = Field(1.6, description="longer = a new bout, s")
    rise_window_s: float = Field(0.2, description="landing search before a peak, s")
    landing_smooth_s: float = Field(0.01, gt=0, description="Gaussian sigma of the a_v "
                                    "smoothing for the landing time, s")
    impact_fraction: float = Field(0.5, description="the contact is the first spike of the "
                                   "finely smoothed a_v reaching this fraction of the loading's "
                                   "rise")
    impact_after_s: float = Field(0.1, description="the impact spike is searched up to this "
                                  "long after the step peak, s")
    confirm_s: float = Field(0.2, description="a peak is confirmed after this, s")
    brake_fraction: float = Field(0.3, description="braking window after the landing, share "
                                  "of the step")
    direction_min_m_s2: float = Field(
        0.05, description="smaller braking signals give direction in_place, m/s²")
    side_window_s: float = Field(0.15, gt=0, description="roll rate after the landing that "
                                 "gives its side, s")
    side_min_deg_s: float = Field(2.0, ge=0, description="a smaller mean roll rate gives side "
                                  "unknown, deg/s")
    cadence_steps: int = Field(8, ge=1, description="steps in the cadence")
    cadence_outlier: float = Field(0.3, gt=0, description="a step this far from the median "
                                   "step time (share of it) makes the cadence their median")
    free_fall_g: float = Field(0.5, description="|specific force| below this = flight, g")
    forward_from_first_steps: bool = Field(
        False, description="learn the forward axis from the first steps (assumed forward) "
        "instead of the declared mounting")
    first_steps: int = Field(8, ge=3, description="steps that define forward when learnt")
    posture_steps: int = Field(6, ge=1, description="steps of lean back before the event")
    baseline_steps: int = Field(20, ge=3, description="backward steps of the baseline")
    lean_back_deg: float = Field(8.0, gt=0, description="lean back beyond the baseline, deg")
    absolute_limit_deg: float | None = Field(
        None, description="absolute pitch limit instead (deg, + forward), e.g. -10")
    buffer_s: float = Field(4.0, description="ring buffer, s")
    gravity_m_s2: float = STANDARD_GRAVITY


class TrunkPipeline:
    """Streaming per-step analysis of one trunk sensor; see the module docstring."""

    def __init__(self, info: SensorInfo, params: TrunkParams | None = None,
                 rate_hz: float = 100.0) -> None:
        self.info = info
        self.p = params or TrunkParams()
        self.rate = rate_hz
        p = self.p
        sig = max(1.0, p.smooth_s * rate_hz)
        self.half = math.ceil(3 * sig)
        k = np.arange(-self.half, self.half + 1)
        w = np.exp(-0.5 * (k / sig) ** 2)
        self.kernel = w / w.sum()
        sig = max(0.3, p.landing_smooth_s * rate_hz)
        k = np.arange(-math.ceil(3 * sig), math.ceil(3 * sig) + 1)
        w = np.exp(-0.5 * (k / sig) ** 2)
        self.fine = w / w.sum()
        self.cap = int(p.buffer_s * rate_hz)
        self.t = np.empty(0)
        self.acc = np.empty((0, 3))
        self.gyr = np.empty((0, 3))  # deg/s, NaN without a gyroscope
        self.av = np.empty(0)  # raw vertical acceleration
        self.avs = np.empty(0)  # smoothed, valid up to len - half
        self.gdir: np.ndarray | None = None  # current gravity direction (sensor frame)
        self._g: np.ndarray | None = None
        self.alpha = 1.0 - math.exp(-1.0 / (p.gravity_tau_s * rate_hz))
        self.up: np.ndarray | None = None  # upright baseline
        self.fwd: np.ndarray | None = None
        self._learn: list[np.ndarray] = []
        self._next = 0  # index (absolute sample count) of the next peak candidate to test
        self.base = 0  # absolute index of self.t[0]
        self.last_peak_i = -10**9
        self.last_ic: float | None = None
        self._bout_start = False  # last_ic opened a bout (its event waits for the next landing)
        self.steps: deque[float] = deque(maxlen=p.cadence_steps)
        self._first: list[np.ndarray] = []  # horizontal acc of the first steps
        self.pitch_hist: deque[float] = deque(maxlen=p.posture_steps)
        self.baseline: list[float] = []
        self.baseline_deg: float | None = None
        self.leaning = False
        self._lean_run = 0

    # ------------------------------------------------------------------------------ stream
    def process(self, block: TimedBlock) -> list[Event]:
        """Feed timed samples (sensor frame, m/s², deg/s or NaN); returns trunk events."""
        out: list[Event] = []
        chunk = max(1, int(0.25 * self.rate))  # the ring must not drop unscanned samples
        for i in range(0, len(block.t), chunk):
            out.extend(self._process(np.asarray(block.t[i:i + chunk], dtype=np.float64),
                                     np.asarray(block.acc[i:i + chunk], dtype=np.float64),
                                     np.asarray(block.gyr[i:i + chunk], dtype=np.float64)))
        return out

    def _process(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[Event]:
        av = np.zeros(len(acc))
        start = 0
        if self.up is None:  # learn from exactly the first learn_s of samples
            need = round(self.p.learn_s * self.rate) - len(self._learn)
            start = min(need, len(acc))
            self._learn.extend(acc[:start])
            if start == need:
                m = np.mean(self._learn, axis=0)
                self.up = m / np.linalg.norm(m)
                self.gdir = self.up.copy()
                self.fwd = self._declared_forward()
                self._learn.clear()
        if self.gdir is not None:
            g = self._g if self._g is not None else self.gdir  # raw filter state
            for i in range(start, len(acc)):  # first-order low-pass of the gravity direction
                a = acc[i]
                g = g + self.alpha * (a / max(float(np.linalg.norm(a)), 1e-6) - g)
                av[i] = float(a @ g) / max(float(np.linalg.norm(g)), 1e-9) - self.p.gravity_m_s2
            self._g = g
            self.gdir = g / float(np.linalg.norm(g))
        self._append(t, acc, gyr, av)
        return self._scan()

    def finish(self) -> list[Event]:
        return []

    def _declared_forward(self) -> np.ndarray:
        assert self.up is not None
        f = axis_vector(self.info.mounting.toe_axis)
        f = f - (f @ self.up) * self.up
        n = float(np.linalg.norm(f))
        if n < 0.3:  # the declared forward axis is nearly vertical here: any horizontal axis
            f = np.cross(self.up, [1.0, 0.0, 0.0] if abs(self.up[0]) < 0.9 else [0.0, 1.0, 0.0])
            n = float(np.linalg.norm(f))
        return np.asarray(f / n)

    def _append(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, av: np.ndarray) -> None:
        self.t = np.concatenate([self.t, t])
        self.acc = np.concatenate([self.acc, acc])
        self.gyr = np.concatenate([self.gyr, gyr])
        self.av = np.concatenate([self.av, av])
        # smoothed values for indices whose whole kernel is present
        done = len(self.avs)
        upto = len(self.av) - self.half
        if upto > done:
            lo = done - self.half
            seg = self.av[max(0, lo):upto + self.half]
            if lo < 0:
                seg = np.concatenate([np.full(-lo, seg[0]), seg])
            self.avs = np.concatenate([self.avs, np.convolve(seg, self.kernel, mode="valid")])
        extra = len(self.t) - self.cap
        if extra > 0:
            self.t, self.acc, self.gyr = self.t[extra:], self.acc[extra:], self.gyr[extra:]
            self.av, self.avs = self.av[extra:], self.avs[extra:]
            self.base += extra

    # ------------------------------------------------------------------------------ steps
    def _scan(self) -> list[Event]:
        p = self.p
        out: list[Event] = []
        conf = round(p.confirm_s * self.rate)
        n_valid = len(self.avs)
        i = max(self._next - self.base, 1)
        last = n_valid - conf - 1
        if self.up is None:
            self._next = self.base + max(i, last)
            return out
        avs = self.avs
        while i <= last:
            v = avs[i]
            if (v >= p.min_peak_m_s2 and v >= avs[i - 1] and v > avs[i + 1]
                    and v >= float(np.max(avs[max(0, i - conf):i + conf + 1]))):
                out.extend(self._peak(i))
            i += 1
        self._next = self.base + i
        return out

    def _peak(self, i: int) -> list[Event]:
        p = self.p
        v = float(self.avs[i])
        w = round(p.reference_s * self.rate)
        if v < p.peak_fraction * float(np.max(self.avs[max(0, i - w):i + 1])):
            return []
        absolute = self.base + i
        gap = (absolute - self.last_peak_i) / self.rate
        least = p.min_step_s
        if self.steps:
            least = max(least, p.min_step_fraction * self.steps[-1])
        if gap < least:
            return []
        self.last_peak_i = absolute
        lo = max(1, i - round(p.rise_window_s * self.rate))
        # the landing: the first impact of the loading, on a_v smoothed only by the landing
        # kernel (the impact transient that the step detector's smoothing blurs). A double
        # loading (heel, then forefoot slap) has two spikes: the first one that reaches
        # impact_fraction of the loading's rise is the contact; the landing is the steepest
        # rise before it.
        h = len(self.fine) // 2
        hi = min(len(self.av) - h - 1, i + round(p.impact_after_s * self.rate))
        a0 = max(0, lo - 1 - h)
        seg = self.av[a0:hi + 1 + h]
        if a0 > lo - 1 - h:
            seg = np.concatenate([np.full(a0 - (lo - 1 - h), seg[0]), seg])
        fine = np.convolve(seg, self.fine, mode="valid")  # indices lo-1 .. hi
        base = float(np.min(fine[:i - lo + 2]))
        top = float(np.max(fine))
        spike = np.zeros(len(fine), dtype=bool)
        spike[1:-1] = (fine[1:-1] >= fine[:-2]) & (fine[1:-1] > fine[2:])
        spike[-1] = True  # the window's end closes the search
        spike &= fine - base >= p.impact_fraction * (top - base)
        k1 = max(1, int(np.argmax(spike)))
        slope = np.diff(fine[:k1 + 1])
        j = lo + int(np.argmax(slope))
        # the steepest rise lies between samples j-1 and j: its time is their midpoint
        ic = float(0.5 * (self.t[j - 1] + self.t[j]))
        emitted = float(self.t[i + round(p.confirm_s * self.rate)])
        prev, self.last_ic = self.last_ic, ic
        if prev is None or not (0 < ic - prev <= p.max_step_s):
            self.steps.clear()
            self._bout_start = True
            return []
        first, self._bout_start = self._bout_start, False
        return self._step(prev, ic, emitted, first)

    def _window(self, t0: float, t1: float) -> slice:
        a = int(np.searchsorted(self.t, t0))
        b = int(np.searchsorted(self.t, t1))
        return slice(a, max(b, a + 2))

    def _step(self, t0: float, t1: float, emitted: float, first: bool = False) -> list[Event]:
        """The step from landing t0 to landing t1; ``first``: t0 opened the bout, so it gets
        its own event too, measured over this same step (no step precedes it)."""
        p = self.p
        assert self.up is not None and self.fwd is not None and self.gdir is not None
        step = t1 - t0
        self.steps.append(step)
        w = self._window(t0, t1)
        acc = self.acc[w]
        g = acc.mean(axis=0)
        u, f = self.up, self.fwd
        left = np.cross(u, f)
        pitch = math.degrees(math.atan2(-float(g @ f), float(g @ u)))
        roll = math.degrees(math.atan2(float(g @ left), float(g @ u)))
        # vertical oscillation: double integration, periodic over the step
        dt = 1.0 / self.rate
        av = self.av[w]
        vel = np.cumsum(av) * dt
        vel -= vel.mean()
        z = np.cumsum(vel) * dt
        z -= np.linspace(z[0], z[-1], len(z))
        osc_cm = float(np.ptp(z)) * 100.0
        flight = np.linalg.norm(acc, axis=1) < p.free_fall_g * p.gravity_m_s2
        contact = step * (1.0 - float(np.mean(flight)))
        # direction: braking after the landing along the horizontal forward axis
        gd = self.gdir
        fh = f - (f @ gd) * gd
        fh /= max(float(np.linalg.norm(fh)), 1e-9)
        a_ap = acc @ fh
        nb = max(2, round(p.brake_fraction * len(a_ap)))
        brake = float(a_ap[:nb].mean() - a_ap.mean())
        direction: Direction = ("in_place" if abs(brake) < p.direction_min_m_s2
                                else "forward" if brake < 0 else "backward")
        if p.forward_from_first_steps and len(self._first) < p.first_steps:
            self._learn_forward(acc, gd)
            direction = "forward"  # by definition: the first steps define forward
        out: list[Event] = []
        for t_s in (t0, t1) if first else (t1,):
            ev = TrunkStepEvent(
                t_s=round(t_s, 6), emitted_at_s=emitted, sensor=self.info.id,
                foot=self._side(t_s),
                step_time_s=round(step, 4),
                cadence_spm=round(self._cadence(), 2),
                vertical_oscillation_cm=round(osc_cm, 2), pitch_deg=round(pitch, 2),
                roll_deg=round(roll, 2), contact_time_s=round(contact, 3), direction=direction)
            out += [ev, *self._posture(ev)]
        return out

    def _side(self, ic: float) -> Foot:
        """The landing foot from the pelvis's roll rate just after the landing (lower back with a
        gyroscope): in early stance the pelvis drops on the swing side (docs/references.md
        [PERRY2010]), so it rolls toward the right after a left landing (+ about the anterior
        axis) and toward the left after a right one. ``unknown`` without a gyroscope, for the
        chest (the thorax need not follow the pelvis) and below ``side_min_deg_s``."""
        if self.info.placement != "lower_back" or self.fwd is None or (
                self.p.forward_from_first_steps and len(self._first) < self.p.first_steps):
            return "unknown"  # no side before the anterior axis is known
        a = int(np.searchsorted(self.t, ic))
        w = self.gyr[a:a + max(1, round(self.p.side_window_s * self.rate))]
        if len(w) == 0 or np.isnan(w).any():
            return "unknown"
        roll = float(np.mean(w @ self.fwd))
        if abs(roll) < self.p.side_min_deg_s:
            return "unknown"
        return "left" if roll > 0 else "right"

    def _cadence(self) -> float:
        """Steps/min over the bout's last ``cadence_steps`` steps: their count over their span
        (the landing errors enter only at its two ends), or 60 / their median when one step is
        far from the others (a missed or an extra landing would bias the mean)."""
        med = statistics.median(self.steps)
        if all(abs(s - med) <= self.p.cadence_outlier * med for s in self.steps):
            return 60.0 * len(self.steps) / sum(self.steps)
        return 60.0 / med

    def _learn_forward(self, acc: np.ndarray, gd: np.ndarray) -> None:
        """Collect the horizontal acceleration of the first steps; then the AP axis is its main
        axis, signed so that those steps braked as forward travel does."""
        assert self.up is not None
        h = acc - np.outer(acc @ gd, gd)
        self._first.append(h - h.mean(axis=0))
        if len(self._first) < self.p.first_steps:
            return
        allh = np.concatenate(self._first)
        cov = allh.T @ allh
        vals, vecs = np.linalg.eigh(cov)
        f = vecs[:, int(np.argmax(vals))]
        f = f - (f @ self.up) * self.up
        f /= float(np.linalg.norm(f))
        votes = 0.0
        for x in self._first:
            a = x @ f
            nb = max(2, round(self.p.brake_fraction * len(a)))
            votes += float(a[:nb].mean() - a.mean())
        self.fwd = f if votes < 0 else -f

    # ------------------------------------------------------------------------------ posture
    def _posture(self, ev: TrunkStepEvent) -> list[Event]:
        p = self.p
        if ev.direction != "backward":
            return []
        if self.baseline_deg is None and p.absolute_limit_deg is None:
            self.baseline.append(ev.pitch_deg)
            if len(self.baseline) >= p.baseline_steps:
                self.baseline_deg = statistics.median(self.baseline)
            return []
        base = self.baseline_deg if self.baseline_deg is not None else 0.0
        limit = (p.absolute_limit_deg if p.absolute_limit_deg is not None
                 else base - p.lean_back_deg)
        self.pitch_hist.append(ev.pitch_deg)
        if len(self.pitch_hist) < p.posture_steps:
            return []
        med = statistics.median(self.pitch_hist)
        now = med < limit
        if now == self.leaning:
            return []
        self.leaning = now
        return [PostureEvent(
            t_s=ev.t_s, emitted_at_s=ev.emitted_at_s, sensor=self.info.id,
            state="lean_back" if now else "upright", pitch_deg=round(med, 2),
            baseline_deg=round(base, 2), limit_deg=round(limit, 2), steps=p.posture_steps)]
