"""``retrogait run`` without MQTT (real subprocesses): plain event lines when stdout is not a
terminal, the summary stored in the history; ``replay`` stores only with ``--history``, and a
session already stored (live, then its recording) is not stored twice."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from retrogait.insights.history import History

from .mqtt_helpers import CLI


def test_run_sigterm_stores_history_and_replay_only_when_asked(
    small_recording: Path, tmp_path: Path
) -> None:
    history = tmp_path / "h.sqlite"
    env = {**os.environ, "RETROGAIT_HISTORY": str(history)}
    proc = subprocess.Popen(
        [*CLI, "run", "--emulate", str(small_recording), "--athlete", "hist",
         "--record-dir", str(tmp_path / "rec")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
    )
    # stream until the first stride is printed (start-up time varies with the machine's load),
    # then a little more, so the stored session is longer than a second
    out_pipe, err_pipe = proc.stdout, proc.stderr
    assert out_pipe is not None and err_pipe is not None
    lines: list[str] = []
    errors: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: lines.extend(
            x.decode() for x in iter(out_pipe.readline, b"")), daemon=True),
        threading.Thread(target=lambda: errors.append(err_pipe.read()), daemon=True),
    ]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 60.0
    while not any(" stride " in x for x in lines) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    for reader in readers:
        reader.join(timeout=10)
    assert proc.returncode == 0, b"".join(errors).decode()
    assert any(" stride " in x for x in lines), "not a TTY: plain event lines, no live view"
    assert not any("\x1b[" in x for x in lines)
    [rec] = list((tmp_path / "rec").glob("hist-*.jsonl.gz"))
    with History(history) as h:
        [row] = h.sessions()
    assert row.athlete == "hist" and row.recording == rec.name and row.duration_s > 1

    # a replay does not write the history by default ...
    r = subprocess.run([*CLI, "replay", str(small_recording), "--speed", "max", "--quiet"],
                       capture_output=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    with History(history) as h:
        assert len(h.sessions()) == 1
    # ... only with --history; the live session's own recording is the same session: refused
    r = subprocess.run([*CLI, "replay", str(rec), "--speed", "max", "--quiet", "--history"],
                       capture_output=True, env=env, timeout=60)
    assert r.returncode == 0 and b"already in the history" in r.stderr, r.stderr.decode()
    r = subprocess.run([*CLI, "replay", str(small_recording), "--speed", "max", "--quiet",
                        "--history", str(tmp_path / "other.sqlite")],
                       capture_output=True, env=env, timeout=60)
    assert r.returncode == 0 and b"stored session" in r.stderr, r.stderr.decode()
    with History(tmp_path / "other.sqlite") as h:
        assert [x.recording for x in h.sessions()] == [str(small_recording)]
    with History(history) as h:
        assert len(h.sessions()) == 1


def test_run_live_view_on_a_terminal_no_history(small_recording: Path, tmp_path: Path) -> None:
    """stdout is a pseudo-terminal: the live view redraws in place instead of event lines."""
    history = tmp_path / "h.sqlite"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*CLI, "run", "--emulate", str(small_recording), "--no-record", "--no-history",
         "--duration", "3"],
        stdout=slave, stderr=subprocess.PIPE, cwd=tmp_path,
        env={**os.environ, "RETROGAIT_HISTORY": str(history)},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    out = b"".join(chunks).decode()
    assert "retrogait live" in out and "\x1b[2K" in out, out[:500]
    assert not re.search(r"s +\w+ stride (backward|forward|in_place) ", out), "no event lines"
    assert "left       left" in out, "feet known from the config before the first stride"
    assert not history.exists()
