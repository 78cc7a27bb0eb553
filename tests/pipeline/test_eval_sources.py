"""``tools/eval_sources.py`` end to end on one real source (forward and time-reversed), and the
direction rule of the reversed truth."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

from retrogait.evaluate import reverse_truth
from retrogait.truth import GroundTruth, SensorTruth, TruthStride

REPO = Path(__file__).resolve().parents[2]


def test_eval_sources_prints_signed_bias_per_source(test_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    res = subprocess.run(
        [sys.executable, "tools/eval_sources.py", str(test_data), "--only", "gaitmap",
         "--work", str(tmp_path / "work"), "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    assert res.returncode == 0, res.stderr
    assert "| gaitmap_healthy_walk2x20m | development |" in res.stdout
    assert "| gaitmap_healthy_walk2x20m (reversed) | development |" in res.stdout
    assert "signed bias, ms" in res.stdout and "**pooled development reversed** (1)" in res.stdout
    rows = json.loads(out.read_text())
    fwd, rev = rows
    assert (fwd["reversed"], rev["reversed"]) == (False, True)
    # both feet of the trial in one recording: every reference landing is counted
    n_ic = sum(len(json.loads(p.read_text())["truth_times_s"]["ic"])
               for p in test_data.glob("gaitmap_*_foot.json"))
    assert fwd["landings_tp"] + fwd["landings_fn"] == n_ic
    assert fwd["landing_bias_median_ms"] is not None and rev["landing_bias_median_ms"] is not None
    assert fwd["strike_landings"] == fwd["landings_tp"]  # the sidecar's rearfoot class
    assert fwd["direction_ref_pct"] > 90 and rev["direction_ref_pct"] > 90
    rev_truth = json.loads(
        (tmp_path / "work" / "gaitmap_healthy_walk2x20m_reversed.truth.json").read_text())
    directions = {s["direction"] for st in rev_truth["sensors"].values() for s in st["strides"]}
    assert directions == {"backward"}


def test_reversed_truth_flips_each_strides_direction() -> None:
    """Forward gait reversed is backward; backward gait (the other simulator's) is forward."""
    ic = [1.0, 2.0, 3.0, 4.0]
    tc = [0.6, 1.6, 2.6, 3.6]
    truth = GroundTruth(
        recording="x.jsonl.gz", origin="dataset", method="test",
        sensors={"left": SensorTruth(landings_s=ic, toe_offs_s=tc, strides=[
            TruthStride(start_s=a, end_s=b, direction="backward")
            for a, b in itertools.pairwise(ic)])},
    )
    rev = reverse_truth(truth, 5.0, "r.jsonl.gz")
    strides = rev.sensors["left"].strides
    assert strides and {s.direction for s in strides} == {"forward"}
    assert rev.sensors["left"].landings_s == [5.0 - t for t in reversed(tc)]
