"""Benchmark of the per-sensor pipeline (+ fusion); prints numbers, asserts nothing.

    python tools/bench_pipeline.py [RECORDING] [--minutes 180]

1. offline, pipeline only: the timed samples of a 200 Hz foot sensor (from a simulator
   recording, tiled to ``--offline-minutes``) fed in 2048-sample blocks: × real time on one
   core (no file reading, no decoding), median and spread of ``--repeat`` runs;
   offline, whole file: read + decode + clock + pipelines + fusion of the recording itself
   (all its sensors), one notification at a time (``GaitSession.handle``) and batched as
   ``retrogait analyze`` did before the column cache (``GaitSession.analyze``): × real time
   per sensor; whole process: ``retrogait analyze REC`` (a child process: interpreter start,
   imports, reading, pipeline, summary) and ``retrogait.analyze(REC)``, each without and with
   the column cache beside the recording (``retrogait.offline``), side by side, and the
   phases of a cached ``retrogait analyze`` (start + imports, cache, gait, falls, fusion,
   summary);
2. streaming: the same samples in notification-sized blocks (4 samples, as a 200 Hz BLE sensor
   sends them): CPU share of one core at real-time rate per sensor;
3. memory: ``--minutes`` of two-sensor streaming (tiled data), RSS sampled along the way.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from retrogait.fusion import Fusion
from retrogait.pipeline import SensorPipeline
from retrogait.recording.reader import RecordingReader
from retrogait.session import GaitSession, analyze_items
from retrogait.timing.clock import TimedBlock


def load_samples(path: Path) -> tuple[list, dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Timed samples per sensor, captured from the real flow (decoder + clock)."""
    reader = RecordingReader(path)
    session = GaitSession(reader.header.sensors)
    got: dict[str, list[TimedBlock]] = {}
    for sid, st in session._state.items():  # capture the clock's output
        orig = st.pipeline.process

        def spy(block: TimedBlock, sid: str = sid, orig=orig) -> list:  # type: ignore[no-untyped-def]
            got.setdefault(sid, []).append(block)
            return orig(block)

        st.pipeline.process = spy  # type: ignore[method-assign]
    for item in reader:
        session.handle(item)
    out = {}
    for sid, blocks in got.items():
        out[sid] = (np.concatenate([b.t for b in blocks]), np.concatenate([b.acc for b in blocks]),
                    np.concatenate([b.gyr for b in blocks]))
    return reader.header.sensors, out


def tile(t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, seconds: float):  # type: ignore[no-untyped-def]
    dur = t[-1] - t[0] + (t[1] - t[0])
    reps = int(np.ceil(seconds / dur))
    tt = np.concatenate([t - t[0] + k * dur for k in range(reps)])
    return tt, np.tile(acc, (reps, 1)), np.tile(gyr, (reps, 1))


def feed(pipe: SensorPipeline, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, block: int) -> int:
    n_events = 0
    for i in range(0, t.size, block):
        n_events += len(pipe.process(TimedBlock(t=t[i:i + block], acc=acc[i:i + block],
                                                gyr=gyr[i:i + block])))
    return n_events


def tiled_walk(n: int, folder: Path) -> Path:
    """The gaitmap walk (tests/data, both feet, 204.8 Hz) repeated n times back to back."""
    import json

    data = Path(__file__).resolve().parents[1] / "tests" / "data"
    csvs = []
    for side in ("left", "right"):
        src = data / f"gaitmap_healthy_walk2x20m_{side}_foot"
        d = np.loadtxt(src.with_suffix(".csv"), delimiter=",", skiprows=1)
        dur = d[-1, 0] - d[0, 0] + 1 / 204.8
        out = np.concatenate([np.column_stack([d[:, 0] - d[0, 0] + k * dur, d[:, 1:]])
                              for k in range(n)])
        csv = folder / f"walk{n}_{side}_foot.csv"
        np.savetxt(csv, out, delimiter=",", fmt="%.6f", comments="",
                   header="t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z")
        side_json = json.loads(src.with_suffix(".json").read_text())
        side_json.pop("truth_times_s", None)
        csv.with_suffix(".json").write_text(json.dumps(side_json))
        csvs.append(str(csv))
    rec = folder / f"walk{n}.jsonl.gz"
    subprocess.run([sys.executable, "-m", "retrogait", "import-csv", *csvs, "-o", str(rec),
                    "--no-truth"], check=True, capture_output=True)
    return rec


def whole_process(rec: Path, sensor_s: float, repeat: int) -> None:
    """`retrogait analyze REC` as a whole process (interpreter start, imports, reading, pipeline,
    summary) and `retrogait.analyze(REC)` in this process: CPU time (user + sys, the median of
    ``repeat`` runs), without the column cache (--no-cache: reading and decoding the recording)
    and with it (the cache beside the recording, written by the first cached run)."""
    import retrogait
    from retrogait.offline import cache_path

    cache_path(rec).unlink(missing_ok=True)

    def child(*extra: str) -> tuple[float, float]:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        w0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "retrogait", "analyze", str(rec), *extra],
                       check=True, capture_output=True)
        wall = time.perf_counter() - w0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, wall

    def api(cache: bool) -> tuple[float, float]:
        c0, w0 = time.process_time(), time.perf_counter()
        retrogait.analyze(rec, cache=cache)
        return time.process_time() - c0, time.perf_counter() - w0

    child()  # writes the cache
    for label, run in (("retrogait analyze, no cache", lambda: child("--no-cache")),
                       ("retrogait analyze, cached  ", child),
                       ("analyze() API, no cache   ", lambda: api(False)),
                       ("analyze() API, cached     ", lambda: api(True))):
        runs = [run() for _ in range(repeat)]
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        print(f"whole process, {label}: {cpu:.2f} s CPU ({wall:.2f} s wall, median of "
              f"{repeat}) = {sensor_s / cpu:.0f}x real time per sensor (target >= 3000x)")


def phases(rec: Path, sensor_s: float, repeat: int) -> None:
    """Where a cached ``retrogait analyze REC`` spends its CPU: interpreter start and the
    imports of the command (a child process), then in this process (median of ``repeat``):
    loading the column cache, the gait pipelines, the fall evidence, the rest of the flush
    (fusion, event routing) and the summary."""
    from retrogait import offline
    from retrogait.insights.summary import SummaryBuilder
    from retrogait.insights.summary_text import format_summary
    from retrogait.pipeline.fall import FallDetector
    from retrogait.pipeline.trunk import TrunkPipeline

    imports = ("from retrogait.cli import build_parser; build_parser('analyze'); "
               "import retrogait.offline, retrogait.insights.summary")

    def child(code: str) -> float:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime

    spent: dict[str, float] = {}

    def timed(owner: object, name: str, label: str) -> None:
        orig = getattr(owner, name)

        def wrapper(*a, **k):  # type: ignore[no-untyped-def]
            c0 = time.process_time()
            try:
                return orig(*a, **k)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - c0

        setattr(owner, name, wrapper)

    timed(offline, "_load", "cache load")
    timed(SensorPipeline, "process", "gait pipelines")
    timed(TrunkPipeline, "process", "gait pipelines")
    timed(FallDetector, "process", "fall evidence")
    offline.analyze_file(rec)  # the cache exists
    rows: dict[str, list[float]] = {"interpreter start + imports": [], "cache load": [],
                                    "gait pipelines": [], "fall evidence": [],
                                    "fusion, routing": [], "summary": [], "total": []}
    for _ in range(repeat):
        rows["interpreter start + imports"].append(child(imports))
        spent.clear()
        c0 = time.process_time()
        r = offline.analyze_file(rec)
        c1 = time.process_time()
        b = SummaryBuilder(athlete=r.header.athlete, recording=str(rec),
                           started_at=r.header.created, sensors=[s.id for s in r.header.sensors])
        format_summary(b.add_all(r.events).summary())
        c2 = time.process_time()
        for label in ("cache load", "gait pipelines", "fall evidence"):
            rows[label].append(spent.get(label, 0.0))
        rows["fusion, routing"].append(c1 - c0 - sum(spent.values()))
        rows["summary"].append(c2 - c1)
        rows["total"].append(rows["interpreter start + imports"][-1] + c2 - c0)
    for label, v in rows.items():
        print(f"cached analyze phase, {label:28}: {statistics.median(v):.3f} s CPU "
              f"(runs {min(v):.3f}-{max(v):.3f})")
    print(f"  sum of the phases = {sensor_s / statistics.median(rows['total']):.0f}x real time "
          "per sensor (target >= 3000x: <= "
          f"{sensor_s / 3000:.2f} s)")


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("recording", nargs="?", type=Path)
    ap.add_argument("--offline-minutes", type=float, default=60.0)
    ap.add_argument("--stream-minutes", type=float, default=10.0)
    ap.add_argument("--minutes", type=float, default=180.0, help="memory run length")
    ap.add_argument("--repeat", type=int, default=5, help="offline runs (median reported)")
    ap.add_argument("--tiled-walk", type=int, metavar="N",
                    help="use the gaitmap two-foot walk of tests/data tiled N times (e.g. "
                    "N=20: 2 x 774 s), imported with retrogait import-csv")
    args = ap.parse_args()
    rec = args.recording
    if rec is None and args.tiled_walk:
        rec = tiled_walk(args.tiled_walk, Path(tempfile.mkdtemp()))
    if rec is None:
        tmp = Path(tempfile.mkdtemp())
        rec = tmp / "session.jsonl.gz"
        subprocess.run([sys.executable, "-m", "retrogait", "simulate", "--scenario", "session",
                        "-o", str(rec)], check=True, capture_output=True)
    sensors, data = load_samples(rec)
    sid = next(iter(data))
    info = next(s for s in sensors if s.id == sid)
    t, acc, gyr = data[sid]
    rate = (t.size - 1) / (t[-1] - t[0])
    print(f"recording {rec.name}: sensor {sid}, {t.size} samples, {rate:.1f} Hz")

    tt, aa, gg = tile(t, acc, gyr, args.offline_minutes * 60)
    span = tt[-1] - tt[0]
    cpus = []
    for _ in range(args.repeat):  # a shared machine: the spread is reported, the median judged
        pipe = SensorPipeline(info, rate_hz=rate)
        c0 = time.process_time()
        n = feed(pipe, tt, aa, gg, 2048)
        cpus.append(time.process_time() - c0)
    cpu = statistics.median(cpus)
    print(f"offline, pipeline only: {span / 60:.0f} min of one sensor in {cpu:.2f} s CPU "
          f"(median of {len(cpus)} runs) = {span / cpu:.0f}x real time (runs "
          f"{span / max(cpus):.0f}-{span / min(cpus):.0f}x; {n} events; target >= 5000x)")

    # whole file: everything from the gzip JSON Lines to the events, all sensors of the file
    sensor_s = len(data) * (t[-1] - t[0])
    for label, batched in (("notification by notification", False), ("batched (analyze)", True)):
        best = float("inf")
        for _ in range(3):
            reader = RecordingReader(rec)
            c0 = time.process_time()
            if batched:
                analyze_items(reader.header.sensors, reader)
            else:
                session = GaitSession(reader.header.sensors)
                for item in reader:
                    session.handle(item)
                session.finish()
            best = min(best, time.process_time() - c0)
        print(f"whole file, {label}: {len(data)} sensor(s) x {(t[-1] - t[0]) / 60:.1f} min "
              f"(read + decode + clock + pipeline + fusion) in {best:.2f} s CPU = "
              f"{sensor_s / best:.0f}x real time per sensor")

    whole_process(rec, sensor_s, args.repeat)
    phases(rec, sensor_s, args.repeat)

    tt, aa, gg = tile(t, acc, gyr, args.stream_minutes * 60)
    pipe = SensorPipeline(info, rate_hz=rate)
    c0 = time.process_time()
    feed(pipe, tt, aa, gg, 4)
    cpu = time.process_time() - c0
    span = tt[-1] - tt[0]
    print(f"streaming: 4-sample blocks, {span / 60:.0f} min in {cpu:.2f} s CPU = "
          f"{100 * cpu / span:.3f} % of one core per sensor (target <= 1 %)")

    # memory: two sensors + fusion, streaming, tiled to --minutes, RSS along the way
    sids = list(data)[:2]
    infos = [next(s for s in sensors if s.id == k) for k in sids]
    pipes = [SensorPipeline(i, rate_hz=rate) for i in infos]
    fusion = Fusion(infos)
    chunk_s = 600.0
    total = args.minutes * 60
    base = [tile(*data[k], chunk_s) for k in sids]
    rss = [rss_mb()]
    c0 = time.process_time()
    done = 0.0
    while done < total:
        for k, (p, (bt, ba, bg)) in enumerate(zip(pipes, base, strict=True)):
            bt = bt + done
            for i in range(0, bt.size, 16):
                ev = p.process(TimedBlock(t=bt[i:i + 16], acc=ba[i:i + 16], gyr=bg[i:i + 16]))
                if ev:
                    fusion.process(ev)
            del k
        done += chunk_s
        rss.append(rss_mb())
    cpu = time.process_time() - c0
    print(f"memory   : {args.minutes:.0f} min two-sensor streaming (16-sample blocks, {cpu:.0f} s "
          f"CPU): RSS start {rss[0]:.0f} MB, after 10 min {rss[1]:.0f} MB, end {rss[-1]:.0f} MB, "
          f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"(target < 150 MB, flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
