"""Reading simulated recordings back the way the pipeline does: decoder per sensor profile."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrogait.decoders import decoder_for
from retrogait.profiles import find_profile
from retrogait.recording import RecordingReader
from retrogait.sources.base import Notification
from retrogait.truth import GroundTruth, truth_path_for


@dataclass
class Decoded:
    t_sensor: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    arrivals: np.ndarray  # arrival time of each sample's notification, s
    lost_packets: int
    notifications: int


def decode_recording(path: Path) -> tuple[RecordingReader, dict[str, Decoded], list[float]]:
    """Decode every notification (raises on a decode error); also returns all record times."""
    reader = RecordingReader(path)
    decoders = {
        s.id: decoder_for(find_profile(s.profile), s.rate_hz) for s in reader.header.sensors
    }
    parts: dict[str, list] = {s.id: [] for s in reader.header.sensors}
    lost = dict.fromkeys(parts, 0)
    count = dict.fromkeys(parts, 0)
    times: list[float] = []
    for item in reader:
        times.append(item.t)
        if not isinstance(item, Notification):
            continue
        count[item.sensor] += 1
        for block in decoders[item.sensor].decode(item.char, item.payload):
            lost[item.sensor] += block.lost_packets
            parts[item.sensor].append((block.t_sensor, block.acc, block.gyr,
                                       np.full(len(block), item.t)))
    out = {}
    for sid, blocks in parts.items():
        t = np.concatenate([b[0] for b in blocks]) if blocks and blocks[0][0] is not None else (
            np.array([]))
        out[sid] = Decoded(
            t_sensor=t,
            acc=np.vstack([b[1] for b in blocks]),
            gyr=np.vstack([b[2] for b in blocks]),
            arrivals=np.concatenate([b[3] for b in blocks]),
            lost_packets=lost[sid],
            notifications=count[sid],
        )
    return reader, out, times


def truth_and_notes(path: Path) -> tuple[GroundTruth, dict]:
    truth = GroundTruth.load(truth_path_for(path))
    return truth, json.loads(truth.notes)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "retrogait", *args], capture_output=True,
                          text=True, timeout=120)
