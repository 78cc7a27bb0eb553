"""Whole-file analysis with the column cache beside the recording (retrogait.offline): the same
events as streaming analysis, on the first run (which writes the cache) and on the next (which
reads it); a changed recording, a foreign or broken cache, or cache=False never change them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retrogait.offline import analyze_file, cache_path
from retrogait.recording.reader import RecordingReader
from retrogait.session import analyze_items

REPO = Path(__file__).resolve().parents[2]


def _streaming(rec: Path) -> list[str]:
    reader = RecordingReader(rec)
    return [e.model_dump_json() for e in analyze_items(reader.header.sensors, reader)]


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory, test_data: Path) -> list[Path]:
    d = tmp_path_factory.mktemp("rec")
    demo = d / "demo.jsonl.gz"  # raw notifications of two feet
    shutil.copy(REPO / "recordings" / "demo_backward_run.jsonl.gz", demo)
    walk = d / "walk.jsonl.gz"  # imported samples
    r = subprocess.run([sys.executable, "-m", "retrogait", "import-csv",
                        str(test_data / "gaitmap_healthy_walk2x20m_left_foot.csv"),
                        str(test_data / "gaitmap_healthy_walk2x20m_right_foot.csv"),
                        "-o", str(walk)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return [demo, walk]


@pytest.mark.parametrize("which", [0, 1], ids=["notifications", "imported-samples"])
def test_cached_analysis_gives_the_streaming_events(recordings: list[Path], which: int) -> None:
    rec = recordings[which]
    cache_path(rec).unlink(missing_ok=True)
    expected = _streaming(rec)
    first = analyze_file(rec)
    assert not first.from_cache and cache_path(rec).is_file()
    second = analyze_file(rec)
    assert second.from_cache
    assert [e.model_dump_json() for e in first.events] == expected
    assert [e.model_dump_json() for e in second.events] == expected
    assert second.stats == first.stats and second.read == first.read
    assert (second.t_first, second.t_last) == (first.t_first, first.t_last)
    assert len(expected) > 100


def test_a_changed_recording_or_a_broken_cache_is_rebuilt(recordings: list[Path],
                                                          tmp_path: Path) -> None:
    rec = tmp_path / "demo.jsonl.gz"
    shutil.copy(recordings[0], rec)
    expected = _streaming(rec)
    analyze_file(rec)
    st = rec.stat()
    os.utime(rec, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # "edited"
    again = analyze_file(rec)
    assert not again.from_cache and analyze_file(rec).from_cache
    cache_path(rec).write_bytes(b"not a cache")
    broken = analyze_file(rec)
    assert not broken.from_cache
    assert [e.model_dump_json() for e in broken.events] == expected
    other = tmp_path / "other.jsonl.gz"  # another recording's cache under this name
    shutil.copy(recordings[1], other)
    analyze_file(other)
    shutil.copy(cache_path(other), cache_path(rec))
    assert not analyze_file(rec).from_cache


def test_no_cache_reads_and_writes_none(recordings: list[Path], tmp_path: Path) -> None:
    rec = tmp_path / "demo.jsonl.gz"
    shutil.copy(recordings[0], rec)
    res = analyze_file(rec, cache=False)
    assert not res.from_cache and not cache_path(rec).exists()
    r = subprocess.run([sys.executable, "-m", "retrogait", "analyze", str(rec), "--no-cache",
                        "-o", str(tmp_path / "ev.jsonl")], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert not cache_path(rec).exists()
    assert (tmp_path / "ev.jsonl").read_text().splitlines() == \
        [e.model_dump_json() for e in res.events]
    r = subprocess.run([sys.executable, "-m", "retrogait", "analyze", str(rec)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and cache_path(rec).is_file()
    assert oct(cache_path(rec).stat().st_mode & 0o777) != "0o600"  # not mkstemp's mode
