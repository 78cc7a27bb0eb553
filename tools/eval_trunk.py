"""Trunk pipeline figures: step detection F1 at 80 ms, cadence, pitch, vertical oscillation and
direction on the body simulator; step detection and cadence on the real lower-back recordings.

    python tools/eval_trunk.py [--seeds 3] [--data DIR]

Method in docs/pipeline.md (Trunk pipeline). Real data: the ``ipol_*_lower_back`` files, whose
reference landings are both feet's (``ic``); their forward axis is not documented, so it is
learnt from the first steps there (``forward_from_first_steps``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from retrogait.evaluate import match_times
from retrogait.events import TrunkStepEvent
from retrogait.pipeline.trunk import TrunkParams, TrunkPipeline
from retrogait.recording.reader import RecordingReader
from retrogait.session import GaitSession
from retrogait.simulate.body import simulate_body
from retrogait.sources.base import DecodedSamples
from retrogait.timing.clock import TimedBlock

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["forward_run", "backward_run", "forward_walk", "backward_walk", "walk_run",
             "backward_walk_run", "session"]
TOL_S = 0.08
BOUT_GAP_S = TrunkParams().max_step_s
DEVELOPMENT = {"ipol_2_1_lower_back"}
"""The real file the landing rules were developed on (docs/pipeline.md); the others validate."""


def match(est: list[float], ref: list[float], tol: float = TOL_S) -> list[tuple[int, int]]:
    """One-to-one matching within ``tol``, closest first: (est index, ref index)."""
    return [(i, j) for j, i in match_times(ref, est, tol)]


def f1(n_match: int, n_est: int, n_ref: int) -> float:
    p = n_match / max(n_est, 1)
    r = n_match / max(n_ref, 1)
    return 2 * p * r / max(p + r, 1e-12)


def reference_cadence(ref: list[float], j: int) -> float:
    """Steps/min at reference landing ``j``: 60 / the median of the bout's last 8 reference
    step times (a pause longer than ``BOUT_GAP_S`` starts a new bout, as in the pipeline)."""
    recent = np.diff(ref[max(0, j - 8):j + 1])
    cut = np.nonzero(recent > BOUT_GAP_S)[0]
    if len(cut):
        recent = recent[cut[-1] + 1:]
    return 60.0 / float(np.median(recent))


def simulated(seeds: int, gyro: bool = False) -> None:
    rows: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for name in SCENARIOS:
        for seed in range(seeds):
            sim = simulate_body(name, seed=seed, sites=("chest", "lower_back"), gyro=gyro)
            events = GaitSession(sim.sensors).analyze(sim.items)
            for site in ("chest", "lower_back"):
                truth = sim.trunk_truth[site]
                steps = [e for e in events if isinstance(e, TrunkStepEvent) and e.sensor == site]
                ref = truth.steps_s
                m = match([e.t_s for e in steps], ref)
                key = f"{site}"
                r = rows[key]
                r["match"].append(len(m))
                r["est"].append(len(steps))
                r["ref"].append(len(ref))
                r["timing"] += [steps[i].t_s - ref[j] for i, j in m]
                for i, j in m:
                    e = steps[i]
                    if j == 0:
                        continue
                    # the event's step runs from the previous landing to this one
                    k = j - 1
                    if abs((ref[j] - ref[k]) - e.step_time_s) > TOL_S:
                        continue
                    r["cadence"].append(e.cadence_spm - reference_cadence(ref, j))
                    r["pitch"].append(e.pitch_deg - truth.lean_deg[k])
                    r["osc"].append(e.vertical_oscillation_cm - truth.oscillation_m[k] * 100)
                    r["dir_ok"].append(float(e.direction == truth.direction[k]))
                    if e.foot != "unknown":
                        r["side_ok"].append(float(e.foot == truth.feet[j]))
                    r[f"dir_ok_{truth.direction[k]}"].append(float(e.direction
                                                                   == truth.direction[k]))
    print(f"Body simulator, scenarios {', '.join(SCENARIOS)}; {seeds} seeds; "
          + ("with gyroscope" if gyro else "accelerometer only"))
    print(f"{'sensor':11} {'F1@80ms':>8} {'steps':>11} {'timing bias':>12} {'cadence bias/MAE':>17}"
          f" {'pitch bias/MAE':>15} {'osc. bias/MAE':>14} {'dir fwd':>8} {'dir bwd':>8}"
          f" {'side':>11}")
    for key, r in rows.items():
        def bm(xs: list[float]) -> str:
            if not xs:
                return "-"
            return f"{statistics.mean(xs):+.2f}/{statistics.mean(map(abs, xs)):.2f}"
        print(f"{key:11} {f1(sum(r['match']), sum(r['est']), sum(r['ref'])):8.3f} "
              f"{sum(r['match']):>5}/{sum(r['ref']):<5} "
              f"{statistics.mean(r['timing']) * 1000:+9.0f} ms {bm(r['cadence']):>17} "
              f"{bm(r['pitch']):>15} {bm(r['osc']):>14} "
              f"{100 * statistics.mean(r['dir_ok_forward'] or [0]):7.1f}% "
              f"{100 * statistics.mean(r['dir_ok_backward'] or [0]):7.1f}% "
              + (f"{100 * statistics.mean(r['side_ok']):5.1f}% of {len(r['side_ok'])}"
                 if r["side_ok"] else "-"))
    print("(cadence in steps/min, pitch deg, oscillation cm; bias = mean signed error "
          "estimate - truth; direction: share of matched steps; side: share of the matched steps "
          "given a side whose foot is the truth's)")


def real(data: Path) -> None:
    print("\nReal lower-back recordings (IPOL, Xsens at L5, 100 Hz): landings of both feet")
    print(f"{'file':22} {'role':11} {'F1@80ms':>8} {'matched':>9} {'est':>5} {'timing bias':>12} "
          f"{'cadence bias/MAE':>17} {'cad. ref/trunk':>15} {'forward':>8} {'side right':>11}")
    params = TrunkParams(forward_from_first_steps=True)
    for csv in sorted(data.glob("ipol_*_lower_back.csv")):
        meta = json.loads(csv.with_suffix(".json").read_text())
        ref = list(meta["truth_times_s"]["ic"])
        with tempfile.TemporaryDirectory() as tmp:
            rec = Path(tmp) / "r.jsonl.gz"
            subprocess.run([sys.executable, "-m", "retrogait", "import-csv", str(csv), "-o",
                            str(rec), "--no-truth", "--placement=lower_back", "--toe-axis=+z",
                            "--up-axis=+x"], check=True, capture_output=True)
            reader = RecordingReader(rec)
            info = reader.header.sensors[0]
            pipe = TrunkPipeline(info, params, rate_hz=info.rate_hz or 100.0)
            steps: list[TrunkStepEvent] = []
            for item in reader:
                if isinstance(item, DecodedSamples):
                    block = TimedBlock(t=item.t_sensor - 0.0, acc=item.acc, gyr=item.gyr,
                                       gap_before_s=0.0, lost_packets=0)
                    steps += [e for e in pipe.process(block) if isinstance(e, TrunkStepEvent)]
        est = [e.t_s for e in steps]
        m = match(est, ref)
        bias = statistics.mean(est[i] - ref[j] for i, j in m) if m else float("nan")
        cad_err = [steps[i].cadence_spm - reference_cadence(ref, j) for i, j in m
                   if j > 0 and abs((ref[j] - ref[j - 1]) - steps[i].step_time_s) <= TOL_S]
        ref_cad = 60.0 / float(np.median(np.diff(ref)))
        cad = float(np.median([e.cadence_spm for e in steps])) if steps else float("nan")
        fwd = sum(e.direction == "forward" for e in steps) / max(len(steps), 1)
        role = "development" if csv.stem in DEVELOPMENT else "validation"
        sides = [(steps[i].foot, meta["ic_side"][j]) for i, j in m]
        known = [(f, r) for f, r in sides if f != "unknown"]
        side = (f"{sum(f == r for f, r in known)}/{len(known)}" + (
            f" ({len(sides) - len(known)}?)" if len(known) < len(sides) else ""))
        cb = (f"{statistics.mean(cad_err):+.2f}/{statistics.mean(map(abs, cad_err)):.2f}"
              if cad_err else "-")
        print(f"{csv.stem:22} {role:11} {f1(len(m), len(est), len(ref)):8.3f} "
              f"{len(m):>4}/{len(ref):<4} {len(est):>5} {bias * 1000:+9.0f} ms {cb:>17} "
              f"{ref_cad:7.1f}/{cad:<7.1f} {fwd * 100:7.1f}% {side:>11}")
    print("(cadence per matched step against 60 / median of the last 8 reference step times, "
          "steps/min; cad. ref/trunk: 60 / median reference interval and median trunk cadence "
          "of the trial; forward: share of steps called forward, all IPOL walking is forward; "
          "side right: matched steps whose foot is the reference's (n? = side unknown); "
          "the recording's time base is the sensor's)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--gyro", action="store_true",
                    help="simulated trunk sensors with a gyroscope (the side of each step)")
    args = ap.parse_args()
    simulated(args.seeds, args.gyro)
    real(args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
