"""export and history commands as real subprocesses on a real (imported) recording."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from retrogait.insights.export import STRIDE_COLUMNS
from retrogait.insights.recording import analyze_recording
from retrogait.insights.summary import SessionSummary

from .conftest import cli


def test_export_strides_and_summary(walk_recording: Path, tmp_path: Path) -> None:
    strides_csv, summary_csv, summary_json = (tmp_path / n for n in
                                              ("s.csv", "sum.csv", "sum.json"))
    cli("export", walk_recording, "--strides", strides_csv, "--summary", summary_csv,
        "--summary-json", summary_json)
    session = analyze_recording(walk_recording)
    with open(strides_csv, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames == STRIDE_COLUMNS
    assert len(rows) == len(session.strides)
    for row, s in zip(rows, session.strides, strict=True):
        assert float(row["stride_length_m"]) == s.stride_length_m
        assert row["direction"] == s.direction and int(row["uncertain"]) == int(s.uncertain)
    with open(summary_csv, newline="") as fh:
        (only,) = list(csv.DictReader(fh))
    stored = SessionSummary.model_validate_json(summary_json.read_text())
    assert only["schema"] == "retrogait.session/1"
    assert float(only["backward.distance_m"]) == pytest.approx(stored.backward.distance_m)
    assert int(only["strides_total"]) == stored.strides_total == len(session.strides)
    assert only["sensors"] == "left; right"
    assert "left_right.left.metrics.contact_time_s.median" in only
    assert not any(k.startswith("bins") for k in only)


def test_history_add_and_show(walk_recording: Path, tmp_path: Path) -> None:
    env = dict(os.environ, RETROGAIT_HISTORY=str(tmp_path / "h.sqlite"))
    import subprocess
    import sys

    refused = subprocess.run([sys.executable, "-m", "retrogait", "history", "add",
                              str(walk_recording)], capture_output=True, text=True, env=env)
    assert refused.returncode == 2, refused.stderr
    assert "imported lab recording" in refused.stderr and "--imported" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    out = cli("history", "add", "--imported", walk_recording, env=env).stdout
    assert out.startswith("added ")
    shown = cli("history", env=env).stdout
    assert "weekly backward volume" in shown and "first week: no baseline" in shown
    again = subprocess.run([sys.executable, "-m", "retrogait", "history", "add", "--imported",
                            str(walk_recording)], capture_output=True, text=True, env=env)
    assert again.returncode == 2 and "already in the history" in again.stderr
    cli("history", "add", "--imported", "--replace", walk_recording, env=env)
