"""Helpers shared by the vendor decoders: clock unwrapping, gap counting, acc/gyro pairing.

Private to :mod:`retrogait.decoders`; nothing here is part of the decoder contract.
"""

from __future__ import annotations

import numpy as np

from retrogait.decoders.base import FloatArray, SampleBlock

EMPTY3: FloatArray = np.zeros((0, 3), dtype=np.float64)


def nan3(n: int) -> FloatArray:
    """(n, 3) array of NaN: the axis triple of a sensor the device does not have or did not send."""
    return np.full((n, 3), np.nan, dtype=np.float64)


class ClockUnwrapper:
    """Unwraps a clock or counter that wraps at ``modulo`` into a monotonic integer.

    A step forward of less than half the modulus is taken as elapsed time (this covers the
    wrap-around). A step backward (a device reset or a reordered packet) re-anchors the clock
    so the unwrapped value moves on by ``expected_step`` and sets :attr:`jumped`.
    """

    def __init__(self, modulo: int) -> None:
        self.modulo = modulo
        self.reset()

    def reset(self) -> None:
        self._last_raw: int | None = None
        self._last: int = 0
        self.jumped = False

    @property
    def started(self) -> bool:
        return self._last_raw is not None

    @property
    def last(self) -> int:
        return self._last

    def update(self, raw: int, expected_step: int = 0) -> int:
        """Unwrapped value for ``raw``; the first value is returned as is."""
        self.jumped = False
        if self._last_raw is None:
            self._last_raw = raw
            self._last = raw
            return raw
        step = (raw - self._last_raw) % self.modulo
        if step >= self.modulo // 2:  # backwards: reset or reordering, keep time monotonic
            step = expected_step
            self.jumped = True
        self._last_raw = raw
        self._last += step
        return self._last


def gap_count(elapsed: float, expected: float, tolerance: float = 0.5) -> int:
    """Whole packets missing when ``elapsed`` exceeds the ``expected`` packet duration.

    Returns 0 unless ``elapsed`` is more than ``(1 + tolerance)`` packet durations.
    """
    if expected <= 0 or elapsed <= expected * (1.0 + tolerance):
        return 0
    return max(1, round(elapsed / expected) - 1)


class AccGyrPairer:
    """Pairs accelerometer and gyroscope samples that a device sends in separate notifications.

    With times (seconds on the sensor clock), samples pair when their times agree within
    ``tolerance_s``; a sample whose partner was lost is dropped (the gap shows in
    ``t_sensor`` and in ``lost_packets``). Without times, samples pair in arrival order.
    When one stream runs more than ``max_pending`` samples ahead of a silent other stream,
    the excess is released with NaN for the missing sensor rather than held forever.

    Without times, a lost notification would shift the pairing by one message for good. The
    pairer learns which stream normally leads (arrives first); when the other one has led for
    ``relock_after`` notifications in a row, it drops the surplus samples of the leading stream
    (counted in ``lost_packets`` and :attr:`dropped_samples`) to pair up again.
    """

    def __init__(self, tolerance_s: float | None, max_pending: int, relock_after: int = 8) -> None:
        self.tolerance_s = tolerance_s
        self.max_pending = max_pending
        self.relock_after = relock_after
        self.reset()

    def reset(self) -> None:
        self._acc: list[tuple[float, FloatArray]] = []
        self._gyr: list[tuple[float, FloatArray]] = []
        self._lost = 0
        self.dropped_samples = 0
        self._lead_votes = 0  # > 0: acc usually leads, < 0: gyro usually leads
        self._wrong_lead = 0

    @property
    def pending(self) -> tuple[int, int]:
        return len(self._acc), len(self._gyr)

    def add_lost(self, n: int) -> None:
        self._lost += n

    def push(self, which: str, t: FloatArray | None, values: FloatArray) -> None:
        """Queue samples of ``which`` ("acc" or "gyr"); ``t`` is (n,) s or None."""
        queue = self._acc if which == "acc" else self._gyr
        times = np.full(len(values), np.nan) if t is None else t
        queue.extend(zip(times.tolist(), values, strict=True))
        if self.tolerance_s is None:
            self._check_lead()

    def _check_lead(self) -> None:
        surplus = len(self._acc) - len(self._gyr)
        if surplus == 0:
            return
        lead = 1 if surplus > 0 else -1
        if abs(self._lead_votes) < 16:  # learn the usual order from the first notifications
            self._lead_votes += lead
            return
        if lead * self._lead_votes > 0:
            self._wrong_lead = 0
            return
        self._wrong_lead += 1
        if self._wrong_lead >= self.relock_after:
            k = abs(surplus)
            if lead > 0:
                self._acc = self._acc[k:]
            else:
                self._gyr = self._gyr[k:]
            self.dropped_samples += k
            self._lost += 1
            self._wrong_lead = 0

    def pop(self) -> list[SampleBlock]:
        """Blocks of the samples that can be paired (or released) now."""
        t_out: list[float] = []
        acc_out: list[FloatArray] = []
        gyr_out: list[FloatArray] = []
        nan_row = np.full(3, np.nan)
        i = j = 0
        a, g = self._acc, self._gyr
        tol = self.tolerance_s
        while i < len(a) and j < len(g):
            ta, tg = a[i][0], g[j][0]
            if tol is None or abs(ta - tg) <= tol:
                t_out.append(ta)
                acc_out.append(a[i][1])
                gyr_out.append(g[j][1])
                i += 1
                j += 1
            elif ta < tg:
                i += 1
                self.dropped_samples += 1
            else:
                j += 1
                self.dropped_samples += 1
        a = a[i:]
        g = g[j:]
        if not g and len(a) > self.max_pending:
            k = len(a) - self.max_pending
            for ta, va in a[:k]:
                t_out.append(ta)
                acc_out.append(va)
                gyr_out.append(nan_row)
            a = a[k:]
        elif not a and len(g) > self.max_pending:
            k = len(g) - self.max_pending
            for tg, vg in g[:k]:
                t_out.append(tg)
                acc_out.append(nan_row)
                gyr_out.append(vg)
            g = g[k:]
        self._acc, self._gyr = a, g
        if not t_out:
            return []
        lost, self._lost = self._lost, 0
        t_arr = None if tol is None else np.asarray(t_out, dtype=np.float64)
        return [
            SampleBlock(
                acc=np.vstack(acc_out).astype(np.float64),
                gyr=np.vstack(gyr_out).astype(np.float64),
                t_sensor=t_arr,
                lost_packets=lost,
            )
        ]
