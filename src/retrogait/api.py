"""The Python API: analyse a recording, or arrays a lab user loaded from their own files.

    import retrogait
    a = retrogait.analyze("recordings/demo_backward_run.jsonl.gz")
    a.summary.backward.distance_m
    a.to_dataframe("strides")          # pandas (pip install retrogait[pandas])

Both inputs run through exactly the flow ``retrogait analyze`` uses (decoders, clock, per-sensor
pipeline, fusion), so the events are the ones the CLI writes. Examples: ``docs/api.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ValidationError

from retrogait.errors import ConfigError
from retrogait.events import (
    CadenceEvent,
    Event,
    GapEvent,
    LandingEvent,
    StepEvent,
    StrideEvent,
)
from retrogait.insights.summary import SessionSummary, SummaryBuilder
from retrogait.mounting import Mounting
from retrogait.recording.format import FOOT_OF_PLACEMENT, IMPORTED_PROFILE, Placement, SensorInfo
from retrogait.session import GaitSession
from retrogait.sources.base import DecodedSamples, SourceItem

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Analysis", "FootData", "TableKind", "analyze"]

TableKind = Literal["landings", "strides", "steps", "cadence", "gaps", "events"]
_BLOCK = 16  # samples per item, about a BLE notification's worth (as the CSV import)


@dataclass(frozen=True)
class FootData:
    """One sensor's samples as a lab user has them after loading their files.

    ``acc``: (n, 3) m/s², ``gyr``: (n, 3) deg/s, both in the sensor frame as mounted;
    ``fs``: sample rate, Hz, or ``t``: (n,) sample times, s (increasing); ``toe_axis`` /
    ``up_axis``: the sensor axes pointing toward the toes and up with the foot flat
    (``"+x"``, ``"-y"``, ...); ``placement``: ``"left_foot"`` or ``"right_foot"``;
    ``sensor_id``: defaults to ``left``/``right`` from the placement.
    """

    acc: ArrayLike
    gyr: ArrayLike
    toe_axis: str
    up_axis: str
    placement: Placement = "left_foot"
    fs: float | None = None
    t: ArrayLike | None = None
    sensor_id: str | None = None

    def arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """(t, acc, gyr) as float arrays, checked: shapes, finite values, increasing time."""
        acc = np.asarray(self.acc, dtype=np.float64)
        gyr = np.asarray(self.gyr, dtype=np.float64)
        name = self.sensor_id or self.placement
        if acc.ndim != 2 or acc.shape[1] != 3 or gyr.shape != acc.shape:
            raise ConfigError(f"{name}: acc and gyr must both have shape (n, 3), got "
                              f"{acc.shape} and {gyr.shape}")
        if len(acc) < 2:
            raise ConfigError(f"{name}: fewer than two samples")
        if (self.fs is None) == (self.t is None):
            raise ConfigError(f"{name}: give exactly one of fs (Hz) or t (s)")
        if self.t is not None:
            t = np.asarray(self.t, dtype=np.float64)
            if t.shape != (len(acc),):
                raise ConfigError(f"{name}: t must have shape ({len(acc)},), got {t.shape}")
            if np.any(np.diff(t) <= 0):
                raise ConfigError(f"{name}: t must increase")
        else:
            assert self.fs is not None
            if not np.isfinite(self.fs) or self.fs <= 0:
                raise ConfigError(f"{name}: fs must be a positive rate in Hz, got {self.fs}")
            t = np.arange(len(acc), dtype=np.float64) / float(self.fs)
        if not (np.all(np.isfinite(acc)) and np.all(np.isfinite(gyr)) and
                np.all(np.isfinite(t))):
            raise ConfigError(f"{name}: non-finite values in t, acc or gyr")
        return t, acc, gyr

    def rate_hz(self, t: NDArray[np.float64]) -> float:
        return float(self.fs) if self.fs is not None else float(1.0 / np.median(np.diff(t)))


@dataclass
class Analysis:
    """Everything one analysis found. ``events`` in the order the pipeline emitted them."""

    events: list[Event]
    summary: SessionSummary
    sensors: list[SensorInfo]
    source: str = ""
    """The recording's path, or ``"arrays"``."""
    _cache: dict[str, list[Any]] = field(default_factory=dict, repr=False)

    def _of(self, cls: type[Any]) -> list[Any]:
        key = cls.__name__
        if key not in self._cache:
            self._cache[key] = [e for e in self.events if isinstance(e, cls)]
        return self._cache[key]

    @property
    def landings(self) -> list[LandingEvent]:
        return self._of(LandingEvent)

    @property
    def strides(self) -> list[StrideEvent]:
        return self._of(StrideEvent)

    @property
    def steps(self) -> list[StepEvent]:
        """Steps from both feet (fusion); empty with one foot sensor."""
        return self._of(StepEvent)

    @property
    def cadence(self) -> list[CadenceEvent]:
        return self._of(CadenceEvent)

    @property
    def gaps(self) -> list[GapEvent]:
        return self._of(GapEvent)

    def records(self, kind: TableKind = "strides") -> list[dict[str, Any]]:
        """Flat dicts (one per event) of a kind; column names carry their units (``_s``,
        ``_m``, ``_m_s``, ``_deg``, ``_spm``, ``_pct``) as the event models define them."""
        if kind not in get_args(TableKind):
            raise ConfigError(f"kind must be one of {', '.join(get_args(TableKind))}, not {kind!r}")
        events: Sequence[Event] = self.events if kind == "events" else getattr(self, kind)
        return [e.model_dump() for e in events]

    def to_dataframe(self, kind: TableKind = "strides") -> pd.DataFrame:
        """A pandas DataFrame of one event kind (see :meth:`records`); needs the ``pandas``
        extra (``pip install retrogait[pandas]``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ConfigError(
                "to_dataframe needs pandas: pip install 'retrogait[pandas]'") from None
        rows = self.records(kind)
        if not rows:
            models: dict[str, type[BaseModel]] = {
                "landings": LandingEvent, "strides": StrideEvent, "steps": StepEvent,
                "cadence": CadenceEvent, "gaps": GapEvent}
            model = models.get(kind)
            return pd.DataFrame(columns=list(model.model_fields) if model else ["kind", "t_s"])
        return pd.DataFrame.from_records(rows)


def analyze(
    recording_or_arrays: str | Path | FootData | Sequence[FootData] | None = None,
    *,
    acc: ArrayLike | None = None,
    gyr: ArrayLike | None = None,
    fs: float | None = None,
    t: ArrayLike | None = None,
    toe_axis: str | None = None,
    up_axis: str | None = None,
    placement: Placement = "left_foot",
    athlete: str | None = None,
    started_at: datetime | None = None,
    body_mass_kg: float | None = None,
    cache: bool = True,
) -> Analysis:
    """Analyse a recording (path to ``.jsonl``/``.jsonl.gz``) or arrays.

    Arrays: one :class:`FootData` or a list of them (one or two feet), or for one foot the
    keywords ``acc`` (m/s²), ``gyr`` (deg/s), ``fs`` (Hz) or ``t`` (s), ``toe_axis``,
    ``up_axis`` and ``placement``. ``athlete`` and ``started_at`` label the summary of arrays;
    ``body_mass_kg`` adds kcal to the energy estimate. ``cache``: use and keep the column cache
    ``NAME.columns.npz`` beside a recording (``retrogait.offline``; much faster the next
    time). Raises :class:`retrogait.RetrogaitError` subclasses with one-line messages for bad
    input.
    """
    if recording_or_arrays is None:
        if acc is None or gyr is None or toe_axis is None or up_axis is None:
            raise ConfigError("give a recording path, FootData, or acc, gyr, fs or t, "
                              "toe_axis and up_axis")
        recording_or_arrays = FootData(acc=acc, gyr=gyr, fs=fs, t=t, toe_axis=toe_axis,
                                       up_axis=up_axis, placement=placement)
    elif acc is not None or gyr is not None:
        raise ConfigError("give either a recording/FootData or the acc/gyr keywords, not both")
    if isinstance(recording_or_arrays, str | Path):
        return _analyze_recording(Path(recording_or_arrays), body_mass_kg, cache)
    feet = ([recording_or_arrays] if isinstance(recording_or_arrays, FootData)
            else list(recording_or_arrays))
    if not feet or not all(isinstance(f, FootData) for f in feet):
        raise ConfigError("arrays must be given as FootData (one or a list)")
    return _analyze_arrays(feet, athlete, started_at, body_mass_kg)


def _run(sensors: list[SensorInfo], items: Iterable[SourceItem], builder: SummaryBuilder,
         end_t: float | None = None) -> list[Event]:
    session = GaitSession(sensors)

    def observed() -> Iterable[SourceItem]:
        for item in items:
            builder.observe(item.t)
            yield item

    events = session.analyze(observed())
    if end_t is not None:
        builder.observe(end_t)
    builder.add_all(events)
    builder.set_sensor_stats(session.stats())
    return events


def _analyze_recording(path: Path, body_mass_kg: float | None, cache: bool) -> Analysis:
    from retrogait.errors import RecordingError
    from retrogait.offline import analyze_file

    if not path.is_file():
        raise RecordingError(f"{path}: no such recording")
    result = analyze_file(path, cache=cache)
    header = result.header
    builder = SummaryBuilder(athlete=header.athlete, recording=str(path),
                             started_at=header.created, sensors=[s.id for s in header.sensors],
                             body_mass_kg=body_mass_kg)
    for t in (result.t_first, result.t_last, result.read.end_t):
        if t is not None:
            builder.observe(t)
    builder.add_all(result.events)
    builder.set_sensor_stats(result.stats)
    return Analysis(result.events, builder.summary(), list(header.sensors), str(path))


def _analyze_arrays(feet: list[FootData], athlete: str | None, started_at: datetime | None,
                    body_mass_kg: float | None) -> Analysis:
    infos: list[SensorInfo] = []
    items: list[DecodedSamples] = []
    for i, foot in enumerate(feet):
        tt, acc, gyr = foot.arrays()
        default_id: str = FOOT_OF_PLACEMENT.get(foot.placement, f"s{i + 1}")
        sid = foot.sensor_id or default_id
        try:
            infos.append(SensorInfo(
                id=sid, profile=IMPORTED_PROFILE, placement=foot.placement,
                mounting=Mounting(toe_axis=foot.toe_axis, up_axis=foot.up_axis),
                rate_hz=foot.rate_hz(tt), name=sid,
            ))
        except ValidationError as exc:
            raise ConfigError(f"{sid}: {exc.errors()[0]['msg']}") from None
        for start in range(0, len(tt), _BLOCK):
            sl = slice(start, start + _BLOCK)
            items.append(DecodedSamples(t=float(tt[sl][-1]), sensor=sid, t_sensor=tt[sl],
                                        acc=acc[sl], gyr=gyr[sl]))
    if len({s.id for s in infos}) != len(infos):
        raise ConfigError(f"sensor ids must be unique, got {[s.id for s in infos]}")
    items.sort(key=lambda r: r.t)  # interleaved in time, as a recording holds them
    builder = SummaryBuilder(athlete=athlete, recording=None,
                             started_at=started_at or datetime.now(UTC),
                             sensors=[s.id for s in infos], body_mass_kg=body_mass_kg)
    events = _run(infos, items, builder)
    return Analysis(events, builder.summary(), infos, "arrays")
