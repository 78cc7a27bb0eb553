"""The live web page (``retrogait run --web``, ``replay --web``, ``retrogait dashboard``).

:class:`WebSink` hands one athlete's events to a :class:`~retrogait.sinks.web.hub.WebHub`;
:class:`~retrogait.sinks.web.server.WebServer` serves the page and the hub's messages as
Server-Sent Events. Needs ``pip install 'retrogait[web]'`` (aiohttp). See ``docs/web.md``.
"""

from __future__ import annotations

from pathlib import Path

from retrogait.events import Event
from retrogait.sink import Sink
from retrogait.sinks.web.hub import WebHub
from retrogait.sources.base import DecodedSamples, Notification, SourceItem


class WebSink(Sink):
    """One athlete's events to the hub (never waits: the hub only fills bounded queues).

    ``recording``: the session's recording; when the session ends the page links to its report.
    """

    def __init__(self, hub: WebHub, athlete: str, recording: Path | None = None) -> None:
        self.hub = hub
        self.athlete = athlete
        self.hub.feed(athlete).recording = recording

    def set_recording(self, recording: Path | None) -> None:
        self.hub.feed(self.athlete).recording = recording

    async def observe(self, item: SourceItem) -> None:
        self.hub.observe(self.athlete, item.t, isinstance(item, Notification | DecodedSamples))

    async def emit(self, event: Event) -> None:
        self.hub.publish(self.athlete, event)

    async def close(self) -> None:
        feed = self.hub.feed(self.athlete)
        report = f"/report/{self.athlete}" if feed.recording is not None else None
        self.hub.end(self.athlete, report=report)


__all__ = ["WebHub", "WebSink"]
