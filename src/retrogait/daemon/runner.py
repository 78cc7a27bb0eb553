"""The run loop: BLE source -> recording -> GaitSession -> sinks, until Ctrl-C / SIGTERM.

Every source item is written to the session's recording *before* it is processed (raw
notifications and connection events), so a live session replays exactly. Stopping is clean:
the sensors get their profile's stop commands and are disconnected, the pipeline is flushed, the
recording gets its end record, the MQTT sink publishes the session summary and the offline status,
and the summary is stored in the session history (one SQLite transaction).

The session id is the one ``retrogait history add`` gives the session's recording
(``<start>-<athlete>-<recording name>``), so a live session stored in the history is never added
a second time from its recording.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from retrogait import __version__
from retrogait.errors import ConfigError, RetrogaitError
from retrogait.events import Event
from retrogait.insights.live import LiveView
from retrogait.insights.sink import SummarySink
from retrogait.insights.summary import SessionSummary, SummaryBuilder, _default_session_id
from retrogait.pipeline.sensor import foot_of
from retrogait.recording import Header, RecordingWriter
from retrogait.session import GaitSession, run_source
from retrogait.sinks import ConsoleSink, JsonlSink, Sink
from retrogait.sinks.alert_cmd import AlertCommandSink, AlertSettings
from retrogait.sinks.mqtt import MqttSink
from retrogait.sources.base import ConnectionChange, SourceItem
from retrogait.sources.ble import BleDevice, BleOptions, BleSource

log = logging.getLogger(__name__)


class RecordingSink(Sink):
    """Writes every source item to a recording as it streams. The writer batches records and
    writes them at most ``flush_interval_s`` after they came; a timer flushes it too, so the bound
    holds when the stream stalls (see docs/recording-format.md)."""

    def __init__(self, writer: RecordingWriter) -> None:
        self.writer = writer
        self.reason = "stopped"
        self._timer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._timer is None and 0 < self.writer.flush_interval_s < float("inf"):
            self._timer = asyncio.create_task(self._flush_periodically(), name="recording-flush")

    async def _flush_periodically(self) -> None:
        while not self.writer.closed:
            await asyncio.sleep(self.writer.flush_interval_s)
            if self.writer.pending:
                try:
                    self.writer.flush()
                except OSError:
                    log.exception("recording %s: flush failed", self.writer.path)

    async def observe(self, item: SourceItem) -> None:
        self.writer.write(item)

    async def emit(self, event: Event) -> None:
        return None

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.writer.close(self.reason)


class _TimedSession(GaitSession):
    """A GaitSession that counts the CPU time of its own work (decode, clock, pipeline, fusion),
    s of this thread, so the daemon can tell its own cost from the algorithm's (two clock reads
    per wake-up)."""

    cpu_s = 0.0

    def handle_many(self, items: Sequence[SourceItem]) -> list[Event]:
        t = time.thread_time()
        try:
            return super().handle_many(items)
        finally:
            self.cpu_s += time.thread_time() - t

    def finish(self) -> list[Event]:
        t = time.thread_time()
        try:
            return super().finish()
        finally:
            self.cpu_s += time.thread_time() - t


class _SignalInfo(Sink):
    """Hands the live view what acquisition knows beyond the stream (signal strength, dBm)."""

    def __init__(self, source: BleSource, live: LiveView) -> None:
        self.source = source
        self.live = live

    async def observe(self, item: SourceItem) -> None:
        if isinstance(item, ConnectionChange):
            st = self.source.stats.get(item.sensor)
            if st is not None and st.rssi_dbm is not None:
                self.live.update_sensor(item.sensor, rssi_dbm=st.rssi_dbm)

    async def emit(self, event: Event) -> None:
        return None


@dataclass
class DaemonResult:
    recording: Path | None
    events: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    dropped_notifications: int = 0
    mqtt_dropped: int = 0
    mqtt_problem: str | None = None
    """events that did not reach the broker, how many and why (:meth:`MqttSink.delivery_problem`)"""
    stop_reason: str = ""
    summary: SessionSummary | None = None
    history: Path | None = None
    """the history file the summary was stored in (None: not stored)"""
    history_error: str = ""
    cpu_s: float = 0.0
    """CPU time of the process during the session (user + system), s"""
    gait_cpu_s: float = 0.0
    """of which decoding, timing, the gait pipeline and fusion (GaitSession), s"""


def recording_path(directory: Path, athlete: str, started: datetime, compress: bool) -> Path:
    directory = directory.expanduser()
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory}: the recording folder ([recording] dir or --record-dir) "
                          "is a file")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{directory}: cannot create the recording folder: "
                          f"{exc.strerror or exc}") from None
    stamp = started.astimezone().strftime("%Y%m%d-%H%M%S")
    path = directory / f"{athlete}-{stamp}.jsonl{'.gz' if compress else ''}"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{athlete}-{stamp}-{n}.jsonl{'.gz' if compress else ''}"
    return path


class Daemon:
    """One session of the live daemon. ``request_stop`` may be called from a signal handler."""

    def __init__(
        self,
        athlete: str,
        devices: list[BleDevice],
        options: BleOptions,
        record_dir: Path | None,
        compress: bool = True,
        mqtt: MqttSink | None = None,
        console: bool = True,
        events_jsonl: Path | None = None,
        notes: str = "",
        profile_dir: str | None = None,
        live: bool = False,
        history: Path | None = None,
        extra_sinks: Sequence[Sink] = (),
        alerts: AlertSettings | None = None,
    ) -> None:
        """``console``: event lines on stdout (or, with ``live``, the terminal live view in their
        place); ``history``: store the session summary in this history file at the end;
        ``extra_sinks``: more outputs (the live page, audio cues), after the others."""
        if not devices:
            raise ConfigError("no devices configured: add [[devices]] to the config file")
        self.athlete = athlete
        self.started = datetime.now(UTC)
        self.t0 = time.monotonic()
        self.source = BleSource(devices, options, t0=self.t0, profile_dir=profile_dir)
        self.session = _TimedSession(self.source.sensors, profile_dir=profile_dir)
        self.mqtt = mqtt
        self.recording: Path | None = None
        self.sinks: list[Sink] = []
        self._rec_sink: RecordingSink | None = None
        if record_dir is not None:
            self.recording = recording_path(record_dir, athlete, self.started, compress)
            header = Header(
                created=self.started, software=f"retrogait {__version__}", origin="ble",
                athlete=athlete, sensors=self.source.sensors, notes=notes,
            )
            self._rec_sink = RecordingSink(RecordingWriter(self.recording, header))
            self.sinks.append(self._rec_sink)
        self.console = ConsoleSink(show_events=console and not live) if console else None
        if self.console is not None:
            self.sinks.append(self.console)
        self.live: LiveView | None = None
        if console and live:
            self.live = LiveView()
            for info in self.source.sensors:
                self.live.state.sensor(info.id).foot = foot_of(info)
            self.sinks += [_SignalInfo(self.source, self.live), self.live]
        if events_jsonl is not None:
            self.sinks.append(JsonlSink(events_jsonl))
        if alerts is not None:
            self.sinks.append(AlertCommandSink(alerts))
        rec_name = self.recording.name if self.recording else None
        self.session_id = _default_session_id(self.started, athlete, rec_name)
        self.summary: SummaryBuilder
        if mqtt is not None:
            mqtt.set_session(self.session_id, started_at=self.started, recording=rec_name)
            self.source.on_dropped = mqtt.report_dropped_notifications
            self.summary = mqtt.summary  # the MQTT sink feeds it and publishes its summary
            self.sinks.append(mqtt)
        else:
            self.summary = SummaryBuilder(
                athlete=athlete, recording=rec_name, started_at=self.started,
                sensors=[d.id for d in devices], session_id=self.session_id,
            )
            self.sinks.append(SummarySink(self.summary))
        self.sinks.extend(extra_sinks)
        self.history = history
        self.stop_reason = ""
        self._counts: dict[str, int] = {}

    def request_stop(self, reason: str = "stopped") -> None:
        if not self.stop_reason:
            self.stop_reason = reason
            log.warning("stopping (%s): stopping streams, flushing the recording", reason)
        asyncio.get_running_loop().create_task(self.source.stop())

    async def run(self, duration_s: float | None = None, signals: bool = True) -> DaemonResult:
        loop = asyncio.get_running_loop()
        installed = []
        if signals and sys.platform != "win32":
            for sig, name in ((signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM")):
                loop.add_signal_handler(sig, self.request_stop, name)
                installed.append(sig)
        timer = loop.call_later(duration_s, self.request_stop, "duration reached") if (
            duration_s) else None
        for s in self.sinks:
            await s.start()
        cpu0 = time.process_time()
        try:
            await run_source(self.source, self.sinks, self.session)
        except BaseException:
            if self._rec_sink is not None:
                self._rec_sink.reason = "error"
            raise
        finally:
            if timer is not None:
                timer.cancel()
            for sig in installed:
                loop.remove_signal_handler(sig)
            self.summary.set_sensor_stats(self.session.stats())
            if self.mqtt is not None:  # the offline status carries the final count
                self.mqtt.report_dropped_notifications(self.source.dropped)
            for s in self.sinks:
                try:
                    await s.close()
                except Exception:
                    log.exception("closing %s failed", type(s).__name__)
        if not self.stop_reason:
            self.stop_reason = "every sensor gave up"
        summary = self.summary.summary()
        stored, error = self._store(summary)
        return DaemonResult(
            recording=self.recording,
            events=dict(self.console.counts) if self.console else {},
            duration_s=time.monotonic() - self.t0,
            dropped_notifications=self.source.dropped,
            mqtt_dropped=self.mqtt.stats.dropped if self.mqtt else 0,
            mqtt_problem=self.mqtt.delivery_problem() if self.mqtt else None,
            stop_reason=self.stop_reason,
            summary=summary,
            history=stored,
            history_error=error,
            cpu_s=time.process_time() - cpu0,
            gait_cpu_s=self.session.cpu_s,
        )

    def _store(self, summary: SessionSummary) -> tuple[Path | None, str]:
        """Store the summary in the history (one transaction); a session in which no sensor
        delivered a sample is not stored. Failures are reported, never fatal."""
        if self.history is None:
            return None, ""
        if not any(st.samples for st in self.session.stats().values()):
            return None, "no data: session not stored in the history"
        from retrogait.insights.history import History

        try:
            with History(self.history) as h:
                h.add_session(summary)
        except (RetrogaitError, sqlite3.Error, OSError) as exc:
            log.error("history %s: %s", self.history, exc)
            return None, str(exc)
        return self.history, ""
