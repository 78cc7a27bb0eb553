"""Scoring rules of :mod:`retrogait.evaluate` on constructed events with known answers."""

from __future__ import annotations

import itertools

import pytest

from retrogait.evaluate import score
from retrogait.events import CadenceEvent, Event, LandingEvent, StrideEvent
from retrogait.truth import GroundTruth, SensorTruth, TruthStride


def _truth(strides: list[TruthStride]) -> GroundTruth:
    lands = sorted({s.start_s for s in strides} | {s.end_s for s in strides})
    return GroundTruth(recording="x", origin="simulator", method="constructed",
                       sensors={"l": SensorTruth(landings_s=lands, strides=strides)})


def _stride(a: float, b: float, direction: str = "backward") -> StrideEvent:
    return StrideEvent(t_s=b, emitted_at_s=b + 0.1, sensor="l", foot="left", start_s=a,
                       toe_off_s=a + 0.3, end_s=b, stride_time_s=b - a, contact_time_s=0.3,
                       swing_time_s=b - a - 0.3, direction=direction,  # type: ignore[arg-type]
                       displacement_toe_m=-1.0, stride_length_m=1.0, speed_m_s=1.0,
                       cadence_spm=120 / (b - a), foot_strike="forefoot", strike_angle_deg=-5)


def test_cadence_is_scored_against_the_truth_of_its_own_window() -> None:
    # 1.0 s strides for 12 s, then 0.8 s strides for 16 s: a change of pace
    times = [0.0]
    while times[-1] < 12.0:
        times.append(times[-1] + 1.0)
    while times[-1] < 28.0:
        times.append(round(times[-1] + 0.8, 6))
    truth = _truth([TruthStride(start_s=a, end_s=b, direction="backward")
                    for a, b in itertools.pairwise(times)])
    # a 6 s trailing cadence computed exactly from the true strides of its window: error 0,
    # also right after the change of pace (where the old rule compared it to the new pace)
    ev: list[Event] = []
    for t in times[1:]:
        win = [(a, b) for a, b in itertools.pairwise(times) if t - 6 <= b <= t]
        spm = 120 * len(win) / sum(b - a for a, b in win)
        ev.append(CadenceEvent(t_s=t, emitted_at_s=t, steps_per_min=spm, window_s=6,
                               steps_in_window=2 * len(win), backward_share=1.0))
    s = score(ev, truth).summary()
    assert s["cadence_events"] and s["cadence_events"] > 5
    assert s["cadence_mae_spm"] == pytest.approx(0.0, abs=1e-9)
    # a 120 steps/min claim in the 0.8 s stretch (true 150) is wrong by 30 steps/min
    flat = [e.model_copy(update={"steps_per_min": 120.0}) for e in ev if e.t_s > 19]
    assert score(flat, truth).summary()["cadence_mae_spm"] == pytest.approx(30.0, abs=0.5)


def test_turn_stride_is_matched_by_its_closing_landing() -> None:
    fwd = [TruthStride(start_s=float(k), end_s=float(k + 1), direction="forward")
           for k in range(5)]
    turn = TruthStride(start_s=5.0, end_s=7.2, direction="backward")  # spans a 1.2 s stop
    back = [TruthStride(start_s=7.2 + k, end_s=8.2 + k, direction="backward") for k in range(4)]
    truth = _truth([*fwd, turn, *back])
    det: list[Event] = [_stride(k, k + 1, "forward") for k in range(5)]
    # the detector opened the turn stride at a weight shift inside the stop
    det += [_stride(6.1, 7.2, "backward")] + [_stride(7.2 + k, 8.2 + k) for k in range(4)]
    s = score(det, truth).summary()
    assert s["turn_strides"] == 1 and s["direction_after_turn_pct"] == 100.0
    # wrong direction on it is caught
    det[5] = _stride(6.1, 7.2, "forward")
    assert score(det, truth).summary()["direction_after_turn_pct"] == 0.0
    # no stride closes at the turn landing (chain broken by a long stop): the next one counts
    det.pop(5)
    s = score(det, truth).summary()
    assert s["turn_strides"] == 1 and s["direction_after_turn_pct"] == 100.0


def test_split_and_missed_strides_are_counted() -> None:
    """One real stride reported as an in-place piece and a short one: the reference stride is
    split and not found (missed, so a wrong direction over the reference strides), and the
    in-place piece is a false in-place stride."""
    ref = [TruthStride(start_s=float(k), end_s=float(k + 1), direction="backward")
           for k in range(4)]
    truth = _truth(ref)

    def land(t: float) -> LandingEvent:
        return LandingEvent(t_s=t, emitted_at_s=t + 0.1, sensor="l", foot="left",
                            foot_strike="forefoot", strike_angle_deg=-5)

    good: list[Event] = [land(float(k)) for k in range(5)]
    good += [_stride(k, k + 1) for k in range(4)]
    s = score(good, truth).summary()
    assert (s["strides_missed"], s["strides_split"], s["in_place_false"]) == (0, 0, 0)
    assert s["direction_ref_pct"] == 100.0
    # stride 1 -> 2 split at 1.4 s: an in-place piece (1.0-1.4) and a backward one (1.4-2.0)
    split: list[Event] = [land(t) for t in (0.0, 1.0, 1.4, 2.0, 3.0, 4.0)]
    split += [_stride(0, 1), _stride(1, 1.4, "in_place"), _stride(1.4, 2), _stride(2, 3),
              _stride(3, 4)]
    s = score(split, truth).summary()
    assert (s["strides_missed"], s["strides_split"]) == (1, 1)
    assert (s["in_place_strides"], s["in_place_false"]) == (1, 1)
    assert s["direction_ref_pct"] == 75.0
