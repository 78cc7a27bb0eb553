"""The event loop the long-running commands use: uvloop where installed, the standard asyncio
loop when asked for (or without uvloop)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from retrogait.cli import event_loop
from retrogait.errors import ConfigError


async def _loop_module() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_where_installed() -> None:
    if sys.platform == "win32":
        pytest.skip("uvloop does not exist on Windows (and is no dependency there)")
    assert event_loop.run(_loop_module()).startswith("uvloop")
    assert event_loop.run(_loop_module(), "uvloop").startswith("uvloop")


def test_asyncio_choice_runs_the_standard_loop() -> None:
    assert event_loop.run(_loop_module(), "asyncio").startswith("asyncio")


def test_without_uvloop_auto_falls_back_and_uvloop_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop -> ImportError
    assert event_loop.run(_loop_module()).startswith("asyncio")
    with pytest.raises(ConfigError, match="uvloop is not installed"):
        event_loop.run(_loop_module(), "uvloop")
