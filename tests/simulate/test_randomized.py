"""The randomised simulator family (``retrogait simulate --randomize``) and its benchmark tool."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tests.simulate.helpers import run_cli

from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.simulate import make_config, simulate
from retrogait.simulate.kinematics import HEEL, toe_point
from retrogait.simulate.randomized import (
    ACC_RANGES_G,
    RANGES,
    SENSORS,
    RandomSession,
    check_first_contact,
    draw_session,
    plan_random,
)
from retrogait.simulate.trajectory import landing_pivot

REPO = Path(__file__).resolve().parents[2]

# drawn field -> its RANGES key (fields with a gait- or direction-specific range use a template)
_FIELD_RANGES = {
    "strike_sd_deg": "strike_sd_deg", "toe_off_rate_factor": "toe_off_rate_factor",
    "land_rocker_frac": "land_rocker_frac", "dep_rocker_frac": "dep_rocker_frac",
    "late_swing_s": "late_swing_s", "late_swing_deg": "late_swing_deg",
    "touchdown_rate_factor": "touchdown_rate_factor", "heel_radius_m": "heel_radius_m",
    "toe_radius_m": "toe_radius_m", "impact_peak_g": "impact_peak_g",
    "impact_duration_s": "impact_duration_s", "ringing_m_s2": "ringing_m_s2",
    "ringing_hz": "ringing_hz", "ringing_tau_s": "ringing_tau_s",
    "step_width_m": "step_width_m", "inversion_deg": "inversion_deg",
    "wobble_deg": "wobble_deg", "cadence_cv": "cadence_cv", "length_cv": "length_cv",
    "contact_cv": "contact_cv", "acc_noise_m_s2": "acc_noise_m_s2",
    "gyr_noise_dps": "gyr_noise_dps", "acc_bias_m_s2": "acc_bias_m_s2",
    "gyr_bias_dps": "gyr_bias_dps", "scale_error": "scale_error",
    "packet_loss": "packet_loss", "connection_interval_ms": "connection_interval_ms",
    "pause_s": "pause_s", "cadence_spm": "cadence_{gait}_spm", "duty": "duty_{gait}",
    "clearance_m": "clearance_{gait}_m", "strike_deg": "strike_{direction}_deg",
    "toe_off_deg": "toe_off_{direction}_deg",
}


def _within(value: float, key: str) -> bool:
    lo, hi = RANGES[key]
    return lo - 1e-9 <= value <= hi + 1e-9


def _find(pred: object, start: int = 0) -> RandomSession:
    """The first draw (attempt 0 of seeds from ``start``) satisfying ``pred``."""
    for seed in range(start, start + 400):
        d = draw_session(seed)
        if pred(d):  # type: ignore[operator]
            return d
    raise AssertionError("no seed found")


def test_draws_stay_within_the_stated_ranges_and_cover_every_class() -> None:
    draws = [draw_session(seed) for seed in range(300)]
    for d in draws:
        for field, key in _FIELD_RANGES.items():
            assert _within(getattr(d, field), key.format(gait=d.gait, direction=d.direction)), (
                d.seed, field)
        assert (d.profile, d.rate_hz) in SENSORS and 50 <= d.rate_hz <= 400
        assert d.acc_range_g in ACC_RANGES_G
        assert all(_within(f.misalignment_deg, "misalignment_deg") for f in d.feet.values())
        assert all(_within(b, "bout_s") for b in d.bouts_s)
        length_key = f"step_length_{d.gait}_m"
        lo, hi = RANGES[length_key]
        if d.direction == "backward":
            lo *= RANGES["backward_length_factor"][0]
        assert lo - 1e-9 <= d.step_length_m <= hi + 1e-9
        # the late-swing rotation is at most its mean-rate cap, the contact rate follows it
        cap = RANGES["late_swing_mean_rate_dps"][1] * d.late_swing_s
        assert abs(d.late_swing_deg) <= cap + 1e-6
        assert math.isclose(d.touchdown_rate_dps,
                            d.touchdown_rate_factor * d.late_swing_deg / d.late_swing_s,
                            rel_tol=1e-4, abs_tol=1e-3)
        # impact: peak deceleration 2 v / tau_c with tau_c = duration / 2
        assert math.isclose(4 * d.impact_v_m_s / d.impact_duration_s,
                            d.impact_peak_g * STANDARD_GRAVITY, rel_tol=1e-3, abs_tol=1e-3)
        assert d.contact_s < 2 * 60.0 / d.cadence_spm
    classes = {d.gait_class for d in draws}
    assert classes == {"walk_forward", "walk_backward", "run_forward", "run_backward"}
    assert {d.rate_hz for d in draws} >= {50.0, 52.0, 100.0, 104.0, 200.0, 208.0, 400.0}
    assert min(d.impact_peak_g for d in draws) < 0.5 and max(d.impact_peak_g for d in draws) > 7.5
    assert any(d.late_swing_deg > 10 for d in draws) and any(d.late_swing_deg < -10
                                                             for d in draws)


def test_same_seed_same_session_and_the_truth_holds_the_draw() -> None:
    a = simulate(make_config(seed=7, randomize=True), "a.jsonl.gz")
    b = simulate(make_config(seed=7, randomize=True), "a.jsonl.gz")
    assert a.truth.model_dump_json() == b.truth.model_dump_json()
    for sa, sb in zip(a.sensors, b.sensors, strict=True):
        np.testing.assert_array_equal(sa.signals.acc, sb.signals.acc)
        assert [p.packet.payload for p in sa.packets] == [p.packet.payload for p in sb.packets]
    notes = json.loads(a.truth.notes)
    drawn = RandomSession.model_validate(notes["randomized"])
    assert drawn == draw_session(7, drawn.attempt)
    assert notes["config"]["randomize"] is True
    assert a.header("x.jsonl.gz").notes.count("retrogait simulate --randomize --seed 7") == 1
    c = simulate(make_config(seed=10, randomize=True))
    assert c.truth.model_dump_json() != a.truth.model_dump_json()


def test_sample_rate_clipping_and_landings_follow_the_draw() -> None:
    d = _find(lambda d: d.gait == "run" and d.acc_range_g == 4.0 and d.rate_hz >= 100)
    sim = simulate(make_config(seed=d.seed, randomize=True))
    drawn = RandomSession.model_validate(json.loads(sim.truth.notes)["randomized"])
    assert sim.rate_hz == drawn.rate_hz and sim.profile.name == drawn.profile
    limit = drawn.acc_range_g * STANDARD_GRAVITY
    for s in sim.sensors:
        dt = np.diff(s.t_sensor)
        assert abs(float(np.median(dt)) - 1 / drawn.rate_hz) < 1e-6
        assert np.max(np.abs(s.signals.acc)) <= limit + 1e-9
        assert s.signals.acc_clipped > 0  # running at +-4 g clips
        st = sim.truth.sensors[s.sensor_id]
        steps = [p for p in sim.plan.steps_of(s.foot) if s.t_host[0] <= p.t_ic <= s.t_host[-1]]
        assert st.landings_s == [round(p.t_ic, 6) for p in steps]
        assert all(p.impact.t == p.t_ic for p in steps)  # the transient starts at the landing
        assert all(st_.direction == drawn.direction for st_ in st.strides)


def test_impact_and_landing_rotation_happen_at_the_truth_landing() -> None:
    d = _find(lambda d: d.impact_peak_g > 4 and abs(d.late_swing_deg) > 8
              and d.late_swing_s > 0.08 and abs(d.touchdown_rate_dps) > 50)
    _, plan = plan_random(d.seed)
    assert check_first_contact(plan) is None
    traj = plan.trajectories["left"]
    L = plan.foot_length_m
    for step in plan.steps_of("left")[2:6]:
        pivot = landing_pivot(step)
        radius = step.heel_radius_m if pivot == "heel" else step.toe_radius_m
        r = (HEEL if pivot == "heel" else toe_point(L)) + np.array([0.0, 0.0, radius])
        # the landing pivot's arc touches the ground exactly at the truth landing
        t = step.t_ic + np.array([-0.02, -0.005, 0.0])
        z = traj.position(t, r, ringing=False)[:, 2] - radius
        assert z[0] > z[1] > 0.0 and abs(z[2]) < 1e-9
        # the impact: the landing point's upward deceleration peaks right after contact at
        # about 2 v / tau_c (the drawn amplitude with this step's +-20 % spread)
        tt = step.t_ic + np.linspace(0.0, step.impact.tau_c, 50)[1:]
        _, _, acc, _ = traj.motion(tt, r, ringing=False)
        peak = 2 * step.impact.v / step.impact.tau_c
        assert 0.8 * peak < float(np.max(acc[:, 2])) < 1.3 * peak + 5.0
        # the landing rotation: pitch rate at contact as drawn (per-step limits applied),
        # pitch change over the late swing as drawn
        _, _, _, omega = traj.motion(np.array([step.t_ic - 1e-3]), r, ringing=False)
        rate = -omega[0, 1]  # + pitch = toes up = rotation about -y (foot frame)
        assert rate == pytest.approx(step.strike_rate, abs=0.15 + 0.05 * abs(step.strike_rate))
        pitch_at = traj.motion(np.array([step.t_ic - step.late_swing_s]), r, ringing=False)[0]
        pitch0 = math.asin(float(pitch_at[0, 2, 0]))
        assert pitch0 == pytest.approx(step.strike_rad - step.late_swing_rad, abs=0.01)


def test_cli_randomize_and_its_option_checks(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl.gz"
    res = run_cli("simulate", "--randomize", "--seed", "0", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "drawn:" in res.stdout and out.exists()
    truth = json.loads(out.with_name("r.truth.json").read_text())
    assert json.loads(truth["notes"])["randomized"]["seed"] == 0
    bad = run_cli("simulate", "--randomize", "--seed", "0", "--rate", "100", "-o", str(out))
    assert bad.returncode == 2 and "--rate cannot be combined with --randomize" in bad.stderr


def test_eval_robustness_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "sessions.json"
    res = subprocess.run(
        [sys.executable, "tools/eval_robustness.py", "--n", "2", "--seed-start", "0",
         "--jobs", "1", "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "seeds 0–1 (2 sessions, development seeds)" in res.stdout
    for label in ("landing F1 @ 50 ms", "landing signed bias (median), ms",
                  "toe-off \\|error\\| median, ms", "strike angle MAE, deg",
                  "cadence MAE, steps/min", "### Per gait class",
                  "### Per sample-rate band"):
        assert label in res.stdout
    sessions = json.loads(out.read_text())
    assert [s["seed"] for s in sessions] == [0, 1]
    assert all(s["error"] is None and s["values"]["landing_f1"] is not None for s in sessions)
