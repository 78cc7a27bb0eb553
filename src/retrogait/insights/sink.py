"""A sink that builds the session summary as events stream past (replay, analyze, run)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from retrogait.events import Event
from retrogait.insights.summary import SessionSummary, SummaryBuilder
from retrogait.sink import Sink
from retrogait.sources.base import SourceItem


class SummarySink(Sink):
    """Feeds a :class:`SummaryBuilder`; on close, calls ``on_summary`` with the summary."""

    def __init__(
        self,
        builder: SummaryBuilder | None = None,
        on_summary: Callable[[SessionSummary], Any] | None = None,
    ) -> None:
        self.builder = builder or SummaryBuilder()
        self.on_summary = on_summary
        self.result: SessionSummary | None = None

    async def observe(self, item: SourceItem) -> None:
        self.builder.observe(item.t)

    async def emit(self, event: Event) -> None:
        self.builder.add(event)

    async def close(self) -> None:
        self.result = self.builder.summary()
        if self.on_summary is not None:
            self.on_summary(self.result)


def summary_sink_for(recording: str | Path, **builder_kwargs: Any) -> SummarySink:
    """A summary sink set up from a recording's header (athlete, start time, sensors)."""
    from retrogait.recording.reader import RecordingReader

    header = RecordingReader(recording).header
    return SummarySink(SummaryBuilder(
        athlete=header.athlete,
        recording=str(recording),
        started_at=header.created,
        sensors=[s.id for s in header.sensors],
        **builder_kwargs,
    ))
