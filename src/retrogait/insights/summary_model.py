"""The session summary's format: :class:`SessionSummary` and its parts (pydantic models, the
single definition of ``P/A/session`` on MQTT, the history's rows and the report's figures), and
the energy model's constants it quotes. Built by :class:`retrogait.insights.summary.SummaryBuilder`;
conventions in ``docs/insights.md``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SUMMARY_SCHEMA = "retrogait.session/1"

# --- energy model constants, quoted from docs/references.md [ACSM], [WRIGHT2001], [RASICA2020]
ACSM_NET_HORIZONTAL_ML_O2_PER_KG_M = 0.2
"""ACSM running equation, net horizontal term: 0.2 ml O2 per kg body mass per metre (level)."""
KCAL_PER_L_O2 = 5.0
"""Energy equivalent of oxygen used with the ACSM equation: 1 L O2 ≈ 5 kcal."""
BACKWARD_COST_RATIO = (1.30, 1.35)
"""Backward/forward net cost per metre at the same speed, k ≈ 1.30–1.35 (docs/insights.md)."""

ENERGY_METHOD = (
    "net (above resting) cost of level running from the ACSM running equation, horizontal term "
    "0.2 ml O2/kg/m (= about 1 kcal/kg/km with 1 L O2 ~ 5 kcal), multiplied for backward running "
    "by k = 1.30-1.35, the range of measured same-speed backward/forward differences "
    "(+29 % to +35 %; whether they are gross or net ratios is not always stated, treat k as "
    "+/- 0.05). Per metre at the same speed: runners choosing a slower backward pace burn "
    "about as much per minute as forward. The ACSM equation overestimated measured VO2 in 29 of "
    "33 subjects in a 1999 check. Level ground assumed; no slope correction."
)
ENERGY_SOURCE = (
    "ACSM running equation; Wright & Weyand 2001 J Exp Biol 204:1805 (+34-35 % at 3.0 m/s); "
    "Rasica et al. 2020 Eur J Appl Physiol 120:2507 (+35 % on average); body-weight-support "
    "abstract (+29 %); full references in docs/references.md"
)


TRUNK_BOUT_GAP_S = 2.0
"""A pause longer than this between trunk steps ends a bout, s."""
MIN_TRUNK_BOUT_STEPS = 6
MAX_TRUNK_BOUTS = 200


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stat(_Model):
    """Distribution of one per-stride quantity (certain strides only)."""

    n: int = 0
    median: float | None = None
    p25: float | None = None
    p75: float | None = None
    mean: float | None = None


class Metrics(_Model):
    """Per-stride quantities: cadence (steps/min implied by each stride), contact time s,
    stride length m, speed m/s, foot pitch at landing deg (negative = toes first)."""

    cadence_spm: Stat = Field(default_factory=Stat)
    contact_time_s: Stat = Field(default_factory=Stat)
    stride_length_m: Stat = Field(default_factory=Stat)
    speed_m_s: Stat = Field(default_factory=Stat)
    strike_angle_deg: Stat = Field(default_factory=Stat)


class DirectionTotals(_Model):
    """Certain strides in one direction; time and distance averaged over the foot sensors."""

    strides: int = Field(0, description="certain strides in this direction, all sensors")
    time_s: float = Field(0.0, description="summed stride time, s (mean over foot sensors)")
    distance_m: float = Field(0.0, description="summed stride length, m (mean over foot sensors)")


class StrikeShares(_Model):
    """Share of landings (of certain strides) per foot-strike class, 0..1; None without strides."""

    n: int = 0
    forefoot: float | None = None
    midfoot: float | None = None
    rearfoot: float | None = None


class SideSummary(_Model):
    sensor: str
    strides: int
    metrics: Metrics


class LeftRight(_Model):
    """Both feet worn: per-side medians and asymmetry (positive = left larger)."""

    left: SideSummary
    right: SideSummary
    step_time_left_pct: float | None = Field(
        None, description="left share of summed step times from fused steps, % (50 = even)"
    )
    contact_time_asymmetry_pct: float | None = Field(
        None, description="100 (L - R) / mean(L, R) of the median contact times, %"
    )
    stride_length_asymmetry_pct: float | None = Field(
        None, description="100 (L - R) / mean(L, R) of the median stride lengths, %"
    )


class DataQuality(_Model):
    gaps: int = Field(0, description="data gaps reported by the pipeline")
    gap_time_s: float = Field(0.0, description="summed gap length, s")
    lost_packets: int = Field(0, description="packets the devices counted as lost")
    uncertain_strides: int = 0
    decode_errors: int = Field(0, description="notifications that could not be decoded")
    disconnects: int = 0
    failed_sensors: list[str] = Field(default_factory=list)


class EnergyEstimate(_Model):
    """Net energy of the backward running (above resting), kcal per kg body mass and in kcal."""

    backward_distance_m: float
    cost_ratio_low: float = BACKWARD_COST_RATIO[0]
    cost_ratio_high: float = BACKWARD_COST_RATIO[1]
    net_kcal_per_kg_low: float
    net_kcal_per_kg_high: float
    body_mass_kg: float | None = None
    net_kcal_low: float | None = None
    net_kcal_high: float | None = None
    forward_equivalent_kcal_per_kg: float = Field(
        description="net cost had the same distance been run forward, kcal/kg"
    )
    method: str = ENERGY_METHOD
    source: str = ENERGY_SOURCE


class TimeBin(_Model):
    """One bin of the time course (``width_s`` of session time from ``start_s``)."""

    start_s: float
    width_s: float
    strides: int = Field(description="certain strides closing in the bin, all sensors")
    backward: int = 0
    forward: int = 0
    in_place: int = 0
    uncertain: int = 0
    cadence_spm: float | None = Field(None, description="median stride cadence in the bin")
    forefoot: int = 0
    midfoot: int = 0
    rearfoot: int = 0
    contact_time_s: float | None = Field(None, description="mean contact time in the bin")
    stride_length_m: float | None = Field(None, description="mean stride length in the bin")
    speed_m_s: float | None = Field(None, description="mean stride speed in the bin")


class TrunkBout(_Model):
    """A run of trunk steps in one direction (no pause over ``TRUNK_BOUT_GAP_S``)."""

    sensor: str
    start_s: float
    end_s: float
    direction: str
    steps: int
    cadence_spm: float = Field(description="mean cadence of the bout's steps, steps/min")
    lean_deg: float = Field(description="mean trunk pitch, deg (+ forward, from the upright "
                            "baseline)")
    lean_min_deg: float = Field(description="most backward step pitch, deg")
    lean_max_deg: float = Field(description="most forward step pitch, deg")
    vertical_oscillation_cm: float = Field(description="mean vertical oscillation, cm")
    contact_time_s: float = Field(description="mean estimated contact time, s")


class SessionSummary(_Model):
    """Everything a runner or coach reads after a session; published retained on
    ``<prefix>/<athlete>/session`` and stored in the history."""

    schema_: Literal["retrogait.session/1"] = Field("retrogait.session/1", alias="schema")
    session_id: str
    athlete: str | None = None
    recording: str | None = Field(None, description="recording file the session came from")
    started_at: datetime | None = Field(None, description="wall-clock start, ISO 8601 with zone")
    start_s: float = Field(description="first time seen, s on the recording time base")
    end_s: float
    duration_s: float
    sensors: list[str]
    strides_total: int = Field(description="all strides incl. uncertain, all sensors")
    backward: DirectionTotals
    forward: DirectionTotals
    in_place: DirectionTotals
    backward_share: float | None = Field(
        None, description="backward share of certain strides, 0..1"
    )
    all: Metrics = Field(description="certain strides of every direction")
    backward_metrics: Metrics
    forward_metrics: Metrics
    foot_strike: StrikeShares
    foot_strike_backward: StrikeShares
    left_right: LeftRight | None = None
    quality: DataQuality
    falls: int = 0
    trunk_bouts: list[TrunkBout] = Field(
        default_factory=list, description="trunk sensors: lean, cadence and oscillation per bout "
        f"(the last {MAX_TRUNK_BOUTS} bouts of at least {MIN_TRUNK_BOUT_STEPS} steps)")
    posture_alerts: int = Field(0, description="lean-back posture events")
    energy: EnergyEstimate
    bin_s: float
    bins: list[TimeBin] = Field(description="time course, one entry per bin with any stride")
    notes: list[str] = Field(default_factory=list, description="warnings worth a runner's eye")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


