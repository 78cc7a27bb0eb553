"""Cross-sensor fusion: per-foot events -> smoothed cadence, steps, flight time, balance.

All event times are already on the recording time base (each sensor's clock was mapped by
:mod:`retrogait.timing`), so both feet are compared directly.

* **Cadence** (:class:`CadenceEvent`, on every stride): per foot, 120 / mean stride time of its
  strides that ended in ``[t_s - window_s, t_s]`` (``t_s`` = the closing landing of the stride
  that triggers it = the window end) and whose time data gaps can hardly have moved
  (:func:`_timed`); feet averaged. Using stride times (not landing counts)
  keeps one missed landing from biasing the rate. It is a trailing average by definition: after
  a change of pace it reaches the new cadence once the window holds only new strides
  (``retrogait.evaluate`` scores it against the true strides of the same window).
* **Steps** (:class:`StepEvent`, needs two foot sensors): a landing of foot B between two
  landings of foot A is a step of B. Step time = B's landing − A's previous landing; flight
  time = B's landing − A's toe-off before it (``LandingEvent.toe_off_before_s`` of A's next
  landing), None when the feet overlap on the ground (walking). So a step is emitted when A's
  next landing arrives, about one step after B's landing.
* **Balance**: left share of the recent step times, %.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from retrogait.events import CadenceEvent, Event, Foot, LandingEvent, StepEvent, StrideEvent
from retrogait.pipeline.params import LandingParams
from retrogait.recording.format import FOOT_OF_PLACEMENT as _FOOT
from retrogait.recording.format import SensorInfo


class FusionParams(BaseModel):
    """Parameters of the cross-sensor fusion (units in the names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_s: float = Field(6.0, gt=0, description="cadence window (trailing), s")
    balance_steps: int = Field(20, ge=1, description="balance over this many last steps per foot")
    max_step_s: float = Field(2.0, gt=0, description=(
        "longest step (a landing to the other foot's next landing), s"))
    stride_history_s: float = Field(10.0, ge=0, description=(
        "strides are kept this long before the cadence window, s (events of the two feet "
        "arrive up to a stride apart)"))
    idle_foot_s: float = Field(LandingParams().max_stride_s, gt=0, description=(
        "the other foot counts for cadence only when its last stride ended at most this long "
        "before the current one, s (else it stands or its sensor is gone): the pipeline's "
        "longest stride"))
    max_time_error_share: float = Field(0.05, gt=0, description=(
        "a stride's time counts for cadence when data gaps can have moved it by at most this "
        "share of it"))


@dataclass
class _Land:
    t: float
    toe_off_before: float | None


class Fusion:
    """Consumes every sensor's events in stream order; returns derived events."""

    def __init__(self, sensors: list[SensorInfo], params: FusionParams | None = None) -> None:
        self.sensors = sensors
        self.params = p = params or FusionParams()
        self.window_s = p.window_s
        self.max_step_s = p.max_step_s
        balance_steps = p.balance_steps
        feet = [s for s in sensors if s.placement in _FOOT]
        self._foot: dict[str, Foot] = {s.id: _FOOT[s.placement] for s in feet}
        self._bilateral = len({self._foot[s.id] for s in feet}) == 2
        self._strides: dict[str, deque[StrideEvent]] = {s.id: deque(maxlen=64) for s in sensors}
        self._lands: dict[str, deque[_Land]] = {s.id: deque(maxlen=8) for s in feet}
        self._pending: dict[str, deque[_Land]] = {s.id: deque(maxlen=8) for s in feet}
        self._step_times: dict[str, deque[float]] = {
            "left": deque(maxlen=balance_steps), "right": deque(maxlen=balance_steps)}

    def process(self, events: list[Event]) -> list[Event]:
        out: list[Event] = []
        for e in events:
            if isinstance(e, StrideEvent) and e.sensor in self._strides:
                out.append(self._cadence(e))
            elif isinstance(e, LandingEvent) and self._bilateral and e.sensor in self._lands:
                land = _Land(e.t_s, e.toe_off_before_s)
                self._lands[e.sensor].append(land)
                self._pending[e.sensor].append(land)
                out.extend(self._steps(e.emitted_at_s))
        return out

    def finish(self) -> list[Event]:
        return []

    # ------------------------------------------------------------------ cadence
    def _cadence(self, e: StrideEvent) -> CadenceEvent:
        dq = self._strides[e.sensor]
        dq.append(e)
        lo = e.t_s - self.window_s
        rates = []
        n = 0
        backward = 0
        for sid, strides in self._strides.items():
            while strides and strides[0].t_s < lo - self.params.stride_history_s:
                strides.popleft()
            recent = [s for s in strides
                      if s.t_s >= lo and _timed(s, self.params.max_time_error_share)]
            if sid != e.sensor and (not recent or recent[-1].t_s < e.t_s - self.params.idle_foot_s):
                continue  # that foot is not moving (or its sensor is gone)
            if recent:
                rates.append(120.0 * len(recent) / sum(s.stride_time_s for s in recent))
                n += 2 * len(recent)
                backward += 2 * sum(s.direction == "backward" for s in recent)
        spm = sum(rates) / len(rates) if rates else e.cadence_spm
        return CadenceEvent(
            t_s=e.t_s, emitted_at_s=e.emitted_at_s, steps_per_min=spm, window_s=self.window_s,
            steps_in_window=n, backward_share=backward / n if n else 0.0,
        )

    # ------------------------------------------------------------------ steps
    def _steps(self, now: float) -> list[Event]:
        out: list[Event] = []
        for sid, pend in self._pending.items():
            foot = self._foot[sid]
            other = [o for o in self._lands if self._foot[o] != foot]
            if not other:
                continue
            others = sorted(self._lands[other[0]], key=lambda x: x.t)
            keep: deque[_Land] = deque(maxlen=pend.maxlen)
            for land in pend:
                before = [o for o in others if o.t < land.t]
                after = [o for o in others if o.t > land.t]
                if not before or (not after and now - land.t < 2 * self.max_step_s):
                    if now - land.t < 2 * self.max_step_s:
                        keep.append(land)
                    continue
                prev = before[-1]
                step_time = land.t - prev.t
                if step_time > self.max_step_s:
                    continue
                flight: float | None = None
                if after and after[0].toe_off_before is not None:
                    to = after[0].toe_off_before
                    if prev.t < to < land.t:
                        flight = land.t - to
                self._step_times[foot].append(step_time)
                left, right = sum(self._step_times["left"]), sum(self._step_times["right"])
                balance = 100.0 * left / (left + right) if left > 0 and right > 0 else None
                out.append(StepEvent(
                    t_s=land.t, emitted_at_s=now, foot=foot,
                    step_time_s=step_time, flight_time_s=flight, balance_left_pct=balance,
                ))
            self._pending[sid] = keep
        out.sort(key=lambda ev: ev.t_s)
        return out


def _timed(s: StrideEvent, max_share: float) -> bool:
    """The stride's time is known well enough for cadence: the gaps near its landings
    (``time_error_max_s``, usually none: a lost BLE packet mid-swing moves neither landing)
    bound its error to at most ``max_share`` of it. (Leaving out every stride that spans a gap
    left the cadence to a few strides at 5 % packet loss, docs/pipeline.md; a stride that is
    uncertain for another reason, toe-off not found, also has a good stride time.)"""
    return s.time_error_max_s <= max_share * s.stride_time_s
