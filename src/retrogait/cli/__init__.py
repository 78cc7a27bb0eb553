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

# modules providing sub-commands, in the order `retrogait --help` lists them
COMMAND_MODULES = [
    "retrogait.cli.replay_cmd",
    "retrogait.cli.run_cmd",
    "retrogait.cli.scan_cmd",
    "retrogait.cli.init_cmd",
    "retrogait.cli.import_cmd",
    "retrogait.cli.profiles_cmd",
    "retrogait.cli.simulate_cmd",
    "retrogait.cli.evaluate_cmd",
    "retrogait.cli.report_cmd",
    "retrogait.cli.history_cmd",
    "retrogait.cli.export_cmd",
    "retrogait.cli.dashboard_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retrogait",
        description="Real-time gait monitor for backward running from BLE foot IMUs.",
    )
    parser.add_argument("--version", action="version", version=f"retrogait {__version__}")
    add_verbosity(parser, default=0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    for command in set(sub.choices.values()):
        _add_verbosity_everywhere(command)
    return parser


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
    parser = build_parser()
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
