"""Recordings for the daemon tests, built from synthetic foot signals with the rgimu encoder
(the bytes a real rgimu board would send), with a disconnect and lost packets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from retrogait.decoders import encoder_for
from retrogait.mounting import Mounting
from retrogait.profiles import find_profile
from retrogait.recording import Header, RecordingWriter, SensorInfo
from retrogait.sources.base import ConnectionChange

RATE = 200.0
G = 9.80665


def foot_signal(n: int, rate: float, stride_s: float, phase_s: float) -> tuple[
        np.ndarray, np.ndarray]:
    """A crude running foot (sensor = foot frame): stance still with gravity on +z, then a
    swing with a pitch-rate wave (deg/s) and a landing impact (m/s²). Sensor frame = foot frame."""
    t = np.arange(n) / rate + phase_s
    ph = (t % stride_s) / stride_s  # 0 = landing
    swing = ph > 0.4
    acc = np.tile([0.0, 0.0, G], (n, 1))
    gyr = np.zeros((n, 3))
    s = (ph - 0.4) / 0.6
    gyr[swing, 1] = -600.0 * np.sin(2 * np.pi * s[swing])
    acc[swing, 0] = -15.0 * np.sin(2 * np.pi * s[swing])
    acc[swing, 2] = G + 8.0 * np.sin(np.pi * s[swing])
    impact = ph < 0.03
    acc[impact, 2] += 40.0 * np.exp(-ph[impact] / 0.01)
    return acc, gyr


def make_recording(
    path: Path,
    duration_s: float = 20.0,
    ids: tuple[str, ...] = ("left", "right"),
    drop_s: tuple[float, float] | None = (8.0, 9.5),
    lose_every: int = 97,
) -> Header:
    """Write a recording of ``ids`` sensors; the first sensor disconnects during ``drop_s`` and
    every ``lose_every``-th packet of every sensor is lost (counter gap)."""
    profile = find_profile("retrogait-imu")
    placements = {"left": "left_foot", "right": "right_foot"}
    header = Header(
        created=datetime(2026, 11, 23, 10, 0, tzinfo=UTC), software="retrogait tests",
        origin="other", athlete="tester",
        sensors=[
            SensorInfo(id=i, profile=profile.name, placement=placements.get(i, "other"),
                       mounting=Mounting(toe_axis="+x", up_axis="+z"), rate_hz=RATE,
                       address=f"EE:00:00:00:00:0{k + 1}", name=f"RG-IMU {i}")
            for k, i in enumerate(ids)
        ],
    )
    n = int(duration_s * RATE)
    records: list[tuple[float, int, object]] = []
    rng = np.random.default_rng(7)
    for k, sid in enumerate(ids):
        enc = encoder_for(profile, RATE)
        acc, gyr = foot_signal(n, RATE, 0.72, phase_s=0.36 * k)
        t_sensor = np.arange(n) / RATE + 50.0 + 13.0 * k
        offset = 0.2 + 0.003 * k
        packets = enc.encode(t_sensor, acc, gyr)
        prev = 0.0
        for j, p in enumerate(packets):
            # BLE delivers in order: arrival = nominal + positive jitter, never before the last
            nominal = p.last_sample / RATE + offset
            t_host = max(prev + 0.0005, nominal + float(rng.exponential(0.004)))
            prev = t_host
            if lose_every and j % lose_every == lose_every - 1:
                continue
            if drop_s is not None and k == 0 and drop_s[0] <= t_host < drop_s[1]:
                continue
            records.append((t_host, 1, (sid, p.char, p.payload)))
        if drop_s is not None and k == 0:
            records.append((drop_s[0], 0, ConnectionChange(drop_s[0], sid, "disconnected",
                                                          "link lost")))
            records.append((drop_s[1], 0, ConnectionChange(drop_s[1], sid, "reconnected")))
    records.sort(key=lambda r: (r[0], r[1]))
    with RecordingWriter(path, header) as w:
        for t, kind, rec in records:
            if kind == 0:
                w.write(rec)  # type: ignore[arg-type]
            else:
                sid, char, payload = rec  # type: ignore[misc]
                w.write_notification(t, sid, char, payload)
    return header
