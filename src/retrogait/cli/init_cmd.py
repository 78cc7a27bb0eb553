"""``retrogait init``: write a commented ``retrogait.toml``, with the sensors in reach when a scan
finds supported ones (the first two become the left and right foot; check which is which)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from retrogait.cli.common_args import add_adapter, add_profiles_dir
from retrogait.cli.run_cmd import DEFAULT_CONFIG
from retrogait.daemon.mqtt_cli import DEFAULT_ATHLETE
from retrogait.errors import ConfigError

_HEAD = """\
# retrogait.toml: configuration of `retrogait run` (all fields: docs/daemon.md).
# Written by `retrogait init`{how}.
athlete = "{athlete}"              # athlete id: topic level on MQTT and recording name
# adapter = "hci1"                 # Bluetooth adapter (Linux/BlueZ); default: the system's
# profile_dir = "my_profiles"      # own firmware profiles (default: the bundled ones)
"""

_DEVICE = """
[[devices]]
id = "{id}"
profile = "{profile}"             # `retrogait profiles show {profile}`
placement = "{placement}"         # check: tap this sensor and watch `retrogait run -v`
address = "{address}"             # {seen}
# rate_hz = 200.0                  # default: the profile's rate
# toe_axis = "+x"                  # sensor axis toward the toes (default: the profile's)
# up_axis = "+z"                   # sensor axis pointing up with the foot flat
"""

_NO_DEVICE = """
# No supported sensor was found{why}. Add one block per sensor
# (`retrogait scan` lists addresses, `retrogait profiles` the profiles):
# [[devices]]
# id = "left"
# profile = "retrogait-imu"
# placement = "left_foot"
# address = "C4:3A:11:22:33:44"    # or: name = "^RG-IMU L" (regular expression on the name)
"""

_TAIL = """
# [mqtt]                           # publish live events (docs/mqtt.md); absent = no MQTT
# url = "mqtt://127.0.0.1"         # mqtts:// for TLS
# username = "{athlete}"            # password: $RETROGAIT_MQTT_PASSWORD (or here, chmod 600)
# ha_discovery = true              # Home Assistant entities

[recording]
dir = "recordings"                 # every session is recorded here (raw notifications)

# [history]                        # session summaries; default $RETROGAIT_HISTORY or
# path = "~/.local/share/retrogait/history.sqlite"   # the user data folder
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help="write a commented retrogait.toml (with the sensors a scan finds)",
        description="Scans for supported sensors (unless --no-scan) and writes a commented "
        "configuration for `retrogait run`: the first two sensors found become the left and "
        "right foot (check which is which). Without Bluetooth it writes the template.",
    )
    p.add_argument("-o", "--output", type=Path, default=DEFAULT_CONFIG, metavar="FILE",
                   help=f"file to write (default: {DEFAULT_CONFIG})")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--athlete", default=DEFAULT_ATHLETE,
                   help=f"athlete id (default: {DEFAULT_ATHLETE})")
    p.add_argument("--no-scan", action="store_true", help="do not scan; write the template")
    p.add_argument("--timeout", type=float, default=5.0, help="scan time, s (default 5)")
    add_adapter(p)
    add_profiles_dir(p)
    p.add_argument("--emulate", type=Path, metavar="RECORDING",
                   help="scan emulated sensors replaying a recording (demo without hardware)")
    p.set_defaults(func=run)


def _scan(args: argparse.Namespace) -> tuple[list[tuple[str, str, int]], str]:
    """(address, profile, rssi) of supported sensors in reach, strongest first; or a reason."""
    from retrogait.cli.scan_cmd import find_sensors

    if sys.stderr.isatty() and not args.quiet:
        print(f"scanning for {args.timeout:g} s ...", file=sys.stderr)
    try:
        found = find_sensors(args)
    except Exception as exc:  # bleak: Bluetooth off, no adapter, no permission
        return [], f" (scan failed: {' '.join(str(exc).split()) or type(exc).__name__})"
    seen = [(d.address, d.profiles[0], d.rssi) for d in found if d.profiles]
    seen.sort(key=lambda x: -x[2])
    return seen, f" in {args.timeout:g} s"


def _align(text: str) -> str:
    """Line up the end-of-line comments of settings (after the values are filled in)."""
    lines = []
    for line in text.splitlines():
        code, sep, note = line.partition("  # ")
        if sep and code.strip():  # a setting (or a commented-out one) with a note
            line = f"{code.rstrip().ljust(34)} # {note.strip()}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from retrogait.daemon.config import load_config

    out: Path = args.output
    if out.exists() and not args.force:
        raise ConfigError(f"{out} exists; use --force to overwrite or -o for another file")
    if not out.parent.is_dir():
        raise ConfigError(f"{out}: folder {out.parent} does not exist")
    seen, why = ([], " (--no-scan)") if args.no_scan else _scan(args)
    how = (" without a scan" if args.no_scan else
           f" from a {args.timeout:g} s scan: {len(seen)} supported sensor(s) seen")
    text = _HEAD.format(athlete=args.athlete, how=how)
    if seen:
        for (address, profile, rssi), (sid, placement) in zip(
                seen, (("left", "left_foot"), ("right", "right_foot")), strict=False):
            text += _DEVICE.format(id=sid, profile=profile, placement=placement,
                                   address=address, seen=f"seen at {rssi} dBm")
        for address, profile, rssi in seen[2:]:
            text += f"# also seen: {address} ({profile}, {rssi} dBm)\n"
    else:
        text += _NO_DEVICE.format(why=why)
    text += _TAIL.format(athlete=args.athlete)
    out.write_text(_align(text), encoding="utf-8")
    cfg = load_config(out)  # what we wrote must load
    print(f"wrote {out}: {len(cfg.devices)} sensor(s)"
          + ("" if cfg.devices else "; add yours (see the comments)"))
    return 0
