"""Fall detection on the body simulator: falls found within 2 s by every sensor set (a fall
that ends sitting: by the sets with feet), the alert ends when the runner gets up, and the
movements that are not falls raise nothing."""

from __future__ import annotations

import functools

import pytest

from retrogait.events import Event, FallEvent, RecoveredEvent
from retrogait.pipeline.fall import FallFusion
from retrogait.recording.format import SensorInfo
from retrogait.session import GaitSession
from retrogait.simulate.body import BodySimulation, simulate_body

SITES = ("left", "right", "chest", "lower_back")


@functools.cache
def _sim(name: str, seed: int, gyro: bool) -> BodySimulation:
    return simulate_body(name, seed=seed, sites=SITES, gyro=gyro)


def _events(sites: tuple[str, ...], name: str, seed: int, gyro: bool = True
            ) -> tuple[list[Event], BodySimulation]:
    """Events of the sensors ``sites`` of one simulation of all four."""
    sim = _sim(name, seed, gyro)
    sensors = [s for s in sim.sensors if s.id in sites]
    items = [it for it in sim.items if it.sensor in sites]
    return GaitSession(sensors).analyze(items), sim


@pytest.mark.parametrize("name", ["fall_backward_run", "fall_backward_walk", "trip_forward"])
@pytest.mark.parametrize("sites,gyro", [(("left", "right"), True), (("chest",), True),
                                        (("chest",), False), (("lower_back",), True),
                                        (("left", "right", "chest"), True)])
def test_falls_are_found_within_2_s_and_end_when_the_runner_gets_up(
        name: str, sites: tuple[str, ...], gyro: bool) -> None:
    events, sim = _events(sites, name, seed=3, gyro=gyro)
    falls = [e for e in events if isinstance(e, FallEvent)]
    fall = sim.falls[0]
    assert len(falls) == 1
    f = falls[0]
    assert fall.t0 <= f.emitted_at_s <= fall.impact_t + 2.0
    assert f.evidence == ("trunk" if any(s in sites for s in ("chest", "lower_back")) else "feet")
    assert f.tilt_deg is not None and f.tilt_deg > 35
    rec = [e for e in events if isinstance(e, RecoveredEvent)]
    # up after lying hold_s: recovered once, after the get-up began
    assert len(rec) == 1 and rec[0].fall_t_s == f.t_s
    assert rec[0].t_s > fall.impact_t + fall.hold_s


@pytest.mark.parametrize("sites,gyro", [(("left", "right"), True),
                                        (("left", "right", "chest"), True),
                                        (("left", "right", "chest"), False),
                                        (("left", "right", "lower_back"), True)])
def test_a_fall_onto_the_buttocks_is_found_with_the_feet_and_ends_when_the_runner_gets_up(
        sites: tuple[str, ...], gyro: bool) -> None:
    events, sim = _events(sites, "fall_backward_sit", seed=3, gyro=gyro)
    falls = [e for e in events if isinstance(e, FallEvent)]
    fall = sim.falls[0]
    assert len(falls) == 1
    f = falls[0]
    assert fall.t0 <= f.emitted_at_s <= fall.impact_t + 2.0
    trunk = [s for s in sites if s in ("chest", "lower_back")]
    assert f.evidence == ("seated" if trunk else "feet")
    if trunk:  # sitting: the trunk near upright, the impact on it, both feet support
        assert f.tilt_deg is not None and f.tilt_deg < 55
        assert f.sensor == trunk[0] and sorted(f.sensors[1:]) == ["left", "right"]
        assert abs(f.t_s - fall.impact_t) < 0.1
    rec = [e for e in events if isinstance(e, RecoveredEvent)]
    assert len(rec) == 1 and rec[0].fall_t_s == f.t_s
    assert rec[0].t_s > fall.impact_t + fall.hold_s


@pytest.mark.parametrize("name", ["sit_down_fast", "stop_abrupt", "jump", "kneel_tie_shoe"])
@pytest.mark.parametrize("sites", [("left", "right"), ("chest",), ("lower_back",), SITES])
def test_movements_that_are_not_falls_raise_nothing(name: str, sites: tuple[str, ...]) -> None:
    for seed in (0, 1):
        events, _ = _events(sites, name, seed=seed)
        assert not [e for e in events if isinstance(e, FallEvent | RecoveredEvent)], name


def test_a_runner_who_stays_down_stays_alerted_and_streaming_matches_offline() -> None:
    sim = simulate_body("fall_backward_run", seed=5, sites=("left", "right", "chest"),
                        hold_s=100.0)
    offline = GaitSession(sim.sensors).analyze(sim.items)
    session = GaitSession(sim.sensors)
    live: list[Event] = []
    for item in sim.items:
        live.extend(session.handle(item))
    live.extend(session.finish())
    kinds = [e.kind for e in offline if e.kind in ("fall", "recovered")]
    assert kinds == ["fall"]
    pick = [e for e in live if e.kind in ("fall", "recovered")]
    assert pick == [e for e in offline if e.kind in ("fall", "recovered")]


def _info(sid: str, placement: str) -> SensorInfo:
    return SensorInfo.model_validate({"id": sid, "profile": "imported", "placement": placement,
                                      "mounting": {"toe_axis": "+x", "up_axis": "+z"},
                                      "rate_hz": 100.0})


def _cand(sensor: str, t: float, peak: float) -> FallEvent:
    return FallEvent(t_s=t, emitted_at_s=t + 1.0, sensor=sensor, peak_acc_m_s2=peak,
                     evidence="feet", tilt_deg=60.0, sensors=[sensor])


def test_feet_only_needs_every_foot_and_an_impact() -> None:
    fusion = FallFusion([_info("L", "left_foot"), _info("R", "right_foot")])
    assert fusion.process([_cand("L", 10.0, 40.0)]) == []  # one foot alone: no alert
    out = fusion.process([_cand("R", 10.3, 12.0)])
    assert len(out) == 1 and isinstance(out[0], FallEvent)
    assert out[0].sensors == ["L", "R"] and out[0].peak_acc_m_s2 == 40.0 and out[0].t_s == 10.0
    assert fusion.process([_cand("L", 12.0, 40.0)]) == []  # one alert at a time
    rec = fusion.process([RecoveredEvent(t_s=20.0, emitted_at_s=20.0, sensor="R",
                                         fall_t_s=10.3)])
    assert len(rec) == 1 and isinstance(rec[0], RecoveredEvent) and rec[0].fall_t_s == 10.0
    fusion2 = FallFusion([_info("L", "left_foot"), _info("R", "right_foot")])
    fusion2.process([_cand("L", 10.0, 12.0)])
    assert fusion2.process([_cand("R", 10.2, 12.0)]) == []  # no impact on either foot


def test_a_seated_trunk_needs_every_foot_out_of_its_standing_posture() -> None:
    def seated(t: float) -> FallEvent:
        return FallEvent(t_s=t, emitted_at_s=t + 1.0, sensor="C", peak_acc_m_s2=50.0,
                         evidence="seated", tilt_deg=30.0, sensors=["C"])

    sensors = [_info("L", "left_foot"), _info("R", "right_foot"), _info("C", "chest")]
    fusion = FallFusion(sensors)
    assert fusion.process([seated(10.0), _cand("L", 10.2, 40.0)]) == []  # one foot flat
    assert fusion.process([_cand("R", 13.0, 40.0)]) == []  # too late for the pair
    fusion = FallFusion(sensors)
    assert fusion.process([_cand("L", 10.2, 20.0), _cand("R", 10.3, 20.0)]) == []
    out = fusion.process([seated(10.0)])
    assert len(out) == 1 and out[0].sensor == "C" and out[0].evidence == "seated"  # type: ignore[union-attr]
    assert out[0].sensors == ["C", "L", "R"] and out[0].t_s == 10.0  # type: ignore[union-attr]
    assert FallFusion([_info("C", "chest")]).process([seated(10.0)]) == []  # no feet worn


def test_with_a_trunk_sensor_the_trunk_decides() -> None:
    fusion = FallFusion([_info("L", "left_foot"), _info("R", "right_foot"),
                         _info("C", "chest")])
    assert fusion.process([_cand("L", 10.0, 40.0), _cand("R", 10.0, 40.0)]) == []
    out = fusion.process([_cand("C", 10.1, 60.0)])
    assert len(out) == 1 and out[0].sensor == "C"  # type: ignore[union-attr]
