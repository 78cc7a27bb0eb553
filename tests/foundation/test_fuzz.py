"""Fuzzing with a bounded budget: arbitrary bytes and arbitrary
mutations of valid files end in a result or one clear error (a :class:`RetrogaitError`), never
another exception or a hang, for the recording reader, the CSV import, the config loader and
every decoder; and on mutated recordings the offline analysis (any block size), the replay path
(``replay --speed max``) and item-by-item streaming give identical events.

The budget (examples per test) keeps each test to a few seconds; hypothesis prints a failing
example's reproduction blob."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrogait.daemon.config import load_config
from retrogait.decoders import decoder_for
from retrogait.errors import DecodeError, RetrogaitError
from retrogait.events import Event
from retrogait.profiles import load_profiles
from retrogait.recording.csv_import import read_csv, read_sidecar, sidecar_rate
from retrogait.recording.reader import RecordingReader
from retrogait.session import GaitSession, analyze_items, run_source
from retrogait.sink import Sink
from retrogait.sources.replay import ReplaySource

_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
FUZZ = settings(max_examples=int(os.environ.get("RETROGAIT_FUZZ_EXAMPLES", "80")),
                deadline=None, suppress_health_check=_QUIET)
PROPERTY = settings(max_examples=int(os.environ.get("RETROGAIT_FUZZ_EXAMPLES", "80")) // 5,
                    deadline=None, suppress_health_check=_QUIET)


@pytest.fixture(scope="module")
def sim_lines(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """A 12 s two-foot backward run from the simulator (real strides, steps, cadence)."""
    path = tmp_path_factory.mktemp("fuzz") / "sim.jsonl"
    subprocess.run([sys.executable, "-m", "retrogait", "simulate", "--scenario", "backward_run",
                    "--duration", "12", "-o", str(path)], check=True, capture_output=True,
                   timeout=120)
    return path.read_bytes().splitlines(keepends=True)


@pytest.fixture
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def _read(path: Path) -> RecordingReader | None:
    """Read everything; None when the file is refused with a RetrogaitError."""
    try:
        reader = RecordingReader(path)
        for _ in reader:
            pass
    except RetrogaitError:
        return None
    reader.stats.warnings()
    return reader


# ------------------------------------------------------------------ mutations

_TOKENS = [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1", b"0", b"\"x\"", b"null", b"[]",
           b"{}", b"true", b"1e-400", b"\xff\xfe", b"\x00", b"\n", b"", b"\"left\"", b"99999999"]

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**9), st.integers(1, 255)),
    st.tuples(st.just("token"), st.integers(0, 10**9), st.sampled_from(_TOKENS)),
    st.tuples(st.just("drop_line"), st.integers(0, 10**9), st.just(b"")),
    st.tuples(st.just("dup_line"), st.integers(0, 10**9), st.just(b"")),
    st.tuples(st.just("swap_lines"), st.integers(0, 10**9), st.integers(1, 300)),
    st.tuples(st.just("truncate"), st.integers(0, 10**9), st.just(b"")),
    st.tuples(st.just("number"), st.integers(0, 10**9), st.sampled_from(_TOKENS[:7])),
    st.tuples(st.just("shift_t"), st.integers(0, 10**9), st.floats(-20, 20)),
)


def _mutate(lines: list[bytes], ops: list[tuple[str, int, object]]) -> bytes:
    lines = list(lines)
    for op, pos, arg in ops:
        i = 1 + pos % max(1, len(lines) - 1) if len(lines) > 1 else 0
        if op == "drop_line" and len(lines) > 1:
            del lines[i]
        elif op == "dup_line":
            lines.insert(i, lines[i])
        elif op == "swap_lines":
            j = min(len(lines) - 1, i + int(arg))  # type: ignore[call-overload]
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "shift_t":
            try:
                obj = json.loads(lines[i])
                obj["t"] = round(float(obj["t"]) + float(arg), 6)  # type: ignore[arg-type]
                lines[i] = json.dumps(obj, separators=(",", ":")).encode() + b"\n"
            except (ValueError, KeyError, TypeError):
                pass
        else:
            blob = b"".join(lines)
            k = pos % max(1, len(blob))
            if op == "flip":
                blob = blob[:k] + bytes([blob[k] ^ int(arg)]) + blob[k + 1:]  # type: ignore[call-overload]
            elif op == "token":
                blob = blob[:k] + arg + blob[k:]  # type: ignore[operator]
            elif op == "truncate":
                blob = blob[: max(k, len(blob) // 2)]
            elif op == "number":  # replace the number after a "t": with a token
                at = blob.find(b'"t":', k)
                if at >= 0:
                    end = at + 4
                    while end < len(blob) and blob[end:end + 1] in b"0123456789.-e+":
                        end += 1
                    blob = blob[: at + 4] + arg + blob[end:]  # type: ignore[operator]
            lines = blob.splitlines(keepends=True) or [b""]
    return b"".join(lines)


# ------------------------------------------------------------------ recording reader


@FUZZ
@given(data=st.binary(max_size=4096), compress=st.booleans())
def test_reader_on_arbitrary_bytes(scratch: Path, data: bytes, compress: bool) -> None:
    p = scratch / "x.jsonl"
    p.write_bytes(gzip.compress(data) if compress else data)
    _read(p)


@FUZZ
@given(ops=st.lists(mutation, min_size=1, max_size=4), compress=st.booleans())
def test_reader_on_mutated_recordings(scratch: Path, sim_lines: list[bytes],
                                      ops: list[tuple[str, int, object]], compress: bool) -> None:
    blob = _mutate(sim_lines[:400], ops)
    p = scratch / ("m.jsonl.gz" if compress else "m.jsonl")
    p.write_bytes(gzip.compress(blob) if compress else blob)
    before = p.read_bytes()
    _read(p)
    assert p.read_bytes() == before


# ------------------------------------------------------------------ same events every way


class _Collect(Sink):
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def emit(self, event: Event) -> None:
        self.events.append(event)


def _replay_events(path: Path, offline: bool) -> list[dict[str, object]]:
    source = ReplaySource(path, None)
    sink = _Collect()
    asyncio.run(run_source(source, [sink], GaitSession(source.sensors), offline=offline))
    return [e.model_dump() for e in sink.events]


@PROPERTY
@given(ops=st.lists(mutation, max_size=3), block=st.integers(1, 3000))
def test_analyze_replay_and_streaming_agree_on_mutated_recordings(
    scratch: Path, sim_lines: list[bytes], ops: list[tuple[str, int, object]], block: int
) -> None:
    p = scratch / "m.jsonl"
    p.write_bytes(_mutate(sim_lines, ops))
    reader = _read(p)
    if reader is None:
        return  # refused: every command refuses it the same way (one reader)
    try:
        reader = RecordingReader(p)
        session = GaitSession(reader.header.sensors)
        streaming = [e.model_dump() for item in reader for e in session.handle(item)]
        streaming += [e.model_dump() for e in session.finish()]
        r2 = RecordingReader(p)
        blocks = [e.model_dump() for e in analyze_items(r2.header.sensors, r2, block)]
        analyze = _replay_events(p, offline=True)  # retrogait analyze
        replay = _replay_events(p, offline=False)  # retrogait replay --speed max
    except RetrogaitError:
        return  # e.g. a header that names an unknown profile: refused before any event
    assert blocks == streaming
    assert analyze == streaming
    assert replay == streaming


# ------------------------------------------------------------------ CSV import

_CSV_HEAD = "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
_cell = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.integers(-10**6, 10**6).map(str), st.text(max_size=5))


@FUZZ
@given(data=st.binary(max_size=2048), bom=st.booleans())
def test_csv_import_on_arbitrary_bytes(scratch: Path, data: bytes, bom: bool) -> None:
    p = scratch / "a.csv"
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    with contextlib.suppress(RetrogaitError):
        read_csv(p)


@FUZZ
@given(rows=st.lists(st.lists(_cell, min_size=0, max_size=9), max_size=30))
def test_csv_import_on_csv_like_text(scratch: Path, rows: list[list[str]]) -> None:
    p = scratch / "a.csv"
    p.write_text(_CSV_HEAD + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    try:
        data = read_csv(p)
    except RetrogaitError:
        return
    assert data.shape[1] == 7 and len(data) >= 2


_json = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)


@FUZZ
@given(side=st.one_of(_json, st.fixed_dictionaries(
    {"placement": _json, "toe_axis": _json, "up_axis": _json, "fs_hz": _json})))
def test_csv_sidecar_on_arbitrary_json(scratch: Path, side: object) -> None:
    (scratch / "a.json").write_text(json.dumps(side))
    try:
        data = read_sidecar(scratch / "a.csv")
        rate = sidecar_rate(data, scratch / "a.csv")
    except RetrogaitError:
        return
    assert rate is None or rate > 0


# ------------------------------------------------------------------ config loader

_VALID_CONFIG = """athlete = "ana"
[[devices]]
id = "left"
profile = "retrogait-imu"
placement = "left_foot"
name = "^RG-IMU L"
[mqtt]
url = "mqtts://127.0.0.1:8883"
username = "ana"
[recording]
dir = "recordings"
"""


@FUZZ
@given(data=st.one_of(st.binary(max_size=1024), st.text(max_size=400).map(str.encode),
                      st.lists(mutation, min_size=1, max_size=3).map(
                          lambda ops: _mutate(_VALID_CONFIG.encode().splitlines(True), ops))))
def test_config_loader_on_arbitrary_input(scratch: Path, data: bytes) -> None:
    p = scratch / "retrogait.toml"
    p.write_bytes(data)
    try:
        cfg = load_config(p)
        cfg.ble_devices()
    except RetrogaitError:
        pass


# ------------------------------------------------------------------ every decoder

PROFILES = sorted(load_profiles().items())


@pytest.mark.parametrize(("name", "profile"), PROFILES, ids=[n for n, _ in PROFILES])
@settings(max_examples=60, deadline=None, suppress_health_check=_QUIET)
@given(payloads=st.lists(st.binary(max_size=260), min_size=1, max_size=6),
       which=st.integers(0, 10))
def test_every_decoder_on_arbitrary_payloads(name: str, profile: object,
                                             payloads: list[bytes], which: int) -> None:
    decoder = decoder_for(profile)  # type: ignore[arg-type]
    chars = profile.gatt.notify  # type: ignore[attr-defined]
    for payload in payloads:
        try:
            blocks = decoder.decode(chars[which % len(chars)], payload)
        except DecodeError:
            continue
        for b in blocks:
            assert b.acc.shape == b.gyr.shape and b.acc.shape[1:] == (3,)
            assert b.t_sensor is None or b.t_sensor.shape == (len(b),)
