"""MQTT sink: gait events to a broker with aiomqtt, surviving broker outages.

Topic tree (``P`` = topic prefix, ``A`` = athlete id, ``S`` = sensor id; see ``docs/mqtt.md``)::

    P/A/status            retained, QoS 1: DaemonStatus, online; the MQTT last will says offline
    P/A/session           retained, QoS 1: insights SessionSummary at the end of a session
    P/A/cadence           retained, QoS 1: CadenceEvent (MQTT 5 expiry 30 s)
    P/A/step              QoS 1: StepEvent
    P/A/S/landing|stride|gap|fall|recovered   QoS 1: the event models
    P/A/alert             retained, QoS 1: the active FallEvent; emptied (retained message
                          deleted) by the RecoveredEvent when the runner moves again
    P/A/S/activity|status               retained, QoS 1: ActivityEvent, SensorStatusEvent
    P/A/S/trunk_step|posture            retained, QoS 1: TrunkStepEvent, PostureEvent

Payloads are exactly the pydantic models' JSON (``model_dump_json``), so ``parse_event`` reads
them back. MQTT 5 adds content type, a per-kind message expiry and the user properties ``seq``
(per run) and ``session`` so consumers can drop the duplicates that at-least-once delivery allows
across a reconnect.

Outages: :meth:`MqttSink.emit` only appends to a bounded buffer and never waits for the network.
A publisher task makes a **new** aiomqtt client per connection attempt (reusing one makes paho
re-send QoS 1 messages the application retries as well, see
``docs/references.md`` [AIOMQTT]), reconnects with exponential backoff and jitter, and
removes an event from the buffer only after the broker acknowledged it, so delivery is in order and
at least once. When the buffer is full the oldest event is dropped and counted (``dropped``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import re
import socket
import ssl
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, Self
from urllib.parse import urlsplit

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from retrogait import __version__
from retrogait.errors import ConfigError
from retrogait.events import STOPPED_DETAIL, Event, Foot, SensorStatusEvent
from retrogait.insights.summary import SummaryBuilder
from retrogait.recording.format import ID_PATTERN
from retrogait.sink import Sink
from retrogait.sources.base import SourceItem

log = logging.getLogger(__name__)

USERNAME_ENV = "RETROGAIT_MQTT_USERNAME"
PASSWORD_ENV = "RETROGAIT_MQTT_PASSWORD"
_SEGMENT_RE = re.compile(ID_PATTERN)


# --------------------------------------------------------------------------------------------
# configuration


class MqttSettings(BaseModel):
    """The ``[mqtt]`` table of ``retrogait.toml``.

    Credentials come from here or from ``$RETROGAIT_MQTT_USERNAME`` / ``$RETROGAIT_MQTT_PASSWORD``,
    never from the command line; the password is a secret that never appears in logs or repr.
    """

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        default="mqtt://127.0.0.1:1883",
        description="mqtt://host[:port] or mqtts://host[:port] (TLS, default port 8883)",
    )
    topic_prefix: str = Field(default="retrogait", description="first topic level(s)")
    client_id: str | None = Field(
        default=None, description="MQTT client id; default retrogait-<athlete>-<host>"
    )
    username: str | None = None
    password: SecretStr | None = None
    protocol: Literal["auto", "5", "3.1.1"] = Field(
        default="auto", description="auto: MQTT 5, falling back to 3.1.1 if the broker refuses"
    )
    buffer_events: int = Field(
        default=10000, ge=1, description="events kept while the broker is away; older are dropped"
    )
    keepalive_s: int = Field(default=15, ge=5, description="MQTT keepalive, s")
    timeout_s: float = Field(default=5.0, gt=0, description="per-operation timeout, s")
    backoff_min_s: float = Field(default=0.5, gt=0, description="first reconnect delay, s")
    backoff_max_s: float = Field(default=30.0, gt=0, description="longest reconnect delay, s")
    close_timeout_s: float = Field(
        default=10.0, ge=0, description="at shutdown, how long to try to deliver the buffer, s"
    )
    tls_ca_file: Path | None = Field(default=None, description="CA bundle for mqtts://")
    tls_cert_file: Path | None = Field(default=None, description="client certificate (mTLS)")
    tls_key_file: Path | None = Field(default=None, description="client key (mTLS)")
    tls_insecure: bool = Field(default=False, description="skip hostname verification (testing)")
    ha_discovery: bool = Field(
        default=False,
        description="announce Home Assistant MQTT discovery configs (retained), again whenever "
        "HA publishes online on <ha_discovery_prefix>/status",
    )
    ha_discovery_prefix: str = Field(
        default="homeassistant", description="Home Assistant's discovery prefix"
    )

    @field_validator("topic_prefix", "ha_discovery_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        v = v.strip("/")
        if not v or any(not _SEGMENT_RE.match(s) for s in v.split("/")):
            raise ValueError(f"topic prefix {v!r}: levels of letters, digits, '_', '-', '.' only")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        try:
            parse_broker_url(v)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _tls_files(self) -> MqttSettings:
        """TLS files must exist and load now, not fail in the publisher task later."""
        for name in ("tls_ca_file", "tls_cert_file", "tls_key_file"):
            path = getattr(self, name)
            if path is not None and not Path(path).expanduser().is_file():
                raise ValueError(f"{name} {str(path)!r}: no such file")
        if self.tls_key_file is not None and self.tls_cert_file is None:
            raise ValueError("tls_key_file needs tls_cert_file (the client certificate)")
        if any((self.tls_ca_file, self.tls_cert_file)):
            try:
                _tls_context(self)
            except (ssl.SSLError, OSError, ValueError) as exc:
                raise ValueError(f"TLS files cannot be loaded: {exc}") from None
        return self

    def credentials(self) -> tuple[str | None, str | None]:
        """(username, password) from the config, else from the environment."""
        user = self.username or os.environ.get(USERNAME_ENV) or None
        pw = self.password.get_secret_value() if self.password else os.environ.get(PASSWORD_ENV)
        return user, (pw or None)


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool


def mask_url(url: str) -> str:
    """``url`` with any password (and user name) in it replaced by ``***``, for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return f"{scheme}://{netloc}{slash}{path}"


def parse_broker_url(url: str) -> BrokerAddress:
    """``mqtt://host[:port]`` / ``mqtts://host[:port]``; credentials in the URL are refused.
    Error messages never repeat a password given in the URL."""
    shown = mask_url(url)
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced '[' of an IPv6 address
        raise ConfigError(f"broker URL {shown!r}: {exc}") from None
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ConfigError(
            f"broker URL {shown!r}: use mqtt://host[:port] or mqtts://host[:port]"
        )
    if "@" in parts.netloc:
        raise ConfigError(
            f"broker URL {shown!r}: do not put credentials in the URL; set [mqtt] "
            f"username/password in the config file or ${USERNAME_ENV} / ${PASSWORD_ENV}"
        )
    if not parts.hostname:
        raise ConfigError(f"broker URL {shown!r}: no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"broker URL {shown!r}: a broker URL has no path, query or fragment")
    tls = parts.scheme in ("mqtts", "ssl")
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise ConfigError(f"broker URL {shown!r}: port must be a number from 1 to 65535") from None
    return BrokerAddress(parts.hostname, port, tls)


def topic_segment(value: str, what: str) -> str:
    """A topic level from an id: refuses wildcards, '/', '$' and empty values."""
    if not _SEGMENT_RE.match(value):
        raise ConfigError(f"{what} {value!r}: use letters, digits, '_', '-', '.' (a topic level)")
    return value


def default_client_id(athlete: str, role: str = "") -> str:
    """``retrogait-<athlete>-<host>``: unique per athlete and machine (one daemon per runner)."""
    host = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())[:32]
    return "-".join(p for p in ("retrogait", role, athlete, host) if p)


# --------------------------------------------------------------------------------------------
# messages that are not gait events


class DaemonStatus(BaseModel):
    """Availability of one daemon: ``P/A/status``, retained; the last will publishes offline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["daemon_status"] = "daemon_status"
    state: Literal["online", "offline"]
    reason: str = Field(default="", description="why offline: stopped, connection lost (will)")
    athlete: str
    client_id: str
    session_id: str
    software: str = f"retrogait {__version__}"
    since: datetime | None = Field(
        default=None, description="when this state began, UTC; null in the last will, whose "
        "payload is fixed at connect time (the broker sends it later, without a time)")
    published_events: int = Field(default=0, description="events the broker acknowledged")
    dropped_events: int = Field(
        default=0, description="events dropped so far because the outage buffer overflowed"
    )
    reconnects: int = Field(default=0, description="broker reconnections in this run")
    dropped_notifications: int = Field(
        default=0, description="sensor notifications dropped so far because the acquisition "
        "queue was full (the daemon fell behind); published again when it grows"
    )


# --------------------------------------------------------------------------------------------
# routing: topic, QoS, retain and expiry per message kind (documented in docs/mqtt.md)


@dataclass(frozen=True)
class Route:
    leaf: str
    per_sensor: bool
    qos: int
    retain: bool
    expiry_s: int | None
    why: str


ROUTES: dict[str, Route] = {
    "landing": Route("landing", True, 1, False, 60, "a moment in time; stale after a minute"),
    "stride": Route("stride", True, 1, False, 60, "one record per stride; at least once"),
    "gap": Route("gap", True, 1, False, 300, "data-quality record"),
    "fall": Route("fall", True, 1, False, None, "an alarm: must arrive, never expires"),
    "recovered": Route("recovered", True, 1, False, None, "the end of a fall alarm"),
    "trunk_step": Route("trunk_step", True, 1, True, 60, "per step from a trunk sensor; the "
                        "last is the current lean, oscillation and cadence"),
    "posture": Route("posture", True, 1, True, None, "current posture state (lean back)"),
    "activity": Route("activity", True, 1, True, None, "current state: late subscribers need it"),
    "sensor_status": Route("status", True, 1, True, None, "current connection state"),
    "cadence": Route("cadence", False, 1, True, 30, "live gauge value; expires when stale"),
    "step": Route("step", False, 1, False, 60, "one record per step"),
}
INFLIGHT = 20
"""QoS 1 messages awaiting their PUBACK at once (paho's default in-flight window)"""
STATUS_ROUTE = Route("status", False, 1, True, None, "availability; last will = offline")
SESSION_ROUTE = Route("session", False, 1, True, None, "last session's summary")
ALERT_ROUTE = Route("alert", False, 1, True, None, "the active fall alarm, retained until the "
                    "runner moves again (then an empty retained message deletes it)")


def route_for(kind: str) -> Route:
    """The route of an event kind; a kind added to events.py later gets a per-sensor record."""
    return ROUTES.get(kind) or Route(kind, True, 1, False, 60, "record")


def event_topic(prefix: str, athlete: str, event: Event) -> str:
    route = route_for(event.kind)
    sensor = getattr(event, "sensor", None)
    if route.per_sensor and sensor is not None:
        return f"{prefix}/{athlete}/{sensor}/{route.leaf}"
    return f"{prefix}/{athlete}/{route.leaf}"


# --------------------------------------------------------------------------------------------
# the sink


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


def _tls_context(settings: MqttSettings) -> ssl.SSLContext:
    ca = settings.tls_ca_file
    ctx = ssl.create_default_context(cafile=str(ca.expanduser()) if ca else None)
    if settings.tls_cert_file:
        key = settings.tls_key_file
        ctx.load_cert_chain(
            str(settings.tls_cert_file.expanduser()), str(key.expanduser()) if key else None,
        )
    if settings.tls_insecure:
        ctx.check_hostname = False
    return ctx


def _first_leaf(group: BaseExceptionGroup[aiomqtt.MqttError]) -> aiomqtt.MqttError:
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    assert isinstance(exc, aiomqtt.MqttError)
    return exc


_AUTH_CODES = {4: "bad user name or password", 5: "not authorised",
               134: "bad user name or password", 135: "not authorised"}


def describe_error(exc: BaseException) -> str:
    """Why a connection attempt failed, in words: refused, host not found (DNS), TLS (which
    check), authentication, timeout. aiomqtt wraps socket errors in ``MqttError(str(exc))``; the
    original error is still its ``__context__``."""
    cause: BaseException = exc
    while isinstance(cause, aiomqtt.MqttError) and cause.__context__ is not None:
        cause = cause.__context__
    rc = getattr(exc, "rc", None)
    code = getattr(rc, "value", rc)
    if isinstance(code, int) and code in _AUTH_CODES:
        return (f"the broker refused the login: {_AUTH_CODES[code]} (check [mqtt] username / "
                f"password or ${USERNAME_ENV} / ${PASSWORD_ENV})")
    if isinstance(cause, ssl.SSLCertVerificationError):
        why = cause.verify_message or str(cause)
        return (f"TLS: the broker's certificate is not trusted ({why}); set [mqtt] tls_ca_file "
                "to the CA that signed it")
    if isinstance(cause, ssl.SSLError):
        why = getattr(cause, "reason", None) or cause.strerror or str(cause)
        return f"TLS handshake failed ({why}); is the port a TLS listener?"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused: nothing listens on that port (is the broker running?)"
    if isinstance(cause, socket.gaierror):
        return f"host name not found (DNS: {cause.strerror})"
    if isinstance(cause, TimeoutError | socket.timeout):
        return "timed out (no answer: a firewall, a wrong port or a TLS/plain mismatch?)"
    if isinstance(cause, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "the broker closed the connection (a TLS/plain mismatch or the broker's limits?)"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    text = str(exc)
    if "ssl" in text.lower() or "certificate" in text.lower():
        return f"TLS: {text}"
    return text or type(exc).__name__


def _maybe_protocol_problem(exc: aiomqtt.MqttError) -> bool:
    """A refusal of the protocol version, or a CONNECT left unanswered (not a refused socket)."""
    rc = getattr(exc, "rc", None)
    value = getattr(rc, "value", rc)
    text = str(exc).lower()
    return value in (1, 132) or "protocol" in text or "timed out" in text


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
            tls_context=_tls_context(self.settings) if self.address.tls else None,
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
                error = _first_leaf(group)
            except* (OSError, ssl.SSLError, ValueError) as group:  # e.g. the TLS context
                error = group.exceptions[0]
            self.connected.clear()
            if (
                self.settings.protocol == "auto"
                and self.stats.connects == 0
                and isinstance(error, aiomqtt.MqttError)
                and _maybe_protocol_problem(error)
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


# --------------------------------------------------------------------------------------------
# embedded broker (optional extra: pip install 'retrogait[embedded]')


class EmbeddedBroker:
    """An in-process amqtt broker on loopback (MQTT 3.1.1 only), for a laptop without a broker."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1883) -> None:
        self.host = host
        self.port = port
        self._broker: Any = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    async def start(self) -> None:
        try:
            from amqtt.broker import Broker
        except ImportError:
            raise ConfigError(
                "--mqtt embedded needs the optional extra: pip install 'retrogait[embedded]'"
            ) from None
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {
                "allow_anonymous": True}},
        }
        self._broker = Broker(config)
        try:
            await self._broker.start()
        except Exception as exc:
            raise ConfigError(
                f"embedded MQTT broker could not listen on {self.host}:{self.port}: {exc}"
            ) from None
        log.warning("embedded MQTT broker (amqtt, MQTT 3.1.1) listening on %s", self.url)

    async def stop(self) -> None:
        if self._broker is not None:
            await self._broker.shutdown()
            self._broker = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def settings_for_url(url: str, base: MqttSettings | None = None, **overrides: Any) -> MqttSettings:
    """Settings with ``url`` (and overrides) replaced; ``embedded`` forces MQTT 3.1.1. A bad
    value is a one-line :class:`ConfigError` that never repeats a password."""
    parse_broker_url(url)
    data = (base or MqttSettings()).model_dump()
    data["url"] = url
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return MqttSettings.model_validate(data)
    except ValidationError as exc:
        parts = [f"{'.'.join(map(str, e['loc'])) or 'mqtt'}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("MQTT settings: " + "; ".join(parts)) from None
