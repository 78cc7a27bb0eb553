"""Robustness benchmark: the pipeline on randomised simulator sessions (a validation source).

    python tools/eval_robustness.py --n 200 [--seed-start 1000] [--jobs 2] [--worst 8]
                                    [--json OUT.json]

Each seed is one ``retrogait simulate --randomize --seed N`` session (docs/simulator.md,
"Randomised family"): simulated to a temporary recording, analysed by the real flow
(:func:`retrogait.evaluate.run_recording`) and scored against its truth
(:func:`retrogait.evaluate.score`). Printed: the median and the worst decile over sessions of
every measure (worst = 10th percentile where higher is better, 90th where lower is better; for
signed biases the 10th and 90th percentiles), then the same per gait class and per sample-rate
band, then the worst sessions with the command that reproduces each.

Seeds (docs/pipeline.md, "Validation protocol"): **0–49 are development seeds** (look at them,
debug on them); **1000 and up are validation seeds** (report only; the default start).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from retrogait.evaluate import Scores, run_recording, score
from retrogait.simulate import make_config, simulate_to_file
from retrogait.simulate.randomized import RandomSession

DEV_SEEDS = range(0, 50)
VALIDATION_SEED_START = 1000

Better = Literal["high", "low", "signed"]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    better: Better
    target: str


MEASURES: tuple[Measure, ...] = (
    Measure("landing_f1", "landing F1 @ 50 ms", "high", ">= 0.99"),
    Measure("landing_err_median_ms", "landing \\|error\\| median, ms", "low", "<= 10"),
    Measure("landing_err_p95_ms", "landing \\|error\\| p95, ms", "low", "<= 25"),
    Measure("landing_bias_median_ms", "landing signed bias (median), ms", "signed", "(info)"),
    Measure("landing_f1_150ms", "landing F1 @ 150 ms", "high", "(info)"),
    Measure("landing_bias_150ms_median_ms", "landing signed bias, 150 ms matching, ms",
            "signed", "(info)"),
    Measure("toe_off_err_median_ms", "toe-off \\|error\\| median, ms", "low", "<= 15"),
    Measure("toe_off_bias_median_ms", "toe-off signed bias (median), ms", "signed", "(info)"),
    Measure("direction_ref_pct", "stride direction over reference strides (found: both "
            "landings within 150 ms), %", "high", ">= 99.5"),
    Measure("direction_pct", "stride direction over matched strides, %", "high", ">= 99.5"),
    Measure("strides_missed", "reference strides missed (no stride with both landings within "
            "150 ms)", "low", "(info)"),
    Measure("strides_split", "reference strides split (a detected landing inside, > 150 ms "
            "from both ends)", "low", "<= 0"),
    Measure("in_place_false", "in_place strides where the reference stride is not in place",
            "low", "<= 0"),
    Measure("strike_class_pct", "strike class correct, %", "high", ">= 95"),
    Measure("strike_angle_mae_deg", "strike angle MAE, deg", "low", "<= 3"),
    Measure("cadence_mae_spm", "cadence MAE, steps/min", "low", "<= 1"),
    Measure("contact_time_mae_ms", "contact time MAE, ms", "low", "<= 15"),
    Measure("run_stride_length_err_pct", "stride length MAE running, %", "low", "<= 5"),
)
GROUP_KEYS = ("landing_f1", "landing_err_median_ms", "landing_bias_150ms_median_ms",
              "toe_off_err_median_ms", "direction_ref_pct", "strides_split", "in_place_false",
              "strike_class_pct",
              "strike_angle_mae_deg", "cadence_mae_spm")
RATE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("50-52 Hz", 0.0, 75.0), ("100-104 Hz", 75.0, 150.0), ("200-208 Hz", 150.0, 300.0),
    ("400 Hz", 300.0, 1e9),
)


@dataclass
class Session:
    seed: int
    gait_class: str
    profile: str
    rate_hz: float
    values: dict[str, float | None]
    error: str | None = None


def run_seed(seed: int) -> Session:
    """Simulate, analyse and score one randomised session (in a temporary directory)."""
    with tempfile.TemporaryDirectory(prefix="rg-robust-") as tmp:
        path = Path(tmp) / f"random_{seed}.jsonl.gz"
        sim, rec, _ = simulate_to_file(make_config(seed=seed, randomize=True), path)
        draw = RandomSession.model_validate(json.loads(sim.truth.notes)["randomized"])
        try:
            events = run_recording(rec)
        except Exception as exc:  # a crash is a result: reported, not hidden
            return Session(seed, draw.gait_class, draw.profile, draw.rate_hz, {},
                           f"{type(exc).__name__}: {exc}")
        sc = score(events, sim.truth)
    return Session(seed, draw.gait_class, draw.profile, draw.rate_hz, _values(sc))


def _values(sc: Scores) -> dict[str, float | None]:
    s = sc.summary()
    return {m.key: (None if s.get(m.key) is None else float(s[m.key]))  # type: ignore[arg-type]
            for m in MEASURES}


def _column(sessions: list[Session], key: str) -> np.ndarray:
    return np.array([s.values[key] for s in sessions if s.values.get(key) is not None],
                    dtype=float)


def _stats(vals: np.ndarray, better: Better, key: str) -> tuple[str, str] | None:
    """(median, worst decile) as text, or None without values."""
    if vals.size == 0:
        return None
    med = _fmt(float(np.median(vals)), key)
    if better == "high":
        return med, _fmt(float(np.percentile(vals, 10)), key)
    if better == "low":
        return med, _fmt(float(np.percentile(vals, 90)), key)
    return med, (f"{_fmt(float(np.percentile(vals, 10)), key)} … "
                 f"{_fmt(float(np.percentile(vals, 90)), key)}")


def _fmt(v: float, key: str = "") -> str:
    return f"{v:.3f}" if key.startswith("landing_f1") else f"{v:.1f}"


def _meets(value: str, target: str) -> str:
    if target.startswith("("):
        return ""
    op, num = target.split()
    v = float(value)
    return "ok" if (v >= float(num) if op == ">=" else v <= float(num)) else "MISS"


def main_table(sessions: list[Session]) -> str:
    lines = ["| measure | sessions | median | worst decile | target | worst decile meets |",
             "|---|---|---|---|---|---|"]
    for m in MEASURES:
        vals = _column(sessions, m.key)
        st = _stats(vals, m.better, m.key)
        if st is None:
            lines.append(f"| {m.label} | 0 | n/a | n/a | {m.target} | |")
            continue
        med, worst = st
        ok = _meets(worst, m.target) if m.better != "signed" else ""
        lines.append(f"| {m.label} | {vals.size} | {med} | {worst} | {m.target} | {ok} |")
    return "\n".join(lines)


def group_table(sessions: list[Session], title: str,
                groups: list[tuple[str, Callable[[Session], bool]]]) -> str:
    labels = {m.key: m.label for m in MEASURES}
    head = " | ".join(labels[k] for k in GROUP_KEYS)
    lines = [f"{title} (each cell: median / worst decile over the group's sessions)", "",
             f"| group | sessions | {head} |", "|---|---|" + "---|" * len(GROUP_KEYS)]
    better = {m.key: m.better for m in MEASURES}
    for name, pred in groups:
        sub = [s for s in sessions if pred(s)]
        if not sub:
            continue
        cells = []
        for k in GROUP_KEYS:
            st = _stats(_column(sub, k), better[k], k)
            cells.append("n/a" if st is None else f"{st[0]} / {st[1]}")
        lines.append(f"| {name} | {len(sub)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def worst_sessions(sessions: list[Session], k: int) -> str:
    ranked = sorted(sessions, key=lambda s: (s.values.get("landing_f1") or 0.0,
                                             -(s.values.get("landing_err_median_ms") or 0.0)))
    lines = [f"worst {k} sessions by landing F1 (reproduce: retrogait simulate --randomize "
             "--seed N -o s.jsonl.gz && retrogait evaluate s.jsonl.gz)", "",
             "| seed | gait | sensor | landing F1 | bias (150 ms matching), ms | "
             "\\|error\\| median, ms | "
             "toe-off median, ms | direction (ref), % |", "|---|---|---|---|---|---|---|---|"]

    def f(s: Session, key: str) -> str:
        v = s.values.get(key)
        return "n/a" if v is None else _fmt(v, key)

    for s in ranked[:k]:
        lines.append(f"| {s.seed} | {s.gait_class} | {s.profile} {s.rate_hz:g} Hz | "
                     f"{f(s, 'landing_f1')} | {f(s, 'landing_bias_150ms_median_ms')} | "
                     f"{f(s, 'landing_err_median_ms')} | {f(s, 'toe_off_err_median_ms')} | "
                     f"{f(s, 'direction_ref_pct')} |")
    return "\n".join(lines)


def report(sessions: list[Session], seeds: range, worst: int) -> str:
    ok = [s for s in sessions if s.error is None]
    failed = [s for s in sessions if s.error is not None]
    kind = ("development" if seeds.start >= DEV_SEEDS.start and seeds.stop <= DEV_SEEDS.stop
            else "validation" if seeds.start >= VALIDATION_SEED_START else "mixed")
    classes = sorted({s.gait_class for s in ok})
    out = [f"## Randomised simulator family: seeds {seeds.start}–{seeds.stop - 1} "
           f"({len(sessions)} sessions, {kind} seeds)", ""]
    if failed:
        out += [f"{len(failed)} session(s) crashed in the pipeline: "
                + "; ".join(f"seed {s.seed}: {s.error}" for s in failed), ""]
    out += [main_table(ok), "",
            group_table(ok, "### Per gait class",
                        [(c, lambda s, c=c: s.gait_class == c) for c in classes]), "",
            group_table(ok, "### Per sample-rate band",
                        [(n, lambda s, lo=lo, hi=hi: lo <= s.rate_hz < hi)
                         for n, lo, hi in RATE_BANDS]), "",
            worst_sessions(ok, worst)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=200, help="number of sessions (default 200)")
    p.add_argument("--seed-start", type=int, default=VALIDATION_SEED_START,
                   help=f"first seed (default {VALIDATION_SEED_START}: validation seeds; "
                   f"development seeds are {DEV_SEEDS.start}-{DEV_SEEDS.stop - 1})")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--worst", type=int, default=8, help="list this many worst sessions")
    p.add_argument("--json", type=Path, help="also write every session's values here")
    args = p.parse_args(argv)
    if args.n < 1 or args.jobs < 1:
        p.error("--n and --jobs must be >= 1")
    seeds = range(args.seed_start, args.seed_start + args.n)
    t0 = time.perf_counter()
    sessions: list[Session] = []
    with contextlib.ExitStack() as stack:
        if args.jobs == 1:
            results: Iterator[Session] = map(run_seed, seeds)
        else:
            pool = stack.enter_context(multiprocessing.get_context("spawn").Pool(args.jobs))
            results = pool.imap(run_seed, seeds, chunksize=1)
        for s in results:
            sessions.append(s)
            if len(sessions) % 10 == 0:
                print(f"{len(sessions)}/{len(seeds)} sessions, "
                      f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t0
    print(report(sessions, seeds, args.worst))
    print(f"\n({len(sessions)} sessions in {elapsed:.0f} s with {args.jobs} process(es))")
    if args.json:
        args.json.write_text(json.dumps([vars(s) for s in sessions], indent=1))
    return 1 if any(s.error for s in sessions) else 0


if __name__ == "__main__":
    sys.exit(main())
