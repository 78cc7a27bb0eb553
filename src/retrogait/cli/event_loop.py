"""Which asyncio event loop the long-running commands (``run``, ``replay``) use.

uvloop (libuv, in C) runs the same asyncio code with less CPU per wake-up of the loop; the
daemon wakes about a hundred times a second with four sensors, so that is a good part of its
own cost (docs/daemon.md, "CPU, memory, latency"). It is installed with retrogait on Linux and
macOS; ``asyncio`` (the standard loop) is used where it is missing or when asked for.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar, get_args

from retrogait.errors import ConfigError

T = TypeVar("T")
LoopChoice = Literal["auto", "uvloop", "asyncio"]
LOOP_CHOICES: tuple[str, ...] = get_args(LoopChoice)


def add_event_loop_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--event-loop", choices=LOOP_CHOICES, default="auto",
        help="asyncio event loop: uvloop (less CPU) where installed, else the standard one "
        "(default: auto)",
    )


def loop_factory(choice: LoopChoice = "auto") -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The loop factory for ``choice``; None: the standard asyncio loop."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ConfigError(
                "--event-loop uvloop: uvloop is not installed (pip install uvloop)"
            ) from None
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(coro: Coroutine[Any, Any, T], choice: LoopChoice = "auto") -> T:
    """``asyncio.run(coro)`` on the chosen event loop."""
    try:
        factory = loop_factory(choice)
    except ConfigError:
        coro.close()  # never started: no "never awaited" warning
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)
