"""``retrogait profiles`` and ``retrogait profiles show NAME``."""

from __future__ import annotations

import argparse
import sys
import tomllib

from retrogait.errors import printable
from retrogait.profiles import profile_path, scan_profiles


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("profiles", help="list firmware profiles, or show one")
    p.add_argument("action", nargs="?", choices=["list", "show"], default="list",
                   help="list (default) or show one profile")
    p.add_argument("name", nargs="?", help="profile name (show only)")
    p.add_argument("--profiles-dir", "--dir", dest="dir", metavar="DIR",
                   help="read the profiles of this folder only (default: the bundled ones plus "
                   "$RETROGAIT_PROFILE_DIR; --dir: old name)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "list" and args.name:
        from retrogait.errors import ConfigError

        raise ConfigError(f"profiles list takes no NAME (got {args.name!r}); "
                          f"use: retrogait profiles show {args.name}")
    if args.action == "show":
        if not args.name:
            from retrogait.errors import ConfigError

            raise ConfigError("profiles show needs a profile NAME")
        text = profile_path(args.name, args.dir).read_text(encoding="utf-8")
        tomllib.loads(text)  # already validated; print the file as written
        print(text, end="")
        return 0
    found = scan_profiles(args.dir)
    profiles = found.profiles
    rows = [("NAME", "VENDOR", "MODEL", "RATES (Hz)", "DECODER")]
    for p in profiles.values():
        rates = ",".join(f"{r:g}" for r in p.rates_hz)
        rows.append((p.name, p.vendor, p.model, rates, p.decoder.name))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    for name, err in found.errors.items():
        print(printable(f"retrogait: warning: profile {name} not usable: {err}"), file=sys.stderr)
    return 0
