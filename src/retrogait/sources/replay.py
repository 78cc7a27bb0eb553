"""Replay a recording with its original timing (x1), faster (xN), or as fast as possible."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

from retrogait.recording.format import SensorInfo
from retrogait.recording.reader import ReadStats, RecordingReader
from retrogait.sources.base import Source, SourceItem


class ReplaySource(Source):
    """Yields a recording's items; ``speed=None`` means as fast as possible.

    At speed ``s`` an item recorded at time ``t`` is delivered at ``t / s`` wall seconds after
    the first item, so notifications arrive with the recorded batching and jitter.
    """

    def __init__(self, path: str | Path, speed: float | None = 1.0) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive")
        self.path = Path(path)
        self.speed = speed
        self.reader = RecordingReader(self.path)
        self.header = self.reader.header
        self.stop_reason = ""
        self.last_t = 0.0
        self._stop = asyncio.Event()

    def stop(self, reason: str = "stopped") -> None:
        """End the replay cleanly after the current item (e.g. from a SIGTERM handler): the
        flow then finishes as at the end of the file (summary, MQTT offline status)."""
        if not self.stop_reason:
            self.stop_reason = reason
        self._stop.set()

    @property
    def sensors(self) -> list[SensorInfo]:
        return list(self.header.sensors)

    @property
    def stats(self) -> ReadStats:
        return self.reader.stats

    async def __aiter__(self) -> AsyncIterator[SourceItem]:
        t0_wall: float | None = None
        t0_rec = 0.0
        n = 0
        for item in self.reader:
            if self.speed is not None:
                if t0_wall is None:
                    t0_wall, t0_rec = time.monotonic(), item.t
                due = t0_wall + (item.t - t0_rec) / self.speed
                delay = due - time.monotonic()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), delay)
            else:
                n += 1
                if n % 32 == 0:
                    await asyncio.sleep(0)  # let other tasks (MQTT, signals) run
            if self._stop.is_set():
                return
            self.last_t = item.t
            yield item


def recording_duration(path: str | Path) -> float:
    """Time of the last record (s); reads the whole file."""
    reader = RecordingReader(path)
    last = 0.0
    for item in reader:
        last = item.t
    return max(last, reader.stats.end_t or 0.0)
