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

Modules: ``settings`` (the ``[mqtt]`` table, broker URLs, credentials, TLS), ``topics`` (topic
tree, routes, :class:`DaemonStatus`), ``publisher`` (:class:`MqttSink`: outage buffer and the
aiomqtt loop), ``diagnose`` (why a connect failed), ``broker`` (the embedded broker)."""

from retrogait.sinks.mqtt.broker import EmbeddedBroker
from retrogait.sinks.mqtt.diagnose import describe_error
from retrogait.sinks.mqtt.publisher import INFLIGHT, ConnectionHook, MqttSink, MqttStats
from retrogait.sinks.mqtt.settings import (
    PASSWORD_ENV,
    USERNAME_ENV,
    BrokerAddress,
    MqttSettings,
    default_client_id,
    mask_url,
    parse_broker_url,
    settings_for_url,
    tls_context,
)
from retrogait.sinks.mqtt.topics import (
    ALERT_ROUTE,
    ROUTES,
    SESSION_ROUTE,
    STATUS_ROUTE,
    DaemonStatus,
    Route,
    event_topic,
    route_for,
    topic_segment,
)

__all__ = [
    "ALERT_ROUTE", "INFLIGHT", "PASSWORD_ENV", "ROUTES", "SESSION_ROUTE", "STATUS_ROUTE",
    "USERNAME_ENV", "BrokerAddress", "ConnectionHook", "DaemonStatus", "EmbeddedBroker",
    "MqttSettings", "MqttSink", "MqttStats", "Route", "default_client_id", "describe_error",
    "event_topic", "mask_url", "parse_broker_url", "route_for", "settings_for_url",
    "tls_context", "topic_segment",
]
