"""The sink interface: async at the edge, one event at a time, in stream order."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from retrogait.events import Event
from retrogait.sources.base import SourceItem


class Sink(ABC):
    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open connections or files."""

    async def observe(self, item: SourceItem) -> None:  # noqa: B027 - optional hook
        """See every source item before it is processed (progress, recording)."""

    @abstractmethod
    async def emit(self, event: Event) -> None:
        """Deliver one event; must not block the event loop."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Flush and release resources."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
