"""Simulated recordings: replayable, consistent with their truth, reproducible, honest timing."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from retrogait.cli import main
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.footstrike import classify_strike
from retrogait.mounting import Mounting
from retrogait.profiles import load_profiles
from retrogait.session import analyze_items
from retrogait.simulate import make_config, simulate_to_file

from .helpers import decode_recording, run_cli, truth_and_notes
from .strapdown import integrate


@pytest.fixture(scope="module")
def ideal_turnaround(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "ideal.jsonl.gz"
    r = run_cli("simulate", "--scenario", "turnaround", "--duration", "18", "--seed", "7",
                "--ideal", "-o", str(out))
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "real.jsonl"
    r = run_cli("simulate", "--scenario", "backward_run", "--duration", "14", "--seed", "3",
                "--packet-loss", "0.03", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout
    return out


def _host_to_sensor(t_host: np.ndarray | float, note: dict) -> np.ndarray:
    return note["clock_sensor_t0_s"] + (np.asarray(t_host) - note["clock_start_s"]) * (
        1 + note["clock_drift_ppm"] * 1e-6)


def test_strapdown_of_the_recorded_signals_reproduces_truth_strides(
    ideal_turnaround: Path,
) -> None:
    """Integrate the *decoded* noise-free signals (int16 quantisation included) from a known
    initial state between mid-stances: stride displacement within 1 % of the truth."""
    reader, decoded, _ = decode_recording(ideal_turnaround)
    truth, notes = truth_and_notes(ideal_turnaround)
    checked = {"forward": 0, "backward": 0}
    for info in reader.header.sensors:
        d = decoded[info.id]
        note = notes["sensors"][info.id]
        st = truth.sensors[info.id]
        M = np.array(note["true_sensor_to_foot"])  # ideal: equals the declared mounting
        assert pytest.approx(info.mounting.sensor_to_foot(), abs=1e-9) == M
        toe_offs = np.array(st.toe_offs_s)
        for s in st.strides:
            later = toe_offs[toe_offs > s.end_s]
            if not len(later):
                continue
            t0 = _host_to_sensor((s.start_s + s.toe_off_s) / 2, note)  # mid opening stance
            t1 = _host_to_sensor((s.end_s + later[0]) / 2, note)  # mid closing stance
            i0, i1 = np.searchsorted(d.t_sensor, [t0, t1])
            p = integrate(d.t_sensor[i0:i1 + 1], d.acc[i0:i1 + 1], d.gyr[i0:i1 + 1], M)
            # the foot is flat at mid-stance, so the foot frame at t0 is the world up to yaw:
            # x of the integrated position is the displacement along the toe axis
            assert s.displacement_toe_m is not None and s.stride_length_m is not None
            assert p[-1, 0] == pytest.approx(s.displacement_toe_m, rel=0.01)
            assert math.hypot(p[-1, 0], p[-1, 1]) == pytest.approx(s.stride_length_m, rel=0.01)
            assert np.sign(p[-1, 0]) == (1 if s.direction == "forward" else -1)
            checked[s.direction] += 1
    assert checked["forward"] >= 10 and checked["backward"] >= 10, checked


def test_recording_replays_with_monotonic_times_and_truthful_timing(realistic: Path) -> None:
    reader, decoded, times = decode_recording(realistic)
    assert reader.stats.ended_cleanly
    assert np.all(np.diff(times) >= 0), "records are written in arrival order"
    truth, notes = truth_and_notes(realistic)
    for info in reader.header.sensors:
        d = decoded[info.id]
        note = notes["sensors"][info.id]
        assert np.all(np.diff(d.t_sensor) > 0), "sample times strictly increase"
        # lost packets show as gaps in the sensor clock and in the device counter
        assert d.lost_packets == note["packets_lost"] > 0
        assert note["packets"] - note["packets_lost"] == d.notifications
        # a notification never arrives before its samples were taken ...
        t_taken = note["clock_start_s"] + (d.t_sensor - note["clock_sensor_t0_s"]) / (
            1 + note["clock_drift_ppm"] * 1e-6)
        latency = d.arrivals - t_taken
        assert latency.min() > 0
        # ... and BLE-like: the newest sample of a packet arrives within ~1-40 ms
        assert 0.001 < np.median(latency) < 0.05
        assert np.percentile(latency, 99) < 0.12
        # truth lies inside the sensor's data
        st = truth.sensors[info.id]
        assert t_taken[0] < st.landings_s[0] and st.landings_s[-1] < t_taken[-1]
        assert st.foot_strikes == [classify_strike(a) for a in st.strike_angles_deg or []]
        assert all(s.direction == "backward" and s.displacement_toe_m < 0 for s in st.strides)
        # realistic signals: gravity at rest during the first second, noise present
        still = d.acc[:100]
        assert np.linalg.norm(still.mean(axis=0)) == pytest.approx(STANDARD_GRAVITY, rel=0.02)
        assert still.std(axis=0).max() > 0.005
    events = analyze_items(reader.header.sensors, list(type(reader)(realistic)))
    assert events is not None  # the whole flow runs on it


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    cfg = make_config(scenario="backward_run", duration_s=12, seed=11, feet=("left",))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, rec_a, truth_a = simulate_to_file(cfg, tmp_path / "a" / "run.jsonl.gz")
    _, rec_b, truth_b = simulate_to_file(cfg, tmp_path / "b" / "run.jsonl.gz")
    assert rec_a.read_bytes() == rec_b.read_bytes()
    assert truth_a.read_bytes() == truth_b.read_bytes()
    other = make_config(scenario="backward_run", duration_s=12, seed=12, feet=("left",))
    _, rec_c, _ = simulate_to_file(other, tmp_path / "c.jsonl.gz")
    assert rec_c.read_bytes() != rec_a.read_bytes()


def test_tapping_makes_no_strides_but_real_motion(tmp_path: Path) -> None:
    out = tmp_path / "tap.jsonl"
    r = run_cli("simulate", "--scenario", "tapping", "--duration", "12", "-o", str(out))
    assert r.returncode == 0, r.stderr
    truth, _ = truth_and_notes(out)
    for st in truth.sensors.values():
        assert st.strides == [] and st.landings_s == [] and st.toe_offs_s == []
    assert {a.activity for a in truth.activities} == {"still", "tapping"}
    _, decoded, _ = decode_recording(out)
    assert np.abs(decoded["right"].gyr).max() > 100  # the foot really moves (deg/s)


def test_small_acc_range_clips_running(tmp_path: Path) -> None:
    out = tmp_path / "clip.jsonl"
    assert main(["simulate", "--scenario", "forward_run", "--duration", "12", "--feet", "left",
                 "--acc-range-g", "8", "-o", str(out)]) == 0
    _, decoded, _ = decode_recording(out)
    _, notes = truth_and_notes(out)
    peak = np.abs(decoded["left"].acc).max() / STANDARD_GRAVITY
    assert peak == pytest.approx(8.0, abs=0.01)
    assert notes["sensors"]["left"]["acc_clipped_samples"] > 10


@pytest.mark.parametrize("args, message", [
    (["--scenario", "moonwalk"], "unknown scenario"),
    (["--packet-loss", "1.5"], "--packet-loss"),
    (["--rate", "333"], "not a rate of profile"),
    (["--feet", "left,nose"], "--feet"),
    (["--profile", "no-such-sensor"], "unknown profile"),
    (["--acc-range-g", "64"], "exceeds the range"),
    (["--scenario", "backward_run", "--duration", "3"], "needs --duration"),
])
def test_bad_options_give_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["simulate", *args, "-o", str(tmp_path / "x.jsonl")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("retrogait: error:") and message in lines[0]
    assert not (tmp_path / "x.jsonl").exists()


def test_bad_option_from_the_installed_command(tmp_path: Path) -> None:
    r = run_cli("simulate", "--scenario", "moonwalk", "-o", str(tmp_path / "x.jsonl"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown scenario" in r.stderr


def test_list_names_the_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("backward_run", "tapping", "turnaround", "walk_turn", "session"):
        assert name in out


_ENCODABLE = sorted(
    n for n, p in load_profiles().items() if p.kind == "imu" and n != "retrogait-imu"
)


@pytest.mark.parametrize("profile", _ENCODABLE)
def test_other_profiles_write_decodable_recordings(tmp_path: Path, profile: str) -> None:
    cfg = make_config(scenario="backward_run", duration_s=12, seed=2, profile=profile,
                      feet=("right",))
    sim, rec, _ = simulate_to_file(cfg, tmp_path / "p.jsonl")
    reader, decoded, _ = decode_recording(rec)
    d = decoded["right"]
    assert reader.header.sensors[0].profile == profile
    n = len(sim.sensors[0].t_host)
    # every sample decoded (no loss configured) but a last incomplete packet
    assert n - 8 <= len(d.acc) <= n
    # decoded values equal what was simulated, up to the device's resolution/range
    acc_sim = sim.sensors[0].signals.acc[: len(d.acc)]
    ok = np.isfinite(d.acc).all(axis=1)
    err = np.abs(d.acc[ok] - acc_sim[ok])
    assert np.median(err) < 0.05
    assert Mounting.model_validate(reader.header.sensors[0].mounting.model_dump())
