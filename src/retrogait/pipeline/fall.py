"""Fall detection: per-sensor physical evidence, then a decision across the worn sensors.

Per sensor (:class:`FallDetector`, streaming), on frames of ``frame_s`` (a sample grid counted
from the sensor's first sample, so the decisions do not depend on block sizes):

* **up**: the sensor-frame direction of gravity while the wearer is upright. Feet: the
  declared mounting's up axis (the foot is flat when standing). Trunk: learnt from the data,
  since a chest strap or a clip sits at any angle: the mean specific force of the first
  ``learn_s`` seconds (standing, or whole strides: over a stride the body's own accelerations
  average out). Both are then refined slowly while still and near upright.
* **tilt**: angle between the frame's mean specific force and ``up``, deg.
* **candidate**: ``still_s`` seconds of stillness (mean |gyro| and the spread of |acc| small;
  accelerometer-only sensors, NaN gyro: the mean specific force holds) with the sensor tilted
  beyond ``trunk_tilt_deg`` (trunk: lying) or ``foot_tilt_deg`` (foot: not flat on the ground).
  Trunk: stillness begins at most ``impact_before_s`` after an impact of ``trunk_impact_g``,
  with the upright posture (tilt below half the limit; no gyroscope needed) within
  ``motion_window_s`` before. Foot: motion of ``foot_motion_dps`` within ``motion_window_s``
  before (the impact is required of one foot, below). The candidate is a :class:`FallEvent` of
  that sensor.
* **seated** (trunk): the same impact, stillness and upright posture before, but the trunk
  still within ``trunk_tilt_deg`` of upright (sitting): a :class:`FallEvent` with evidence
  ``seated``. The trunk alone cannot tell sitting on the ground from sitting on a seat; it
  counts only with every worn foot out of its standing posture (below), and it opens no
  recovery watch of its own (the trunk is already upright).
* **recovered**: after a candidate, ``recover_s`` seconds back in the upright posture (tilt
  below half the limit) give a :class:`RecoveredEvent` of that sensor.

Across sensors (:class:`FallFusion`): with a trunk sensor worn, its lying candidate is the fall
(feet alone cannot tell lying from sitting with the legs out); its seated candidate is the fall
when every worn foot gives a candidate within ``pair_s`` (sitting on the ground with the legs
out, after a fall onto the buttocks; on a seat, kneeling or standing the feet stay flat or one
of them does; no feet worn: no decision); with feet only, every worn foot must
give a candidate, decided within ``pair_s`` of each other, one of them after an impact of at
least ``foot_impact_g`` within ``motion_window_s`` (a landing of the gait that ended or the
legs hitting the ground); ``t_s`` is then when the feet came to rest (trunk: the impact).
One alert at a time: it ends at the first recovered candidate or landing of any sensor. The
per-sensor candidates are internal: :class:`retrogait.session.GaitSession` passes them through
the fusion before anything leaves.

Delay: the decision comes ``still_s`` after stillness began, which began at most
``impact_before_s`` after the impact: at most ``still_s + impact_before_s + frame_s`` (1.9 s
with the defaults) after the impact. Constants and their physical grounds: ``docs/pipeline.md``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from retrogait.events import Event, FallEvent, Foot, LandingEvent, RecoveredEvent
from retrogait.mounting import axis_vector
from retrogait.pipeline.strapdown import STANDARD_GRAVITY
from retrogait.recording.format import SensorInfo
from retrogait.timing.clock import TimedBlock

TRUNK_PLACEMENTS = frozenset({"chest", "lower_back", "trunk"})
FOOT_PLACEMENTS = frozenset({"left_foot", "right_foot"})


class FallParams(BaseModel):
    """Parameters of the fall detector; physical units in the names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    frame_s: float = Field(0.1, gt=0, description="analysis frame, s")
    learn_s: float = Field(2.0, gt=0, description="trunk: up = mean specific force of the "
                           "first this many seconds, s")
    still_s: float = Field(0.8, gt=0, description="stillness that makes a candidate, s")
    still_gyro_dps: float = Field(
        25.0, description="still: mean |gyro| of a frame below this, deg/s (lying, breathing)")
    still_acc_m_s2: float = Field(
        1.5, description="still: standard deviation of |acc| within a frame below this, m/s²")
    impact_before_s: float = Field(
        1.0, description="the impact lies at most this long before stillness begins, s")
    trunk_impact_g: float = Field(
        2.0, description="trunk impact: peak |acc| at least this, g (body hitting the ground)")
    trunk_tilt_deg: float = Field(
        55.0, description="trunk: lying = up axis this far from upright, deg")
    foot_impact_g: float = Field(2.0, description="foot: peak |acc| of the impact, g")
    foot_motion_dps: float = Field(
        100.0, description="foot: peak |gyro| within motion_window_s before stillness at "
        "least this (gait or the fall turned the foot): the gait ended abruptly")
    foot_tilt_deg: float = Field(
        35.0, description="foot: not in its standing posture = up axis this far from flat, deg")
    motion_window_s: float = Field(2.0, description="look-back for the motion before, s")
    recover_s: float = Field(1.0, description="upright this long after a candidate = moving "
                             "again, s")
    learn_max_deg: float = Field(
        25.0, description="up is refined only from frames within this angle of it, deg")
    pair_s: float = Field(1.5, description="feet only: candidates of the feet decided "
                          "within this, s")


@dataclass(slots=True)
class _Frame:
    t: float  # time of the frame's last sample
    peak: float  # largest |acc|, m/s²
    t_peak: float
    acc: tuple[float, float, float]  # mean specific force
    gyro: float  # mean |gyro|, deg/s
    gyro_max: float
    acc_sd: float
    tilt: float = math.nan  # from up, deg


def frame_features(t: NDArray[np.float64], acc: NDArray[np.float64], gyr: NDArray[np.float64]
                   ) -> tuple[NDArray[np.float64], ...]:
    """Features of whole frames at once: ``t`` (k, n) s, ``acc`` (k, n, 3) m/s², ``gyr``
    (k, n, 3) deg/s for k frames of n samples. Returns per frame (each (k,), the mean (k, 3)):
    time of the last sample, peak |acc| and its time, mean specific force, mean and largest
    |gyro|, standard deviation of |acc|. Each frame's figures depend on its own samples only
    (the same operations in the same order whatever k)."""
    a = np.sqrt(np.add.reduce(acc * acc, axis=2))
    g = np.sqrt(np.add.reduce(gyr * gyr, axis=2))
    j = np.argmax(a, axis=1)
    rows = np.arange(a.shape[0])
    return (t[:, -1], a[rows, j], t[rows, j], acc.mean(axis=1), g.mean(axis=1), g.max(axis=1),
            a.std(axis=1))


def _norm(x: float, y: float, z: float) -> float:
    return math.sqrt(x * x + y * y + z * z)


class FallDetector:
    """Streaming fall evidence of one sensor (foot or trunk); see the module docstring.

    Blocks are cut into frames on the sensor's sample grid; the frame features of a block are
    computed together (:func:`frame_features`), then each frame passes the decision steps in
    order with plain floats."""

    def __init__(self, info: SensorInfo, rate_hz: float, params: FallParams | None = None
                 ) -> None:
        self.info = info
        self.p = params or FallParams()
        self.trunk = info.placement in TRUNK_PLACEMENTS
        if not self.trunk and info.placement not in FOOT_PLACEMENTS:
            raise ValueError(f"no fall detection for placement {info.placement}")
        self.n = max(1, round(self.p.frame_s * rate_hz))
        keep = math.ceil((self.p.motion_window_s + self.p.still_s + 2 * self.p.frame_s)
                         / self.p.frame_s) + 2
        self.frames: deque[_Frame] = deque(maxlen=keep)
        self._acc = np.empty((self.n, 3))
        self._gyr = np.empty((self.n, 3))
        self._t = np.empty(self.n)
        self._k = 0  # samples in the current frame
        up = None if self.trunk else axis_vector(info.mounting.up_axis)
        self.up: tuple[float, float, float] | None = (
            None if up is None else (float(up[0]), float(up[1]), float(up[2])))
        self._learn: list[tuple[float, float, float]] = []
        self._still_run = 0  # consecutive still-and-tilted frames
        self._seated_run = 0  # trunk: consecutive still frames within the tilt limit
        self._upright_run = 0
        self.fallen_at: float | None = None  # impact time of the open candidate
        self.tilt_limit = self.p.trunk_tilt_deg if self.trunk else self.p.foot_tilt_deg
        self._need = round(self.p.still_s / self.p.frame_s)

    # --------------------------------------------------------------------------------- stream
    def process(self, block: TimedBlock) -> list[Event]:
        """Feed timed samples (sensor frame, m/s² and deg/s); returns candidate events."""
        out: list[Event] = []
        m = len(block.t)
        n = self.n
        i = 0
        if self._k:  # complete the frame begun in an earlier block
            take = min(n - self._k, m)
            self._acc[self._k:self._k + take] = block.acc[:take]
            self._gyr[self._k:self._k + take] = block.gyr[:take]
            self._t[self._k:self._k + take] = block.t[:take]
            self._k += take
            i = take
            if self._k == n:
                self._k = 0
                out.extend(self._frames(self._t[None], self._acc[None], self._gyr[None]))
        whole = (m - i) // n
        if whole:
            j = i + whole * n
            out.extend(self._frames(np.asarray(block.t[i:j]).reshape(whole, n),
                                    np.asarray(block.acc[i:j]).reshape(whole, n, 3),
                                    np.asarray(block.gyr[i:j]).reshape(whole, n, 3)))
            i = j
        if i < m:  # the start of the next frame
            take = m - i
            self._acc[:take] = block.acc[i:]
            self._gyr[:take] = block.gyr[i:]
            self._t[:take] = block.t[i:]
            self._k = take
        return out

    def finish(self) -> list[Event]:
        return []

    def _frames(self, t: NDArray[np.float64], acc: NDArray[np.float64],
                gyr: NDArray[np.float64]) -> list[Event]:
        out: list[Event] = []
        cols = [c.tolist() for c in frame_features(t, acc, gyr)]
        for tl, peak, tp, a, gm, gx, sd in zip(*cols, strict=True):
            out.extend(self._frame(_Frame(tl, peak, tp, (a[0], a[1], a[2]), gm, gx, sd)))
        return out

    def tilt_deg(self, acc: Sequence[float]) -> float:
        """Angle between specific force ``acc`` (3 floats) and the upright direction, deg
        (nan before the trunk's up is learnt)."""
        if self.up is None:
            return math.nan
        ax, ay, az = acc
        norm = _norm(ax, ay, az)
        if norm < 1e-6:
            return math.nan
        ux, uy, uz = self.up
        c = (ax * ux + ay * uy + az * uz) / norm
        return math.degrees(math.acos(max(-1.0, min(1.0, c))))

    def _frame(self, f: _Frame) -> list[Event]:
        p = self.p
        self.frames.append(f)
        if self.up is None:
            self._learn.append(f.acc)
            if len(self._learn) * p.frame_s >= p.learn_s - 1e-9:
                mean = np.mean(self._learn, axis=0)
                up = mean / max(float(np.linalg.norm(mean)), 1e-9)
                self.up = (float(up[0]), float(up[1]), float(up[2]))
                self._learn.clear()
            return []
        tilt = self.tilt_deg(f.acc)
        f.tilt = tilt
        ax, ay, az = f.acc
        if math.isnan(f.gyro):  # accelerometer only: the mean specific force holds still
            px, py, pz = self.frames[-2].acc if len(self.frames) > 1 else f.acc
            quiet = _norm(ax - px, ay - py, az - pz) < p.still_acc_m_s2
        else:
            quiet = f.gyro < p.still_gyro_dps
        still = quiet and f.acc_sd < p.still_acc_m_s2
        if still and tilt < p.learn_max_deg:  # refine up while standing still
            k = max(_norm(ax, ay, az), 1e-9)
            ux, uy, uz = self.up
            ux += 0.05 * (ax / k - ux)
            uy += 0.05 * (ay / k - uy)
            uz += 0.05 * (az / k - uz)
            k = _norm(ux, uy, uz)
            self.up = (ux / k, uy / k, uz / k)
        out: list[Event] = []
        if self.fallen_at is not None:
            self._upright_run = self._upright_run + 1 if tilt < self.tilt_limit / 2 else 0
            if self._upright_run * p.frame_s >= p.recover_s - 1e-9:
                out.append(RecoveredEvent(
                    t_s=f.t, emitted_at_s=f.t, sensor=self.info.id, foot=_foot(self.info),
                    fall_t_s=self.fallen_at))
                self.fallen_at = None
                self._still_run = 0
            return out
        self._still_run = self._still_run + 1 if still and tilt > self.tilt_limit else 0
        need = self._need
        if self.trunk:
            self._seated_run = self._seated_run + 1 if still and tilt <= self.tilt_limit else 0
            if self._seated_run == need:
                return self._candidate(f, tilt, seated=True)
        if self._still_run != need:
            return out
        return self._candidate(f, tilt, seated=False)

    def _candidate(self, f: _Frame, tilt: float, seated: bool) -> list[Event]:
        """The checks on the frames before ``need`` still frames ending with ``f``."""
        p = self.p
        need = self._need
        out: list[Event] = []
        frames = list(self.frames)
        start = frames[-need].t - p.frame_s  # stillness began here
        before = [fr for fr in frames[:-need] if fr.t > start - p.impact_before_s]
        motion = [fr for fr in frames[:-need] if fr.t > start - p.motion_window_s]
        if not before:
            return out
        # feet: the last landing or kick of the gait that ended, anywhere in the look-back
        impact = max(before if self.trunk else motion, key=lambda fr: fr.peak)
        if self.trunk:  # upright shortly before, then down with an impact
            ok = (impact.peak >= p.trunk_impact_g * STANDARD_GRAVITY
                  and any(fr.tilt < self.tilt_limit / 2 for fr in motion))
        else:  # the foot moved into this posture (the impact is checked across the feet)
            ok = max(fr.gyro_max for fr in motion) >= p.foot_motion_dps
        if ok:
            # t_s: trunk the impact; feet the moment they came to rest (the body's impact
            # barely reaches them)
            t_fall = impact.t_peak if self.trunk else round(start, 6)
            if not seated:  # seated: the trunk is upright already, the feet tell recovery
                self.fallen_at = t_fall
                self._upright_run = 0
            out.append(FallEvent(
                t_s=t_fall, emitted_at_s=f.t, sensor=self.info.id, foot=_foot(self.info),
                peak_acc_m_s2=round(impact.peak, 2),
                evidence="seated" if seated else "trunk" if self.trunk else "feet",
                tilt_deg=round(tilt, 1), sensors=[self.info.id]))
        return out


def _foot(info: SensorInfo) -> Foot:
    return "left" if info.placement == "left_foot" else (
        "right" if info.placement == "right_foot" else "unknown")


def make_detector(info: SensorInfo, rate_hz: float, params: FallParams | None = None
                  ) -> FallDetector | None:
    """A detector for a foot or trunk sensor; None for other placements."""
    if info.placement in TRUNK_PLACEMENTS | FOOT_PLACEMENTS:
        return FallDetector(info, rate_hz, params)
    return None


class FallFusion:
    """Turns the per-sensor candidates into the session's fall alerts (module docstring)."""

    def __init__(self, sensors: Sequence[SensorInfo], params: FallParams | None = None) -> None:
        self.p = params or FallParams()
        self.trunk = {s.id for s in sensors if s.placement in TRUNK_PLACEMENTS}
        self.feet = {s.id for s in sensors if s.placement in FOOT_PLACEMENTS}
        self._pending: dict[str, FallEvent] = {}
        self.active: FallEvent | None = None

    def process(self, events: list[Event]) -> list[Event]:
        """Replace candidates by decisions; every other event passes unchanged, in order."""
        out: list[Event] = []
        for e in events:
            if isinstance(e, FallEvent):
                out.extend(self._candidate(e))
            elif isinstance(e, RecoveredEvent):
                out.extend(self._recovered(e.sensor, e.foot, e.emitted_at_s))
            else:
                out.append(e)
                if isinstance(e, LandingEvent):
                    out.extend(self._recovered(e.sensor, e.foot, e.emitted_at_s, e.t_s))
        return out

    def _candidate(self, e: FallEvent) -> list[Event]:
        if self.active is not None:
            return []
        if self.trunk:
            if e.sensor not in self.trunk or e.evidence == "seated":
                self._pending[e.sensor] = e
                return self._seated()
            support = [c.sensor for c in self._recent(e)]
            self.active = e.model_copy(update={"sensors": [e.sensor, *support]})
            return [self.active]
        self._pending[e.sensor] = e
        group = [*self._recent(e), e]
        peak = max(group, key=lambda c: c.peak_acc_m_s2)
        if ({c.sensor for c in group} >= self.feet
                and peak.peak_acc_m_s2 >= self.p.foot_impact_g * STANDARD_GRAVITY):
            self.active = e.model_copy(update={
                "t_s": min(c.t_s for c in group), "peak_acc_m_s2": peak.peak_acc_m_s2,
                "sensors": sorted(c.sensor for c in group)})
            self._pending.clear()
            return [self.active]
        return []

    def _seated(self) -> list[Event]:
        """A seated trunk candidate with a candidate of every worn foot within ``pair_s``."""
        for trunk in [c for c in self._pending.values() if c.evidence == "seated"]:
            feet = [c for s, c in self._pending.items() if s in self.feet
                    and abs(c.emitted_at_s - trunk.emitted_at_s) <= self.p.pair_s]
            if self.feet and {c.sensor for c in feet} >= self.feet:
                last = max([trunk, *feet], key=lambda c: c.emitted_at_s)
                self.active = trunk.model_copy(update={
                    "emitted_at_s": last.emitted_at_s,
                    "sensors": [trunk.sensor, *sorted(c.sensor for c in feet)]})
                self._pending.clear()
                return [self.active]
        return []

    def _recent(self, e: FallEvent) -> list[FallEvent]:
        return [c for s, c in self._pending.items()
                if s != e.sensor and abs(c.emitted_at_s - e.emitted_at_s) <= self.p.pair_s]

    def _recovered(self, sensor: str, foot: Foot, t: float, after: float | None = None
                   ) -> list[Event]:
        a = self.active
        if a is None or (after is not None and after <= a.emitted_at_s):
            return []
        self.active = None
        self._pending.clear()
        return [RecoveredEvent(t_s=t, emitted_at_s=t, sensor=sensor, foot=foot,
                               fall_t_s=a.t_s)]
