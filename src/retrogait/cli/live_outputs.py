"""Command-line glue shared by ``retrogait run`` and ``replay`` for the live outputs beside the
terminal: the web page (``--web``) and the audio cues (``--cues``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from retrogait.errors import ConfigError
from retrogait.sinks.base import Sink

WEB_LINGER_S = 600.0
"""After the session, the page (final figures, report link) stays served this long, s."""


def add_live_output_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("live page and audio cues (docs/web.md, docs/cues.md)")
    g.add_argument("--web", metavar="[HOST:]PORT",
                   help="serve the live page on this port (all interfaces unless HOST is given), "
                   "e.g. --web 8080 and open http://<this machine>:8080 on a phone; needs "
                   "retrogait[web]")
    g.add_argument("--web-linger", type=float, default=WEB_LINGER_S, metavar="S",
                   help="after the session, keep serving the page (final figures, report link) "
                   f"for S seconds or until Ctrl-C (default {WEB_LINGER_S:.0f}; 0: stop at once)")


def _web_modules() -> None:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        raise ConfigError("--web needs aiohttp: pip install 'retrogait[web]'") from None


@asynccontextmanager
async def live_outputs(
    args: argparse.Namespace, athlete: str, recording: Path | None
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
    ok = False
    try:
        yield sinks
        ok = True
    finally:
        if server is not None:
            if ok and args.web_linger > 0:
                from retrogait.sinks.web.server import serve_until_stopped

                print(f"session over: the page stays at {server.url} for "
                      f"{args.web_linger:.0f} s (Ctrl-C to quit)", file=sys.stderr, flush=True)
                await serve_until_stopped(server, args.web_linger)
            await server.stop()
