from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from retrogait.cli.replay_cmd import parse_speed
from retrogait.sources.replay import ReplaySource, recording_duration

from .helpers import synthetic_recording


async def _arrivals(path: Path, speed: float | None) -> list[tuple[float, float]]:
    out = []
    t0 = time.monotonic()
    async for item in ReplaySource(path, speed):
        out.append((item.t, time.monotonic() - t0))
    return out


@pytest.mark.parametrize("speed", [1.0, 4.0])
async def test_replay_keeps_recorded_timing(tmp_path: Path, speed: float) -> None:
    path = tmp_path / "r.jsonl"
    synthetic_recording(path, seconds=1.0)
    got = await _arrivals(path, speed)
    t_first = got[0][0]
    lags = [wall - (t - t_first) / speed for t, wall in got]
    # never early, and on time within scheduler jitter
    assert min(lags) >= -0.002
    assert sorted(lags)[len(lags) // 2] < 0.02
    assert got[-1][1] == pytest.approx((got[-1][0] - t_first) / speed, abs=0.05)


async def test_replay_max_speed_is_fast_and_yields_to_loop(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    synthetic_recording(path, seconds=3.0)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    got = await _arrivals(path, None)
    task.cancel()
    assert got[-1][1] < 1.0  # 3 s of data
    assert ticks > 0


def test_recording_duration(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    synthetic_recording(path, seconds=2.0)
    assert recording_duration(path) == pytest.approx(2.0, abs=0.03)


@pytest.mark.parametrize(
    ("text", "value"), [("1", 1.0), ("x4", 4.0), ("4x", 4.0), ("max", None), ("0.5", 0.5)]
)
def test_parse_speed(text: str, value: float | None) -> None:
    assert parse_speed(text) == value


@pytest.mark.parametrize("text", ["fast-ish", "0", "-2"])
def test_parse_speed_rejects(text: str) -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        parse_speed(text)
