"""The live page in a real headless Chromium, served by ``retrogait replay --web`` subprocesses:
figures appear and change, the disconnect and the data gap of the recording raise an alert, the
page reconnects by itself after the server is killed and started again, and after the session it
links to the HTML report."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from .conftest import ServerProc, wait_for


def _text(driver: object, element_id: str) -> str:
    return str(driver.execute_script(  # type: ignore[attr-defined]
        f"return document.getElementById('{element_id}').textContent"))


def _visible(driver: object, element_id: str) -> bool:
    return bool(driver.execute_script(  # type: ignore[attr-defined]
        f"const e = document.getElementById('{element_id}'); return !e.hidden && "
        "e.getBoundingClientRect().height > 0"))


def _number(text: str) -> float | None:
    try:
        return float(text.split()[0])
    except (ValueError, IndexError):
        return None


def test_page_live_alert_reconnect_report(browser: object, gap_recording: Path,
                                          servers: list[ServerProc]) -> None:
    d = browser
    args = ["replay", str(gap_recording), "--speed", "x3", "--quiet", "--web-linger", "120"]
    first = ServerProc(args)
    servers.append(first.start())
    d.get(first.url)  # type: ignore[attr-defined]

    # the figures appear and change as the replay goes on
    wait_for(lambda: _text(d, "conn") == "live", what="the page connected")
    cadence = wait_for(lambda: _number(_text(d, "f-cadence")), what="a cadence figure")
    assert 60 < float(cadence) < 240  # type: ignore[arg-type]
    t1 = _text(d, "f-time")
    wait_for(lambda: _text(d, "f-time") != t1, what="the session time to move")
    wait_for(lambda: _text(d, "f-contact") != "– | –", what="contact times per foot")
    assert not _visible(d, "f-lean")  # feet alone: no trunk figures

    # the disconnect of the right sensor (9 s into the recording) is an unmissable alert
    alert = wait_for(lambda: _visible(d, "alert") and _text(d, "alert-text"), timeout=30,
                     what="the alert banner")
    assert "right" in str(alert) and ("DISCONNECTED" in str(alert) or "gap" in str(alert))
    d.find_element("id", "alert-ok").click()  # type: ignore[attr-defined]
    # the data gap that follows it is the next alert
    gap = wait_for(lambda: _visible(d, "alert") and _text(d, "alert-text"), timeout=30,
                   what="the data gap alert")
    assert "gap" in str(gap).lower() or "DISCONNECTED" in str(gap)
    assert "DISCONNECTED" in _text(d, "alerts") or "gap" in _text(d, "alerts")

    # the server dies: the page says so, then recovers by itself when a server is back
    first.stop()
    wait_for(lambda: "NO CONNECTION" in _text(d, "conn"), timeout=15,
             what="the page to notice the lost connection")
    old_server = d.execute_script("return window.retrogait.server")  # type: ignore[attr-defined]
    second = ServerProc(args, port=first.port)
    servers.append(second.start())
    wait_for(lambda: d.execute_script("return window.retrogait.server")  # type: ignore
             not in (None, old_server), timeout=20, what="the page to reconnect")
    wait_for(lambda: _text(d, "conn") == "live", what="live again")
    t2 = wait_for(lambda: _number(_text(d, "f-cadence")) and _text(d, "f-time"),
                  what="figures after the restart")
    wait_for(lambda: _text(d, "f-time") != t2, what="figures moving after the restart")

    # after the session: the report link, and the report itself
    wait_for(lambda: _visible(d, "ended"), timeout=40, what="the end of the session")
    href = wait_for(lambda: d.execute_script(  # type: ignore[attr-defined]
        "const a = document.getElementById('report'); return !a.hidden && a.href"),
        what="the report link")
    with urllib.request.urlopen(str(href), timeout=120) as resp:
        html = resp.read().decode()
    assert resp.status == 200 and "<html" in html.lower() and "data:image/png;base64" in html


def test_a_fall_takes_the_whole_screen(browser: object, fall_recording: Path,
                                       servers: list[ServerProc]) -> None:
    d = browser
    server = ServerProc(["replay", str(fall_recording), "--speed", "x2", "--quiet",
                         "--web-linger", "60"])
    servers.append(server.start())
    d.set_window_size(420, 900)  # type: ignore[attr-defined]  # a phone
    d.get(server.url)  # type: ignore[attr-defined]
    wait_for(lambda: _text(d, "conn") == "live", what="the page connected")
    wait_for(lambda: _number(_text(d, "f-cadence")), what="a cadence figure")
    assert d.execute_script(  # type: ignore[attr-defined]
        "return document.documentElement.scrollWidth <= innerWidth")  # no sideways scrolling
    # the fall (decided 14.7 s into the recording): a flashing overlay over the whole page
    wait_for(lambda: _visible(d, "alert") and d.execute_script(  # type: ignore[attr-defined]
        "return document.getElementById('alert').classList.contains('fall')"), timeout=30,
        what="the fall overlay")
    assert _text(d, "alert-text").startswith("FALL?")
    box = d.execute_script(  # type: ignore[attr-defined]
        "const r = document.getElementById('alert').getBoundingClientRect();"
        "const de = document.documentElement;"
        "return [r.width, r.height, de.clientWidth, de.clientHeight]")
    assert box[0] >= box[2] - 1 and box[1] >= box[3] - 1  # type: ignore[index]
    # the runner gets up: the overlay gives way to a banner saying so; the fall stays listed
    wait_for(lambda: "Moving again" in _text(d, "alert-text"), timeout=30,
             what="the recovered banner")
    assert not d.execute_script(  # type: ignore[attr-defined]
        "return document.getElementById('alert').classList.contains('fall')")
    assert "FALL?" in _text(d, "alerts")
    d.set_window_size(1000, 1400)  # type: ignore[attr-defined]


def test_a_chest_strap_alone_shows_the_trunk_figures(browser: object, chest_recording: Path,
                                                     servers: list[ServerProc]) -> None:
    d = browser
    server = ServerProc(["replay", str(chest_recording), "--speed", "x4", "--quiet",
                         "--web-linger", "60"])
    servers.append(server.start())
    d.get(server.url)  # type: ignore[attr-defined]
    wait_for(lambda: _text(d, "conn") == "live", what="the page connected")
    # no foot sensor: the cadence is the trunk's, and the trunk figures appear
    cadence = wait_for(lambda: _number(_text(d, "f-cadence")), timeout=30,
                       what="a cadence from the chest")
    assert 120 < float(cadence) < 240  # type: ignore[arg-type]
    assert _visible(d, "f-lean") and _visible(d, "f-oscillation")
    lean = wait_for(lambda: _number(_text(d, "f-lean")), what="a trunk lean")
    assert -15 < float(lean) < 15  # type: ignore[arg-type]
    osc = wait_for(lambda: _number(_text(d, "f-oscillation")), what="a vertical oscillation")
    assert 1 < float(osc) < 15  # type: ignore[arg-type]
    wait_for(lambda: _text(d, "f-trunk-direction") == "backward", what="backward from the trunk")
    assert "backward" in _text(d, "f-trunk-direction-sub")
