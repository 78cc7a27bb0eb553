"""The randomised simulator family (``retrogait simulate --randomize --seed N``).

One seed draws one session: a gait (walk/run × forward/backward) with kinematics drawn widely
and independently of the named styles' defaults (late-swing rotation, pitch rate at contact,
impact amplitude and duration, shoe ringing, rocker radii, stride and contact times, strike and
take-off angles), a sensor (profile and rate 50–400 Hz), its mounting and errors (misalignment up
to 30°, noise, bias, clipping range) and the BLE link. Every drawn value is written into the
truth's ``notes`` (key ``randomized``), so a failing seed is reproduced by the seed alone.

Ranges are in :data:`RANGES` (the one home of these numbers; ``docs/simulator.md`` lists them).
A draw whose kinematics are not physically consistent (a sole point below the ground, or a
contact before the planned landing) is redrawn from ``SeedSequence([seed, attempt])``; the
attempt is recorded too. Purpose: a validation source for event detection that no rule was
tuned on (``tools/eval_robustness.py``).
"""

from __future__ import annotations

import json
import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from retrogait.decoders import encoder_for
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.profiles import find_profile
from retrogait.simulate.gait import (
    FEET,
    GaitPlan,
    GaitStyle,
    Locomotion,
    Segment,
    Still,
    plan_gait,
)
from retrogait.simulate.ground_truth import SensorSpan, build_truth
from retrogait.simulate.imu import ImuErrors, make_placement, simulate_imu
from retrogait.simulate.simulator import SimConfig, SimulatedSensor, Simulation, sensor_notes
from retrogait.simulate.trajectory import sole_points
from retrogait.simulate.writer import BleLinkModel, ClockModel, packet_arrivals

RANGES: dict[str, tuple[float, float]] = {
    # kinematics; angles deg (+ = toes up), times s, lengths m
    "step_length_walk_m": (0.35, 0.85),
    "step_length_run_m": (0.70, 1.70),
    "backward_length_factor": (0.55, 0.85),
    "cadence_walk_spm": (80.0, 130.0),
    "cadence_run_spm": (140.0, 200.0),
    "duty_walk": (0.55, 0.72),  # contact time / stride time
    "duty_run": (0.22, 0.42),
    "strike_forward_deg": (-20.0, 30.0),
    "strike_backward_deg": (-30.0, 15.0),
    "strike_sd_deg": (0.5, 3.0),
    "toe_off_forward_deg": (-70.0, -20.0),
    "toe_off_backward_deg": (5.0, 40.0),
    "toe_off_rate_factor": (0.3, 2.0),
    "land_rocker_frac": (0.08, 0.35),
    "dep_rocker_frac": (0.25, 0.45),
    "clearance_walk_m": (0.03, 0.10),
    "clearance_run_m": (0.08, 0.25),
    "late_swing_s": (0.02, 0.15),
    "late_swing_deg": (-25.0, 25.0),
    "late_swing_mean_rate_dps": (0.0, 600.0),  # |late_swing_deg| / late_swing_s at most this
    "touchdown_rate_factor": (0.0, 2.0),  # rate at contact / mean late-swing rate
    "heel_radius_m": (0.0, 0.10),
    "toe_radius_m": (0.0, 0.05),
    "impact_peak_g": (0.0, 8.0),
    "impact_duration_s": (0.005, 0.040),
    "ringing_m_s2": (0.0, 40.0),
    "ringing_hz": (20.0, 120.0),
    "ringing_tau_s": (0.005, 0.025),
    "step_width_m": (0.05, 0.20),
    "inversion_deg": (0.0, 8.0),
    "wobble_deg": (0.0, 4.0),
    "cadence_cv": (0.005, 0.04),
    "length_cv": (0.01, 0.06),
    "contact_cv": (0.01, 0.06),
    # sensor; noise and bias are 1-sigma
    "misalignment_deg": (0.0, 30.0),
    "acc_noise_m_s2": (0.005, 0.30),
    "gyr_noise_dps": (0.02, 1.0),
    "acc_bias_m_s2": (0.0, 0.5),
    "gyr_bias_dps": (0.0, 3.0),
    "scale_error": (0.0, 0.03),
    "packet_loss": (0.0, 0.02),
    "connection_interval_ms": (7.5, 50.0),
    # session
    "bout_s": (12.0, 20.0),
    "pause_s": (1.0, 3.0),
}
SENSORS: tuple[tuple[str, float], ...] = (
    ("retrogait-imu", 50.0), ("retrogait-imu", 100.0), ("retrogait-imu", 200.0),
    ("retrogait-imu", 400.0),
    ("movesense-imu6", 52.0), ("movesense-imu6", 104.0), ("movesense-imu6", 208.0),
    ("witmotion-ble5", 50.0), ("witmotion-ble5", 100.0), ("witmotion-ble5", 200.0),
    ("metamotion-s-packed", 50.0), ("metamotion-s-packed", 100.0),
    ("metamotion-s-packed", 200.0),
)
"""(profile, rate Hz) a session is recorded with, drawn uniformly: 50–400 Hz, five encoders."""
ACC_RANGES_G: tuple[float, ...] = (4.0, 8.0, 16.0)
"""Accelerometer clipping ranges, drawn with weights 0.2 / 0.4 / 0.4."""
HEAD_S = 3.0
TAIL_S = 2.0
TURN_PROBABILITY = 0.3
"""Walking sessions: chance of a 180° step turn (5 steps) between the two bouts."""
MAX_ATTEMPTS = 50


class FootSensorDraw(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    mount: Literal["instep", "lateral"]
    misalignment_deg: float


class RandomSession(BaseModel):
    """Everything one seed drew (written to the truth notes under ``randomized``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int
    attempt: int
    gait: Literal["walk", "run"]
    direction: Literal["forward", "backward"]
    profile: str
    rate_hz: float
    acc_range_g: float
    step_length_m: float
    cadence_spm: float
    duty: float
    contact_s: float
    strike_deg: float
    strike_sd_deg: float
    toe_off_deg: float
    toe_off_rate_factor: float
    land_rocker_frac: float
    dep_rocker_frac: float
    clearance_m: float
    late_swing_s: float
    late_swing_deg: float
    touchdown_rate_factor: float
    touchdown_rate_dps: float
    heel_radius_m: float
    toe_radius_m: float
    impact_peak_g: float
    impact_duration_s: float
    impact_v_m_s: float
    ringing_m_s2: float
    ringing_hz: float
    ringing_tau_s: float
    step_width_m: float
    inversion_deg: float
    wobble_deg: float
    cadence_cv: float
    length_cv: float
    contact_cv: float
    acc_noise_m_s2: float
    gyr_noise_dps: float
    acc_bias_m_s2: float
    gyr_bias_dps: float
    scale_error: float
    packet_loss: float
    connection_interval_ms: float
    feet: dict[str, FootSensorDraw]
    bouts_s: list[float]
    pause_s: float
    turn_deg: float

    @property
    def gait_class(self) -> str:
        """``walk_forward``, ``run_backward``, ..."""
        return f"{self.gait}_{self.direction}"

    def style(self) -> GaitStyle:
        """The drawn gait as a :class:`GaitStyle` (per-step variability applied by the planner)."""
        step_t = 60.0 / self.cadence_spm
        tau_c = self.impact_duration_s / 2.0
        return GaitStyle(
            gait=self.gait, direction=self.direction, speed_m_s=self.step_length_m / step_t,
            cadence_spm=self.cadence_spm, contact_s=self.contact_s, strike_deg=self.strike_deg,
            strike_sd_deg=self.strike_sd_deg, toe_off_deg=self.toe_off_deg,
            toe_off_rate_factor=self.toe_off_rate_factor,
            land_rocker_frac=self.land_rocker_frac, dep_rocker_frac=self.dep_rocker_frac,
            clearance_m=self.clearance_m, impact_v_m_s=self.impact_v_m_s, impact_tau_s=tau_c,
            vib_acc_m_s2=self.ringing_m_s2, step_width_m=self.step_width_m,
            inversion_deg=self.inversion_deg, wobble_deg=self.wobble_deg,
            cadence_cv=self.cadence_cv, length_cv=self.length_cv, contact_cv=self.contact_cv,
            label=f"randomised {self.gait} {self.direction}",
            late_swing_s=self.late_swing_s, late_swing_deg=self.late_swing_deg,
            touchdown_rate_dps=self.touchdown_rate_dps, heel_radius_m=self.heel_radius_m,
            toe_radius_m=self.toe_radius_m, vib_freq_hz=self.ringing_hz,
            vib_tau_s=self.ringing_tau_s,
        )

    def segments(self) -> list[Segment]:
        style = self.style()
        segs: list[Segment] = [Still(HEAD_S), Locomotion(style, duration_s=self.bouts_s[0])]
        if self.turn_deg:
            segs.append(Locomotion(style, steps=5, turn_deg=self.turn_deg))
        else:
            segs.append(Still(self.pause_s))
        segs += [Locomotion(style, duration_s=self.bouts_s[1]), Still(TAIL_S)]
        return segs

    def imu_errors(self, foot: str) -> ImuErrors:
        return ImuErrors(
            acc_noise_m_s2=self.acc_noise_m_s2, gyr_noise_dps=self.gyr_noise_dps,
            acc_bias_m_s2=self.acc_bias_m_s2, gyr_bias_dps=self.gyr_bias_dps,
            acc_scale=self.scale_error, gyr_scale=self.scale_error,
            misalignment_deg=self.feet[foot].misalignment_deg,
        )


def _u(rng: np.random.Generator, key: str) -> float:
    lo, hi = RANGES[key]
    return round(float(rng.uniform(lo, hi)), 6)


def draw_session(seed: int, attempt: int = 0) -> RandomSession:
    """The session drawn from ``SeedSequence([seed, attempt])`` (not yet checked for physical
    consistency: :func:`plan_random` does that)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, attempt]))
    gait: Literal["walk", "run"] = "run" if rng.random() < 0.5 else "walk"
    direction: Literal["forward", "backward"] = "backward" if rng.random() < 0.5 else "forward"
    profile, rate = SENSORS[int(rng.integers(len(SENSORS)))]
    acc_range = float(rng.choice(ACC_RANGES_G, p=[0.2, 0.4, 0.4]))
    length = _u(rng, f"step_length_{gait}_m")
    if direction == "backward":
        length = round(length * _u(rng, "backward_length_factor"), 6)
    cadence = _u(rng, f"cadence_{gait}_spm")
    duty = _u(rng, f"duty_{gait}")
    contact = round(duty * 2 * 60.0 / cadence, 6)
    peak_g = _u(rng, "impact_peak_g")
    dur = _u(rng, "impact_duration_s")
    # sole compression: peak deceleration 2 v / tau_c with tau_c = duration / 2
    impact_v = round(peak_g * STANDARD_GRAVITY * dur / 4.0, 6)
    feet = {f: FootSensorDraw(mount="instep" if rng.random() < 0.5 else "lateral",
                              misalignment_deg=_u(rng, "misalignment_deg")) for f in FEET}
    lo, hi = RANGES["acc_noise_m_s2"]
    acc_noise = round(float(math.exp(rng.uniform(math.log(lo), math.log(hi)))), 6)
    lo, hi = RANGES["gyr_noise_dps"]
    gyr_noise = round(float(math.exp(rng.uniform(math.log(lo), math.log(hi)))), 6)
    late_s = _u(rng, "late_swing_s")
    late_deg = _u(rng, "late_swing_deg")
    cap = RANGES["late_swing_mean_rate_dps"][1] * late_s
    late_deg = round(max(-cap, min(cap, late_deg)), 6)
    td_factor = _u(rng, "touchdown_rate_factor")
    td_rate = round(td_factor * late_deg / late_s, 6)
    turn = 0.0
    if gait == "walk" and rng.random() < TURN_PROBABILITY:
        turn = 180.0 if rng.random() < 0.5 else -180.0
    return RandomSession(
        seed=seed, attempt=attempt, gait=gait, direction=direction, profile=profile,
        rate_hz=rate, acc_range_g=acc_range, step_length_m=length, cadence_spm=cadence,
        duty=duty, contact_s=contact,
        strike_deg=_u(rng, f"strike_{direction}_deg"), strike_sd_deg=_u(rng, "strike_sd_deg"),
        toe_off_deg=_u(rng, f"toe_off_{direction}_deg"),
        toe_off_rate_factor=_u(rng, "toe_off_rate_factor"),
        land_rocker_frac=_u(rng, "land_rocker_frac"), dep_rocker_frac=_u(rng, "dep_rocker_frac"),
        clearance_m=_u(rng, f"clearance_{gait}_m"),
        late_swing_s=late_s, late_swing_deg=late_deg, touchdown_rate_factor=td_factor,
        touchdown_rate_dps=td_rate,
        heel_radius_m=_u(rng, "heel_radius_m"), toe_radius_m=_u(rng, "toe_radius_m"),
        impact_peak_g=peak_g, impact_duration_s=dur, impact_v_m_s=impact_v,
        ringing_m_s2=_u(rng, "ringing_m_s2"), ringing_hz=_u(rng, "ringing_hz"),
        ringing_tau_s=_u(rng, "ringing_tau_s"), step_width_m=_u(rng, "step_width_m"),
        inversion_deg=_u(rng, "inversion_deg"), wobble_deg=_u(rng, "wobble_deg"),
        cadence_cv=_u(rng, "cadence_cv"), length_cv=_u(rng, "length_cv"),
        contact_cv=_u(rng, "contact_cv"), acc_noise_m_s2=acc_noise, gyr_noise_dps=gyr_noise,
        acc_bias_m_s2=_u(rng, "acc_bias_m_s2"), gyr_bias_dps=_u(rng, "gyr_bias_dps"),
        scale_error=_u(rng, "scale_error"), packet_loss=_u(rng, "packet_loss"),
        connection_interval_ms=_u(rng, "connection_interval_ms"),
        feet=feet, bouts_s=[_u(rng, "bout_s"), _u(rng, "bout_s")], pause_s=_u(rng, "pause_s"),
        turn_deg=turn,
    )


CONTACT_TOL_M = 1e-4
"""A sole point lower than this below the ground outside its stance is an inconsistent draw
(the rigid motion; the sole compression after contact is added separately)."""


def check_first_contact(plan: GaitPlan, step_s: float = 0.001) -> str | None:
    """Why the plan is physically inconsistent, or None: during every swing both sole points
    (their arcs' lowest points) stay above the ground, and during every stance none sinks
    below it (a landing rocker overshooting flat would push the other end into the floor)."""
    L = plan.foot_length_m
    for foot in FEET:
        traj = plan.trajectories[foot]
        steps = plan.steps_of(foot)
        if not steps:
            continue
        t = np.arange(steps[0].t_to - 0.5, plan.end_s, step_s)
        heights = []
        for r, radius in sole_points(steps[0], L):
            _, pos = traj.rigid(t, r)
            heights.append(pos[:, 2] - radius)
        low = np.minimum(heights[0], heights[1])
        if np.min(low) < -CONTACT_TOL_M:
            k = int(np.argmin(low))
            return f"{foot} sole {1000 * -low[k]:.1f} mm below the ground at {t[k]:.3f} s"
        for s in steps:
            m = (t > s.t_to + 0.002) & (t < s.t_ic - 0.002)
            if np.any(m) and np.min(low[m]) <= 0.0:
                k = int(np.flatnonzero(m)[np.argmin(low[m])])
                return f"{foot} touches at {t[k]:.3f} s before its landing at {s.t_ic:.3f} s"
    return None


def plan_random(seed: int) -> tuple[RandomSession, GaitPlan]:
    """The first physically consistent draw for ``seed`` and its gait plan."""
    reasons = []
    for attempt in range(MAX_ATTEMPTS):
        draw = draw_session(seed, attempt)
        rng = np.random.default_rng(np.random.SeedSequence([seed, attempt, 1]))
        try:
            plan = plan_gait(draw.segments(), rng)
        except ValueError as exc:
            reasons.append(str(exc))
            continue
        why = check_first_contact(plan)
        if why is None:
            return draw, plan
        reasons.append(why)
    raise RuntimeError(f"seed {seed}: no consistent draw in {MAX_ATTEMPTS} attempts "
                       f"(last: {reasons[-1]})")


def simulate_randomized(cfg: SimConfig, recording_name: str) -> Simulation:
    """The randomised session of ``cfg.seed`` in memory (``cfg.randomize`` is set; the other
    options of ``cfg`` are ignored: everything is drawn)."""
    draw, plan = plan_random(cfg.seed)
    profile = find_profile(draw.profile)
    rate = draw.rate_hz
    acc_range = min(draw.acc_range_g, profile.acc_range_g or 16.0) * STANDARD_GRAVITY
    gyr_range = profile.gyr_range_dps or 2000.0
    link = BleLinkModel(connection_interval_s=draw.connection_interval_ms / 1000.0,
                        loss_prob=draw.packet_loss)
    seeds = np.random.SeedSequence([cfg.seed, draw.attempt, 2]).spawn(8)
    sensors: list[SimulatedSensor] = []
    spans: list[SensorSpan] = []
    for k, foot in enumerate(FEET):
        rng_place, rng_imu, rng_clock, rng_link = (np.random.default_rng(s) for s in
                                                   seeds[4 * k:4 * k + 4])
        errors = draw.imu_errors(foot)
        placement = make_placement(draw.feet[foot].mount, foot, errors.misalignment_deg,
                                   rng_place)
        clock = ClockModel.random(rng_clock)
        end = plan.end_s - float(rng_clock.uniform(0.0, 0.2))
        t_host, t_sensor = clock.sample_times(rate, end)
        signals = simulate_imu(plan.trajectories[foot], t_host, placement, errors, rng_imu,
                               acc_range, gyr_range)
        packets = encoder_for(profile, rate).encode(t_sensor, signals.acc, signals.gyr)
        timed = packet_arrivals(foot, packets, t_host, link, rng_link)
        sensors.append(SimulatedSensor(foot, foot, placement, clock, t_host, t_sensor, signals,
                                       timed, len(packets)))
        spans.append(SensorSpan(foot, foot, placement.position_m, float(t_host[0]),
                                float(t_host[-1])))
    config = cfg.model_copy(update={"profile": draw.profile, "rate_hz": rate})
    notes = json.dumps({"config": config.model_dump(mode="json"),
                        "randomized": draw.model_dump(mode="json"),
                        "sensors": sensor_notes(sensors)}, separators=(",", ":"))
    truth = build_truth(plan, spans, recording_name, notes)
    return Simulation(config, profile, rate, plan, sensors, truth)
