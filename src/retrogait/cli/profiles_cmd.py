"""``retrogait profiles`` and ``retrogait profiles show NAME``."""

from __future__ import annotations

import argparse
import tomllib

from retrogait.profiles import default_profile_dir, find_profile, load_profiles


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("profiles", help="list firmware profiles, or show one")
    p.add_argument("action", nargs="?", choices=["list", "show"], default="list",
                   help="list (default) or show one profile")
    p.add_argument("name", nargs="?", help="profile name (show only)")
    p.add_argument("--profiles-dir", "--dir", dest="dir", metavar="DIR",
                   help="profile directory (default: bundled firmware_profiles/; --dir: old name)")
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
        profile = find_profile(args.name, args.dir)
        d = args.dir or default_profile_dir()
        text = (d if not isinstance(d, str) else __import__("pathlib").Path(d)).joinpath(
            f"{profile.name}.toml"
        ).read_text(encoding="utf-8")
        tomllib.loads(text)  # already validated; print the file as written
        print(text, end="")
        return 0
    profiles = load_profiles(args.dir)
    rows = [("NAME", "VENDOR", "MODEL", "RATES (Hz)", "DECODER")]
    for p in profiles.values():
        rates = ",".join(f"{r:g}" for r in p.rates_hz)
        rows.append((p.name, p.vendor, p.model, rates, p.decoder.name))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0
