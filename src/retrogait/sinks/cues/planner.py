"""Which cue to give when (pure: events in, cues out; no sound, no I/O).

Rules (``docs/cues.md``; numbers in :class:`CueSettings`):

- ``rearfoot``: a landing classed rearfoot while that foot runs backward (its last stride was
  backward): the heel touched first where the toes should;
- ``contact_high`` / ``contact_low`` / ``cadence_high`` / ``cadence_low``: the last
  ``band_strides`` certain strides in a row were all outside the configured band on that side
  (contact time: per stride; cadence: per stride, both feet in stride order);
- ``summary``: every ``summary_every_s`` of session time or every ``summary_every_strides``
  backward strides, spoken: cadence, forefoot share of backward landings, backward distance;
- ``metronome``: the target cadence given, or ``auto``: the median cadence of the certain
  strides of the first ``auto_metronome_s`` after the first stride;
- ``fall``: a fall event; ``posture``: any event whose kind contains "posture"; ``sensor_lost``:
  a sensor disconnected, failed or gave up.

Each kind has a shortest interval between two cues (``min_interval_s``): a cue that comes sooner
is dropped and counted, so cues never pile up. Cues are stamped with the stream time at which the
pipeline decided them (``emitted_at_s`` of their event): where a live cue starts.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from retrogait.events import (
    STOPPED_DETAIL,
    CadenceEvent,
    Event,
    FallEvent,
    LandingEvent,
    SensorStatusEvent,
    StrideEvent,
)
from retrogait.sinks.web.figures import AthleteFigures

CueKind = Literal["rearfoot", "contact_high", "contact_low", "cadence_high", "cadence_low",
                  "summary", "fall", "posture", "sensor_lost", "metronome"]


class CueSettings(BaseModel):
    """The ``[cues]`` table of ``retrogait.toml`` (``--cues`` options override it)."""

    model_config = ConfigDict(extra="forbid")

    metronome_spm: float | Literal["auto"] | None = Field(
        default=None, description="metronome at this cadence, steps/min; 'auto': the runner's "
        "median of the first minute; None: off")
    auto_metronome_s: float = Field(default=60.0, gt=0, description="span of 'auto', s")
    rearfoot: bool = Field(default=True, description="cue a rearfoot landing when running "
                           "backward")
    contact_band_ms: tuple[float, float] | None = Field(
        default=None, description="contact time band, ms (e.g. [180, 300]); None: off")
    cadence_band_spm: tuple[float, float] | None = Field(
        default=None, description="cadence band, steps/min (e.g. [160, 190]); None: off")
    band_strides: int = Field(default=4, ge=1, description="strides in a row outside the band "
                              "before a band cue")
    summary_every_s: float | None = Field(default=300.0, gt=0, description="spoken summary "
                                          "every this many s of session; None: off")
    summary_every_strides: int | None = Field(default=None, gt=0, description="spoken summary "
                                              "every this many backward strides; None: off")
    min_interval_s: dict[str, float] = Field(
        default_factory=lambda: {"rearfoot": 1.0, "contact_high": 10.0, "contact_low": 10.0,
                                 "cadence_high": 10.0, "cadence_low": 10.0, "summary": 20.0,
                                 "fall": 5.0, "posture": 10.0, "sensor_lost": 5.0},
        description="shortest time between two cues of one kind, s (sooner ones are dropped)")
    volume: float = Field(default=0.6, gt=0, le=1, description="peak level of the cues, 0..1")

    @field_validator("contact_band_ms", "cadence_band_spm")
    @classmethod
    def _band(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not 0 < v[0] < v[1]:
            raise ValueError("a band is [low, high] with 0 < low < high")
        return v


@dataclass(frozen=True)
class Cue:
    """One cue: ``kind`` at stream time ``t_s`` (s); ``text`` to speak (summary, sensor lost);
    ``trigger``: the event that caused it (kind, t_s, emitted_at_s), None for timers."""

    kind: CueKind
    t_s: float
    text: str = ""
    trigger: dict[str, Any] | None = None
    value: float | None = None
    """metronome: the cadence it is set to, steps/min"""


@dataclass
class _Band:
    run: int = 0
    side: str = ""


@dataclass
class CuePlanner:
    """Cues from one athlete's events, in stream order."""

    settings: CueSettings = field(default_factory=CueSettings)
    figures: AthleteFigures = field(default_factory=AthleteFigures)
    dropped: dict[str, int] = field(default_factory=dict)
    given: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._last: dict[str, float] = {}
        self._direction: dict[str, str] = {}
        self._bands = {"contact": _Band(), "cadence": _Band()}
        self._first_stride_t: float | None = None
        self._auto: list[float] = []
        self._metronome_set = False
        self._next_summary_t: float | None = None
        self._next_summary_strides = self.settings.summary_every_strides
        self.t_s = 0.0

    # ---- input
    def start(self, t_s: float = 0.0) -> list[Cue]:
        """The session starts at stream time ``t_s``: a fixed metronome starts now."""
        m = self.settings.metronome_spm
        if isinstance(m, int | float) and not self._metronome_set:
            self._metronome_set = True
            return [Cue("metronome", t_s, value=float(m))]
        return []

    def clock(self, t_s: float) -> list[Cue]:
        """Stream time moved on to ``t_s`` (every source item): timed summaries."""
        self.t_s = max(self.t_s, t_s)
        every = self.settings.summary_every_s
        if every is None or self._first_stride_t is None:
            return []
        if self._next_summary_t is None:
            self._next_summary_t = self._first_stride_t + every
        if t_s >= self._next_summary_t:
            self._next_summary_t += every * max(1, int((t_s - self._next_summary_t) // every) + 1)
            return self._give(Cue("summary", t_s, text=self.summary_text()))
        return []

    def add(self, event: Event) -> list[Cue]:
        """One event; the cues it causes."""
        self.figures.add(event)
        t = event.emitted_at_s
        self.t_s = max(self.t_s, t)
        trig = {"kind": event.kind, "t_s": event.t_s, "emitted_at_s": event.emitted_at_s,
                "sensor": getattr(event, "sensor", None)}
        s = self.settings
        cues: list[Cue] = []
        match event:
            case LandingEvent():
                if s.rearfoot and event.foot_strike == "rearfoot" and \
                        self._direction.get(event.sensor) == "backward":
                    cues += self._give(Cue("rearfoot", t, trigger=trig))
            case StrideEvent():
                self._direction[event.sensor] = event.direction
                if not event.uncertain:
                    cues += self._stride(event, t, trig)
            case FallEvent():
                cues += self._give(Cue("fall", t, text="fall", trigger=trig))
            case SensorStatusEvent():
                if event.status in ("disconnected", "failed", "gave_up") and \
                        event.detail != STOPPED_DETAIL:
                    who = event.foot if event.foot != "unknown" else event.sensor
                    cues += self._give(Cue("sensor_lost", t, text=f"{who} sensor lost",
                                           trigger=trig))
            case CadenceEvent():
                pass
            case _:
                if "posture" in str(getattr(event, "kind", "")) and \
                        getattr(event, "state", None) != "upright":
                    cues += self._give(Cue("posture", t, text="posture", trigger=trig))
        return cues

    # ---- rules
    def _stride(self, e: StrideEvent, t: float, trig: dict[str, Any]) -> list[Cue]:
        s = self.settings
        cues: list[Cue] = []
        if self._first_stride_t is None:
            self._first_stride_t = e.t_s
        if s.metronome_spm == "auto" and not self._metronome_set:
            if e.t_s <= self._first_stride_t + s.auto_metronome_s:
                self._auto.append(e.cadence_spm)
            elif self._auto:
                self._metronome_set = True
                spm = round(statistics.median(self._auto), 1)
                cues.append(Cue("metronome", t, value=spm, trigger=trig))
        if s.contact_band_ms is not None:
            cues += self._band("contact", e.contact_time_s * 1000.0, s.contact_band_ms, t, trig)
        if s.cadence_band_spm is not None:
            cues += self._band("cadence", e.cadence_spm, s.cadence_band_spm, t, trig)
        if e.direction == "backward" and self._next_summary_strides is not None and \
                self.figures.backward >= self._next_summary_strides:
            self._next_summary_strides += s.summary_every_strides or 0
            cues += self._give(Cue("summary", t, text=self.summary_text(), trigger=trig))
        return cues

    def _band(self, name: str, value: float, band: tuple[float, float], t: float,
              trig: dict[str, Any]) -> list[Cue]:
        b = self._bands[name]
        side = "high" if value > band[1] else "low" if value < band[0] else ""
        if not side:
            b.run, b.side = 0, ""
            return []
        b.run = b.run + 1 if side == b.side else 1
        b.side = side
        if b.run < self.settings.band_strides:
            return []
        b.run = 0  # the next cue needs another run of strides (and the kind's interval)
        kind: CueKind = f"{name}_{side}"  # type: ignore[assignment]
        return self._give(Cue(kind, t, trigger=trig))

    def _give(self, cue: Cue) -> list[Cue]:
        gap = self.settings.min_interval_s.get(cue.kind, 0.0)
        last = self._last.get(cue.kind)
        if last is not None and cue.t_s - last < gap:
            self.dropped[cue.kind] = self.dropped.get(cue.kind, 0) + 1
            return []
        self._last[cue.kind] = cue.t_s
        self.given[cue.kind] = self.given.get(cue.kind, 0) + 1
        return [cue]

    def summary_text(self) -> str:
        f = self.figures.figures()
        parts = []
        if f["cadence_spm"] is not None:
            parts.append(f"cadence {f['cadence_spm']:.0f}")
        if f["forefoot_share_backward"] is not None:
            parts.append(f"forefoot {100 * f['forefoot_share_backward']:.0f} percent")
        parts.append(f"backward {f['backward_distance_m']:.0f} metres")
        return ". ".join(parts) + "."
