"""``retrogait replay``: the whole flow on a recording, timed like live data or as fast as
possible (``retrogait analyze`` is in :mod:`retrogait.cli.analyze_cmd`)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from retrogait.cli import event_loop
from retrogait.cli.analyze_cmd import check_recording, warn_read, warn_summary
from retrogait.cli.common_args import add_profiles_dir
from retrogait.cli.live_outputs import add_live_output_arguments, live_outputs
from retrogait.insights.sink import SummarySink, summary_sink_for
from retrogait.insights.summary_model import SessionSummary
from retrogait.insights.summary_text import format_summary
from retrogait.outfiles import check_output
from retrogait.session import GaitSession, run_source
from retrogait.sinks import ConsoleSink, JsonlSink, Sink
from retrogait.sources.replay import ReplaySource, recording_duration

DELIVERY_FAILED = 1
"""Exit code when the run completed but events did not reach the MQTT broker"""


def parse_speed(text: str) -> float | None:
    """'1', 'x4', '4x', '10' -> factor; 'max' -> None (as fast as possible)."""
    t = text.strip().lower()
    if t in ("max", "inf", "fast"):
        return None
    try:
        value = float(t.strip("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"speed must be a factor like 1, x4 or max, not {text!r}"
        ) from None
    if value <= 0:
        raise argparse.ArgumentTypeError("speed must be positive")
    return value


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("replay", help="run the whole flow on a recording with its timing")
    p.add_argument("recording", type=Path, help="recording to replay (.jsonl or .jsonl.gz)")
    p.add_argument("--speed", type=parse_speed, default=1.0,
                   help="1 = real time, x4 = four times faster, max = as fast as possible")
    p.add_argument("-o", "--output", "--events", dest="events", type=Path, metavar="EVENTS",
                   help="write events as JSON Lines to this file (--events: old name)")
    add_profiles_dir(p)
    p.add_argument("--live", action="store_true",
                   help="a live view (sensors, cadence, landing, backward share) instead of lines")
    p.add_argument("--store", action="store_true",
                   help="also store the session summary in the history (a replay is not stored "
                   "unless asked, as `retrogait history add` does for recordings)")
    p.add_argument("--history", nargs="?", const="", metavar="FILE",
                   help="the history file (default $RETROGAIT_HISTORY or "
                   "~/.local/share/retrogait/history.sqlite); naming one implies --store "
                   "(bare --history: deprecated spelling of --store)")
    from retrogait.daemon.mqtt_cli import add_mqtt_arguments

    add_mqtt_arguments(p)
    add_live_output_arguments(p)
    event_loop.add_event_loop_argument(p)
    p.set_defaults(func=run_replay)


async def replay(path: Path, speed: float | None, sinks: list[Sink], offline: bool = False,
                 profiles_dir: Path | None = None) -> ReplaySource:
    source = ReplaySource(path, speed)
    session = GaitSession(source.sensors, profile_dir=profiles_dir)
    loop = asyncio.get_running_loop()
    handled = False
    if not offline and sys.platform != "win32":
        # SIGTERM (a service manager, `kill`): a clean stop with summary and MQTT offline status
        try:
            loop.add_signal_handler(signal.SIGTERM, source.stop, "SIGTERM")
            handled = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            pass
    try:
        for s in sinks:
            await s.start()
        await run_source(source, sinks, session, offline=offline)
    except BaseException:
        for s in sinks:  # an error or interruption: no half event file under the final name
            if isinstance(s, JsonlSink):
                s.discard()
        raise
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGTERM)
        for s in sinks:
            await s.close()
    return source


def _report_stats(source: ReplaySource) -> None:
    if source.stop_reason:
        print(f"retrogait: replay stopped ({source.stop_reason}) at t = {source.last_t:.1f} s "
              "of the recording", file=sys.stderr)
        return
    warn_read(source.path, source.stats)


def run_replay(args: argparse.Namespace) -> int:
    check_recording(args.recording)
    from retrogait.cli.progress import wanted

    # --speed max: a progress bar instead of event lines, drawn on a terminal only
    bar = args.speed is None and not args.live and wanted(args.quiet)
    total = recording_duration(args.recording) if bar else None
    sinks: list[Sink] = [ConsoleSink(
        total_s=total, show_events=not (args.quiet or args.live or args.speed is None))]
    if args.live:
        from retrogait.insights.live import LiveView

        sinks.append(LiveView())
    if args.events:
        check_output(args.events, [args.recording], "events file", make_parent=True)
        sinks.append(JsonlSink(args.events, atomic=True))
    summary = summary_sink_for(args.recording)
    sinks.append(summary)
    if args.mqtt and args.mqtt != "none":
        from retrogait.daemon.mqtt_cli import embedded_port

        if embedded_port(args.mqtt) is None:  # a bad URL: one line before anything runs
            from retrogait.sinks.mqtt import parse_broker_url

            parse_broker_url(args.mqtt)
    problem = event_loop.run(_replay_main(args, sinks, summary), args.event_loop)
    if problem:
        print(f"retrogait: error: {problem}", file=sys.stderr)
        return DELIVERY_FAILED
    return 0


async def _replay_main(args: argparse.Namespace, sinks: list[Sink], summary: SummarySink
                       ) -> str | None:
    """The replay with its live outputs; the results print before the page's linger. Returns
    what did not reach the MQTT broker (None: everything did, or no MQTT)."""
    from retrogait.daemon.mqtt_cli import DEFAULT_ATHLETE
    from retrogait.recording.reader import read_header

    athlete = args.athlete or read_header(args.recording).athlete or DEFAULT_ATHLETE
    async with live_outputs(args, athlete, args.recording) as extra:
        sinks = [*sinks, *extra]
        problem = None
        if args.mqtt and args.mqtt != "none":
            from retrogait.daemon.mqtt_cli import replay_to_mqtt

            source, problem = await replay_to_mqtt(args, sinks, replay)
        else:
            source = await replay(args.recording, args.speed, sinks,
                                  profiles_dir=args.profiles_dir)
        _report_stats(source)
        warn_summary(summary.result)
        if summary.result is not None:
            print(format_summary(summary.result), flush=True)
            if args.history == "" and not args.store:
                print("retrogait: warning: bare --history is deprecated, use --store",
                      file=sys.stderr)
            if args.store or args.history is not None:
                _store(summary.result, Path(args.history) if args.history else None)
    return problem


def _store(result: SessionSummary, path: Path | None) -> None:
    """``replay --store``: store like ``history add``; a session already there is a warning."""
    from retrogait.insights.history import History, HistoryError

    with History(path) as h:
        try:
            h.add_session(result)
        except HistoryError as exc:
            print(f"retrogait: warning: {exc}", file=sys.stderr)
            return
        print(f"stored session {result.session_id} in the history {h.path}", file=sys.stderr)
