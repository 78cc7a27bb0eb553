"""Benchmark: CPU and memory of the live daemon streaming four sensors at real-time rate.

Runs the real CLI, ``retrogait run --emulate FOUR_SENSORS.jsonl --mqtt mqtt://127.0.0.1:PORT``
(recording on, console quiet) against a real Mosquitto, and samples the process's CPU time and
resident memory from ``/proc/PID`` every ``--every`` seconds. The emulated sensors (bleak
backend replaying the bytes in real time, ~800 notifications/s for four sensors at 200 Hz) run
*inside* the daemon process, so the figure is an upper bound for the daemon with real BlueZ
(where D-Bus delivery costs are in ``bluetoothd`` and ``dbus-daemon`` instead).

    .venv/bin/python tools/bench_daemon.py --duration 180
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

from bench_latency import make_four_sensor_recording, start_mosquitto

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=180.0, help="seconds of streaming")
    ap.add_argument("--every", type=float, default=10.0, help="sampling interval, s")
    ap.add_argument("--warmup", type=float, default=15.0, help="ignored start-up span, s")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        rec = make_four_sensor_recording(work / "four.jsonl", args.duration + args.warmup + 20)
        broker, port = start_mosquitto(work)
        cmd = [sys.executable, "-m", "retrogait", "run", "--emulate", str(rec), "--mqtt",
               f"mqtt://127.0.0.1:{port}", "--athlete", "bench", "--quiet",
               "--record-dir", str(work / "rec"), "--no-history",
               "--duration", str(args.duration + args.warmup)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[tuple[float, float, float]] = []
        t_start = time.monotonic()
        try:
            time.sleep(args.warmup)
            while proc.poll() is None:
                samples.append((time.monotonic() - t_start, cpu_s(proc.pid), rss_mib(proc.pid)))
                time.sleep(args.every)
        except FileNotFoundError:
            pass  # the process ended between poll and read
        finally:
            _, err = proc.communicate(timeout=60)
            broker.terminate()
        if proc.returncode != 0:
            raise SystemExit(err.decode())
        rec_file = next((work / "rec").glob("*.jsonl.gz"))
        size = rec_file.stat().st_size
    if len(samples) < 2:
        raise SystemExit("too short to sample")
    (t0, c0, _), (t1, c1, _) = samples[0], samples[-1]
    print(f"daemon (retrogait run --emulate, 4 sensors x 200 Hz, MQTT + recording), "
          f"{t1 - t0:.0f} s measured after {args.warmup:.0f} s warm-up:")
    print(f"  CPU: {100 * (c1 - c0) / (t1 - t0):.1f} % of one core on average "
          f"(this machine: {os.cpu_count()} cores, shared)")
    print("  per interval: " + ", ".join(
        f"{100 * (b[1] - a[1]) / (b[0] - a[0]):.1f}" for a, b in itertools.pairwise(samples)
    ) + " %")
    print("  RSS MiB over time: " + ", ".join(f"{s[2]:.1f}" for s in samples))
    print(f"  recording: {size / 1024:.0f} KiB gzip for {t1 - t0 + args.warmup:.0f} s")


if __name__ == "__main__":
    main()
