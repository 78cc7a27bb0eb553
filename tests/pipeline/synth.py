"""Constructed foot-IMU signals with exactly known events, for unit tests of the pipeline.

A forward stride: stance (flat, still) → push-off (toes rotate down by ``toe_off_deg``, the
rate rising to its peak at toe-off, as measured on the real gaitmap walk) → swing (foot travels
``length_m`` along its toe axis, lifts ``lift_m``, rotates to ``strike_deg`` toes-up; the
rotation reverses at once, an idealisation in which the peak and the zero crossing of the pitch
rate coincide at toe-off) → foot slap (back to flat). Toe-off = start of the swing, landing =
end of the swing. A backward stride sequence is the exact time reversal (acc'(t)=acc(T−t),
gyr'(t)=−gyr(T−t)), so landings and toe-offs swap roles as in real backward gait.
Frames: foot frame (x toes, y left, z up); the sensor is mounted with the identity mounting
unless a rotation is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

G = 9.80665


@dataclass
class Synth:
    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    landings: list[float] = field(default_factory=list)
    toe_offs: list[float] = field(default_factory=list)
    strike_deg: list[float] = field(default_factory=list)


def _cos_ramp(u: np.ndarray) -> np.ndarray:
    """0 → 1 with a steep start and end (rate ∝ sin(πu)^0.3), like real pitch-rate lobes."""
    n = u.shape[0]
    uu = (np.arange(n) + 0.5) / n
    rate = np.sin(np.pi * uu) ** 0.3
    out = np.concatenate(([0.0], np.cumsum(rate)))[:-1]
    return out / rate.sum()


def forward_walk(
    n_strides: int = 8, rate: float = 200.0, stance_s: float = 0.35, push_s: float = 0.15,
    swing_s: float = 0.40, slap_s: float = 0.08, length_m: float = 1.2, lift_m: float = 0.12,
    toe_off_deg: float = 50.0, strike_deg: float = 20.0, still_s: float = 2.0,
    noise: float = 0.0, seed: int = 0, tapping: bool = False,
) -> Synth:
    """Foot-frame samples of ``n_strides`` forward strides between still periods.

    ``tapping=True`` keeps every rotation but removes the travel and lift (a tapping foot).
    """
    dt = 1.0 / rate
    pieces_theta: list[np.ndarray] = []
    pieces_x: list[np.ndarray] = []
    pieces_z: list[np.ndarray] = []
    landings, toe_offs = [], []
    x0 = 0.0
    t_now = 0.0

    def add(theta: np.ndarray, x: np.ndarray, z: np.ndarray) -> None:
        nonlocal t_now
        pieces_theta.append(theta)
        pieces_x.append(x)
        pieces_z.append(z)
        t_now += theta.shape[0] * dt

    def seg(sec: float) -> np.ndarray:
        n = round(sec * rate)
        return np.arange(n) / n

    u = seg(still_s)
    add(np.zeros_like(u), np.full_like(u, x0), np.zeros_like(u))
    for k in range(n_strides):
        if k:
            u = seg(stance_s)
            add(np.zeros_like(u), np.full_like(u, x0), np.zeros_like(u))
        u = seg(push_s)
        add(-toe_off_deg * u**2, np.full_like(u, x0), np.zeros_like(u))
        toe_offs.append(t_now)
        u = seg(swing_s)
        d = 0.0 if tapping else length_m
        h = 0.0 if tapping else lift_m
        add(-toe_off_deg + (toe_off_deg + strike_deg) * _cos_ramp(u),
            x0 + d * (u - np.sin(2 * np.pi * u) / (2 * np.pi)), h * (1 - np.cos(2 * np.pi * u)) / 2)
        x0 += d
        landings.append(t_now)
        u = seg(slap_s)
        add(strike_deg * (1 - _cos_ramp(u)), np.full_like(u, x0), np.zeros_like(u))
    u = seg(still_s)
    add(np.zeros_like(u), np.full_like(u, x0), np.zeros_like(u))
    theta = np.deg2rad(np.concatenate(pieces_theta))
    x = np.concatenate(pieces_x)
    z = np.concatenate(pieces_z)
    t = np.arange(theta.shape[0]) * dt
    # derivatives by central differences of the analytic samples (accurate to O(dt²))
    ax = np.gradient(np.gradient(x, dt), dt)
    az = np.gradient(np.gradient(z, dt), dt)
    phi = -theta  # rotation about +y; toe-up pitch = -phi
    wy = np.gradient(phi, dt)
    # specific force in world, rotated into the foot frame: f_foot = R(phi)^T f_world
    fx_w, fz_w = ax, az + G
    c, s = np.cos(phi), np.sin(phi)
    acc = np.column_stack([c * fx_w - s * fz_w, np.zeros_like(t), s * fx_w + c * fz_w])
    gyr = np.column_stack([np.zeros_like(t), np.rad2deg(wy), np.zeros_like(t)])
    if noise:
        rng = np.random.default_rng(seed)
        acc += rng.normal(0, 0.05 * noise, acc.shape)
        gyr += rng.normal(0, 0.5 * noise, gyr.shape)
    return Synth(t=t, acc=acc, gyr=gyr, landings=landings, toe_offs=toe_offs,
                 strike_deg=[strike_deg] * len(landings))


def time_reversed(s: Synth) -> Synth:
    """The backward-gait proxy of a recording: landings are the reversed toe-offs."""
    big_t = float(s.t[-1])
    return Synth(
        t=big_t - s.t[::-1], acc=s.acc[::-1].copy(), gyr=-s.gyr[::-1].copy(),
        landings=sorted(big_t - x for x in s.toe_offs),
        toe_offs=sorted(big_t - x for x in s.landings),
        strike_deg=[],
    )
