"""Map each sample to the recording time base (host seconds since session start).

With a sensor clock, ``t = t_sensor + offset``, where ``offset`` tracks the *minimum* of
``arrival - t_sensor(last sample of the packet)`` over packets: transmission only ever delays a
packet, so the smallest observed delay is the best estimate of the clock offset (the
minimum-delay filter of NTP-style synchronisation). The estimate may rise by at most
``max_drift_ppm`` per second so that a sensor crystal slower than the host's is followed;
a faster one is followed by the minimum itself.

Without a sensor clock, samples are counted at the nominal rate and the count is anchored to
arrival times the same way; a pause in arrivals longer than the nominal time of the missing
samples re-anchors the count and is reported as a gap.

Gaps (lost packets, disconnects, clock resets) are never papered over: a :class:`TimedBlock`
says whether samples are missing before it and how long the hole is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from retrogait.decoders.base import SampleBlock

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TimedBlock:
    """Samples on the recording time base: t (n,) s, acc (n,3) m/s², gyr (n,3) deg/s, sensor frame.

    gap_before_s > 0 means samples are missing between the previous block and this one
    (``lost_packets`` counted by the device, if it counts).
    """

    t: FloatArray
    acc: FloatArray
    gyr: FloatArray
    gap_before_s: float = 0.0
    lost_packets: int = 0

    def __len__(self) -> int:
        return int(self.t.shape[0])


class SensorClock:
    """Stateful mapping for one sensor stream; feed blocks in arrival order."""

    def __init__(
        self,
        rate_hz: float,
        max_drift_ppm: float = 200.0,
        reset_threshold_s: float = 1.0,
    ) -> None:
        self.rate_hz = float(rate_hz)
        self.period_s = 1.0 / self.rate_hz
        self.max_drift = max_drift_ppm * 1e-6
        self.reset_threshold_s = reset_threshold_s
        self._offset: float | None = None
        self._offset_at: float = 0.0
        self._last_t: float | None = None
        self._last_t_sensor: float | None = None
        self._count = 0  # samples counted, for sensors without a clock
        self.resets = 0

    def _update_offset(self, arrival: float, t_sensor_last: float) -> float:
        observed = arrival - t_sensor_last
        if self._offset is None or abs(observed - self._offset) > self.reset_threshold_s + abs(
            arrival - self._offset_at
        ) * self.max_drift:
            if self._offset is not None:
                self.resets += 1
            self._offset = observed
        else:
            allowed = self._offset + (arrival - self._offset_at) * self.max_drift
            self._offset = min(observed, allowed)
        self._offset_at = arrival
        return self._offset

    def map(self, arrival_s: float, block: SampleBlock) -> TimedBlock:
        n = block.acc.shape[0]
        lost = block.lost_packets
        if block.t_sensor is not None:
            ts = np.asarray(block.t_sensor, dtype=np.float64)
        else:
            ts = (self._count + np.arange(n, dtype=np.float64)) * self.period_s
            # anchor count to arrivals; a long silence means samples were lost
            if self._offset is not None and self._last_t_sensor is not None:
                expected_arrival = ts[-1] + self._offset
                missing = arrival_s - expected_arrival
                if missing > max(0.25, 10 * self.period_s):
                    skipped = round(missing * self.rate_hz)
                    ts = ts + skipped * self.period_s
                    self._count += skipped
            elif lost and n:
                ts = ts + lost * n * self.period_s
                self._count += lost * n
            self._count += n
        if not n:
            return TimedBlock(t=ts + (self._offset or 0.0), acc=block.acc, gyr=block.gyr,
                              gap_before_s=0.0,
                              lost_packets=lost)
        ts_first, ts_last = float(ts[0]), float(ts[-1])
        resets_before = self.resets
        offset = self._update_offset(arrival_s, ts_last)
        t = ts + offset
        # t[0], t[-1] as Python floats: the same IEEE additions as the array's
        t_first, t_last = ts_first + offset, ts_last + offset
        gap = 0.0
        last_t = self._last_t
        if last_t is not None:
            if self.resets != resets_before:
                gap = max(0.0, t_first - last_t)
            else:
                step = ts_first - (self._last_t_sensor or 0.0)
                if step > 1.5 * self.period_s:
                    gap = step - self.period_s
            # offsets only move down by jumps of a few ms: keep time strictly increasing
            floor = last_t + 0.25 * self.period_s
            if t_first < floor:
                t = np.maximum(t, floor + np.arange(n) * 0.25 * self.period_s)
                t_last = float(t[-1])
        if lost and gap == 0.0:
            gap = lost * n * self.period_s
        self._last_t = t_last
        self._last_t_sensor = ts_last
        return TimedBlock(t=t, acc=block.acc, gyr=block.gyr, gap_before_s=gap, lost_packets=lost)
