"""Fixtures for the daemon tests: a broker of the test's own (it may stop and restart it),
recordings. The session-wide ``broker`` fixture is in tests/conftest.py."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.broker import Broker

from .helpers import make_recording


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Broker]:
    """A broker only this test uses (it may stop and restart it); persistence on, so queued
    QoS 1 messages for a persistent-session subscriber survive a restart."""
    b = Broker(tmp_path, persistence=True)
    if b.kind != "mosquitto":
        pytest.skip("outage tests need Mosquitto (persistent sessions over a restart)")
    b.start()
    yield b
    b.stop()


@pytest.fixture(scope="session")
def small_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two rgimu sensors, 20 s, with a disconnect/reconnect and lost packets."""
    path = tmp_path_factory.mktemp("rec") / "two-feet.jsonl"
    make_recording(path, duration_s=20.0)
    return path


@pytest.fixture(scope="session")
def simulated_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backward run from the simulator (a real `retrogait simulate` subprocess), 1 % loss."""
    path = tmp_path_factory.mktemp("sim") / "backward.jsonl"
    subprocess.run(
        [sys.executable, "-m", "retrogait", "simulate", "--scenario", "backward_run",
         "--duration", "20", "--packet-loss", "0.01", "-o", str(path)],
        check=True, capture_output=True, timeout=120,
    )
    return path
