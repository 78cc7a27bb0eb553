"""``retrogait report RECORDING_OR_SESSION``: HTML report with figures, plus the PNGs."""

from __future__ import annotations

import argparse
from pathlib import Path

from retrogait.cli.common_args import add_body_mass, add_history, add_profiles_dir
from retrogait.errors import ConfigError, printable
from retrogait.outfiles import safe_name


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="write a self-contained HTML report with figures for a recording or stored session",
        description=(
            "Analyses a recording (or looks up a session id in the history and re-analyses its "
            "recording when it still exists) and writes report.html (figures embedded, opens "
            "offline) and the figures as PNG files. Needs matplotlib: "
            "pip install 'retrogait[report]'."
        ),
    )
    p.add_argument("target", metavar="RECORDING_OR_SESSION",
                   help="a recording file (.jsonl / .jsonl.gz) or a session id from the history")
    p.add_argument("-o", "--output", type=Path,
                   help="output directory (default: ./report-<session id>)")
    add_history(p)
    add_profiles_dir(p)
    add_body_mass(p)
    p.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    from retrogait.cli.analyze_cmd import warn_read, warn_summary
    from retrogait.insights.history import History
    from retrogait.insights.recording import analyze_recording
    from retrogait.insights.report import write_report

    if args.body_mass is not None and not 20 <= args.body_mass <= 300:
        raise ConfigError("--body-mass: give the body mass in kg (20-300)")
    from retrogait.cli.progress import Steps

    progress = Steps("report", 2, args.quiet)
    target = Path(args.target)
    if args.output is not None and args.output.exists() and not args.output.is_dir():
        raise ConfigError(
            f"{args.output}: exists and is not a folder; give a folder for the report")
    strides, gaps, recording = [], [], None
    progress.step(1, f"analysing {target.name}")
    if target.is_file():
        session = analyze_recording(target, body_mass_kg=args.body_mass,
                                     profile_dir=args.profiles_dir)
        warn_read(target, session.stats)
        summary, strides, gaps, recording = (
            session.summary, session.strides, session.gaps, target)
    else:
        if target.suffix in (".gz", ".jsonl") or "/" in args.target:
            raise ConfigError(f"{target}: no such recording")
        with History(args.history) as h:
            summary = h.summary(args.target)
        rec = Path(summary.recording) if summary.recording else None
        if rec is not None and rec.is_file():
            session = analyze_recording(rec, body_mass_kg=args.body_mass,
                                         profile_dir=args.profiles_dir)
            warn_read(rec, session.stats)
            summary, strides, gaps, recording = session.summary, session.strides, \
                session.gaps, rec
        else:
            print(f"note: the recording of {summary.session_id} is not available; "
                  "the report shows the stored summary only")
    # the default folder name comes from data in the file: one plain name component, always
    warn_summary(summary)
    out = args.output or Path(f"report-{safe_name(summary.session_id)}")
    progress.step(2, "drawing the figures")
    result = write_report(out, summary, strides, gaps, recording)
    progress.done()
    print(printable(f"wrote {result.html} and {len(result.pngs)} figures in {out}"))
    return 0
