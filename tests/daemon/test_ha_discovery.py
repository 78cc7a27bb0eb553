"""Home Assistant discovery through the MQTT sink, on the real broker: opt-in, retained configs
after connect, re-announced when Home Assistant publishes ``online`` on its status topic."""

from __future__ import annotations

import asyncio
import json

import aiomqtt
from tests.broker import Broker

from retrogait.daemon.mqtt_cli import mqtt_sink
from retrogait.insights.homeassistant import discovery_messages, removal_messages
from retrogait.mounting import Mounting
from retrogait.recording.format import SensorInfo
from retrogait.sinks.mqtt import MqttSettings

SENSORS = [
    SensorInfo(id=i, profile="retrogait-imu", placement=p, rate_hz=200.0,
               mounting=Mounting(toe_axis="+x", up_axis="+z"))
    for i, p in (("l", "left_foot"), ("r", "right_foot"))
]


def _client(broker: Broker, ident: str) -> aiomqtt.Client:
    return aiomqtt.Client("127.0.0.1", broker.port, identifier=ident,
                          protocol=aiomqtt.ProtocolVersion.V311)


async def _read(client: aiomqtt.Client, seconds: float) -> list[tuple[str, bytes, bool]]:
    got: list[tuple[str, bytes, bool]] = []
    try:
        async with asyncio.timeout(seconds):
            async for m in client.messages:
                got.append((str(m.topic), bytes(m.payload), m.retain))  # type: ignore[arg-type]
    except TimeoutError:
        pass
    return got


async def test_discovery_retained_and_reannounced_on_ha_birth(broker: Broker) -> None:
    athlete = "ha-on"
    expected = {m.topic: m.payload for m in discovery_messages("retrogait", athlete,
                                                               [("l", "left"), ("r", "right")])}
    base = MqttSettings(url=broker.url, protocol="3.1.1" if not broker.supports_v5 else "auto")
    try:
        async with mqtt_sink(broker.url, athlete, base=base, sensors=SENSORS,
                             ha_discovery=True) as sink:
            await sink.start()
            await asyncio.wait_for(sink.connected.wait(), 10)
            # Home Assistant starting later: the configs are retained
            async with _client(broker, "ha-late") as ha:
                await ha.subscribe(f"homeassistant/+/retrogait_{athlete}/#", qos=1)
                first = await _read(ha, 0.5)
                assert {t: p.decode() for t, p, _ in first} == expected
                assert all(r for _, _, r in first)
                cfg = json.loads(expected[next(iter(expected))])
                assert cfg["availability"][0]["topic"] == f"retrogait/{athlete}/status"
                # HA restarts: its birth message makes the daemon announce everything again
                await ha.publish("homeassistant/status", b"offline", qos=1)
                assert await _read(ha, 0.3) == []
                await ha.publish("homeassistant/status", b"online", qos=1)
                again = await _read(ha, 1.0)
            assert sorted(t for t, _, _ in again) == sorted(expected)
            await sink.close()
    finally:
        async with _client(broker, "ha-cleanup") as c:
            for m in removal_messages("retrogait", athlete, [("l", "left"), ("r", "right")]):
                await c.publish(m.topic, m.payload, qos=1, retain=True)


async def test_discovery_is_off_by_default(broker: Broker) -> None:
    athlete = "ha-off"
    async with _client(broker, "ha-watch") as ha:
        await ha.subscribe("homeassistant/#", qos=1)
        await ha.subscribe(f"retrogait/{athlete}/status", qos=1)
        async with mqtt_sink(broker.url, athlete, sensors=SENSORS) as sink:
            assert not sink.settings.ha_discovery and sink.hooks == []
            await sink.start()
            await asyncio.wait_for(sink.connected.wait(), 10)
            await sink.close()
        got = await _read(ha, 0.5)
    topics = [t for t, _, _ in got]
    assert f"retrogait/{athlete}/status" in topics, "the sink did connect and publish"
    assert not any(t.startswith("homeassistant/") and athlete in t for t in topics)
