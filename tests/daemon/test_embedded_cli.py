"""``--mqtt embedded:PORT`` through the real CLI: the in-process amqtt broker listens on the given
free port (never 1883), a dashboard-like subscriber gets the events, the Home Assistant configs
and the session summary while the replay runs. Needs the ``embedded`` extra (amqtt), which the
test environment installs (tools/quickstart.py); on CI its absence fails."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess

import aiomqtt
import pytest
from tests.broker import free_port

from retrogait.events import StrideEvent, parse_event
from retrogait.insights.summary import SessionSummary
from retrogait.sinks.mqtt import DaemonStatus

from .mqtt_helpers import CLI

try:
    import amqtt  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise
    pytest.skip("needs the embedded extra: pip install -e '.[embedded]'", allow_module_level=True)


async def test_replay_embedded_broker_on_a_free_port(small_recording: object) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        *CLI, "replay", str(small_recording), "--speed", "x4", "--quiet",
        "--mqtt", f"embedded:{port}", "--athlete", "emb", "--ha-discovery",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    got: list[tuple[str, bytes]] = []

    async def subscribe() -> None:
        while True:  # the broker starts with the replay: connect as soon as it listens
            try:
                async with aiomqtt.Client("127.0.0.1", port, identifier="dash",
                                          protocol=aiomqtt.ProtocolVersion.V311) as c:
                    await c.subscribe("retrogait/emb/#", qos=1)
                    await c.subscribe("homeassistant/+/retrogait_emb/#", qos=1)
                    async for m in c.messages:
                        got.append((str(m.topic), bytes(m.payload)))  # type: ignore[arg-type]
                        if str(m.topic) == "retrogait/emb/status" and b'"stopped"' in got[-1][1]:
                            return
            except aiomqtt.MqttError:
                if proc.returncode is not None:
                    return
                await asyncio.sleep(0.05)

    sub = asyncio.create_task(subscribe())
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(sub, 5)
    sub.cancel()
    assert proc.returncode == 0, err.decode()
    assert f"listening on mqtt://127.0.0.1:{port}" in err.decode()
    topics = [t for t, _ in got]
    strides = [parse_event(p) for t, p in got if t.endswith("/stride")]
    assert strides and all(isinstance(s, StrideEvent) for s in strides), topics
    assert any(t.startswith("homeassistant/sensor/retrogait_emb/") for t in topics)
    summary = SessionSummary.model_validate_json(
        next(p for t, p in got if t == "retrogait/emb/session"))
    assert summary.strides_total > 0
    final = DaemonStatus.model_validate_json(got[-1][1])
    assert final.state == "offline" and final.reason == "stopped" and final.dropped_events == 0
    assert json.loads(next(p for t, p in got if t.endswith("_cadence/config")))["state_topic"] == (
        "retrogait/emb/cadence")
