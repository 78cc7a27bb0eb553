"""``retrogait history``: stored sessions, weekly backward volume and the progression warning."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from retrogait.cli.common_args import add_body_mass, add_history, add_profiles_dir
from retrogait.errors import ConfigError, printable
from retrogait.outfiles import same_file

if TYPE_CHECKING:
    from retrogait.insights.history import History


def _pct(text: str) -> float:
    try:
        v = float(text.rstrip("%").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"a percentage like 10 or 10%, not {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError("the limit must be >= 0 %")
    return v / 100.0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "history",
        help="show stored sessions and weekly backward volume (or add a recording to it)",
        description=(
            "The session history is a SQLite file, by default "
            "$XDG_DATA_HOME/retrogait/history.sqlite (~/.local/share/...), or $RETROGAIT_HISTORY "
            "or --history. A week warns when its backward distance exceeds the previous week's "
            "by more than --limit (default 10 %; exactly at the limit does not warn). Recordings "
            "imported from lab CSV files are stored only with add --imported."
        ),
    )
    add_history(p)
    p.add_argument("--athlete", help="only this athlete")
    p.add_argument("--limit", type=_pct, default=0.10, metavar="PCT",
                   help="weekly progression limit in %% (default 10)")
    p.add_argument("--sessions", type=int, default=20, metavar="N",
                   help="list the last N sessions (default 20, 0 = none)")
    actions = p.add_subparsers(dest="history_action", metavar="ACTION")
    add = actions.add_parser("add", help="analyse recordings and store their summaries")
    add.add_argument("recordings", nargs="+", type=Path, metavar="RECORDING",
                     help="recording(s) to analyse and store")
    add.add_argument("--replace", action="store_true",
                     help="overwrite a session already in the history")
    add_body_mass(add)
    add_profiles_dir(add)
    add.add_argument(
        "--imported", action="store_true",
        help="also store recordings imported from lab CSV files (import-csv); they are refused "
        "by default so lab data do not count as the athlete's training",
    )
    rm = actions.add_parser("remove", help="delete stored sessions by session id")
    rm.add_argument("session_ids", nargs="+", metavar="SESSION",
                    help="session id as listed by `retrogait history`")
    p.set_defaults(func=run_history)


def run_history(args: argparse.Namespace) -> int:
    from retrogait.insights.history import History

    if args.history_action == "add" and args.history is not None:
        for rec in args.recordings:
            if same_file(args.history, rec):
                raise ConfigError(f"{args.history}: the history file would overwrite the input "
                                  f"{rec}; choose another --history")
    with History(args.history) as h:
        if args.history_action == "remove":
            for sid in args.session_ids:
                h.remove_session(sid)
                print(printable(f"removed {sid} from {h.path}"))
            return 0
        if args.history_action == "add":
            from retrogait.cli.analyze_cmd import warn_read, warn_summary
            from retrogait.cli.progress import Steps
            from retrogait.insights.recording import analyze_recording
            from retrogait.recording.reader import RecordingReader

            progress = Steps("history add", len(args.recordings), args.quiet)
            for i, rec in enumerate(args.recordings, 1):
                progress.step(i, f"analysing {rec.name}")
                if not rec.is_file():
                    raise ConfigError(f"{rec}: no such recording")
                header = RecordingReader(rec).header
                if header.origin == "import-csv" and not args.imported:
                    raise ConfigError(
                        f"{rec}: imported lab recording (import-csv, recorded "
                        f"{header.created:%Y-%m-%d}); it would count as training in the weekly "
                        "volume. Add --imported to store it anyway"
                    )
                analyzed = analyze_recording(rec, body_mass_kg=args.body_mass,
                                             profile_dir=args.profiles_dir)
                warn_read(rec, analyzed.stats)
                warn_summary(analyzed.summary)
                summary = analyzed.summary
                progress.done()
                h.add_session(summary, replace=args.replace)
                print(printable(f"added {summary.session_id}: backward "
                                f"{summary.backward.distance_m:.0f} m, forward "
                                f"{summary.forward.distance_m:.0f} m"))
            return 0
        print(printable(format_history(h, args.athlete, args.limit, args.sessions)))
        for sid, why in h.bad_rows.items():
            print(printable(f"retrogait: warning: {h.path}: session {sid!r} skipped ({why}); "
                            f"remove it with: retrogait history remove {sid}"), file=sys.stderr)
        return 0


def _athletes(h: History, athlete: str | None) -> list[str | None]:
    if athlete is not None:
        return [athlete]
    names = sorted({r.athlete or "" for r in h.sessions()})
    return [n or None for n in names] if len(names) > 1 else [None]


def format_history(h: History, athlete: str | None, limit: float, n_sessions: int) -> str:
    """Sessions table and weekly backward volume per athlete, warnings flagged."""
    from retrogait.insights.summary_text import format_duration

    lines = [f"history: {h.path}"]
    rows = h.sessions(athlete)
    if not rows:
        lines.append("no sessions yet (retrogait history add RECORDING)")
        return "\n".join(lines)
    if n_sessions:
        lines.append("")
        lines.append(f"{'started':<17} {'athlete':<10} {'duration':>8} {'backward':>10} "
                     f"{'forward':>9}  session")
        for r in rows[-n_sessions:]:
            lines.append(
                f"{r.started_at.astimezone():%Y-%m-%d %H:%M} {(r.athlete or '-'):<10.10} "
                f"{format_duration(r.duration_s):>8} {r.backward_distance_m:>8.0f} m "
                f"{r.forward_distance_m:>7.0f} m  {r.session_id}"
            )
    for who in _athletes(h, athlete):
        weeks = h.weekly(who, limit)
        lines.append("")
        lines.append(f"weekly backward volume{(' - ' + who) if who else ''} "
                     f"(progression limit {limit * 100:.0f} %)")
        lines.append(f"{'week':<9} {'from':<10} {'sessions':>8} {'backward':>10} {'time':>8}"
                     f" {'change':>8}")
        for w in weeks:
            change = "" if w.change is None else f"{w.change * 100:+.1f} %"
            flag = "  WARNING: " + w.note if w.warning else (f"  ({w.note})" if w.note else "")
            lines.append(
                f"{w.iso_week:<9} {w.week_start:%Y-%m-%d} {w.sessions:>8} "
                f"{w.backward_distance_m:>8.0f} m {format_duration(w.backward_time_s):>8} "
                f"{change:>8}{flag}"
            )
        if weeks and weeks[-1].warning:
            lines.append(f"WARNING: {weeks[-1].iso_week}: {weeks[-1].note}. The usual advice for "
                         "new retro runners is to build backward volume gradually.")
    return "\n".join(lines)
