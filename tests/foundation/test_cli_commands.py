"""The CLI's command table (``retrogait.cli.COMMANDS``) names, for every sub-command, the module
that registers it; a run imports only that module, so ``retrogait analyze`` does not pay for
the live outputs, MQTT, asyncio or the other commands."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

from retrogait.cli import COMMAND_MODULES, COMMANDS, build_parser, command_of

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo_backward_run.jsonl.gz"


def test_every_module_registers_exactly_the_commands_the_table_gives_it() -> None:
    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).add_parser(sub)
        assert sorted(sub.choices) == sorted(c for c, m in COMMANDS.items() if m == module)
    full = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    assert list(full.choices) == list(COMMANDS)


def test_the_command_is_the_first_argument_that_is_not_an_option() -> None:
    assert command_of(["-v", "-q", "analyze", "x.jsonl"]) == "analyze"
    assert command_of(["--version"]) is None
    assert command_of([]) is None


def test_analyze_imports_only_what_it_uses(tmp_path: Path) -> None:
    code = ("import sys; from retrogait.cli import main; "
            f"rc = main(['analyze', {str(DEMO)!r}, '--no-cache', '-q']); "
            "print(rc); print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=tmp_path).stdout.splitlines()
    assert out[-2] == "0"
    loaded = set(out[-1].split())
    assert "retrogait.cli.analyze_cmd" in loaded and "retrogait.offline" in loaded
    others = {m for c, m in COMMANDS.items() if c != "analyze"}
    assert not loaded & (others | {"asyncio", "retrogait.sinks.mqtt", "retrogait.cli.live_outputs"})
