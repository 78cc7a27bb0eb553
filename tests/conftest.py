"""Shared fixtures: paths to the repository and its bundled data (real recordings in tests/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TEST_DATA = REPO / "tests" / "data"
"""Real recordings redistributable under MIT (gaitmap walk, PyShoe Vicon); see PROVENANCE.md."""


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA
