"""Trunk pipeline on the body simulator: steps, cadence, direction, lean and vertical
oscillation from a chest or lower-back sensor alone (accelerometer only), block-size
independence, posture events."""

from __future__ import annotations

import functools
import statistics

import numpy as np
import pytest

from retrogait.events import Event, PostureEvent, TrunkStepEvent
from retrogait.pipeline.trunk import TrunkParams, TrunkPipeline
from retrogait.session import GaitSession
from retrogait.simulate.body import BodySimulation, simulate_body
from retrogait.timing.clock import TimedBlock


@functools.cache
def _sim(name: str, seed: int) -> BodySimulation:
    return simulate_body(name, seed=seed, sites=("chest", "lower_back"), gyro=False)


def _steps(sim: BodySimulation, site: str) -> list[TrunkStepEvent]:
    events = GaitSession(sim.sensors).analyze(sim.items)
    return [e for e in events if isinstance(e, TrunkStepEvent) and e.sensor == site]


@pytest.mark.parametrize("site", ["chest", "lower_back"])
@pytest.mark.parametrize("name,direction,cadence", [("backward_run", "backward", 174.0),
                                                    ("forward_run", "forward", 164.0),
                                                    ("backward_walk", "backward", 104.0)])
def test_trunk_alone_gives_steps_cadence_direction_lean_and_oscillation(
        site: str, name: str, direction: str, cadence: float) -> None:
    sim = _sim(name, 0)
    steps = _steps(sim, site)
    truth = sim.trunk_truth[site]
    ref = truth.steps_s
    hits = [min(abs(s.t_s - r) for s in steps) <= 0.08 for r in ref[1:]]
    assert sum(hits) >= 0.95 * len(hits)  # each landing after the first is found
    assert len(steps) <= len(ref)  # and nothing else
    assert abs(statistics.median(s.cadence_spm for s in steps) - cadence) < 3.0
    assert sum(s.direction == direction for s in steps) >= 0.95 * len(steps)
    osc = statistics.median(s.vertical_oscillation_cm for s in steps)
    assert abs(osc - 100 * statistics.median(truth.oscillation_m)) < 1.0
    lean = statistics.median(s.pitch_deg for s in steps)
    assert abs(lean - statistics.median(truth.lean_deg)) < 2.5


def test_events_do_not_depend_on_block_sizes() -> None:
    sim = _sim("backward_walk_run", 1)
    info = next(s for s in sim.sensors if s.id == "chest")
    items = [it for it in sim.items if it.sensor == "chest"]
    t = np.concatenate([it.t_sensor for it in items])
    acc = np.concatenate([it.acc for it in items])
    gyr = np.concatenate([it.gyr for it in items])
    runs: list[list[Event]] = []
    for size in (1, 7, 4096):
        pipe = TrunkPipeline(info, rate_hz=100.0)
        out: list[Event] = []
        for i in range(0, len(t), size):
            out += pipe.process(TimedBlock(t=t[i:i + size], acc=acc[i:i + size],
                                           gyr=gyr[i:i + size], gap_before_s=0.0,
                                           lost_packets=0))
        runs.append(out)
    assert len(runs[0]) > 50
    assert runs[0] == runs[1] == runs[2]


def test_no_foot_events_from_a_trunk_sensor_and_no_trunk_events_from_feet() -> None:
    sim = simulate_body("backward_run", seed=2, sites=("left", "right", "chest"))
    events = GaitSession(sim.sensors).analyze(sim.items)
    assert {e.sensor for e in events if e.kind == "trunk_step"} == {"chest"}  # type: ignore[union-attr]
    assert "chest" not in {getattr(e, "sensor", None) for e in events
                           if e.kind in ("landing", "stride")}
    assert sum(e.kind == "stride" for e in events) > 20


def test_leaning_back_beyond_the_runners_own_baseline_gives_posture_events() -> None:
    def lean(t: np.ndarray) -> np.ndarray:  # upright, then 12° back from 24 s to 32 s
        return -12.0 * np.clip(t - 23.0, 0.0, 1.0) * (t < 32.0)

    sim = simulate_body("backward_run", seed=3, sites=("lower_back",), gyro=False,
                        lean_offset=lean)
    events = GaitSession(sim.sensors).analyze(sim.items)
    posture = [e for e in events if isinstance(e, PostureEvent)]
    assert [p.state for p in posture] == ["lean_back", "upright"]
    first = posture[0]
    assert 24.0 < first.t_s < 26.5 and first.pitch_deg < first.limit_deg
    assert abs(first.baseline_deg - first.limit_deg - 8.0) < 1e-6  # relative default
    assert 32.0 < posture[1].t_s < 35.0
    # an absolute limit can be configured instead
    info = sim.sensors[0]
    pipe = TrunkPipeline(info, TrunkParams(absolute_limit_deg=-30.0), rate_hz=100.0)
    out: list[Event] = []
    for it in sim.items:
        out += pipe.process(TimedBlock(t=it.t_sensor, acc=it.acc, gyr=it.gyr,
                                       gap_before_s=0.0, lost_packets=0))
    assert not [e for e in out if isinstance(e, PostureEvent)]


@pytest.mark.parametrize("site", ["chest", "lower_back"])
def test_walking_after_running_and_each_bouts_first_landing_are_steps(site: str) -> None:
    """Running loads the trunk several times more than walking: the step threshold must follow
    the change of gait (it once stayed at running level for 4-8 walking steps), and a bout's
    first landing, from standing, is a step too."""
    sim = _sim("walk_run", 1)
    steps = _steps(sim, site)
    ref = sim.trunk_truth[site].steps_s
    found = [min(abs(s.t_s - r) for s in steps) <= 0.08 for r in ref]
    assert sum(found) >= 0.97 * len(ref)
    assert found[0]  # the first landing of the session
    assert len(steps) <= len(ref) + 2
    assert [s.t_s for s in steps] == sorted(s.t_s for s in steps)  # in time order


def test_a_double_loading_lands_on_its_first_impact() -> None:
    """A heel contact then a forefoot slap 0.15 s later (a pathological gait): two spikes of
    vertical acceleration, the second the larger; the landing is the first one (it reaches
    more than half of the loading's rise)."""
    rate = 100.0
    t = np.arange(0.0, 20.0, 1.0 / rate)
    a_v = -1.0 * np.cos(2 * np.pi * (t - 0.3) / 0.7)  # the body's rise and fall, 0.7 s steps
    landings = np.arange(3.0, 19.0, 0.7)

    def spike(t0: float, height: float) -> np.ndarray:
        return height * np.exp(-0.5 * ((t - t0 - 0.03) / 0.012) ** 2)  # rises from t0

    for t0 in landings:
        a_v = a_v + spike(t0, 4.5) + spike(t0 + 0.15, 7.0)
    a_v[t < 2.5] = 0.0  # standing first: the upright baseline
    acc = np.zeros((len(t), 3))
    acc[:, 2] = 9.80665 + a_v
    acc[:, 0] = 0.05  # a little noise-free horizontal offset
    sim = _sim("backward_walk", 0)
    info = next(s for s in sim.sensors if s.id == "lower_back")
    pipe = TrunkPipeline(info, rate_hz=rate)
    out = pipe.process(TimedBlock(t=t, acc=acc, gyr=np.full_like(acc, np.nan),
                                  gap_before_s=0.0, lost_packets=0))
    est = [e.t_s for e in out if isinstance(e, TrunkStepEvent)]
    assert len(est) >= len(landings) - 1
    errors = [min(abs(e - r) for r in landings) for e in est]
    assert max(errors) < 0.04, errors  # the first spike, not the slap 0.15 s later


def test_the_landing_side_from_the_pelvis_roll_rate_lower_back_only() -> None:
    """After a left landing the pelvis rolls toward the right (it drops on the swing side):
    + roll rate about the anterior axis. A lower-back sensor with a gyroscope names the side;
    without a gyroscope, or on the chest, the side is unknown."""
    rate = 100.0
    t = np.arange(0.0, 16.0, 1.0 / rate)
    landings = np.arange(3.0, 15.0, 0.55)
    a_v = -1.0 * np.cos(2 * np.pi * (t - 0.2) / 0.55)
    roll = np.zeros(len(t))  # deg/s about the anterior axis
    for k, t0 in enumerate(landings):
        a_v = a_v + 5.0 * np.exp(-0.5 * ((t - t0 - 0.03) / 0.015) ** 2)
        roll[(t >= t0) & (t < t0 + 0.2)] = 10.0 if k % 2 == 0 else -10.0  # left, right, ...
    a_v[t < 2.5] = 0.0
    sim = _sim("backward_walk", 0)
    info = next(s for s in sim.sensors if s.id == "lower_back")  # up +x, anterior -z
    acc = np.zeros((len(t), 3))
    acc[:, 0] = 9.80665 + a_v
    gyr = np.zeros((len(t), 3))
    gyr[:, 2] = -roll  # a + roll about the anterior axis (-z)

    def sides(info: object, gyr: np.ndarray) -> list[str]:
        pipe = TrunkPipeline(info, rate_hz=rate)  # type: ignore[arg-type]
        out = pipe.process(TimedBlock(t=t, acc=acc, gyr=gyr, gap_before_s=0.0, lost_packets=0))
        steps = [e for e in out if isinstance(e, TrunkStepEvent)]
        assert len(steps) >= len(landings) - 1
        assert max(min(abs(e.t_s - r) for r in landings) for e in steps) < 0.04
        return [e.foot for e in steps]

    got = sides(info, gyr)
    assert got == ["left" if k % 2 == 0 else "right" for k in range(len(got))]
    assert set(sides(info, np.full_like(gyr, np.nan))) == {"unknown"}
    chest = info.model_copy(update={"placement": "chest"})
    assert set(sides(chest, gyr)) == {"unknown"}
