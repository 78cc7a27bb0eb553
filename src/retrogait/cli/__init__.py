"""The ``retrogait`` command line. Each sub-command lives in its own module in this package and
registers itself through ``add_parser(subparsers)``. One grammar for all of them: ``-v``/``-q``
before or after the sub-command, ``-o/--output`` for what a command writes, ``--profiles-dir``
where profiles are read, ``--history FILE`` = the history file. Errors a user can cause (bad
options, missing or unwritable files) print one line on stderr (control
characters escaped) and exit 2, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from retrogait import __version__
from retrogait.errors import RetrogaitError, printable

USER_ERROR = 2
"""Exit code of an error the user can fix (bad file, option or config), as argparse uses"""

# sub-command -> the module providing it, in the order `retrogait --help` lists them; a run
# imports only its command's module (tests/foundation/test_cli_commands.py checks the table)
COMMANDS = {
    "replay": "retrogait.cli.replay_cmd",
    "analyze": "retrogait.cli.analyze_cmd",
    "run": "retrogait.cli.run_cmd",
    "scan": "retrogait.cli.scan_cmd",
    "init": "retrogait.cli.init_cmd",
    "import-csv": "retrogait.cli.import_cmd",
    "profiles": "retrogait.cli.profiles_cmd",
    "simulate": "retrogait.cli.simulate_cmd",
    "evaluate": "retrogait.cli.evaluate_cmd",
    "report": "retrogait.cli.report_cmd",
    "history": "retrogait.cli.history_cmd",
    "export": "retrogait.cli.export_cmd",
    "dashboard": "retrogait.cli.dashboard_cmd",
}
COMMAND_MODULES = list(dict.fromkeys(COMMANDS.values()))
"""modules providing sub-commands, each registering its commands with ``add_parser(sub)``"""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every sub-command, or only of ``command``'s module when it names one
    (what a run needs: importing every command's module costs more than most runs)."""
    parser = argparse.ArgumentParser(
        prog="retrogait",
        description="Real-time gait monitor for backward running from BLE foot IMUs.",
    )
    parser.add_argument("--version", action="version", version=f"retrogait {__version__}")
    add_verbosity(parser, default=0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules = [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).add_parser(sub)
    for cmd in set(sub.choices.values()):
        _add_verbosity_everywhere(cmd)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv``: its first argument that is not an option (the
    options before a sub-command take no value)."""
    return next((a for a in argv if not a.startswith("-")), None)


def add_verbosity(p: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    """``-v`` (more log output, repeatable) and ``-q`` (no progress, no event lines; warnings
    and errors still print). On sub-commands the default is SUPPRESS so the main parser's
    value stands."""
    p.add_argument("-v", "--verbose", action="count", default=default, help="more log output")
    p.add_argument("-q", "--quiet", action="store_true", default=default if default is
                   argparse.SUPPRESS else False,
                   help="no progress bars or event lines (warnings and errors still print)")


def _add_verbosity_everywhere(p: argparse.ArgumentParser) -> None:
    add_verbosity(p)
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                _add_verbosity_everywhere(child)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_of(argv))
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),  # -q keeps warnings
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except RetrogaitError as exc:
        print(f"retrogait: error: {_one_line(printable(str(exc)))}", file=sys.stderr)
        return USER_ERROR
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a path the user gave: missing folder, no permission, disk full
        from retrogait.outfiles import os_error

        err = os_error(exc.filename or "?", exc, "cannot use the file")
        print(f"retrogait: error: {_one_line(printable(str(err)))}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("retrogait: interrupted", file=sys.stderr)
        return 130


def _one_line(exc: str) -> str:
    return " ".join(exc.split())
