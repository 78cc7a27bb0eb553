"""A Polar H10 (accelerometer only, PMD packets) on the chest: the real decoder path gives trunk
steps and the fall alert."""

from __future__ import annotations

import numpy as np

from retrogait.decoders import encoder_for
from retrogait.events import FallEvent, RecoveredEvent, TrunkStepEvent
from retrogait.profiles import find_profile
from retrogait.recording.format import SensorInfo
from retrogait.session import GaitSession
from retrogait.simulate.body import simulate_body
from retrogait.sources.base import Notification


def test_polar_h10_packets_give_trunk_steps_and_the_fall() -> None:
    sim = simulate_body("fall_backward_run", seed=4, sites=("chest",), gyro=False)
    t = np.concatenate([it.t_sensor for it in sim.items])
    acc = np.concatenate([it.acc for it in sim.items])
    gyr = np.concatenate([it.gyr for it in sim.items])
    assert np.isnan(gyr).all()
    profile = find_profile("polar-h10-acc")
    # the H10 encoder writes acceleration frames only: the gyro argument is not sent
    packets = encoder_for(profile, 100.0).encode(t + 7.0e8, acc, np.zeros_like(acc))
    items = [Notification(float(t[p.last_sample]) + 0.01, "h10", p.char, p.payload)
             for p in packets]
    info = SensorInfo(id="h10", profile="polar-h10-acc", placement="chest",
                      mounting=sim.sensors[0].mounting, rate_hz=100.0)
    events = GaitSession([info]).analyze(items)
    steps = [e for e in events if isinstance(e, TrunkStepEvent)]
    truth = sim.trunk_truth["chest"]
    assert len(steps) >= 0.9 * (len(truth.steps_s) - 1)
    assert sum(s.direction == "backward" for s in steps) >= 0.9 * len(steps)
    falls = [e for e in events if isinstance(e, FallEvent)]
    fall = sim.falls[0]
    assert len(falls) == 1 and fall.t0 <= falls[0].emitted_at_s <= fall.impact_t + 2.0
    assert [e.kind for e in events if isinstance(e, RecoveredEvent)] == ["recovered"]
