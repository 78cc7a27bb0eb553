"""Named scenarios: sequences of segments (still, walk/run in a direction, turns, fidgeting).

Every scenario starts standing still (3 s, time for gravity/bias calibration) and ends
standing (2 s + the planner's final second). Compose your own with :class:`Scenario` and the
segment types of :mod:`retrogait.simulate.gait`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from retrogait.errors import ConfigError
from retrogait.simulate.gait import (
    BACKWARD_RUN,
    BACKWARD_WALK,
    FORWARD_RUN_FOREFOOT,
    FORWARD_RUN_MIDFOOT,
    FORWARD_RUN_REARFOOT,
    FORWARD_WALK,
    Fidget,
    GaitStyle,
    Locomotion,
    Segment,
    Still,
)

HEAD_S = 3.0
TAIL_S = 2.0


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    default_duration_s: float
    min_duration_s: float
    build: Callable[[float], list[Segment]]

    def segments(self, duration_s: float | None = None) -> list[Segment]:
        d = self.default_duration_s if duration_s is None else float(duration_s)
        if d < self.min_duration_s:
            raise ConfigError(
                f"scenario {self.name} needs --duration >= {self.min_duration_s:g} s, got {d:g}"
            )
        return self.build(d)


def _steady(style: GaitStyle) -> Callable[[float], list[Segment]]:
    def build(d: float) -> list[Segment]:
        return [Still(HEAD_S), Locomotion(style, duration_s=d - HEAD_S - TAIL_S), Still(TAIL_S)]

    return build


def _still(d: float) -> list[Segment]:
    return [Still(d)]


def _tapping(d: float) -> list[Segment]:
    inner = d - HEAD_S - TAIL_S
    return [
        Still(HEAD_S),
        Fidget(inner / 2, feet=("right",), kinds=("toe_tap", "heel_tap")),
        Fidget(inner / 2, feet=("left", "right"), kinds=("toe_tap", "heel_tap", "twist")),
        Still(TAIL_S),
    ]


def _walk_run_walk(d: float, walk: GaitStyle, run: GaitStyle) -> list[Segment]:
    """Walk, run, walk: a third of the time between the still head and tail each."""
    inner = (d - HEAD_S - TAIL_S) / 3
    return [
        Still(HEAD_S),
        Locomotion(walk, duration_s=inner),
        Locomotion(run, duration_s=inner),
        Locomotion(walk, duration_s=inner),
        Still(TAIL_S),
    ]


def _walk_run(d: float) -> list[Segment]:
    return _walk_run_walk(d, FORWARD_WALK, FORWARD_RUN_REARFOOT)


def _backward_walk_run(d: float) -> list[Segment]:
    return _walk_run_walk(d, BACKWARD_WALK, BACKWARD_RUN)


def _turnaround(d: float) -> list[Segment]:
    stop = 1.5
    inner = (d - HEAD_S - TAIL_S - stop) / 2
    return [
        Still(HEAD_S),
        Locomotion(FORWARD_RUN_REARFOOT, duration_s=inner),
        Still(stop),
        Locomotion(BACKWARD_RUN, duration_s=inner),
        Still(TAIL_S),
    ]


def _walk_turn(d: float) -> list[Segment]:
    inner = (d - HEAD_S - TAIL_S) / 2 - 1.5
    return [
        Still(HEAD_S),
        Locomotion(FORWARD_WALK, duration_s=inner),
        Locomotion(FORWARD_WALK, steps=5, turn_deg=180.0),
        Locomotion(FORWARD_WALK, duration_s=inner),
        Still(TAIL_S),
    ]


# Slow backward walking (issue 12: a slow backward step is one stride): 0.6 m/s at 84 steps/min,
# stance 75 % of the stride (long double support), a low swing; ~60 % of the 1.0 m/s backward
# walk (docs/simulator.md)
SLOW_BACKWARD_WALK = BACKWARD_WALK.with_(
    speed_m_s=0.6, cadence_spm=84.0, contact_s=0.75 * 2 * 60.0 / 84.0, clearance_m=0.035,
    impact_v_m_s=0.12, vib_acc_m_s2=4.0, label="slow backward walk, long double support")


def _slow_backward_walk(d: float) -> list[Segment]:
    return [Still(HEAD_S), Locomotion(SLOW_BACKWARD_WALK, duration_s=d - HEAD_S - TAIL_S),
            Still(TAIL_S)]


def _stop_and_go(d: float) -> list[Segment]:
    """Short bouts (3-8 steps) with stops of 0.8-3 s between them: every bout has a first and
    a last stride; the gaits and directions change at the stops (turn-arounds)."""
    k = max(1.0, (d - HEAD_S - TAIL_S) / 45.0)  # the content takes about 45 s at k = 1
    bouts: list[tuple[GaitStyle, int, float]] = [
        (BACKWARD_WALK, 6, 1.0), (SLOW_BACKWARD_WALK, 4, 2.0), (BACKWARD_RUN, 8, 0.8),
        (FORWARD_WALK, 5, 3.0), (SLOW_BACKWARD_WALK, 3, 1.5), (BACKWARD_WALK, 4, 1.2),
        (FORWARD_RUN_MIDFOOT, 6, 2.5), (BACKWARD_RUN, 5, 1.0), (SLOW_BACKWARD_WALK, 6, 0.0),
    ]
    out: list[Segment] = [Still(HEAD_S)]
    for style, steps, stop in bouts:
        out.append(Locomotion(style, steps=max(3, round(steps * k))))
        if stop:
            out.append(Still(stop))
    out.append(Still(TAIL_S))
    return out


def _backward_turn(d: float) -> list[Segment]:
    inner = (d - HEAD_S - TAIL_S) / 2 - 2.5
    return [
        Still(HEAD_S),
        Locomotion(BACKWARD_WALK, duration_s=inner),
        Locomotion(SLOW_BACKWARD_WALK, steps=5, turn_deg=180.0),
        Locomotion(BACKWARD_WALK, duration_s=inner),
        Still(TAIL_S),
    ]


def _session(d: float) -> list[Segment]:
    """Warm-up walk, backward-running intervals with a walk and a fidgeting rest, a turn-around,
    a 180° walking turn and a forward jog; about half of the time running backward."""
    u = (d - HEAD_S - TAIL_S - 10.5) / 100.0  # the fixed stops take 10.5 s
    return [
        Still(HEAD_S),
        Locomotion(FORWARD_WALK, duration_s=10 * u),
        Still(1.5),  # turn-around: forward -> stop -> backward
        Locomotion(BACKWARD_WALK, duration_s=4 * u),
        Locomotion(BACKWARD_RUN, duration_s=28 * u),
        Locomotion(BACKWARD_WALK, duration_s=4 * u),
        Still(1.0),
        Fidget(4.0, feet=("right",), kinds=("toe_tap", "heel_tap")),
        Locomotion(BACKWARD_RUN, duration_s=28 * u),
        Still(2.0),
        Locomotion(FORWARD_WALK, duration_s=4 * u),
        Locomotion(FORWARD_WALK, steps=5, turn_deg=180.0),
        Locomotion(FORWARD_WALK, duration_s=4 * u),
        Locomotion(FORWARD_RUN_MIDFOOT, duration_s=14 * u),
        Locomotion(FORWARD_WALK, duration_s=4 * u),
        Still(TAIL_S),
    ]


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario("forward_run", "forward running, rearfoot strike, 3.0 m/s", 40, 12,
                 _steady(FORWARD_RUN_REARFOOT)),
        Scenario("forward_run_midfoot", "forward running, midfoot strike, 3.0 m/s", 40, 12,
                 _steady(FORWARD_RUN_MIDFOOT)),
        Scenario("forward_run_forefoot", "forward running, forefoot strike, 3.0 m/s", 40, 12,
                 _steady(FORWARD_RUN_FOREFOOT)),
        Scenario("backward_run", "backward running, toe-first landing, 2.4 m/s", 40, 12,
                 _steady(BACKWARD_RUN)),
        Scenario("forward_walk", "forward walking, heel strike, 1.35 m/s", 40, 12,
                 _steady(FORWARD_WALK)),
        Scenario("backward_walk", "backward walking, toe-first landing, 1.0 m/s", 40, 12,
                 _steady(BACKWARD_WALK)),
        Scenario("still", "standing still", 20, 2, _still),
        Scenario("tapping", "standing, tapping and fidgeting with the feet: no steps", 30, 10,
                 _tapping),
        Scenario("walk_run", "forward walk -> run -> walk without stopping", 60, 20, _walk_run),
        Scenario("backward_walk_run", "backward walk -> run -> walk without stopping", 60, 20,
                 _backward_walk_run),
        Scenario("turnaround", "forward run -> 1.5 s stop -> backward run", 40, 15,
                 _turnaround),
        Scenario("walk_turn", "forward walk, 180° turn in 5 steps, walk back", 40, 15,
                 _walk_turn),
        Scenario("slow_backward_walk", "slow backward walking, 0.6 m/s, long double support",
                 40, 12, _slow_backward_walk),
        Scenario("stop_and_go", "short walking and running bouts, forward and backward, with "
                 "stops of 0.8-3 s between them", 50, 50, _stop_and_go),
        Scenario("backward_turn", "backward walk, slow 180° turn in 5 backward steps, walk "
                 "back", 40, 20, _backward_turn),
        Scenario("session", "mixed session dominated by backward running (warm-up walk, "
                 "backward intervals, rest with foot tapping, turn-arounds, forward jog)",
                 150, 60, _session),
    ]
}


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ConfigError(
            f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)} (retrogait simulate --list)"
        ) from None
