"""Benchmark: end-to-end latency from a notification's arrival to the MQTT message being received.

Four emulated sensors at 200 Hz stream in real time through bleak (emulated backend), the daemon
(decode -> clock -> pipeline -> fusion -> MqttSink) publishes to a real Mosquitto on loopback,
and a subscriber in a *separate process* stamps every message with ``time.monotonic()`` (the
same system-wide clock). For each event, latency = subscriber receive time - host arrival time
of the notification whose processing emitted it. The algorithm's own delay (``emitted_at_s -
t_s``: a landing is only confirmed some samples later) is reported separately and not included.

    .venv/bin/python tools/bench_latency.py --duration 60

Prints p50/p90/p99/max in ms. Four sensors = the simulator's two feet plus a copy of each (ids
left2/right2, 1.3 ms later), so the load is four full pipelines.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the tests' broker helper (tests/broker.py)
from tests.broker import Broker  # noqa: E402

SUBSCRIBER = r"""
import asyncio, sys, time, aiomqtt
async def main():
    port, topic, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(out, "w") as fh:
        async with aiomqtt.Client("127.0.0.1", port, protocol=aiomqtt.ProtocolVersion.V5) as c:
            await c.subscribe(topic, qos=1)
            print("ready", flush=True)
            async for m in c.messages:
                fh.write(f"{time.monotonic():.6f} {m.topic} {m.payload.decode()}\n")
                fh.flush()
asyncio.run(main())
"""


def start_mosquitto(workdir: Path, nodelay: bool = False) -> Broker:
    """A Mosquitto on a free loopback port (MQTT 5 is needed: the embedded broker will not do)."""
    broker = Broker(workdir, nodelay=nodelay)
    if broker.kind != "mosquitto":
        raise SystemExit("the benchmark needs Mosquitto on PATH (apt-get install mosquitto)")
    broker.start()
    return broker


def make_four_sensor_recording(
    out: Path, duration_s: float, scenario: str = "backward_run"
) -> Path:
    """Simulate two feet (real `retrogait simulate`), then copy each as a 3rd/4th sensor."""
    from retrogait.recording import Header, RecordingReader, RecordingWriter
    from retrogait.sources.base import ConnectionChange, Notification

    two = out.with_name("two-" + out.name)
    subprocess.run([sys.executable, "-m", "retrogait", "simulate", "--scenario", scenario,
                    "--duration", str(duration_s), "-o", str(two)], check=True,
                   capture_output=True)
    reader = RecordingReader(two)
    h = reader.header
    extra = [s.model_copy(update={"id": s.id + "2", "address": None, "name": None})
             for s in h.sensors]
    header = Header(created=h.created, software=h.software, origin="simulator",
                    athlete="bench", sensors=[*h.sensors, *extra], notes="4-sensor benchmark")
    items = []
    for it in reader:
        items.append(it)
        if isinstance(it, Notification):
            items.append(Notification(it.t + 0.0013, it.sensor + "2", it.char, it.payload))
        elif isinstance(it, ConnectionChange):
            items.append(ConnectionChange(it.t, it.sensor + "2", it.event, it.detail))
    items.sort(key=lambda i: i.t)
    with RecordingWriter(out, header) as w:
        for it in items:
            w.write(it)
    return out


class ProbeSink:
    """Remembers, per event, the arrival time of the notification being processed. The daemon
    processes what is queued at one wake-up as a group (``GaitSession.handle_many``): an event
    of sensor S is then timed from the group's first notification of S (its decision sample is
    in one of them), any other event from the group's first item: exact or conservative."""

    def __init__(self) -> None:
        self.arrival = 0.0
        self.by_sensor: dict[str, float] = {}
        self.by_payload: dict[str, float] = {}
        self.algo_delay: list[float] = []
        self.emitted: dict[str, float] = {}

    async def start(self) -> None: ...
    async def close(self) -> None: ...

    async def observe(self, item) -> None:  # type: ignore[no-untyped-def]
        pass

    def group(self, items) -> None:  # type: ignore[no-untyped-def]
        self.arrival = items[0].t
        self.by_sensor = {}
        for it in items:
            sensor = getattr(it, "sensor", None)
            if sensor is not None:
                self.by_sensor.setdefault(sensor, it.t)

    async def emit(self, event) -> None:  # type: ignore[no-untyped-def]
        arrival = self.by_sensor.get(getattr(event, "sensor", ""), self.arrival)
        self.by_payload[event.model_dump_json()] = arrival
        self.emitted[event.model_dump_json()] = time.monotonic()
        self.algo_delay.append(event.emitted_at_s - event.t_s)


async def run(recording: Path, port: int, duration: float, sub_out: Path) -> tuple[
        ProbeSink, float]:
    from retrogait.daemon.runner import Daemon
    from retrogait.recording import read_header
    from retrogait.sinks.mqtt import MqttSettings, MqttSink
    from retrogait.sources.ble import BleDevice, BleOptions
    from retrogait.sources.emulated import EmulatedWorld, devices_from_recording

    world = EmulatedWorld(devices_from_recording(recording))
    opts = BleOptions(client_backend=world.client_backend(),
                      scanner_backend=world.scanner_backend())
    devices = [BleDevice(s.model_copy(update={"address": d.address}))
               for s, d in zip(read_header(recording).sensors, world.devices.values(),
                               strict=True)]
    sink = MqttSink(MqttSettings(url=f"mqtt://127.0.0.1:{port}"), "bench",
                    sensors=[d.id for d in devices])
    probe = ProbeSink()
    daemon = Daemon("bench", devices, opts, record_dir=None, mqtt=sink, console=False)
    daemon.sinks.insert(0, probe)  # type: ignore[arg-type]
    handle_many = daemon.session.handle_many

    def probed(items):  # type: ignore[no-untyped-def]
        probe.group(items)
        return handle_many(items)

    daemon.session.handle_many = probed  # type: ignore[method-assign]
    await daemon.run(duration_s=duration, signals=False)
    return probe, daemon.t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of real-time streaming")
    ap.add_argument("--broker-nodelay", action="store_true",
                    help="run Mosquitto with set_tcp_nodelay true (see docs/mqtt.md)")
    sys.path.insert(0, str(REPO / "src"))
    from retrogait.cli import event_loop

    ap.add_argument("--event-loop", choices=event_loop.LOOP_CHOICES, default="auto",
                    help="the daemon's event loop, as `retrogait run --event-loop`")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        rec = make_four_sensor_recording(work / "four.jsonl", args.duration + 10)
        broker = start_mosquitto(work, args.broker_nodelay)
        port = broker.port
        sub_out = work / "sub.txt"
        sub = subprocess.Popen([sys.executable, "-c", SUBSCRIBER, str(port), "retrogait/bench/#",
                                str(sub_out)], stdout=subprocess.PIPE)
        assert sub.stdout is not None and sub.stdout.readline().strip() == b"ready"
        try:
            probe, t0 = event_loop.run(run(rec, port, args.duration, sub_out), args.event_loop)
            time.sleep(1.0)
        finally:
            sub.terminate()
            broker.stop()
        lat, proc, transport = [], [], []
        for line in sub_out.read_text().splitlines():
            recv, _topic, payload = line.split(" ", 2)
            if payload in probe.by_payload:
                arrived = t0 + probe.by_payload[payload]
                lat.append(float(recv) - arrived)
                proc.append(probe.emitted[payload] - arrived)
                transport.append(float(recv) - probe.emitted[payload])
        if not lat:
            raise SystemExit("no events matched")
        ms = np.array(lat) * 1000
        delay = np.array(probe.algo_delay) * 1000
        for name, arr in (("  of which arrival -> event emitted (queue, decode, pipeline)", proc),
                          ("  of which emitted -> received (buffer, MQTT, broker, subscriber)",
                           transport)):
            a = np.array(arr) * 1000
            print(f"{name}: p50 {np.percentile(a, 50):.2f}  p99 {np.percentile(a, 99):.2f}")
        kinds: dict[str, int] = {}
        for p in probe.by_payload:
            k = json.loads(p)["kind"]
            kinds[k] = kinds.get(k, 0) + 1
        print(f"4 sensors x 200 Hz, {args.duration:.0f} s real time, event loop "
              f"{args.event_loop}, Mosquitto "
              f"set_tcp_nodelay {'true' if args.broker_nodelay else 'false (default)'}, "
              f"{len(ms)} events "
              f"({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))})")
        print("notification arrival -> MQTT message received (ms): "
              f"p50 {np.percentile(ms, 50):.2f}  p90 {np.percentile(ms, 90):.2f}  "
              f"p99 {np.percentile(ms, 99):.2f}  max {ms.max():.2f}")
        print("algorithm's own delay, emitted_at_s - t_s (ms, not included above): "
              f"p50 {np.percentile(delay, 50):.0f}  p99 {np.percentile(delay, 99):.0f}")


if __name__ == "__main__":
    main()
