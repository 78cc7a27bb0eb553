"""``retrogait scan``: nearby BLE devices that fit a firmware profile, with signal strength."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from retrogait.cli.common_args import add_adapter, add_profiles_dir
from retrogait.profiles import load_profiles

if TYPE_CHECKING:
    from retrogait.sources.ble import SeenDevice


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("scan", help="list nearby supported sensors with profile and RSSI")
    p.add_argument("--timeout", type=float, default=5.0, help="scan time, s (default 5)")
    add_adapter(p)
    p.add_argument("--all", action="store_true", help="also list devices no profile matches")
    add_profiles_dir(p)
    p.add_argument("--emulate", type=Path, metavar="RECORDING",
                   help="scan emulated sensors replaying a recording (demo, no hardware)")
    p.set_defaults(func=run)


def find_sensors(args: argparse.Namespace, include_unknown: bool = False) -> list[SeenDevice]:
    """Scan for ``args.timeout`` s (``args``: profiles_dir, adapter, timeout, emulate) and return
    what the scan saw; with ``args.emulate`` a recording's sensors stand in for real ones.
    Bleak's errors (Bluetooth off, no adapter, no permission) propagate."""
    from retrogait.sources.ble import BleOptions, scan

    profiles = load_profiles(args.profiles_dir)
    options = BleOptions(adapter=args.adapter)

    async def go() -> list[SeenDevice]:
        if args.emulate is not None:
            from retrogait.sources.emulated import EmulatedWorld, devices_from_recording

            world = EmulatedWorld(devices_from_recording(args.emulate))
            options.scanner_backend = world.scanner_backend()
        return await scan(profiles, args.timeout, options, include_unknown=include_unknown)

    return asyncio.run(go())


def run(args: argparse.Namespace) -> int:
    try:
        found = find_sensors(args, include_unknown=args.all)
    except Exception as exc:  # bleak: Bluetooth off, no adapter, no permission
        from bleak.exc import BleakError

        if isinstance(exc, BleakError | OSError):
            from retrogait.errors import ConfigError

            raise ConfigError(f"scan failed: {exc} (is Bluetooth on? see docs/raspberry-pi.md)"
                              ) from None
        raise
    rows = [("ADDRESS", "NAME", "RSSI", "PROFILE")]
    for d in found:
        rows.append((d.address, d.name or "-", f"{d.rssi} dBm", ", ".join(d.profiles) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if not found:
        print(f"no supported sensor seen in {args.timeout:g} s")
    return 0
