"""Terminal output: one line per notable event, and a progress bar for fast replays."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from retrogait.events import (
    ActivityEvent,
    CadenceEvent,
    Event,
    FallEvent,
    GapEvent,
    LandingEvent,
    PostureEvent,
    RecoveredEvent,
    SensorStatusEvent,
    StepEvent,
    StrideEvent,
    TrunkStepEvent,
)
from retrogait.sink import Sink
from retrogait.sources.base import SourceItem


def format_event(event: Event) -> str | None:
    """A short human line for an event, or None for events not worth a line."""
    t = f"{event.t_s:8.2f}s"
    match event:
        case StrideEvent():
            flag = " (uncertain)" if event.uncertain else ""
            return (
                f"{t} {event.sensor:>6} stride {event.direction:<8} "
                f"{event.stride_length_m:5.2f} m {event.speed_m_s:4.2f} m/s "
                f"contact {event.contact_time_s * 1000:4.0f} ms {event.foot_strike}"
                f" ({event.strike_angle_deg:+.0f}°){flag}"
            )
        case LandingEvent():
            return None  # the stride line carries the landing
        case CadenceEvent():
            return (
                f"{t}        cadence {event.steps_per_min:5.1f} steps/min, "
                f"backward {event.backward_share * 100:3.0f} %"
            )
        case ActivityEvent():
            return f"{t} {event.sensor:>6} activity {event.activity}"
        case GapEvent():
            return (
                f"{t} {event.sensor:>6} data gap {event.end_s - event.start_s:.2f} s "
                f"({event.lost_packets} packets lost)"
            )
        case FallEvent():
            tilt = "" if event.tilt_deg is None else f", {event.tilt_deg:.0f}° from upright"
            return (f"{t} {event.sensor:>6} FALL? peak {event.peak_acc_m_s2:.0f} m/s²{tilt} "
                    f"({event.evidence}: {', '.join(event.sensors)})")
        case TrunkStepEvent():
            return (f"{t} {event.sensor:>6} step {event.cadence_spm:5.1f} steps/min, lean "
                    f"{event.pitch_deg:+5.1f}°, oscillation {event.vertical_oscillation_cm:4.1f}"
                    f" cm, {event.direction}")
        case PostureEvent():
            if event.state == "lean_back":
                return (f"{t} {event.sensor:>6} LEANING BACK {event.pitch_deg:+.0f}° "
                        f"(limit {event.limit_deg:+.0f}°, upright {event.baseline_deg:+.0f}°)")
            return f"{t} {event.sensor:>6} upright again ({event.pitch_deg:+.0f}°)"
        case RecoveredEvent():
            return f"{t} {event.sensor:>6} moving again after the fall at {event.fall_t_s:.1f} s"
        case SensorStatusEvent():
            return f"{t} {event.sensor:>6} {event.status} {event.detail}".rstrip()
        case StepEvent():
            return None
    return None


class ConsoleSink(Sink):
    """Prints event lines to ``out``; with ``total_s`` set, a progress bar on ``err``."""

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        total_s: float | None = None,
        show_events: bool = True,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.total_s = total_s
        self.show_events = show_events and total_s is None
        self._last_draw = 0.0
        self._t = 0.0
        self.counts: dict[str, int] = {}

    async def observe(self, item: SourceItem) -> None:
        self._t = item.t
        if self.total_s and time.monotonic() - self._last_draw > 0.1:
            self._draw()

    def _draw(self) -> None:
        assert self.total_s
        frac = min(1.0, max(0.0, self._t / self.total_s))
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        strides = self.counts.get("stride", 0)
        self.err.write(f"\r[{bar}] {frac * 100:5.1f} %  {self._t:7.1f} s  {strides} strides")
        self.err.flush()
        self._last_draw = time.monotonic()

    async def emit(self, event: Event) -> None:
        self.counts[event.kind] = self.counts.get(event.kind, 0) + 1
        if self.show_events:
            line = format_event(event)
            if line:
                self.out.write(line + "\n")
                self.out.flush()

    async def close(self) -> None:
        if self.total_s:
            self._t = self.total_s
            self._draw()
            self.err.write("\n")
        summary = ", ".join(f"{v} {k}" for k, v in sorted(self.counts.items())) or "no events"
        self.out.write(f"events: {summary}\n")
        self.out.flush()
