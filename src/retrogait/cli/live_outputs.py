"""Command-line glue shared by ``retrogait run`` and ``replay`` for the live outputs beside the
terminal: the web page (``--web``) and the audio cues (``--cues``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from retrogait.errors import ConfigError
from retrogait.sink import Sink

if TYPE_CHECKING:
    from retrogait.sinks.cues import CueSettings

WEB_LINGER_S = 600.0
"""After the session, the page (final figures, report link) stays served this long, s."""


def add_live_output_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("live page and audio cues (docs/web.md, docs/cues.md)")
    g.add_argument("--web", metavar="[HOST:]PORT",
                   help="serve the live page on this port (all interfaces unless HOST is given), "
                   "e.g. --web 8080 and open http://<this machine>:8080 on a phone; needs "
                   "retrogait[web]")
    g.add_argument("--cues", metavar="audio|wav:PATH",
                   help="audio cues for the runner: 'audio' through the machine's sound output "
                   "(a paired Bluetooth headset works), or 'wav:PATH' to render the cue track "
                   "to a WAV file on the recording's time base (docs/cues.md)")
    g.add_argument("--metronome", metavar="SPM|auto",
                   help="with --cues: metronome at SPM steps/min, or 'auto' (the runner's median "
                   "of the first minute)")
    g.add_argument("--contact-band", type=_band, metavar="LOW-HIGH",
                   help="with --cues: cue when contact time leaves LOW-HIGH ms (e.g. 180-300)")
    g.add_argument("--cadence-band", type=_band, metavar="LOW-HIGH",
                   help="with --cues: cue when cadence leaves LOW-HIGH steps/min")
    g.add_argument("--summary-every", type=_every, metavar="Ns|Nmin|Nstrides|off",
                   help="with --cues: spoken summary every N s, minutes or backward strides "
                   "(default 5min)")
    g.add_argument("--audio-command", metavar="CMD",
                   help="with --cues audio: player reading raw s16le mono 22050 Hz PCM on stdin "
                   "(default: pacat, else aplay)")
    g.add_argument("--web-linger", type=float, default=WEB_LINGER_S, metavar="S",
                   help="after the session, keep serving the page (final figures, report link) "
                   f"for S seconds or until Ctrl-C (default {WEB_LINGER_S:.0f}; 0: stop at once)")


def _band(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in text.replace("..", "-").split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a band like 180-300, not {text!r}") from None
    if not 0 < lo < hi:
        raise argparse.ArgumentTypeError("a band LOW-HIGH needs 0 < LOW < HIGH")
    return lo, hi


def _every(text: str) -> tuple[str, float | None]:
    t = text.strip().lower()
    if t in ("off", "none", "0"):
        return "off", None
    for unit, scale, kind in (("strides", 1.0, "strides"), ("min", 60.0, "s"), ("s", 1.0, "s")):
        if t.endswith(unit):
            try:
                v = float(t[: -len(unit)])
            except ValueError:
                break
            if v > 0:
                return kind, v * scale
    raise argparse.ArgumentTypeError(f"--summary-every: like 5min, 300s, 100strides or off, "
                                     f"not {text!r}")


def cue_settings(args: argparse.Namespace, base: CueSettings | None = None) -> CueSettings:
    """The config's ``[cues]`` (or the defaults) with the command line's options on top."""
    from retrogait.sinks.cues import CueSettings

    data = (base or CueSettings()).model_dump()
    if args.metronome:
        if args.metronome == "auto":
            data["metronome_spm"] = "auto"
        else:
            try:
                data["metronome_spm"] = float(args.metronome)
            except ValueError:
                raise ConfigError(f"--metronome {args.metronome!r}: steps/min or auto") from None
    if args.contact_band:
        data["contact_band_ms"] = args.contact_band
    if args.cadence_band:
        data["cadence_band_spm"] = args.cadence_band
    if args.summary_every:
        kind, value = args.summary_every
        data["summary_every_s"] = value if kind == "s" else None
        data["summary_every_strides"] = int(value) if kind == "strides" and value else None
    try:
        return CueSettings.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"cue settings: {exc}") from None


def _web_modules() -> None:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        raise ConfigError("--web needs aiohttp: pip install 'retrogait[web]'") from None


@asynccontextmanager
async def live_outputs(
    args: argparse.Namespace, athlete: str, recording: Path | None,
    cues: CueSettings | None = None,
) -> AsyncIterator[list[Sink]]:
    """The sinks the options ask for, with the web server running for the block (and for
    ``--web-linger`` seconds after it, so the coach sees the end and the report link)."""
    sinks: list[Sink] = []
    server = None
    if getattr(args, "web", None):
        _web_modules()
        from retrogait.sinks.web import WebHub, WebSink
        from retrogait.sinks.web.server import WebServer, parse_listen

        host, port = parse_listen(args.web)
        hub = WebHub("single", title=f"retrogait – {athlete}")
        server = WebServer(hub, host, port)
        await server.start()
        print(f"live page: {server.url} (port {server.port} on every address of this machine)"
              if host in ("0.0.0.0", "::") else f"live page: {server.url}",
              file=sys.stderr, flush=True)
        sinks.append(WebSink(hub, athlete, recording))
    if getattr(args, "cues", None):
        from retrogait.sinks.cues import cue_sink

        sinks.append(cue_sink(args.cues, cue_settings(args, cues), args.audio_command))
    elif any(getattr(args, k, None) for k in ("metronome", "contact_band", "cadence_band",
                                              "summary_every", "audio_command")):
        raise ConfigError("--metronome, --contact-band, --cadence-band, --summary-every and "
                          "--audio-command go with --cues")
    ok = False
    try:
        yield sinks
        ok = True
    finally:
        from retrogait.sinks.cues import CueSink

        for sink in sinks:
            if isinstance(sink, CueSink):
                print(sink.describe(), file=sys.stderr, flush=True)
        if server is not None:
            if ok and args.web_linger > 0:
                from retrogait.sinks.web.server import serve_until_stopped

                print(f"session over: the page stays at {server.url} for "
                      f"{args.web_linger:.0f} s (Ctrl-C to quit)", file=sys.stderr, flush=True)
                await serve_until_stopped(server, args.web_linger)
            await server.stop()
