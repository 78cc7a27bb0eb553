"""Contacts stage: toe-off and initial contact of a segment from the foot's sagittal angular
velocity (compiled kernel ``_contacts.pyx``; parameters :class:`~.params.ContactParams`).

Contract: input the samples of one stance-to-stance segment: times (s), pitch rate (deg/s,
about the foot's mediolateral y axis, + = toes down) and optionally the strapdown speed (m/s),
the rate (deg/s, foot frame), the sensor velocity in the foot frame (m/s) and the specific force
(m/s²); output :class:`Contacts` (times in s on the input's time base) or None when the segment
holds no significant lobe. The physics of each rule and its measured offsets on every data kind
are in docs/pipeline.md (Stages 4, "Constants of the toe-first touchdown").

The pitch rate between two stances is a sequence of *lobes* of alternating sign. The swing is
the lobe holding the fastest foot motion (or, without the speed, the one covering the largest
pitch angle); the *push lobe* is the significant lobe just before it, of opposite sign: the
foot rolling over its leading end before it leaves.

* **toe-off** (the last sole point leaving the ground):
  - push lobe toes-down (over the toes): the **peak of the push lobe** (the loaded toes
    accelerate the rotation, the free swing decelerates it);
  - push lobe toes-up (over the heel): the pivot (the foot point with zero velocity during the
    push, least squares of v + ω × r = 0) starts to move (:func:`pivot_departure`), capped by
    the zero crossing that starts the swing lobe; that crossing alone when the push is not a
    rigid rocker (fit residual > ``pivot_max_residual``);
  - no push lobe (or no kinematics): the zero crossing that starts the swing lobe.
* **initial contact** (``Contacts.landing_rule``):
  - ``rotation_reversal``: the zero crossing that starts the last significant lobe after the
    swing when that lobe is toes-down (the ground stops the swing's rotation at the heel);
  - a toe-first landing (heel-drop lobe, toes-up; its rotation may start in the air, ~18 ms
    before the touch on the time-reversed gaitmap walk, ~100 ms on another simulator):
    searched from the interval holding the heel-drop start (or the swing's fastest rotation,
    if later: the foot is in the air there) up to the fastest heel drop (the toe is down by
    then; a later impact is the heel arriving).
    ``impact`` = the first specific-force jump |a_k − a_(k−1)|/dt above
    max(``impact_min_jerk``, ``impact_jerk_factor`` × the largest jump of the swing lobe)
    that *stops the foot*: within ``impact_rise_s`` the specific force moves away from its
    value before the jump by more than ``impact_peak_factor`` × the free foot's own
    acceleration there (| |a| − g | before the jump: a touchdown's deceleration stands out of
    it; a jerk of the free foot — a late-swing rotation starting — reshapes it and stays of
    its size), and, when the contact point below is known, that point is at rest from the
    transient's end on (a jerk 50 ms before the touch leaves it moving); timed by the rise
    through ``impact_level`` of that impact's | |acc| − g | peak (interpolated), only with
    samples at most ``impact_max_dt_s`` apart;
    else ``contact_point``: the pivot the foot rocks about after the touch comes to rest (its
    speed, going back in time, last exceeds max(``pivot_min_speed_m_s``,
    ``pivot_noise_factor`` × fit rms)); else ``rotation_onset``: the heel-drop start;
  - ``swing_end``: nothing follows the swing lobe: its end, unless an impact (the same test,
    searched from the swing's fastest rotation up to the stance) marks the touchdown
    (``impact``).

  The strike angle is read at the start of the landing rotation (``Contacts.strike_at_s``).
  A toe-first touchdown is ``complete`` once the rocker has slowed after its fastest heel drop
  (or ``rocker_fit_max_s`` has passed) and every impact candidate's transient lies inside the
  data: until then later samples could still move it, so the early landing waits for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from retrogait.events import LandingRule
from retrogait.pipeline import _contacts
from retrogait.pipeline.params import ContactParams
from retrogait.pipeline.strapdown import STANDARD_GRAVITY, SegmentMotion

FloatArray = NDArray[np.float64]

_DEFAULT = ContactParams()


@dataclass(frozen=True, slots=True)
class Lobes:
    """Sign-constant stretches of a signal: start/end s (interpolated zero crossings), peak
    absolute value, angle (integral of |x| dt, same unit × s) and sign."""

    start_s: FloatArray
    end_s: FloatArray
    peak: FloatArray
    angle: FloatArray
    sign: NDArray[np.int8]


def lobes(t: FloatArray, x: FloatArray, touch_fraction: float = _DEFAULT.touch_fraction
          ) -> Lobes:
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
    fastest heel drop, or an impact candidate's transient runs past the data), so an early
    decision must wait."""

    toe_off_s: float
    initial_contact_s: float
    swing_angle_deg: float
    strike_at_s: float
    landing_rule: LandingRule = "rotation_reversal"
    complete: bool = True


#: the kernel's view of the parameters: the fields of ``Consts`` in ``_contacts.pyx``
KernelConsts = dict[str, float]


def kernel_consts(params: ContactParams, gravity_m_s2: float = STANDARD_GRAVITY
                  ) -> KernelConsts:
    """The parameters as the compiled kernel reads them (``Consts`` of ``_contacts.pyx``);
    ``gravity_m_s2``: g of | |acc| − g |, m/s²."""
    d = params.model_dump(exclude={"landing_reach_s"})
    d["gravity_m_s2"] = gravity_m_s2
    return d


def pivot_departure(
    t: FloatArray, gyr_dps: FloatArray, vel_foot: FloatArray, fit: slice, search_from: int,
    params: ContactParams = _DEFAULT,
) -> float | None:
    """Time (s) the pivot of a rocker starts to move, or None.

    The pivot is the foot point ``r`` (foot frame, m from the sensor) with zero velocity over
    the ``fit`` samples: least squares of ``v + ω × r = 0`` with ``vel_foot`` (n, 3) the
    sensor velocity in the foot frame (m/s) and ``gyr_dps`` (n, 3) the rate (deg/s). The pivot
    moves when its speed first exceeds ``max(pivot_min_speed_m_s, pivot_noise_factor × rms
    speed over the fit)`` at or after ``search_from`` (linear interpolation between samples).
    None as well when the fit is poor (rms pivot speed over the fit > ``pivot_max_residual`` ×
    rms sensor speed): the foot did not roll about one fixed point (soft shoe, impacts in the
    velocity).
    """
    i0, i1, _ = fit.indices(t.shape[0])
    v = _contacts.pivot_departure(np.asarray(t, dtype=np.float64),
                                  np.asarray(gyr_dps, dtype=np.float64),
                                  np.asarray(vel_foot, dtype=np.float64), i0, i1, search_from,
                                  params.pivot_min_speed_m_s, params.pivot_noise_factor,
                                  params.pivot_max_residual)
    return None if math.isnan(v) else float(v)


def find_contacts(
    t: FloatArray, pitch_rate_dps: FloatArray, params: ContactParams = _DEFAULT,
    speed: FloatArray | None = None, gyr_dps: FloatArray | None = None,
    vel_foot: FloatArray | None = None, acc: FloatArray | None = None,
    gravity_m_s2: float = STANDARD_GRAVITY,
) -> Contacts | None:
    """Toe-off and initial contact in a stance-to-stance segment (see module docstring).

    ``t`` (n,) s; ``pitch_rate_dps`` (n,) the rate about the foot's y axis (+ = toes down).
    A lobe is significant when its peak reaches ``max(min_lobe_dps, lobe_fraction × largest
    peak)`` (``params``). With ``speed`` (the foot's speed from the strapdown integration, m/s,
    same samples) the swing lobe is the one holding the fastest foot motion — the swing is when
    the foot travels; without it, the lobe covering the largest angle. ``gyr_dps`` (n, 3,
    deg/s) and ``vel_foot`` (n, 3, sensor velocity in the foot frame, m/s) enable the pivot
    departure for a toes-up push and the contact point of a toe-first landing; ``acc`` (n, 3,
    specific force in the foot frame, m/s²) its impact. Returns None when the segment holds no
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
        kernel_consts(params, gravity_m_s2), arr(speed, none1),
        arr(gyr_dps if kin else None, none3), arr(vel_foot if kin else None, none3),
        arr(acc, none3))
    if not ok:
        return None
    return Contacts(toe_off_s=to, initial_contact_s=ic, swing_angle_deg=swing,
                    strike_at_s=strike, landing_rule=LANDING_RULES[rule], complete=complete)


def contacts_of_motion(motion: SegmentMotion, acc: FloatArray, consts: KernelConsts
                       ) -> tuple[Contacts | None, float]:
    """:func:`find_contacts` of a strapdown-integrated segment, and the time of its fastest
    motion (s): pitch rate (foot y, deg/s), speed and foot-frame velocity from the motion's
    packed table (:class:`~.strapdown.SegmentMotion`), impact from ``acc`` (n, 3, specific
    force, m/s², any fixed frame); ``consts`` from :func:`kernel_consts`."""
    ok, to, ic, swing, strike, rule, complete, t_fast = _contacts.contacts_of_motion(
        motion.table, acc, consts)
    c = Contacts(toe_off_s=to, initial_contact_s=ic, swing_angle_deg=swing,
                 strike_at_s=strike, landing_rule=LANDING_RULES[rule],
                 complete=complete) if ok else None
    return c, t_fast
