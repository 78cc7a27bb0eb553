"""Command-line options that several subcommands share, defined once so each has one name, one
type and one help text everywhere (docs/daemon.md, README: one CLI grammar)."""

from __future__ import annotations

import argparse
from pathlib import Path

BUNDLED_PROFILES = "the bundled firmware_profiles/"
DEFAULT_HISTORY = "$RETROGAIT_HISTORY, else ~/.local/share/retrogait/history.sqlite"


def add_profiles_dir(p: argparse.ArgumentParser | argparse._ArgumentGroup,
                     default: str = BUNDLED_PROFILES) -> None:
    """``--profiles-dir DIR``: the firmware profile folder (a :class:`~pathlib.Path`)."""
    p.add_argument("--profiles-dir", type=Path, metavar="DIR",
                   help=f"firmware profile directory (default: {default})")


def add_history(p: argparse.ArgumentParser | argparse._ArgumentGroup,
                default: str = DEFAULT_HISTORY) -> None:
    """``--history FILE``: the session history (SQLite file, a :class:`~pathlib.Path`)."""
    p.add_argument("--history", type=Path, metavar="FILE",
                   help=f"session history file (default: {default})")


def add_body_mass(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--body-mass KG`` (float): states the energy estimate in kcal."""
    p.add_argument("--body-mass", type=float, metavar="KG",
                   help="body mass, kg, to state the energy estimate in kcal")


def add_adapter(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--adapter NAME``: the Bluetooth adapter (BlueZ)."""
    p.add_argument("--adapter", help="Bluetooth adapter, e.g. hci1 (Linux/BlueZ)")
