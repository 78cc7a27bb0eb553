"""Helpers shared by the daemon tests: the CLI as a subprocess command, a subscriber that
collects what a real broker delivers, and readers of the collected messages."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiomqtt
from tests.broker import Broker

from retrogait.insights.summary import SessionSummary
from retrogait.sinks.mqtt import DaemonStatus

CLI = [sys.executable, "-m", "retrogait"]


def analyze(recording: Path, out: Path) -> list[str]:
    subprocess.run([*CLI, "analyze", str(recording), "--events", str(out)], check=True,
                   capture_output=True, timeout=120)
    return out.read_text().splitlines()


class Collector:
    """A subscriber on ``<prefix>/<athlete>/#`` recording (topic, payload, retain) in order."""

    def __init__(self, broker: Broker, topic: str, persistent_id: str | None = None) -> None:
        self.broker = broker
        self.topic = topic
        self.persistent_id = persistent_id
        self.messages: list[tuple[str, bytes, bool]] = []
        self.ready = asyncio.Event()
        self.reconnects = 0

    def client(self) -> aiomqtt.Client:
        v5 = self.broker.supports_v5
        return aiomqtt.Client(
            "127.0.0.1", self.broker.port,
            identifier=self.persistent_id,
            protocol=aiomqtt.ProtocolVersion.V5 if v5 else aiomqtt.ProtocolVersion.V311,
            clean_session=None if v5 or self.persistent_id is None else False,
            clean_start=False if (v5 and self.persistent_id) else True,  # noqa: SIM211
            properties=_session_props(v5 and self.persistent_id is not None),
        )

    async def run(self, until_topic: str) -> None:
        """Collect until a message arrives on ``until_topic`` (for a ``.../status`` topic: an
        offline status); reconnect if the broker goes."""
        while True:
            try:
                async with self.client() as c:
                    if not (self.persistent_id and self.ready.is_set()):
                        # a persistent session keeps the subscription over a broker restart;
                        # subscribing again would re-send the retained messages
                        await c.subscribe(self.topic, qos=1)
                    self.ready.set()
                    async for m in c.messages:
                        self.messages.append((str(m.topic), bytes(m.payload), m.retain))  # type: ignore[arg-type]
                        if str(m.topic) == until_topic and (
                            not until_topic.endswith("/status") or b'"stopped"' in m.payload  # type: ignore[operator]
                        ):
                            return
            except aiomqtt.MqttError:
                self.reconnects += 1
                await asyncio.sleep(0.2)


def _session_props(persistent: bool) -> object:
    if not persistent:
        return None
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    p = Properties(PacketTypes.CONNECT)
    p.SessionExpiryInterval = 3600
    return p


def session_summary(messages: list[tuple[str, bytes, bool]], prefix: str) -> SessionSummary:
    [payload] = [p for t, p, _ in messages if t == f"{prefix}/session"]
    return SessionSummary.model_validate_json(payload)


def final_status(messages: list[tuple[str, bytes, bool]], prefix: str) -> DaemonStatus:
    return DaemonStatus.model_validate_json(
        [p for t, p, _ in messages if t == f"{prefix}/status"][-1])


def event_lines(messages: list[tuple[str, bytes, bool]], prefix: str) -> list[str]:
    """Payloads of event topics (not status/session), in arrival order; without the sink's own
    closing sensor statuses (retained ``disconnected``, detail ``daemon stopped``), which are
    not pipeline events (tests/daemon/test_dashboard_replay.py checks them)."""
    out = []
    for topic, payload, _ in messages:
        if topic in (f"{prefix}/status", f"{prefix}/session"):
            continue
        if topic.endswith("/status") and b'"detail":"daemon stopped"' in payload:
            continue
        out.append(payload.decode())
    return out
