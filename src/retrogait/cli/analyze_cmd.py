"""``retrogait analyze`` (a recording offline, at full speed) and the helpers that other
commands share with it (checks and warnings about a read recording). Light at import: the
analysis modules load when the command runs, so a run pays only for what it uses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from retrogait.cli.common_args import add_profiles_dir
from retrogait.errors import RecordingError, printable
from retrogait.outfiles import check_output, open_atomic

if TYPE_CHECKING:
    from retrogait.insights.summary import SessionSummary
    from retrogait.recording.reader import ReadStats


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    a = sub.add_parser("analyze", help="analyse a recording offline and write its events")
    a.add_argument("recording", type=Path, help="recording to analyse (.jsonl or .jsonl.gz)")
    a.add_argument("-o", "--output", "--events", dest="events", type=Path, metavar="EVENTS",
                   help="write the events as JSON Lines to this file (default: only print the "
                   "summary; --events: old name)")
    add_profiles_dir(a)
    a.add_argument("--no-cache", dest="cache", action="store_false",
                   help="neither read nor write the column cache NAME.columns.npz beside the "
                   "recording (it makes the next analysis of the same file several times faster)")
    a.set_defaults(func=run_analyze)


def check_recording(path: Path) -> None:
    """A missing recording is a user error (one line, exit 2)."""
    if not path.exists():
        raise RecordingError(f"{path}: no such recording")


def warn_summary(result: SessionSummary | None) -> None:
    """The summary's warnings (:func:`summary_warnings`) on stderr."""
    if result is not None:
        from retrogait.insights.summary_text import summary_warnings

        for w in summary_warnings(result):
            print(f"retrogait: warning: {w}", file=sys.stderr)


def warn_read(path: Path, stats: ReadStats) -> None:
    """One warning line on stderr per thing a user should know about a read recording (cut
    off, records skipped, trailing garbage)."""
    for w in stats.warnings():
        print(printable(f"retrogait: warning: {path}: {w}"), file=sys.stderr)


def run_analyze(args: argparse.Namespace) -> int:
    from retrogait.insights.summary import SummaryBuilder
    from retrogait.insights.summary_text import format_summary
    from retrogait.offline import analyze_file

    check_recording(args.recording)
    if args.events:
        check_output(args.events, [args.recording], "events file", make_parent=True)
    # the whole file at once (offline.py): same events as streaming, a column cache beside it
    result = analyze_file(args.recording, profile_dir=args.profiles_dir, cache=args.cache)
    if args.events:
        with open_atomic(args.events, "w", encoding="utf-8") as fh:
            fh.write("".join(e.model_dump_json() + "\n" for e in result.events))
    warn_read(args.recording, result.read)
    h = result.header
    builder = SummaryBuilder(athlete=h.athlete, recording=str(args.recording),
                             started_at=h.created, sensors=[s.id for s in h.sensors])
    for t in (result.t_first, result.t_last):
        if t is not None:
            builder.observe(t)
    summary = builder.add_all(result.events).summary()
    warn_summary(summary)
    print(format_summary(summary))
    return 0
