#!/usr/bin/env python3
"""Render a retrogait HTML report in headless Chromium to a screenshot PNG, for a person to look at.

    python tools/render_report.py report-XYZ/report.html [-o screenshot.png] [--width 1280]

Needs Debian's ``chromium`` package (``sudo apt-get install chromium``; on Ubuntu the snap
``chromium`` or Google Chrome also work, pass ``--browser``). The page is opened from the file
system with networking disabled for the page (the report is self-contained, so nothing should be
missing); the screenshot is the full page height, measured first by a dump of the DOM.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "no Chromium found. Install Debian's package:  sudo apt-get install chromium\n"
    "(or pass --browser /path/to/chrome)"
)


def find_browser(explicit: str | None) -> str:
    if explicit:
        if shutil.which(explicit) or Path(explicit).is_file():
            return explicit
        sys.exit(f"render_report: {explicit}: not found")
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    sys.exit(f"render_report: {INSTALL_HINT}")


def page_height(browser: str, url: str, width: int, profile: str) -> int:
    """Estimated full page height, px, from the page as Chromium loaded it (--dump-dom): the
    header, cards and tables take about 1300 px and each figure about 560 px (the example strides
    figure 760 px) at the report's 1240 px column."""
    out = subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={profile}", f"--window-size={width},1000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )
    if out.returncode != 0 or "<body" not in out.stdout:
        sys.exit(f"render_report: {browser} could not load {url}:\n{out.stderr[-2000:]}")
    figures = out.stdout.count("<img")
    return 1300 + figures * 560 + 200


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html", type=Path, help="report.html written by `retrogait report`")
    ap.add_argument("-o", "--output", type=Path, help="PNG to write (default: beside the HTML)")
    ap.add_argument("--width", type=int, default=1280, help="viewport width, px")
    ap.add_argument("--height", type=int, help="screenshot height, px (default: whole page)")
    ap.add_argument("--browser", help="browser executable")
    args = ap.parse_args()
    if not args.html.is_file():
        sys.exit(f"render_report: {args.html}: no such file")
    browser = find_browser(args.browser)
    out = args.output or args.html.with_name(args.html.stem + "-screenshot.png")
    url = args.html.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        height = args.height or page_height(browser, url, args.width, profile)
        proc = subprocess.run(
            [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={profile}", f"--window-size={args.width},{height}",
             f"--screenshot={out.resolve()}", url],
            capture_output=True, text=True, timeout=180,
        )
    if proc.returncode != 0 or not out.is_file():
        sys.exit(f"render_report: {browser} failed:\n{proc.stderr[-2000:]}")
    print(f"wrote {out} ({args.width} x {height} px)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
