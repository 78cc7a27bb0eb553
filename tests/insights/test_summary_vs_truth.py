"""The session summary on simulator recordings against the simulator's exact truth.

- From the truth's own strides the builder must reproduce figures computed independently from
  the truth file (conventions: per-foot sums averaged over the feet, shares of strides, medians).
- From the pipeline's events the summary must match the truth within the pipeline's targets
  (docs/pipeline.md, Evaluation): direction >= 99.5 %, cadence <= 1 step/min, contact time
  <= 15 ms, stride length <= 5 %, foot-strike class >= 95 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrogait.events import StrideEvent
from retrogait.insights.recording import analyze_recording
from retrogait.insights.summary import SessionSummary, SummaryBuilder
from retrogait.truth import GroundTruth, truth_path_for

from .conftest import cli


@pytest.fixture(scope="module")
def turnaround(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forward run, stop, backward run (both feet), 20 s."""
    out = tmp_path_factory.mktemp("sim") / "turnaround.jsonl.gz"
    cli("simulate", "--scenario", "turnaround", "--duration", "20", "--seed", "3", "-o", out)
    return out


def truth_strides(rec: Path) -> tuple[GroundTruth, list[StrideEvent]]:
    truth = GroundTruth.load(truth_path_for(rec))
    out = []
    for sid, st in truth.sensors.items():
        strike = dict(zip(st.landings_s, st.foot_strikes or [], strict=False))
        angle = dict(zip(st.landings_s, st.strike_angles_deg or [], strict=False))
        for s in st.strides:
            assert s.toe_off_s is not None and s.stride_length_m is not None
            assert s.displacement_toe_m is not None and s.speed_m_s is not None
            t = s.end_s - s.start_s
            out.append(StrideEvent(
                t_s=s.end_s, emitted_at_s=s.end_s, sensor=sid, foot=sid,  # type: ignore[arg-type]
                start_s=s.start_s, toe_off_s=s.toe_off_s, end_s=s.end_s, stride_time_s=t,
                contact_time_s=s.toe_off_s - s.start_s, swing_time_s=s.end_s - s.toe_off_s,
                direction=s.direction, displacement_toe_m=s.displacement_toe_m,
                stride_length_m=s.stride_length_m, speed_m_s=s.speed_m_s, cadence_spm=120.0 / t,
                foot_strike=strike[s.start_s], strike_angle_deg=angle[s.start_s]))
    return truth, sorted(out, key=lambda e: e.t_s)


def test_builder_reproduces_truth_figures(turnaround: Path) -> None:
    truth, strides = truth_strides(turnaround)
    s = SummaryBuilder().add_all(strides).summary()
    feet = list(truth.sensors.values())
    assert len(feet) == 2
    for d in ("backward", "forward"):
        per_foot = [[x for x in f.strides if x.direction == d] for f in feet]
        dist = np.mean([sum(x.stride_length_m or 0 for x in p) for p in per_foot])
        time = np.mean([sum(x.end_s - x.start_s for x in p) for p in per_foot])
        totals = getattr(s, d)
        assert totals.strides == sum(len(p) for p in per_foot) > 5
        assert totals.distance_m == pytest.approx(dist)
        assert totals.time_s == pytest.approx(time)
    back = [x for f in feet for x in f.strides if x.direction == "backward"]
    all_strides = [x for f in feet for x in f.strides]
    assert s.backward_share == pytest.approx(len(back) / len(all_strides))
    contact = [x.toe_off_s - x.start_s for x in back]  # type: ignore[operator]
    assert s.backward_metrics.contact_time_s.median == pytest.approx(np.median(contact),
                                                                      abs=0.0005)
    cad = [120.0 / (x.end_s - x.start_s) for x in all_strides]
    assert s.all.cadence_spm.median == pytest.approx(np.median(cad), abs=0.05)


def _pipeline_vs_truth(rec: Path) -> tuple[SessionSummary, SessionSummary]:
    _, strides = truth_strides(rec)
    return analyze_recording(rec).summary, SummaryBuilder().add_all(strides).summary()


def test_pipeline_summary_matches_truth_within_targets(turnaround: Path) -> None:
    got, want = _pipeline_vs_truth(turnaround)
    n = want.backward.strides + want.forward.strides
    assert got.strides_total == pytest.approx(want.strides_total, abs=max(1, 0.01 * n))
    assert got.backward_share == pytest.approx(want.backward_share, abs=0.005 + 1 / n)
    for m in ("backward_metrics", "forward_metrics"):
        g, w = getattr(got, m), getattr(want, m)
        assert g.cadence_spm.median == pytest.approx(w.cadence_spm.median, abs=1.0)
        assert g.contact_time_s.median == pytest.approx(w.contact_time_s.median, abs=0.015)
        assert g.stride_length_m.median == pytest.approx(w.stride_length_m.median, rel=0.05)
        assert g.speed_m_s.median == pytest.approx(w.speed_m_s.median, rel=0.05)
    assert got.backward.distance_m == pytest.approx(want.backward.distance_m, rel=0.05)
    assert got.forward.distance_m == pytest.approx(want.forward.distance_m, rel=0.05)
    assert got.foot_strike_backward.forefoot == pytest.approx(
        want.foot_strike_backward.forefoot, abs=0.05)
