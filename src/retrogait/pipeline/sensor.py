"""Per-sensor pipeline entry point (the gait algorithm lands here with the pipeline issue)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from retrogait.events import Event, GapEvent
from retrogait.recording.format import SensorInfo
from retrogait.timing.clock import TimedBlock


class PipelineParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def foot_of(sensor: SensorInfo) -> str:
    return {"left_foot": "left", "right_foot": "right"}.get(sensor.placement, "unknown")


class SensorPipeline:
    """Consumes :class:`TimedBlock` of one sensor; emits events on the recording time base."""

    def __init__(self, sensor: SensorInfo, params: PipelineParams | None = None) -> None:
        self.sensor = sensor
        self.params = params or PipelineParams()
        self.foot = foot_of(sensor)
        self.samples_seen = 0
        self._last_t: float | None = None

    def process(self, block: TimedBlock) -> list[Event]:
        events: list[Event] = []
        if len(block) == 0:
            return events
        if block.gap_before_s > 0 and self._last_t is not None:
            events.append(
                GapEvent(
                    t_s=float(block.t[0]),
                    emitted_at_s=float(block.t[-1]),
                    sensor=self.sensor.id,
                    foot=self.foot,
                    start_s=self._last_t,
                    end_s=float(block.t[0]),
                    lost_packets=block.lost_packets,
                )
            )
        self.samples_seen += len(block)
        self._last_t = float(block.t[-1])
        return events

    def finish(self) -> list[Event]:
        return []
