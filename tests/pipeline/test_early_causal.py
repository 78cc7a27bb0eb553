"""The early-landing shortcut (EarlyLanding._swing_open_after) relies on the opening-anchored
integration being sample-causal bit for bit: the speed at a sample does not depend on how many
samples follow it."""

from __future__ import annotations

import numpy as np

from retrogait.pipeline.strapdown import attitude_from_gravity, integrate_segment


def test_early_integration_is_causal() -> None:
    rng = np.random.default_rng(7)
    n = 180
    t = np.cumsum(np.full(n, 0.005)) + rng.uniform(0, 1e-4, n)
    acc = rng.normal(0, 15.0, (n, 3)) + np.array([0.0, 0.0, 9.81])
    gyr = np.cumsum(rng.normal(0, 40.0, (n, 3)), axis=0)
    q0 = attitude_from_gravity(np.array([0.3, -0.2, 9.7]))
    full = integrate_segment(t, acc, gyr, q0, zupt_end=False)
    for m in (4, 5, 17, 33, 64, 65, 100, 129, 179):
        part = integrate_segment(t[:m], acc[:m], gyr[:m], q0, zupt_end=False)
        assert np.array_equal(part.vel, full.vel[:m]), m
        assert np.array_equal(part.rot, full.rot[:m]), m
