"""Generated docs must match the models they are generated from (single definition)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from retrogait.cli import build_parser


@pytest.mark.parametrize("script", ["tools/gen_docs.py", "tools/gen_mqtt_docs.py"])
def test_generated_docs_are_current(repo_root: Path, script: str) -> None:
    r = subprocess.run(
        [sys.executable, script, "--check"], cwd=repo_root, capture_output=True, text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_readme_names_every_subcommand_docs_exist(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    assert "python3 tools/quickstart.py demo" in readme
    assert "python3 tools/quickstart.py test" in readme
    ci = (repo_root / ".ci" / "run").read_text()
    assert "python3 tools/quickstart.py test" in ci
    sub = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    for name in sub.choices:  # type: ignore[union-attr]
        assert f"retrogait {name}" in readme, f"README does not mention `retrogait {name}`"
