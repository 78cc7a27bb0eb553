"""JSON Lines event file: one event model per line, flushed as it goes.

With ``atomic`` (the commands that analyse a recording) the lines go to a temporary file beside
the final one, renamed to the final name by :meth:`JsonlSink.close`; :meth:`JsonlSink.discard`
(an error or interruption) removes it, so a half file never appears under the final name
(:mod:`retrogait.outfiles`). The live daemon writes the final file directly, so it can be
followed while the session runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from retrogait.events import Event
from retrogait.outfiles import AtomicFile, os_error
from retrogait.sink import Sink


class JsonlSink(Sink):
    def __init__(self, path: str | Path, atomic: bool = False) -> None:
        self.path = Path(path)
        self.atomic = atomic
        self._fh: IO[str] | None = None
        self._atomic: AtomicFile | None = None
        self.count = 0

    async def start(self) -> None:
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.atomic:
            self._atomic = AtomicFile(self.path, "w", encoding="utf-8")
            self._fh = self._atomic.fh
        else:
            try:
                self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - in close()
            except OSError as exc:
                raise os_error(self.path, exc) from None

    async def emit(self, event: Event) -> None:
        if self._fh is None:
            await self.start()
        assert self._fh is not None
        try:
            self._fh.write(event.model_dump_json() + "\n")
            self._fh.flush()
        except OSError as exc:
            self.discard()
            raise os_error(self.path, exc) from None
        self.count += 1

    def discard(self) -> None:
        """Drop what was written (atomic: the final name is left untouched)."""
        if self._atomic is not None:
            self._atomic.discard()
            self._atomic = None
            self._fh = None

    async def close(self) -> None:
        if self._atomic is not None:
            atomic, self._atomic, self._fh = self._atomic, None, None
            atomic.commit()
        elif self._fh is not None:
            fh, self._fh = self._fh, None
            try:
                fh.close()
            except OSError as exc:
                raise os_error(self.path, exc) from None
