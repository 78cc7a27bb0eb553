"""One CLI grammar, tested on the installed command (real subprocesses): -v/-q after the
sub-command, -o/--output for written files, --profiles-dir, export's default pair of CSVs,
one-line user errors with exit code 2, progress only on a terminal, ``retrogait init``."""

from __future__ import annotations

import argparse
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from retrogait.cli import build_parser
from retrogait.daemon.config import load_config

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "recordings" / "demo_backward_run.jsonl.gz"


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "retrogait", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def cli_on_a_terminal(*args: str | Path) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; returns (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    got: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            got.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.run([sys.executable, "-m", "retrogait", *map(str, args)],
                          stdout=subprocess.DEVNULL, stderr=slave, timeout=300)
    os.close(slave)
    reader.join(5)
    os.close(master)
    return proc.returncode, b"".join(got).decode(errors="replace")


def _user_error(r: subprocess.CompletedProcess[str], message: str) -> None:
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("retrogait: error:"), r.stderr
    assert message in lines[0] and "Traceback" not in r.stderr


def test_verbosity_after_the_subcommand_and_no_bars_in_a_file(tmp_path: Path) -> None:
    r = cli("replay", "-v", str(DEMO), "--speed", "max", "-q")
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr  # stderr is a pipe here: no progress bar
    r = cli("-q", "analyze", str(DEMO), "-o", tmp_path / "ev.jsonl")
    assert r.returncode == 0 and (tmp_path / "ev.jsonl").stat().st_size > 0
    r = cli("analyze", str(DEMO), "--events", tmp_path / "old.jsonl")  # old name still works
    assert r.returncode == 0
    assert (tmp_path / "old.jsonl").read_bytes() == (tmp_path / "ev.jsonl").read_bytes()


def test_progress_only_on_a_terminal_and_silenced_by_q() -> None:
    rc, term = cli_on_a_terminal("replay", DEMO, "--speed", "max")
    assert rc == 0 and "\r[" in term and "%" in term
    rc, term = cli_on_a_terminal("replay", DEMO, "--speed", "max", "-q")
    assert rc == 0 and "\r" not in term


def test_long_silent_commands_show_progress_on_a_terminal(tmp_path: Path) -> None:
    rc, term = cli_on_a_terminal("simulate", "--scenario", "tapping", "--duration", "10",
                                 "-o", tmp_path / "s.jsonl.gz")
    assert rc == 0 and "simulate: 1/1" in term
    rc, term = cli_on_a_terminal("history", "--history", tmp_path / "h.sqlite", "add",
                                 tmp_path / "s.jsonl.gz")
    assert rc == 0 and "history add: 1/1 analysing s.jsonl.gz" in term


def test_export_without_flags_writes_both_csvs_beside_the_recording(tmp_path: Path) -> None:
    rec = tmp_path / "run.jsonl.gz"
    rec.write_bytes(DEMO.read_bytes())
    r = cli("export", rec)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "run.strides.csv").stat().st_size > 1000
    assert (tmp_path / "run.summary.csv").stat().st_size > 100
    r = cli("export", rec, "-o", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "run.strides.csv", "run.summary.csv"]


def test_user_errors_are_one_line_with_exit_code_2(tmp_path: Path) -> None:
    _user_error(cli("export", DEMO, "--strides", "/nonexistent/dir/x.csv"),
                "/nonexistent/dir does not exist")
    _user_error(cli("profiles", "list", "witmotion-ble5"), "takes no NAME")
    _user_error(cli("analyze", "/nonexistent.jsonl"), "no such recording")
    (tmp_path / "exists.toml").write_text("")
    _user_error(cli("init", "-o", tmp_path / "exists.toml", "--no-scan"), "exists")


def test_profiles_dir_everywhere(tmp_path: Path) -> None:
    d = REPO / "firmware_profiles"
    for args in (("profiles", "--profiles-dir", d), ("profiles", "--dir", d),
                 ("profiles", "show", "retrogait-imu", "--profiles-dir", d)):
        r = cli(*args)
        assert r.returncode == 0 and "retrogait-imu" in r.stdout, r.stderr
    for cmd in ("analyze", "export", "evaluate"):  # an empty folder: no profile there
        _user_error(cli(cmd, DEMO, "--profiles-dir", tmp_path), "retrogait-imu")
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("replay", "analyze", "run", "scan", "init", "profiles", "export", "report",
                 "evaluate"):
        opts = {o for a in sub.choices[name]._actions for o in a.option_strings}
        assert "--profiles-dir" in opts, name


def test_help_texts() -> None:
    r = cli("history", "--help")
    assert r.returncode == 0 and "%%" not in r.stdout and "10 %" in r.stdout
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        for a in p._actions:
            if not a.option_strings and not isinstance(a, argparse._SubParsersAction):
                assert a.help, f"{name}: positional {a.dest} has no help"
        opts = {o for a in p._actions for o in a.option_strings}
        assert {"-v", "-q"} <= opts, name


def test_history_has_one_meaning_in_replay(tmp_path: Path) -> None:
    h = tmp_path / "h.sqlite"
    r = cli("replay", DEMO, "--speed", "max", "-q", "--store", "--history", h)
    assert r.returncode == 0 and "stored session" in r.stderr, r.stderr
    r = cli("history", "--history", h)
    assert r.returncode == 0 and "weekly backward volume" in r.stdout


def test_init_writes_a_commented_config_from_a_scan(tmp_path: Path) -> None:
    out = tmp_path / "retrogait.toml"
    r = cli("init", "-o", out, "--emulate", DEMO, "--timeout", "2")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert text.count("\n#") > 10  # commented
    cfg = load_config(out)
    assert [(d.id, d.placement) for d in cfg.devices] == [("left", "left_foot"),
                                                         ("right", "right_foot")]
    assert all(d.address and d.address.startswith("EE:00:00") for d in cfg.devices)
    tmpl = tmp_path / "t.toml"
    r = cli("init", "-o", tmpl, "--no-scan")
    assert r.returncode == 0 and load_config(tmpl).devices == []
    assert "# [[devices]]" in tmpl.read_text()


def test_run_without_config_points_to_init(tmp_path: Path) -> None:
    _user_error(cli("run", cwd=tmp_path), "retrogait init")


@pytest.mark.parametrize("flag", ["-v", "-q"])
def test_verbosity_flags_anywhere(flag: str) -> None:
    assert cli(flag, "profiles").returncode == 0
    assert cli("profiles", flag).returncode == 0
