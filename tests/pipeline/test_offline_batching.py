"""Offline analysis feeds each sensor's samples in big blocks (``GaitSession.handle_batched``):
it must give exactly the events, in the same order, of streaming one notification at a time."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

from retrogait.recording.reader import RecordingReader
from retrogait.session import GaitSession, analyze_items

DEMO = Path(__file__).parents[2] / "recordings" / "demo_backward_run.jsonl.gz"


@functools.cache
def _streaming(path: Path) -> list[dict]:  # type: ignore[type-arg]
    reader = RecordingReader(path)
    session = GaitSession(reader.header.sensors)
    events = [e for item in reader for e in session.handle(item)] + session.finish()
    return [e.model_dump() for e in events]


@pytest.mark.parametrize("block_samples", [37, 2048])
def test_batched_offline_equals_streaming_two_feet(block_samples: int) -> None:
    """Two foot sensors + fusion (steps, cadence): same events, same order."""
    ref = _streaming(DEMO)
    assert any(e["kind"] == "step" for e in ref) and any(e["kind"] == "stride" for e in ref)
    reader = RecordingReader(DEMO)
    got = analyze_items(reader.header.sensors, reader, block_samples=block_samples)
    assert [e.model_dump() for e in got] == ref


def test_analyze_cli_writes_the_streaming_events(tmp_path: Path) -> None:
    out = tmp_path / "ev.jsonl"
    subprocess.run([sys.executable, "-m", "retrogait", "analyze", str(DEMO), "--events", str(out)],
                   check=True, capture_output=True)
    from retrogait.events import parse_event

    lines = out.read_text().splitlines()
    assert [parse_event(x).model_dump() for x in lines] == _streaming(DEMO)
