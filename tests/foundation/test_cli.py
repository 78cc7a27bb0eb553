"""The CLI as a user runs it: real subprocesses, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrogait.recording import RecordingReader
from retrogait.sources import DecodedSamples
from retrogait.truth import GroundTruth

from .helpers import synthetic_recording


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "retrogait", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )


def test_profiles_list_and_show() -> None:
    r = cli("profiles")
    assert r.returncode == 0 and "retrogait-imu" in r.stdout
    r = cli("profiles", "show", "retrogait-imu")
    assert r.returncode == 0 and 'name = "retrogait-imu"' in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("profiles", "show", "nope"), "unknown profile 'nope'"),
        (("replay", "/nonexistent.jsonl"), "no such recording"),
        (("analyze", "/nonexistent.jsonl"), "no such recording"),
        (("import-csv", "/nonexistent.csv", "-o", "/tmp/x.jsonl", "--placement", "left_foot",
          "--toe-axis", "+x", "--up-axis", "+z"), "no such CSV file"),
        (("import-csv", "a.csv", "b.csv", "-o", "/tmp/x.jsonl", "--placement", "left_foot"),
         "--placement needs one value per CSV file (2), got 1"),
    ],
)
def test_user_errors_are_one_line_and_nonzero(args: tuple[str, ...], message: str) -> None:
    r = cli(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("retrogait: error:") and message in lines[0]
    assert "Traceback" not in r.stderr


def test_bad_option_is_usage_error() -> None:
    r = cli("replay", "x.jsonl", "--speed", "warp")
    assert r.returncode == 2 and "speed must be a factor" in r.stderr


def test_import_csv_both_feet_from_bundled_data(tmp_path: Path, test_data: Path) -> None:
    left = test_data / "gaitmap_healthy_walk2x20m_left_foot.csv"
    right = test_data / "gaitmap_healthy_walk2x20m_right_foot.csv"
    out = tmp_path / "gm.jsonl.gz"
    r = cli("import-csv", str(left), str(right), "-o", str(out))
    assert r.returncode == 0, r.stderr
    reader = RecordingReader(out)
    assert [s.id for s in reader.header.sensors] == ["left", "right"]
    assert reader.header.sensors[0].mounting.toe_axis == "+y"
    assert reader.header.sensors[1].mounting.toe_axis == "-y"
    assert reader.header.sensors[0].rate_hz == 204.8
    per_sensor: dict[str, list[DecodedSamples]] = {"left": [], "right": []}
    for item in reader:
        assert isinstance(item, DecodedSamples)
        per_sensor[item.sensor].append(item)
    # every CSV row arrives, in order, with the CSV's values
    csv_left = np.loadtxt(left, delimiter=",", skiprows=1)
    got = np.concatenate([np.column_stack([b.t_sensor, b.acc, b.gyr]) for b in per_sensor["left"]])
    np.testing.assert_allclose(got, csv_left, atol=1e-6)
    truth = GroundTruth.load(tmp_path / "gm.truth.json")
    assert len(truth.sensors["left"].landings_s) == 29
    assert truth.sensors["left"].strides[0].direction == "forward"
    # the gaitmap files carry no recording time: the import time stands, and the notes say so
    assert "recording time unknown" in reader.header.notes


def test_import_csv_takes_the_session_start_from_the_data(tmp_path: Path, test_data: Path) -> None:
    """PyShoe file names carry the recording time; --started overrides it."""
    from datetime import UTC, datetime

    csv = test_data / "pyshoe_vicon_24_2017-11-27-11-11-24_run_right_foot.csv"
    out = tmp_path / "p.jsonl.gz"
    assert cli("import-csv", str(csv), "-o", str(out)).returncode == 0
    assert RecordingReader(out).header.created == datetime(2017, 11, 27, 11, 11, 24, tzinfo=UTC)
    r = cli("import-csv", str(csv), "-o", str(out), "--started", "2020-01-02T03:04:05+01:00")
    assert r.returncode == 0, r.stderr
    assert RecordingReader(out).header.created.isoformat() == "2020-01-02T03:04:05+01:00"


def test_import_csv_with_options_and_errors(tmp_path: Path) -> None:
    csv = tmp_path / "mine.csv"
    t = np.arange(100) / 100
    rows = np.column_stack([t, np.zeros(100), np.zeros(100), np.full(100, 9.81),
                            np.zeros(100), np.zeros(100), np.zeros(100)])
    np.savetxt(csv, rows, delimiter=",", header="t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z",
               comments="")
    out = tmp_path / "mine.jsonl"
    r = cli("import-csv", str(csv), "-o", str(out), "--placement", "right_foot",
            "--toe-axis=-x", "--up-axis", "z")
    assert r.returncode == 0, r.stderr
    hdr = RecordingReader(out).header
    assert hdr.sensors[0].id == "right" and hdr.sensors[0].mounting.up_axis == "+z"
    assert hdr.sensors[0].rate_hz == 100
    # no mounting -> clear error
    r = cli("import-csv", str(csv), "-o", str(out))
    assert r.returncode == 2 and "--toe-axis" in r.stderr
    # bad axis
    r = cli("import-csv", str(csv), "-o", str(out), "--placement", "left_foot",
            "--toe-axis", "+x", "--up-axis", "+x")
    assert r.returncode == 2 and "different axes" in r.stderr
    # malformed row names the line
    csv.write_text(csv.read_text() + "1.5,a,b,c,d,e,f\n")
    r = cli("import-csv", str(csv), "-o", str(out), "--placement", "left_foot",
            "--toe-axis", "+x", "--up-axis", "+z")
    assert r.returncode == 2 and "mine.csv:102: expected 7 numbers" in r.stderr


def test_analyze_and_replay_write_events(tmp_path: Path) -> None:
    rec = tmp_path / "s.jsonl.gz"
    synthetic_recording(rec, seconds=1.0)
    ev = tmp_path / "events.jsonl"
    r = cli("analyze", str(rec), "--events", str(ev))
    assert r.returncode == 0, r.stderr
    assert ev.exists()
    for line in ev.read_text().splitlines():
        assert "kind" in json.loads(line)
    r = cli("replay", str(rec), "--speed", "max", "--events", str(tmp_path / "e2.jsonl"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "e2.jsonl").read_text() == ev.read_text()
    assert "\r" not in r.stderr  # stderr is a pipe: no progress bar (on a terminal: grammar)


def test_replay_warns_on_cut_off_recording(tmp_path: Path) -> None:
    rec = tmp_path / "cut.jsonl"
    synthetic_recording(rec, seconds=1.0)
    rec.write_text(rec.read_text()[:-40])
    r = cli("replay", str(rec), "--speed", "max", "--quiet")
    assert r.returncode == 0
    assert "cut off" in r.stderr
