"""``retrogait evaluate``: score a recording's gait events against its ground truth."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from retrogait.cli.common_args import add_profiles_dir
from retrogait.errors import ConfigError, RecordingError

if TYPE_CHECKING:  # loaded when the command runs: other commands start faster
    from retrogait.evaluate import Scores


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "evaluate", help="score events against ground truth (landing F1, timing, direction, ...)",
        description="Analyse each recording (or read --events) and score it against "
        "NAME.truth.json; several recordings are pooled into one table.",
    )
    p.add_argument("recordings", type=Path, nargs="+", metavar="RECORDING",
                   help="recording(s) with NAME.truth.json beside them")
    p.add_argument("--truth", type=Path, help="truth file (one recording only)")
    p.add_argument("--events", type=Path, help="events JSON Lines instead of analysing "
                   "(one recording only)")
    add_profiles_dir(p)
    p.add_argument("--title", default="evaluation", help="table title")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument("--per-recording", action="store_true", help="also one table per recording")
    p.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from retrogait.evaluate import format_table, read_events, run_recording, score, to_json
    from retrogait.truth import GroundTruth, truth_path_for

    if len(args.recordings) > 1 and (args.truth or args.events):
        raise ConfigError("--truth and --events need exactly one recording")
    pooled: Scores | None = None
    per: dict[str, dict[str, float | int | None]] = {}
    for rec in args.recordings:
        truth_file = args.truth or truth_path_for(rec)
        truth = GroundTruth.load(truth_file)
        if args.events:
            events = read_events(args.events)
        else:
            if not rec.exists():
                raise RecordingError(f"{rec}: no such recording")
            events = run_recording(rec, args.profiles_dir)
        sc = score(events, truth)
        per[rec.name] = sc.summary()
        pooled = sc if pooled is None else pooled.merge(sc)
    assert pooled is not None
    summary = pooled.summary()
    if args.json:
        print(to_json({"pooled": summary, **per}))
        return 0
    if args.per_recording:
        for name, s in per.items():
            print(format_table(s, name))
            print()
    print(format_table(summary, f"{args.title} ({len(args.recordings)} recording(s))"))
    return 0
