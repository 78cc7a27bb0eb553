#!/usr/bin/env python3
"""Screenshot of the live page for docs/web.md: ``retrogait replay --web`` of the demo recording
in a headless Chromium (Debian's chromium + chromium-driver, through Selenium).

    .venv/bin/python tools/web_screenshot.py [-o docs/img/web.png] [--at 75] [--width 900]

``--at``: seconds of the recording to replay before the shot (at 4x speed).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "recordings" / "demo_backward_run.jsonl.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chrome(width: int, height: int) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--hide-scrollbars"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "img" / "web.png")
    ap.add_argument("--at", type=float, default=75.0, help="recording time of the shot, s")
    ap.add_argument("--speed", type=float, default=4.0)
    ap.add_argument("--width", type=int, default=900)
    ap.add_argument("--height", type=int, default=1250)
    ap.add_argument("--recording", type=Path, default=DEMO)
    args = ap.parse_args()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "retrogait", "replay", str(args.recording), "--speed",
         f"x{args.speed:g}", "--quiet", "--web", f"127.0.0.1:{port}", "--web-linger", "0"],
        stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    driver = None
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
        driver = chrome(args.width, args.height)
        driver.get(f"http://127.0.0.1:{port}/")  # type: ignore[attr-defined]
        time.sleep(args.at / args.speed)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.output))  # type: ignore[attr-defined]
        print(f"wrote {args.output} ({args.output.stat().st_size // 1024} KiB)")
    finally:
        if driver is not None:
            driver.quit()  # type: ignore[attr-defined]
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
