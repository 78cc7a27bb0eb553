"""Careless and hostile input: nothing destroyed, nothing silently wrong, one clear line.

Real CLI subprocesses on real files. Each test names the case it covers.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrogait.events import Event
from retrogait.outfiles import atomic_path, safe_name
from retrogait.recording import RecordingReader
from retrogait.recording.reader import MAX_LINE_BYTES

from .helpers import synthetic_recording

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "recordings" / "demo_backward_run.jsonl.gz"


def cli(*args: str | Path, cwd: Path | None = None, timeout: float = 120,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "retrogait", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env,
    )


def one_line_error(r: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, exactly one line on stderr starting with 'retrogait: error:', no traceback."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("retrogait: error:"), r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def events_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 s recording of one still sensor (retrogait-imu notifications)."""
    p = tmp_path_factory.mktemp("small") / "small.jsonl"
    synthetic_recording(p, seconds=3.0)
    return p


@pytest.fixture(scope="module")
def demo_plain(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    with gzip.open(DEMO, "rt", encoding="utf-8") as fh:
        return fh.read().splitlines()


def _notification_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.startswith('{"type":"notification"')]


# ------------------------------------------------------------------ 1. output over the input


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "{rec}", "--events", "{rec}"),
        ("replay", "{rec}", "--speed", "max", "--quiet", "--events", "{rec}"),
        ("export", "{rec}", "--strides", "{rec}"),
        ("export", "{rec}", "--summary", "{link}"),
        ("export", "{rec}", "--summary-json", "{hard}"),
        ("history", "--history", "{rec}", "add", "{rec}"),
    ],
    ids=["analyze", "replay", "export-strides", "export-summary-symlink",
         "export-json-hardlink", "history"],
)
def test_output_equal_to_input_is_refused_and_input_kept(
    tmp_path: Path, small: Path, args: tuple[str, ...]
) -> None:
    rec = tmp_path / "x.jsonl"
    rec.write_bytes(small.read_bytes())
    (tmp_path / "link.csv").symlink_to(rec)
    os.link(rec, tmp_path / "hard.json")
    before = rec.read_bytes()
    filled = [a.format(rec=rec, link=tmp_path / "link.csv", hard=tmp_path / "hard.json")
              for a in args]
    r = cli(*filled)
    one_line_error(r, "would overwrite the input")
    assert rec.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.json", "link.csv", "x.jsonl"]


def test_import_csv_output_equal_to_a_csv_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    t = np.arange(50) / 100
    rows = "\n".join(f"{x},0,0,9.81,0,0,0" for x in t)
    csv.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + rows + "\n")
    before = csv.read_bytes()
    target = tmp_path / "a.jsonl"
    target.symlink_to(csv)
    r = cli("import-csv", csv, "-o", target, "--placement", "left_foot", "--toe-axis=+x",
            "--up-axis=+z")
    one_line_error(r, "would overwrite the input")
    assert csv.read_bytes() == before


def test_export_outputs_must_differ(tmp_path: Path, small: Path) -> None:
    r = cli("export", small, "--strides", tmp_path / "o.csv", "--summary", tmp_path / "o.csv")
    one_line_error(r, "would overwrite the input")
    assert not (tmp_path / "o.csv").exists()


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    out.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["events.jsonl"]


def test_replay_interrupted_leaves_no_half_events_file(tmp_path: Path, small: Path) -> None:
    """An error in the middle of a replay: the events file does not appear under its name."""
    from retrogait.cli.replay_cmd import replay
    from retrogait.sinks import JsonlSink, Sink

    class Boom(Sink):
        n = 0

        async def emit(self, event: Event) -> None:
            self.n += 1
            if self.n == 1:
                raise RuntimeError("boom")

    out = tmp_path / "ev.jsonl"
    with pytest.raises(RuntimeError):
        asyncio.run(replay(small, None, [JsonlSink(out, atomic=True), Boom()]))
    assert list(tmp_path.iterdir()) == []


def test_analyze_events_to_full_disk_is_one_line_and_keeps_input(tmp_path: Path,
                                                                   small: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    before = small.read_bytes()
    r = cli("analyze", small, "--events", "/dev/full")
    one_line_error(r, "/dev/full", "disk full")
    assert small.read_bytes() == before


# ------------------------------------------------------------------ 2. non-finite values


@pytest.mark.parametrize("bad", ["NaN", "-Infinity", "1e400", '"Infinity"'])
def test_non_finite_or_bad_time_is_skipped_or_refused(tmp_path: Path, small: Path,
                                                      bad: str) -> None:
    lines = small.read_text().splitlines()
    i = _notification_lines(lines)[100]
    obj = json.loads(lines[i])
    lines[i] = lines[i].replace(f'"t":{json.dumps(obj["t"])}', f'"t":{bad}', 1)
    rec = tmp_path / "bad.jsonl"
    rec.write_text("\n".join(lines) + "\n")
    reader = RecordingReader(rec)
    if bad.startswith('"'):  # a string is a malformed record, as before: an error
        from retrogait.errors import RecordingError

        with pytest.raises(RecordingError, match=f"bad.jsonl:{i + 1}: malformed"):
            list(reader)
        return
    items = list(reader)
    assert reader.stats.non_finite == 1 and reader.stats.first_skipped_line == i + 1
    assert all(np.isfinite(it.t) for it in items)


def test_infinite_time_is_skipped_as_gap_same_in_analyze_and_replay(
    tmp_path: Path, demo_plain: list[str]
) -> None:
    bad = "Infinity"
    lines = list(demo_plain)
    i = _notification_lines(lines)[3000]
    obj = json.loads(lines[i])
    lines[i] = lines[i].replace(f'"t":{json.dumps(obj["t"])}', f'"t":{bad}', 1)
    assert bad in lines[i]
    rec = tmp_path / "bad.jsonl"
    rec.write_text("\n".join(lines) + "\n")
    a = cli("analyze", rec, "--events", tmp_path / "a.jsonl")
    assert a.returncode == 0, a.stderr
    assert f"first at line {i + 1}" in a.stderr and "non-finite" in a.stderr
    r = cli("replay", rec, "--speed", "max", "--quiet", "--events", tmp_path / "r.jsonl")
    assert r.returncode == 0, r.stderr
    ev_a, ev_r = events_of(tmp_path / "a.jsonl"), events_of(tmp_path / "r.jsonl")
    key = sorted(json.dumps(e, sort_keys=True) for e in ev_a)
    assert key == sorted(json.dumps(e, sort_keys=True) for e in ev_r)
    gaps = [e for e in ev_a if e["kind"] == "gap"]
    assert len(gaps) == 1 and gaps[0]["sensor"] == obj["sensor"]
    strides = [e for e in ev_a if e["kind"] == "stride"]
    assert all(-90 < float(s["strike_angle_deg"]) < 90 for s in strides)  # type: ignore[arg-type]
    # export: a finite duration
    x = cli("export", rec, "--summary-json", tmp_path / "s.json")
    assert x.returncode == 0, x.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert np.isfinite(summary["duration_s"]) and summary["duration_s"] < 200


def test_nan_inside_samples_is_skipped_and_marked_as_gap(tmp_path: Path) -> None:
    csv = tmp_path / "walk.csv"
    t = np.arange(2000) / 100.0
    rows = "\n".join(f"{x:.2f},0,0,9.81,{10 * np.sin(x):.4f},0,0" for x in t)
    csv.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + rows + "\n")
    rec = tmp_path / "walk.jsonl"
    r = cli("import-csv", csv, "-o", rec, "--placement", "left_foot", "--toe-axis=+x",
            "--up-axis=+z")
    assert r.returncode == 0, r.stderr
    lines = rec.read_text().splitlines()
    idx = [i for i, line in enumerate(lines) if '"samples"' in line][50]
    obj = json.loads(lines[idx])
    obj["acc"][3][2] = float("nan")
    lines[idx] = json.dumps(obj)  # Python writes NaN
    assert "NaN" in lines[idx]
    rec.write_text("\n".join(lines) + "\n")
    reader = RecordingReader(rec)
    items = list(reader)
    assert reader.stats.non_finite == 1 and reader.stats.first_skipped_line == idx + 1
    assert all(np.isfinite(it.acc).all() for it in items if hasattr(it, "acc"))
    a = cli("analyze", rec, "--events", tmp_path / "ev.jsonl")
    assert a.returncode == 0 and "non-finite" in a.stderr
    gaps = [e for e in events_of(tmp_path / "ev.jsonl") if e["kind"] == "gap"]
    assert len(gaps) == 1
    assert gaps[0]["start_s"] < obj["t_sensor"][0] and gaps[0]["end_s"] > obj["t_sensor"][-1]


def test_history_survives_a_bad_row_and_remove_deletes_it(tmp_path: Path, small: Path) -> None:
    hist = tmp_path / "h.sqlite"
    env = {**os.environ, "RETROGAIT_HISTORY": str(hist)}
    rec = tmp_path / "run.jsonl"
    rec.write_bytes(small.read_bytes())
    assert cli("history", "add", rec, env=env).returncode == 0
    with sqlite3.connect(hist) as conn:  # a row as an older retrogait could store it
        sid = conn.execute("SELECT session_id FROM sessions").fetchone()[0]
        conn.execute("INSERT INTO sessions (session_id, started_at, duration_s, "
                     "backward_distance_m, forward_distance_m, summary_json) "
                     "VALUES ('bad', '2025-01-01T00:00:00+00:00', 9e999, 0, 0, '{}')")
    conn.close()
    r = cli("history", env=env)
    assert r.returncode == 0, r.stderr
    assert sid in r.stdout and "'bad' skipped" in r.stderr and "Traceback" not in r.stderr
    r = cli("report", "bad", "-o", tmp_path / "rep", env=env)
    one_line_error(r, "history remove bad")
    r = cli("history", "remove", "bad", env=env)
    assert r.returncode == 0 and "removed bad" in r.stdout
    r = cli("history", env=env)
    assert r.returncode == 0 and r.stderr == "" and sid in r.stdout
    one_line_error(cli("history", "remove", "bad", env=env), "no session 'bad'")


def test_history_refuses_a_non_finite_summary(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from retrogait.insights.history import History, HistoryError
    from retrogait.insights.summary import SummaryBuilder

    s = SummaryBuilder(athlete="ana", started_at=datetime(2025, 1, 1, tzinfo=UTC)).summary()
    bad = s.model_copy(update={"duration_s": float("inf")})
    with History(tmp_path / "h.sqlite") as h, pytest.raises(HistoryError, match="non-finite"):
        h.add_session(bad)


def test_history_file_that_is_not_sqlite_is_one_line(tmp_path: Path, small: Path) -> None:
    notdb = tmp_path / "notes.txt"
    notdb.write_text("hello " * 100)
    one_line_error(cli("history", "--history", notdb), "not a retrogait history")
    assert notdb.read_text() == "hello " * 100


# ------------------------------------------------------------------ 3. time order


def test_out_of_order_records_are_skipped_counted_and_a_gap(
    tmp_path: Path, demo_plain: list[str]
) -> None:
    lines = list(demo_plain)
    idx = _notification_lines(lines)[2000:2200]
    for i in idx:
        obj = json.loads(lines[i])
        obj["t"] = round(obj["t"] - 5.0, 6)
        lines[i] = json.dumps(obj, separators=(",", ":"))
    rec = tmp_path / "shifted.jsonl"
    rec.write_text("\n".join(lines) + "\n")
    reader = RecordingReader(rec)
    n = sum(1 for _ in reader)
    assert reader.stats.out_of_order == 200 and reader.stats.first_skipped_line == idx[0] + 1
    assert n == len(lines) - 1 - 200 - 1  # header and end record are not items
    a = cli("analyze", rec, "--events", tmp_path / "a.jsonl")
    assert a.returncode == 0 and "200 record(s) earlier than their sensor's previous" in a.stderr
    gaps = [e for e in events_of(tmp_path / "a.jsonl") if e["kind"] == "gap"]
    assert len(gaps) == 2  # one per sensor: the 200 records hold both feet's notifications


def test_reversed_file_is_refused_record_by_record_not_silently_analysed(
    tmp_path: Path, small: Path
) -> None:
    lines = small.read_text().splitlines()
    body = [line for line in lines[1:] if '"notification"' in line]
    rec = tmp_path / "rev.jsonl"
    rec.write_text("\n".join([lines[0], *reversed(body)]) + "\n")
    reader = RecordingReader(rec)
    assert sum(1 for _ in reader) == 1
    assert reader.stats.out_of_order == len(body) - 1


# ------------------------------------------------------------------ 4. names from files


def test_athlete_with_a_path_is_refused_on_import(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    rows = "\n".join(f"{x / 100},0,0,9.81,0,0,0" for x in range(50))
    csv.write_text("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + rows + "\n")
    r = cli("import-csv", csv, "-o", tmp_path / "o.jsonl", "--placement", "left_foot",
            "--toe-axis=+x", "--up-axis=+z", "--athlete", "x/../../../../ESCAPED")
    one_line_error(r, "--athlete", "letters, digits")
    assert not (tmp_path / "o.jsonl").exists()


def test_athlete_with_a_path_in_a_header_is_refused_on_read(tmp_path: Path,
                                                            small: Path) -> None:
    lines = small.read_text().splitlines()
    head = json.loads(lines[0])
    head["athlete"] = "x/../../../../ESCAPED"
    rec = tmp_path / "evil.jsonl"
    rec.write_text("\n".join([json.dumps(head), *lines[1:]]) + "\n")
    r = cli("report", rec, cwd=tmp_path)
    one_line_error(r, "evil.jsonl:1", "athlete")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.jsonl"]
    assert not (tmp_path.parent / "ESCAPED").exists()


def test_names_in_paths_are_one_plain_component() -> None:
    assert safe_name("x/../../../../ESCAPED") == "x_.._.._.._.._ESCAPED"
    assert "/" not in safe_name("../..") and not safe_name("../..").startswith(".")
    assert safe_name("\x1b[31m") == "_31m"
    assert safe_name("") == "session"


def test_terminal_control_codes_from_names_are_escaped(tmp_path: Path) -> None:
    evil = tmp_path / "\x1b[2J\x1b]0;pwned\x07.jsonl"
    r = cli("analyze", evil)
    one_line_error(r, "no such recording")
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    assert "\\x1b[2J" in r.stderr


# ------------------------------------------------------------------ 8. line length


def test_a_huge_line_is_refused_quickly_with_a_clear_error(tmp_path: Path, small: Path) -> None:
    """Linear time: a line of 2x the limit is refused after reading just past the limit."""
    rec = tmp_path / "long.jsonl"
    with open(rec, "wb") as fh:
        fh.write(small.read_bytes().split(b"\n", 1)[0] + b"\n")
        fh.write(b"7" * (2 * MAX_LINE_BYTES))
    reader = RecordingReader(rec)
    from retrogait.errors import RecordingError

    with pytest.raises(RecordingError, match=r"long.jsonl:2: line longer than 16 MiB"):
        list(reader)


# ------------------------------------------------------------------ 9. one line, exit 2


def _csv_args(csv: Path, out: Path) -> list[str | Path]:
    return ["import-csv", csv, "-o", out, "--placement", "left_foot", "--toe-axis=+x",
            "--up-axis=+z", "--no-truth"]


CSV_HEAD = "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
CSV_ROWS = "".join(f"{x / 100},0,0,9.81,0,0,0\n" for x in range(50))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (bytes(range(256)) * 4, "not"),
        ((CSV_HEAD + CSV_ROWS).encode("latin-1") + "1,é,0,0,0,0,0\n".encode("latin-1"),
         "not UTF-8 text"),
        (b"t,acc_x\x00,acc_y\n1,2,3\n", "missing column"),
    ],
    ids=["binary", "latin-1", "nul"],
)
def test_csv_that_is_not_utf8_text_is_one_line(tmp_path: Path, content: bytes,
                                               words: str) -> None:
    csv = tmp_path / "a.csv"
    csv.write_bytes(content)
    one_line_error(cli(*_csv_args(csv, tmp_path / "o.jsonl")), "a.csv", words)
    assert not (tmp_path / "o.jsonl").exists()


def test_csv_with_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    csv = tmp_path / "excel.csv"
    csv.write_bytes(b"\xef\xbb\xbf" + (CSV_HEAD + CSV_ROWS).encode())
    r = cli(*_csv_args(csv, tmp_path / "o.jsonl"))
    assert r.returncode == 0, r.stderr
    assert sum(1 for _ in RecordingReader(tmp_path / "o.jsonl")) > 0


@pytest.mark.parametrize("fs", ['"abc"', "[200]", "true", "1e400", "-5", "0"])
def test_sidecar_rate_must_be_a_positive_number(tmp_path: Path, fs: str) -> None:
    csv = tmp_path / "a.csv"
    csv.write_text(CSV_HEAD + CSV_ROWS)
    (tmp_path / "a.json").write_text(
        '{"placement": "left_foot", "toe_axis": "+x", "up_axis": "+z", "fs_hz": ' + fs + "}")
    r = cli("import-csv", csv, "-o", tmp_path / "o.jsonl", "--no-truth")
    one_line_error(r, "a.json", "fs_hz must be a positive number")
    assert not (tmp_path / "o.jsonl").exists()


def test_latin1_config_and_profile_are_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "retrogait.toml"
    cfg.write_bytes('athlete = "José"\n'.encode("latin-1"))
    one_line_error(cli("run", "--config", cfg), "retrogait.toml", "not UTF-8 text")
    prof = tmp_path / "profiles"
    prof.mkdir()
    (prof / "mine.toml").write_bytes('name = "mine"\nvendor = "Café"\n'.encode("latin-1"))
    one_line_error(cli("profiles", "show", "mine", "--dir", prof), "mine.toml", "not UTF-8")


def test_recording_dir_that_is_a_file_is_one_line(tmp_path: Path, small: Path) -> None:
    blocker = tmp_path / "recordings"
    blocker.write_text("a file\n")
    cfg = tmp_path / "retrogait.toml"
    cfg.write_text(f'athlete = "ana"\n[recording]\ndir = "{blocker}"\n')
    r = cli("run", "--config", cfg, "--emulate", small, "--duration", "1", "--no-history",
            cwd=tmp_path)
    one_line_error(r, "recording folder", "is a file")
    assert blocker.read_text() == "a file\n"


def test_report_into_an_existing_file_and_export_into_a_folder(tmp_path: Path,
                                                              small: Path) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me\n")
    one_line_error(cli("report", small, "-o", existing), "exists and is not a folder")
    assert existing.read_text() == "keep me\n"
    one_line_error(cli("export", small, "--strides", tmp_path), "is a folder")
    one_line_error(cli("export", small, "--strides", tmp_path / "no" / "such" / "x.csv"),
                   "does not exist")


# ------------------------------------------------------------------ 10. smaller


def _gz(lines: list[str]) -> bytes:
    return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)


def test_second_gzip_member_is_read_and_trailing_garbage_reported(tmp_path: Path,
                                                                  small: Path) -> None:
    lines = small.read_text().splitlines()
    body = lines[1:-1]  # without the end record
    half = len(body) // 2
    rec = tmp_path / "two.jsonl.gz"
    rec.write_bytes(_gz([lines[0], *body[:half]]) + _gz([*body[half:], lines[-1]]))
    reader = RecordingReader(rec)
    assert sum(1 for _ in reader) == len(body) and reader.stats.ended_cleanly
    assert reader.stats.warnings() == []
    junk = tmp_path / "junk.jsonl.gz"
    junk.write_bytes(_gz(lines) + b"this is not gzip" * 10)
    reader = RecordingReader(junk)
    assert sum(1 for _ in reader) == len(body)
    assert reader.stats.trailing_bytes == 160
    assert any("trailing garbage" in w for w in reader.stats.warnings())
    a = cli("analyze", junk)
    assert a.returncode == 0 and "ignored 160 bytes of trailing garbage" in a.stderr


def test_version_as_a_string_says_so(tmp_path: Path, small: Path) -> None:
    lines = small.read_text().splitlines()
    rec = tmp_path / "v.jsonl"
    rec.write_text("\n".join([lines[0].replace('"version":1', '"version":"1"'), *lines[1:]]))
    one_line_error(cli("analyze", rec), "must be the number 1, not the str '1'")


def test_export_and_report_warn_on_a_cut_off_recording(tmp_path: Path, small: Path) -> None:
    data = small.read_bytes()
    rec = tmp_path / "cut.jsonl"
    rec.write_bytes(data[: len(data) * 2 // 3])
    r = cli("export", rec, "--summary", tmp_path / "s.csv")
    assert r.returncode == 0 and "file was cut off" in r.stderr


def test_a_broken_profile_file_blocks_only_its_own_profile(tmp_path: Path, small: Path) -> None:
    """$RETROGAIT_PROFILE_DIR adds to the bundled profiles; a broken file there only matters
    to a command that asks for it (an explicit --profiles-dir is used alone)."""
    mine = tmp_path / "profiles"
    mine.mkdir()
    (mine / "broken.toml").write_text("name = [unclosed\n")
    env = {**os.environ, "RETROGAIT_PROFILE_DIR": str(mine)}
    a = cli("analyze", small, env=env)  # uses the bundled retrogait-imu
    assert a.returncode == 0, a.stderr
    one_line_error(cli("profiles", "show", "broken", env=env), "broken.toml", "invalid TOML")
    listing = cli("profiles", env=env)
    assert listing.returncode == 0 and "retrogait-imu" in listing.stdout
    assert "profile broken not usable" in listing.stderr


def test_profile_dir_adds_and_overrides_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    from retrogait.profiles import find_profile, profile_path
    from retrogait.profiles.loader import _cached_scan, bundled_profile_dir

    mine = tmp_path / "profiles"
    mine.mkdir()
    text = (bundled_profile_dir() / "retrogait-imu.toml").read_text()
    (mine / "my-imu.toml").write_text(text.replace('name = "retrogait-imu"', 'name = "my-imu"'))
    monkeypatch.setenv("RETROGAIT_PROFILE_DIR", str(mine))
    assert find_profile("my-imu").name == "my-imu"
    assert find_profile("retrogait-imu").name == "retrogait-imu"  # the bundled ones stay
    (mine / "retrogait-imu.toml").write_text(text.replace('model = ', 'model = "mine" #'))
    _cached_scan.cache_clear()
    assert profile_path("retrogait-imu") == mine / "retrogait-imu.toml"


def test_impossible_mounting_is_warned(tmp_path: Path, demo_plain: list[str]) -> None:
    head = json.loads(demo_plain[0])
    head["sensors"][0]["mounting"] = {"toe_axis": "+y", "up_axis": "+z"}  # toes point sideways
    head["sensors"][1]["mounting"] = {"toe_axis": "+z", "up_axis": "+x"}
    rec = tmp_path / "m.jsonl"
    rec.write_text("\n".join([json.dumps(head), *demo_plain[1:]]) + "\n")
    r = cli("analyze", rec)
    assert r.returncode == 0 and "strides were in place" in r.stderr
    assert "mounting (toe_axis / up_axis) is probably wrong" in r.stderr
    from retrogait.insights.recording import analyze_recording
    from retrogait.insights.summary_text import summary_warnings

    assert summary_warnings(analyze_recording(DEMO).summary) == []
