"""The MQTT topic tree: topic levels from ids, the route (topic, QoS, retain, expiry) of every
message kind, and the daemon's availability message (documented in ``docs/mqtt.md``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from retrogait import __version__
from retrogait.errors import ConfigError
from retrogait.events import Event
from retrogait.recording.format import ID_PATTERN

SEGMENT_RE = re.compile(ID_PATTERN)
"""one topic level: letters, digits, '_', '-', '.' (no wildcard, '/', '$' or empty level)"""


def topic_segment(value: str, what: str) -> str:
    """A topic level from an id: refuses wildcards, '/', '$' and empty values."""
    if not SEGMENT_RE.match(value):
        raise ConfigError(f"{what} {value!r}: use letters, digits, '_', '-', '.' (a topic level)")
    return value


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
    connected_at: datetime | None = Field(
        default=None, description="when the MQTT connection this status belongs to was opened, "
        "UTC; in the last will the connection whose loss it reports: it went offline after this "
        "(null only before any connection attempt)")
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

