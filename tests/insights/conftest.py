"""A real recording for the insights tests: the gaitmap two-foot walk, imported by the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``retrogait`` as a subprocess; fail with its output if it exits non-zero."""
    proc = subprocess.run(
        [sys.executable, "-m", "retrogait", *map(str, args)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    if proc.returncode != 0:
        pytest.fail(f"retrogait {' '.join(map(str, args))} -> {proc.returncode}\n"
                    f"{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def walk_recording(tmp_path_factory: pytest.TempPathFactory, test_data: Path) -> Path:
    out = tmp_path_factory.mktemp("walk") / "walk.jsonl.gz"
    cli("import-csv", test_data / "gaitmap_healthy_walk2x20m_left_foot.csv",
        test_data / "gaitmap_healthy_walk2x20m_right_foot.csv", "-o", out,
        "--athlete", "ana")
    return out
