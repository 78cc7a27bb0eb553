"""Small builders for foundation tests: a recording made from synthetic samples."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from retrogait.decoders import encoder_for
from retrogait.mounting import Mounting
from retrogait.profiles import find_profile
from retrogait.recording import Header, RecordingWriter, SensorInfo


def make_header(ids: tuple[str, ...] = ("left",)) -> Header:
    placements = {"left": "left_foot", "right": "right_foot"}
    return Header(
        created=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        software="retrogait tests",
        origin="other",
        sensors=[
            SensorInfo(
                id=i, profile="retrogait-imu", placement=placements.get(i, "other"),
                mounting=Mounting(toe_axis="+x", up_axis="+z"), rate_hz=200.0,
            )
            for i in ids
        ],
    )


def synthetic_recording(path: Path, seconds: float = 2.0, sensor: str = "left") -> list[bytes]:
    """Write a still sensor (gravity on +z, a slow gyro sine) through the rgimu encoder."""
    profile = find_profile("retrogait-imu")
    enc = encoder_for(profile, 200.0)
    n = int(seconds * 200)
    t = np.arange(n) / 200.0
    acc = np.tile([0.0, 0.0, 9.80665], (n, 1))
    gyr = np.column_stack([10 * np.sin(2 * np.pi * t), np.zeros(n), np.zeros(n)])
    packets = enc.encode(t + 100.0, acc, gyr)
    payloads = []
    with RecordingWriter(path, make_header((sensor,))) as w:
        for p in packets:
            w.write_notification(float(t[p.last_sample]) + 0.01, sensor, p.char, p.payload)
            payloads.append(p.payload)
    return payloads
