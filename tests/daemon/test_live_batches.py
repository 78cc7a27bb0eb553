"""The live daemon processes what is queued at one wake-up as a group (GaitSession.handle_many,
BleSource.batches): the events must be exactly those of processing item by item."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from retrogait.recording.format import SensorInfo
from retrogait.recording.reader import RecordingReader
from retrogait.session import GaitSession
from retrogait.sources.base import ConnectionChange, Notification, SourceItem
from retrogait.sources.ble import BleDevice, BleOptions, BleSource
from retrogait.sources.emulated import EmulatedWorld, devices_from_recording

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo_backward_run.jsonl.gz"


def _items_with_faults() -> tuple[list[SensorInfo], list[SourceItem]]:
    """The demo's first ~40 s with a garbage packet, a drop-out (gap) and a reconnect."""
    reader = RecordingReader(DEMO)
    items: list[SourceItem] = []
    for item in reader:
        if item.t > 40.0:
            break
        items.append(item)
    sensor = reader.header.sensors[0].id
    notes = [k for k, it in enumerate(items) if isinstance(it, Notification)
             and it.sensor == sensor]
    a, b = notes[len(notes) // 3], notes[len(notes) // 3 + 60]  # ~1.2 s without this sensor
    first = items[a]
    assert isinstance(first, Notification)
    gone = {k for k in notes if a <= k < b}
    kept = [it for k, it in enumerate(items) if k not in gone]
    lost = ConnectionChange(first.t, sensor, "disconnected", "link lost")
    back = ConnectionChange(items[b].t, sensor, "reconnected", "")
    junk = Notification(first.t + 0.0001, sensor, first.char, b"\x07\x01\x02")
    r = next(k for k in range(a, len(kept)) if kept[k].t >= back.t)
    out = [*kept[:a // 2], junk, *kept[a // 2:a], lost, *kept[a:r], back, *kept[r:]]
    return reader.header.sensors, out


def test_handle_many_gives_the_events_of_handle_item_by_item() -> None:
    sensors, items = _items_with_faults()
    one = GaitSession(sensors)
    expected = [e.model_dump_json() for it in items for e in one.handle(it)]
    expected += [e.model_dump_json() for e in one.finish()]
    assert sum('"kind":"stride"' in e for e in expected) > 20
    assert any('"kind":"gap"' in e for e in expected)
    assert any('"decode_error"' in e for e in expected)
    rng = np.random.default_rng(5)
    for max_group in (2, 3, 8, 40):
        many = GaitSession(sensors)
        got: list[str] = []
        k = 0
        repeated = 0
        while k < len(items):
            n = int(rng.integers(1, max_group + 1))
            group = items[k:k + n]
            ids = [it.sensor for it in group if isinstance(it, Notification)]
            repeated += len(ids) != len(set(ids))
            got += [e.model_dump_json() for e in many.handle_many(group)]
            k += n
        got += [e.model_dump_json() for e in many.finish()]
        assert repeated > 100  # the batched path (one block per sensor) is exercised
        assert got == expected, f"groups of up to {max_group}"
        assert many.stats() == one.stats()


async def test_batches_drain_the_queue_in_time_order(small_recording: Path) -> None:
    devices = devices_from_recording(small_recording)
    world = EmulatedWorld(devices)
    header = RecordingReader(small_recording).header
    options = BleOptions(client_backend=world.client_backend(),
                         scanner_backend=world.scanner_backend(), scan_timeout_s=2.0)
    source = BleSource([BleDevice(s) for s in header.sensors], options)
    groups: list[list[SourceItem]] = []

    async def consume() -> None:
        async for group in source.batches():
            groups.append(group)
            await asyncio.sleep(0.03)  # a slow consumer: notifications queue up meanwhile

    task = asyncio.create_task(consume())
    await asyncio.sleep(1.5)
    await source.stop()
    await asyncio.wait_for(task, 10)
    items = [it for g in groups for it in g]
    assert all(g for g in groups)
    assert max(len(g) for g in groups) >= 2
    notes = [it for it in items if isinstance(it, Notification)]
    assert len(notes) > 100
    for sensor in {it.sensor for it in notes}:
        ts = [it.t for it in notes if it.sensor == sensor]
        assert ts == sorted(ts)
    assert [it.event for it in items if isinstance(it, ConnectionChange)].count("connected") == 2
