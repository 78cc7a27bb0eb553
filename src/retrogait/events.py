"""Gait events: the single definition of every message retrogait emits (JSON Lines, MQTT, console).

Times ending in ``_s`` without further qualification are seconds on the recording's time base
(host monotonic clock, counted from session start). ``docs/events.md`` is generated from these
models (``python tools/gen_docs.py``).
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

FootStrike = Literal["forefoot", "midfoot", "rearfoot"]
Direction = Literal["backward", "forward", "in_place"]
Activity = Literal["still", "walking", "running", "moving"]
Foot = Literal["left", "right", "unknown"]
LandingRule = Literal["rotation_reversal", "impact", "contact_point", "rotation_onset",
                      "swing_end"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    t_s: float = Field(description="event time, s on the recording time base")
    emitted_at_s: float = Field(
        description="stream time (s, recording base) when the pipeline emitted the event: "
        "emitted_at_s - t_s is the algorithm's delay"
    )


class _SensorEvent(_Event):
    sensor: str = Field(description="sensor id from the recording header")
    foot: Foot = "unknown"


class LandingEvent(_SensorEvent):
    """Initial contact (the foot lands). ``t_s`` is the landing time."""

    kind: Literal["landing"] = "landing"
    foot_strike: FootStrike
    strike_angle_deg: float = Field(
        description="foot pitch at landing relative to the flat foot, deg; negative = toes lower "
        "than heel (forefoot), positive = heel lower (rearfoot)"
    )
    toe_off_before_s: float | None = Field(
        default=None,
        description="this foot's toe-off that preceded this landing (end of its previous "
        "contact), s; None after standing or a gap",
    )
    uncertain: bool = Field(default=False, description="a data gap lies in the analysed swing")
    landing_rule: LandingRule = Field(
        default="rotation_reversal",
        description="what decided t_s (docs/pipeline.md, Stages 4): 'rotation_reversal' = the "
        "ground stopped the swing's toes-up rotation (heel strike); 'impact' = the first "
        "specific-force jump above the free swing's that stops the foot (toe-first landing, "
        "or no landing rotation); 'contact_point' = no impact visible: the point the foot then "
        "rocks about came to rest (strapdown kinematics); 'rotation_onset' = neither: the start "
        "of the heel drop; 'swing_end' = no landing rotation and no impact: the end of the "
        "swing rotation")


class StrideEvent(_SensorEvent):
    """One stride of one foot, landing to next landing. ``t_s`` is the closing landing time."""

    kind: Literal["stride"] = "stride"
    start_s: float = Field(description="opening landing time, s")
    toe_off_s: float = Field(description="toe-off time within the stride, s")
    end_s: float = Field(description="closing landing time, s")
    stride_time_s: float = Field(description="end_s - start_s, s")
    contact_time_s: float = Field(description="opening landing to toe-off, s")
    swing_time_s: float = Field(description="toe-off to closing landing, s")
    direction: Direction
    displacement_toe_m: float = Field(
        description="foot travel along the toe axis, m (positive toward the toes = forward)"
    )
    stride_length_m: float = Field(description="horizontal foot travel, m")
    speed_m_s: float = Field(description="stride length / stride time, m/s")
    cadence_spm: float = Field(description="steps per minute implied by this stride (2 / stride)")
    foot_strike: FootStrike = Field(description="foot-strike class of the opening landing")
    strike_angle_deg: float = Field(description="foot-strike angle of the opening landing, deg")
    max_lift_m: float = Field(
        default=0.0, description="highest rise of the sensor above its stance position, m"
    )
    uncertain: bool = Field(default=False, description="spans a data gap or failed a check")
    gap_s: float = Field(
        default=0.0, ge=0, description="total length of the data gaps touching the stride "
        "(opening to closing landing), s")
    time_error_max_s: float = Field(
        default=0.0, ge=0, description="bound on the error of stride_time_s from data gaps: "
        "the total length of the gaps within 30 ms of either landing (a landing there is "
        "interpolated across the gap or read from the impact after it), s; 0 when no gap is "
        "near a landing")


class CadenceEvent(_Event):
    """Smoothed cadence over a trailing window, both feet combined when available. ``t_s`` is
    the window end (the closing landing of the stride that triggered it); the window holds the
    strides that ended in ``[t_s - window_s, t_s]``."""

    kind: Literal["cadence"] = "cadence"
    steps_per_min: float = Field(
        description="per foot 120 / mean stride time of its strides in the window, feet averaged")
    window_s: float = Field(description="window length, s (the window ends at t_s)")
    steps_in_window: int = Field(description="steps counted in the window (2 per stride)")
    backward_share: float = Field(description="share of backward strides in the window, 0..1")


class StepEvent(_Event):
    """A step from cross-sensor fusion (both feet): one foot's landing after the other's."""

    kind: Literal["step"] = "step"
    foot: Foot
    step_time_s: float = Field(description="time since the other foot's landing, s")
    flight_time_s: float | None = Field(
        default=None, description="other foot's toe-off to this landing, s (None if overlapping)"
    )
    balance_left_pct: float | None = Field(
        default=None, description="left share of step times over recent steps, %"
    )


class ActivityEvent(_SensorEvent):
    """The activity changed (still, walking, running)."""

    kind: Literal["activity"] = "activity"
    activity: Activity
    previous: Activity | None = None


class GapEvent(_SensorEvent):
    """Samples are missing (lost packets, disconnect); strides over it are marked uncertain."""

    kind: Literal["gap"] = "gap"
    start_s: float
    end_s: float
    lost_packets: int = 0


class FallEvent(_SensorEvent):
    """A probable fall: a large impact, then the body far from upright (trunk sensor) or both
    feet out of their standing posture right after gait (feet only), lying or sitting still.
    ``t_s`` is the impact time; the event is decided within 2 s of it (``emitted_at_s``).
    The alert stays active (retained on MQTT ``P/A/alert``) until a ``recovered`` event."""

    kind: Literal["fall"] = "fall"
    peak_acc_m_s2: float = Field(description="largest |acceleration| of the impact, m/s²")
    evidence: Literal["trunk", "feet", "seated"] = Field(
        default="trunk", description="trunk: a trunk sensor far from upright after the impact; "
        "feet: every foot sensor out of its standing posture and still right after gait; "
        "seated: the trunk's impact, then sitting (trunk near upright) with every foot sensor "
        "out of its standing posture, still")
    tilt_deg: float | None = Field(
        default=None, description="angle of the deciding sensor's up axis from its upright "
        "(standing) direction while still after the impact, deg")
    sensors: list[str] = Field(
        default_factory=list, description="every sensor whose signals support the decision")


class RecoveredEvent(_SensorEvent):
    """The runner moves again after a fall (a step, or the sensor back in its upright
    posture for a second): the fall alert is over."""

    kind: Literal["recovered"] = "recovered"
    fall_t_s: float = Field(description="impact time of the fall that ends, s")


class TrunkStepEvent(_SensorEvent):
    """One step seen by a trunk sensor (chest, lower back): from the previous landing (of
    either foot) to this one; the first landing of a bout (no landing before it) is measured
    over the step that follows it and is emitted with it. ``t_s`` is the landing, estimated as
    the contact's impact (steepest rise of the vertical acceleration before its first impact
    spike); ``foot`` is the landing's side from the pelvis's roll rate (a lower-back sensor
    with a gyroscope), else ``unknown``; see docs/pipeline.md (Trunk pipeline)."""

    kind: Literal["trunk_step"] = "trunk_step"
    step_time_s: float = Field(description="time since the previous landing, s")
    cadence_spm: float = Field(
        description="steps per minute over the bout's last 8 steps (their count over their "
        "span; 60 / their median when one step is far from the others)")
    vertical_oscillation_cm: float = Field(
        description="vertical travel of the sensor over the step (peak to peak), cm")
    pitch_deg: float = Field(
        description="trunk lean over the step relative to the upright posture learnt at the "
        "start of the session, deg; + forward, − backward")
    roll_deg: float = Field(description="sideways lean over the step, deg; + to the left")
    contact_time_s: float = Field(
        description="estimated ground contact: the part of the step where the trunk is not in "
        "free fall (|specific force| > 0.5 g), s; walking gives the whole step")
    direction: Direction = Field(
        description="direction of travel from the trunk alone: braking (deceleration against "
        "the travel) follows each landing")


class PostureEvent(_SensorEvent):
    """The trunk leans back beyond the limit for several steps of backward running (state
    ``lean_back``), or is back within it (``upright``). The limit is relative to the runner's
    own baseline (median pitch of their first backward steps) unless configured absolute."""

    kind: Literal["posture"] = "posture"
    state: Literal["lean_back", "upright"]
    pitch_deg: float = Field(description="median trunk pitch of the last steps, deg (+ forward)")
    baseline_deg: float = Field(description="the runner's baseline pitch, deg")
    limit_deg: float = Field(description="the pitch below which the trunk leans back, deg")
    steps: int = Field(description="steps the state has held when it is reported")


STOPPED_DETAIL = "daemon stopped"
"""``detail`` of the disconnected statuses a daemon retains on MQTT when it stops cleanly (the
end of a session, not a lost sensor)."""


class SensorStatusEvent(_SensorEvent):
    """Connection or data-quality change for one sensor."""

    kind: Literal["sensor_status"] = "sensor_status"
    status: Literal["connected", "disconnected", "reconnected", "failed", "gave_up", "decode_error"]
    detail: str = ""


# THE list of event models: adding an event type is its class above plus one line here (and its
# renderers: console, live view, summary). The registry and docs/events.md are derived from it.
Event = Annotated[
    LandingEvent
    | StrideEvent
    | CadenceEvent
    | StepEvent
    | ActivityEvent
    | GapEvent
    | FallEvent
    | RecoveredEvent
    | TrunkStepEvent
    | PostureEvent
    | SensorStatusEvent,
    Field(discriminator="kind"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_MODELS: tuple[type[_Event], ...] = get_args(get_args(Event)[0])
"""Every event class, in the order of the ``Event`` union (and of ``docs/events.md``)."""


def parse_event(line: str | bytes) -> Event:
    """Parse one JSON event (one line of an events file or one MQTT payload)."""
    return EVENT_ADAPTER.validate_json(line)
