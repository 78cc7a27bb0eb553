"""From sensor samples to a recording: sensor clocks, BLE batching and latency, packet loss.

Time bases (``docs/architecture.md``): the kinematics and the truth run on the host clock
(the recording time base, s since session start). Each sensor has its own crystal::

    t_sensor = t_sensor0 + (t_host - t_start) * (1 + drift)

and samples at its nominal rate on *its* clock, so sample ``k`` is taken at host time
``t_start + k / (rate * (1 + drift))``. The encoder packs samples into notifications; a packet is
ready when its last sample is taken (plus firmware time), waits for the next BLE connection
event that has room (several packets per event), is sometimes retransmitted one interval later
(in-order delivery: later packets wait behind it), and reaches the host after a small stack
delay. Lost packets are simply absent. Notifications of all sensors are written in arrival order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from retrogait.decoders.base import EncodedPacket
from retrogait.simulate.kinematics import FloatArray


@dataclass(frozen=True)
class ClockModel:
    """One sensor's clock relative to the host: starts streaming at host ``start_s``."""

    start_s: float
    sensor_t0_s: float
    drift_ppm: float

    def sample_times(self, rate_hz: float, end_s: float) -> tuple[FloatArray, FloatArray]:
        """(host times, sensor-clock times) of the samples taken in [start_s, end_s], s."""
        host_period = 1.0 / (rate_hz * (1 + self.drift_ppm * 1e-6))
        n = math.floor((end_s - self.start_s) / host_period) + 1
        k = np.arange(max(n, 0), dtype=np.float64)
        host = np.asarray(self.start_s + k * host_period, dtype=np.float64)
        return host, np.asarray(self.sensor_t0_s + k / rate_hz, dtype=np.float64)

    @classmethod
    def random(cls, rng: np.random.Generator, drift_ppm_range: tuple[float, float] = (20, 50)
               ) -> ClockModel:
        drift = float(rng.uniform(*drift_ppm_range)) * float(rng.choice([-1.0, 1.0]))
        return cls(
            start_s=float(rng.uniform(0.05, 0.4)),
            sensor_t0_s=float(rng.uniform(5.0, 600.0)),
            drift_ppm=drift,
        )


@dataclass(frozen=True)
class BleLinkModel:
    """BLE notification timing (host side), s.

    connection_interval_s: connection events every interval (7.5-30 ms on phones/PCs);
    max_packets_per_event: notifications one event can carry;
    firmware_delay_s: from the last sample of a packet to the packet being queued;
    host_delay_s / host_delay_tail_s: minimum stack delay + exponential tail (mean);
    retransmit_prob: chance that an event fails and the packet goes one interval later;
    loss_prob: chance that a packet is lost (never arrives; the device counter shows the gap).
    """

    connection_interval_s: float = 0.015
    max_packets_per_event: int = 6
    firmware_delay_s: tuple[float, float] = (0.0003, 0.0015)
    host_delay_s: float = 0.0008
    host_delay_tail_s: float = 0.0015
    retransmit_prob: float = 0.04
    loss_prob: float = 0.0

    def arrivals(
        self, ready_host_s: FloatArray, rng: np.random.Generator
    ) -> tuple[FloatArray, np.ndarray]:
        """Arrival time of each packet (s) and a mask of delivered packets.

        ``ready_host_s``: host time of each packet's last sample, in order.
        """
        n = len(ready_host_s)
        ci = self.connection_interval_s
        phase = float(rng.uniform(0, ci))
        ready = ready_host_s + rng.uniform(*self.firmware_delay_s, size=n)
        retx = rng.random(n) < self.retransmit_prob
        extra = rng.geometric(0.6, size=n)  # intervals lost when an event fails
        host = self.host_delay_s + rng.exponential(self.host_delay_tail_s, size=n)
        lost = rng.random(n) < self.loss_prob
        arrival = np.empty(n)
        event = -1  # index of the connection event that carried the previous packet
        in_event = 0
        last = -math.inf
        for i in range(n):
            e = max(math.ceil((ready[i] - phase) / ci), event)
            if e == event and in_event >= self.max_packets_per_event:
                e += 1
            if retx[i]:
                e += int(extra[i])
            in_event = in_event + 1 if e == event else 1
            event = e
            t = phase + e * ci + host[i] + 0.00015 * (in_event - 1)
            t = max(t, last + 1e-5)
            arrival[i] = t
            last = t
        return arrival, ~lost


@dataclass(frozen=True)
class TimedPacket:
    t_arrival: float
    sensor: str
    packet: EncodedPacket


def packet_arrivals(
    sensor: str,
    packets: list[EncodedPacket],
    sample_host_s: FloatArray,
    link: BleLinkModel,
    rng: np.random.Generator,
) -> list[TimedPacket]:
    """Delivered packets of one sensor with their host arrival times."""
    if not packets:
        return []
    ready = np.array([sample_host_s[p.last_sample] for p in packets])
    arrival, delivered = link.arrivals(ready, rng)
    return [
        TimedPacket(float(arrival[i]), sensor, p)
        for i, p in enumerate(packets)
        if delivered[i]
    ]
