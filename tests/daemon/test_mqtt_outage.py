"""Broker outages: stop the real broker mid-stream, restart it on the same port, and check that
nothing within the buffer bound is lost, order is kept, and drops beyond it are counted."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from tests.broker import Broker

from retrogait.events import CadenceEvent, parse_event
from retrogait.sinks.mqtt import INFLIGHT, DaemonStatus, MqttSettings, MqttSink

from .mqtt_helpers import CLI, Collector, analyze, event_lines, final_status, session_summary


def dedupe_resent(lines: list[str]) -> tuple[list[str], int]:
    """At-least-once delivery may repeat the messages in flight when the link broke (at most
    ``INFLIGHT``, re-sent in order after the reconnect): drop repeats of recent messages, and
    fail on any other repeat (event payloads are unique: sensor and times)."""
    out: list[str] = []
    where: dict[str, int] = {}
    dups = 0
    for x in lines:
        if x in where:
            assert where[x] >= len(out) - INFLIGHT, "only messages in flight are sent again"
            dups += 1
            continue
        where[x] = len(out)
        out.append(x)
    return out, dups


async def _outage(broker: Broker, col: Collector, after_events: int, down_for: float) -> None:
    while len(col.messages) < after_events:  # the replay is publishing: now cut the broker
        await asyncio.sleep(0.02)
    await asyncio.to_thread(broker.stop)
    await asyncio.sleep(down_for)
    await asyncio.to_thread(broker.start)


async def _replay_with_outage(
    broker: Broker, recording: Path, athlete: str, extra: list[str]
) -> tuple[Collector, str]:
    prefix = f"retrogait/{athlete}"
    col = Collector(broker, f"{prefix}/#", persistent_id=f"test-sub-{athlete}")
    task = asyncio.create_task(col.run(until_topic=f"{prefix}/status"))
    await asyncio.wait_for(col.ready.wait(), 5)
    proc = await asyncio.create_subprocess_exec(
        *CLI, "replay", str(recording), "--speed", "4", "--quiet", "--mqtt", broker.url,
        "--athlete", athlete, *extra, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    outage = asyncio.create_task(_outage(broker, col, after_events=20, down_for=1.5))
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    await outage
    # events dropped from the outage buffer were never delivered: exit 1, saying so
    assert proc.returncode == (1 if "--mqtt-buffer" in extra else 0), err.decode()
    await asyncio.wait_for(task, 20)
    return col, err.decode()


async def test_outage_within_buffer_loses_nothing(own_broker: Broker, small_recording: Path,
                                                  tmp_path: Path) -> None:
    expected = analyze(small_recording, tmp_path / "events.jsonl")
    athlete = "outage-ok"
    col, _ = await _replay_with_outage(own_broker, small_recording, athlete, [])
    got, dups = dedupe_resent(event_lines(col.messages, f"retrogait/{athlete}"))
    assert col.reconnects >= 1, "the subscriber must have seen the broker go away"
    assert got == expected
    assert len(set(expected)) == len(expected)
    assert dups <= INFLIGHT
    status = final_status(col.messages, f"retrogait/{athlete}")
    assert status.dropped_events == 0 and status.reconnects >= 1
    session_summary(col.messages, f"retrogait/{athlete}")


async def test_outage_beyond_buffer_counts_drops(own_broker: Broker, small_recording: Path,
                                                 tmp_path: Path) -> None:
    expected = analyze(small_recording, tmp_path / "events.jsonl")
    athlete = "outage-drop"
    col, err = await _replay_with_outage(own_broker, small_recording, athlete,
                                         ["--mqtt-buffer", "20"])
    got, _ = dedupe_resent(event_lines(col.messages, f"retrogait/{athlete}"))
    status = final_status(col.messages, f"retrogait/{athlete}")
    missing = [x for x in expected if x not in got]
    assert status.dropped_events == len(missing) > 0
    assert f"{status.dropped_events} event(s) dropped" in err
    # the oldest buffered events were dropped: the survivors keep their order, nothing from
    # before the outage is missing, and the stream after it arrives whole
    assert got == [x for x in expected if x in got]
    idx = [expected.index(x) for x in missing]
    assert min(idx) >= 19, "events delivered before the broker went away are not lost"
    assert got[-20:] == expected[-20:]


async def test_sink_buffer_bound_in_process(own_broker: Broker) -> None:
    """Deterministic: 50 events while the broker is down, buffer 20 -> the newest 20 arrive in
    order after the restart, 30 counted as dropped, and the online status reports the count."""
    athlete = "bound"
    prefix = f"retrogait/{athlete}"
    settings = MqttSettings(url=own_broker.url, buffer_events=20, backoff_min_s=0.1,
                            backoff_max_s=0.3)
    col = Collector(own_broker, f"{prefix}/#", persistent_id="bound-sub")
    task = asyncio.create_task(col.run(until_topic=f"{prefix}/status"))
    await asyncio.wait_for(col.ready.wait(), 5)
    sink = MqttSink(settings, athlete)
    await sink.start()
    await asyncio.wait_for(sink.connected.wait(), 5)
    await asyncio.to_thread(own_broker.stop)
    await asyncio.sleep(0.3)
    events = [CadenceEvent(t_s=i, emitted_at_s=i, steps_per_min=170 + i, window_s=10,
                           steps_in_window=28, backward_share=1.0) for i in range(50)]
    for e in events:
        await sink.emit(e)
    assert sink.buffered == 20 and sink.stats.dropped == 30
    await asyncio.to_thread(own_broker.start)
    await sink.close()
    await asyncio.wait_for(task, 10)
    got = [parse_event(x) for x in event_lines(col.messages, prefix)]
    assert got == events[30:]
    statuses = [DaemonStatus.model_validate_json(p) for t, p, _ in col.messages
                if t == f"{prefix}/status"]
    assert any(s.state == "online" and s.dropped_events == 30 for s in statuses)
    assert final_status(col.messages, prefix).dropped_events == 30
    session_summary(col.messages, prefix)


async def test_acquisition_drops_are_published_in_the_status(broker: Broker) -> None:
    """Notifications dropped by the acquisition queue: the retained online status is published
    again with the count, and the offline status at the end carries it too."""
    athlete = "acq-drops"
    prefix = f"retrogait/{athlete}"
    col = Collector(broker, f"{prefix}/#")
    task = asyncio.create_task(col.run(until_topic=f"{prefix}/status"))
    await asyncio.wait_for(col.ready.wait(), 5)
    sink = MqttSink(MqttSettings(url=broker.url), athlete)
    await sink.start()
    await asyncio.wait_for(sink.connected.wait(), 5)
    sink.report_dropped_notifications(7)

    async def status_with(n: int) -> None:
        while not any(t == f"{prefix}/status"
                      and DaemonStatus.model_validate_json(p).dropped_notifications == n
                      for t, p, _ in col.messages):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(status_with(7), 5)
    sink.report_dropped_notifications(9)
    await sink.close()
    await asyncio.wait_for(task, 10)
    statuses = [DaemonStatus.model_validate_json(p) for t, p, _ in col.messages
                if t == f"{prefix}/status"]
    assert [(s.state, s.dropped_notifications) for s in statuses] == [
        ("online", 0), ("online", 7), ("online", 9), ("offline", 9)]
