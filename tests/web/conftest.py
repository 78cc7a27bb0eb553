"""Fixtures for the live page tests: a headless Chromium (Debian's chromium + chromium-driver,
driven through Selenium), a demo-derived recording with a disconnect, and ``retrogait`` server
processes on free loopback ports.

A missing browser fails the test with the packages to install; it never skips (the README's test
command, ``tools/quickstart.py test``, installs them when it runs as root).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.broker import free_port, wait_port

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "recordings" / "demo_backward_run.jsonl.gz"
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = ("/usr/bin/chromedriver",)


def _first(paths: tuple[str, ...], name: str) -> str | None:
    return shutil.which(name) or next((p for p in paths if Path(p).exists()), None)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium driven by Selenium (one for the session)."""
    chromium = _first(CHROMIUM, "chromium")
    driver_bin = _first(CHROMEDRIVER, "chromedriver")
    if chromium is None or driver_bin is None:
        pytest.fail("the browser tests need Chromium and its driver: apt-get install chromium "
                    "chromium-driver (tools/quickstart.py test does it when run as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1000,1400", "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_bin), options=opts)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def disconnect_recording(path: Path, seconds: float = 45.0, sensor: str = "right",
                         lost: tuple[float, float] = (9.0, 12.0)) -> Path:
    """The demo's first ``seconds`` with ``sensor`` disconnected during ``lost`` (s): its
    notifications there removed, a disconnected and a reconnected connection record added."""
    out: list[str] = []
    state = "before"
    with gzip.open(DEMO, "rt") as fh:
        for line in fh:
            rec = json.loads(line)
            t = rec.get("t")
            if rec["type"] == "end" or (t is not None and t > seconds):
                continue
            if t is not None and state == "before" and t >= lost[0]:
                state = "lost"
                out.append(json.dumps({"type": "connection", "t": lost[0], "sensor": sensor,
                                       "event": "disconnected", "detail": "test"}))
            if t is not None and state == "lost" and t >= lost[1]:
                state = "after"
                out.append(json.dumps({"type": "connection", "t": lost[1], "sensor": sensor,
                                       "event": "reconnected", "detail": "test"}))
            if state == "lost" and rec.get("sensor") == sensor and rec["type"] == "notification":
                continue
            out.append(line.rstrip("\n"))
    out.append(json.dumps({"type": "end", "t": seconds, "reason": "stopped"}))
    path.write_text("\n".join(out) + "\n")
    return path


@pytest.fixture
def gap_recording(tmp_path: Path) -> Path:
    return disconnect_recording(tmp_path / "disconnect.jsonl")


class ServerProc:
    """``retrogait replay --web`` (or any retrogait command serving a page) as a child process."""

    def __init__(self, args: list[str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.args = args
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> ServerProc:
        cmd = [sys.executable, "-m", "retrogait", *self.args, "--web", f"127.0.0.1:{self.port}"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            wait_port(self.port, timeout=30)
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self, sig: int = signal.SIGKILL) -> tuple[str, str]:
        if self.proc is None:
            return "", ""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=30)
        self.proc = None
        return out, err


@pytest.fixture
def servers() -> Iterator[list[ServerProc]]:
    """Servers the test starts; every one still running is killed at the end."""
    started: list[ServerProc] = []
    yield started
    for s in started:
        s.stop()


def wait_for(predicate: object, timeout: float = 20.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = predicate()  # type: ignore[operator]
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


@pytest.fixture(scope="session")
def fall_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulator's backward-running fall (chest and foot sensors): a fall event, then the
    runner gets up (recovered)."""
    path = tmp_path_factory.mktemp("fall") / "fall.jsonl"
    subprocess.run([sys.executable, "-m", "retrogait", "simulate", "--scenario",
                    "fall_backward_run", "--seed", "1", "-o", str(path)],
                   check=True, capture_output=True, timeout=300)
    return path


@pytest.fixture(scope="session")
def chest_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A chest strap alone, accelerometer only (as a Polar H10): 40 s of the simulator's
    backward running, no foot sensor."""
    from retrogait.simulate.body import simulate_body, write_body_recording

    sim = simulate_body("backward_run", seed=2, sites=("chest",), gyro=False, duration_s=40.0)
    rec, _truth = write_body_recording(sim, tmp_path_factory.mktemp("chest") / "chest.jsonl")
    return rec
