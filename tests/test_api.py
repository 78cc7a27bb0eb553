"""The Python API: docs/api.md's examples run as written (from the repository root), the events
equal the CLI's, arrays give the same events as the CSV import of the same data, and bad input is
a one-line RetrogaitError."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import retrogait

REPO = Path(__file__).resolve().parent.parent


def _blocks() -> list[str]:
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_docs_have_examples() -> None:
    assert len(_blocks()) >= 3


@pytest.mark.parametrize("i", range(3))
def test_api_doc_example_runs(i: int) -> None:
    code = _blocks()[i]
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip()


def test_public_surface_is_small_and_typed() -> None:
    assert set(retrogait.__all__) == {
        "Analysis", "Event", "FootData", "LandingEvent", "RetrogaitError", "SessionSummary",
        "StepEvent", "StrideEvent", "TableKind", "__version__", "analyze"}
    for name in retrogait.__all__:
        assert getattr(retrogait, name) is not None
    assert (REPO / "src" / "retrogait" / "py.typed").is_file()
    with pytest.raises(AttributeError):
        _ = retrogait.not_there  # type: ignore[attr-defined]


def test_recording_events_equal_the_cli(tmp_path: Path) -> None:
    demo = REPO / "recordings" / "demo_backward_run.jsonl.gz"
    out = tmp_path / "ev.jsonl"
    r = subprocess.run([sys.executable, "-m", "retrogait", "analyze", str(demo),
                        "--events", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    a = retrogait.analyze(demo)
    assert [json.loads(e.model_dump_json()) for e in a.events] == \
        [json.loads(line) for line in out.read_text().splitlines()]
    assert a.summary.backward.distance_m > 100
    assert len(a.to_dataframe("events")) == len(a.events)


def test_arrays_equal_the_csv_import(tmp_path: Path, test_data: Path) -> None:
    """The same samples as arrays and through import-csv + analyze: identical events."""
    csvs = [test_data / f"gaitmap_healthy_walk2x20m_{s}_foot.csv" for s in ("left", "right")]
    rec = tmp_path / "gm.jsonl.gz"
    r = subprocess.run([sys.executable, "-m", "retrogait", "import-csv", *map(str, csvs),
                        "-o", str(rec)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    feet = []
    for csv, toe, side in zip(csvs, ("+y", "-y"), ("left", "right"), strict=True):
        d = np.loadtxt(csv, delimiter=",", skiprows=1)
        feet.append(retrogait.FootData(acc=d[:, 1:4], gyr=d[:, 4:7], t=d[:, 0], toe_axis=toe,
                                       up_axis="+x", placement=f"{side}_foot"))
    from_arrays = retrogait.analyze(feet)
    from_file = retrogait.analyze(rec)
    # the import stores the sidecar's nominal 204.8 Hz; arrays given by t get the median rate
    assert [s.rate_hz for s in from_file.sensors] == [204.8, 204.8]
    assert [e.model_dump() for e in from_arrays.events] == \
        [e.model_dump() for e in from_file.events]
    df = from_arrays.to_dataframe("strides")
    assert {"contact_time_s", "stride_length_m", "speed_m_s", "strike_angle_deg"} <= set(df)
    assert len(df) == len(from_arrays.strides) > 40


def test_bad_input_is_a_one_line_error() -> None:
    acc = np.zeros((100, 3))
    cases = [
        (dict(acc=acc, gyr=acc, toe_axis="+x", up_axis="+z"), "exactly one of fs"),
        (dict(acc=acc, gyr=acc[:50], fs=100, toe_axis="+x", up_axis="+z"), "shape"),
        (dict(acc=acc, gyr=acc, fs=100, toe_axis="+x", up_axis="+x"), "different axes"),
        (dict(acc=acc, gyr=acc, fs=-1, toe_axis="+x", up_axis="+z"), "positive"),
    ]
    for kwargs, msg in cases:
        with pytest.raises(retrogait.RetrogaitError, match=msg) as info:
            retrogait.analyze(**kwargs)  # type: ignore[arg-type]
        assert "\n" not in str(info.value)
    with pytest.raises(retrogait.RetrogaitError, match="no such recording"):
        retrogait.analyze("/nonexistent/x.jsonl.gz")
    a = retrogait.analyze(acc=acc, gyr=acc, fs=100, toe_axis="+x", up_axis="+z")
    assert a.strides == [] and a.to_dataframe("strides").empty
    with pytest.raises(retrogait.RetrogaitError, match="kind must be one of"):
        a.to_dataframe("nope")  # type: ignore[arg-type]


def test_readme_shows_the_api_in_five_lines() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(code.strip().splitlines()) == 5
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
