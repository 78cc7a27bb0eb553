"""Offline access to a recording for reports and exports: its events, summary and raw samples."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from retrogait.decoders import Decoder, SampleBlock, decoder_for
from retrogait.errors import DecodeError, RecordingError
from retrogait.events import Event, GapEvent, StrideEvent
from retrogait.insights.summary import SessionSummary, SummaryBuilder
from retrogait.profiles import find_profile
from retrogait.recording.format import IMPORTED_PROFILE, Header, SensorInfo
from retrogait.recording.reader import ReadStats, RecordingReader
from retrogait.sources.base import DecodedSamples, Notification
from retrogait.timing import SensorClock

FloatArray = NDArray[np.float64]


@dataclass
class AnalyzedSession:
    """A recording run through the whole flow offline."""

    path: Path
    header: Header
    events: list[Event]
    summary: SessionSummary
    strides: list[StrideEvent] = field(default_factory=list)
    gaps: list[GapEvent] = field(default_factory=list)
    stats: ReadStats = field(default_factory=ReadStats)
    """how the read went (cut off, records skipped): :meth:`ReadStats.warnings`"""


def analyze_recording(
    path: str | Path, body_mass_kg: float | None = None, bin_s: float = 60.0,
    profile_dir: str | Path | None = None,
) -> AnalyzedSession:
    """Decode, time and analyse a recording exactly as ``retrogait analyze`` does."""
    from retrogait.offline import analyze_file

    p = Path(path)
    result = analyze_file(p, profile_dir)  # whole file, column cache (offline.py)
    header = result.header
    builder = SummaryBuilder(
        athlete=header.athlete,
        recording=str(p),
        started_at=header.created,
        sensors=[s.id for s in header.sensors],
        body_mass_kg=body_mass_kg,
        bin_s=bin_s,
    )
    events = result.events
    for t in (result.t_first, result.t_last, result.read.end_t):
        if t is not None:
            builder.observe(t)
    builder.add_all(events)
    builder.set_sensor_stats(result.stats)
    return AnalyzedSession(
        path=p,
        header=header,
        events=events,
        summary=builder.summary(),
        strides=[e for e in events if isinstance(e, StrideEvent)],
        gaps=[e for e in events if isinstance(e, GapEvent)],
        stats=result.read,
    )


@dataclass
class FootSignals:
    """Samples of one sensor in the foot frame (x toes, y left, z up): t s, acc m/s², gyr deg/s."""

    sensor: str
    t: FloatArray
    acc: FloatArray
    gyr: FloatArray


def read_foot_signals(
    path: str | Path, sensor: str, windows: Sequence[tuple[float, float]]
) -> FootSignals:
    """The samples of ``sensor`` that fall in any of ``windows`` (s, recording time base), decoded
    and timed as the live flow does and rotated to the foot frame with the nominal mounting."""
    reader = RecordingReader(path)
    info = next((s for s in reader.header.sensors if s.id == sensor), None)
    if info is None:
        raise RecordingError(f"{path}: no sensor {sensor!r}")
    decoder, clock = _decoder_and_clock(info)
    lo = min((w[0] for w in windows), default=0.0)
    hi = max((w[1] for w in windows), default=0.0)
    ts, accs, gyrs = [], [], []
    for item in reader:
        if getattr(item, "sensor", None) != sensor:
            continue
        blocks: list[SampleBlock]
        if isinstance(item, Notification) and decoder is not None:
            try:
                blocks = decoder.decode(item.char, item.payload)
            except DecodeError:
                continue
        elif isinstance(item, DecodedSamples):
            blocks = [SampleBlock(acc=item.acc, gyr=item.gyr, t_sensor=item.t_sensor)]
        else:
            continue
        for block in blocks:
            if len(block) == 0:
                continue
            timed = clock.map(item.t, block)
            if timed.t[-1] < lo or timed.t[0] > hi:
                continue
            keep = np.zeros(len(timed), dtype=bool)
            for a, b in windows:
                keep |= (timed.t >= a) & (timed.t <= b)
            if keep.any():
                ts.append(timed.t[keep])
                accs.append(timed.acc[keep])
                gyrs.append(timed.gyr[keep])
        if item.t > hi + 5.0:  # arrival lags sample time by far less than this
            break
    rot = info.mounting.sensor_to_foot()
    if not ts:
        empty = np.zeros((0, 3))
        return FootSignals(sensor, np.zeros(0), empty, empty)
    t = np.concatenate(ts)
    return FootSignals(
        sensor=sensor,
        t=t,
        acc=np.concatenate(accs) @ rot.T,
        gyr=np.concatenate(gyrs) @ rot.T,
    )


def _decoder_and_clock(info: SensorInfo) -> tuple[Decoder | None, SensorClock]:
    if info.profile == IMPORTED_PROFILE:
        if info.rate_hz is None:
            raise RecordingError(f"sensor {info.id}: imported samples need rate_hz")
        return None, SensorClock(info.rate_hz)
    profile = find_profile(info.profile)
    rate = info.rate_hz or profile.default_rate_hz
    return decoder_for(profile, rate), SensorClock(rate)
