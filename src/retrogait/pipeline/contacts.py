"""Initial contact and toe-off from the foot's sagittal angular velocity (compiled kernel
``_contacts.pyx``).

Between two stances the foot's pitch rate (gyro about the foot's mediolateral y axis; positive =
toes down) is a sequence of *lobes* of alternating sign. The swing itself is the lobe holding
the fastest foot motion (from the strapdown integration) or, without it, the one covering the
largest pitch angle. The *push lobe* is the significant lobe just before it, of opposite sign:
the foot rolling over its leading end before it leaves (toes-down over the toes forward,
toes-up over the heel backward).

* **toe-off** (the last sole point leaving the ground):
  - push lobe toes-down (forward push-off over the toes): the **peak of the push lobe**. While
    the toes are loaded the ground reaction and the plantar flexors accelerate the rotation;
    once free, the swinging leg decelerates it, so the rate peaks at release (gaitmap walk: the
    fastest toes-down rotation is 5 ms before the motion-capture toe-off);
  - push lobe toes-up (heel leaving last, backward): nothing accelerates a rotation about the
    heel, the rate peaks well before release (35–115 ms on the simulator, 60 ms on the
    time-reversed gaitmap walk). The release is taken from the kinematics instead: the pivot
    point (fitted as the foot point with zero velocity during the push lobe, from the strapdown
    velocity) starts to move (:func:`pivot_departure`); capped by the zero crossing that
    starts the swing lobe. When the push is not a clean rigid rocker (fit residual > 10 % of
    the sensor speed: measured 11–46 % on the real gaitmap walk, a soft shoe and impact errors
    in the strapdown velocity; 0.1–1 % on the simulator), the kinematics cannot locate the
    release and the zero crossing is used: on the time-reversed gaitmap walk (the only real
    backward proxy) the heel leaves 1.5 ms (median) before it;
  - no push lobe (or no kinematics): the zero crossing that starts the swing lobe.
* **initial contact** (``Contacts.landing_rule`` says which rule decided it):
  - ``rotation_reversal``: the zero crossing that starts the last significant lobe after the
    swing when that lobe is toes-down (the foot slap after a heel strike: the ground stops
    the swing's toes-up rotation at the heel);
  - after a toe-first landing (heel-drop lobe, toes-up) the rotation may start long before the
    touch (~18 ms on the time-reversed gaitmap walk, ~100 ms on another simulator), so the
    touchdown is searched over the whole heel drop up to its fastest rotation (the toe is on
    the ground by then; a later impact is the heel arriving):
    ``impact`` = the first specific-force jump |a_k − a_(k−1)|/dt above
    max(``IMPACT_MIN_JERK``, ``IMPACT_JERK_FACTOR`` × the largest jump of the free swing),
    timed by the half rise into that impact's | |acc| − g | peak (interpolated); only when
    samples are at most ``IMPACT_MAX_DT_S`` apart (> 75 Hz: an impact rising over 5–40 ms
    falls between the samples of a ≤ 60 Hz sensor);
    ``contact_point`` = no visible impact (a soft landing, a slow sensor): the point the foot
    rocks about after the touch (pivot fitted by least squares of v + ω × r = 0 from the
    fastest heel drop on) comes to rest: its speed, going back in time, last exceeds
    max(0.05 m/s, 3 × fit rms); ``rotation_onset`` = no usable rocker either: the heel-drop
    start;
  - ``swing_end``: nothing follows the swing lobe: its end.

  The strike angle is read at the start of the landing rotation (``Contacts.strike_at_s``).
  A toe-first touchdown is ``complete`` once the rocker has slowed after its fastest heel drop
  (or ``ROCKER_FIT_MAX_S`` has passed): until then later samples could still move it, so the
  early (streaming) landing decision waits for it.

The direction-dependence is physical (which end of the foot the body rolls over), not a
threshold on one data set; see docs/pipeline.md for the measured offsets on all data kinds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from retrogait.events import LandingRule
from retrogait.pipeline import _contacts
from retrogait.pipeline.strapdown import SegmentMotion

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
    t = np.asarray(t, dtype=np.float64)
    n = t.shape[0]
    out = np.empty((5, max(n, 1)))
    m = _contacts.lobes_into(t, np.asarray(x, dtype=np.float64), touch_fraction, out) if n else 0
    return Lobes(start_s=out[0, :m].copy(), end_s=out[1, :m].copy(), peak=out[2, :m].copy(),
                 angle=out[3, :m].copy(), sign=out[4, :m].astype(np.int8))


#: names of the compiled rule codes, in code order (``RULE_*`` of ``_contacts.pyx``)
LANDING_RULES: tuple[LandingRule, ...] = ("rotation_reversal", "impact", "contact_point",
                                          "rotation_onset", "swing_end")


@dataclass(frozen=True, slots=True)
class Contacts:
    """toe_off_s / initial_contact_s (s), swing_angle_deg: pitch covered by the swing lobe;
    strike_at_s: where the foot-strike angle is read, the start of the landing rotation (the
    rate is zero there, so the angle does not depend on the contact's exact sample: for a
    heel strike it is the contact itself, for a toe-first landing the heel-drop onset, the
    foot's landing posture, before its touchdown); landing_rule:
    which rule decided the initial contact (module docstring); complete: False when later
    samples could still move a toe-first touchdown (its rocker has not yet slowed after the
    fastest heel drop), so an early decision must wait."""

    toe_off_s: float
    initial_contact_s: float
    swing_angle_deg: float
    strike_at_s: float
    landing_rule: LandingRule = "rotation_reversal"
    complete: bool = True


def pivot_departure(
    t: FloatArray, gyr_dps: FloatArray, vel_foot: FloatArray, fit: slice, search_from: int,
    min_speed_m_s: float = _contacts.PIVOT_MIN_SPEED_M_S,
    noise_factor: float = _contacts.PIVOT_NOISE_FACTOR,
    max_residual: float = _contacts.PIVOT_MAX_RESIDUAL,
) -> float | None:
    """Time (s) the pivot of a rocker starts to move, or None.

    The pivot is the foot point ``r`` (foot frame, m from the sensor) with zero velocity over
    the ``fit`` samples: least squares of ``v + ω × r = 0`` with ``vel_foot`` (n, 3) the
    sensor velocity in the foot frame (m/s) and ``gyr_dps`` (n, 3) the rate (deg/s). The pivot
    moves when its speed first exceeds ``max(min_speed_m_s, noise_factor × rms speed over the
    fit)`` at or after ``search_from`` (linear interpolation between samples). None as well
    when the fit is poor (rms pivot speed over the fit > ``max_residual`` × rms sensor speed):
    the foot did not roll about one fixed point (soft shoe, impacts in the velocity).
    """
    i0, i1, _ = fit.indices(t.shape[0])
    v = _contacts.pivot_departure(np.asarray(t, dtype=np.float64),
                               np.asarray(gyr_dps, dtype=np.float64),
                               np.asarray(vel_foot, dtype=np.float64), i0, i1, search_from,
                               min_speed_m_s, noise_factor, max_residual)
    return None if math.isnan(v) else float(v)


def find_contacts(
    t: FloatArray, pitch_rate_dps: FloatArray, min_lobe_dps: float = 30.0,
    lobe_fraction: float = 0.15, speed: FloatArray | None = None,
    gyr_dps: FloatArray | None = None, vel_foot: FloatArray | None = None,
    acc: FloatArray | None = None,
) -> Contacts | None:
    """Toe-off and initial contact in a stance-to-stance segment (see module docstring).

    A lobe is significant when its peak reaches ``max(min_lobe_dps, lobe_fraction × largest
    peak)``. With ``speed`` (the foot's speed from the strapdown integration, m/s, same
    samples) the swing lobe is the one holding the fastest foot motion — the swing is when the
    foot travels; without it, the lobe covering the largest angle. ``gyr_dps`` (n, 3, deg/s)
    and ``vel_foot`` (n, 3, sensor velocity in the foot frame, m/s) enable the pivot departure
    for a toes-up push and the contact point of a toe-first landing; ``acc`` (n, 3, specific
    force in the foot frame, m/s²) its impact. Returns None when the segment holds no
    significant lobe.
    """
    if t.shape[0] < 3:
        return None
    none1 = np.empty(0)
    none3 = np.empty((0, 3))
    kin = gyr_dps is not None and vel_foot is not None

    def arr(v: FloatArray | None, empty: FloatArray) -> FloatArray:
        return empty if v is None else np.asarray(v, dtype=np.float64)

    ok, to, ic, swing, strike, rule, complete = _contacts.find_contacts(
        np.asarray(t, dtype=np.float64), np.asarray(pitch_rate_dps, dtype=np.float64),
        min_lobe_dps, lobe_fraction, arr(speed, none1), arr(gyr_dps if kin else None, none3),
        arr(vel_foot if kin else None, none3), arr(acc, none3))
    if not ok:
        return None
    return Contacts(toe_off_s=to, initial_contact_s=ic, swing_angle_deg=swing,
                    strike_at_s=strike, landing_rule=LANDING_RULES[rule], complete=complete)


def contacts_of_motion(motion: SegmentMotion, acc: FloatArray, min_lobe_dps: float = 30.0,
                       lobe_fraction: float = 0.15) -> tuple[Contacts | None, float]:
    """:func:`find_contacts` of a strapdown-integrated segment, and the time of its fastest
    motion (s): pitch rate (foot y, deg/s), speed and foot-frame velocity from the motion's
    packed table (:class:`~.strapdown.SegmentMotion`), impact from ``acc`` (n, 3, specific
    force, m/s², any fixed frame)."""
    ok, to, ic, swing, strike, rule, complete, t_fast = _contacts.contacts_of_motion(
        motion.table, acc, min_lobe_dps, lobe_fraction)
    c = Contacts(toe_off_s=to, initial_contact_s=ic, swing_angle_deg=swing,
                 strike_at_s=strike, landing_rule=LANDING_RULES[rule],
                 complete=complete) if ok else None
    return c, t_fast
