"""LobeTracker (incremental lobes) against lobes() on whole signals, fed in any chunks."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.pipeline.contacts import lobes
from retrogait.pipeline.early import LobeTracker


def _signal(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.004, 0.006, n))
    # swing-like lobes, noise, exact zeros and repeated values (plateaus, touches)
    x = 300 * np.sin(2 * np.pi * rng.uniform(0.5, 3) * t) * np.exp(-t) + rng.normal(0, 8, n)
    x[rng.integers(0, n, n // 10)] = 0.0
    k = rng.integers(1, n - 1, n // 20)
    x[k] = x[k - 1]
    return t, x


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 300), chunk=st.integers(1, 50))
def test_tracker_equals_lobes_at_every_prefix(seed: int, n: int, chunk: int) -> None:
    t, x = _signal(seed, max(n, 3))
    tr = LobeTracker()
    for i in range(0, t.size, chunk):
        tr.extend(t[i : i + chunk].tolist(), x[i : i + chunk].tolist())
        j = min(t.size, i + chunk)
        lb = lobes(t[:j], x[:j])
        starts, peaks, angles = tr.lobes()
        assert starts == lb.start_s.tolist()  # exact: same float operations
        assert peaks == lb.peak.tolist()
        np.testing.assert_allclose(angles, lb.angle, rtol=1e-12, atol=1e-12)
        assert tr.max_abs == float(np.abs(x[:j]).max())
        assert tr.last_lobe() == (starts[-1], peaks[-1])


def test_landing_lobe_start_needs_a_later_lobe_than_the_largest() -> None:
    t = np.arange(0, 0.6, 0.005)
    push = -100 * np.sin(np.pi * t / 0.1) * (t < 0.1)
    swing = 500 * np.sin(np.pi * (t - 0.1) / 0.3) * ((t >= 0.1) & (t < 0.4))
    land = -200 * np.sin(np.pi * (t - 0.4) / 0.1) * ((t >= 0.4) & (t < 0.5))
    x = push + swing + land
    tr = LobeTracker()
    k = int(np.searchsorted(t, 0.3))
    tr.extend(t[:k].tolist(), x[:k].tolist())
    assert tr.landing_lobe_start(30.0, 0.15) is None  # the swing is the last significant lobe
    tr.extend(t[k:].tolist(), x[k:].tolist())
    got = tr.landing_lobe_start(30.0, 0.15)
    assert got is not None and abs(got - 0.4) < 0.005
