"""Cross-sensor fusion (steps, flight time, smoothed cadence) lands here with the pipeline issue."""

from __future__ import annotations

from retrogait.events import Event
from retrogait.recording.format import SensorInfo


class Fusion:
    """Consumes every sensor's events in stream order; returns derived events."""

    def __init__(self, sensors: list[SensorInfo]) -> None:
        self.sensors = sensors

    def process(self, events: list[Event]) -> list[Event]:
        return []

    def finish(self) -> list[Event]:
        return []
