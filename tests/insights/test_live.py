"""The live view: what it shows for a constructed stream, on a terminal and on a pipe."""

from __future__ import annotations

import io

from retrogait.events import CadenceEvent, FallEvent, GapEvent, LandingEvent, SensorStatusEvent
from retrogait.insights.live import LiveState, LiveView, render
from retrogait.sources.base import ConnectionChange, Notification

from .helpers import run_of


async def feed(view: LiveView) -> None:
    await view.observe(ConnectionChange(t=0.0, sensor="left", event="connected"))
    await view.observe(ConnectionChange(t=0.0, sensor="right", event="connected"))
    for t in (0.5, 1.0, 9.0):
        await view.observe(Notification(t=t, sensor="left", char="x", payload=b""))
    await view.observe(Notification(t=1.0, sensor="right", char="x", payload=b""))
    view.update_sensor("left", battery_pct=81, rssi_dbm=-67)
    for s in run_of("left", "left", 0.0, 3, 0.8, 0.2, 1.6, "backward", "forefoot", -8.0):
        await view.emit(s)
    await view.emit(run_of("left", "left", 2.4, 1, 0.8, 0.2, 1.6, "forward", "rearfoot",
                           9.0)[0])
    await view.emit(LandingEvent(t_s=3.2, emitted_at_s=3.3, sensor="left", foot="left",
                                 foot_strike="forefoot", strike_angle_deg=-11.0))
    await view.emit(CadenceEvent(t_s=3.2, emitted_at_s=3.3, steps_per_min=172.0, window_s=10,
                                 steps_in_window=20, backward_share=0.6))
    await view.emit(GapEvent(t_s=4.0, emitted_at_s=4.0, sensor="right", foot="right",
                             start_s=3.0, end_s=4.0, lost_packets=7))
    await view.emit(SensorStatusEvent(t_s=5.0, emitted_at_s=5.0, sensor="right", foot="right",
                                      status="disconnected"))
    await view.emit(FallEvent(t_s=6.0, emitted_at_s=6.0, sensor="left", peak_acc_m_s2=90.0))


async def test_render_shows_what_a_runner_needs() -> None:
    view = LiveView(out=io.StringIO(), tty=False, line_every_s=1e9)
    await feed(view)
    lines = render(view.state)
    head = lines[0]
    assert "cadence 172.0 steps/min" in head
    assert "backward  75 % of 4 strides" in head and "(now  60 %)" in head
    left = next(line for line in lines if line.startswith("  left"))
    assert "connected" in left and "bat 81 %" in left and "-67 dBm" in left
    assert "strides     4" in left and "last forward" in left and "forefoot -11°" in left
    right = next(line for line in lines if line.startswith("  right"))
    assert "disconnected" in right
    warnings = [line for line in lines if line.startswith("  !")]
    assert len(warnings) == 3
    assert "data gap 1.0 s (7 packets lost)" in warnings[0] and "FALL" in warnings[2]


async def test_stale_sensor_is_flagged() -> None:
    state = LiveState()
    s = state.sensor("left")
    s.state, s.last_data_t = "connected", 1.0
    state.t = 5.0
    assert "stale 4s" in render(state)[1]


async def test_terminal_redraws_in_place_and_pipe_gets_plain_lines() -> None:
    tty_out = io.StringIO()
    view = LiveView(out=tty_out, tty=True, refresh_s=0.0)
    await feed(view)
    await view.close()
    text = tty_out.getvalue()
    assert "\x1b[2K" in text and "\x1b[" in text and "F" in text
    pipe_out = io.StringIO()
    view = LiveView(out=pipe_out, tty=False, line_every_s=2.0)
    await feed(view)
    await view.close()
    text = pipe_out.getvalue()
    assert "\x1b" not in text
    assert text.count("retrogait live") >= 2  # periodic lines plus the final block
