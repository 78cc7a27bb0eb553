"""The HTML report is self-contained and its PNGs are real images of the expected size."""

from __future__ import annotations

import base64
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from retrogait.insights.report import EXAMPLE_H_PX, FIG_H_PX, FIG_W_PX, write_report
from retrogait.insights.summary import SummaryBuilder

from .conftest import cli
from .helpers import run_of

EXPECTED = {
    "cadence.png": (FIG_W_PX, FIG_H_PX),
    "direction.png": (FIG_W_PX, FIG_H_PX),
    "foot_strike.png": (FIG_W_PX, FIG_H_PX),
    "contact_stride.png": (FIG_W_PX, FIG_H_PX),
    "left_right.png": (FIG_W_PX, FIG_H_PX),
    "example_strides.png": (FIG_W_PX, EXAMPLE_H_PX),
}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    return w, h


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[str] = []
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for k, v in attrs:
            if tag == "img" and k == "src":
                self.imgs.append(v or "")
            elif k in ("href", "src") and v:
                self.urls.append(v)


def check_report(out: Path, n_figures: int = 6) -> _Page:
    html = (out / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    page.close()
    assert "html" in page.tags and "body" in page.tags
    assert "script" not in page.tags and "link" not in page.tags
    assert "http://" not in html and "https://" not in html and "url(" not in html
    assert page.urls == []
    assert len(page.imgs) == n_figures
    embedded = []
    for src in page.imgs:
        assert src.startswith("data:image/png;base64,")
        embedded.append(base64.b64decode(src.split(",", 1)[1], validate=True))
    files = {name: (out / name).read_bytes() for name in EXPECTED}
    for name, data in files.items():
        assert len(data) > 5000, f"{name} is (nearly) empty"
        assert png_size(data) == EXPECTED[name], name
    assert sorted(embedded) == sorted(files.values())  # every figure is in the page
    return page


def test_report_cli_on_a_real_recording(walk_recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    proc = cli("report", walk_recording, "-o", out, "--body-mass", "70")
    assert "wrote" in proc.stdout
    check_report(out)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Energy (estimate)" in html and "ACSM" in html
    assert "for 70 kg" in html


def test_report_from_constructed_events_and_summary_only(tmp_path: Path) -> None:
    strides = run_of("L", "left", 0.0, 40, 0.8, 0.2, 1.6, "backward", "forefoot", -8.0)
    strides += run_of("R", "right", 0.4, 40, 0.8, 0.22, 1.6, "backward", "forefoot", -6.0)
    summary = SummaryBuilder(session_id="constructed").add_all(strides).summary()
    res = write_report(tmp_path / "a", summary, strides)  # no recording: no raw samples
    assert res.html.exists() and len(res.pngs) == 6
    check_report(tmp_path / "a")
    # a stored session whose recording is gone: figures from the summary's time bins
    write_report(tmp_path / "b", summary)
    check_report(tmp_path / "b")


@pytest.mark.parametrize("target", ["missing.jsonl.gz", "no-such-session"])
def test_report_of_unknown_target_is_one_clear_error(target: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "retrogait", "report", target, "--history",
         str(tmp_path / "h.sqlite"), "-o", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("retrogait: error:") and proc.stderr.count("\n") == 1
