"""Exact ground truth from the gait plan (``NAME.truth.json``, model in :mod:`retrogait.truth`).

Definitions (all times on the recording time base = host clock when the sample was *taken*):

* landing (initial contact): the instant the first sole point (heel or toe) touches the ground;
* toe-off: the instant the last sole point leaves the ground;
* strike angle: foot pitch at initial contact relative to the flat foot, + = toes up; class by
  :func:`retrogait.footstrike.classify_strike`;
* stride: from a landing of one foot to its next landing (the first movement of each foot from
  standing at the start of the recording has no opening landing and is not a stride);
  ``toe_off_s`` is the toe-off inside it;
* stride displacement: the horizontal displacement of the *sensor* between the foot-flat
  phases of the opening and the closing stance (identical for every point of the foot unless
  the foot turns during the stride); ``displacement_toe_m`` is its projection on the foot's toe
  axis during the opening stance (+ toward the toes); ``stride_length_m`` its length;
  ``speed_m_s = stride_length_m / (end_s - start_s)``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from retrogait.footstrike import classify_strike
from retrogait.simulate.gait import Foot, GaitPlan, StepPlan, _rot_z
from retrogait.truth import ActivitySegment, GroundTruth, SensorTruth, TruthStride

METHOD = (
    "simulator: exact events of the simulated foot kinematics (retrogait.simulate, "
    "docs/simulator.md); times are the host-clock instants the events happened"
)


@dataclass(frozen=True)
class SensorSpan:
    """A sensor of the recording: which foot, where on it, and when it streamed (host s)."""

    sensor_id: str
    foot: Foot
    position_m: np.ndarray
    start_s: float
    end_s: float


def _flat_position(step_heel: np.ndarray, yaw: float, r: np.ndarray) -> np.ndarray:
    return step_heel + _rot_z(yaw) @ r


def stride_truth(a: StepPlan | None, b: StepPlan, r: np.ndarray,
                 initial: tuple[np.ndarray, float]) -> tuple[float, float]:
    """(displacement along the opening toe axis, horizontal length) of the sensor, m."""
    heel_a, yaw_a = (a.heel, a.yaw) if a is not None else initial
    d = _flat_position(b.heel, b.yaw, r) - _flat_position(heel_a, yaw_a, r)
    toe = np.array([math.cos(yaw_a), math.sin(yaw_a)])
    return float(d[:2] @ toe), float(np.hypot(d[0], d[1]))


def build_truth(
    plan: GaitPlan, sensors: list[SensorSpan], recording_name: str, notes: str = ""
) -> GroundTruth:
    out: dict[str, SensorTruth] = {}
    for sp in sensors:
        steps = plan.steps_of(sp.foot)

        def inside(t: float, sp: SensorSpan = sp) -> bool:
            return sp.start_s <= t <= sp.end_s

        landed = [s for s in steps if inside(s.t_ic)]
        strikes = [round(math.degrees(s.strike_rad), 4) for s in landed]
        strides: list[TruthStride] = []
        for a, b in itertools.pairwise(steps):
            if not (inside(a.t_ic) and inside(b.t_ic)):
                continue
            disp, length = stride_truth(a, b, sp.position_m, plan.initial[sp.foot])
            sign = 1.0 if b.direction == "forward" else -1.0
            if disp * sign <= 0:
                raise RuntimeError(
                    f"simulator bug: {sp.foot} stride ending {b.t_ic:.3f} s is {b.direction} "
                    f"but moved {disp:+.3f} m along the toe axis"
                )
            strides.append(TruthStride(
                start_s=round(a.t_ic, 6),
                toe_off_s=round(b.t_to, 6),
                end_s=round(b.t_ic, 6),
                direction=b.direction,
                displacement_toe_m=round(disp, 5),
                stride_length_m=round(length, 5),
                speed_m_s=round(length / (b.t_ic - a.t_ic), 5),
            ))
        out[sp.sensor_id] = SensorTruth(
            landings_s=[round(s.t_ic, 6) for s in landed],
            toe_offs_s=[round(s.t_to, 6) for s in steps if inside(s.t_to)],
            strike_angles_deg=strikes,
            foot_strikes=[classify_strike(a) for a in strikes],
            strides=strides,
        )
    activities: list[ActivitySegment] = []
    for span in plan.activities:
        start, stop = round(max(span.start_s, 0.0), 6), round(min(span.end_s, plan.end_s), 6)
        if stop <= start:
            continue
        prev = activities[-1] if activities else None
        if prev is not None and (prev.activity, prev.direction) == (span.activity,
                                                                    span.direction):
            activities[-1] = prev.model_copy(update={"end_s": stop})  # merge e.g. still + still
        else:
            activities.append(ActivitySegment(start_s=start, end_s=stop, activity=span.activity,
                                              direction=span.direction))
    return GroundTruth(
        recording=recording_name,
        origin="simulator",
        method=METHOD,
        timing_reference="landing",
        sensors=out,
        activities=activities,
        notes=notes,
    )
