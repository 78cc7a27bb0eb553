"""``retrogait dashboard``: every athlete under a topic prefix on a broker, into a web hub.

Subscribes to ``<prefix>/#`` (QoS 1) and routes by topic (``docs/mqtt.md``)::

    P/A/status     DaemonStatus (retained): shown on the athlete's card
    P/A/session    SessionSummary (retained): the session is over
    P/A/cadence, P/A/step, P/A/S/<kind>: gait events (``parse_event``), into the athlete's figures
    P/A/alert      the active fall (retained): a dashboard started after the fall sees it too

A payload that does not parse (another program on the prefix, a newer retrogait's event kind)
is counted and logged once per topic, never fatal. Reconnects with exponential backoff; MQTT 5
``seq``/``session`` user properties are not needed here (a duplicate after a reconnect only
repeats a figure update).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from dataclasses import dataclass, field
from typing import Any

import aiomqtt
from pydantic import ValidationError

from retrogait.events import parse_event
from retrogait.sinks.mqtt import MqttSettings, default_client_id, parse_broker_url, tls_context
from retrogait.sinks.web.hub import WebHub

log = logging.getLogger(__name__)


@dataclass
class FeedStats:
    messages: int = 0
    events: int = 0
    unparsed: int = 0
    connects: int = 0
    unparsed_topics: set[str] = field(default_factory=set)


class MqttFeed:
    """Feeds a :class:`WebHub` from a broker until cancelled."""

    def __init__(self, settings: MqttSettings, hub: WebHub) -> None:
        self.settings = settings
        self.hub = hub
        self.address = parse_broker_url(settings.url)
        self.prefix = settings.topic_prefix
        self.stats = FeedStats()
        self.connected = asyncio.Event()
        self._sessions: dict[str, str] = {}
        self._falls: set[tuple[str, str, float]] = set()

    def _client(self) -> aiomqtt.Client:
        user, pw = self.settings.credentials()
        protocol = (aiomqtt.ProtocolVersion.V311 if self.settings.protocol == "3.1.1"
                    else aiomqtt.ProtocolVersion.V5)
        return aiomqtt.Client(
            self.address.host, self.address.port, username=user, password=pw,
            identifier=self.settings.client_id or default_client_id("all", "dashboard"),
            protocol=protocol, keepalive=self.settings.keepalive_s,
            timeout=self.settings.timeout_s,
            tls_context=tls_context(self.settings) if self.address.tls else None,
            tls_insecure=self.settings.tls_insecure if self.address.tls else None,
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )

    async def run(self) -> None:
        backoff = self.settings.backoff_min_s
        while True:
            try:
                async with self._client() as client:
                    await client.subscribe(f"{self.prefix}/#", qos=1)
                    self.stats.connects += 1
                    self.connected.set()
                    log.info("dashboard subscribed to %s/# on %s:%d", self.prefix,
                             self.address.host, self.address.port)
                    backoff = self.settings.backoff_min_s
                    async for message in client.messages:
                        payload = message.payload
                        self.handle(str(message.topic), payload if isinstance(payload, bytes)
                                    else str(payload or "").encode())
            except aiomqtt.MqttError as exc:
                self.connected.clear()
                log.warning("dashboard: broker %s:%d: %s; again in %.1f s", self.address.host,
                            self.address.port, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.settings.backoff_max_s)

    def handle(self, topic: str, payload: bytes) -> None:
        """One message: route by topic (pure apart from the hub)."""
        self.stats.messages += 1
        if not topic.startswith(self.prefix + "/") or not payload:
            return
        levels = topic[len(self.prefix) + 1:].split("/")
        if len(levels) < 2:
            return
        athlete, leaf = levels[0], levels[-1]
        if len(levels) == 2 and leaf == "status":
            with contextlib.suppress(ValueError):
                status: dict[str, Any] = json.loads(payload)
                self._new_session(athlete, str(status.get("session_id", "")))
                self.hub.set_status(athlete, status)
                return
        if len(levels) == 2 and leaf == "session":
            with contextlib.suppress(ValueError):
                summary = json.loads(payload)
                if summary.get("session_id") == self._sessions.get(athlete) or \
                        athlete not in self._sessions:
                    self.hub.end(athlete, summary=summary)
                return
        if len(levels) == 2 and leaf not in ("cadence", "step", "alert"):
            return
        try:
            event = parse_event(payload)
        except ValidationError:
            self.stats.unparsed += 1
            if topic not in self.stats.unparsed_topics and len(self.stats.unparsed_topics) < 100:
                self.stats.unparsed_topics.add(topic)
                log.warning("dashboard: %s: not a retrogait event this version knows", topic)
            return
        if leaf == "alert" or event.kind == "fall":  # the alarm comes twice: event and retained
            key = (athlete, getattr(event, "sensor", ""), event.t_s)
            if key in self._falls:
                return
            self._falls.add(key)
        self.stats.events += 1
        self.hub.publish(athlete, event)

    def _new_session(self, athlete: str, session_id: str) -> None:
        """A daemon's new session id: the athlete's figures start again."""
        if not session_id:
            return
        old = self._sessions.get(athlete)
        self._sessions[athlete] = session_id
        if old is not None and old != session_id:
            feed = self.hub.feed(athlete)
            self.hub.athletes[athlete] = type(feed)()
            self.hub.resend(athlete)
