"""Ground truth beside a recording (``NAME.truth.json``): the single definition of its format.

Written by the simulator (exact) and by ``import-csv`` from a dataset's reference events;
read by ``tools/evaluate.py``. All times are seconds on the recording time base.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from retrogait.errors import RecordingError
from retrogait.events import Direction, FootStrike

TRUTH_FORMAT = "retrogait-truth"
TRUTH_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TruthStride(_Model):
    """A stride from one landing to the next landing of the same foot."""

    start_s: float = Field(description="opening landing (initial contact), s")
    toe_off_s: float | None = Field(default=None, description="toe-off within the stride, s")
    end_s: float = Field(description="closing landing, s")
    direction: Direction
    displacement_toe_m: float | None = Field(
        default=None, description="foot travel along the toe axis (+ toward the toes), m"
    )
    stride_length_m: float | None = Field(default=None, description="horizontal foot travel, m")
    speed_m_s: float | None = None


class SensorTruth(_Model):
    """Reference events of one sensor (foot)."""

    landings_s: list[float] = Field(default_factory=list, description="initial contacts, s")
    toe_offs_s: list[float] = Field(default_factory=list)
    strike_angles_deg: list[float] | None = Field(
        default=None, description="foot pitch at each landing (same order as landings_s), deg"
    )
    foot_strikes: list[FootStrike] | None = None
    strides: list[TruthStride] = Field(default_factory=list)
    stance_s: list[tuple[float, float]] | None = Field(
        default=None, description="reference stance (zero-velocity) intervals, when no landings"
    )
    lean_deg: list[float] | None = Field(
        default=None, description="trunk sensors: true trunk lean per step (same order as "
        "landings_s, the landings of either foot), deg, + forward")
    oscillation_m: list[float] | None = Field(
        default=None, description="trunk sensors: true vertical travel of the sensor over each "
        "step (peak to peak), m")
    step_directions: list[Direction] | None = Field(
        default=None, description="trunk sensors: direction of travel of each step")


class ActivitySegment(_Model):
    """What the athlete was doing between two times."""

    start_s: float
    end_s: float
    activity: Literal["still", "walking", "running", "turning", "tapping", "moving"]
    direction: Direction | None = None


class TruthManoeuvre(_Model):
    """Something the body did besides gait: a fall or a movement that is not one."""

    kind: Literal["fall_backward", "fall_forward", "fall_sit", "sit", "jump", "kneel"]
    start_s: float = Field(description="start of the movement, s")
    impact_s: float | None = Field(
        default=None, description="falls and sitting: ground (seat) contact, s")
    fall: bool = Field(description="a fall that must raise an alert")


class GroundTruth(_Model):
    """The truth file: reference events per sensor and activity segments."""

    format: Literal["retrogait-truth"] = "retrogait-truth"
    version: int = TRUTH_VERSION
    recording: str = Field(description="file name of the recording this truth belongs to")
    origin: Literal["simulator", "dataset", "time-reversed-dataset", "other"]
    method: str = Field(description="how the reference was obtained and its limits")
    timing_reference: Literal["landing", "stance"] = Field(
        default="landing",
        description="landing: landings_s are true initial contacts; stance: only stance intervals "
        "(e.g. zero-velocity from motion capture) are known",
    )
    sensors: dict[str, SensorTruth]
    activities: list[ActivitySegment] = Field(default_factory=list)
    manoeuvres: list[TruthManoeuvre] = Field(
        default_factory=list, description="falls and other movements (body simulator)")
    notes: str = ""

    def save(self, path: str | Path) -> None:
        """Write atomically (temporary file renamed when complete)."""
        from retrogait.outfiles import open_atomic

        with open_atomic(path, "w", encoding="utf-8") as fh:
            fh.write(self.model_dump_json(indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        p = Path(path)
        try:
            return cls.model_validate(json.loads(p.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise RecordingError(f"{p}: no such truth file") from None
        except (json.JSONDecodeError, ValidationError) as exc:
            raise RecordingError(f"{p}: invalid truth file: {exc}") from None


def truth_path_for(recording: str | Path) -> Path:
    """``run.jsonl.gz`` -> ``run.truth.json`` beside it."""
    p = Path(recording)
    name = p.name
    for suffix in (".jsonl.gz", ".jsonl"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return p.with_name(name + ".truth.json")
