"""Command-line glue shared by ``retrogait run`` and ``retrogait replay``: the ``--mqtt`` options,
the optional embedded broker, and an MQTT sink that lives as long as one asyncio run."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from retrogait.errors import ConfigError

if TYPE_CHECKING:  # heavy imports (aiomqtt, paho) only when MQTT is used
    from retrogait.recording.format import SensorInfo
    from retrogait.sink import Sink
    from retrogait.sinks.mqtt import MqttSettings, MqttSink
    from retrogait.sources.replay import ReplaySource

DEFAULT_ATHLETE = "athlete"
"""Athlete id (topic level) when neither the options, the config nor the recording name one;
the dashboards in tools/dashboards subscribe to it."""


def add_mqtt_arguments(p: argparse.ArgumentParser, athlete_default: str | None = None) -> None:
    g = p.add_argument_group(
        "MQTT (credentials: config file or $RETROGAIT_MQTT_USERNAME/_PASSWORD)"
    )
    g.add_argument(
        "--mqtt", metavar="URL",
        help="publish events to this broker: mqtt://host[:port], mqtts://host[:port], "
        "'embedded' (in-process broker on 127.0.0.1:1883, needs retrogait[embedded]), "
        "'embedded:PORT', or 'none'",
    )
    g.add_argument("--athlete", default=athlete_default,
                   help="athlete id: the topic level after the prefix")
    g.add_argument("--topic-prefix", help="first topic level(s) (default: retrogait)")
    g.add_argument("--mqtt-buffer", type=int, metavar="N",
                   help="events kept while the broker is away (default: 10000)")
    g.add_argument("--ha-discovery", action="store_true", default=None,
                   help="announce Home Assistant MQTT discovery entities (retained; again when "
                   "Home Assistant restarts); also [mqtt] ha_discovery = true")


def embedded_port(url: str) -> int | None:
    """``embedded`` -> 1883, ``embedded:PORT`` -> PORT, anything else -> None."""
    if url == "embedded":
        return 1883
    if url.startswith("embedded:"):
        try:
            return int(url.split(":", 1)[1])
        except ValueError:
            raise ConfigError(f"--mqtt {url}: expected embedded:PORT") from None
    return None


@asynccontextmanager
async def mqtt_sink(
    url: str,
    athlete: str,
    base: MqttSettings | None = None,
    topic_prefix: str | None = None,
    buffer_events: int | None = None,
    client_role: str = "",
    sensors: Sequence[SensorInfo] = (),
    recording: str | None = None,
    ha_discovery: bool | None = None,
) -> AsyncIterator[MqttSink]:
    """An MQTT sink (and the embedded broker if asked for) for the duration of the block, with
    Home Assistant discovery if the settings (or ``ha_discovery``) ask for it.

    The caller starts and closes the sink as part of its sinks; the broker outlives it."""
    from retrogait.sinks.mqtt import (
        ConnectionHook,
        EmbeddedBroker,
        MqttSink,
        default_client_id,
        settings_for_url,
    )

    port = embedded_port(url)
    broker: EmbeddedBroker | None = None
    overrides: dict[str, object] = {"topic_prefix": topic_prefix, "buffer_events": buffer_events,
                                    "ha_discovery": ha_discovery}
    if port is not None:
        broker = EmbeddedBroker(port=port)
        await broker.start()
        url = broker.url
        overrides["protocol"] = "3.1.1"  # amqtt speaks 3.1.1 only
    try:
        settings = settings_for_url(url, base, **overrides)
        client_id = None
        if client_role:
            client_id = settings.client_id or default_client_id(athlete, client_role)
        hooks: list[ConnectionHook] = []
        if settings.ha_discovery:
            from retrogait.insights.homeassistant import HomeAssistantDiscovery
            from retrogait.pipeline.sensor import foot_of
            from retrogait.pipeline.trunk import TRUNK_PLACEMENTS

            hooks.append(HomeAssistantDiscovery(
                settings.topic_prefix, athlete,
                [(s.id, "trunk" if s.placement in TRUNK_PLACEMENTS else foot_of(s))
                 for s in sensors],
                discovery_prefix=settings.ha_discovery_prefix,
            ))
        yield MqttSink(settings, athlete, client_id=client_id, sensors=[s.id for s in sensors],
                       recording=recording, hooks=hooks)
    finally:
        if broker is not None:
            await broker.stop()


async def replay_to_mqtt(
    args: argparse.Namespace,
    sinks: list[Sink],
    replay: Callable[..., Awaitable[ReplaySource]],
) -> tuple[ReplaySource, str | None]:
    """``retrogait replay --mqtt``: the replay's sinks plus MQTT, publishing exactly what the live
    daemon publishes (same topics, payloads, QoS, retain, summary at the end). Returns the
    source and, when events did not reach the broker, a line saying how many and why."""
    from retrogait.insights.sink import SummarySink
    from retrogait.insights.summary import _default_session_id
    from retrogait.recording.reader import read_header

    header = read_header(args.recording)
    athlete = args.athlete or header.athlete or DEFAULT_ATHLETE
    summaries = [s for s in sinks if isinstance(s, SummarySink)]
    async with mqtt_sink(
        args.mqtt, athlete, topic_prefix=args.topic_prefix, buffer_events=args.mqtt_buffer,
        client_role="replay", sensors=header.sensors, recording=args.recording.name,
        ha_discovery=args.ha_discovery,
    ) as sink:
        if summaries:  # the same session id as the printed (and stored) summary
            b = summaries[0].builder
            sink.set_session(b.session_id or _default_session_id(b.started_at, b.athlete,
                                                                  b.recording),
                             started_at=b.started_at, recording=args.recording.name)
        source = await replay(args.recording, args.speed, [*sinks, sink],
                              profiles_dir=getattr(args, "profiles_dir", None))
        return source, sink.delivery_problem()
