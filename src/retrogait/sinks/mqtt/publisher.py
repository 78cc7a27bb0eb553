"""The MQTT sink: a bounded outage buffer that :meth:`MqttSink.emit` appends to, and a publisher
task that drains it to the broker in order, at least once, across reconnects (see the package
docstring, ``retrogait.sinks.mqtt``).

Over 400 lines because it is one class: the buffer and the connection loop share its state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import ssl
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from retrogait.events import STOPPED_DETAIL, Event, Foot, SensorStatusEvent
from retrogait.insights.summary import SummaryBuilder
from retrogait.sink import Sink
from retrogait.sinks.mqtt.diagnose import describe_error, first_leaf, maybe_protocol_problem
from retrogait.sinks.mqtt.settings import (
    MqttSettings,
    default_client_id,
    parse_broker_url,
    tls_context,
)
from retrogait.sinks.mqtt.topics import (
    ALERT_ROUTE,
    SESSION_ROUTE,
    DaemonStatus,
    Route,
    event_topic,
    route_for,
    topic_segment,
)
from retrogait.sources.base import SourceItem

log = logging.getLogger("retrogait.sinks.mqtt")  # one logger for the package (not per module)

INFLIGHT = 20
"""QoS 1 messages awaiting their PUBACK at once (paho's default in-flight window)"""


class ConnectionHook(Protocol):
    """Extra behaviour on the publisher's connection, e.g. Home Assistant discovery
    (:class:`retrogait.insights.homeassistant.HomeAssistantDiscovery`)."""

    async def on_connect(self, client: aiomqtt.Client) -> None:
        """After every (re)connect, once ``online`` is published (subscribe, announce)."""

    async def on_message(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        """Every message received on the connection."""


@dataclass(slots=True)
class _Out:
    seq: int
    topic: str
    payload: bytes
    route: Route


@dataclass
class MqttStats:
    published: int = 0
    dropped: int = 0
    """events dropped because the outage buffer overflowed"""
    undelivered: int = 0
    """events still buffered when the sink closed (broker away until ``close_timeout_s``)"""
    connects: int = 0
    failures: int = 0
    max_buffered: int = 0
    protocol: str = ""
    last_error: str = ""
    """the cause of the last failed connection attempt, in words (refused, DNS, TLS, auth)"""


class MqttSink(Sink):
    """Publishes events under ``<prefix>/<athlete>/...``; see the module docstring."""

    def __init__(
        self,
        settings: MqttSettings,
        athlete: str,
        session_id: str | None = None,
        client_id: str | None = None,
        sensors: Iterable[str] = (),
        recording: str | None = None,
        hooks: Sequence[ConnectionHook] = (),
    ) -> None:
        self.settings = settings
        self.hooks = list(hooks)
        self.athlete = topic_segment(athlete, "athlete")
        self.prefix = settings.topic_prefix
        self.address = parse_broker_url(settings.url)
        self.client_id = client_id or settings.client_id or default_client_id(self.athlete)
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self.stats = MqttStats()
        self.summary = SummaryBuilder(
            athlete=self.athlete, session_id=self.session_id, started_at=datetime.now(UTC),
            sensors=sensors, recording=recording,
        )
        self._buf: deque[_Out] = deque()
        self._sent = 0  # events at the head of the buffer sent at least once, not acknowledged
        self._seq = 0
        self._wake = asyncio.Event()
        self._closing = False
        self._final: list[_Out] = []
        self._task: asyncio.Task[None] | None = None
        self._protocol: aiomqtt.ProtocolVersion | None = {
            "5": aiomqtt.ProtocolVersion.V5, "3.1.1": aiomqtt.ProtocolVersion.V311, "auto": None,
        }[settings.protocol]
        self._since = datetime.now(UTC)
        self._connected_at: datetime | None = None  # opening of the current connection (attempt)
        self.connected = asyncio.Event()
        self._done = asyncio.Event()
        self.dropped_notifications = 0
        self._status_stale = False  # the online status no longer tells the drop count
        self._sensor_status: dict[str, tuple[str, Foot]] = {}  # last retained status per sensor
        self._last_t = 0.0

    def set_session(
        self, session_id: str, started_at: datetime | None = None, recording: str | None = None
    ) -> None:
        """Name the session (before :meth:`start`): status, MQTT 5 user properties and summary
        then carry this id, e.g. the one the session history uses."""
        self.session_id = session_id
        self.summary.session_id = session_id
        if started_at is not None:
            self.summary.started_at = started_at
        self.summary.recording = recording

    # -- topics and payloads

    @property
    def status_topic(self) -> str:
        return f"{self.prefix}/{self.athlete}/status"

    @property
    def session_topic(self) -> str:
        return f"{self.prefix}/{self.athlete}/session"

    def _status(
        self, state: Literal["online", "offline"], reason: str = "", will: bool = False
    ) -> bytes:
        return DaemonStatus(
            state=state, reason=reason, athlete=self.athlete, client_id=self.client_id,
            session_id=self.session_id,
            since=self._since if state == "online" else (None if will else datetime.now(UTC)),
            connected_at=self._connected_at,
            published_events=self.stats.published, dropped_events=self.stats.dropped,
            reconnects=max(0, self.stats.connects - 1),
            dropped_notifications=self.dropped_notifications,
        ).model_dump_json().encode()

    def _properties(self, out: _Out, v5: bool) -> Properties | None:
        if not v5:
            return None
        props = Properties(PacketTypes.PUBLISH)
        props.ContentType = "application/json"
        props.PayloadFormatIndicator = 1
        if out.route.expiry_s is not None:
            props.MessageExpiryInterval = out.route.expiry_s
        props.UserProperty = [("seq", str(out.seq)), ("session", self.session_id)]
        return props

    # -- Sink interface

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mqtt-publisher")

    @property
    def alert_topic(self) -> str:
        return f"{self.prefix}/{self.athlete}/{ALERT_ROUTE.leaf}"

    async def emit(self, event: Event) -> None:
        self.summary.add(event)
        self._last_t = max(self._last_t, event.t_s)
        if isinstance(event, SensorStatusEvent):
            self._sensor_status[event.sensor] = (event.status, event.foot)
        payload = event.model_dump_json().encode()
        self._enqueue(event_topic(self.prefix, self.athlete, event), payload,
                      route_for(event.kind))
        if event.kind == "fall":  # the alarm, retained until the runner moves again
            self._enqueue(self.alert_topic, payload, ALERT_ROUTE)
        elif event.kind == "recovered":  # an empty retained message deletes the alarm
            self._enqueue(self.alert_topic, b"", ALERT_ROUTE)
        if not self._wake.is_set():
            self._wake.set()
            # let the publisher send it now rather than after the rest of a notification backlog
            await asyncio.sleep(0)

    def _enqueue(self, topic: str, payload: bytes, route: Route) -> None:
        self._seq += 1
        out = _Out(self._seq, topic, payload, route)
        if len(self._buf) - self._sent >= self.settings.buffer_events:
            # the oldest event never handed to a broker; the (at most INFLIGHT) events sent but
            # not acknowledged stay on top of the bound: they may have arrived, so dropping them
            # would count as lost what a subscriber got; `dropped` is exactly what nobody got
            del self._buf[self._sent]
            self.stats.dropped += 1
            if self.stats.dropped == 1 or self.stats.dropped % 1000 == 0:
                log.warning(
                    "MQTT buffer full (%d events): dropped %d oldest event(s) so far",
                    self.settings.buffer_events, self.stats.dropped,
                )
        self._buf.append(out)
        self.stats.max_buffered = max(self.stats.max_buffered, len(self._buf))

    def report_dropped_notifications(self, total: int) -> None:
        """The acquisition dropped notifications (``total`` so far): the retained online status
        is published again with the count (by the publisher, in order, when connected)."""
        if total != self.dropped_notifications:
            self.dropped_notifications = total
            self._status_stale = True
            self._wake.set()

    @property
    def buffered(self) -> int:
        return len(self._buf)

    async def observe(self, item: SourceItem) -> None:
        self.summary.observe(item.t)

    async def close(self) -> None:
        """Deliver what is buffered (up to ``close_timeout_s``), the session summary and the
        offline status, then disconnect. Events still buffered after the timeout are dropped."""
        if self._task is None:
            return
        summary = self.summary.summary()
        self._final = [_Out(0, self.session_topic, summary.to_json().encode(), SESSION_ROUTE)]
        # a retained "connected" must not outlive the daemon: each such sensor is retained
        # as disconnected before the offline status
        for sensor, (status, foot) in self._sensor_status.items():
            if status in ("connected", "reconnected", "decode_error"):
                ev = SensorStatusEvent(t_s=self._last_t, emitted_at_s=self._last_t, sensor=sensor,
                                       foot=foot, status="disconnected", detail=STOPPED_DETAIL)
                self._final.append(_Out(0, event_topic(self.prefix, self.athlete, ev),
                                        ev.model_dump_json().encode(), route_for(ev.kind)))
        self._closing = True
        self._wake.set()
        if not self.connected.is_set() and not self._done.is_set():
            log.warning(
                "MQTT broker %s:%d not connected (%s): waiting up to %g s to deliver %d buffered "
                "event(s)", self.address.host, self.address.port,
                self.stats.last_error or "connecting", self.settings.close_timeout_s,
                len(self._buf),
            )
        try:
            await asyncio.wait_for(asyncio.shield(self._done.wait()), self.settings.close_timeout_s)
        except TimeoutError:
            self.stats.undelivered = len(self._buf)
            log.warning(
                "MQTT broker %s:%d unreachable at shutdown (%s): %d buffered event(s) not "
                "delivered", self.address.host, self.address.port,
                self.stats.last_error or "no connection", self.stats.undelivered,
            )
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):  # already logged
            await self._task
        self._task = None

    def delivery_problem(self) -> str | None:
        """One line saying which events did not reach the broker and why; None when every
        event was acknowledged."""
        where = f"broker {self.address.host}:{self.address.port}"
        cause = self.stats.last_error or "no connection"
        if self.stats.connects == 0 and (self.stats.undelivered or self.stats.dropped):
            lost = self.stats.undelivered + self.stats.dropped
            return f"MQTT: {lost} event(s) not delivered: {where} never reached: {cause}"
        parts = []
        if self.stats.dropped:
            parts.append(f"{self.stats.dropped} event(s) dropped because the outage buffer of "
                         f"{self.settings.buffer_events} overflowed")
        if self.stats.undelivered:
            parts.append(f"{self.stats.undelivered} event(s) still buffered at shutdown")
        if not parts:
            return None
        return f"MQTT: {' and '.join(parts)}; {where} last failed with: {cause}"

    # -- connection loop

    def _client(self, protocol: aiomqtt.ProtocolVersion) -> aiomqtt.Client:
        user, pw = self.settings.credentials()
        # the will's payload is fixed now, at CONNECT: the one time it can carry is this one
        self._connected_at = datetime.now(UTC)
        will = aiomqtt.Will(
            self.status_topic, self._status("offline", "connection lost", will=True), qos=1,
            retain=True,
        )
        client = aiomqtt.Client(
            self.address.host,
            self.address.port,
            username=user,
            password=pw,
            identifier=self.client_id,
            protocol=protocol,
            will=will,
            keepalive=self.settings.keepalive_s,
            timeout=self.settings.timeout_s,
            tls_context=tls_context(self.settings) if self.address.tls else None,
            tls_insecure=self.settings.tls_insecure if self.address.tls else None,
            # small messages, latency matters: no Nagle delay on our side of the link
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        # up to INFLIGHT publishes await their PUBACK by design: not worth aiomqtt's warning
        # "There are N pending publish calls" (its threshold is 10)
        client.pending_calls_threshold = INFLIGHT + len(self._final) + 2
        return client

    async def _run(self) -> None:
        backoff = self.settings.backoff_min_s
        while True:
            protocol = self._protocol or aiomqtt.ProtocolVersion.V5
            error: BaseException | None = None
            try:
                async with self._client(protocol) as client:
                    self._protocol = protocol
                    self.stats.connects += 1
                    self.stats.protocol = "5" if protocol == aiomqtt.ProtocolVersion.V5 else "3.1.1"
                    log.info(
                        "MQTT connected to %s:%d as %s (MQTT %s)", self.address.host,
                        self.address.port, self.client_id, self.stats.protocol,
                    )
                    backoff = self.settings.backoff_min_s
                    await self._session(client, protocol == aiomqtt.ProtocolVersion.V5)
                    self._done.set()
                    return
            except* aiomqtt.MqttError as group:
                error = first_leaf(group)
            except* (OSError, ssl.SSLError, ValueError) as group:  # e.g. the TLS context
                error = group.exceptions[0]
            self.connected.clear()
            if (
                self.settings.protocol == "auto"
                and self.stats.connects == 0
                and isinstance(error, aiomqtt.MqttError)
                and maybe_protocol_problem(error)
            ):
                # never connected yet: a broker that refuses MQTT 5 (code 132) or does not
                # answer a v5 CONNECT at all (amqtt 0.12) gets the other version next time
                other = (aiomqtt.ProtocolVersion.V311 if protocol == aiomqtt.ProtocolVersion.V5
                         else aiomqtt.ProtocolVersion.V5)
                log.info("MQTT %s failed (%s); trying %s", protocol.name, error, other.name)
                self._protocol = other
                if protocol == aiomqtt.ProtocolVersion.V5:
                    continue
            self.stats.failures += 1
            cause = describe_error(error) if error is not None else "connection lost"
            self.stats.last_error = cause
            # every failed attempt at WARNING: the back-off keeps it to a few lines a minute
            delay = backoff * random.uniform(0.8, 1.2)
            log.warning(
                "MQTT broker %s:%d: %s; %d event(s) buffered, retrying in %.1f s (attempt %d)",
                self.address.host, self.address.port, cause, len(self._buf), delay,
                self.stats.failures,
            )
            await asyncio.sleep(delay)
            backoff = min(backoff * 2, self.settings.backoff_max_s)

    async def _session(self, client: aiomqtt.Client, v5: bool) -> None:
        """One connection: publish online, then drain the buffer until closing; a dropped
        connection surfaces as MqttError from the watcher and cancels the drainer."""
        self._status_stale = False
        await client.publish(self.status_topic, self._status("online"), qos=1, retain=True)
        for hook in self.hooks:
            await hook.on_connect(client)
        self.connected.set()
        async with asyncio.TaskGroup() as tg:
            watcher = tg.create_task(self._watch(client))
            await self._drain(client, v5)
            for out in self._final:
                await client.publish(
                    out.topic, out.payload, qos=out.route.qos, retain=out.route.retain,
                    properties=self._properties(out, v5),
                )
            await client.publish(self.status_topic, self._status("offline", "stopped"),
                                 qos=1, retain=True)
            watcher.cancel()

    async def _watch(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:  # raises MqttError when the connection drops
            for hook in self.hooks:
                try:
                    await hook.on_message(client, message)
                except aiomqtt.MqttError:
                    raise
                except Exception:  # a hook's bug must not end the publisher
                    log.exception("MQTT hook %s failed on %s", type(hook).__name__,
                                  message.topic)

    async def _drain(self, client: aiomqtt.Client, v5: bool) -> None:
        """Publish the buffer in order with up to ``INFLIGHT`` messages awaiting their PUBACK
        (a new event goes out at once instead of after the previous one's round trip). An event
        leaves the buffer only when it and every event before it were acknowledged."""
        inflight: deque[asyncio.Task[None]] = deque()
        wake = self._wake

        def done(_: asyncio.Task[None]) -> None:
            wake.set()

        try:
            while True:
                while inflight and inflight[0].done():
                    inflight.popleft().result()  # raises MqttError if the link broke
                    self._buf.popleft()
                    self._sent -= 1
                    self.stats.published += 1
                n = len(inflight)
                while n < INFLIGHT and n < len(self._buf):
                    out = self._buf[n]
                    task = asyncio.create_task(client.publish(
                        out.topic, out.payload, qos=out.route.qos, retain=out.route.retain,
                        properties=self._properties(out, v5),
                    ))  # tasks start in creation order: the broker gets the buffer's order
                    task.add_done_callback(done)
                    inflight.append(task)
                    n += 1
                    self._sent = max(self._sent, n)
                if self._status_stale:  # rare (at most every few s): one round trip, in order
                    self._status_stale = False
                    await client.publish(self.status_topic, self._status("online"), qos=1,
                                         retain=True)
                if not inflight and not self._buf and self._closing:
                    return
                if inflight and inflight[0].done():
                    continue
                wake.clear()
                await wake.wait()
        finally:
            for task in inflight:  # not acknowledged: stays buffered, sent again (at least once)
                task.cancel()
            await asyncio.gather(*inflight, return_exceptions=True)

