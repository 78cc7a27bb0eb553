"""``retrogait export RECORDING``: strides and session summary as CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from retrogait.cli.common_args import add_body_mass, add_profiles_dir
from retrogait.errors import ConfigError, RecordingError
from retrogait.outfiles import check_output, open_atomic


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="analyse a recording and write its strides and summary as CSV",
        description="CSV (comma-separated, header row, units in the column names). Without "
        "--strides/--summary/--summary-json it writes both CSVs, NAME.strides.csv and "
        "NAME.summary.csv, beside the recording NAME.jsonl[.gz], or into the folder -o DIR.",
    )
    p.add_argument("recording", type=Path, help="recording to analyse (.jsonl or .jsonl.gz)")
    p.add_argument("-o", "--output", type=Path, metavar="DIR",
                   help="folder for NAME.strides.csv and NAME.summary.csv (default: the "
                   "recording's folder; created if missing)")
    p.add_argument("--strides", type=Path, metavar="FILE", help="CSV with one row per stride")
    p.add_argument("--summary", type=Path, metavar="FILE",
                   help="CSV with the session summary as one row")
    p.add_argument("--summary-json", type=Path, metavar="FILE",
                   help="the full summary (with time course) as JSON")
    add_profiles_dir(p)
    add_body_mass(p)
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from retrogait.insights.export import write_strides_csv, write_summary_csv
    from retrogait.insights.recording import analyze_recording

    if not args.recording.is_file():
        raise RecordingError(f"{args.recording}: no such recording")
    if not (args.strides or args.summary or args.summary_json):
        folder = args.output or args.recording.parent
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{folder}: not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        stem = args.recording.name.removesuffix(".gz").removesuffix(".jsonl")
        args.strides = folder / f"{stem}.strides.csv"
        args.summary = folder / f"{stem}.summary.csv"
    elif args.output is not None:
        raise ConfigError("-o DIR is for the default pair of CSVs; with --strides, --summary "
                          "or --summary-json give their paths instead")
    outputs = [(o, w) for o, w in ((args.strides, "strides CSV"), (args.summary, "summary CSV"),
                                   (args.summary_json, "summary JSON")) if o is not None]
    for i, (out, what) in enumerate(outputs):
        check_output(out, [args.recording, *(o for o, _ in outputs[:i])], what)
    session = analyze_recording(args.recording, body_mass_kg=args.body_mass,
                                profile_dir=args.profiles_dir)
    from retrogait.cli.analyze_cmd import warn_read, warn_summary

    warn_read(args.recording, session.stats)
    warn_summary(session.summary)
    if args.strides:
        n = write_strides_csv(session.strides, args.strides)
        print(f"wrote {args.strides}: {n} strides")
    if args.summary:
        cols = write_summary_csv(session.summary, args.summary)
        print(f"wrote {args.summary}: summary, {len(cols)} columns")
    if args.summary_json:
        with open_atomic(args.summary_json, "w", encoding="utf-8") as fh:
            fh.write(session.summary.to_json() + "\n")
        print(f"wrote {args.summary_json}")
    return 0
