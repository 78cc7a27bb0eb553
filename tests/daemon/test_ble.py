"""BleSource through bleak's own BleakScanner/BleakClient, with emulated devices only at the OS
boundary (bleak backend classes), serving the bytes of a recording."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import numpy as np
import pytest

from retrogait.decoders.retrogait_imu import RetrogaitImuDecoder
from retrogait.events import SensorStatusEvent
from retrogait.recording.reader import RecordingReader
from retrogait.session import GaitSession
from retrogait.sources.base import ConnectionChange, Notification, SourceItem
from retrogait.sources.ble import BleDevice, BleOptions, BleSource
from retrogait.sources.emulated import EmulatedDevice, EmulatedWorld, devices_from_recording

SPEED = 1.0  # real time: the sensor clock and the host clock run at the same rate


def _setup(
    recording: Path, **opts: object
) -> tuple[EmulatedWorld, BleSource, list[EmulatedDevice]]:
    devices = devices_from_recording(recording, speed=SPEED)
    world = EmulatedWorld(devices)
    header = RecordingReader(recording).header
    options = BleOptions(client_backend=world.client_backend(),
                         scanner_backend=world.scanner_backend(), scan_timeout_s=2.0,
                         backoff_min_s=0.05, backoff_max_s=0.2)
    for k, v in opts.items():
        setattr(options, k, v)
    source = BleSource([BleDevice(s) for s in header.sensors], options)
    return world, source, devices


async def _collect(source: BleSource, seconds: float,
                   during: object = None) -> list[SourceItem]:
    items: list[SourceItem] = []

    async def consume() -> None:
        async for item in source:
            items.append(item)

    task = asyncio.create_task(consume())
    if during is not None:
        await during  # type: ignore[misc]
    await asyncio.sleep(seconds)
    await source.stop()
    await asyncio.wait_for(task, 10)
    return items


def _payloads(items: list[SourceItem], sensor: str) -> list[bytes]:
    return [i.payload for i in items if isinstance(i, Notification) and i.sensor == sensor]


def _conn(items: list[SourceItem], sensor: str) -> list[str]:
    return [i.event for i in items if isinstance(i, ConnectionChange) and i.sensor == sensor]


async def test_streams_recorded_bytes_from_both_sensors(small_recording: Path) -> None:
    _world, source, devices = _setup(small_recording)
    items = await _collect(source, 1.5)
    for dev, sid in zip(devices, ("left", "right"), strict=True):
        got = _payloads(items, sid)
        sent = [p for _, _, p in dev.packets]
        assert len(got) > 50
        # bytes arrive unchanged and in order: a contiguous run of what the device holds
        start = sent.index(got[0])
        assert got == sent[start:start + len(got)]
        assert _conn(items, sid) == ["connected", "disconnected"]
        # the profile's rate and start commands were written, then the stop command
        writes = [w for _, w in dev.writes]
        assert writes[:2] == [bytes.fromhex("02c800"), bytes.fromhex("01")]
        assert writes[-1] == bytes.fromhex("00")
    ts = [i.t for i in items]
    assert ts == sorted(ts), "arrival stamps are monotonic"
    assert source.dropped == 0


async def test_disconnect_midstream_reconnects_while_other_streams(small_recording: Path) -> None:
    world, source, _ = _setup(small_recording)

    async def cut() -> None:
        await asyncio.sleep(0.6)
        world.drop("EE:00:00:00:00:01", away_s=0.4)

    items = await _collect(source, 1.8, during=asyncio.create_task(cut()))
    assert _conn(items, "left") == ["connected", "disconnected", "reconnected", "disconnected"]
    lost = next(i.t for i in items if isinstance(i, ConnectionChange) and i.event == "disconnected")
    back = next(i.t for i in items if isinstance(i, ConnectionChange) and i.event == "reconnected")
    assert back - lost >= 0.35
    right_during = [i for i in items if isinstance(i, Notification) and i.sensor == "right"
                    and lost < i.t < back]
    assert len(right_during) >= 5, "the other sensor keeps streaming during the outage"
    left_after = [i for i in items if isinstance(i, Notification) and i.sensor == "left"
                  and i.t > back]
    assert len(left_after) > 10
    # through the session: the outage is a gap, never papered over
    session = GaitSession(source.sensors)
    events = [e for i in items for e in session.handle(i)]
    gaps = [e for e in events if e.kind == "gap" and e.sensor == "left"]  # type: ignore[union-attr]
    # (the emulated device resumes with packets up to 50 ms old, as a sensor buffer would)
    assert any(g.start_s < lost + 0.05 and g.end_s > back - 0.1  # type: ignore[union-attr]
               and g.end_s - g.start_s > 0.3 for g in gaps)  # type: ignore[union-attr]


async def test_garbage_sensor_gets_decode_error_other_keeps_going(small_recording: Path) -> None:
    _world, source, devices = _setup(small_recording)
    rng = np.random.default_rng(1)
    left = devices[0]
    left.packets = [(t, c, rng.integers(0, 256, len(p), dtype=np.uint8).tobytes())
                    for t, c, p in left.packets]
    items = await _collect(source, 1.0)
    session = GaitSession(source.sensors)
    events = [e for i in items for e in session.handle(i)]
    errors = [e for e in events if isinstance(e, SensorStatusEvent) and e.status == "decode_error"]
    assert errors and {e.sensor for e in errors} == {"left"}
    assert "rgimu" in errors[0].detail
    stats = session.stats()
    assert stats["left"].decode_errors > 20 and stats["left"].samples < stats["left"].decode_errors
    assert stats["right"].decode_errors == 0 and stats["right"].samples > 150


async def test_missing_sensor_is_reported_not_waited_on(small_recording: Path) -> None:
    _world, source, _ = _setup(small_recording, scan_timeout_s=0.25, initial_attempts=2)
    header = RecordingReader(small_recording).header
    ghost = header.sensors[0].model_copy(update={"id": "ghost", "address": "EE:00:00:00:00:99"})
    source = BleSource([*source.devices, BleDevice(ghost)], source.options)
    items = await _collect(source, 1.5)
    assert _conn(items, "ghost") == ["failed", "failed", "gave_up"]
    detail = [i.detail for i in items if isinstance(i, ConnectionChange) and i.sensor == "ghost"]
    assert "not found within 0.25 s" in detail[0]
    assert len(_payloads(items, "left")) > 50 and len(_payloads(items, "right")) > 50


async def test_name_pattern_matching_assigns_distinct_devices(small_recording: Path) -> None:
    """No addresses configured: both feet match the profile's advertisement rules and must end
    up on two different devices."""
    _world, source, _ = _setup(small_recording)
    header = RecordingReader(small_recording).header
    devs = [BleDevice(s.model_copy(update={"address": None}), name_pattern=f"^RG-IMU {s.id}$")
            for s in header.sensors]
    source = BleSource(devs, source.options)
    await _collect(source, 0.5)
    assert {st.address for st in source.stats.values()} == {"EE:00:00:00:00:01",
                                                             "EE:00:00:00:00:02"}
    # by the profile's rules alone (service UUID / name prefix), still two distinct devices
    devs = [BleDevice(s.model_copy(update={"address": None})) for s in header.sensors]
    source = BleSource(devs, source.options)
    await _collect(source, 0.5)
    assert len({st.address for st in source.stats.values()}) == 2


async def test_unknown_adapter_fails_clearly(small_recording: Path) -> None:
    _, source, _ = _setup(small_recording, adapter="hci7", initial_attempts=1)
    items = await _collect(source, 0.3)
    detail = [i.detail for i in items if isinstance(i, ConnectionChange) and i.event == "failed"]
    assert detail and "hci7" in detail[0]


async def test_notify_method_reaches_bluez_as_configured(small_recording: Path) -> None:
    """StartNotify (bleak's default) unless ``acquire_notify`` asks for the socket path."""
    for acquire, expected in ((False, True), (True, False)):
        _, source, devices = _setup(small_recording, acquire_notify=acquire)
        await _collect(source, 0.3)
        for dev in devices:
            assert dev.notify_args, "subscribed"
            for args in dev.notify_args.values():
                assert args["bluez"] == {"use_start_notify": expected}


async def test_full_queue_drops_are_counted_reported_and_seen_as_lost_packets(
    small_recording: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """A consumer that falls behind: the bounded queue drops what does not fit, counts it per
    sensor, logs it and calls ``on_dropped``; every packet sent is either received or counted
    as dropped, and the device's packet counter shows the dropped ones to the session."""
    _, source, devices = _setup(small_recording, queue_size=16)
    reports: list[int] = []
    source.on_dropped = reports.append
    items: list[SourceItem] = []

    async def slow_consumer() -> None:
        async for item in source:
            items.append(item)
            if len(items) == 3:
                await asyncio.sleep(1.0)  # fall behind: ~100 notifications arrive meanwhile

    caplog.set_level(logging.WARNING, logger="retrogait.sources.ble")
    task = asyncio.create_task(slow_consumer())
    await asyncio.sleep(2.0)
    await source.stop()
    await asyncio.wait_for(task, 10)

    assert source.dropped > 0
    assert reports and reports[-1] <= source.dropped
    assert "acquisition queue full" in caplog.text
    session = GaitSession(RecordingReader(small_recording).header.sensors)
    for item in items:
        session.handle(item)
    for dev, sid in zip(devices, ("left", "right"), strict=True):
        got = _payloads(items, sid)
        dropped = source.stats[sid].dropped
        assert len(got) + dropped == dev.sent, "nothing lost without being counted"
        # the recording itself loses every 97th packet: what the sent packets' counters show
        start = [p for _, _, p in dev.packets].index(got[0])
        decoder = RetrogaitImuDecoder({}, 200.0)
        lost_in_recording = sum(
            b.lost_packets for _, char, p in dev.packets[start:start + dev.sent]
            for b in decoder.decode(char, p))
        assert session.stats()[sid].lost_packets == lost_in_recording + dropped
    assert sum(source.stats[s].dropped for s in ("left", "right")) == source.dropped
