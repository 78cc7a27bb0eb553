"""End to end through a real broker and real CLI subprocesses: ``retrogait replay --mqtt`` puts
on the wire exactly the events ``retrogait analyze`` writes, in order, valid against the models."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from pathlib import Path

import pytest
from tests.broker import Broker

from retrogait.events import StrideEvent, parse_event
from retrogait.sinks.mqtt import DaemonStatus

from .mqtt_helpers import CLI, Collector, analyze, event_lines, session_summary


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
