#!/usr/bin/env python3
"""Set up retrogait in ./.venv (once) and run the demo or the test suite.

    python3 tools/quickstart.py demo   # replay the bundled backward-running recording
    python3 tools/quickstart.py test   # run the test suite (installs Debian's chromium,
                                       # chromium-driver, alsa-utils, espeak-ng when root)

Needs only Python 3.11+ and access to PyPI. Re-running reuses the environment and reinstalls
only when pyproject.toml changed. Extra arguments after the command go to the program
(``demo --speed max``, ``test -k recording``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
DEMO = ROOT / "recordings" / "demo_backward_run.jsonl.gz"


def venv_bin(name: str) -> Path:
    sub = "Scripts" if os.name == "nt" else "bin"
    return VENV / sub / name


def ensure_env(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - users may run an older python3
        sys.exit(f"retrogait needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    stamp = VENV / f".installed-{extras}"
    # what the install builds from: a change to any of them reinstalls (and recompiles)
    sources = [ROOT / "pyproject.toml", ROOT / "setup.py",
               *sorted((ROOT / "src").rglob("*.pyx")), *sorted((ROOT / "src").rglob("*.pxd"))]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    if stamp.is_file() and stamp.read_text() == digest and venv_bin("retrogait").exists():
        return
    if not venv_bin("python").exists():
        print(f"creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(venv_bin("python")), "-m", "pip", "--disable-pip-version-check", "-q"]
    print(f"installing retrogait[{extras}] into {VENV} ...", flush=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[{extras}]"], check=True, cwd=ROOT)
    stamp.write_text(digest)


SYSTEM_PACKAGES = {"chromium": "chromium", "chromedriver": "chromium-driver",
                   "aplay": "alsa-utils", "espeak-ng": "espeak-ng"}
"""Programs the tests run (tests/web: the headless browser of the live-page tests, the audio
player and the speech synthesiser of the cue tests) and the Debian packages that provide them."""


def ensure_system_packages() -> None:
    """Install the Debian packages of :data:`SYSTEM_PACKAGES` that are missing when we are root
    with apt-get, else stop and name them (the tests never skip them silently)."""
    missing = [pkg for exe, pkg in SYSTEM_PACKAGES.items() if not shutil.which(exe)]
    if not missing:
        return
    names = " ".join(missing)
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {names} (apt-get) for the live-page and cue tests ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        if all(shutil.which(exe) for exe in SYSTEM_PACKAGES):
            return
    sys.exit(f"the tests need the packages {names} (a headless Chromium, aplay, espeak-ng; "
             f"Debian/Ubuntu: sudo apt-get install {names}), then run the tests again")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        ensure_env("dev")
        args = rest or ["--speed", "x20"]
        return subprocess.call([str(venv_bin("retrogait")), "replay", str(DEMO), *args], cwd=ROOT)
    ensure_env("dev,embedded")  # the tests also run --mqtt embedded (amqtt)
    ensure_system_packages()
    return subprocess.call([str(venv_bin("python")), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
