"""``retrogait dashboard --mqtt`` against a real broker (Mosquitto, started by the fixture) with two
athletes replayed at once by ``retrogait replay --mqtt``: both appear with their own figures, the
one whose sensor disconnects gets the alert, both end with their session summary; in Chromium the
grid shows both and a click opens one athlete's page."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.broker import Broker

from .conftest import ServerProc, disconnect_recording, wait_for


def _state(url: str) -> dict[str, dict[str, object]]:
    with urllib.request.urlopen(f"{url}api/state", timeout=3) as r:
        doc = json.load(r)
    return {a["athlete"]: a for a in doc["athletes"]}


def test_dashboard_two_athletes(broker: Broker, browser: object, gap_recording: Path,
                                servers: list[ServerProc], tmp_path: Path) -> None:
    prefix = f"dash{broker.port}"
    clean = disconnect_recording(tmp_path / "bob.jsonl", lost=(1e6, 1e6 + 1))  # no disconnect
    dash = ServerProc(["dashboard", "--mqtt", broker.url, "--topic-prefix", prefix])
    servers.append(dash.start())
    d = browser
    d.get(dash.url)  # type: ignore[attr-defined]
    replays = [
        subprocess.Popen(
            [sys.executable, "-m", "retrogait", "replay", str(rec), "--speed", "x3", "--quiet",
             "--mqtt", broker.url, "--topic-prefix", prefix, "--athlete", name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, rec in (("ann", gap_recording), ("bob", clean))
    ]
    try:
        # both athletes live at once, each with their own figures
        live = wait_for(lambda: (lambda s: s if {"ann", "bob"} <= set(s) and all(
            s[a]["figures"]["strides"] > 0 for a in ("ann", "bob")) else None)(
            _state(dash.url)), timeout=40, what="two athletes with strides")
        assert live["ann"]["figures"]["sensors"] and live["bob"]["figures"]["sensors"]
        assert replays[0].poll() is None and replays[1].poll() is None  # at the same time
        cards = wait_for(lambda: d.execute_script(  # type: ignore[attr-defined]
            "return [...document.querySelectorAll('#cards .card')].map(c => c.dataset.athlete)"),
            what="two cards")
        assert sorted(cards) == ["ann", "bob"]  # type: ignore[arg-type]
        # ann's right sensor disconnects 9 s into her recording: her card turns to an alert
        wait_for(lambda: d.execute_script(  # type: ignore[attr-defined]
            "const c = document.querySelector('.card[data-athlete=ann]');"
            "return c && c.classList.contains('alerting') && c.textContent"),
            timeout=30, what="ann's alert on her card")
        assert not d.execute_script(  # type: ignore[attr-defined]
            "return document.querySelector('.card[data-athlete=bob]').classList"
            ".contains('alerting')")
        # a click opens bob's page with his figures
        d.find_element("css selector", ".card[data-athlete=bob]").click()  # type: ignore
        title = wait_for(lambda: d.execute_script(  # type: ignore[attr-defined]
            "return !document.getElementById('single').hidden && "
            "document.getElementById('title').textContent"), what="bob's page")
        assert title == "bob"
        wait_for(lambda: d.execute_script(  # type: ignore[attr-defined]
            "return document.getElementById('f-cadence').textContent") != "–",
            what="bob's cadence")
        for p in replays:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        # both sessions end with their summary on the broker
        done = wait_for(lambda: (lambda s: s if all(
            s[a]["ended"] and s[a]["summary"] for a in ("ann", "bob")) else None)(
            _state(dash.url)), timeout=30, what="both summaries")
        assert done["ann"]["summary"]["athlete"] == "ann"  # type: ignore[index]
        kinds = {a["kind"] for a in done["ann"]["alerts"]}  # type: ignore[union-attr]
        assert {"sensor_status", "gap"} <= kinds
        assert not done["bob"]["alerts"]
    finally:
        for p in replays:
            if p.poll() is None:
                p.kill()
                p.communicate()
