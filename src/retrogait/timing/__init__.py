"""Timing: sensor clocks and arrival times -> one recording time base, with gaps made explicit."""

from retrogait.timing.clock import SensorClock, TimedBlock

__all__ = ["SensorClock", "TimedBlock"]
