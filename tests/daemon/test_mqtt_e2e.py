"""End to end through a real broker and real CLI subprocesses: ``retrogait replay --mqtt`` puts
on the wire exactly the events ``retrogait analyze`` writes, in order, valid against the models."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from pathlib import Path

import aiomqtt
import pytest

from retrogait.events import StrideEvent, parse_event
from retrogait.insights.summary import SessionSummary
from retrogait.sinks.mqtt import DaemonStatus

from .conftest import Broker

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


@pytest.mark.parametrize("which", ["small_recording", "simulated_recording"])
async def test_replay_mqtt_matches_analyze(broker: Broker, which: str, tmp_path: Path,
                                           request: pytest.FixtureRequest) -> None:
    small_recording: Path = request.getfixturevalue(which)
    expected = analyze(small_recording, tmp_path / "events.jsonl")
    assert len(expected) > 10, "the test recording must produce events"
    athlete = f"e2e-{which.split('_')[0]}"
    prefix = f"retrogait/{athlete}"
    col = Collector(broker, f"{prefix}/#")
    task = asyncio.create_task(col.run(until_topic=f"{prefix}/status"))
    await asyncio.wait_for(col.ready.wait(), 5)
    proc = await asyncio.create_subprocess_exec(
        *CLI, "replay", str(small_recording), "--speed", "max", "--quiet",
        "--mqtt", broker.url, "--athlete", athlete,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    await asyncio.wait_for(task, 10)

    got = event_lines(col.messages, prefix)
    assert [json.loads(x) for x in got] == [json.loads(x) for x in expected]
    for line in got:
        parse_event(line)  # valid against the models
    strides = [e for e in map(parse_event, got) if isinstance(e, StrideEvent)]
    assert len(strides) > 10, "a non-trivial stream: the pipeline finds strides"
    if which == "simulated_recording":  # a backward run: backward strides go out as such
        assert sum(s.direction == "backward" for s in strides) > len(strides) // 2
    # topics follow the documented tree
    for topic, payload, _ in col.messages:
        if topic.endswith("/status") and topic.count("/") == 2:
            DaemonStatus.model_validate_json(payload)
            continue
        if topic == f"{prefix}/session":
            continue
        ev = parse_event(payload)
        sensor = getattr(ev, "sensor", None)
        leaf = "status" if ev.kind == "sensor_status" else ev.kind
        assert topic == (f"{prefix}/{sensor}/{leaf}" if sensor else f"{prefix}/{leaf}")
    summary = session_summary(col.messages, prefix)
    assert summary.athlete == athlete
    assert summary.quality.gaps == sum(parse_event(x).kind == "gap" for x in expected)
    statuses = [DaemonStatus.model_validate_json(p) for t, p, _ in col.messages
                if t == f"{prefix}/status"]
    assert [s.state for s in statuses] == ["online", "offline"]
    assert statuses[-1].published_events == len(expected) and statuses[-1].dropped_events == 0


async def test_status_retained_and_offline_after_clean_exit(
        broker: Broker, small_recording: Path) -> None:
    athlete = "e2e-status"
    proc = await asyncio.create_subprocess_exec(
        *CLI, "replay", str(small_recording), "--speed", "max", "--quiet",
        "--mqtt", broker.url, "--athlete", athlete,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    await asyncio.wait_for(proc.communicate(), 60)
    # a late subscriber sees the retained status (offline, stopped) and the summary
    col = Collector(broker, f"retrogait/{athlete}/#")
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(col.run(until_topic="(none)"), 1.0)
    topics = {t: (p, r) for t, p, r in col.messages}
    payload, retained = topics[f"retrogait/{athlete}/status"]
    st = DaemonStatus.model_validate_json(payload)
    assert retained and st.state == "offline" and st.reason == "stopped"
    assert f"retrogait/{athlete}/session" in topics
