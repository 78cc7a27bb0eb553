"""The foot model obeys its own definitions: contact instants, pivots, gravity, continuity."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.footstrike import classify_strike
from retrogait.simulate import (
    BACKWARD_RUN,
    BACKWARD_WALK,
    FORWARD_RUN_FOREFOOT,
    FORWARD_RUN_REARFOOT,
    FORWARD_WALK,
    GaitStyle,
    ImuErrors,
    Locomotion,
    Still,
    make_placement,
    plan_gait,
)
from retrogait.simulate.imu import ideal_signals
from retrogait.simulate.kinematics import HEEL, Profile, quintic_coeffs, toe_point
from retrogait.simulate.trajectory import departure_pivot, landing_pivot

STYLES = [BACKWARD_RUN, FORWARD_RUN_REARFOOT, FORWARD_RUN_FOREFOOT, FORWARD_WALK, BACKWARD_WALK]
L = 0.26


def _plan(style: GaitStyle, seed: int = 1, duration: float = 4.0):
    return plan_gait([Still(1.0), Locomotion(style, duration_s=duration)],
                     np.random.default_rng(seed))


def test_quintic_meets_its_boundary_conditions() -> None:
    p = Profile.hermite(2.0, 0.5, (1.0, -3.0, 20.0), (-2.0, 4.0, -7.0))
    t = np.array([2.0, 2.5])
    h = 1e-5
    assert np.allclose(p(t), [1.0, -2.0])
    # one-sided differences inside the interval
    v0 = (p(np.array([2.0 + h])) - p(np.array([2.0])))[0] / h
    v1 = (p(np.array([2.5])) - p(np.array([2.5 - h])))[0] / h
    assert v0 == pytest.approx(-3.0, abs=1e-3) and v1 == pytest.approx(4.0, abs=1e-3)
    assert p.end_state() == pytest.approx((-2.0, 4.0, -7.0))
    c = quintic_coeffs(0, 0, 0, 1, 0, 0)
    assert c == pytest.approx((0, 0, 0, 10, -15, 6))  # minimum jerk


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.label)
def test_truth_landings_are_the_first_ground_contact(style: GaitStyle) -> None:
    plan = _plan(style)
    for foot in ("left", "right"):
        tr = plan.trajectories[foot]
        for s in plan.steps_of(foot):
            land = toe_point(L) if landing_pivot(s) == "toe" else HEEL
            dep = toe_point(L) if departure_pivot(s) == "toe" else HEEL
            # at the landing instant the first-contact point is on the ground ...
            assert tr.position(np.array([s.t_ic]), land, ringing=False)[0, 2] == pytest.approx(
                0.0, abs=1e-9)
            # ... and no sole point touched before it during the swing
            t = np.linspace(s.t_to + 1e-4, s.t_ic - 1e-4, 600)
            for r in (HEEL, toe_point(L)):
                assert np.min(tr.position(t, r, ringing=False)[:, 2]) > 0.0
            # the departing point leaves the ground exactly at toe-off
            assert tr.position(np.array([s.t_to]), dep, ringing=False)[0, 2] == pytest.approx(
                0.0, abs=1e-9)
            # strike angle = pitch of the toe axis at initial contact (+ = toes up)
            R, _ = tr.rigid(np.array([s.t_ic]), HEEL)
            assert math.degrees(math.asin(R[0, 2, 0])) == pytest.approx(
                math.degrees(s.strike_rad), abs=1e-6)


def test_backward_gait_lands_toe_first_and_leaves_from_the_heel() -> None:
    for style in (BACKWARD_RUN, BACKWARD_WALK):
        steps = _plan(style).steps
        assert all(landing_pivot(s) == "toe" and departure_pivot(s) == "heel" for s in steps)
        assert all(s.toe_off_rad > 0 for s in steps)  # toes up at heel take-off
        assert all(classify_strike(math.degrees(s.strike_rad)) == "forefoot" for s in steps)
    steps = _plan(FORWARD_RUN_REARFOOT).steps
    assert all(landing_pivot(s) == "heel" and departure_pivot(s) == "toe" for s in steps)
    assert all(s.toe_off_rad < math.radians(-30) for s in steps)


@pytest.mark.parametrize("style", [BACKWARD_RUN, FORWARD_RUN_REARFOOT], ids=lambda s: s.label)
def test_the_foot_rolls_about_the_contact_point(style: GaitStyle) -> None:
    plan = _plan(style)
    tr = plan.trajectories["left"]
    for s in plan.steps_of("left")[:-1]:
        pivot = toe_point(L) if landing_pivot(s) == "toe" else HEEL
        t = np.linspace(s.t_ic, s.t_ic + s.d_land, 50)
        _, p = tr.rigid(t, pivot)
        assert np.ptp(p, axis=0) == pytest.approx(np.zeros(3), abs=1e-9)
        # while the sensor on top of the foot moves
        _, ps = tr.rigid(t, np.array([0.16, 0, 0.07]))
        assert np.max(np.ptp(ps, axis=0)) > 0.01


def test_gravity_only_while_the_foot_is_flat() -> None:
    plan = _plan(BACKWARD_RUN)
    pl = make_placement("lateral", "right", 4.0, np.random.default_rng(3))
    steps = plan.steps_of("right")
    t = np.array([(a.t_ic + a.d_land + b.t_to - b.d_dep) / 2 for a, b in
                  itertools.pairwise(steps)])
    acc, gyr = ideal_signals(plan.trajectories["right"], t, pl, ringing=False)
    assert np.linalg.norm(acc, axis=1) == pytest.approx(STANDARD_GRAVITY, abs=1e-6)
    assert np.abs(gyr).max() < 1e-3
    # the sensor's declared up axis sees gravity up to the (unknown) misalignment
    up = np.array([1.0, 0, 0])  # lateral mount: up_axis +x
    cosines = acc @ up / STANDARD_GRAVITY
    assert np.all(cosines > math.cos(math.radians(4.0)) - 1e-6)


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.label)
def test_velocity_is_continuous(style: GaitStyle) -> None:
    """No hidden velocity jumps (impulses a sampled accelerometer could not see): the landing
    point's downward velocity is taken over by the sole compression."""
    plan = _plan(style)
    tr = plan.trajectories["left"]
    dt = 1 / 4000
    t = np.arange(0.5, plan.end_s, dt)
    for r in (np.array([0.16, 0, 0.07]), HEEL, toe_point(L)):
        v = np.diff(tr.position(t, r), axis=0) / dt
        assert np.abs(np.diff(v, axis=0)).max() < 40 * STANDARD_GRAVITY * dt
    _, _, _acc, omega = tr.motion(t, np.array([0.16, 0, 0.07]))
    assert np.degrees(np.abs(omega)).max() < 1500


def test_ideal_errors_disable_everything() -> None:
    e = ImuErrors.ideal()
    assert e.anti_alias and not e.ringing and e.misalignment_deg == 0 and e.gyr_bias_dps == 0
    assert e.acc_noise_m_s2 == e.gyr_noise_dps == e.acc_scale == e.gyr_bias_wander_dps == 0


@pytest.mark.parametrize("style", [FORWARD_WALK, FORWARD_RUN_REARFOOT], ids=lambda s: s.label)
def test_toe_off_and_foot_slap_signatures_match_real_forward_gait(style: GaitStyle) -> None:
    """In real forward walking (gaitmap walk in tests/data, motion-capture events) the
    fastest toes-down rotation comes 5 ms before toe-off and the foot slap peaks 63 ms after
    heel strike; the simulated foot must show the same order of events."""
    plan = _plan(style, duration=8.0)
    pl = make_placement("instep", "left", 0.0, np.random.default_rng(0))
    t = np.arange(0.5, plan.end_s, 1 / 400)
    _, gyr = ideal_signals(plan.trajectories["left"], t, pl)
    pitch_rate = -gyr[:, 1]  # + = toes up (instep mounting: sensor y = foot y)
    lags_to, lags_ic = [], []
    for s in plan.steps_of("left")[1:-1]:
        m = (t > s.t_to - 0.25) & (t < s.t_to + 0.25)
        lags_to.append(t[m][np.argmin(pitch_rate[m])] - s.t_to)
        m = (t > s.t_ic - 0.15) & (t < s.t_ic + 0.15)
        lags_ic.append(t[m][np.argmin(pitch_rate[m])] - s.t_ic)
    assert abs(np.median(lags_to)) < 0.010
    assert 0.01 < np.median(lags_ic) < 0.08
