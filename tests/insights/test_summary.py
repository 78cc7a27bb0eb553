"""SummaryBuilder on constructed event streams whose figures are known exactly."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.events import FallEvent, GapEvent, SensorStatusEvent, StepEvent
from retrogait.insights.summary import (
    RESOLUTION,
    SessionSummary,
    SummaryBuilder,
    _Hist,
    estimate_energy,
)
from retrogait.insights.summary_text import format_summary

from .helpers import run_of, stride


def two_feet_session() -> SummaryBuilder:
    """Left and right: 10 backward strides (0.8 s, forefoot) then 4 forward (0.75 s, rearfoot);
    the right foot's backward contact is 20 ms longer; one uncertain stride and a gap on L."""
    b = SummaryBuilder(athlete="ana", recording="/x/run1.jsonl.gz", bin_s=5.0,
                       started_at=datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    events = []
    events += run_of("L", "left", 0.0, 10, 0.8, 0.20, 1.6, "backward", "forefoot", -8.0)
    events += run_of("L", "left", 8.0, 4, 0.75, 0.25, 2.25, "forward", "rearfoot", 10.0)
    events += run_of("R", "right", 0.4, 10, 0.8, 0.22, 1.6, "backward", "forefoot", -6.0)
    events += run_of("R", "right", 8.4, 4, 0.75, 0.25, 2.25, "forward", "rearfoot", 12.0)
    events.append(stride("L", "left", 12.0, 0.8, 0.2, 9.9, "backward", "midfoot", 0.0,
                         uncertain=True))
    events.append(GapEvent(t_s=12.3, emitted_at_s=12.4, sensor="L", foot="left",
                           start_s=12.2, end_s=12.7, lost_packets=3))
    for i in range(10):
        events.append(StepEvent(t_s=0.4 + i * 0.8, emitted_at_s=1.0, foot="right",
                                step_time_s=0.42))
        events.append(StepEvent(t_s=0.8 + i * 0.8, emitted_at_s=1.0, foot="left",
                                step_time_s=0.40))
    events.append(SensorStatusEvent(t_s=5.0, emitted_at_s=5.0, sensor="R", foot="right",
                                    status="decode_error", detail="bad length"))
    events.append(SensorStatusEvent(t_s=6.0, emitted_at_s=6.0, sensor="R", foot="right",
                                    status="disconnected"))
    events.sort(key=lambda e: e.t_s)
    b.add_all(events)
    b.observe(20.0)
    return b


def test_directions_distance_and_time() -> None:
    s = two_feet_session().summary()
    assert s.strides_total == 29
    # both feet cover the same way: distance and time are per-foot sums averaged over the feet
    assert s.backward.strides == 20
    assert s.backward.distance_m == pytest.approx(16.0)
    assert s.backward.time_s == pytest.approx(8.0)
    assert s.forward.strides == 8
    assert s.forward.distance_m == pytest.approx(9.0)
    assert s.forward.time_s == pytest.approx(3.0)
    assert s.in_place.strides == 0
    assert s.backward_share == pytest.approx(20 / 28)
    assert s.start_s == 0.0 and s.end_s == 20.0 and s.duration_s == 20.0
    assert s.sensors == ["L", "R"]


def test_medians_and_foot_strike() -> None:
    s = two_feet_session().summary()
    assert s.backward_metrics.contact_time_s.median == pytest.approx(0.21)  # 10 x .20, 10 x .22
    assert s.backward_metrics.contact_time_s.n == 20
    assert s.backward_metrics.cadence_spm.median == pytest.approx(150.0)
    assert s.forward_metrics.cadence_spm.median == pytest.approx(160.0)
    assert s.forward_metrics.speed_m_s.median == pytest.approx(3.0)
    assert s.all.stride_length_m.median == pytest.approx(1.6)
    assert s.all.cadence_spm.p75 == pytest.approx(np.quantile([150.0] * 20 + [160.0] * 8, 0.75))
    assert s.backward_metrics.strike_angle_deg.median == pytest.approx(-7.0)
    assert s.foot_strike.n == 28
    assert s.foot_strike.forefoot == pytest.approx(20 / 28)
    assert s.foot_strike.rearfoot == pytest.approx(8 / 28)
    assert s.foot_strike.midfoot == 0.0  # the midfoot stride was uncertain
    assert s.foot_strike_backward.forefoot == 1.0


def test_left_right_balance() -> None:
    lr = two_feet_session().summary().left_right
    assert lr is not None
    assert (lr.left.sensor, lr.right.sensor) == ("L", "R")
    assert lr.left.strides == 14 and lr.right.strides == 14
    assert lr.left.metrics.contact_time_s.median == pytest.approx(0.20)
    assert lr.right.metrics.contact_time_s.median == pytest.approx(0.22)
    assert lr.contact_time_asymmetry_pct == pytest.approx(100 * (0.20 - 0.22) / 0.21)
    assert lr.stride_length_asymmetry_pct == pytest.approx(0.0)
    assert lr.step_time_left_pct == pytest.approx(100 * 4.0 / 8.2)


def test_data_quality_and_notes() -> None:
    s = two_feet_session().summary()
    q = s.quality
    assert (q.gaps, q.lost_packets, q.uncertain_strides, q.decode_errors, q.disconnects) == (
        1, 3, 1, 1, 1)
    assert q.gap_time_s == pytest.approx(0.5)
    assert any("could not be decoded" in n for n in s.notes)


def test_time_bins() -> None:
    s = two_feet_session().summary()
    assert s.bin_s == 5.0
    assert sum(b.strides for b in s.bins) == 28
    assert sum(b.uncertain for b in s.bins) == 1
    first = s.bins[0]
    assert first.start_s == 0.0
    # strides closing in [0, 5): L at 0.8..4.8 (6), R at 1.2..4.4 (5), all backward, 0.8 s
    assert (first.strides, first.backward, first.forefoot) == (11, 11, 11)
    assert first.cadence_spm == pytest.approx(150.0)
    assert first.contact_time_s == pytest.approx((6 * 0.20 + 5 * 0.22) / 11)


def test_energy_quotes_the_reference() -> None:
    e = estimate_energy(10_000.0, body_mass_kg=70.0)
    # ACSM net horizontal term 0.2 ml/kg/m, 5 kcal per L O2 -> 1 kcal/kg/km; x 1.30-1.35 backward
    assert e.forward_equivalent_kcal_per_kg == pytest.approx(10.0)
    assert (e.net_kcal_per_kg_low, e.net_kcal_per_kg_high) == pytest.approx((13.0, 13.5))
    assert (e.net_kcal_low, e.net_kcal_high) == pytest.approx((910.0, 945.0))
    assert "ACSM" in e.method and "Wright & Weyand 2001" in e.source
    s = two_feet_session().summary()
    assert s.energy.backward_distance_m == pytest.approx(16.0)


def test_single_foot_has_no_left_right_and_roundtrips() -> None:
    b = SummaryBuilder(session_id="one")
    b.add_all(run_of("S", "unknown", 0.0, 5, 1.0, 0.3, 2.0, "backward", "forefoot", -5.0))
    b.add(FallEvent(t_s=6.0, emitted_at_s=6.5, sensor="S", peak_acc_m_s2=80.0))
    s = b.summary()
    assert s.left_right is None
    assert s.falls == 1 and any("fall" in n for n in s.notes)
    # the JSON published on MQTT reads back to the same model, with the "schema" key
    text = s.to_json()
    assert '"schema":"retrogait.session/1"' in text
    assert SessionSummary.model_validate_json(text) == s
    assert "backward" in format_summary(s)


def test_empty_session() -> None:
    s = SummaryBuilder().summary()
    assert s.strides_total == 0 and s.backward_share is None and s.duration_s == 0.0
    assert s.all.cadence_spm.median is None
    assert "no strides detected" in s.notes


def test_memory_is_bounded_per_bin() -> None:
    """An hour of strides keeps one bin per minute, not one entry per stride outside the bin."""
    b = SummaryBuilder()
    for i in range(3600):
        b.add(stride("S", "left", i * 1.0, 1.0, 0.3, 2.0, "backward", "forefoot", -5.0))
    assert len(b._bins) == 61
    assert b.summary().backward.distance_m == pytest.approx(7200.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.05, 1.5), min_size=1, max_size=200), st.floats(0.0, 1.0))
def test_histogram_quantile_within_half_a_bin(values: list[float], q: float) -> None:
    lo, hi, step = RESOLUTION["contact_time_s"]
    h = _Hist(lo, hi, step)
    for v in values:
        h.add(v)
    got = h.quantile(q)
    assert got is not None
    assert abs(got - float(np.quantile(values, q))) <= step / 2 + 1e-9
