"""Shared fixtures: paths to the repository and its bundled data (real recordings in tests/data),
and a real MQTT broker for the whole test session (tests/broker.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.broker import Broker

REPO = Path(__file__).resolve().parent.parent
TEST_DATA = REPO / "tests" / "data"
"""Real recordings redistributable under MIT (gaitmap walk, PyShoe Vicon); see PROVENANCE.md."""


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    b = Broker(tmp_path_factory.mktemp("broker"))
    b.start()
    yield b
    b.stop()
