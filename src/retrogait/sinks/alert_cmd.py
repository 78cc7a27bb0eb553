"""Alert command: run the user's program on a fall (``[alerts] command`` in ``retrogait.toml``).

The program gets the event as one line of JSON (the :class:`~retrogait.events.FallEvent`, and
the :class:`~retrogait.events.RecoveredEvent` when the runner moves again unless
``on_recovered`` is false) on its stdin, e.g. a script that sends a message. It runs as an
asyncio subprocess (never blocking the event loop, never through a shell), each run in its own
task; a run longer than ``timeout_s`` is killed. Exit codes and stderr are logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex

from pydantic import BaseModel, ConfigDict, Field, field_validator

from retrogait.events import Event
from retrogait.sink import Sink

log = logging.getLogger(__name__)


class AlertSettings(BaseModel):
    """``[alerts]``: a program to run on a fall alert."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    command: str = Field(description="program and arguments (split like a POSIX shell, run "
                         "without one); gets the event JSON on stdin")
    timeout_s: float = Field(default=30.0, gt=0, description="kill a run after this, s")
    on_recovered: bool = Field(
        default=True, description="also run it with the recovered event (alarm over)")

    @field_validator("command")
    @classmethod
    def _split(cls, v: str) -> str:
        if not shlex.split(v):
            raise ValueError("command is empty")
        return v


class AlertCommandSink(Sink):
    """Runs ``settings.command`` for every fall (and recovered) event; see the module doc."""

    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings
        self.argv = shlex.split(settings.command)
        self._tasks: set[asyncio.Task[int | None]] = set()
        self.results: list[int | None] = []  # exit codes of finished runs (None: killed)

    async def emit(self, event: Event) -> None:
        if event.kind == "fall" or (event.kind == "recovered" and self.settings.on_recovered):
            task = asyncio.create_task(self._run(event.model_dump_json().encode() + b"\n"),
                                       name=f"alert-{event.kind}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, payload: bytes) -> int | None:
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
        except OSError as exc:
            log.error("alert command %s could not start: %s", self.argv[0], exc)
            self.results.append(None)
            return None
        try:
            _, err = await asyncio.wait_for(proc.communicate(payload), self.settings.timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            log.error("alert command %s killed after %.0f s", self.argv[0],
                      self.settings.timeout_s)
            self.results.append(None)
            return None
        if proc.returncode:
            log.error("alert command %s exited with %d: %s", self.argv[0], proc.returncode,
                      err.decode(errors="replace").strip()[-500:])
        else:
            log.info("alert command %s done", self.argv[0])
        self.results.append(proc.returncode)
        return proc.returncode

    async def close(self) -> None:
        """Wait for runs still going (each is bounded by its timeout)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
