"""The flow: source item -> decoder (profile) -> clock -> per-sensor pipeline -> fusion -> events.

:class:`GaitSession` is synchronous and does no I/O, so offline analysis, replay and the live
daemon run exactly the same code; :func:`run_source` is the asyncio edge that feeds it from a
:class:`~retrogait.sources.Source` and hands events to sinks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retrogait.decoders import Decoder, SampleBlock, decoder_for
from retrogait.errors import ConfigError, DecodeError
from retrogait.events import Event, SensorStatusEvent
from retrogait.fusion import Fusion
from retrogait.pipeline import PipelineParams, SensorPipeline
from retrogait.pipeline.sensor import foot_of
from retrogait.profiles import FirmwareProfile, find_profile
from retrogait.recording.format import IMPORTED_PROFILE, SensorInfo
from retrogait.sinks.base import Sink
from retrogait.sources.base import (
    ConnectionChange,
    DecodedSamples,
    Marker,
    Notification,
    Source,
    SourceItem,
)
from retrogait.timing import SensorClock

log = logging.getLogger(__name__)


@dataclass
class SensorStats:
    """Data-quality counters for one sensor."""

    notifications: int = 0
    samples: int = 0
    decode_errors: int = 0
    lost_packets: int = 0
    gaps: int = 0
    gap_time_s: float = 0.0
    last_error: str = ""


@dataclass
class _SensorState:
    info: SensorInfo
    profile: FirmwareProfile | None
    decoder: Decoder | None
    clock: SensorClock
    pipeline: SensorPipeline
    stats: SensorStats = field(default_factory=SensorStats)


class GaitSession:
    """Everything between a source and the sinks, for all sensors of one session."""

    def __init__(
        self,
        sensors: Sequence[SensorInfo],
        params: PipelineParams | None = None,
        profile_dir: str | Path | None = None,
    ) -> None:
        self.sensors = list(sensors)
        self._state: dict[str, _SensorState] = {}
        for info in self.sensors:
            profile: FirmwareProfile | None = None
            if info.profile == IMPORTED_PROFILE:
                if info.rate_hz is None:
                    raise ConfigError(f"sensor {info.id}: imported samples need rate_hz")
                rate = info.rate_hz
            else:
                profile = find_profile(info.profile, profile_dir)
                rate = info.rate_hz or profile.default_rate_hz
            self._state[info.id] = _SensorState(
                info=info,
                profile=profile,
                decoder=decoder_for(profile, rate) if profile else None,
                clock=SensorClock(rate),
                pipeline=SensorPipeline(info, params, rate_hz=rate),
            )
        self.fusion = Fusion(self.sensors)
        self.markers: list[Marker] = []
        self.stream_time_s = 0.0

    def stats(self) -> dict[str, SensorStats]:
        return {sid: st.stats for sid, st in self._state.items()}

    def handle(self, item: SourceItem) -> list[Event]:
        """Process one source item; returns the events it completes, in time order."""
        self.stream_time_s = max(self.stream_time_s, item.t)
        match item:
            case Notification():
                return self._notification(item)
            case DecodedSamples():
                st = self._state[item.sensor]
                block = SampleBlock(acc=item.acc, gyr=item.gyr, t_sensor=item.t_sensor)
                return self._samples(st, item.t, block)
            case ConnectionChange():
                st = self._state[item.sensor]
                if item.event in ("connected", "reconnected") and st.decoder is not None:
                    st.decoder.reset()
                status = SensorStatusEvent(
                    t_s=item.t, emitted_at_s=item.t, sensor=item.sensor,
                    foot=foot_of(st.info), status=item.event, detail=item.detail,
                )
                return [status]
            case Marker():
                self.markers.append(item)
                return []
        raise TypeError(f"unknown source item {item!r}")

    def _notification(self, item: Notification) -> list[Event]:
        st = self._state.get(item.sensor)
        if st is None or st.decoder is None:
            return []
        st.stats.notifications += 1
        try:
            blocks = st.decoder.decode(item.char, item.payload)
        except DecodeError as exc:
            st.stats.decode_errors += 1
            first = st.stats.last_error != str(exc)
            st.stats.last_error = str(exc)
            if first:  # report each new kind of error once, count the rest
                log.warning("sensor %s: %s", item.sensor, exc)
                return [
                    SensorStatusEvent(
                        t_s=item.t, emitted_at_s=item.t, sensor=item.sensor,
                        foot=foot_of(st.info), status="decode_error", detail=str(exc),
                    )
                ]
            return []
        events: list[Event] = []
        for block in blocks:
            events.extend(self._samples(st, item.t, block))
        return events

    def _samples(self, st: _SensorState, arrival: float, block: SampleBlock) -> list[Event]:
        if len(block) == 0:
            return []
        timed = st.clock.map(arrival, block)
        st.stats.samples += len(timed)
        st.stats.lost_packets += block.lost_packets
        if timed.gap_before_s > 0:
            st.stats.gaps += 1
            st.stats.gap_time_s += timed.gap_before_s
        events = st.pipeline.process(timed)
        return self._fuse(events)

    def _fuse(self, events: list[Event]) -> list[Event]:
        if not events:
            return events
        return events + self.fusion.process(events)

    def finish(self) -> list[Event]:
        events: list[Event] = []
        for st in self._state.values():
            events.extend(st.pipeline.finish())
        return self._fuse(events) + self.fusion.finish()


def analyze_items(sensors: Sequence[SensorInfo], items: Iterable[SourceItem]) -> list[Event]:
    """Offline: run a whole stream of items through a fresh session and return every event."""
    session = GaitSession(sensors)
    events: list[Event] = []
    for item in items:
        events.extend(session.handle(item))
    events.extend(session.finish())
    return events


async def run_source(source: Source, sinks: Sequence[Sink], session: GaitSession) -> None:
    """Feed a source through the session into the sinks until the source ends."""
    try:
        async for item in source:
            for sink in sinks:
                await sink.observe(item)
            for event in session.handle(item):
                for sink in sinks:
                    await sink.emit(event)
        for event in session.finish():
            for sink in sinks:
                await sink.emit(event)
    finally:
        await source.aclose()
