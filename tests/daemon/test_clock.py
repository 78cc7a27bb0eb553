"""SensorClock: sensor clock / arrival times -> the session time base, with the things live BLE
does to them: transmission delay, crystal drift, batching, lost packets, no clock, reconnects."""

from __future__ import annotations

import numpy as np

from retrogait.decoders.base import SampleBlock
from retrogait.timing.clock import SensorClock

RATE = 200.0
N = 4  # samples per packet


def _block(t_sensor: np.ndarray | None, n: int = N, lost: int = 0) -> SampleBlock:
    z = np.zeros((n, 3))
    return SampleBlock(acc=z, gyr=z, t_sensor=t_sensor, lost_packets=lost)


def _stream(seconds: float, drift_ppm: float = 0.0, seed: int = 0,
            lose: set[int] | None = None, batch: int = 1
            ) -> list[tuple[float, np.ndarray, np.ndarray, int]]:
    """(arrival, t_sensor, t_true, lost) per packet: true time t, sensor clock t*(1+drift)+50,
    arrival = t of the packet's last sample + 8 ms + exponential delay (mean 4 ms), batched."""
    rng = np.random.default_rng(seed)
    out = []
    k_total = int(seconds * RATE / N)
    lost_run = 0
    pending: list[tuple[np.ndarray, np.ndarray, int]] = []
    for k in range(k_total):
        t_true = (k * N + np.arange(N)) / RATE
        if lose and k in lose:
            lost_run += 1
            continue
        t_sensor = t_true * (1 + drift_ppm * 1e-6) + 50.0
        pending.append((t_sensor, t_true, lost_run))
        lost_run = 0
        if len(pending) == batch:
            arrival = t_true[-1] + 0.008 + float(rng.exponential(0.004))
            for ts, tt, lo in pending:
                out.append((arrival, ts, tt, lo))
            pending = []
    return out


def test_tracks_true_time_despite_delay_and_drift() -> None:
    clock = SensorClock(RATE)
    errs = []
    last = -np.inf
    for arrival, ts, tt, lo in _stream(60.0, drift_ppm=80.0):
        tb = clock.map(arrival, _block(ts, lost=lo))
        assert tb.t[0] > last and np.all(np.diff(tb.t) > 0), "strictly increasing"
        last = tb.t[-1]
        errs.append(tb.t - tt)
    err = np.concatenate(errs)
    # after the first seconds, the mapping is a constant offset (the minimum delay, 8 ms here)
    steady = err[int(5 * RATE):]
    assert np.ptp(steady) < 0.004, "jitter of the transport does not reach the sample times"
    assert abs(np.median(steady) - 0.008) < 0.003


def test_batched_packets_keep_the_sample_spacing() -> None:
    clock = SensorClock(RATE)
    ts_all = []
    for arrival, ts, _tt, lo in _stream(10.0, batch=3, seed=1):
        ts_all.append(clock.map(arrival, _block(ts, lost=lo)).t)
    t = np.concatenate(ts_all)[int(2 * RATE):]
    # the minimum-delay offset still creeps down by new minima (< 0.5 ms = 1/10 sample period)
    assert np.allclose(np.diff(t), 1 / RATE, atol=5e-4)


def test_lost_packets_are_a_gap_of_their_length() -> None:
    clock = SensorClock(RATE)
    gaps = []
    for arrival, ts, _tt, lo in _stream(10.0, lose={200, 201, 202}):
        tb = clock.map(arrival, _block(ts, lost=lo))
        if tb.gap_before_s > 0:
            gaps.append((tb.gap_before_s, tb.lost_packets))
    assert len(gaps) == 1
    gap, lost = gaps[0]
    assert lost == 3 and abs(gap - 3 * N / RATE) < 1e-6


def test_without_sensor_clock_counts_samples_and_reports_silence() -> None:
    clock = SensorClock(RATE)
    stream = _stream(10.0, lose=set(range(250, 300)))  # 1 s of packets never arrive
    times, gaps = [], []
    for arrival, _ts, tt, _lo in stream:
        tb = clock.map(arrival, _block(None))  # no clock, no counter: only arrivals
        times.append(tb.t - tt)
        if tb.gap_before_s > 0:
            gaps.append(tb.gap_before_s)
    assert gaps and abs(sum(gaps) - 1.0) < 0.03, gaps
    err = np.concatenate(times)
    assert np.ptp(err[int(1 * RATE):]) < 0.02  # times follow the truth within the jitter


def test_sensor_clock_restart_after_reconnect_is_a_gap_not_a_jump_back() -> None:
    """A device rebooted during a drop-out restarts its clock at 0: times must not go back."""
    clock = SensorClock(RATE)
    last = -np.inf
    gaps = []
    for i, (arrival, ts, _tt, lo) in enumerate(_stream(20.0)):
        if arrival > 10.0:
            if arrival < 11.0:
                continue  # 1 s drop-out
            ts = ts - 50.0 - 11.0  # new clock base after the reboot
        tb = clock.map(arrival, _block(ts, lost=lo if i else 0))
        assert tb.t[0] > last
        last = tb.t[-1]
        if tb.gap_before_s > 0:
            gaps.append((arrival, tb.gap_before_s))
    assert len(gaps) == 1 and 0.9 < gaps[0][1] < 1.1
