"""Audio cues: the planner's rules on synthetic events, and a replay's cue track rendered to a WAV
file (``replay --cues wav:PATH``) whose samples are checked with NumPy against the events file of
the same replay: each cue's tone sits at the stream time its event was emitted, the metronome
ticks on its grid, and the track is silent elsewhere. The live output runs a real ``aplay``
process on ALSA's null device."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from retrogait.events import (
    FallEvent,
    LandingEvent,
    PostureEvent,
    SensorStatusEvent,
    StrideEvent,
)
from retrogait.sinks.cues import CuePlanner, CueSettings
from retrogait.sinks.cues.sounds import RATE_HZ, TONES, Mixer, tone

BASE = {"sensor": "left", "foot": "left"}


def _stride(t: float, direction: str = "backward", contact: float = 0.25,
            cadence: float = 170.0) -> StrideEvent:
    return StrideEvent(
        t_s=t, emitted_at_s=t + 0.1, **BASE, start_s=t - 0.7, toe_off_s=t - 0.7 + contact,
        end_s=t, stride_time_s=0.7, contact_time_s=contact, swing_time_s=0.7 - contact,
        direction=direction, displacement_toe_m=-1.5, stride_length_m=1.5, speed_m_s=2.1,
        cadence_spm=cadence, foot_strike="forefoot", strike_angle_deg=-10.0)


def _landing(t: float, strike: str) -> LandingEvent:
    return LandingEvent(t_s=t, emitted_at_s=t + 0.07, **BASE, foot_strike=strike,
                        strike_angle_deg=10.0)


def test_planner_rules() -> None:
    p = CuePlanner(CueSettings(contact_band_ms=(180, 300), band_strides=3,
                               summary_every_s=None, summary_every_strides=4))
    assert p.add(_landing(1.0, "rearfoot")) == []  # direction unknown yet: no cue
    assert p.add(_stride(1.0, "forward")) == []
    assert p.add(_landing(1.7, "rearfoot")) == []  # running forward: a heel strike is fine
    p.add(_stride(2.4, "backward"))
    cue = p.add(_landing(3.1, "rearfoot"))
    assert [c.kind for c in cue] == ["rearfoot"] and cue[0].t_s == pytest.approx(3.17)
    assert p.add(_landing(3.5, "rearfoot")) == []  # within 1 s: dropped, counted
    assert p.dropped["rearfoot"] == 1
    assert p.add(_landing(4.5, "forefoot")) == []
    # contact time above the band for 3 strides in a row, then the summary at 4 backward
    kinds = [c.kind for t in (5.0, 5.7, 6.4) for c in p.add(_stride(t, contact=0.35))]
    assert kinds == ["contact_high", "summary"]
    assert "backward" in p.summary_text() and "cadence 170" in p.summary_text()
    # a fall, a lost sensor, the trunk leaning back (and not the all-clear)
    ev = {"t_s": 9.0, "emitted_at_s": 9.0, **BASE}
    assert [c.kind for c in p.add(FallEvent(**ev, peak_acc_m_s2=90.0))] == ["fall"]
    assert [c.kind for c in p.add(SensorStatusEvent(**ev, status="gave_up"))] == ["sensor_lost"]
    posture = {**ev, "pitch_deg": -20.0, "baseline_deg": -5.0, "limit_deg": -12.0, "steps": 6}
    assert [c.kind for c in p.add(PostureEvent(**posture, state="lean_back"))] == ["posture"]
    assert p.add(PostureEvent(**{**posture, "t_s": 30.0, "emitted_at_s": 30.0},
                              state="upright")) == []


def test_auto_metronome_is_the_median_of_the_first_minute() -> None:
    p = CuePlanner(CueSettings(metronome_spm="auto", auto_metronome_s=10.0,
                               summary_every_s=None))
    assert p.start() == []
    cues = [c for i in range(30) for c in p.add(_stride(1 + 0.7 * i, cadence=160 + i % 5))]
    assert [c.kind for c in cues] == ["metronome"] and cues[0].value == 162.0


def test_mixer_waits_drops_and_lets_a_fall_cut_in() -> None:
    m = Mixer()
    a = tone("rearfoot")
    assert m.schedule("rearfoot", a, 0) == 0
    assert m.schedule("contact_high", tone("contact_high"), 10) == len(a)  # waits
    assert m.schedule("cadence_low", tone("cadence_low"), 20) is None  # a third: dropped
    assert m.dropped == {"cadence_low": 1}
    assert m.schedule("fall", tone("fall"), 30) == 30  # cuts the others
    out = m.render(RATE_HZ)
    spec = np.abs(np.fft.rfft(out[30:30 + 2048]))
    assert abs(np.argmax(spec) * RATE_HZ / 2048 - TONES["fall"][0][0]) < 15


def _peak_hz(x: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), 8192))
    return float(np.argmax(spec) * RATE_HZ / 8192)


def test_replay_cue_track_matches_the_events(gap_recording: Path, tmp_path: Path) -> None:
    wav, events = tmp_path / "cues.wav", tmp_path / "events.jsonl"
    spm = 150.0
    subprocess.run(
        [sys.executable, "-m", "retrogait", "replay", str(gap_recording), "--speed", "max",
         "--quiet", "--events", str(events), "--cues", f"wav:{wav}", "--metronome", f"{spm:g}",
         "--contact-band", "150-230", "--summary-every", "20strides"],
        check=True, capture_output=True, timeout=300)
    evs = [json.loads(line) for line in events.read_text().splitlines()]
    by_key = {(e["kind"], e["t_s"], e["emitted_at_s"]): e for e in evs}
    cues = [json.loads(line) for line in (tmp_path / "cues.wav.cues.jsonl").read_text()
            .splitlines()]
    with wave.open(str(wav)) as w:
        assert w.getframerate() == RATE_HZ and w.getnchannels() == 1
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32767
    assert len(x) / RATE_HZ == pytest.approx(max(e["t_s"] for e in evs) + 3.0, abs=1.5)

    kinds = [c["kind"] for c in cues]
    assert kinds[0] == "metronome" and {"sensor_lost", "contact_high", "summary"} <= set(kinds)
    strides = [e for e in evs if e["kind"] == "stride" and not e["uncertain"]]
    covered = np.zeros(len(x), bool)
    for c in cues[1:]:
        # the cue's trigger is an event of the events file, and the cue is at its emission time
        trig = by_key[(c["trigger"]["kind"], c["trigger"]["t_s"], c["trigger"]["emitted_at_s"])]
        assert c["t_s"] == trig["emitted_at_s"]
        start = c["start_sample"]
        assert start == round(c["t_s"] * RATE_HZ)  # nothing else was playing: no wait
        first_hz, first_s = TONES[c["kind"]][0]
        seg = x[start + 100:start + int(first_s * RATE_HZ) - 100]
        assert abs(_peak_hz(seg) - first_hz) < 6, c
        assert np.sqrt(np.mean(x[start - 400:start - 10] ** 2)) < 0.05  # it starts there
        covered[start:start + c["samples"]] = True
        if c["kind"] == "contact_high":  # the band rule, checked against the stride events
            i = next(k for k, s in enumerate(strides) if s["emitted_at_s"] == c["t_s"])
            assert all(s["contact_time_s"] > 0.230 for s in strides[i - 3:i + 1])
        if c["kind"] == "sensor_lost":
            assert trig["status"] == "disconnected" and c["t_s"] == 9.0
            spoken = x[start + int(0.5 * RATE_HZ):start + c["samples"]]
            if shutil.which("espeak-ng") or shutil.which("espeak"):
                assert c["spoken"] and np.sqrt(np.mean(spoken ** 2)) > 0.02  # the words
            else:
                assert not c["spoken"]

    # the metronome: a 1.5 kHz tick every 60/150 s from 0, and nothing else outside the cues
    period = RATE_HZ * 60.0 / spm
    ticks = np.round(np.arange(0, len(x) - 1000, period)).astype(int)
    for k in ticks[:: max(1, len(ticks) // 40)]:
        if not covered[k:k + 700].any():
            assert abs(_peak_hz(x[k + 50:k + 600]) - TONES["metronome"][0][0]) < 10
            covered[k:k + 700] = True
    for k in ticks:
        covered[k:k + 700] = True
    assert np.abs(x[~covered]).max() < 1e-3  # silence between the cues and the ticks


@pytest.mark.skipif(sys.platform != "linux", reason="ALSA's null device is Linux only")
def test_live_audio_through_a_real_player(gap_recording: Path) -> None:
    aplay = shutil.which("aplay")
    if aplay is None:
        pytest.fail("the live cue test needs aplay: apt-get install alsa-utils "
                    "(tools/quickstart.py test installs it as root)")
    cmd = f"{aplay} -q -D null -t raw -f S16_LE -r {RATE_HZ} -c 1 -"
    r = subprocess.run(
        [sys.executable, "-m", "retrogait", "replay", str(gap_recording), "--speed", "x8",
         "--quiet", "--cues", "audio", "--audio-command", cmd, "--metronome", "170",
         "--contact-band", "150-230"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "cues: given" in r.stderr and "player aplay" in r.stderr, r.stderr
    assert "contact_high" in r.stderr and "stopped early" not in r.stderr


def test_fall_alarm_in_the_cue_track(fall_recording: Path, tmp_path: Path) -> None:
    wav, events = tmp_path / "fall.wav", tmp_path / "events.jsonl"
    subprocess.run(
        [sys.executable, "-m", "retrogait", "replay", str(fall_recording), "--speed", "max",
         "--quiet", "--events", str(events), "--cues", f"wav:{wav}", "--summary-every", "off"],
        check=True, capture_output=True, timeout=300)
    falls = [e for line in events.read_text().splitlines()
             if (e := json.loads(line))["kind"] == "fall"]
    assert len(falls) == 1
    with wave.open(str(wav)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32767
    start = round(falls[0]["emitted_at_s"] * RATE_HZ)
    assert np.abs(x[start - 2000:start - 10]).max() < 1e-3
    # the siren: 880 and 1320 Hz in turn, 0.15 s each, four times
    step = round(0.17 * RATE_HZ)
    for k, (hz, dur) in enumerate(TONES["fall"]):
        a = start + k * step + 200
        assert abs(_peak_hz(x[a:a + round(dur * RATE_HZ) - 400]) - hz) < 8, k
