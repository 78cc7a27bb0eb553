"""The live page's server side without a browser: figures against the session summary, alerts
for every kind that is not a figure (kinds added later included), bounded per-page queues that
drop with a count, the event stream over real HTTP, and ``run --web`` with emulated sensors."""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import Literal

import pytest
from tests.broker import free_port

from retrogait.events import (
    STOPPED_DETAIL,
    FallEvent,
    GapEvent,
    PostureEvent,
    SensorStatusEvent,
    TrunkStepEvent,
    _SensorEvent,
)
from retrogait.insights.summary import summarize
from retrogait.recording.reader import RecordingReader
from retrogait.session import analyze_items
from retrogait.simulate.body import simulate_body
from retrogait.sinks.web.figures import AthleteFigures, is_alert
from retrogait.sinks.web.hub import WebHub
from retrogait.sinks.web.server import WebServer, parse_listen

from .conftest import DEMO


@pytest.fixture(scope="module")
def demo_events() -> list[object]:
    reader = RecordingReader(DEMO)
    return list(analyze_items(reader.header.sensors, reader))


def test_figures_agree_with_the_session_summary(demo_events: list[object]) -> None:
    fig = AthleteFigures()
    for ev in demo_events:
        fig.add(ev, ev.model_dump(mode="json"))  # type: ignore[attr-defined]
    f = fig.figures()
    s = summarize(demo_events)  # type: ignore[arg-type]
    assert f["strides"] == s.backward.strides + s.forward.strides + s.in_place.strides
    assert f["backward_share"] == pytest.approx(s.backward_share, abs=1e-3)
    assert f["forefoot_share_backward"] == pytest.approx(s.foot_strike_backward.forefoot,
                                                         abs=1e-3)
    assert f["forefoot_share"] == pytest.approx(s.foot_strike.forefoot, abs=1e-3)
    assert f["backward_distance_m"] == pytest.approx(s.backward.distance_m, abs=0.06)
    assert f["backward_distance_m"] > 100
    assert set(f["feet"]) == {"left", "right"}
    for side in ("left", "right"):
        assert 0.15 < f["feet"][side]["contact_s"] < 0.9
    # the plot's window holds 60 s of stream time, whatever the session length
    ts = [e["t_s"] for e in fig.recent]
    assert ts and max(ts) - min(ts) <= 60.0 and max(ts) == pytest.approx(f["t_s"], abs=2)


def test_trunk_figures_from_a_chest_strap_alone() -> None:
    sim = simulate_body("backward_run", seed=3, sites=("chest",), gyro=False, duration_s=30.0)
    events = list(analyze_items(sim.sensors, sim.items))
    fig = AthleteFigures()
    for ev in events:
        fig.add(ev, ev.model_dump(mode="json"))  # type: ignore[attr-defined]
    f = fig.figures()
    steps = [e for e in events if isinstance(e, TrunkStepEvent)]
    t = f["trunk"]["chest"]
    assert t["steps"] == len(steps) > 20
    assert t["lean_deg"] == pytest.approx(statistics.median(e.pitch_deg for e in steps[-5:]),
                                          abs=0.05)
    assert t["oscillation_cm"] == pytest.approx(
        statistics.median(e.vertical_oscillation_cm for e in steps[-5:]), abs=0.05)
    assert t["direction"] == steps[-1].direction
    assert t["backward_share"] > 0.9  # the scenario runs backward
    assert f["cadence_spm"] == t["cadence_spm"] == round(steps[-1].cadence_spm, 1)
    assert f["feet"] == {} and f["strides"] == 0


class NewKindEvent(_SensorEvent):
    """A kind this page has never heard of (stands for events added later)."""

    kind: Literal["new_kind"] = "new_kind"
    value: float


def test_alerts_include_kinds_added_later() -> None:
    base = {"t_s": 1.0, "emitted_at_s": 1.0, "sensor": "left", "foot": "left"}
    assert is_alert(FallEvent(**base, peak_acc_m_s2=80.0))
    assert is_alert(GapEvent(**base, start_s=0.5, end_s=1.0))
    assert is_alert(SensorStatusEvent(**base, status="disconnected"))
    assert not is_alert(SensorStatusEvent(**base, status="connected"))
    # what a daemon retains for its sensors when it stops cleanly is the end, not an alarm
    assert not is_alert(SensorStatusEvent(**base, status="disconnected", detail=STOPPED_DETAIL))
    posture = {**base, "pitch_deg": -20.0, "baseline_deg": -5.0, "limit_deg": -12.0, "steps": 6}
    assert is_alert(PostureEvent(**posture, state="lean_back"))
    assert not is_alert(PostureEvent(**posture, state="upright"))
    assert is_alert(NewKindEvent(**base, value=25.0))  # type: ignore[arg-type]
    hub = WebHub()
    hub.publish("a", NewKindEvent(**base, value=25.0))  # type: ignore[arg-type]
    assert hub.feed("a").figures.alerts[0]["kind"] == "new_kind"


async def test_a_full_page_queue_drops_counts_and_resyncs(demo_events: list[object]) -> None:
    hub = WebHub(queue_size=8)
    slow = hub.connect()
    for ev in demo_events[:50]:
        hub.publish("a", ev)  # type: ignore[arg-type]
    assert slow.queue.qsize() == 8 and slow.dropped == 42 and slow.resync
    assert json.loads(hub.tick(slow))["dropped"] == 42
    assert hub.published == 50  # the figures saw every event


async def test_event_stream_over_http(demo_events: list[object]) -> None:
    import aiohttp

    hub = WebHub(tick_s=0.2)
    server = WebServer(hub, "127.0.0.1", 0)
    await server.start()
    try:
        hub.publish("ann", demo_events[0])  # type: ignore[arg-type]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{server.url}events") as resp:
                assert resp.headers["Content-Type"].startswith("text/event-stream")
                seen: list[dict[str, object]] = []

                async def read() -> None:
                    async for line in resp.content:
                        if line.startswith(b"data: "):
                            seen.append(json.loads(line[6:]))
                        if any(m["type"] == "tick" for m in seen) and any(
                                m["type"] == "event" for m in seen):
                            return

                reader = asyncio.create_task(read())
                await asyncio.sleep(0.05)
                hub.publish("ann", demo_events[1])  # type: ignore[arg-type]
                await asyncio.wait_for(reader, 5)
            assert [m["type"] for m in seen[:2]] == ["hello", "snapshot"]
            assert seen[1]["athlete"] == "ann"
            ev = next(m for m in seen if m["type"] == "event")
            assert ev["event"] == demo_events[1].model_dump(mode="json")  # type: ignore
            async with http.get(f"{server.url}") as page:
                assert "app.js" in await page.text()
            for asset in ("app.js", "style.css"):
                async with http.get(f"{server.url}static/{asset}") as r:
                    assert r.status == 200 and len(await r.read()) > 1000
            async with http.get(f"{server.url}static/..%2Fserver.py") as r:
                assert r.status == 404
            async with http.get(f"{server.url}report/ann") as r:
                assert r.status == 404  # no recording behind this hub
    finally:
        await server.stop()
    assert not hub.clients


def test_parse_listen() -> None:
    assert parse_listen("8080") == ("0.0.0.0", 8080)
    assert parse_listen("127.0.0.1:9000") == ("127.0.0.1", 9000)
    assert parse_listen("[::1]:9000") == ("::1", 9000)


def test_run_web_with_emulated_sensors() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "retrogait", "run", "--emulate", str(DEMO), "--duration", "60",
         "--no-record", "--no-history", "--quiet", "--web", f"127.0.0.1:{port}",
         "--web-linger", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 40
        strides = 0
        while time.monotonic() < deadline and strides < 4:
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/state", timeout=2) as r:
                    state = json.load(r)
            except OSError:
                continue
            if state["athletes"]:
                strides = state["athletes"][0]["figures"]["strides"]
        assert strides >= 4, "the page's state never showed strides"
        assert state["athletes"][0]["figures"]["sensors"]["left"]["status"] == "connected"
        proc.send_signal(signal.SIGINT)  # ends the session: the page lingers, ended
        deadline = time.monotonic() + 20
        ended = False
        while time.monotonic() < deadline and not ended:
            time.sleep(0.3)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/state", timeout=2) as r:
                ended = json.load(r)["athletes"][0]["ended"]
        assert ended
        proc.send_signal(signal.SIGINT)  # and the second Ctrl-C ends the linger
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert f"live page: http://127.0.0.1:{port}/" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
