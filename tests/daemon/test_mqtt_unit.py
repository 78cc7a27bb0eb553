"""MQTT sink details: routes for every event kind, URL and credential rules, the embedded broker
with the MQTT 5 -> 3.1.1 fallback, generated docs up to date."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiomqtt
import pytest
from tests.broker import free_port

from retrogait.errors import ConfigError
from retrogait.events import EVENT_ADAPTER, CadenceEvent, parse_event
from retrogait.sinks.mqtt import (
    ROUTES,
    EmbeddedBroker,
    MqttSettings,
    MqttSink,
    parse_broker_url,
)

REPO = Path(__file__).resolve().parents[2]


def test_every_event_kind_has_a_documented_route() -> None:
    kinds = {d["properties"]["kind"]["const"]
             for d in EVENT_ADAPTER.json_schema()["$defs"].values()
             if "kind" in d.get("properties", {})}
    assert kinds <= set(ROUTES), f"no route for {kinds - set(ROUTES)}"


def test_broker_urls() -> None:
    assert parse_broker_url("mqtt://h").port == 1883
    a = parse_broker_url("mqtts://h")
    assert a.tls and a.port == 8883
    with pytest.raises(ConfigError, match="credentials"):
        parse_broker_url("mqtt://user:pw@h")
    with pytest.raises(ConfigError):
        parse_broker_url("http://h")


def test_credentials_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETROGAIT_MQTT_USERNAME", "u")
    monkeypatch.setenv("RETROGAIT_MQTT_PASSWORD", "p")
    assert MqttSettings().credentials() == ("u", "p")
    assert MqttSettings(username="c", password="q").credentials() == ("c", "q")  # type: ignore[arg-type]


async def test_embedded_broker_and_protocol_fallback() -> None:
    """amqtt refuses MQTT 5: protocol auto falls back to 3.1.1 and delivers."""
    try:
        import amqtt  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise  # CI installs the embedded extra: a missing amqtt is a failure there
        pytest.skip("needs the embedded extra: pip install -e '.[embedded]'")
    port = free_port()
    async with EmbeddedBroker(port=port) as broker:
        got: list[bytes] = []
        async with aiomqtt.Client("127.0.0.1", port) as sub:
            await sub.subscribe("retrogait/emb/#", qos=1)
            # amqtt leaves an MQTT 5 CONNECT unanswered: a short timeout keeps the test fast
            sink = MqttSink(MqttSettings(url=broker.url, timeout_s=1.0), "emb")
            await sink.start()
            ev = CadenceEvent(t_s=1, emitted_at_s=1, steps_per_min=170, window_s=10,
                              steps_in_window=28, backward_share=1.0)
            await sink.emit(ev)
            await sink.close()
            assert sink.stats.protocol == "3.1.1"

            async def read() -> None:
                async for m in sub.messages:
                    got.append(bytes(m.payload))  # type: ignore[arg-type]
                    if str(m.topic) == "retrogait/emb/cadence":
                        return

            await asyncio.wait_for(read(), 5)
        assert parse_event(got[-1]) == ev


def test_generated_mqtt_docs_are_current() -> None:
    r = subprocess.run([sys.executable, str(REPO / "tools" / "gen_mqtt_docs.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
