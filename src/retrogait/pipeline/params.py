"""Parameters of the per-sensor pipeline: one pydantic model per stage, the one home of every
number the stages and their compiled kernels use.

Units are in each field's name or description. "Chosen on" names the development sources a
value was chosen on (the validation protocol and the figures: ``docs/pipeline.md``); "a
priori" marks a value set from physics or the sensor, not tuned on data.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from retrogait.decoders.base import STANDARD_GRAVITY

_FROZEN = ConfigDict(extra="forbid", frozen=True)
_SIM = "chosen on the project simulator's scenarios (development)"


class StanceParams(BaseModel):
    """Sample features, the stance (zero-velocity) search and the still-period calibration
    (:mod:`.stance`, :mod:`.calibration`; docs/pipeline.md, Stages 1–3)."""

    model_config = _FROZEN

    smooth_s: float = Field(0.02, gt=0, description=(
        "window of the causal |gyro| and | |acc| − g | moving averages, s; " + _SIM))
    quiet_fraction: float = Field(0.2, gt=0, lt=1, description=(
        "stance threshold Q as a fraction of the typical swing peak; " + _SIM
        + " and the gaitmap walk"))
    quiet_min_dps: float = Field(40.0, description="lowest stance threshold Q, deg/s; " + _SIM)
    quiet_max_dps: float = Field(200.0, description="highest stance threshold Q, deg/s; " + _SIM)
    quiet_acc_m_s2: float = Field(3.0, description=(
        "stance also needs smoothed | |acc| − g | below this, m/s²: a foot on the ground feels "
        "gravity plus small accelerations, a swing whose rotation merely reverses 5–45 m/s² "
        "(measured on the simulator and PyShoe running)"))
    quiet_exit_factor: float = Field(1.5, ge=1, description=(
        "hysteresis: stance ends above Q × this (and | |acc| − g | above quiet_acc_m_s2 × this)"))
    initial_swing_peak_dps: float = Field(400.0, description=(
        "swing peak assumed before any stride was seen, deg/s (a priori)"))
    swing_peaks: int = Field(5, ge=1, description=(
        "Q follows the median swing peak of this many last strides"))
    anchor_window_s: float = Field(0.04, gt=0, description=(
        "zero-velocity anchor searched this long after stance start, s; " + _SIM))
    min_stance_s: float = Field(0.03, description=(
        "shorter quiet dips (inside a swing) are not a stance, s; " + _SIM))
    reanchor_window_s: float = Field(0.1, gt=0, description=(
        "after a long stance the anchor moves to the stillest sample of this last span before "
        "the foot leaves, s"))
    attitude_window_s: float = Field(1.0, gt=0, description=(
        "the opening attitude of a stride is read from gravity at the stillest sample of the "
        "last this many seconds of its stance, then carried to the anchor by the gyro, s"))
    still_s: float = Field(1.5, description="stance this long = standing still, s")
    still_gyro_dps: float = Field(8.0, description=(
        "mean |gyro| of a still period that calibrates tilt and gyro bias, deg/s (a priori: "
        "above a resting MEMS gyro's noise and bias)"))
    calibration_window_s: float = Field(1.0, gt=0, description=(
        "the calibration averages the last this many seconds of a still period, s"))
    calibration_min_samples: int = Field(8, ge=1, description=(
        "fewest samples a calibration averages"))
    gravity_tolerance: float = Field(0.1, gt=0, description=(
        "a still period calibrates only when its mean specific force is within this fraction "
        "of g (a priori: a foot at rest reads g)"))


class ContactParams(BaseModel):
    """Lobes, toe-off and initial contact of a segment (:mod:`.contacts` and its kernel
    ``_contacts.pyx``, which reads these fields; docs/pipeline.md, "Constants of the toe-first
    touchdown" lists what each was chosen on)."""

    model_config = _FROZEN

    min_lobe_dps: float = Field(30.0, description=(
        "smallest significant pitch-rate lobe peak, deg/s; " + _SIM))
    lobe_fraction: float = Field(0.15, description=(
        "significant lobe: peak ≥ this fraction of the largest peak; " + _SIM))
    touch_fraction: float = Field(0.05, description=(
        "interior minima of |pitch rate| below this fraction of its maximum split lobes "
        "(near-zero touches); " + _SIM))
    push_fit_fraction: float = Field(0.25, description=(
        "the toes-up push's pivot is fitted on the samples above this fraction of the push "
        "lobe's peak rate; " + _SIM + " and the time-reversed gaitmap walk"))
    impact_level: float = Field(0.5, description=(
        "an impact's onset is the rise through this fraction of its | |acc| − g | peak "
        "(a priori: the half rise)"))
    impact_min_jerk: float = Field(1000.0, description=(
        "smallest specific-force jump of an impact, m/s³ (a priori: 0.1 g per ms; not tuned)"))
    impact_jerk_factor: float = Field(2.0, description=(
        "an impact's jump exceeds this × the largest jump of the free swing; chosen on the "
        "project simulator at 100 Hz (3 was 15–25 ms late there)"))
    impact_rise_s: float = Field(0.02, description=(
        "the impact's peak is searched this long after its first jump, and its onset this long "
        "before, s; impact rise times of 5–40 ms, project simulator at 100–416 Hz"))
    impact_max_dt_s: float = Field(1.0 / 75.0, description=(
        "impacts are used only with samples at most this far apart, s; chosen on the project "
        "simulator's 52/60 Hz profiles against its 100 Hz ones"))
    impact_peak_factor: float = Field(2.0, description=(
        "an impact stops the foot: within impact_rise_s its specific force moves away from "
        "the value before the jump by more than this × the free foot's | |acc| − g | there "
        "(dimensionless); chosen on the randomised simulator's development seed 3 (a "
        "late-swing jerk 50–60 ms before the touch) and the development sources, "
        "docs/pipeline.md"))
    rocker_fit_fraction: float = Field(0.25, description=(
        "the landing rocker's pivot is fitted from the peak heel-drop rate until the rate "
        "falls below this fraction of it; project simulator's backward walk"))
    rocker_fit_max_s: float = Field(0.08, description=(
        "and for at most this long, s; gaitmap walk reversed (landing delay)"))
    rocker_max_residual: float = Field(0.3, description=(
        "the landing rocker fit is refused above this × rms sensor speed; othersim walk "
        "and the reversed gaitmap walk"))
    pivot_min_speed_m_s: float = Field(0.05, description=(
        "a pivot moves when its speed exceeds max(this, pivot_noise_factor × fit rms), m/s; "
        + _SIM))
    pivot_noise_factor: float = Field(3.0, description="see pivot_min_speed_m_s; " + _SIM)
    pivot_max_residual: float = Field(0.1, description=(
        "the push-off pivot fit is refused above this × rms sensor speed; " + _SIM))
    landing_reach_s: float = Field(0.03, description=(
        "how far from its time a landing is decided, s (a zero crossing, an impact's rise, a "
        "contact point's arrival lie between neighbouring samples; 30 ms covers 52 Hz): a data "
        "gap within it can move the landing by up to the gap's length"))


class LandingParams(BaseModel):
    """Landings and strides of a segment between two anchors (:mod:`.landing`)."""

    model_config = _FROZEN

    min_swing_peak_dps: float = Field(80.0, description=(
        "smallest smoothed |gyro| peak of a real swing, deg/s (slow backward walking swings at "
        "100–150 °/s; travel or lift is the real test)"))
    min_travel_m: float = Field(0.15, description=(
        "horizontal foot travel of a real stride, m; " + _SIM + " (tapping, fidgeting)"))
    min_lift_m: float = Field(0.08, description=(
        "or foot lift of a real in-place step, m; " + _SIM))
    min_stride_s: float = Field(0.35, description=(
        "shortest plausible stride (landing to landing), s"))
    max_stride_s: float = Field(2.5, description=(
        "longest plausible stride, s; longer breaks the chain (and a swing this long without "
        "any stance is not gait)"))
    max_gap_s: float = Field(0.5, description="longer data gaps reset the stride chain, s")
    in_place_toe_fraction: float = Field(0.5, description=(
        "a stride is in place when its travel along the toe axis is below this fraction of "
        "its travel (or the travel below min_travel_m)"))


class EarlyParams(BaseModel):
    """The early landing: decided during the landing rotation (:mod:`.early`)."""

    model_config = _FROZEN

    enabled: bool = Field(True, description=(
        "decide the landing during the landing rotation (before the foot is flat), from the "
        "samples since the opening anchor, instead of at the next stance"))
    lookahead_s: float = Field(0.06, ge=0, description=(
        "the landing lobe must have lasted this long before the landing is decided early, s"))
    step_s: float = Field(0.02, gt=0, description=(
        "the early landing is tried every this many seconds of swing (a sample grid counted "
        "from the swing start, so any block size decides alike), s"))


class ActivityParams(BaseModel):
    """Activity from the strides (:mod:`.activity`)."""

    model_config = _FROZEN

    running_contact_fraction: float = Field(0.5, description=(
        "running when the contact time is below this fraction of the stride time (a "
        "flight phase: duty factor < 0.5, the definition of running)"))
    votes: int = Field(2, ge=1, description=(
        "walking/running changes after this many consecutive strides agree"))


class PipelineParams(BaseModel):
    """Parameters of the per-sensor pipeline, one model per stage."""

    model_config = _FROZEN

    buffer_s: float = Field(8.0, description="ring buffer length, s (bounds memory)")
    gravity_m_s2: float = Field(STANDARD_GRAVITY, description="standard gravity, m/s²")
    stance: StanceParams = StanceParams()
    contacts: ContactParams = ContactParams()
    landing: LandingParams = LandingParams()
    early: EarlyParams = EarlyParams()
    activity: ActivityParams = ActivityParams()
