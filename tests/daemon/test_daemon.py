"""The live daemon as a real subprocess (`retrogait run --emulate`), a real broker, SIGTERM:
what it published live equals what its own recording gives offline; it ends cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import pytest
from tests.broker import Broker

from retrogait.daemon.config import DaemonConfig, load_config
from retrogait.errors import ConfigError
from retrogait.events import parse_event
from retrogait.insights.history import History
from retrogait.recording.reader import RecordingReader
from retrogait.sources.base import ConnectionChange

from .mqtt_helpers import CLI, Collector, analyze, event_lines, final_status, session_summary

SECRET = "s3cr3t-pa55word-never-logged"


@pytest.mark.parametrize("loop", ["auto", "asyncio"])  # auto: uvloop where installed
async def test_run_sigterm_records_and_publishes(broker: Broker, small_recording: Path,
                                                 tmp_path: Path, loop: str) -> None:
    athlete = f"live-run-{loop}"
    prefix = f"retrogait/{athlete}"
    col = Collector(broker, f"{prefix}/#")
    task = asyncio.create_task(col.run(until_topic=f"{prefix}/status"))
    await asyncio.wait_for(col.ready.wait(), 5)
    history = tmp_path / "history.sqlite"
    env = {**os.environ, "RETROGAIT_MQTT_PASSWORD": SECRET, "RETROGAIT_MQTT_USERNAME": "tester",
           "RETROGAIT_HISTORY": str(history)}
    proc = await asyncio.create_subprocess_exec(
        *CLI, "-vv", "run", "--emulate", str(small_recording), "--mqtt", broker.url,
        "--athlete", athlete, "--record-dir", str(tmp_path / "rec"), "--quiet",
        "--event-loop", loop, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
    )
    async def both_connected() -> None:
        while sum(b'"connected"' in p for _, p, _ in col.messages) < 2:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(both_connected(), 30)
    await asyncio.sleep(2.5)  # sensors stream for a few seconds of real time
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    await asyncio.wait_for(task, 10)

    [rec] = list((tmp_path / "rec").glob(f"{athlete}-*.jsonl.gz"))
    reader = RecordingReader(rec)
    items = list(reader)
    assert reader.stats.ended_cleanly and reader.stats.end_reason == "stopped"
    conn = [(i.sensor, i.event, i.detail) for i in items if isinstance(i, ConnectionChange)]
    assert ("left", "disconnected", "stopped") in conn and ("right", "disconnected",
                                                            "stopped") in conn
    assert reader.stats.notifications > 200

    # what went out live is exactly what the recording gives offline
    live = event_lines(col.messages, prefix)
    offline = analyze(rec, tmp_path / "events.jsonl")
    assert live == offline
    kinds = [parse_event(x).kind for x in live]
    assert kinds.count("sensor_status") == 4
    assert kinds.count("stride") > 0, "the pipeline finds strides in the emulated stream"
    assert final_status(col.messages, prefix).state == "offline"
    summary = session_summary(col.messages, prefix)
    assert summary.recording == rec.name and summary.quality.decode_errors == 0

    # the summary published at the end is the one stored in the history (one entry)
    with History(history) as h:
        [row] = h.sessions()
        assert row.session_id == summary.session_id and row.recording == rec.name
        assert h.summary(row.session_id) == summary
    assert f"stored session {summary.session_id}" in err.decode()
    assert summary.session_id in out.decode(), "the summary is printed at the end"

    # secrets: never in the logs (even -vv) nor in the recording
    assert SECRET not in err.decode() and SECRET not in out.decode()
    import gzip

    assert SECRET.encode() not in gzip.decompress(rec.read_bytes())


def test_config_file(tmp_path: Path) -> None:
    path = tmp_path / "retrogait.toml"
    path.write_text(f"""
athlete = "ana"
adapter = "hci1"

[[devices]]
id = "left"
profile = "retrogait-imu"
placement = "left_foot"
address = "C4:3A:11:22:33:44"

[[devices]]
id = "right"
profile = "retrogait-imu"
placement = "right_foot"
name = "^RG-IMU R"
toe_axis = "-y"

[ble]
acquire_notify = true

[mqtt]
url = "mqtts://broker.example.org"
username = "ana"
password = "{SECRET}"
""")
    cfg = load_config(path)
    assert isinstance(cfg, DaemonConfig)
    devs = cfg.ble_devices()
    assert devs[1].name_pattern == "^RG-IMU R" and devs[1].info.mounting.toe_axis == "-y"
    assert devs[0].info.rate_hz == 200.0
    assert cfg.ble_options().bluez() == {"adapter": "hci1"}
    assert cfg.ble_options().acquire_notify
    assert not DaemonConfig(athlete="a").ble_options().acquire_notify  # bleak's default
    assert cfg.mqtt is not None and cfg.mqtt.credentials() == ("ana", SECRET)
    assert SECRET not in repr(cfg) and SECRET not in cfg.model_dump_json()


@pytest.mark.parametrize(("text", "message"), [
    ('athlete = "a/b"', "athlete"),
    ('athlete = "a"\n[[devices]]\nid="l"\nprofile="retrogait-imu"\nplacement="left_foot"\n'
     'rate_hz=123.0', None),
    ('athlete = "a"\n[mqtt]\nurl = "mqtt://u:p@host"', "credentials"),
    ('athlete = "a"\n[mqtt]\nurl = "http://host"', "mqtt.url"),
])
def test_config_errors_are_clear(tmp_path: Path, text: str, message: str | None) -> None:
    path = tmp_path / "retrogait.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(path).ble_devices()
    assert str(path) in str(exc.value) or "123" in str(exc.value)
    if message:
        assert message in str(exc.value)
    assert "u:p" not in str(exc.value)
