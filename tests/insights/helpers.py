"""Constructed event streams with known figures for the insights tests."""

from __future__ import annotations

from retrogait.events import Direction, Foot, FootStrike, StrideEvent


def stride(
    sensor: str,
    foot: Foot,
    start_s: float,
    stride_time_s: float,
    contact_time_s: float,
    length_m: float,
    direction: Direction,
    strike: FootStrike,
    angle_deg: float,
    uncertain: bool = False,
) -> StrideEvent:
    """A consistent stride: speed = length / time, cadence = 120 / stride time (steps/min)."""
    end = start_s + stride_time_s
    sign = -1.0 if direction == "backward" else 1.0
    return StrideEvent(
        t_s=end,
        emitted_at_s=end + 0.1,
        sensor=sensor,
        foot=foot,
        start_s=start_s,
        toe_off_s=start_s + contact_time_s,
        end_s=end,
        stride_time_s=stride_time_s,
        contact_time_s=contact_time_s,
        swing_time_s=stride_time_s - contact_time_s,
        direction=direction,
        displacement_toe_m=sign * length_m,
        stride_length_m=length_m,
        speed_m_s=length_m / stride_time_s,
        cadence_spm=120.0 / stride_time_s,
        foot_strike=strike,
        strike_angle_deg=angle_deg,
        uncertain=uncertain,
    )


def run_of(
    sensor: str,
    foot: Foot,
    t0: float,
    n: int,
    stride_time_s: float,
    contact_time_s: float,
    length_m: float,
    direction: Direction,
    strike: FootStrike,
    angle_deg: float,
) -> list[StrideEvent]:
    return [
        stride(sensor, foot, t0 + i * stride_time_s, stride_time_s, contact_time_s, length_m,
               direction, strike, angle_deg)
        for i in range(n)
    ]
