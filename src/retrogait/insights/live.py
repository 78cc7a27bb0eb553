"""Terminal live view for ``retrogait run`` / ``replay``: one block redrawn in place.

Per sensor: connection state, time since its last data, battery and signal where the daemon
knows them (:meth:`LiveView.update_sensor`), strides, last landing; overall: current cadence,
backward share (recent window and session), recent warnings. On a terminal the block is redrawn
at most ``refresh_s`` of wall time; on a pipe or file a plain line is written every
``line_every_s`` of stream time instead (no escape codes).

:func:`render` is pure (state in, lines out), so it is tested without a terminal.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TextIO

from retrogait.events import (
    CadenceEvent,
    Event,
    FallEvent,
    GapEvent,
    LandingEvent,
    PostureEvent,
    RecoveredEvent,
    SensorStatusEvent,
    StrideEvent,
    TrunkStepEvent,
)
from retrogait.sink import Sink
from retrogait.sources.base import ConnectionChange, DecodedSamples, Notification, SourceItem

STALE_S = 2.0
"""A connected sensor without data for this long is shown as stale, s."""


@dataclass
class SensorLive:
    sensor: str
    foot: str = "unknown"
    state: str = "waiting"
    last_data_t: float | None = None
    battery_pct: float | None = None
    rssi_dbm: float | None = None
    strides: int = 0
    last_strike: str | None = None
    last_angle_deg: float | None = None
    last_direction: str | None = None
    last_cadence_spm: float | None = None
    trunk: TrunkStepEvent | None = None  # last step of a trunk sensor


@dataclass
class LiveState:
    t: float = 0.0
    sensors: dict[str, SensorLive] = field(default_factory=dict)
    cadence_spm: float | None = None
    window_backward_share: float | None = None
    strides: int = 0
    backward: int = 0
    warnings: deque[str] = field(default_factory=lambda: deque(maxlen=4))

    def sensor(self, sid: str) -> SensorLive:
        return self.sensors.setdefault(sid, SensorLive(sid))

    def update(self, event: Event) -> None:
        self.t = max(self.t, event.t_s)
        match event:
            case StrideEvent():
                s = self.sensor(event.sensor)
                s.foot = event.foot
                s.strides += 1
                s.last_direction = event.direction
                s.last_cadence_spm = event.cadence_spm
                if not event.uncertain:
                    self.strides += 1
                    self.backward += event.direction == "backward"
            case LandingEvent():
                s = self.sensor(event.sensor)
                s.foot = event.foot
                s.last_strike = event.foot_strike
                s.last_angle_deg = event.strike_angle_deg
            case CadenceEvent():
                self.cadence_spm = event.steps_per_min
                self.window_backward_share = event.backward_share
            case GapEvent():
                self.warnings.append(
                    f"{event.t_s:7.1f}s {event.sensor}: data gap {event.end_s - event.start_s:.1f}"
                    f" s ({event.lost_packets} packets lost)"
                )
            case FallEvent():
                self.warnings.append(f"{event.t_s:7.1f}s {event.sensor}: PROBABLE FALL")
            case RecoveredEvent():
                self.warnings.append(f"{event.t_s:7.1f}s {event.sensor}: moving again")
            case TrunkStepEvent():
                s = self.sensor(event.sensor)
                s.foot = "trunk"
                s.trunk = event
                s.last_direction = event.direction
                s.last_cadence_spm = event.cadence_spm
            case PostureEvent():
                self.warnings.append(
                    f"{event.t_s:7.1f}s {event.sensor}: "
                    + (f"LEANING BACK {event.pitch_deg:+.0f}° (limit {event.limit_deg:+.0f}°)"
                       if event.state == "lean_back" else "upright again"))
            case SensorStatusEvent():
                s = self.sensor(event.sensor)
                if event.status == "decode_error":
                    self.warnings.append(f"{event.t_s:7.1f}s {event.sensor}: decode error "
                                         f"{event.detail}".rstrip())
                else:
                    s.state = event.status
                    if event.status in ("disconnected", "failed", "gave_up"):
                        self.warnings.append(f"{event.t_s:7.1f}s {event.sensor}: {event.status}")
            case _:
                pass

    def current_cadence(self) -> float | None:
        """The fused cadence when the pipeline emits one, else the last stride's."""
        if self.cadence_spm is not None:
            return self.cadence_spm
        values = [s.last_cadence_spm for s in self.sensors.values() if s.last_cadence_spm]
        return sum(values) / len(values) if values else None


def _fmt(v: float | None, fmt: str, unit: str = "") -> str:
    return "-" if v is None else f"{v:{fmt}}{unit}"


def render(state: LiveState) -> list[str]:
    """The live block as lines (no escape codes)."""
    share = state.backward / state.strides if state.strides else None
    lines = [
        f"retrogait live  t={state.t:7.1f} s   cadence {_fmt(state.current_cadence(), '5.1f')}"
        f" steps/min   backward {_fmt(None if share is None else share * 100, '3.0f', ' %')}"
        f" of {state.strides} strides"
        + (f" (now {state.window_backward_share * 100:3.0f} %)"
           if state.window_backward_share is not None else ""),
    ]
    for sid in sorted(state.sensors):
        s = state.sensors[sid]
        state_txt = s.state
        if s.state in ("connected", "reconnected", "streaming") and s.last_data_t is not None \
                and state.t - s.last_data_t > STALE_S:
            state_txt = f"stale {state.t - s.last_data_t:.0f}s"
        extra = []
        if s.battery_pct is not None:
            extra.append(f"bat {s.battery_pct:.0f} %")
        if s.rssi_dbm is not None:
            extra.append(f"{s.rssi_dbm:.0f} dBm")
        landing = (
            f"{s.last_strike} {s.last_angle_deg:+.0f}°" if s.last_strike and
            s.last_angle_deg is not None else "-"
        )
        if s.trunk is not None:
            tr = s.trunk
            lines.append(
                f"  {sid:<10.10} {'trunk':<7} {state_txt:<12.12} {' '.join(extra):<16} "
                f"cadence {tr.cadence_spm:5.1f}  lean {tr.pitch_deg:+5.1f}°  "
                f"oscillation {tr.vertical_oscillation_cm:4.1f} cm  {tr.direction}")
            continue
        lines.append(
            f"  {sid:<10.10} {s.foot:<7} {state_txt:<12.12} {' '.join(extra):<16} "
            f"strides {s.strides:>5}  last {s.last_direction or '-':<8} landing {landing}"
        )
    for w in state.warnings:
        lines.append(f"  ! {w}")
    return lines


class LiveView(Sink):
    """The live block as a sink; put it in place of the console sink's event lines."""

    def __init__(
        self,
        out: TextIO | None = None,
        tty: bool | None = None,
        refresh_s: float = 0.25,
        line_every_s: float = 10.0,
    ) -> None:
        self.out = out or sys.stdout
        self.tty = self.out.isatty() if tty is None else tty
        self.refresh_s = refresh_s
        self.line_every_s = line_every_s
        self.state = LiveState()
        self._drawn = 0
        self._last_wall = 0.0
        self._next_line_t = 0.0

    def update_sensor(
        self, sensor: str, battery_pct: float | None = None, rssi_dbm: float | None = None
    ) -> None:
        """Battery (%) and signal strength (dBm) from the acquisition side, where known."""
        s = self.state.sensor(sensor)
        if battery_pct is not None:
            s.battery_pct = battery_pct
        if rssi_dbm is not None:
            s.rssi_dbm = rssi_dbm

    async def observe(self, item: SourceItem) -> None:
        self.state.t = max(self.state.t, item.t)
        if isinstance(item, ConnectionChange):
            self.state.sensor(item.sensor).state = item.event
        elif isinstance(item, Notification | DecodedSamples):
            s = self.state.sensor(item.sensor)
            s.last_data_t = item.t
            if s.state == "waiting":
                s.state = "streaming"
        self._maybe_draw()

    async def emit(self, event: Event) -> None:
        self.state.update(event)
        self._maybe_draw()

    def _maybe_draw(self) -> None:
        if self.tty:
            now = time.monotonic()
            if now - self._last_wall >= self.refresh_s:
                self._last_wall = now
                self.draw()
        elif self.state.t >= self._next_line_t:
            self._next_line_t = self.state.t + self.line_every_s
            self.out.write(render(self.state)[0] + "\n")
            self.out.flush()

    def draw(self) -> None:
        lines = render(self.state)
        buf = []
        if self._drawn:
            buf.append(f"\x1b[{self._drawn}F")  # to the start of the block
        for line in lines:
            buf.append("\x1b[2K" + line + "\n")
        for _ in range(self._drawn - len(lines)):  # the block shrank: clear what is left
            buf.append("\x1b[2K\n")
        self._drawn = max(self._drawn, len(lines))
        self.out.write("".join(buf))
        self.out.flush()

    async def close(self) -> None:
        if self.tty:
            self.draw()
        else:
            self.out.write("\n".join(render(self.state)) + "\n")
            self.out.flush()
