"""The recording writer batches records (written and flushed at most ``flush_interval_s`` after
they came, at once for connection events), the live daemon's timer flushes a stalled stream, and
the hand-built notification line is exactly the JSON of its fields."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from retrogait.daemon.runner import RecordingSink
from retrogait.mounting import Mounting
from retrogait.recording import Header, RecordingReader, RecordingWriter, SensorInfo
from retrogait.sources.base import ConnectionChange, Notification

CHAR = "7267696d-0002-4000-8000-00805f9b34fb"


def header(ids: tuple[str, ...] = ("left", "r-2.x_")) -> Header:
    return Header(
        created=datetime(2026, 11, 23, 10, 0, tzinfo=UTC), software="retrogait tests",
        origin="other",
        sensors=[SensorInfo(id=i, profile="retrogait-imu", placement="other", rate_hz=200.0,
                            mounting=Mounting(toe_axis="+x", up_axis="+z")) for i in ids],
    )


def lines_on_disk(path: Path) -> list[str]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):  # a sync-flushed prefix decompresses, without the trailer
        data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    return data.decode().splitlines()


def ended_cleanly(path: Path) -> bool:
    reader = RecordingReader(path)
    list(reader)
    return reader.stats.ended_cleanly


def test_notification_line_is_the_json_of_its_fields(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    rng = np.random.default_rng(1)
    # in time order, as the format requires per sensor (the reader skips earlier records)
    times = sorted([0.0, 1e-06, 0.1 + 0.2, 12345.678901234, float(rng.uniform(0, 1e4)),
                    np.float64(3.25), 7.0000004], key=float)
    with RecordingWriter(path, header()) as w:
        for k, t in enumerate(times):
            w.write_notification(t, ("left", "r-2.x_")[k % 2], CHAR, bytes(range(k, k + 9)))
    got = path.read_text().splitlines()[1:-1]
    for k, (t, line) in enumerate(zip(times, got, strict=True)):
        expected = json.dumps({"type": "notification", "t": round(float(t), 6),
                               "sensor": ("left", "r-2.x_")[k % 2], "char": CHAR,
                               "hex": bytes(range(k, k + 9)).hex()}, separators=(",", ":"))
        assert line == expected
    assert [i.t for i in RecordingReader(path)] == [round(float(t), 6) for t in times]
    with pytest.raises(ValueError, match="not in the recording header"):
        RecordingWriter(tmp_path / "x.jsonl", header()).write_notification(0, "ghost", CHAR, b"")


@pytest.mark.parametrize("name", ["b.jsonl", "b.jsonl.gz"])
def test_records_reach_the_file_within_the_interval(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    w = RecordingWriter(path, header(), flush_interval_s=0.3)
    assert len(lines_on_disk(path)) == 1  # the header at once
    for k in range(3):
        w.write_notification(0.01 * k, "left", CHAR, b"\x01")
    assert len(lines_on_disk(path)) == 1 and w.pending == 3  # batched in memory
    time.sleep(0.35)
    w.write_notification(0.04, "left", CHAR, b"\x01")  # due: everything is written
    assert len(lines_on_disk(path)) == 5 and w.pending == 0
    w.write_notification(0.05, "left", CHAR, b"\x01")
    w.write(ConnectionChange(0.06, "left", "disconnected", "link lost"))  # at once
    assert len(lines_on_disk(path)) == 7
    w.close()
    assert ended_cleanly(path)


async def test_daemon_timer_flushes_a_stalled_stream(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    sink = RecordingSink(RecordingWriter(path, header(), flush_interval_s=0.1))
    await sink.start()
    await sink.observe(Notification(0.5, "left", CHAR, b"\x02\x03"))
    assert len(lines_on_disk(path)) == 1
    await asyncio.sleep(0.3)  # no further records: the timer writes it (a crash now keeps it)
    items = list(RecordingReader(path))
    assert items == [Notification(0.5, "left", CHAR, b"\x02\x03")]
    await sink.close()
    assert ended_cleanly(path)
