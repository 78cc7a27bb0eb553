"""The repository stands alone: user-facing files cite ``docs/references.md``, never files beside
the checkout, and every reference key they cite is defined there."""

from __future__ import annotations

import re
from pathlib import Path

USER_FACING = ("README.md", "docs", "src", "firmware_profiles", "tools")
SUFFIXES = {".md", ".py", ".pyx", ".toml", ".json"}


def _files(repo: Path) -> list[Path]:
    out: list[Path] = []
    for name in USER_FACING:
        p = repo / name
        out += [p] if p.is_file() else [f for f in p.rglob("*") if f.suffix in SUFFIXES
                                        and "egg-info" not in str(f)]
    return out


def test_no_citation_of_files_outside_the_repository(repo_root: Path) -> None:
    bad = re.compile(r"\.\./shared|/work/shared|shared/(reference|data)|docs/reference\b(?!s)")
    hits = [f"{f.relative_to(repo_root)}:{n}" for f in _files(repo_root)
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
            if bad.search(line)]
    assert hits == []


def test_cited_reference_keys_exist(repo_root: Path) -> None:
    refs = (repo_root / "docs" / "references.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"\*\*\[([A-Z0-9-]+)\]\*\*", refs))
    assert len(defined) > 30
    cited: set[str] = set()
    for f in _files(repo_root):
        for line in f.read_text(encoding="utf-8").splitlines():
            if "docs/references.md" in line:
                cited |= set(re.findall(r"\[([A-Z][A-Z0-9-]+)\]", line))
    assert cited, "nothing cites docs/references.md"
    assert cited - defined - {"KEY"} == set()  # [KEY] is the placeholder in its own intro


def test_bundled_recordings_have_provenance_and_an_mit_licence(test_data: Path) -> None:
    import json

    csvs = sorted(test_data.glob("*.csv"))
    assert len(csvs) == 8
    for csv in csvs:
        side = json.loads(csv.with_suffix(".json").read_text(encoding="utf-8"))
        assert "MIT" in side["license"], csv.name
    assert (test_data / "PROVENANCE.md").is_file() and (test_data / "LICENSE").is_file()
