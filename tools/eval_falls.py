"""Fall detection figures: detection rate and delay on the body simulator's falls, false
alarms over every non-fall recording at hand (the simulator's scenarios, real recordings
imported with ``retrogait import-csv``, the demo), with the hours they cover.

    python tools/eval_falls.py [--seeds 10] [--data DIR] [--quick]

Sensor sets: feet only, chest, chest without gyroscope, lower back, feet + chest. Prints
tables; method in docs/pipeline.md ("Fall detection").
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from retrogait.events import FallEvent
from retrogait.recording.reader import RecordingReader
from retrogait.session import GaitSession
from retrogait.simulate.body import BODY_SCENARIOS, BodySimulation, simulate_body
from retrogait.simulate.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]
SETS: dict[str, tuple[tuple[str, ...], bool]] = {
    "feet": (("left", "right"), True),
    "chest": (("chest",), True),
    "chest, no gyro": (("chest",), False),
    "lower back": (("lower_back",), True),
    "feet + chest": (("left", "right", "chest"), True),
}


def falls_of(sim: BodySimulation, sites: tuple[str, ...]) -> list[FallEvent]:
    sensors = [s for s in sim.sensors if s.id in sites]
    items = [it for it in sim.items if it.sensor in sites]
    return [e for e in GaitSession(sensors).analyze(items) if isinstance(e, FallEvent)]


Key = tuple[str, str]  # (sensor set, "lying" or "sitting": how the fall ends)


def simulated(seeds: int, quick: bool) -> tuple[dict[Key, list[float]], dict[Key, int],
                                                dict[str, float], dict[str, int]]:
    """Per sensor set and way the fall ends: delays of detected falls (s), missed falls; per
    sensor set: non-fall hours, false alarms."""
    delays: dict[Key, list[float]] = defaultdict(list)
    missed: dict[Key, int] = defaultdict(int)
    hours: dict[str, float] = defaultdict(float)
    false: dict[str, int] = defaultdict(int)
    names = list(BODY_SCENARIOS) + ([] if quick else list(SCENARIOS))
    for name in names:
        for seed in range(seeds if name in BODY_SCENARIOS else max(1, seeds // 3)):
            sims = {g: simulate_body(name, seed=seed, sites=("left", "right", "chest",
                                                             "lower_back"), gyro=g)
                    for g in (True, False)}
            for label, (sites, gyro) in SETS.items():
                sim = sims[gyro]
                found = falls_of(sim, sites)
                truth = sim.falls
                if truth:
                    impact = truth[0].impact_t
                    key = (label, "sitting" if truth[0].kind == "fall_sit" else "lying")
                    # decided after the fall began, within 2 s of the ground impact
                    ok = [e for e in found if truth[0].t0 <= e.emitted_at_s <= impact + 2.0]
                    if ok:
                        delays[key].append(ok[0].emitted_at_s - impact)
                    else:
                        missed[key] += 1
                        print(f"  missed: {name} seed {seed} [{label}] found "
                              f"{[(round(e.t_s, 2), round(e.emitted_at_s, 2)) for e in found]}"
                              f" impact {impact:.2f}", file=sys.stderr)
                    false[label] += len(found) - min(1, len(ok))
                    hours[label] += truth[0].t0 / 3600  # before the fall: not a fall
                else:
                    false[label] += len(found)
                    hours[label] += sim.duration_s / 3600
                    for e in found:
                        print(f"  false alarm: {name} seed {seed} [{label}] at {e.t_s:.2f}",
                              file=sys.stderr)
    return delays, missed, hours, false


def real(data: Path) -> list[tuple[str, float, int]]:
    """(recording, hours, false alarms) for every CSV set in ``data`` (imported per trial)
    and the demo recording."""
    groups: dict[str, list[Path]] = defaultdict(list)
    for csv in sorted(data.glob("*.csv")):
        stem = csv.stem
        for part in ("_left_foot", "_right_foot", "_lower_back"):
            if stem.endswith(part):
                stem = stem[: -len(part)]
        groups[stem].append(csv)
    out: list[tuple[str, float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        recs: list[tuple[str, Path]] = []
        for stem, files in groups.items():
            rec = Path(tmp) / f"{stem}.jsonl.gz"
            args = [sys.executable, "-m", "retrogait", "import-csv", *map(str, files),
                    "-o", str(rec), "--no-truth"]
            if any(f.stem.endswith("_lower_back") for f in files):
                # the lower-back sensor's forward axis is not documented: declare +z, up +x
                args += [f"--placement={','.join(_placement(f) for f in files)}",
                         f"--toe-axis={','.join(_toe(f) for f in files)}",
                         f"--up-axis={','.join(_up(f) for f in files)}"]
            subprocess.run(args, check=True, capture_output=True)
            recs.append((stem, rec))
        recs.append(("demo_backward_run", ROOT / "recordings" / "demo_backward_run.jsonl.gz"))
        for stem, rec in recs:
            reader = RecordingReader(rec)
            events = GaitSession(reader.header.sensors).analyze(iter(reader))
            t_end = max((getattr(e, "emitted_at_s", 0.0) for e in events), default=0.0)
            out.append((stem, _duration(rec) / 3600 or t_end / 3600,
                        sum(isinstance(e, FallEvent) for e in events)))
    return out


def _sidecar(f: Path) -> dict[str, str]:
    import json

    return json.loads(f.with_suffix(".json").read_text())  # type: ignore[no-any-return]


def _placement(f: Path) -> str:
    return str(_sidecar(f)["placement"])


def _toe(f: Path) -> str:
    return str(_sidecar(f).get("toe_axis", "+z"))


def _up(f: Path) -> str:
    return str(_sidecar(f)["up_axis"]).split()[0]


def _duration(rec: Path) -> float:
    last = 0.0
    for item in RecordingReader(rec):
        last = max(last, item.t)
    return last


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--quick", action="store_true", help="body scenarios only, no real data")
    args = ap.parse_args()
    delays, missed, hours, false = simulated(args.seeds, args.quick)
    falls = [n for n, b in BODY_SCENARIOS.items() if b.fall]
    print(f"Simulated falls ({', '.join(falls)}; {args.seeds} seeds each); lying: every fall "
          "but fall_backward_sit, which ends sitting")
    print(f"{'sensors':16} {'ends':8} {'detected':>10} {'rate':>7} {'delay mean':>11} "
          f"{'delay max':>10} {'non-fall h':>11} {'false':>6}")
    for label in SETS:
        for group in ("lying", "sitting"):
            d = delays[(label, group)]
            n = len(d) + missed[(label, group)]
            if not n:
                continue
            mean = sum(d) / len(d) if d else float("nan")
            print(f"{label:16} {group:8} {len(d):>4}/{n:<5} {len(d) / max(n, 1) * 100:6.1f}% "
                  f"{mean:10.2f}s {max(d, default=float('nan')):9.2f}s {hours[label]:10.3f} "
                  f"{false[label]:6d}")
    if not args.quick:
        print("\nReal recordings and the demo (no falls in them)")
        total_h = 0.0
        total_f = 0
        for stem, h, f in real(args.data):
            print(f"  {stem:48} {h * 60:7.2f} min  false alarms {f}")
            total_h += h
            total_f += f
        print(f"  {'total':48} {total_h:7.3f} h    false alarms {total_f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
