"""Scenario plans and their truth: step timing, directions, turns, activities, no-step fidgeting."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from retrogait.footstrike import classify_strike
from retrogait.simulate import SCENARIOS, get_scenario, plan_gait
from retrogait.simulate.gait import GaitPlan, StepPlan
from retrogait.simulate.ground_truth import SensorSpan, build_truth
from retrogait.truth import GroundTruth

SENSOR = np.array([0.16, 0.0, 0.07])


def _plan(name: str, duration: float | None = None, seed: int = 4) -> GaitPlan:
    return plan_gait(get_scenario(name).segments(duration), np.random.default_rng(seed))


def _truth(plan: GaitPlan) -> GroundTruth:
    spans = [SensorSpan(f, f, SENSOR, 0.0, plan.end_s) for f in ("left", "right")]  # type: ignore[arg-type]
    return build_truth(plan, spans, "x.jsonl")


def _bout_interior(plan: GaitPlan) -> list[tuple[StepPlan, StepPlan]]:
    """Consecutive steps inside bouts (neither the first nor the final step of a bout)."""
    pairs = []
    for a, b in zip(plan.steps, plan.steps[1:], strict=False):
        if a.final or b.final or b.t_ic - a.t_ic > 1.5 or a.index == 0:
            continue
        if plan.steps[a.index - 1].final:
            continue
        pairs.append((a, b))
    return pairs


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_plans_consistently(name: str) -> None:
    plan = _plan(name, SCENARIOS[name].min_duration_s)
    truth = _truth(plan)
    # activities tile the session without overlap
    acts = truth.activities
    assert acts[0].start_s == 0.0
    for a, b in itertools.pairwise(acts):
        assert a.end_s == pytest.approx(b.start_s, abs=1e-6) and a.end_s > a.start_s
    for st in truth.sensors.values():
        assert st.foot_strikes == [classify_strike(a) for a in st.strike_angles_deg or []]
        for s, nxt in zip(st.strides, st.strides[1:], strict=False):
            assert s.end_s == nxt.start_s
        for s in st.strides:
            assert s.start_s < (s.toe_off_s or 0) < s.end_s
            assert s.stride_length_m is not None and s.speed_m_s is not None
            assert s.speed_m_s == pytest.approx(s.stride_length_m / (s.end_s - s.start_s),
                                                rel=1e-3)
    # feet alternate
    feet = [s.foot for s in plan.steps]
    assert all(a != b for a, b in itertools.pairwise(feet))


@pytest.mark.parametrize("name, flight_s", [("forward_run", 0.072), ("backward_run", 0.098)])
def test_running_has_flight_phases_of_the_literature(name: str, flight_s: float) -> None:
    plan = _plan(name, 30)
    # flight: the next foot leaves before this one lands
    flights = [a.t_ic - b.t_to for a, b in _bout_interior(plan)]
    assert min(flights) > 0.03
    assert np.mean(flights) == pytest.approx(flight_s, abs=0.015)


@pytest.mark.parametrize("name", ["forward_walk", "backward_walk"])
def test_walking_has_double_support(name: str) -> None:
    plan = _plan(name, 30)
    overlap = [b.t_to - a.t_ic for a, b in _bout_interior(plan)]
    assert min(overlap) > 0.05  # the other foot leaves only after this one landed


def test_backward_running_is_quicker_and_shorter_than_forward() -> None:
    fr, br = _truth(_plan("forward_run", 30)), _truth(_plan("backward_run", 30))

    def cadence(t: GroundTruth) -> float:
        lands = sorted(x for st in t.sensors.values() for x in st.landings_s)
        return 60.0 / float(np.median(np.diff(lands)))

    def contact(t: GroundTruth) -> float:
        st = t.sensors["left"]
        return float(np.median([s.toe_off_s - s.start_s for s in st.strides]))  # type: ignore[operator]

    assert cadence(br) > cadence(fr)
    assert contact(br) < contact(fr)
    assert cadence(fr) == pytest.approx(164, abs=4) and cadence(br) == pytest.approx(174, abs=4)
    lengths = [s.stride_length_m for s in fr.sensors["left"].strides[1:-1]]
    assert np.median(lengths) == pytest.approx(3.0 * 2 * 60 / 164, rel=0.05)


def test_tapping_and_still_have_no_steps() -> None:
    for name in ("tapping", "still"):
        plan = _plan(name, 20)
        assert plan.steps == []
        truth = _truth(plan)
        assert all(not st.landings_s and not st.strides for st in truth.sensors.values())
    plan = _plan("tapping", 20)
    assert len(plan.fidgets["right"]) > 10 and plan.fidgets["left"]


def test_turnaround_first_stride_after_the_stop_is_backward() -> None:
    truth = _truth(_plan("turnaround", 30))
    still = [a for a in truth.activities if a.activity == "still"][1]  # the stop
    for st in truth.sensors.values():
        before = [s for s in st.strides if s.end_s <= still.start_s + 1e-6]
        across = [s for s in st.strides
                  if s.start_s <= still.start_s + 1e-6 and s.end_s > still.end_s]
        after = [s for s in st.strides if s.start_s > still.end_s]
        assert before and all(s.direction == "forward" for s in before)
        assert len(across) == 1 and across[0].direction == "backward"
        assert across[0].displacement_toe_m is not None and across[0].displacement_toe_m < 0
        assert after and all(s.direction == "backward" for s in after)


def test_walking_turn_turns_180_degrees_forward_all_along() -> None:
    plan = _plan("walk_turn", 30)
    truth = _truth(plan)
    for foot in ("left", "right"):
        steps = plan.steps_of(foot)
        assert math.degrees(steps[-1].yaw - steps[0].yaw) == pytest.approx(180, abs=8)
    assert any(a.activity == "turning" for a in truth.activities)
    for st in truth.sensors.values():
        assert all(s.direction == "forward" and (s.displacement_toe_m or 0) > 0
                   for s in st.strides)


def test_session_is_dominated_by_backward_running() -> None:
    truth = _truth(_plan("session", 150))
    time: dict[tuple[str, str | None], float] = {}
    for a in truth.activities:
        key = (a.activity, a.direction)
        time[key] = time.get(key, 0.0) + a.end_s - a.start_s
    assert max(time, key=lambda k: time[k]) == ("running", "backward")
    assert time[("running", "backward")] > 0.4 * truth.activities[-1].end_s
    kinds = {k[0] for k in time}
    assert {"still", "walking", "running", "turning", "tapping"} <= kinds
    directions = {s.direction for st in truth.sensors.values() for s in st.strides}
    assert directions == {"forward", "backward"}


def test_strike_classes_follow_the_mo_thresholds() -> None:
    assert classify_strike(-0.81) == "forefoot"
    assert classify_strike(-0.8) == "midfoot"
    assert classify_strike(7.4) == "midfoot"
    assert classify_strike(7.41) == "rearfoot"
    for name, cls in [("forward_run", "rearfoot"), ("forward_run_forefoot", "forefoot"),
                      ("backward_run", "forefoot"), ("backward_walk", "forefoot")]:
        strikes = [c for st in _truth(_plan(name, 20)).sensors.values()
                   for c in st.foot_strikes or []]
        assert strikes.count(cls) / len(strikes) > 0.95
    mid = [c for st in _truth(_plan("forward_run_midfoot", 40)).sensors.values()
           for c in st.foot_strikes or []]
    assert mid.count("midfoot") / len(mid) > 0.8


def test_seeded_plans_are_reproducible_and_vary_stride_to_stride() -> None:
    a, b = _plan("backward_run", 20, 1), _plan("backward_run", 20, 1)
    c = _plan("backward_run", 20, 2)
    assert [s.t_ic for s in a.steps] == [s.t_ic for s in b.steps]
    assert [s.t_ic for s in a.steps] != [s.t_ic for s in c.steps]
    steps = np.diff([s.t_ic for s in a.steps[2:-2]])
    assert 0.005 < np.std(steps) / np.mean(steps) < 0.05  # stride-to-stride variability
