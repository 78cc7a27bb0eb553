"""Unit tests of each pipeline stage on constructed signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.footstrike import classify_strike
from retrogait.pipeline.buffer import SampleBuffer
from retrogait.pipeline.contacts import find_contacts, lobes
from retrogait.pipeline.strapdown import (
    attitude_from_gravity,
    integrate_orientation,
    integrate_segment,
)

from .synth import forward_walk, time_reversed


def _quat_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrix of a unit quaternion [w, x, y, z] (the textbook formula, as reference)."""
    w, x, y, z = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


def _qmul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    w1, x1, y1, z1 = p
    w2, x2, y2, z2 = q
    return np.array([
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
    ])


def test_orientation_composes_the_exact_increments_in_order() -> None:
    rng = np.random.default_rng(1)
    n = 37
    t = np.cumsum(rng.uniform(0.004, 0.006, n))
    gyr = rng.normal(0, 300.0, (n, 3))  # deg/s
    q = np.array([0.9, 0.1, -0.3, 0.2])
    q /= np.linalg.norm(q)
    rot = integrate_orientation(t, gyr, q)
    ref = q
    for k in range(1, n):
        rv = np.deg2rad(0.5 * (gyr[k] + gyr[k - 1])) * (t[k] - t[k - 1])
        ang = np.linalg.norm(rv)
        ref = _qmul(ref, np.concatenate(([np.cos(ang / 2)], np.sin(ang / 2) * rv / ang)))
        want = _quat_matrix(ref / np.linalg.norm(ref))
        np.testing.assert_allclose(rot[k], want, atol=1e-12)


def test_orientation_constant_rate_about_y_gives_known_angle() -> None:
    t = np.linspace(0, 1, 201)
    gyr = np.zeros((201, 3))
    gyr[:, 1] = 90.0  # deg/s about +y: toes rotate down
    rot = integrate_orientation(t, gyr, np.array([1.0, 0, 0, 0]))
    # after 1 s: 90° about y -> foot x points straight down
    np.testing.assert_allclose(rot[-1] @ np.array([1.0, 0, 0]), [0, 0, -1], atol=1e-9)


def test_attitude_from_gravity_levels_a_tilted_sensor() -> None:
    f = np.array([np.sin(0.3), 0.0, np.cos(0.3)]) * 9.81  # toes 0.3 rad up
    q = attitude_from_gravity(f)
    m = _quat_matrix(q)
    np.testing.assert_allclose(m @ f, [0, 0, 9.81], atol=1e-9)
    assert m[2, 0] == pytest.approx(np.sin(0.3))  # pitch of the toe axis, toes up


@pytest.mark.parametrize("length", [1.2, -0.8])
def test_strapdown_recovers_travel_lift_and_pitch(length: float) -> None:
    s = forward_walk(n_strides=1, still_s=0.5, length_m=abs(length))
    if length < 0:
        s = time_reversed(s)
    i0, i1 = 50, s.t.size - 50
    m = integrate_segment(s.t[i0:i1], s.acc[i0:i1], s.gyr[i0:i1],
                          attitude_from_gravity(s.acc[i0]))
    assert m.pos[-1, 0] == pytest.approx(length, abs=0.005)
    assert m.pos[:, 2].max() == pytest.approx(0.12, abs=0.005)
    assert m.drift_m_s < 0.01


def test_lobes_split_at_interpolated_zero_crossings() -> None:
    t = np.arange(0, 1.0, 0.01)
    x = np.sin(2 * np.pi * 2 * t + 0.1)
    lb = lobes(t, x)
    expect = (np.arange(1, 4) * 0.25) - 0.1 / (4 * np.pi)
    np.testing.assert_allclose(lb.start_s[1:4], expect, atol=2e-4)
    assert list(lb.sign[:3]) == [1, -1, 1]


def test_contacts_forward_and_time_reversed_swap_landing_and_toe_off() -> None:
    s = forward_walk(n_strides=1, still_s=0.5)
    c = find_contacts(s.t, s.gyr[:, 1])
    assert c is not None
    assert c.toe_off_s == pytest.approx(s.toe_offs[0], abs=0.006)
    assert c.initial_contact_s == pytest.approx(s.landings[0], abs=0.006)
    r = time_reversed(s)
    c2 = find_contacts(r.t, r.gyr[:, 1])
    assert c2 is not None
    assert c2.toe_off_s == pytest.approx(r.toe_offs[0], abs=0.006)
    assert c2.initial_contact_s == pytest.approx(r.landings[0], abs=0.006)


def test_classify_strike_thresholds() -> None:
    assert classify_strike(-5) == "forefoot"
    assert classify_strike(-0.81) == "forefoot"
    assert classify_strike(0.0) == "midfoot"
    assert classify_strike(7.4) == "midfoot"
    assert classify_strike(7.5) == "rearfoot"


def test_buffer_keeps_recent_rows_contiguous_and_bounded() -> None:
    buf = SampleBuffer(100)
    for k in range(50):
        rows = np.full((7, 11), float(k))
        rows[:, 0] = np.arange(k * 7, k * 7 + 7)
        buf.append(rows)
        assert buf.data.shape == (200, 11)
    assert buf.end == 350
    v = buf.view(buf.end - 100, buf.end)
    np.testing.assert_array_equal(v[:, 0], np.arange(250, 350))
    with pytest.raises(IndexError):
        buf.view(0, 10)


def test_pivot_departure_finds_when_a_rocking_foot_lets_go() -> None:
    """A foot rocks about a pinned point 0.15 m ahead of the sensor, then flies off: the pivot's
    velocity is zero until the release, and it moves at once after it."""
    from retrogait.pipeline.contacts import pivot_departure

    t = np.arange(0, 0.4, 0.005)
    w = np.where(t < 0.2, 300.0 * t / 0.2, 300.0)  # pitch rate, deg/s (about y)
    gyr = np.zeros((t.size, 3))
    gyr[:, 1] = w
    r = np.array([0.15, 0.0, -0.03])
    vel = -np.cross(np.deg2rad(gyr), r)  # pinned pivot: v_sensor = -ω × r
    release = 0.25
    vel[t > release, 2] += 2.0 * (t[t > release] - release) / 0.05  # lift-off
    got = pivot_departure(t, gyr, vel, slice(5, 40), 40)
    assert got is not None and release <= got < release + 0.01
    # a sensor that does not move as a rigid rocker about one point gives no answer
    rng = np.random.default_rng(0)
    assert pivot_departure(t, gyr, vel + rng.normal(0, 0.3, vel.shape), slice(5, 40), 40) is None


def _heel_drop(rate_hz: float, impact_at_s: float | None, air_s: float = 0.018,
               drop_s: float = 0.12, drop_dps: float = 400.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Swing (toes-down +) then a heel-drop lobe (toes-up −, ``drop_s`` long, peak
    ``drop_dps``) starting ``air_s`` before the toe touches at 0.3 s; specific force at rest
    plus, from ``impact_at_s``, a 20 m/s² step."""
    t = np.arange(0.0, 0.7, 1.0 / rate_hz)
    x = np.where(t < 0.3 - air_s, 300 * np.sin(np.pi * t / (0.3 - air_s)),
                 -drop_dps * np.sin(np.pi * np.clip((t - (0.3 - air_s)) / drop_s, 0, 1)))
    acc = np.tile([0.0, 0.0, 9.80665], (t.size, 1))
    if impact_at_s is not None:
        acc[t >= impact_at_s, 2] += 20.0
    return t, x, acc


@pytest.mark.parametrize("rate_hz", [100.0, 200.0, 416.0])
@pytest.mark.parametrize(("air_s", "drop_s", "drop_dps"), [(0.018, 0.12, 400.0),
                                                           (0.1, 0.22, 200.0)])
def test_toe_first_contact_is_the_impact_not_the_rotation_start(
        rate_hz: float, air_s: float, drop_s: float, drop_dps: float) -> None:
    """The landing rotation may start long before the toe touches (100 ms on another
    simulator); the impact is searched over the whole heel drop up to its fastest rotation."""
    t, x, acc = _heel_drop(rate_hz, impact_at_s=0.3, air_s=air_s, drop_s=drop_s,
                           drop_dps=drop_dps)
    c0 = find_contacts(t, x)
    c = find_contacts(t, x, acc=acc)
    assert c0 is not None and c is not None
    assert c0.initial_contact_s == pytest.approx(0.3 - air_s, abs=1 / rate_hz)  # rotation start
    assert c0.landing_rule == "rotation_onset"
    # the step is between the samples around 0.3 s: half-rise interpolated between them
    assert 0.3 - 1 / rate_hz <= c.initial_contact_s <= 0.3 + 1e-9
    assert c.landing_rule == "impact"
    assert c.strike_at_s == pytest.approx(c0.initial_contact_s)  # angle read at rotation start


def test_no_impact_timing_from_a_52_hz_sensor() -> None:
    """At ≤ 60 Hz an impact (rise 5–40 ms) falls between samples: not used for timing."""
    t, x, acc = _heel_drop(52.0, impact_at_s=0.3)
    c = find_contacts(t, x, acc=acc)
    assert c is not None and c.landing_rule == "rotation_onset"
    assert c.initial_contact_s == pytest.approx(0.282, abs=1 / 52.0)


def test_toe_first_contact_without_impact_or_after_the_fastest_drop_stays_at_rotation_start(
        ) -> None:
    t, x, acc = _heel_drop(200.0, impact_at_s=None)
    c = find_contacts(t, x, acc=acc)
    assert c is not None and c.initial_contact_s == pytest.approx(0.282, abs=0.002)
    # an impact after the fastest heel drop is the heel reaching the ground, not the touchdown
    t, x, acc = _heel_drop(200.0, impact_at_s=0.37)
    c = find_contacts(t, x, acc=acc)
    assert c is not None and c.initial_contact_s == pytest.approx(0.282, abs=0.002)


@pytest.mark.parametrize("rate_hz", [52.0, 104.0, 200.0])
def test_soft_toe_first_landing_is_timed_by_the_contact_point(rate_hz: float) -> None:
    """No impact at all (a soft landing): the toe moves down at 0.5 m/s, the heel-drop rotation
    started 100 ms before, and from the touchdown at 0.3 s the foot rocks about the toe (0.15 m
    ahead of and 0.05 m below the sensor). The touchdown is when that point comes to rest."""
    t, x, acc = _heel_drop(rate_hz, impact_at_s=None, air_s=0.1, drop_s=0.22, drop_dps=200.0)
    gyr = np.zeros((t.size, 3))
    gyr[:, 1] = x
    r = np.array([0.15, 0.0, -0.05])
    vel = -np.cross(np.deg2rad(gyr), r)  # pinned contact point: v_sensor = -ω × r
    air = t < 0.3
    vel[air, 2] += -0.5  # before the touchdown the toe itself still moves down
    swing = t < 0.2
    vel[swing, 0] += 2.0  # the swing travels
    c = find_contacts(t, x, acc=acc, gyr_dps=gyr, vel_foot=vel)
    assert c is not None and c.landing_rule == "contact_point"
    assert c.initial_contact_s == pytest.approx(0.3, abs=1 / rate_hz)  # between two samples
    # a later sample cannot change it once the rocker has slowed after its fastest drop
    assert c.complete
    cut = t < 0.31  # data ends at the heel drop's peak rate: not decided yet
    c_cut = find_contacts(t[cut], x[cut], acc=acc[cut], gyr_dps=gyr[cut], vel_foot=vel[cut])
    assert c_cut is not None and not c_cut.complete


def test_heel_strike_contact_ignores_the_impact() -> None:
    t, x, acc = _heel_drop(200.0, impact_at_s=0.3)
    c = find_contacts(t, -x, acc=acc)  # slap lobe toes-down after a heel strike
    assert c is not None and c.initial_contact_s == pytest.approx(0.282, abs=0.002)
    assert c.landing_rule == "rotation_reversal"


@pytest.mark.parametrize("rate_hz", [100.0, 200.0, 416.0])
def test_a_late_swing_jump_is_not_an_impact(rate_hz: float) -> None:
    """In late swing the free foot's acceleration changes fast (the heel-drop rotation
    starting 100 ms before the toe touches; here −10 m/s² within 5 ms at 0.24 s, on top of
    15 m/s² of swing acceleration): a jump twice the swing's largest, 60 ms before the touch
    (seen on a randomised simulator session, 200 Hz). A touchdown's transient stands out of
    the acceleration it starts from; this jump does not, so the impact at 0.3 s is the
    touchdown."""
    t, x, acc = _heel_drop(rate_hz, impact_at_s=0.3, air_s=0.1, drop_s=0.22,
                           drop_dps=200.0)
    acc[t < 0.3, 2] += 15.0
    acc[:, 2] -= 10.0 * np.clip((t - 0.24) / 0.005, 0.0, 1.0) * (t < 0.3)
    acc[t >= 0.3, 2] += 20.0
    c = find_contacts(t, x, acc=acc)
    assert c is not None and c.landing_rule == "impact"
    assert 0.3 - 1 / rate_hz <= c.initial_contact_s <= 0.3 + 1e-9


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**6), m=st.integers(3, 120), rank=st.sampled_from([3, 2, 1]))
def test_pivot_least_squares_equals_numpy_minimum_norm(seed: int, m: int, rank: int) -> None:
    """The compiled pivot fit's least squares (one-sided Jacobi SVD) gives numpy.linalg.lstsq's
    minimum-norm solution, also when the foot turned about one axis only (rank 2: the pivot's
    component along that axis is undetermined) or not at all."""
    from retrogait.pipeline._contacts import lstsq_min_norm

    rng = np.random.default_rng(seed)
    a = rng.normal(size=(m, 3))
    if rank < 3:  # columns that are combinations of the first `rank` ones
        a[:, rank:] = a[:, :rank] @ rng.normal(size=(rank, 3 - rank))
    b = rng.normal(size=m)
    rcond = np.finfo(float).eps * m
    want = np.linalg.lstsq(a, b, rcond=rcond)[0]
    got = lstsq_min_norm(a, b, rcond)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * (1 + np.abs(want).max()))
