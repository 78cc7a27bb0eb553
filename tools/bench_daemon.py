"""Benchmark: CPU and memory of the live daemon streaming four sensors at real-time rate.

Runs the real CLI, ``retrogait run --emulate FOUR_SENSORS.jsonl --emulate-process --mqtt
mqtt://127.0.0.1:PORT`` (recording on, console quiet, no history) against a real Mosquitto, and
samples the daemon's own CPU time (utime + stime of its process, children excluded) and resident
memory from ``/proc/PID`` every ``--every`` seconds.

The emulated sensors (four at 200 Hz: 4 samples per notification, 200 notifications/s in all)
send their bytes from a **child process** (``--emulate-process``): each notification is one
datagram on a socket the daemon reads with ``add_reader``, as bleak reads BlueZ's
``AcquireNotify`` sockets, so the daemon's figure contains what it pays with real sensors and not
the emulation's timers. The child's CPU is reported separately. ``--in-process`` runs the
emulation inside the daemon instead (the daemon's figure then includes it). With bleak's default
``StartNotify`` path on BlueZ each notification is a D-Bus signal parsed by dbus-fast in the
daemon, which costs more than the socket read measured here.

    .venv/bin/python tools/bench_daemon.py --duration 180

``--stages`` instead runs no daemon: it feeds the same four-sensor recording through
``GaitSession.handle`` in this process and splits the CPU per notification into decode, clock,
pipeline, fusion and the rest, back to back (warm caches) and with a sleep before every
notification (``--stage-sleep-ms``, default 5: caches as cold as after a wake-up of the live
daemon).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

from bench_latency import make_four_sensor_recording, start_mosquitto
from retrogait.cli.event_loop import LOOP_CHOICES

TICK = os.sysconf("SC_CLK_TCK")

STUB = r"""
import runpy, sys
from retrogait import session
from retrogait.events import parse_event
events = [parse_event(x) for x in open(sys.argv[1]) if '"sensor_status"' not in x][:400]
n = [0, 0]
def handle(self, item):  # 4 recorded events every 36 notifications: ~22 events/s, as live
    n[0] += 1
    if n[0] % 36:
        return []
    k = n[1]
    n[1] = (k + 4) % (len(events) - 4)
    return events[k:k + 4]
session.GaitSession.handle = handle
session.GaitSession.finish = lambda self: []
sys.argv = ["retrogait", *sys.argv[2:]]
runpy.run_module("retrogait", run_name="__main__")
"""


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _timed(obj: object, name: str, spent: dict[str, float], key: str) -> None:
    """Wrap ``obj.name`` so that its thread CPU time adds up in ``spent[key]``."""
    f = getattr(obj, name)

    def wrapper(*a: object) -> object:
        t = time.thread_time()
        try:
            return f(*a)
        finally:
            spent[key] += time.thread_time() - t

    setattr(obj, name, wrapper)


def stages(duration: float, sleeps_ms: list[float], notifications: int) -> None:
    """Per-stage CPU of GaitSession.handle per notification (thread CPU clock), warm and cold."""
    from retrogait.recording.reader import RecordingReader
    from retrogait.session import GaitSession

    with tempfile.TemporaryDirectory() as d:
        rec = make_four_sensor_recording(Path(d) / "four.jsonl", duration)
        reader = RecordingReader(rec)
        items = list(reader)
    clock = time.thread_time
    for sleep_ms in sleeps_ms:
        session = GaitSession(reader.header.sensors)
        spent = {"decode": 0.0, "clock": 0.0, "pipeline": 0.0, "fusion": 0.0}

        for st in session._state.values():
            _timed(st.decoder, "decode", spent, "decode")
            _timed(st.clock, "map", spent, "clock")
            _timed(st.pipeline, "process", spent, "pipeline")
        _timed(session.fusion, "process", spent, "fusion")
        n = min(notifications, len(items))
        total = 0.0
        for item in items[:n]:
            if sleep_ms:
                time.sleep(sleep_ms / 1000)
            t = clock()
            session.handle(item)
            total += clock() - t
        rest = total - sum(spent.values())
        parts = ", ".join(f"{k} {1e6 * v / n:.0f}" for k, v in spent.items())
        print(f"GaitSession.handle, 4 sensors, {n} notifications, "
              f"{'back to back' if not sleep_ms else f'{sleep_ms:g} ms sleep before each'}: "
              f"{1e6 * total / n:.0f} us per notification = {parts}, "
              f"session and stage timers {1e6 * rest / n:.0f} "
              f"(at 200 notifications/s: {100 * 200 * total / n:.1f} % of one core)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=180.0, help="seconds of streaming")
    ap.add_argument("--every", type=float, default=10.0, help="sampling interval, s")
    ap.add_argument("--warmup", type=float, default=15.0, help="ignored start-up span, s")
    ap.add_argument("--in-process", action="store_true",
                    help="emulated sensors inside the daemon process (counted in its CPU)")
    ap.add_argument("--stub-gait", action="store_true",
                    help="replace decode + pipeline + fusion by a stub returning the recording's "
                    "events at the live rate: the daemon's own cost, whatever the pipeline costs")
    ap.add_argument("--event-loop", choices=LOOP_CHOICES, default="auto",
                    help="the daemon's event loop (retrogait run --event-loop)")
    ap.add_argument("--stages", action="store_true",
                    help="no daemon: split GaitSession.handle per notification into its stages, "
                    "warm and cold")
    ap.add_argument("--stage-sleep-ms", type=float, default=5.0,
                    help="with --stages: sleep before each notification in the cold run")
    ap.add_argument("--stage-notifications", type=int, default=4000,
                    help="with --stages: notifications per run")
    args = ap.parse_args()
    if args.stages:
        stages(60.0, [0.0, args.stage_sleep_ms], args.stage_notifications)
        return
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        rec = make_four_sensor_recording(work / "four.jsonl", args.duration + args.warmup + 20)
        broker = start_mosquitto(work)
        port = broker.port
        launcher = [sys.executable, "-m", "retrogait"]
        if args.stub_gait:
            events = work / "events.jsonl"
            subprocess.run([sys.executable, "-m", "retrogait", "analyze", str(rec), "--events",
                            str(events)], check=True, capture_output=True)
            launcher = [sys.executable, "-c", STUB, str(events)]
        cmd = [*launcher, "run", "--emulate", str(rec), "--mqtt",
               f"mqtt://127.0.0.1:{port}", "--athlete", "bench", "--quiet",
               "--record-dir", str(work / "rec"), "--no-history",
               "--duration", str(args.duration + args.warmup), "--event-loop", args.event_loop]
        if not args.in_process:
            cmd.append("--emulate-process")
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[tuple[float, float, float, float]] = []
        t_start = time.monotonic()
        try:
            time.sleep(args.warmup)
            kids = [int(x) for x in Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
                    .read_text().split()]
            while proc.poll() is None:
                samples.append((time.monotonic() - t_start, cpu_s(proc.pid), rss_mib(proc.pid),
                                sum(cpu_s(k) for k in kids)))
                time.sleep(args.every)
        except FileNotFoundError:
            pass  # the process ended between poll and read
        finally:
            _, err = proc.communicate(timeout=60)
            broker.stop()
        if proc.returncode != 0:
            raise SystemExit(err.decode())
        rec_file = next((work / "rec").glob("*.jsonl.gz"))
        size = rec_file.stat().st_size
    if len(samples) < 2:
        raise SystemExit("too short to sample")
    (t0, c0, _, k0), (t1, c1, _, k1) = samples[0], samples[-1]
    where = "inside the daemon" if args.in_process else "in a child process (not counted)"
    stub = "; gait pipeline STUBBED (recorded events)" if args.stub_gait else ""
    print(f"daemon (retrogait run --emulate, 4 sensors x 200 Hz, MQTT + recording; emulated "
          f"sensors {where}{stub}; event loop {args.event_loop}), {t1 - t0:.0f} s measured "
          f"after {args.warmup:.0f} s warm-up:")
    print(f"  CPU: {100 * (c1 - c0) / (t1 - t0):.1f} % of one core on average "
          f"(this machine: {os.cpu_count()} cores, shared)")
    if not args.in_process:
        print(f"  emulated sensors' child process: {100 * (k1 - k0) / (t1 - t0):.1f} % of one core "
              f"(it stands in for BlueZ and the kernel; daemon + child: "
              f"{100 * (c1 - c0 + k1 - k0) / (t1 - t0):.1f} %)")
    m = re.search(r"session ended \(.*?\) after ([\d.]+) s.*?"
                  r"\(session ([\d.]+) s, gait ([\d.]+) s\)", err.decode(), re.S)
    if m:
        dur, total, gait = (float(x) for x in m.groups())
        print(f"  whole session as the daemon reports it ({dur:.0f} s): {100 * total / dur:.1f} % "
              f"of one core = decode + gait pipeline + fusion {100 * gait / dur:.1f} % "
              f"+ the daemon itself (acquisition, event loop, recording, MQTT, sinks) "
              f"{100 * (total - gait) / dur:.1f} %")
    print("  per interval: " + ", ".join(
        f"{100 * (b[1] - a[1]) / (b[0] - a[0]):.1f}" for a, b in itertools.pairwise(samples)
    ) + " %")
    print("  RSS MiB over time: " + ", ".join(f"{s[2]:.1f}" for s in samples))
    print(f"  recording: {size / 1024:.0f} KiB gzip for {t1 - t0 + args.warmup:.0f} s")


if __name__ == "__main__":
    main()
