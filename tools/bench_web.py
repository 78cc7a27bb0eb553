#!/usr/bin/env python3
"""Benchmarks of the live page (docs/web.md, "Measurements"). Needs Debian's chromium and
chromium-driver (Selenium drives them headless).

    .venv/bin/python tools/bench_web.py latency [--speed 2]    # event -> page update, p50/p99
    .venv/bin/python tools/bench_web.py cpu [--seconds 60]     # server CPU with one page open
    .venv/bin/python tools/bench_web.py memory [--hours 3 --speed 30]   # browser heap, long run
    .venv/bin/python tools/bench_web.py all

latency: ``retrogait replay --web`` of the demo with a page opened with ``?bench=1``; the page
records, for every event message, the time from the server publishing it (``wall``, server
clock) to the browser's next animation frame after handling it (the frame that draws it); same
machine, same clock.

cpu: the daemon with emulated sensors (``run --emulate --emulate-process``, the emulation in a
child process) for ``--seconds``, without ``--web`` and with ``--web`` and one page open,
alternating, ``--rounds`` times; the daemon's own CPU (it prints it) compared. Also the hub's
cost per event in-process (publish + SSE write to one connected page), times the demo's event
rate.

memory: an in-process server publishes the demo's events looped for ``--hours`` of session time
at ``--speed`` times real time to one page; the page's JS heap (Chrome DevTools
``Performance.getMetrics``) and DOM node count are sampled as the session goes on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "recordings" / "demo_backward_run.jsonl.gz"
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))  # the tests' port helpers (tests/broker.py)

from tests.broker import free_port, wait_port  # noqa: E402

from web_screenshot import chrome  # noqa: E402


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


def latency(args: argparse.Namespace) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "retrogait", "replay", str(DEMO), "--speed", f"x{args.speed:g}",
         "--quiet", "--web", f"127.0.0.1:{port}", "--web-linger", "60"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    driver: Any = None
    try:
        wait_port(port, timeout=30.0)
        driver = chrome(900, 1200)
        driver.get(f"http://127.0.0.1:{port}/?bench=1")
        assert proc.stderr is not None
        for line in proc.stderr:  # the replay is over when the page starts to linger
            if "session over" in line:
                break
        time.sleep(1.0)
        lat = driver.execute_script("return window.retrogait.lat")
    finally:
        if driver is not None:
            driver.quit()
        proc.terminate()
        proc.wait(10)
    print(f"event -> page update (replay --web of the demo at x{args.speed:g}, {len(lat)} event "
          f"messages): p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms, "
          f"p99 {pct(lat, 99):.1f} ms, max {max(lat):.1f} ms (target p99 <= 250 ms)")


def _daemon_cpu(seconds: float, web: bool) -> tuple[float, float]:
    """(daemon CPU % of one core, gait CPU %) of one emulated run."""
    port = free_port()
    cmd = [sys.executable, "-m", "retrogait", "run", "--emulate", str(DEMO), "--emulate-process",
           "--duration", f"{seconds:g}", "--no-record", "--no-history", "--quiet"]
    if web:
        cmd += ["--web", f"127.0.0.1:{port}", "--web-linger", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    driver: Any = None
    try:
        if web:
            wait_port(port, timeout=30.0)
            driver = chrome(900, 1200)
            driver.get(f"http://127.0.0.1:{port}/")
        _, err = proc.communicate(timeout=seconds + 120)
    finally:
        if driver is not None:
            driver.quit()
    m = re.search(r"CPU: ([\d.]+) % of one core, of which decode \+ gait pipeline \+ fusion "
                  r"([\d.]+) %", err)
    if m is None:
        raise SystemExit(f"no CPU line from the daemon:\n{err}")
    return float(m.group(1)), float(m.group(2))


async def _hub_cost(n_rounds: int = 3) -> tuple[float, float]:
    """CPU s per event of publish + SSE delivery to one page (in-process), and the demo's
    event rate (events/s)."""
    import aiohttp

    from retrogait.recording.reader import RecordingReader
    from retrogait.session import analyze_items
    from retrogait.sinks.web import WebHub
    from retrogait.sinks.web.server import WebServer

    reader = RecordingReader(DEMO)
    events = analyze_items(reader.header.sensors, reader)
    rate = len(events) / max(e.t_s for e in events)
    hub = WebHub(queue_size=100000)
    server = WebServer(hub, "127.0.0.1", 0)
    await server.start()
    costs = []
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}events") as resp:
            got = 0

            async def read() -> None:
                nonlocal got
                async for line in resp.content:
                    if line.startswith(b"data: {\"type\":\"event\""):
                        got += 1
            reader_task = asyncio.create_task(read())
            await asyncio.sleep(0.2)
            for _ in range(n_rounds):
                got = 0
                c0 = time.process_time()
                for ev in events:
                    hub.publish("a", ev)
                while got < len(events):
                    await asyncio.sleep(0.001)
                costs.append((time.process_time() - c0) / len(events))
            reader_task.cancel()
    finally:
        await server.stop()
    # the client's reading is in this process too: the figure is an upper bound
    return min(costs), rate


def cpu(args: argparse.Namespace) -> None:
    runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(args.rounds):
        for web in (False, True):
            runs[web].append(_daemon_cpu(args.seconds, web))
            print(f"  {'with --web + 1 page' if web else 'without --web      '}: daemon "
                  f"{runs[web][-1][0]:.1f} % of a core (gait {runs[web][-1][1]:.1f} %)",
                  flush=True)
    base = statistics.median(r[0] for r in runs[False])
    web = statistics.median(r[0] for r in runs[True])
    print(f"daemon CPU over {args.seconds:g} s runs, median of {args.rounds}: without --web "
          f"{base:.1f} %, with --web and one page open {web:.1f} % -> the page adds "
          f"{web - base:+.1f} % of one core (target <= 1 %)")
    per_event, rate = asyncio.run(_hub_cost())
    print(f"hub in-process: {per_event * 1e6:.0f} us CPU per event (publish + SSE to one page, "
          f"client included) x {rate:.1f} events/s of the demo = {100 * per_event * rate:.2f} % "
          "of one core")


async def _memory(args: argparse.Namespace) -> None:
    from retrogait.recording.reader import RecordingReader
    from retrogait.session import analyze_items
    from retrogait.sinks.web import WebHub
    from retrogait.sinks.web.server import WebServer

    reader = RecordingReader(DEMO)
    events = analyze_items(reader.header.sensors, reader)
    span = max(e.t_s for e in events) + 1.0
    hub = WebHub(title="bench")
    server = WebServer(hub, "127.0.0.1", 0)
    await server.start()
    driver: Any = await asyncio.to_thread(chrome, 900, 1200)
    samples: list[tuple[float, float, int]] = []

    async def sample(t_session: float) -> None:
        m = await asyncio.to_thread(driver.execute_cdp_cmd, "Performance.getMetrics", {})
        d = {x["name"]: x["value"] for x in m["metrics"]}
        samples.append((t_session, d["JSHeapUsedSize"] / 2**20, int(d["Nodes"])))
        print(f"  session {t_session / 3600:5.2f} h: JS heap {samples[-1][1]:6.2f} MiB, "
              f"DOM nodes {samples[-1][2]}", flush=True)

    try:
        await asyncio.to_thread(driver.execute_cdp_cmd, "Performance.enable", {})
        await asyncio.to_thread(driver.get, f"{server.url}")
        total = args.hours * 3600.0
        t0 = time.monotonic()
        loop_i = 0
        next_sample = 0.0
        while loop_i * span < total:
            offset = loop_i * span
            for ev in events:
                t = ev.t_s + offset
                if t > total:
                    break
                delay = t0 + t / args.speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                upd: dict[str, Any] = {"t_s": ev.t_s + offset,
                                       "emitted_at_s": ev.emitted_at_s + offset}
                for k in ("start_s", "end_s", "toe_off_s", "toe_off_before_s"):
                    if getattr(ev, k, None) is not None:
                        upd[k] = getattr(ev, k) + offset
                hub.publish("athlete", ev.model_copy(update=upd))
                if t >= next_sample:
                    await sample(t)
                    next_sample += args.sample_every_s
            loop_i += 1
        await sample(total)
    finally:
        await asyncio.to_thread(driver.quit)
        await server.stop()
    first = [s for s in samples if s[0] >= 600] or samples  # after the first 10 min (warm-up)
    heap = [s[1] for s in first]
    nodes = [s[2] for s in first]
    print(f"browser over {args.hours:g} h of session at x{args.speed:g} ({hub.published} events):"
          f" JS heap from 10 min on {min(heap):.2f}-{max(heap):.2f} MiB (at 10 min "
          f"{heap[0]:.2f}, at the end {heap[-1]:.2f}), DOM nodes {min(nodes)}-{max(nodes)}")
    if args.json:
        Path(args.json).write_text(json.dumps(samples))


def memory(args: argparse.Namespace) -> None:
    asyncio.run(_memory(args))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("latency", "cpu", "memory", "all"))
    ap.add_argument("--speed", type=float, default=None,
                    help="latency: replay speed (default 2); memory: session speed (default 30)")
    ap.add_argument("--seconds", type=float, default=60.0, help="cpu: length of each run, s")
    ap.add_argument("--rounds", type=int, default=2, help="cpu: runs per configuration")
    ap.add_argument("--hours", type=float, default=3.0, help="memory: session length, h")
    ap.add_argument("--sample-every-s", type=float, default=900.0,
                    help="memory: heap sample period, s of session")
    ap.add_argument("--json", help="memory: write the samples here")
    args = ap.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    speed = args.speed
    if args.what in ("latency", "all"):
        args.speed = speed or 2.0
        latency(args)
    if args.what in ("cpu", "all"):
        cpu(args)
    if args.what in ("memory", "all"):
        args.speed = speed or 30.0
        memory(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
