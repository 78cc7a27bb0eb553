"""Progress for long commands, on the terminal only: nothing when stderr is a file or a pipe, or
with ``-q`` (so logs and captured output hold no ``\\r`` bars)."""

from __future__ import annotations

import sys
from typing import TextIO


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """Progress is drawn only on an interactive terminal and without ``-q``."""
    s = stream or sys.stderr
    return not quiet and hasattr(s, "isatty") and s.isatty()


class Steps:
    """``label: step i/n what`` on one self-overwriting stderr line; cleared by :meth:`done`."""

    def __init__(self, label: str, total: int, quiet: bool = False,
                 stream: TextIO | None = None) -> None:
        self.label, self.total = label, total
        self.stream = stream or sys.stderr
        self.on = wanted(quiet, self.stream)
        self._width = 0

    def step(self, i: int, what: str) -> None:
        if not self.on:
            return
        text = f"{self.label}: {i}/{self.total} {what}"
        self.stream.write("\r" + text.ljust(self._width))
        self._width = len(text)
        self.stream.flush()

    def done(self) -> None:
        if self.on and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
