"""The daemon's offline status carries the time it can know, against the real broker: a clean
stop says when it went offline (``since``); the last will, whose payload the broker stored at
CONNECT, cannot know when it fires, so it carries ``since: null`` and the time that connection
was opened (``connected_at``), after which the daemon went away."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
from tests.broker import Broker
from tests.daemon.mqtt_helpers import CLI

from retrogait.sinks.mqtt import DaemonStatus, MqttSettings, MqttSink


async def _statuses(broker: Broker, topic: str, out: list[DaemonStatus],
                    ready: asyncio.Event) -> None:
    async with aiomqtt.Client("127.0.0.1", broker.port) as sub:
        await sub.subscribe(topic, qos=1)
        ready.set()
        async for m in sub.messages:
            if m.payload:
                out.append(DaemonStatus.model_validate_json(bytes(m.payload)))  # type: ignore[arg-type]


async def _wait_for(got: list[DaemonStatus], state: str, seconds: float) -> DaemonStatus:
    for _ in range(int(seconds / 0.05)):
        found = [s for s in got if s.state == state]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {state} status within {seconds} s: {got}")


async def test_last_will_carries_the_time_its_connection_opened(
    broker: Broker, small_recording: Path
) -> None:
    got: list[DaemonStatus] = []
    ready = asyncio.Event()
    reader = asyncio.create_task(_statuses(broker, "retrogait/killed/status", got, ready))
    await asyncio.wait_for(ready.wait(), 10)
    started = datetime.now(UTC)
    proc = await asyncio.create_subprocess_exec(
        *CLI, "replay", str(small_recording), "--quiet", "--mqtt", broker.url,
        "--athlete", "killed", stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    try:
        online = await _wait_for(got, "online", 60)
        killed = datetime.now(UTC)
        proc.kill()  # no clean stop: the broker sees the connection drop and sends the will
        await proc.wait()
        will = await _wait_for(got, "offline", 30)
    finally:
        if proc.returncode is None:
            proc.kill()
        reader.cancel()
    assert will.reason == "connection lost" and will.since is None
    assert will.connected_at is not None and will.connected_at == online.connected_at
    assert started <= will.connected_at <= killed
    assert online.since is not None and online.since <= will.connected_at


async def test_clean_stop_carries_the_time_it_went_offline(broker: Broker) -> None:
    got: list[DaemonStatus] = []
    ready = asyncio.Event()
    reader = asyncio.create_task(_statuses(broker, "retrogait/stopped/status", got, ready))
    await asyncio.wait_for(ready.wait(), 10)
    sink = MqttSink(MqttSettings(url=broker.url), athlete="stopped")
    await sink.start()
    await asyncio.wait_for(sink.connected.wait(), 30)
    online = await _wait_for(got, "online", 30)
    before_close = datetime.now(UTC)
    await sink.close()
    after_close = datetime.now(UTC)
    try:
        offline = await _wait_for(got, "offline", 30)
    finally:
        reader.cancel()
    assert offline.reason == "stopped"
    assert offline.since is not None and before_close <= offline.since <= after_close
    assert offline.connected_at is not None and offline.connected_at == online.connected_at
    assert offline.connected_at <= offline.since
