from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrogait.errors import RecordingError
from retrogait.recording import RecordingReader, RecordingWriter
from retrogait.sources import ConnectionChange, DecodedSamples, Marker, Notification

from .helpers import make_header, synthetic_recording


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_round_trip_same_bytes_and_items(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"r{suffix}"
    items = [
        ConnectionChange(0.0, "left", "connected", "test"),
        Notification(0.011, "left", "7267696d-0002-4000-8000-00805f9b34fb", bytes(range(58))),
        Marker(0.5, "lap 1"),
        DecodedSamples(0.6, "left", np.array([0.1, 0.105]), np.ones((2, 3)), np.zeros((2, 3))),
        Notification(0.75, "left", "c", b"\x00\xff"),
    ]
    with RecordingWriter(path, make_header()) as w:
        for it in items:
            w.write(it)
    reader = RecordingReader(path)
    got = list(reader)
    assert reader.stats.ended_cleanly and reader.stats.end_t == pytest.approx(0.75)
    assert reader.header == make_header()
    assert len(got) == len(items)
    for a, b in zip(items, got, strict=True):
        assert type(a) is type(b)
        if isinstance(a, DecodedSamples):
            assert isinstance(b, DecodedSamples)
            np.testing.assert_array_equal(a.acc, b.acc)
            np.testing.assert_array_equal(a.t_sensor, b.t_sensor)
        else:
            assert a == b


def test_accelerometer_only_samples_round_trip(tmp_path: Path) -> None:
    """A sensor without gyroscope (a Polar H10 chest strap) decodes NaN gyro: the recording
    says ``"gyr": null`` and reads back as NaN, and the simulator's --no-trunk-gyro works."""
    path = tmp_path / "acc_only.jsonl"
    nan = np.full((2, 3), np.nan)
    with RecordingWriter(path, make_header()) as w:
        w.write(DecodedSamples(0.6, "left", np.array([0.1, 0.105]), np.ones((2, 3)), nan))
    assert '"gyr":null' in path.read_text()
    (got,) = list(RecordingReader(path))
    assert isinstance(got, DecodedSamples)
    assert np.isnan(got.gyr).all() and got.gyr.shape == (2, 3)
    np.testing.assert_array_equal(got.acc, np.ones((2, 3)))
    rec = tmp_path / "chest.jsonl"
    subprocess.run([sys.executable, "-m", "retrogait", "simulate", "--scenario", "backward_run",
                    "--duration", "12", "--trunk", "chest", "--no-trunk-gyro", "-o", str(rec)],
                   check=True, capture_output=True, timeout=300)
    chest = [it for it in RecordingReader(rec)
             if isinstance(it, DecodedSamples) and it.sensor == "chest"]
    assert chest and all(np.isnan(it.gyr).all() for it in chest)


def test_payload_bytes_survive_exactly(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl.gz"
    payloads = synthetic_recording(path, seconds=1.0)
    got = [it.payload for it in RecordingReader(path) if isinstance(it, Notification)]
    assert got == payloads


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def test_truncated_plain_file_replays_up_to_last_complete_record(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    synthetic_recording(path, seconds=1.0)
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    cut = "".join(lines[:-2]) + lines[-2][: len(lines[-2]) // 2]  # crash mid-record
    path.write_text(cut)
    reader = RecordingReader(path)
    items = list(reader)
    assert len(items) == len(lines) - 3  # header, cut record and end record are not items
    assert reader.stats.truncated and not reader.stats.ended_cleanly
    assert reader.stats.dropped_bytes == len(lines[-2]) // 2
    assert "cut off" in reader.stats.describe()


def test_truncated_gzip_file_replays_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    synthetic_recording(path, seconds=3.0)
    full = list(RecordingReader(path))
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * 0.6)])
    reader = RecordingReader(path)
    part = list(reader)
    assert 0 < len(part) < len(full)
    assert part == full[: len(part)]
    assert not reader.stats.ended_cleanly


def test_gzip_writer_is_readable_before_close(tmp_path: Path) -> None:
    """A crash (no close) still leaves everything up to the last sync flush readable."""
    path = tmp_path / "open.jsonl.gz"
    w = RecordingWriter(path, make_header(), flush_interval_s=0.0)
    for i in range(50):
        w.write_notification(i * 0.02, "left", "c", bytes([i]))
    items = list(RecordingReader(path))
    assert len(items) == 50
    w.close()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"type":"notification","t":"x","sensor":"left","char":"c","hex":"00"}', ":3: malformed"),
        ('{"type":"notification","t":1,"sensor":"left","char":"c","hex":"0z"}', ":3: malformed"),
        ('{"type":"bogus","t":1}', ":3: (top level): Input tag 'bogus'"),
        ('{"type":"notification","t":1,"sensor":"ghost","char":"c","hex":"00"}', "'ghost' is not"),
        ("[1,2]", ":3: malformed record: not a JSON object"),
        ("{not json", ":3: malformed record"),
    ],
)
def test_malformed_record_names_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "m.jsonl"
    header = make_header().model_dump_json()
    good = '{"type":"notification","t":0.5,"sensor":"left","char":"c","hex":"00"}'
    path.write_text(f"{header}\n{good}\n{line}\n{good}\n")
    with pytest.raises(RecordingError) as err:
        list(RecordingReader(path))
    assert str(path) in str(err.value) and expected in str(err.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty file"),
        ("hello\n", "first line is not JSON"),
        ('{"type":"notification"}\n', "expected a header record first"),
        ('{"type":"header","format":"other"}\n', "is not retrogait-recording"),
        ('{"type":"header","format":"retrogait-recording","version":99}\n', "version 99"),
        ('{"type":"header","format":"retrogait-recording","version":1}\n', ":1: created"),
    ],
)
def test_bad_headers(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(content)
    with pytest.raises(RecordingError, match=expected):
        RecordingReader(path)


def test_missing_file() -> None:
    with pytest.raises(RecordingError, match="no such recording"):
        RecordingReader("/nonexistent/x.jsonl")


def test_corrupt_gzip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    synthetic_recording(path, seconds=1.0)
    raw = bytearray(path.read_bytes())
    raw[40:60] = b"\xff" * 20
    path.write_bytes(bytes(raw))
    with pytest.raises(RecordingError):
        list(RecordingReader(path))


def test_writer_rejects_unknown_sensor(tmp_path: Path) -> None:
    with RecordingWriter(tmp_path / "w.jsonl", make_header()) as w, pytest.raises(ValueError):
        w.write_notification(0.0, "nobody", "c", b"")


def test_file_is_json_lines_with_header_first(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl.gz"
    synthetic_recording(path, seconds=0.2)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert json.loads(lines[0])["format"] == "retrogait-recording"
    assert json.loads(lines[-1])["type"] == "end"
    assert all(json.loads(x)["type"] == "notification" for x in lines[1:-1])
