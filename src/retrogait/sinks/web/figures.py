"""The live page's figures for one athlete, aggregated from the event stream (pure, no I/O).

:class:`AthleteFigures` takes events one at a time (:meth:`AthleteFigures.add`) and gives a JSON-
ready dict (:meth:`AthleteFigures.figures`) that the page shows as big numbers. Definitions follow
the session summary (``retrogait.insights.summary``): only strides without the ``uncertain`` flag
count; the backward distance is the backward stride lengths summed per foot and averaged over the
feet (each foot travels the whole distance); forefoot share is the share of forefoot landings
among backward strides (the goal of backward running) and among all strides.

A trunk sensor (chest, lower back) adds per sensor its lean (trunk pitch against the runner's
upright baseline, + forward), vertical oscillation (median of the last :data:`TRUNK_STEPS`
steps), its cadence, the direction of its last step and the backward share of its steps; with no
foot sensor the page's cadence is the trunk's.

The recent strides and landings (last :data:`WINDOW_S` of stream time) and the recent alerts are
kept so a page that (re)connects gets the rolling plot and the alerts back at once
(:meth:`AthleteFigures.snapshot`). Every container is bounded, whatever the session length.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from retrogait.events import (
    STOPPED_DETAIL,
    ActivityEvent,
    CadenceEvent,
    Event,
    GapEvent,
    LandingEvent,
    PostureEvent,
    SensorStatusEvent,
    StepEvent,
    StrideEvent,
    TrunkStepEvent,
)

WINDOW_S = 60.0
"""Span of the rolling plot, s of stream time."""
RECENT_MAX = 2000
"""Bound on the events kept for the plot (a 60 s window holds about 400 at 200 steps/min)."""
ALERTS_MAX = 20
"""Alerts kept for a page that connects later."""
CONTACT_STRIDES = 5
"""Contact time, stride length and speed on the page: median of each foot's last 5 strides."""
TRUNK_STEPS = 5
"""Trunk lean and vertical oscillation on the page: median of the sensor's last 5 steps."""

QUIET_KINDS = frozenset({"landing", "stride", "cadence", "step", "activity", "trunk_step"})
"""Kinds that are figures, never alerts. Every other kind is an alert except the harmless
sensor states (:data:`GOOD_STATUS`): a fall, a data gap, a disconnect, and any kind added later
(posture...) reach the page as an alert without a change here."""
GOOD_STATUS = frozenset({"connected", "reconnected"})
LOST_STATUS = frozenset({"disconnected", "failed", "gave_up"})


def is_alert(event: Event) -> bool:
    """Must the page show this event as an alert?"""
    kind = str(getattr(event, "kind", ""))
    if kind in QUIET_KINDS:
        return False
    if isinstance(event, SensorStatusEvent):  # a clean stop is the end, not a lost sensor
        return event.status not in GOOD_STATUS and event.detail != STOPPED_DETAIL
    if isinstance(event, PostureEvent):  # back upright: the all-clear, not an alarm
        return event.state != "upright"
    return True


@dataclass
class _Foot:
    strides: int = 0
    contact_s: deque[float] = field(default_factory=lambda: deque(maxlen=CONTACT_STRIDES))
    length_m: deque[float] = field(default_factory=lambda: deque(maxlen=CONTACT_STRIDES))
    speed_m_s: deque[float] = field(default_factory=lambda: deque(maxlen=CONTACT_STRIDES))
    cadence_spm: float | None = None
    backward_m: float = 0.0
    last_strike: str | None = None
    last_direction: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def med(d: deque[float]) -> float | None:
            return round(statistics.median(d), 3) if d else None

        return {
            "strides": self.strides, "contact_s": med(self.contact_s),
            "stride_length_m": med(self.length_m), "speed_m_s": med(self.speed_m_s),
            "cadence_spm": self.cadence_spm, "last_strike": self.last_strike,
            "last_direction": self.last_direction,
        }


@dataclass
class _Trunk:
    steps: int = 0
    backward: int = 0
    pitch_deg: deque[float] = field(default_factory=lambda: deque(maxlen=TRUNK_STEPS))
    oscillation_cm: deque[float] = field(default_factory=lambda: deque(maxlen=TRUNK_STEPS))
    cadence_spm: float | None = None
    direction: str | None = None

    def add(self, e: TrunkStepEvent) -> None:
        self.steps += 1
        self.backward += e.direction == "backward"
        self.pitch_deg.append(e.pitch_deg)
        self.oscillation_cm.append(e.vertical_oscillation_cm)
        self.cadence_spm = round(e.cadence_spm, 1)
        self.direction = e.direction

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps, "lean_deg": round(statistics.median(self.pitch_deg), 1),
            "oscillation_cm": round(statistics.median(self.oscillation_cm), 1),
            "cadence_spm": self.cadence_spm, "direction": self.direction,
            "backward_share": round(self.backward / self.steps, 3),
        }


@dataclass
class _Sensor:
    foot: str = "unknown"
    status: str = "waiting"
    lost_packets: int = 0
    gaps: int = 0
    battery_pct: float | None = None


class AthleteFigures:
    """Running figures of one athlete's session, from its events."""

    def __init__(self) -> None:
        self.t_s = 0.0
        self.cadence_spm: float | None = None
        self.window_backward_share: float | None = None
        self.strides = 0
        self.backward = 0
        self.strike: dict[str, int] = {}
        self.strike_backward: dict[str, int] = {}
        self.feet: dict[str, _Foot] = {}
        self.trunk: dict[str, _Trunk] = {}
        self.sensors: dict[str, _Sensor] = {}
        self.balance_left_pct: float | None = None
        self.activity: str | None = None
        self.alerts_total = 0
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_MAX)
        self.alerts: deque[dict[str, Any]] = deque(maxlen=ALERTS_MAX)

    def sensor(self, sid: str) -> _Sensor:
        return self.sensors.setdefault(sid, _Sensor())

    def add(self, event: Event, payload: dict[str, Any] | None = None) -> None:
        """Take one event; ``payload`` is its JSON form, kept for the plot or the alerts."""
        self.t_s = max(self.t_s, event.t_s)
        match event:
            case StrideEvent():
                self._stride(event)
            case LandingEvent():
                foot = self.feet.setdefault(event.foot, _Foot())
                foot.last_strike = event.foot_strike
                self.sensor(event.sensor).foot = event.foot
            case CadenceEvent():
                self.cadence_spm = round(event.steps_per_min, 1)
                self.window_backward_share = round(event.backward_share, 3)
            case TrunkStepEvent():
                self.trunk.setdefault(event.sensor, _Trunk()).add(event)
            case StepEvent():
                if event.balance_left_pct is not None:
                    self.balance_left_pct = round(event.balance_left_pct, 1)
            case ActivityEvent():
                self.activity = event.activity
            case GapEvent():
                s = self.sensor(event.sensor)
                s.gaps += 1
                s.lost_packets += event.lost_packets
            case SensorStatusEvent():
                s = self.sensor(event.sensor)
                s.foot = event.foot
                if event.status != "decode_error":
                    s.status = event.status
            case _:
                pass
        if payload is None:
            return
        if isinstance(event, StrideEvent | LandingEvent):
            self.recent.append(payload)
            while self.recent and self.recent[0]["t_s"] < self.t_s - WINDOW_S:
                self.recent.popleft()
        elif is_alert(event):
            self.alerts_total += 1
            self.alerts.append(payload)

    def _stride(self, s: StrideEvent) -> None:
        foot = self.feet.setdefault(s.foot, _Foot())
        foot.last_direction = s.direction
        foot.cadence_spm = round(s.cadence_spm, 1)
        self.sensor(s.sensor).foot = s.foot
        if s.uncertain:
            return
        foot.strides += 1
        foot.contact_s.append(s.contact_time_s)
        foot.length_m.append(s.stride_length_m)
        foot.speed_m_s.append(s.speed_m_s)
        self.strides += 1
        self.strike[s.foot_strike] = self.strike.get(s.foot_strike, 0) + 1
        if s.direction == "backward":
            self.backward += 1
            foot.backward_m += s.stride_length_m
            self.strike_backward[s.foot_strike] = self.strike_backward.get(s.foot_strike, 0) + 1

    def backward_distance_m(self) -> float:
        feet = [f for f in self.feet.values() if f.strides]
        return sum(f.backward_m for f in feet) / len(feet) if feet else 0.0

    def set_battery(self, sensor: str, pct: float) -> None:
        self.sensor(sensor).battery_pct = pct

    def figures(self) -> dict[str, Any]:
        """The big numbers (JSON-ready; None where not known yet)."""
        def share(counts: dict[str, int], key: str) -> float | None:
            n = sum(counts.values())
            return round(counts.get(key, 0) / n, 3) if n else None

        cadence = self.cadence_spm
        if cadence is None:
            values = [f.cadence_spm for f in self.feet.values() if f.cadence_spm]
            if not values:  # a trunk sensor alone (a chest strap): its cadence
                values = [t.cadence_spm for t in self.trunk.values() if t.cadence_spm]
            cadence = round(sum(values) / len(values), 1) if values else None
        return {
            "t_s": round(self.t_s, 2),
            "cadence_spm": cadence,
            "backward_share_window": self.window_backward_share,
            "backward_share": round(self.backward / self.strides, 3) if self.strides else None,
            "forefoot_share_backward": share(self.strike_backward, "forefoot"),
            "forefoot_share": share(self.strike, "forefoot"),
            "rearfoot_share_backward": share(self.strike_backward, "rearfoot"),
            "strides": self.strides,
            "backward_strides": self.backward,
            "backward_distance_m": round(self.backward_distance_m(), 1),
            "balance_left_pct": self.balance_left_pct,
            "activity": self.activity,
            "alerts_total": self.alerts_total,
            "feet": {k: f.to_dict() for k, f in sorted(self.feet.items())},
            "trunk": {k: t.to_dict() for k, t in sorted(self.trunk.items())},
            "sensors": {k: vars(s).copy() for k, s in sorted(self.sensors.items())},
        }

    def snapshot(self) -> dict[str, Any]:
        """Everything a page needs to draw this athlete from scratch."""
        return {"figures": self.figures(), "recent": list(self.recent),
                "alerts": list(self.alerts)}
