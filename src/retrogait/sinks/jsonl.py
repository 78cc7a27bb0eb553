"""JSON Lines event file: one event model per line, flushed as it goes."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from retrogait.events import Event
from retrogait.sinks.base import Sink


class JsonlSink(Sink):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fh: IO[str] | None = None
        self.count = 0

    async def start(self) -> None:
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()

    async def emit(self, event: Event) -> None:
        if self._fh is None:
            await self.start()
        assert self._fh is not None
        self._fh.write(event.model_dump_json() + "\n")
        self._fh.flush()
        self.count += 1

    async def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
