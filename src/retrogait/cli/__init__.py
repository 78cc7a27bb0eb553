"""The ``retrogait`` command line. Each sub-command lives in its own module in this package and
registers itself through ``add_parser(subparsers)``; user errors print one line and exit 1."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from retrogait import __version__
from retrogait.errors import RetrogaitError

# modules providing sub-commands, in the order `retrogait --help` lists them
COMMAND_MODULES = [
    "retrogait.cli.replay_cmd",
    "retrogait.cli.run_cmd",
    "retrogait.cli.scan_cmd",
    "retrogait.cli.import_cmd",
    "retrogait.cli.profiles_cmd",
    "retrogait.cli.simulate_cmd",
    "retrogait.cli.evaluate_cmd",
    "retrogait.cli.report_cmd",
    "retrogait.cli.history_cmd",
    "retrogait.cli.export_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retrogait",
        description="Real-time gait monitor for backward running from BLE foot IMUs.",
    )
    parser.add_argument("--version", action="version", version=f"retrogait {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except RetrogaitError as exc:
        print(f"retrogait: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("retrogait: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
