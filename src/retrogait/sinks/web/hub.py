"""The live page's message hub: athletes' figures in, one bounded queue per connected page out.

Producers (the :class:`~retrogait.sinks.web.WebSink` of ``run``/``replay``, or the MQTT
subscriber of ``retrogait dashboard``) call :meth:`WebHub.publish` for each event; it updates the
athlete's :class:`~retrogait.sinks.web.figures.AthleteFigures`, encodes one JSON message and
offers it to every page's queue without waiting. A page whose queue is full (a slow phone on bad
Wi-Fi) loses messages, counted in ``dropped`` and shown on the page, and gets a fresh snapshot
as soon as its queue has room again, so its figures are right again at once.

Messages (each one JSON object, one Server-Sent Event; ``docs/web.md``):

- ``hello``: ``server`` (id of this server run: a page that sees a new id redraws from scratch),
  ``mode`` (``single``: one athlete; ``group``: the dashboard);
- ``snapshot``: one athlete from scratch: ``figures``, ``recent`` (strides and landings of the
  last 60 s), ``alerts``, ``ended``, ``report`` (URL of the HTML report once it exists);
- ``event``: ``event`` (the event model's JSON, as MQTT carries it), ``alert`` (show it as an
  alert: :func:`~retrogait.sinks.web.figures.is_alert`), ``figures``, ``wall``
  (server clock when the event was published, s since the epoch: the latency benchmark);
- ``tick`` (every ``tick_s``): per athlete the stream time and the age of its newest sample, and
  this page's dropped count; a page that hears nothing for a few ticks reconnects;
- ``ended``: the session is over (``report``, ``summary``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from retrogait.events import Event
from retrogait.sinks.web.figures import AthleteFigures, is_alert

QUEUE_SIZE = 256
"""Messages waiting for one page before it starts losing them (about 20 s of events)."""
TICK_S = 1.0
"""Heartbeat period, s: the page's data age and its dead-connection watchdog run on it."""

Mode = Literal["single", "group"]


@dataclass
class AthleteFeed:
    """What the hub knows of one athlete."""

    figures: AthleteFigures = field(default_factory=AthleteFigures)
    stream_t_s: float = 0.0
    last_data_wall: float | None = None
    """server clock (time.time()) of the newest sample or event, s"""
    ended: bool = False
    recording: Path | None = None
    report: str | None = None
    summary: dict[str, Any] | None = None
    status: dict[str, Any] | None = None
    """the daemon's retained MQTT status (dashboard only)"""


class PageClient:
    """One connected page: a bounded queue that drops (and counts) when full."""

    def __init__(self, size: int = QUEUE_SIZE) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(size)
        self.dropped = 0
        self.resync = False
        self.sent = 0

    def offer(self, message: str | None) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            if message is None:  # closing: make room for the end marker
                with contextlib.suppress(asyncio.QueueEmpty):
                    self.queue.get_nowait()
                self.queue.put_nowait(None)
                return
            self.dropped += 1
            self.resync = True


class WebHub:
    """Athletes' live state and the pages listening to it."""

    def __init__(self, mode: Mode = "single", title: str = "retrogait",
                 queue_size: int = QUEUE_SIZE, tick_s: float = TICK_S) -> None:
        self.mode: Mode = mode
        self.title = title
        self.queue_size = queue_size
        self.tick_s = tick_s
        self.server_id = uuid.uuid4().hex[:12]
        self.athletes: dict[str, AthleteFeed] = {}
        self.clients: set[PageClient] = set()
        self.published = 0
        self._ticker: asyncio.Task[None] | None = None

    # ---- producers
    def feed(self, athlete: str) -> AthleteFeed:
        return self.athletes.setdefault(athlete, AthleteFeed())

    def observe(self, athlete: str, t_s: float, data: bool = True) -> None:
        """A source item at stream time ``t_s``; ``data``: it carries samples."""
        f = self.feed(athlete)
        f.stream_t_s = max(f.stream_t_s, t_s)
        if data:
            f.last_data_wall = time.time()

    def publish(self, athlete: str, event: Event) -> None:
        """Take one event and offer it to every page (never waits)."""
        f = self.feed(athlete)
        payload = event.model_dump(mode="json")
        f.figures.add(event, payload)
        f.stream_t_s = max(f.stream_t_s, event.t_s)
        f.last_data_wall = time.time()
        self.published += 1
        if not self.clients:
            return
        self._broadcast({"type": "event", "athlete": athlete, "wall": f.last_data_wall,
                         "event": payload, "alert": is_alert(event),
                         "figures": f.figures.figures()})

    def end(self, athlete: str, report: str | None = None,
            summary: dict[str, Any] | None = None) -> None:
        """The athlete's session is over."""
        f = self.feed(athlete)
        f.ended = True
        f.report = report or f.report
        f.summary = summary or f.summary
        self._broadcast({"type": "ended", "athlete": athlete, "report": f.report,
                         "summary": f.summary})

    def set_status(self, athlete: str, status: dict[str, Any]) -> None:
        """The daemon's status (dashboard: the retained MQTT status); sent as a snapshot."""
        f = self.feed(athlete)
        f.status = status
        if status.get("state") == "online":  # a daemon (back) online: its session runs
            f.ended = False
        self._broadcast(self._snapshot(athlete, f))

    def resend(self, athlete: str) -> None:
        """Send the athlete's snapshot to every page (a new athlete, a restored session)."""
        self._broadcast(self._snapshot(athlete, self.feed(athlete)))

    # ---- pages
    def connect(self) -> PageClient:
        client = PageClient(self.queue_size)
        self.clients.add(client)
        return client

    def disconnect(self, client: PageClient) -> None:
        self.clients.discard(client)

    def greeting(self) -> list[str]:
        """What a page gets first (and again after it lost messages): hello and snapshots."""
        msgs = [_encode({"type": "hello", "server": self.server_id, "mode": self.mode,
                         "title": self.title, "wall": time.time()})]
        msgs += [_encode(self._snapshot(a, f)) for a, f in sorted(self.athletes.items())]
        return msgs

    def tick(self, client: PageClient) -> str:
        now = time.time()
        return _encode({
            "type": "tick", "wall": now, "dropped": client.dropped,
            "athletes": {
                a: {"t_s": round(f.stream_t_s, 2), "ended": f.ended,
                    "data_age_s": None if f.last_data_wall is None
                    else round(now - f.last_data_wall, 2)}
                for a, f in self.athletes.items()
            },
        })

    def start(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick_loop(),
                                                                  name="web-tick")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for c in list(self.clients):
            c.offer(None)  # the page's handler ends; the browser will reconnect elsewhere

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            for c in list(self.clients):
                c.offer(self.tick(c))

    # ---- internals
    def _snapshot(self, athlete: str, f: AthleteFeed) -> dict[str, Any]:
        return {"type": "snapshot", "athlete": athlete, **f.figures.snapshot(),
                "ended": f.ended, "report": f.report, "summary": f.summary,
                "status": f.status}

    def _broadcast(self, message: dict[str, Any]) -> None:
        if not self.clients:
            return
        text = _encode(message)
        for c in self.clients:
            c.offer(text)


def _encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), allow_nan=False)
