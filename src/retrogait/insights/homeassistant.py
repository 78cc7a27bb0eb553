"""Home Assistant MQTT discovery (opt-in): pure functions producing topic + config payloads.

The athlete becomes one HA device with entities for the live cadence, the backward share, each
foot sensor's last foot strike, contact time, stride length, speed and connection status, and the
last session's backward distance, time and forefoot share. Every numeric entity has a
``state_class`` so HA keeps long-term statistics: ``measurement`` throughout, also for the last
session's distance and time, which are per-session values (a new, shorter session would be
miscounted as a meter reset by ``total_increasing``). Entity ids are suggested with
``default_entity_id`` (``sensor.<unique id>``), which replaced ``object_id`` (deprecated in HA
2025.10, dropped in 2026.4). Config topics follow
``<discovery_prefix>/<component>/<node_id>/<unique_id>/config`` (one per entity, which every HA
version understands); payloads are published **retained** and re-published
when HA announces itself with ``online`` on ``homeassistant/status`` (:func:`is_ha_birth`).
Availability is tied to the daemon's retained status topic (``<prefix>/<athlete>/status``, a JSON
:class:`~retrogait.sinks.mqtt.DaemonStatus` whose ``state`` is ``online``/``offline``; the MQTT last
will makes it ``offline``). Sources: ``docs/references.md`` [HA-MQTT].

State topics are the MQTT sink's topic tree (``retrogait.sinks.mqtt.event_topic``)::

    <prefix>/<athlete>/cadence          CadenceEvent      -> cadence, backward share
    <prefix>/<athlete>/<sensor>/landing LandingEvent      -> last foot strike
    <prefix>/<athlete>/<sensor>/stride  StrideEvent       -> contact time, stride length, speed
    <prefix>/<athlete>/<sensor>/status  SensorStatusEvent -> sensor status
    <prefix>/<athlete>/session          SessionSummary    -> last session's backward distance,
                                                             time and forefoot share
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, get_args

from retrogait import __version__
from retrogait.events import FootStrike, SensorStatusEvent

DEFAULT_DISCOVERY_PREFIX = "homeassistant"
_ID_RE = re.compile(r"[^a-zA-Z0-9_-]")
EXPIRE_AFTER_S = 30
"""Live values become 'unavailable' in HA when no update came for this long, s."""


@dataclass(frozen=True)
class DiscoveryMessage:
    topic: str
    payload: str  # JSON config, or "" to remove the entity
    retain: bool = True
    qos: int = 1


def ha_id(text: str) -> str:
    """An id HA accepts in topics and unique ids: ``[a-zA-Z0-9_-]``."""
    return _ID_RE.sub("_", text)


def ha_status_topic(discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX) -> str:
    """Where HA publishes its birth (``online``) and will (``offline``) messages."""
    return f"{discovery_prefix}/status"


def is_ha_birth(topic: str, payload: bytes | str,
                discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX) -> bool:
    """True when HA (re)started and the discovery configs must be published again."""
    text = payload.decode(errors="replace") if isinstance(payload, bytes) else payload
    return topic == ha_status_topic(discovery_prefix) and text.strip() == "online"


_STRIDE_VALUES = (
    # entity key, name, StrideEvent field, unit, HA device class, display digits
    ("contact_time", "Contact time", "contact_time_s", "s", "duration", 2),
    ("stride_length", "Stride length", "stride_length_m", "m", "distance", 2),
    ("speed", "Speed", "speed_m_s", "m/s", "speed", 1),
)


def _entities(
    prefix: str, athlete: str, sensors: Iterable[tuple[str, str]]
) -> list[tuple[str, str, dict[str, Any]]]:
    """(component, object suffix, entity config without device/availability)."""
    base = f"{prefix}/{athlete}"
    ents: list[tuple[str, str, dict[str, Any]]] = [
        ("sensor", "cadence", {
            "name": "Cadence",
            "state_topic": f"{base}/cadence",
            "value_template": "{{ value_json.steps_per_min | round(1) }}",
            "unit_of_measurement": "steps/min",
            "state_class": "measurement",
            "icon": "mdi:run",
            "expire_after": EXPIRE_AFTER_S,
            "suggested_display_precision": 0,
        }),
        ("sensor", "backward_share", {
            "name": "Backward share",
            "state_topic": f"{base}/cadence",
            "value_template": "{{ (value_json.backward_share * 100) | round(0) }}",
            "unit_of_measurement": "%",
            "state_class": "measurement",
            "icon": "mdi:arrow-u-down-left",
            "expire_after": EXPIRE_AFTER_S,
        }),
        ("sensor", "last_session_backward_distance", {
            "name": "Last session backward distance",
            "state_topic": f"{base}/session",
            "value_template": "{{ value_json.backward.distance_m | round(0) }}",
            "unit_of_measurement": "m",
            "device_class": "distance",
            "state_class": "measurement",
            "icon": "mdi:map-marker-distance",
        }),
        ("sensor", "last_session_backward_time", {
            "name": "Last session backward time",
            "state_topic": f"{base}/session",
            "value_template": "{{ value_json.backward.time_s | round(0) }}",
            "unit_of_measurement": "s",
            "device_class": "duration",
            "state_class": "measurement",
        }),
        ("sensor", "last_session_forefoot_share", {
            "name": "Last session forefoot share",
            "state_topic": f"{base}/session",
            # None (no strides) stays unknown in HA instead of a template error
            "value_template": "{{ (value_json.foot_strike.forefoot * 100) | round(0) "
                              "if value_json.foot_strike.forefoot is not none else none }}",
            "unit_of_measurement": "%",
            "state_class": "measurement",
            "icon": "mdi:shoe-print",
        }),
    ]
    ents.append(("binary_sensor", "fall_alert", {
        "name": "Fall alert",
        "state_topic": f"{base}/alert",
        "value_template": "{{ 'ON' if value else 'OFF' }}",
        "device_class": "safety",
        "icon": "mdi:human-handsdown",
    }))
    for sensor, foot in sensors:
        label = foot if foot in ("left", "right") else sensor
        sid = ha_id(sensor)
        if foot == "trunk":  # a chest or lower-back sensor: lean and oscillation per step
            step = f"{base}/{sensor}/trunk_step"
            ents.append(("sensor", f"{sid}_lean", {
                "name": f"Trunk lean {label}",
                "state_topic": step,
                "value_template": "{{ value_json.pitch_deg | round(1) }}",
                "unit_of_measurement": "°",
                "state_class": "measurement",
                "icon": "mdi:human-handsup",
                "expire_after": EXPIRE_AFTER_S,
                "suggested_display_precision": 0,
            }))
            ents.append(("sensor", f"{sid}_vertical_oscillation", {
                "name": f"Vertical oscillation {label}",
                "state_topic": step,
                "value_template": "{{ value_json.vertical_oscillation_cm | round(1) }}",
                "unit_of_measurement": "cm",
                "device_class": "distance",
                "state_class": "measurement",
                "icon": "mdi:arrow-up-down",
                "expire_after": EXPIRE_AFTER_S,
            }))
            ents.append(("sensor", f"{sid}_cadence", {
                "name": f"Cadence {label}",
                "state_topic": step,
                "value_template": "{{ value_json.cadence_spm | round(1) }}",
                "unit_of_measurement": "steps/min",
                "state_class": "measurement",
                "icon": "mdi:run",
                "expire_after": EXPIRE_AFTER_S,
            }))
        else:
            ents.append(("sensor", f"{sid}_foot_strike", {
                "name": f"Foot strike {label}",
                "state_topic": f"{base}/{sensor}/landing",
                "value_template": "{{ value_json.foot_strike }}",
                "device_class": "enum",
                "options": list(get_args(FootStrike)),
                "icon": "mdi:shoe-print",
                "expire_after": EXPIRE_AFTER_S,
            }))
            for key, name, field, unit, dclass, digits in _STRIDE_VALUES:
                ents.append(("sensor", f"{sid}_{key}", {
                    "name": f"{name} {label}",
                    "state_topic": f"{base}/{sensor}/stride",
                    "value_template": f"{{{{ value_json.{field} | round({digits + 1}) }}}}",
                    "unit_of_measurement": unit,
                    "device_class": dclass,
                    "state_class": "measurement",
                    "expire_after": EXPIRE_AFTER_S,
                    "suggested_display_precision": digits,
                }))
        ents.append(("sensor", f"{sid}_status", {
            "name": f"Sensor {label} status",
            "state_topic": f"{base}/{sensor}/status",
            "value_template": "{{ value_json.status }}",
            "device_class": "enum",
            "options": list(get_args(SensorStatusEvent.model_fields["status"].annotation)),
            "entity_category": "diagnostic",
            "icon": "mdi:bluetooth-connect",
        }))
    return ents


def discovery_messages(
    topic_prefix: str,
    athlete: str,
    sensors: Iterable[tuple[str, str]],
    discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX,
) -> list[DiscoveryMessage]:
    """Retained config messages for the athlete's device; ``sensors`` = (sensor id, foot)."""
    node = ha_id(f"retrogait_{athlete}")
    device = {
        "identifiers": [node],
        "name": f"retrogait {athlete}",
        "manufacturer": "retrogait",
        "model": "foot-IMU gait monitor",
        "sw_version": __version__,
    }
    availability = [{
        "topic": f"{topic_prefix}/{athlete}/status",
        "value_template": "{{ value_json.state }}",
        "payload_available": "online",
        "payload_not_available": "offline",
    }]
    out = []
    for component, suffix, cfg in _entities(topic_prefix, athlete, sensors):
        uid = f"{node}_{suffix}"
        config = {
            **cfg,
            "unique_id": uid,
            "default_entity_id": f"{component}.{uid}",
            "device": device,
            "availability": availability,
            "origin": {"name": "retrogait", "sw_version": __version__},
            "qos": 1,
        }
        out.append(DiscoveryMessage(
            topic=f"{discovery_prefix}/{component}/{node}/{uid}/config",
            payload=json.dumps(config, separators=(",", ":")),
        ))
    return out


def removal_messages(
    topic_prefix: str,
    athlete: str,
    sensors: Iterable[tuple[str, str]],
    discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX,
) -> list[DiscoveryMessage]:
    """Empty retained payloads that delete the entities again (no ghost entities)."""
    return [DiscoveryMessage(m.topic, "") for m in
            discovery_messages(topic_prefix, athlete, sensors, discovery_prefix)]


class HomeAssistantDiscovery:
    """Connect/message hooks for an MQTT publisher (an ``aiomqtt.Client``): announce the
    entities after every connect and again whenever Home Assistant comes online."""

    def __init__(
        self,
        topic_prefix: str,
        athlete: str,
        sensors: Iterable[tuple[str, str]],
        discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX,
    ) -> None:
        self.discovery_prefix = discovery_prefix
        self.messages = discovery_messages(topic_prefix, athlete, list(sensors), discovery_prefix)
        self.announcements = 0

    async def on_connect(self, client: Any) -> None:
        """Subscribe to HA's status topic and announce (call after each (re)connect)."""
        await client.subscribe(ha_status_topic(self.discovery_prefix), qos=1)
        await self.announce(client)

    async def on_message(self, client: Any, message: Any) -> None:
        """Pass every received message; re-announces on HA's birth message."""
        if is_ha_birth(str(message.topic), message.payload, self.discovery_prefix):
            await self.announce(client)

    async def announce(self, client: Any) -> None:
        for m in self.messages:
            await client.publish(m.topic, m.payload, qos=m.qos, retain=m.retain)
        self.announcements += 1
