"""The flow: source item -> decoder (profile) -> clock -> per-sensor pipeline -> fusion -> events.

:class:`GaitSession` is synchronous and does no I/O, so offline analysis, replay and the live
daemon run exactly the same code; :func:`run_source` is the asyncio edge that feeds it from a
:class:`~retrogait.sources.Source` and hands events to sinks.

Over 400 lines (barely): the synchronous session and its asyncio edge (run_source) share the
per-sensor state and the block columns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from retrogait.decoders import Decoder, SampleBlock, decoder_for
from retrogait.errors import ConfigError, DecodeError
from retrogait.events import Event, SensorStatusEvent
from retrogait.fusion import Fusion
from retrogait.pipeline import PipelineParams, SensorPipeline
from retrogait.pipeline.fall import FallDetector, FallFusion, make_detector
from retrogait.pipeline.sensor import foot_of
from retrogait.pipeline.trunk import TRUNK_PLACEMENTS, TrunkPipeline
from retrogait.profiles import FirmwareProfile, find_profile
from retrogait.recording.format import IMPORTED_PROFILE, SensorInfo
from retrogait.sink import Sink
from retrogait.sources.base import (
    ConnectionChange,
    DecodedSamples,
    Marker,
    Notification,
    Source,
    SourceItem,
)
from retrogait.timing import SensorClock
from retrogait.timing.clock import TimedBlock

log = logging.getLogger(__name__)

_NO_LIMIT = 1 << 62


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
    pipeline: SensorPipeline | TrunkPipeline
    fall: FallDetector | None = None
    stats: SensorStats = field(default_factory=SensorStats)
    pending: list[tuple[int, TimedBlock]] = field(default_factory=list)  # offline batching
    pending_samples: int = 0
    columns: BlockColumns | None = None  # held-back samples as columns (offline.py's cache)


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
                pipeline=(TrunkPipeline(info, rate_hz=rate) if info.placement in TRUNK_PLACEMENTS
                          else SensorPipeline(info, params, rate_hz=rate)),
                fall=make_detector(info, rate),
            )
        self.fusion = Fusion(self.sensors)
        self.falls = FallFusion(self.sensors)
        self.markers: list[Marker] = []
        self.stream_time_s = 0.0
        self._batched = False
        self._seq = 0  # offline batching: number of the current sample block / event group
        self._groups: list[tuple[int, list[Event], bool]] = []  # held back direct events

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

    def handle_many(self, items: Sequence[SourceItem]) -> list[Event]:
        """Process the items that became ready together (one wake-up of the live daemon);
        returns the same events, in the same order, as :meth:`handle` item by item. When one
        sensor has several notifications among them (a BLE connection event often carries
        several), its samples reach its pipeline as one block (see :meth:`handle_batched`:
        the pipeline's events do not depend on block sizes); otherwise item by item."""
        if len(items) == 1:
            return self.handle(items[0])
        if not repeats_sensor(items):
            events: list[Event] = []
            for item in items:
                events.extend(self.handle(item))
            return events
        for item in items:
            self.handle_batched(item, block_samples=_NO_LIMIT)
        return self.flush()

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
        if self._batched:
            st.pending.append((self._seq, timed))
            st.pending_samples += len(timed)
            self._seq += 1
            return []
        return self._fuse(_process(st, timed))

    def _fuse(self, events: list[Event]) -> list[Event]:
        if not events:
            return events
        events = self.falls.process(events)
        return events + self.fusion.process(events)

    def finish(self) -> list[Event]:
        events: list[Event] = []
        for st in self._state.values():
            events.extend(st.pipeline.finish())
        return self._fuse(events) + self.fusion.finish()


    # ------------------------------------------------------------------ offline
    def handle_batched(self, item: SourceItem, block_samples: int = 2048) -> list[Event]:
        """Offline variant of :meth:`handle`: each sensor's timed samples are held back and
        fed to its pipeline in blocks of up to ``block_samples`` (split at gaps) instead of one
        notification at a time; returns the events completed so far. Together with
        :meth:`flush` and :meth:`finish` it gives the same events in the same order as
        :meth:`handle` item by item: the pipeline's events do not depend on block sizes (its
        streaming contract), and each event is put back in the group of the notification
        holding its decision sample (the one whose time is ``emitted_at_s``), so fusion sees
        the streaming order."""
        self._batched = True
        try:
            direct = self.handle(item)
        finally:
            self._batched = False
        if direct:
            self._groups.append((self._seq, direct, False))
            self._seq += 1
        if any(st.pending_samples >= block_samples for st in self._state.values()):
            return self.flush()
        return []

    def flush(self) -> list[Event]:
        """Feed everything :meth:`handle_batched` holds back; the events, in streaming order."""
        groups = self._groups
        self._groups = []
        for st in self._state.values():
            groups.extend(self._flush_sensor(st))
        groups.sort(key=lambda g: g[0])
        events: list[Event] = []
        for _, evs, fuse in groups:
            events.extend(self._fuse(evs) if fuse else evs)
        return events

    def analyze(self, items: Iterable[SourceItem], block_samples: int = 2048) -> list[Event]:
        """Offline: every event of a whole stream (:meth:`handle_batched`, then the rest)."""
        events: list[Event] = []
        for item in items:
            events.extend(self.handle_batched(item, block_samples))
        events.extend(self.flush())
        events.extend(self.finish())
        return events

    def _flush_sensor(self, st: _SensorState) -> list[tuple[int, list[Event], bool]]:
        """Feed one sensor's pending timed blocks; events grouped by their block's seq."""
        if st.columns is not None:
            self.hold_columns(st)  # anything pending after the columns joins them
            cols, st.columns = st.columns, None
            assert cols is not None
            return self._flush_columns(st, cols)
        pending, st.pending, st.pending_samples = st.pending, [], 0
        if not pending:
            return []
        return self._flush_columns(st, BlockColumns.of(pending))

    def hold_columns(self, st: _SensorState) -> BlockColumns:
        """Turn the sensor's pending blocks into columns (kept until :meth:`flush`)."""
        if st.pending:
            cols = BlockColumns.of(st.pending)
            st.columns = cols if st.columns is None else BlockColumns.join(st.columns, cols)
            st.pending, st.pending_samples = [], 0
        if st.columns is None:
            st.columns = BlockColumns.of([])
        return st.columns

    def _flush_columns(self, st: _SensorState, c: BlockColumns
                       ) -> list[tuple[int, list[Event], bool]]:
        """Feed a sensor's held-back samples, given as columns: each run of blocks without a
        gap inside is one pipeline block (with its first block's gap and lost packets), and each
        event goes to the group of the block holding its decision sample."""
        out: list[tuple[int, list[Event], bool]] = []
        if len(c.n) == 0:
            return out
        ends = np.cumsum(c.n)
        starts = ends - c.n
        breaks = np.flatnonzero(c.gap > 0)
        run_first = np.unique(np.concatenate([[0], breaks]))
        run_end = np.append(run_first[1:], len(c.n))
        for i, j in zip(run_first.tolist(), run_end.tolist(), strict=True):
            a, b = int(starts[i]), int(ends[j - 1])
            block = TimedBlock(t=c.t[a:b], acc=c.acc[a:b], gyr=c.gyr[a:b],
                               gap_before_s=float(c.gap[i]), lost_packets=int(c.lost[i]))
            seq_of = np.repeat(c.seq[i:j], c.n[i:j])
            t = block.t
            increasing = bool(np.all(t[1:] > t[:-1]))
            k = 0
            by_seq: dict[int, list[Event]] = {}
            for ev in _process(st, block):
                if increasing:  # the decision sample, found by bisection
                    hit_at = k + int(np.searchsorted(t[k:], ev.emitted_at_s))
                    if hit_at < len(t) and t[hit_at] == ev.emitted_at_s:
                        k = hit_at
                else:
                    hit = np.flatnonzero(t[k:] == ev.emitted_at_s)
                    if hit.size:
                        k += int(hit[0])
                by_seq.setdefault(int(seq_of[k]), []).append(ev)
            out.extend((q, evs, True) for q, evs in by_seq.items())
        return out


def _process(st: _SensorState, block: TimedBlock) -> list[Event]:
    """One sensor's events from a block: gait pipeline and fall evidence, by decision time."""
    events = st.pipeline.process(block)
    if st.fall is None:
        return events
    falls = st.fall.process(block)
    if not falls:
        return events
    return sorted(events + falls, key=lambda e: e.emitted_at_s)  # stable: ties keep order


@dataclass
class BlockColumns:
    """A sensor's held-back timed blocks as columns: per block its ``seq`` (order among the
    session's items), sample count ``n``, ``gap`` before it (s) and ``lost`` packets; the
    samples ``t`` (s), ``acc`` (m/s²), ``gyr`` (deg/s) of all blocks, concatenated."""

    seq: NDArray[np.int64]
    n: NDArray[np.int64]
    gap: NDArray[np.float64]
    lost: NDArray[np.int64]
    t: NDArray[np.float64]
    acc: NDArray[np.float64]
    gyr: NDArray[np.float64]

    @classmethod
    def join(cls, a: BlockColumns, b: BlockColumns) -> BlockColumns:
        return cls(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in
                     ("seq", "n", "gap", "lost", "t", "acc", "gyr")))

    @classmethod
    def of(cls, blocks: Sequence[tuple[int, TimedBlock]]) -> BlockColumns:
        return cls(
            seq=np.array([q for q, _ in blocks], dtype=np.int64),
            n=np.array([len(b) for _, b in blocks], dtype=np.int64),
            gap=np.array([b.gap_before_s for _, b in blocks], dtype=np.float64),
            lost=np.array([b.lost_packets for _, b in blocks], dtype=np.int64),
            t=np.concatenate([b.t for _, b in blocks]) if blocks else np.zeros(0),
            acc=np.concatenate([b.acc for _, b in blocks]) if blocks else np.zeros((0, 3)),
            gyr=np.concatenate([b.gyr for _, b in blocks]) if blocks else np.zeros((0, 3)),
        )


def repeats_sensor(items: Sequence[SourceItem]) -> bool:
    """Do the items hold two sample-carrying items (notifications) of one sensor?"""
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Notification | DecodedSamples):
            if item.sensor in seen:
                return True
            seen.add(item.sensor)
    return False


def analyze_items(
    sensors: Sequence[SensorInfo], items: Iterable[SourceItem], block_samples: int = 2048
) -> list[Event]:
    """Offline: run a whole stream of items through a fresh session and return every event
    (the same as streaming item by item; samples reach the pipelines in bigger blocks)."""
    return GaitSession(sensors).analyze(items, block_samples)


async def run_source(
    source: Source, sinks: Sequence[Sink], session: GaitSession, offline: bool = False
) -> None:
    """Feed a source through the session into the sinks until the source ends (live: in the
    groups :meth:`Source.batches` gives, see :meth:`GaitSession.handle_many`). ``offline``:
    samples reach the pipelines in big blocks (:meth:`GaitSession.handle_batched`; same
    events, emitted in bursts, for analysing a whole file, not for live use)."""
    try:
        if offline:
            async for item in source:
                for sink in sinks:
                    await sink.observe(item)
                for event in session.handle_batched(item):
                    for sink in sinks:
                        await sink.emit(event)
        else:
            async for items in source.batches():
                # a group with one notification per sensor goes item by item, each item's
                # events out before the next is processed (no added latency); one with several
                # notifications of a sensor as a whole (one pipeline block per sensor)
                for part in (items,) if repeats_sensor(items) else ((it,) for it in items):
                    for item in part:
                        for sink in sinks:
                            await sink.observe(item)
                    for event in session.handle_many(part):
                        for sink in sinks:
                            await sink.emit(event)
        for event in (session.flush() if offline else []) + session.finish():
            for sink in sinks:
                await sink.emit(event)
    finally:
        await source.aclose()
