"""Whole-body simulation: a trunk sensor (chest, lower back) beside the feet, and manoeuvres
(falls, sitting down, jumping, kneeling) with their truth.

The trunk follows the gait plan of :mod:`retrogait.simulate.gait`: the pelvis travels with the
feet (their mean position, low-passed), rises and falls once per step (running: lowest at
mid-stance, spring-mass; walking: highest at mid-stance, inverted pendulum) by the style's
vertical oscillation, sways toward the stance foot, leans by the style's trunk lean (+ =
forward, with a small pitch nod per step) and faces the way the feet point. Each landing adds a
decaying vertical shock. A manoeuvre replaces the motion of every body part from its start:

* falls (backward from running/walking, tripping forward): the body rotates about the feet as
  an inverted pendulum (angle ∝ time², the free fall), hits the ground (the rotation and the
  pelvis stop within ``impact_s``: a 4–8 g shock at the trunk), lies still (breathing), then gets
  up; each foot turns to a lying posture (heel down toes up on the back, toes down on the front);
  a backward fall onto the buttocks drops the pelvis to the ground the same way and ends
  sitting, leaning back, legs out (heels down, toes up);
* sitting down fast on a seat, jumping on the spot, kneeling to tie a shoe: not falls.

Motion is continuous in position and velocity everywhere (the manoeuvre starts from the state
of the motion it replaces), so the IMU model (:func:`retrogait.simulate.imu.simulate_imu`) sees
no artificial spikes. Frames: body frame x forward (chest facing), y left, z up.

Modules: the trunk's motion in :mod:`retrogait.simulate.trunk_motion`, the manoeuvres' profiles
and the feet during them in :mod:`retrogait.simulate.manoeuvres`; here the scenarios, the
simulation of the sensors and its recording with the truth.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrogait import __version__
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.recording import Header, RecordingWriter
from retrogait.recording.format import IMPORTED_PROFILE, SensorInfo
from retrogait.simulate.gait import (
    BACKWARD_RUN,
    BACKWARD_WALK,
    FORWARD_RUN_REARFOOT,
    FORWARD_WALK,
    GaitPlan,
    GaitStyle,
    Locomotion,
    Segment,
    Still,
    plan_gait,
)
from retrogait.simulate.imu import (
    ImuErrors,
    Placement,
    make_placement,
    simulate_imu,
    small_rotation,
)
from retrogait.simulate.kinematics import FloatArray
from retrogait.simulate.manoeuvres import Manoeuvre, ManoeuvredFoot
from retrogait.simulate.scenarios import get_scenario
from retrogait.simulate.simulator import CREATED
from retrogait.simulate.trunk_motion import (
    SITE_MOUNTING,
    SITE_POSITION,
    BodyMotion,
    TrunkSite,
    TrunkTruth,
)
from retrogait.sources.base import ConnectionChange, DecodedSamples
from retrogait.truth import GroundTruth, SensorTruth, TruthManoeuvre, truth_path_for

# --------------------------------------------------------------------------------- scenarios

@dataclass(frozen=True)
class BodyScenario:
    """Segments for the gait planner plus manoeuvres at times relative to a segment's start."""

    name: str
    description: str
    segments: tuple[Segment, ...]
    manoeuvre: tuple[str, int, float] | None = None  # (kind, segment index, offset s)
    fall: bool = False


def _fall_scn(name: str, desc: str, style: GaitStyle, kind: str, fall_s: float
              ) -> BodyScenario:
    return BodyScenario(name, desc, (Still(3.0), Locomotion(style, duration_s=14.0),
                                     Still(14.0)), (kind, 1, 10.0), True)


BODY_SCENARIOS: dict[str, BodyScenario] = {s.name: s for s in [
    _fall_scn("fall_backward_run", "backward running, falls backward, lies 6 s, gets up",
              BACKWARD_RUN, "fall_backward", 0.8),
    _fall_scn("fall_backward_walk", "backward walking, falls backward, lies 6 s, gets up",
              BACKWARD_WALK, "fall_backward", 0.9),
    _fall_scn("trip_forward", "forward running, trips and falls forward, lies 6 s, gets up",
              FORWARD_RUN_REARFOOT, "fall_forward", 0.7),
    _fall_scn("fall_backward_sit", "backward running, falls backward onto the buttocks, sits "
              "6 s leaning back with the legs out, gets up", BACKWARD_RUN, "fall_sit", 0.6),
    BodyScenario("sit_down_fast", "forward walk, stop, drop onto a seat, sit 6 s, stand up",
                 (Still(3.0), Locomotion(FORWARD_WALK, duration_s=8.0), Still(14.0)),
                 ("sit", 2, 0.8)),
    BodyScenario("stop_abrupt", "backward running, stops dead and stands",
                 (Still(3.0), Locomotion(BACKWARD_RUN, duration_s=12.0), Still(8.0))),
    BodyScenario("jump", "forward walk, stop, jump on the spot",
                 (Still(3.0), Locomotion(FORWARD_WALK, duration_s=6.0), Still(8.0)),
                 ("jump", 2, 1.5)),
    BodyScenario("kneel_tie_shoe", "forward walk, stop, kneel to tie a shoe 7 s, stand up",
                 (Still(3.0), Locomotion(FORWARD_WALK, duration_s=6.0), Still(16.0)),
                 ("kneel", 2, 1.0)),
]}

_FALL_S = {"fall_backward_run": 0.8, "fall_backward_walk": 0.9, "trip_forward": 0.7,
           "fall_backward_sit": 0.6}


def manoeuvres_for(scn: BodyScenario, plan: GaitPlan, rng: np.random.Generator
                   ) -> list[Manoeuvre]:
    """The scenario's manoeuvre at its time in the plan (segment start from the activities)."""
    if scn.manoeuvre is None:
        return []
    kind, seg, offset = scn.manoeuvre
    starts = _segment_starts(plan, len(scn.segments))
    t0 = starts[seg] + offset + float(rng.uniform(-0.3, 0.3))
    if kind.startswith("fall"):
        return [Manoeuvre(kind, t0, fall_s=_FALL_S[scn.name] * float(rng.uniform(0.9, 1.1)),  # type: ignore[arg-type]
                          impact_s=float(rng.uniform(0.04, 0.07)))]
    if kind == "sit":
        return [Manoeuvre("sit", t0, fall_s=0.45, impact_s=0.1, hold_s=6.0, rise_s=1.5)]
    if kind == "kneel":
        return [Manoeuvre("kneel", t0, fall_s=1.5, hold_s=7.0, rise_s=1.5)]
    return [Manoeuvre("jump", t0, hold_s=0.0)]


def _segment_starts(plan: GaitPlan, n: int) -> list[float]:
    """Start time of each segment: activities come in segment order; a run of locomotion
    activities belongs to one segment."""
    starts: list[float] = []
    last = ""
    for a in plan.activities:
        kind = "still" if a.activity == "still" else "move"
        if kind != last or kind == "still":
            starts.append(a.start_s)
        last = kind
    return (starts + [plan.end_s] * n)[:n]


def trunk_placement(site: TrunkSite, misalignment_deg: float, rng: np.random.Generator
                    ) -> Placement:
    """A trunk sensor at ``site``; the strap/clip sits up to ``misalignment_deg`` off."""
    mounting = SITE_MOUNTING[site]
    axis = rng.standard_normal(3)
    axis /= np.linalg.norm(axis)
    mis = small_rotation(axis * math.radians(misalignment_deg))
    return Placement(site, np.array(SITE_POSITION[site]), mounting,
                     mis @ mounting.sensor_to_foot(), misalignment_deg)


# --------------------------------------------------------------------------------- simulation

@dataclass
class BodySimulation:
    """Sensors, their samples as source items (in time order), and the truth."""

    name: str
    sensors: list[SensorInfo]
    items: list[DecodedSamples]
    manoeuvres: list[Manoeuvre]
    trunk_truth: dict[str, TrunkTruth]
    plan: GaitPlan
    duration_s: float

    @property
    def falls(self) -> list[Manoeuvre]:
        return [m for m in self.manoeuvres if m.is_fall]


def body_segments(name: str, duration_s: float | None = None) -> tuple[list[Segment],
                                                                        BodyScenario | None]:
    """Segments of a body scenario or of any foot scenario of :mod:`.scenarios`."""
    if name in BODY_SCENARIOS:
        scn = BODY_SCENARIOS[name]
        return list(scn.segments), scn
    return get_scenario(name).segments(duration_s), None


def simulate_body(
    name: str, seed: int = 0, sites: Sequence[str] = ("left", "right", "chest"),
    gyro: bool = True, rate_hz: float = 100.0, duration_s: float | None = None,
    block: int = 10, lean_offset: Callable[[FloatArray], FloatArray] | None = None,
    hold_s: float | None = None,
) -> BodySimulation:
    """Simulate feet (``left``, ``right``) and trunk sensors (``chest``, ``lower_back``) for a
    body or foot scenario; samples as decoded blocks of ``block`` samples (imported
    sensors, host clock = sensor clock). ``gyro`` False: the trunk sensors have no gyroscope
    (NaN, as a Polar H10 decodes). ``lean_offset(t)``: extra trunk lean, deg (+ forward).
    ``hold_s``: how long the manoeuvre's posture is held (lying after a fall) before getting up
    (default: the scenario's; longer than the recording = never gets up)."""
    segments, scn = body_segments(name, duration_s)
    seeds = np.random.SeedSequence([seed, 15]).spawn(8)
    plan = plan_gait(segments, np.random.default_rng(seeds[0]))
    mans = manoeuvres_for(scn, plan, np.random.default_rng(seeds[1])) if scn else []
    if hold_s is not None:
        mans = [dataclasses.replace(m, hold_s=hold_s) for m in mans]
    body = BodyMotion(plan, mans, lean_offset=lean_offset)
    errors = ImuErrors()
    acc_range = 16 * STANDARD_GRAVITY
    infos: list[SensorInfo] = []
    items: list[DecodedSamples] = []
    truth: dict[str, TrunkTruth] = {}
    t = np.arange(0.0, plan.end_s, 1.0 / rate_hz)
    for k, site in enumerate(sites):
        rng = np.random.default_rng(seeds[2 + k])
        traj: object
        if site in ("left", "right"):
            placement = make_placement("instep" if site == "left" else "lateral", site,
                                       errors.misalignment_deg, rng)
            traj = ManoeuvredFoot(plan.trajectories[site], mans, site)  # type: ignore[index]
            placement_name = f"{site}_foot"
        else:
            placement = trunk_placement(site, 10.0, rng)  # type: ignore[arg-type]
            traj = body
            placement_name = site
            truth[site] = body.trunk_truth(site)  # type: ignore[arg-type]
        sig = simulate_imu(traj, t, placement, errors, rng, acc_range, 2000.0)  # type: ignore[arg-type]
        gyr = sig.gyr
        if not gyro and site not in ("left", "right"):
            gyr = np.full_like(gyr, np.nan)
        sid = site
        infos.append(SensorInfo(id=sid, profile=IMPORTED_PROFILE, placement=placement_name,
                                mounting=placement.mounting, rate_hz=rate_hz))
        for i in range(0, len(t), block):
            j = min(i + block, len(t))
            items.append(DecodedSamples(float(t[j - 1]) + 0.002 * k, sid, t[i:j].copy(),
                                        sig.acc[i:j], gyr[i:j]))
    items.sort(key=lambda it: it.t)
    return BodySimulation(name, infos, items, mans, truth, plan, float(t[-1]))


def body_truth(sim: BodySimulation, recording_name: str) -> GroundTruth:
    """The truth file of a body simulation: trunk steps with lean, oscillation and direction,
    foot landings, the manoeuvres."""
    sensors: dict[str, SensorTruth] = {}
    for info in sim.sensors:
        if info.id in sim.trunk_truth:
            tt = sim.trunk_truth[info.id]
            sensors[info.id] = SensorTruth(
                landings_s=tt.steps_s, lean_deg=tt.lean_deg, oscillation_m=tt.oscillation_m,
                step_directions=tt.direction)
        else:
            first = sim.manoeuvres[0].t0 if sim.manoeuvres else math.inf
            foot = info.id
            sensors[info.id] = SensorTruth(
                landings_s=[round(s.t_ic, 6) for s in sim.plan.steps_of(foot)  # type: ignore[arg-type]
                            if s.t_ic < first],
                toe_offs_s=[round(s.t_to, 6) for s in sim.plan.steps_of(foot)  # type: ignore[arg-type]
                            if s.t_to < first])
    return GroundTruth(
        recording=recording_name, origin="simulator",
        method="body simulator (retrogait.simulate.body): exact step times of the gait plan; "
        "trunk lean and vertical travel of the sensor point per step; manoeuvres as planned",
        sensors=sensors,
        manoeuvres=[TruthManoeuvre(kind=m.kind, start_s=round(m.t0, 6),
                                   impact_s=round(m.impact_t, 6) if m.kind != "kneel" and
                                   m.kind != "jump" else None, fall=m.is_fall)
                    for m in sim.manoeuvres],
        notes=json.dumps({"scenario": sim.name}),
    )


def write_body_recording(sim: BodySimulation, output: str | Path) -> tuple[Path, Path]:
    """Write the samples as a recording (``samples`` records) and its truth beside it."""
    out = Path(output)
    header = Header(created=CREATED, software=f"retrogait {__version__} simulate",
                    origin="simulator", sensors=sim.sensors,
                    notes=f"body simulation, scenario {sim.name}; truth beside it")
    with RecordingWriter(out, header, flush_interval_s=math.inf) as writer:
        for info in sim.sensors:
            writer.write(ConnectionChange(0.0, info.id, "connected", "simulated"))
        for item in sim.items:
            writer.write(item)
    truth_path = truth_path_for(out)
    body_truth(sim, out.name).save(truth_path)
    return out, truth_path
