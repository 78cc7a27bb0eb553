"""``retrogait dashboard --mqtt URL --web [HOST:]PORT``: the live page for a group of athletes,
fed from a broker (one daemon per runner, one broker, one dashboard; docs/web.md)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from retrogait.cli import event_loop
from retrogait.errors import ConfigError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "dashboard", help="live page of every athlete publishing to an MQTT broker",
        description="Subscribe to every athlete under the topic prefix on a broker and serve "
        "the live page as a grid of athletes (click one for its full page). Credentials: "
        "$RETROGAIT_MQTT_USERNAME / $RETROGAIT_MQTT_PASSWORD. Needs retrogait[web].",
    )
    p.add_argument("--mqtt", metavar="URL", required=True,
                   help="broker: mqtt://host[:port] or mqtts://host[:port]")
    p.add_argument("--topic-prefix", default="retrogait",
                   help="first topic level(s) the daemons publish under (default: retrogait)")
    p.add_argument("--web", metavar="[HOST:]PORT", default="8080",
                   help="where to serve the page (default 8080 on every interface)")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    event_loop.add_event_loop_argument(p)
    p.set_defaults(func=run_dashboard)


async def _dashboard(args: argparse.Namespace) -> int:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        raise ConfigError("dashboard needs aiohttp: pip install 'retrogait[web]'") from None
    from retrogait.sinks.mqtt import settings_for_url
    from retrogait.sinks.web import WebHub
    from retrogait.sinks.web.mqtt_feed import MqttFeed
    from retrogait.sinks.web.server import WebServer, parse_listen, serve_until_stopped

    settings = settings_for_url(args.mqtt, topic_prefix=args.topic_prefix)
    host, port = parse_listen(args.web)
    hub = WebHub("group", title=f"retrogait – {settings.topic_prefix}")
    server = WebServer(hub, host, port)
    await server.start()
    print(f"dashboard: {server.url} (athletes under {settings.topic_prefix}/ on {settings.url})",
          file=sys.stderr, flush=True)
    feed = MqttFeed(settings, hub)
    task = asyncio.create_task(feed.run(), name="dashboard-mqtt")
    try:
        await serve_until_stopped(server, args.duration or float("inf"))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()
    print(f"dashboard: {feed.stats.events} events from {len(hub.athletes)} athlete(s)"
          + (f", {feed.stats.unparsed} unreadable message(s)" if feed.stats.unparsed else ""),
          file=sys.stderr)
    return 0


def run_dashboard(args: argparse.Namespace) -> int:
    return event_loop.run(_dashboard(args), args.event_loop)
