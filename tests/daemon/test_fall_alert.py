"""The fall alert end to end: a simulated fall replayed by the real CLI to a real broker is
published on ``P/A/alert`` (QoS 1, retained) and deleted when the runner gets up; the
``[alerts] command`` runs a real program with the event on stdin without blocking."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.broker import Broker

from retrogait.daemon.config import load_config
from retrogait.errors import ConfigError
from retrogait.events import FallEvent, RecoveredEvent, parse_event
from retrogait.simulate.body import simulate_body, write_body_recording
from retrogait.sinks.alert_cmd import AlertCommandSink, AlertSettings

from .mqtt_helpers import CLI, Collector


def _fall_recording(tmp: Path, name: str, hold_s: float | None) -> Path:
    sim = simulate_body("fall_backward_run", seed=2, sites=("left", "right", "chest"),
                        hold_s=hold_s)
    rec, _ = write_body_recording(sim, tmp / f"{name}.jsonl.gz")
    return rec


async def _replay(broker: Broker, rec: Path, athlete: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *CLI, "replay", str(rec), "--speed", "max", "--quiet", "--mqtt", broker.url,
        "--athlete", athlete, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()


async def _late(broker: Broker, topic: str) -> list[tuple[str, bytes, bool]]:
    col = Collector(broker, topic)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(col.run(until_topic="(none)"), 1.0)
    return col.messages


async def test_fall_alert_is_retained_until_the_runner_moves_again(
        broker: Broker, tmp_path: Path) -> None:
    athlete = "fall-e2e"
    alert = f"retrogait/{athlete}/alert"
    col = Collector(broker, f"retrogait/{athlete}/#")
    task = asyncio.create_task(col.run(until_topic=f"retrogait/{athlete}/status"))
    await asyncio.wait_for(col.ready.wait(), 5)
    await _replay(broker, _fall_recording(tmp_path, "getsup", None), athlete)
    await asyncio.wait_for(task, 10)
    on_alert = [(p, r) for t, p, r in col.messages if t == alert]
    assert len(on_alert) == 2
    fall = parse_event(on_alert[0][0])
    assert isinstance(fall, FallEvent) and fall.evidence == "trunk"
    assert on_alert[1][0] == b""  # the retained alarm is deleted when the runner gets up
    recovered = [parse_event(p) for t, p, _ in col.messages if t.endswith("/recovered")]
    assert len(recovered) == 1 and isinstance(recovered[0], RecoveredEvent)
    assert recovered[0].fall_t_s == fall.t_s
    # the per-sensor record of the fall went out too
    assert [p for t, p, _ in col.messages if t == f"retrogait/{athlete}/chest/fall"] == [
        on_alert[0][0]]
    assert await _late(broker, alert) == []  # nothing retained any more


async def test_a_runner_still_down_leaves_the_alert_retained(
        broker: Broker, tmp_path: Path) -> None:
    athlete = "fall-e2e-down"
    await _replay(broker, _fall_recording(tmp_path, "down", 100.0), athlete)
    late = await _late(broker, f"retrogait/{athlete}/alert")
    assert len(late) == 1
    _topic, payload, retained = late[0]
    assert retained and isinstance(parse_event(payload), FallEvent)


def _fall() -> FallEvent:
    return FallEvent(t_s=12.0, emitted_at_s=13.0, sensor="chest", peak_acc_m_s2=70.0,
                     tilt_deg=88.0, sensors=["chest"])


async def test_alert_command_gets_the_event_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "got.jsonl"
    script = tmp_path / "notify.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write(sys.stdin.read())\n")
    sink = AlertCommandSink(AlertSettings(command=f"{sys.executable} {script} {out}"))
    await sink.emit(_fall())
    await sink.emit(RecoveredEvent(t_s=30.0, emitted_at_s=30.0, sensor="chest",
                                   fall_t_s=12.0))
    await sink.close()
    lines = out.read_text().splitlines()
    assert sorted(parse_event(x).kind for x in lines) == ["fall", "recovered"]
    assert sink.results == [0, 0]


async def test_alert_command_never_blocks_and_is_killed_after_its_timeout() -> None:
    sink = AlertCommandSink(AlertSettings(
        command=f"{sys.executable} -c 'import time; time.sleep(60)'", timeout_s=0.5,
        on_recovered=False))
    await sink.emit(_fall())  # returns at once: the program runs in its own task
    assert sink.results == [] and len(sink._tasks) == 1
    await sink.emit(RecoveredEvent(t_s=30.0, emitted_at_s=30.0, sensor="chest",
                                   fall_t_s=12.0))
    assert len(sink._tasks) == 1  # on_recovered false: not run
    await asyncio.wait_for(sink.close(), 10)
    assert sink.results == [None]  # killed


async def test_a_missing_program_is_reported_not_raised(tmp_path: Path) -> None:
    sink = AlertCommandSink(AlertSettings(command=str(tmp_path / "no-such-program")))
    await sink.emit(_fall())
    await sink.close()
    assert sink.results == [None]


def test_alerts_section_of_the_config(tmp_path: Path) -> None:
    cfg = tmp_path / "retrogait.toml"
    cfg.write_text('athlete = "ana"\n[alerts]\ncommand = "notify --sms"\ntimeout_s = 5\n')
    c = load_config(cfg)
    assert c.alerts is not None and c.alerts.command == "notify --sms"
    cfg.write_text('athlete = "ana"\n[alerts]\ncommand = "  "\n')
    with pytest.raises(ConfigError, match="command"):
        load_config(cfg)
    assert json.loads(AlertSettings(command="x").model_dump_json())["timeout_s"] == 30.0
