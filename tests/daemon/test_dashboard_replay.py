"""The bundled dashboards show the demo without edits: a default ``retrogait replay`` of the demo
recording (real CLI subprocess, real broker) publishes on every topic the Grafana dashboard and
the Node-RED flow subscribe to, with the fields they read. Afterwards the retained state says
the daemon is offline (with its time) and no sensor is left retained as connected."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiomqtt
from paho.mqtt.client import topic_matches_sub
from tests.broker import Broker

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "recordings" / "demo_backward_run.jsonl.gz"


async def _collect(client: aiomqtt.Client, until: asyncio.Future[Any],
                   got: dict[str, list[dict[str, Any]]]) -> None:
    async for m in client.messages:
        payload = bytes(m.payload)  # type: ignore[arg-type]
        got.setdefault(str(m.topic), []).append(json.loads(payload) if payload else {})
        if until.done():
            return


async def test_default_replay_feeds_the_bundled_dashboards(tmp_path: Path) -> None:
    broker = Broker(tmp_path)
    broker.start()
    try:
        got: dict[str, list[dict[str, Any]]] = {}
        async with aiomqtt.Client("127.0.0.1", broker.port, identifier="dash") as sub:
            await sub.subscribe("#", qos=1)
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "retrogait", "replay", str(DEMO), "--speed", "max",
                "--quiet", "--mqtt", broker.url,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            reader = asyncio.create_task(_collect(sub, done, got))
            _, err = await asyncio.wait_for(proc.communicate(), 120)
            assert proc.returncode == 0, err.decode()
            await asyncio.sleep(1.0)
            done.set_result(None)
            reader.cancel()
        dash = json.loads((REPO / "tools/dashboards/grafana-dashboard.json").read_text())
        for panel in dash["panels"]:
            (target,) = panel["targets"]
            topic = target["topic"]
            assert topic in got, f"Grafana panel {panel['title']!r}: nothing on {topic}"
            fields = panel["transformations"][0]["options"]["include"]["names"][1:]
            assert any(set(fields) <= set(p) for p in got[topic]), (topic, fields)
        flow = json.loads((REPO / "tools/dashboards/node-red-flow.json").read_text())
        for node in (n for n in flow if n["type"] == "mqtt in"):
            assert any(topic_matches_sub(node["topic"], t) for t in got), node["topic"]

        # retained state after the replay: offline with its time, sensors not "connected"
        retained: dict[str, list[dict[str, Any]]] = {}
        async with aiomqtt.Client("127.0.0.1", broker.port, identifier="late") as late:
            await late.subscribe("retrogait/athlete/#", qos=1)
            fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(_collect(late, fut, retained))
            await asyncio.sleep(1.0)
            fut.set_result(None)
            task.cancel()
        (status,) = retained["retrogait/athlete/status"]
        assert status["state"] == "offline" and status["since"] is not None
        for side in ("left", "right"):
            (s,) = retained[f"retrogait/athlete/{side}/status"]
            assert s["status"] == "disconnected" and s["detail"] == "daemon stopped"
    finally:
        broker.stop()
