"""Decoders are interchangeable: the same simulated motion carried by any profile's bytes gives
the same gait events from `retrogait analyze`, within each device's resolution and rate."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from retrogait.decoders.base import _ENCODERS
from retrogait.events import LandingEvent, StrideEvent
from retrogait.profiles import load_profiles
from retrogait.recording import RecordingReader
from retrogait.session import analyze_items
from retrogait.simulate import make_config, simulate_to_file
from retrogait.truth import GroundTruth

REFERENCE = "retrogait-imu"


def _imu_profiles_with_gyro_and_encoder() -> list[str]:
    out = []
    for name, p in sorted(load_profiles().items()):
        if p.kind != "imu" or p.decoder.name not in _ENCODERS or p.gyr_range_dps is None:
            continue
        out.append(name)
    return out


@cache
def _run(profile: str, tmp: str
         ) -> tuple[list[StrideEvent], list[LandingEvent], float, GroundTruth]:
    cfg = make_config(scenario="backward_run", duration_s=16.0, seed=11, profile=profile)
    sim, rec, _ = simulate_to_file(cfg, Path(tmp) / f"{profile}.jsonl.gz")
    reader = RecordingReader(rec)
    events = analyze_items(reader.header.sensors, list(reader))
    strides = [e for e in events if isinstance(e, StrideEvent)]
    landings = [e for e in events if isinstance(e, LandingEvent)]
    return strides, landings, sim.rate_hz, sim.truth


def _events(profile: str, tmp: str) -> tuple[list[StrideEvent], list[LandingEvent], float]:
    strides, landings, rate, _ = _run(profile, tmp)
    return strides, landings, rate


@pytest.mark.parametrize("profile", [p for p in _imu_profiles_with_gyro_and_encoder()
                                     if p != REFERENCE])
def test_profile_gives_the_same_events(profile: str, tmp_path_factory: pytest.TempPathFactory
                                       ) -> None:
    tmp = str(tmp_path_factory.getbasetemp())
    ref_strides, ref_landings, ref_rate = _events(REFERENCE, tmp)
    strides, landings, rate = _events(profile, tmp)
    assert len(ref_strides) >= 16
    # same strides: count within one (an edge stride can fall either side of the recording end)
    assert abs(len(strides) - len(ref_strides)) <= 1, (len(strides), len(ref_strides))
    tol_s = 1.5 / min(rate, ref_rate) + 0.005
    matched = 0
    for s in strides:
        ref = min(ref_strides, key=lambda r: abs(r.t_s - s.t_s) + (r.sensor != s.sensor) * 1e9)
        if abs(ref.t_s - s.t_s) > tol_s or ref.sensor != s.sensor:
            continue
        matched += 1
        assert s.direction == ref.direction == "backward"
        assert s.stride_length_m == pytest.approx(ref.stride_length_m, rel=0.03)
        assert s.strike_angle_deg == pytest.approx(ref.strike_angle_deg, abs=2.0)
        assert s.foot_strike == ref.foot_strike
    assert matched >= len(ref_strides) - 2
    ref_t = np.array(sorted(e.t_s for e in ref_landings))
    for e in landings:
        assert np.min(np.abs(ref_t - e.t_s)) <= tol_s or e.t_s < 1.0 or e.t_s > 15.0


@pytest.mark.parametrize("profile", _imu_profiles_with_gyro_and_encoder())
def test_every_landing_angle_matches_the_truth(profile: str,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    """Per landing, not on average: a wrong opening attitude (gravity read while the foot was
    already leaving) once put every third landing 10-13 deg off while the MAE stayed < 3 deg."""
    _, landings, _, truth = _run(profile, str(tmp_path_factory.getbasetemp()))
    checked = 0
    for e in landings:
        st = truth.sensors[e.sensor]
        assert st.strike_angles_deg is not None
        ref_t = np.asarray(st.landings_s)
        k = int(np.argmin(np.abs(ref_t - e.t_s)))
        assert abs(ref_t[k] - e.t_s) <= 0.05, (e.sensor, e.t_s)
        assert e.strike_angle_deg == pytest.approx(st.strike_angles_deg[k], abs=2.0), (
            e.sensor, e.t_s)
        checked += 1
    assert checked >= 30
