"""Initial contact and toe-off from the foot's sagittal angular velocity (pure NumPy).

Between two stances the foot's pitch rate (gyro about the foot's mediolateral y axis) is a
sequence of *lobes* of alternating sign. The swing itself is the lobe covering the largest
pitch angle (the foot swings through 60–120°; push-off, foot slap and pre-landing rotations
are smaller). Then, in either walking direction:

* **toe-off** = the zero crossing that starts the swing lobe: the pitch extremum where the foot
  leaves the ground (toes-down for a forward push-off, toes-up for a backward one);
* **initial contact** = the zero crossing that starts the last significant lobe after the swing
  (foot slap after a heel strike, heel drop after a toe-first backward landing), or the end
  of the swing lobe when nothing follows it.

This is symmetric under time reversal (backward gait ≈ reversed forward gait: the landing of one
is the toe-off of the other), so it needs no direction-specific rule. On the gaitmap walk the
reference contacts sit at these zero crossings (see docs/pipeline.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Lobes:
    """Sign-constant stretches of a signal: start/end s (interpolated zero crossings), peak
    absolute value, angle (integral of |x| dt, same unit × s) and sign."""

    start_s: FloatArray
    end_s: FloatArray
    peak: FloatArray
    angle: FloatArray
    sign: NDArray[np.int8]


def lobes(t: FloatArray, x: FloatArray, touch_fraction: float = 0.05) -> Lobes:
    """Split ``x(t)`` at its zero crossings (linear interpolation between samples) and at
    interior minima of |x| that nearly touch zero (below ``touch_fraction`` × max |x|): two
    same-sign rotations meeting at rest, e.g. a forefoot landing followed by the heel drop."""
    pos = x >= 0
    ax = np.abs(x)
    idx = np.flatnonzero(pos[1:] != pos[:-1])  # crossing between idx and idx+1
    x0, x1 = x[idx], x[idx + 1]
    tc = t[idx] + (t[idx + 1] - t[idx]) * (x0 / (x0 - x1))
    lim = touch_fraction * float(ax.max()) if ax.size else 0.0
    mid = ax[1:-1]
    touch = np.flatnonzero((mid <= ax[:-2]) & (mid < ax[2:]) & (mid < lim)) + 1
    touch = touch[(pos[touch] == pos[touch - 1]) & (pos[touch] == pos[touch + 1])]  # no crossing
    if touch.size:
        idx = np.concatenate((idx, touch))
        tc = np.concatenate((tc, t[touch]))
        order = np.argsort(idx, kind="stable")
        idx, tc = idx[order], tc[order]
        # a touch sample starts its own lobe at that sample
        bidx = np.where(np.isin(idx, touch), idx, idx + 1)
    else:
        bidx = idx + 1
    starts = np.concatenate(([t[0]], tc))
    ends = np.concatenate((tc, [t[-1]]))
    bounds = np.concatenate(([0], bidx))
    peak = np.maximum.reduceat(ax, bounds)
    dt = np.diff(t, append=t[-1])
    angle = np.add.reduceat(ax * dt, bounds)
    sign = np.where(pos[bounds], 1, -1).astype(np.int8)
    return Lobes(start_s=starts, end_s=ends, peak=peak, angle=angle, sign=sign)


@dataclass(frozen=True, slots=True)
class Contacts:
    """toe_off_s / initial_contact_s (s), swing_angle_deg: pitch covered by the swing lobe."""

    toe_off_s: float
    initial_contact_s: float
    swing_angle_deg: float


def find_contacts(
    t: FloatArray, pitch_rate_dps: FloatArray, min_lobe_dps: float = 30.0,
    lobe_fraction: float = 0.15, speed: FloatArray | None = None,
) -> Contacts | None:
    """Toe-off and initial contact in a stance-to-stance segment (see module docstring).

    A lobe is significant when its peak reaches ``max(min_lobe_dps, lobe_fraction × largest
    peak)``. With ``speed`` (the foot's speed from the strapdown integration, m/s, same
    samples) the swing lobe is the one holding the fastest foot motion — the swing is when the
    foot travels; without it, the lobe covering the largest angle. Returns None when the
    segment holds no significant lobe.
    """
    if t.shape[0] < 3:
        return None
    lb = lobes(t, pitch_rate_dps)
    thr = max(min_lobe_dps, lobe_fraction * float(lb.peak.max()))
    sig = np.flatnonzero(lb.peak >= thr)
    if sig.size == 0:
        return None
    swing = int(sig[np.argmax(lb.angle[sig])])
    if speed is not None:
        t_fast = t[int(np.argmax(speed))]
        inside = sig[(lb.start_s[sig] <= t_fast) & (lb.end_s[sig] >= t_fast)]
        if inside.size:
            swing = int(inside[0])
    after = sig[sig > swing]
    ic = float(lb.start_s[after[-1]]) if after.size else float(lb.end_s[swing])
    return Contacts(
        toe_off_s=float(lb.start_s[swing]), initial_contact_s=ic,
        swing_angle_deg=float(lb.angle[swing]),
    )
