"""Home Assistant discovery hooks against a real Mosquitto broker on a free loopback port."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest
from tests.broker import free_port

from retrogait.insights.homeassistant import HomeAssistantDiscovery

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[int]:
    if MOSQUITTO is None:
        pytest.fail("these tests need Mosquitto (apt-get install mosquitto)")
    port = free_port()
    conf = tmp_path / "m.conf"
    lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", "persistence false"]
    if os.geteuid() == 0:
        lines.append("user root")
    conf.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("mosquitto did not start")
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(5)


async def collect(port: int, topic: str, seconds: float) -> dict[str, bytes]:
    got: dict[str, bytes] = {}
    async with aiomqtt.Client("127.0.0.1", port, identifier="ha-test-sub") as sub:
        await sub.subscribe(topic, qos=1)
        try:
            async with asyncio.timeout(seconds):
                async for msg in sub.messages:
                    got[str(msg.topic)] = bytes(msg.payload)  # type: ignore[arg-type]
        except TimeoutError:
            pass
    return got


async def test_announce_retained_and_reannounce_on_ha_birth(mosquitto: int) -> None:
    ha = HomeAssistantDiscovery("retrogait", "athlete", [("left", "left"), ("right", "right")])
    async with aiomqtt.Client("127.0.0.1", mosquitto, identifier="daemon") as client:
        await ha.on_connect(client)
        # a late subscriber (HA starting later) gets every config, retained
        retained = await collect(mosquitto, "homeassistant/#", 0.5)
        assert set(retained) == {m.topic for m in ha.messages}
        assert all(json.loads(v)["availability"][0]["topic"] == "retrogait/athlete/status"
                   for v in retained.values())

        async def pump() -> None:
            async for msg in client.messages:
                await ha.on_message(client, msg)

        task = asyncio.create_task(pump())
        async with aiomqtt.Client("127.0.0.1", mosquitto, identifier="ha") as home:
            await home.publish("homeassistant/status", b"offline", qos=1)
            await asyncio.sleep(0.3)
            assert ha.announcements == 1
            await home.publish("homeassistant/status", b"online", qos=1)
            for _ in range(50):
                if ha.announcements == 2:
                    break
                await asyncio.sleep(0.05)
        task.cancel()
    assert ha.announcements == 2
