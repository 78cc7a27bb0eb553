"""``retrogait run``: the live daemon (BLE sensors -> gait events -> console / MQTT / recording)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from retrogait.cli import event_loop
from retrogait.cli.common_args import BUNDLED_PROFILES, add_adapter, add_history, add_profiles_dir
from retrogait.cli.live_outputs import add_live_output_arguments, live_outputs
from retrogait.daemon.mqtt_cli import DEFAULT_ATHLETE, add_mqtt_arguments
from retrogait.errors import ConfigError

if TYPE_CHECKING:  # bleak and aiomqtt load only when the command runs
    from retrogait.daemon.config import DaemonConfig
    from retrogait.daemon.runner import DaemonResult
    from retrogait.sink import Sink

DEFAULT_CONFIG = Path("retrogait.toml")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "run", help="connect to the sensors and stream gait events live (Ctrl-C to stop)",
        description="Scan for the configured sensors, stream, detect, publish and record. "
        "Settings come from the config file (default ./retrogait.toml); options override it. "
        "MQTT credentials come from the config file or the environment, never the command line.",
    )
    p.add_argument("--config", type=Path, help=f"config file (default: {DEFAULT_CONFIG})")
    add_mqtt_arguments(p)
    add_adapter(p)
    p.add_argument("--acquire-notify", action="store_true",
                   help="BlueZ: notifications through sockets (AcquireNotify) instead of D-Bus "
                   "signals: less CPU; some devices misbehave with it ([ble] acquire_notify)")
    p.add_argument("--record-dir", type=Path, help="directory for the session recording")
    p.add_argument("--no-record", action="store_true", help="do not record the session")
    p.add_argument("-o", "--output", "--events", dest="events", type=Path, metavar="EVENTS",
                   help="also write events as JSON Lines to this file (--events: old name)")
    add_profiles_dir(p, default=f"[daemon] profile_dir, else {BUNDLED_PROFILES}")
    add_history(p, default="$RETROGAIT_HISTORY, [history] path, "
                "~/.local/share/retrogait/history.sqlite")
    p.add_argument("--no-history", action="store_true",
                   help="do not store the session summary in the history")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    p.add_argument(
        "--emulate", type=Path, metavar="RECORDING",
        help="demo without hardware: emulated BLE sensors (behind bleak) replaying a recording's "
        "bytes in real time; without a config file the devices come from its header",
    )
    p.add_argument(
        "--emulate-process", action="store_true",
        help="with --emulate: the emulated sensors' timing runs in a child process that sends "
        "each notification through a socket, read as bleak reads BlueZ's AcquireNotify sockets "
        "(benchmarks: the daemon's own CPU then excludes the emulation)",
    )
    add_live_output_arguments(p)
    event_loop.add_event_loop_argument(p)
    p.set_defaults(func=run)


def _config(args: argparse.Namespace) -> DaemonConfig:
    from retrogait.daemon.config import DaemonConfig, load_config

    path = args.config or DEFAULT_CONFIG
    if args.config is not None or path.exists():
        cfg = load_config(path)
    elif args.emulate is not None:
        from retrogait.recording.reader import read_header

        header = read_header(args.emulate)
        cfg = DaemonConfig(athlete=args.athlete or header.athlete or DEFAULT_ATHLETE)
    else:
        raise ConfigError(
            f"no config file ({path} not found); `retrogait init` writes one (with the sensors "
            "in reach), or use --config"
        )
    update: dict[str, object] = {}
    if args.athlete:
        update["athlete"] = args.athlete
    if args.adapter:
        update["adapter"] = args.adapter
    if args.events:
        update["events_jsonl"] = args.events
    if args.profiles_dir:
        update["profile_dir"] = args.profiles_dir
    if update:
        cfg = DaemonConfig.model_validate({**cfg.model_dump(), **update})
    return cfg


async def _run(args: argparse.Namespace, cfg: DaemonConfig) -> int:
    from retrogait.daemon.mqtt_cli import mqtt_sink
    from retrogait.daemon.runner import Daemon
    from retrogait.sinks.web import WebSink

    devices = cfg.ble_devices()
    options = cfg.ble_options()
    if args.acquire_notify:
        options.acquire_notify = True
    feeder = None
    if args.emulate is not None:
        from retrogait.sources.ble import BleDevice
        from retrogait.sources.emulated import EmulatedWorld, PacketFeeder, devices_from_recording

        emulated = devices_from_recording(args.emulate, profile_dir=cfg.profile_dir)
        if args.emulate_process:
            feeder = PacketFeeder(args.emulate, emulated)
        world = EmulatedWorld(emulated)
        options.client_backend = world.client_backend()
        options.scanner_backend = world.scanner_backend()
        if not cfg.devices:
            from retrogait.recording.reader import read_header

            devices = [BleDevice(s) for s in read_header(args.emulate).sensors
                       if s.profile != "imported"]
    record_dir = None if args.no_record or not cfg.recording.enabled else (
        args.record_dir or cfg.recording.dir)

    history = None if args.no_history else (args.history or cfg.history.resolve())

    def make(mqtt: object | None, extra: list[Sink]) -> Daemon:
        return Daemon(
            cfg.athlete, devices, options, record_dir, compress=cfg.recording.compress,
            mqtt=mqtt,  # type: ignore[arg-type]
            console=not args.quiet, events_jsonl=cfg.events_jsonl, notes=cfg.notes,
            profile_dir=str(cfg.profile_dir) if cfg.profile_dir else None,
            # a terminal gets the live view; a pipe or file gets plain event lines
            live=not args.quiet and sys.stdout.isatty(), history=history, extra_sinks=extra,
            alerts=cfg.alerts,
        )

    async def session(mqtt: object | None) -> DaemonResult:
        async with live_outputs(args, cfg.athlete, None, cfg.cues) as extra:
            daemon = make(mqtt, extra)
            for sink in extra:
                if isinstance(sink, WebSink):  # the page links to the report of this recording
                    sink.set_recording(daemon.recording)
            if daemon.recording:
                print(f"recording to {daemon.recording}", file=sys.stderr)
            result = await daemon.run(args.duration)
            _print_result(result)
        return result

    url = args.mqtt or (cfg.mqtt.url if cfg.mqtt else None)
    result: DaemonResult
    try:
        if url and url != "none":
            async with mqtt_sink(url, cfg.athlete, base=cfg.mqtt, topic_prefix=args.topic_prefix,
                                 buffer_events=args.mqtt_buffer, ha_discovery=args.ha_discovery,
                                 sensors=[d.info for d in devices]) as sink:
                result = await session(sink)
        else:
            result = await session(None)
    finally:
        if feeder is not None:
            feeder.close()
    if result.stop_reason == "every sensor gave up":
        return 2
    return 1 if result.mqtt_problem else 0  # 1: events did not reach the broker


def _print_result(result: DaemonResult) -> None:
    print(f"session ended ({result.stop_reason}) after {result.duration_s:.1f} s", file=sys.stderr)
    if result.duration_s > 0:
        d = result.duration_s
        print(f"CPU: {100 * result.cpu_s / d:.1f} % of one core, of which decode + gait pipeline "
              f"+ fusion {100 * result.gait_cpu_s / d:.1f} % (session {result.cpu_s:.2f} s, "
              f"gait {result.gait_cpu_s:.2f} s)", file=sys.stderr)
    if result.summary is not None and result.summary.duration_s > 0:
        from retrogait.insights.summary_text import format_summary

        print(format_summary(result.summary), flush=True)
    if result.recording:
        print(f"recorded {result.recording}", file=sys.stderr)
    if result.history is not None:
        print(f"stored session {result.summary.session_id if result.summary else ''} in the "
              f"history {result.history}", file=sys.stderr)
    elif result.history_error:
        print(f"retrogait: warning: history: {result.history_error}", file=sys.stderr)
    if result.dropped_notifications:
        print(f"retrogait: warning: {result.dropped_notifications} notification(s) dropped "
              "(acquisition queue full)", file=sys.stderr)
    if result.mqtt_problem:
        print(f"retrogait: error: {result.mqtt_problem}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.emulate_process and args.emulate is None:
        raise ConfigError("--emulate-process needs --emulate RECORDING")
    cfg = _config(args)
    return event_loop.run(_run(args, cfg), args.event_loop)
