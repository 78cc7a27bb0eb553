"""The per-sensor pipeline on constructed strides: events, direction, no invented strides,
block-size invariance (hypothesis), gaps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrogait.events import Event, LandingEvent, StrideEvent
from retrogait.mounting import Mounting
from retrogait.pipeline import SensorPipeline
from retrogait.recording.format import SensorInfo
from retrogait.timing.clock import TimedBlock

from .synth import Synth, forward_walk, time_reversed

INFO = SensorInfo(id="l", profile="imported", placement="left_foot",
                  mounting=Mounting(toe_axis="+x", up_axis="+z"), rate_hz=200)


def run(s: Synth, block: int | list[int] = 8, info: SensorInfo = INFO,
        gaps: dict[int, float] | None = None) -> list[Event]:
    pipe = SensorPipeline(info)
    events: list[Event] = []
    sizes = [block] if isinstance(block, int) else block
    i, k = 0, 0
    while i < s.t.size:
        n = sizes[k % len(sizes)]
        k += 1
        gap = (gaps or {}).get(i, 0.0)
        events += pipe.process(TimedBlock(t=s.t[i : i + n], acc=s.acc[i : i + n],
                                          gyr=s.gyr[i : i + n], gap_before_s=gap))
        i += n
    return events + pipe.finish()


def landings(ev: list[Event]) -> list[LandingEvent]:
    return [e for e in ev if isinstance(e, LandingEvent)]


def strides(ev: list[Event]) -> list[StrideEvent]:
    return [e for e in ev if isinstance(e, StrideEvent)]


@pytest.mark.parametrize("backward", [False, True])
def test_strides_landings_and_direction(backward: bool) -> None:
    s = forward_walk(n_strides=8, noise=1.0)
    if backward:
        s = time_reversed(s)
    ev = run(s)
    lands = landings(ev)
    assert len(lands) == len(s.landings)
    np.testing.assert_allclose([e.t_s for e in lands], s.landings, atol=0.01)
    strs = strides(ev)
    assert len(strs) == len(s.landings) - 1
    assert {e.direction for e in strs} == {"backward" if backward else "forward"}
    for e in strs:
        assert e.stride_length_m == pytest.approx(1.2, rel=0.03)
        assert e.toe_off_s == pytest.approx(min(s.toe_offs, key=lambda x: abs(x - e.toe_off_s)),
                                            abs=0.01)
        assert e.emitted_at_s - e.end_s < 0.3
    # the landing is decided during the landing rotation, well before the stance is confirmed
    # (the first landing has no opening anchor yet and waits for its stance)
    for e in lands[1:]:
        assert e.emitted_at_s - e.t_s < 0.15
    for e in strs:
        assert any(ld.t_s == e.end_s and ld.emitted_at_s < e.emitted_at_s for ld in lands)
    expect = "forefoot" if backward else "rearfoot"
    assert all(e.foot_strike == expect for e in lands)
    if not backward:
        assert all(abs(e.strike_angle_deg - 20.0) < 3 for e in lands)
    else:  # landing = reversed toe-off posture: toes 50° down
        assert all(abs(e.strike_angle_deg + 50.0) < 3 for e in lands)


def test_mounting_is_honoured() -> None:
    """Same motion seen by a sensor strapped with toes at -y and up at -x."""
    info = SensorInfo(id="l", profile="imported", placement="left_foot",
                      mounting=Mounting(toe_axis="-y", up_axis="-x"), rate_hz=200)
    r = info.mounting.sensor_to_foot()
    s = forward_walk(n_strides=5)
    s2 = Synth(t=s.t, acc=s.acc @ r, gyr=s.gyr @ r, landings=s.landings)  # foot -> sensor
    ev = run(s2, info=info)
    assert [e.direction for e in strides(ev)] == ["forward"] * 4


def test_standing_still_and_tapping_make_no_strides() -> None:
    still = forward_walk(n_strides=0, still_s=5.0, noise=1.0)
    assert landings(run(still)) == []
    tap = forward_walk(n_strides=10, tapping=True, noise=1.0)
    ev = run(tap)
    assert landings(ev) == [] and strides(ev) == []


def test_activity_changes() -> None:
    ev = run(forward_walk(n_strides=6))
    acts = [e.activity for e in ev if e.kind == "activity"]
    assert acts == ["still", "walking", "still"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=12))
def test_block_size_does_not_change_events(sizes: list[int]) -> None:
    s = _BLOCK_SYNTH
    ref = _BLOCK_REF
    got = run(s, block=sizes)
    assert [e.model_dump() for e in got] == [e.model_dump() for e in ref]


_BLOCK_SYNTH = time_reversed(forward_walk(n_strides=5, noise=1.0, seed=3))
_BLOCK_REF = run(_BLOCK_SYNTH, block=_BLOCK_SYNTH.t.size)


def test_gap_marks_strides_uncertain_without_inventing_any() -> None:
    s = forward_walk(n_strides=6, noise=1.0)
    # drop 60 ms in the middle of the 3rd swing
    t_gap = s.toe_offs[2] + 0.15
    i = int(np.searchsorted(s.t, t_gap))
    keep = np.ones(s.t.size, dtype=bool)
    keep[i : i + 12] = False
    s2 = Synth(t=s.t[keep], acc=s.acc[keep], gyr=s.gyr[keep], landings=s.landings)
    j = i  # first sample after the hole in the kept arrays
    blocks = [j, s2.t.size - j]
    ev = run(s2, block=blocks, gaps={j: 0.06})
    assert any(e.kind == "gap" for e in ev)
    strs = strides(ev)
    assert len(strs) <= len(s.landings) - 1
    spanning = [e for e in strs if e.start_s < t_gap < e.end_s]
    assert spanning and all(e.uncertain for e in spanning)
    assert not any(e.uncertain for e in strs if e.end_s < t_gap - 1.5)


def test_memory_is_bounded() -> None:
    s = forward_walk(n_strides=40)
    pipe = SensorPipeline(INFO)
    for i in range(0, s.t.size, 10):
        pipe.process(TimedBlock(t=s.t[i : i + 10], acc=s.acc[i : i + 10], gyr=s.gyr[i : i + 10]))
    assert pipe.buf.data.shape[0] == 2 * pipe.buf.capacity
