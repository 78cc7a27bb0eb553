"""``retrogait export RECORDING``: strides and session summary as CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from retrogait.errors import ConfigError, RecordingError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="analyse a recording and write its strides and summary as CSV",
        description="CSV (comma-separated, header row, units in the column names).",
    )
    p.add_argument("recording", type=Path)
    p.add_argument("--strides", type=Path, help="CSV with one row per stride")
    p.add_argument("--summary", type=Path, help="CSV with the session summary as one row")
    p.add_argument("--summary-json", type=Path, help="the full summary (with time course) as JSON")
    p.add_argument("--body-mass", type=float, metavar="KG", help="for the energy estimate in kcal")
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from retrogait.insights.export import write_strides_csv, write_summary_csv
    from retrogait.insights.recording import analyze_recording

    if not (args.strides or args.summary or args.summary_json):
        raise ConfigError("nothing to export: give --strides, --summary and/or --summary-json")
    if not args.recording.is_file():
        raise RecordingError(f"{args.recording}: no such recording")
    session = analyze_recording(args.recording, body_mass_kg=args.body_mass)
    if args.strides:
        n = write_strides_csv(session.strides, args.strides)
        print(f"wrote {args.strides}: {n} strides")
    if args.summary:
        cols = write_summary_csv(session.summary, args.summary)
        print(f"wrote {args.summary}: summary, {len(cols)} columns")
    if args.summary_json:
        args.summary_json.write_text(session.summary.to_json() + "\n", encoding="utf-8")
        print(f"wrote {args.summary_json}")
    return 0
