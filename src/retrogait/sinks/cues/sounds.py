"""The cues' sounds (NumPy) and the mixer that lays them on one mono timeline.

Every cue kind has its own tone so the runner tells them apart by ear and a test tells them
apart by frequency (:data:`TONES`, Hz). Speech (summary, sensor lost) comes from espeak-ng where
installed (:func:`speak`); without it the cue's tone pattern alone plays.

:class:`Mixer` renders the timeline block by block: cues are scheduled at a sample index, the
metronome ticks at exact sample positions, and :meth:`Mixer.render` returns the next ``n``
samples (float32, -1..1) and forgets what it has played: memory stays bounded.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field

import numpy as np

RATE_HZ = 22050
"""Sample rate of the cue track (espeak-ng's own rate: its speech needs no resampling)."""

TONES: dict[str, tuple[tuple[float, float], ...]] = {
    # kind: (frequency Hz, duration s) segments, 20 ms of silence between segments
    "metronome": ((1500.0, 0.03),),
    "rearfoot": ((330.0, 0.18),),
    "contact_high": ((587.0, 0.12), (587.0, 0.12)),
    "contact_low": ((523.0, 0.12), (523.0, 0.12)),
    "cadence_high": ((988.0, 0.25),),
    "cadence_low": ((392.0, 0.25),),
    "summary": ((523.0, 0.12), (659.0, 0.12), (784.0, 0.12)),
    "sensor_lost": ((247.0, 0.2), (247.0, 0.2)),
    "posture": ((698.0, 0.1), (698.0, 0.1), (698.0, 0.1)),
    "fall": tuple((f, 0.15) for _ in range(4) for f in (880.0, 1320.0)),
}
"""Each cue kind's tone pattern. Frequencies are at least a semitone apart from each other."""

PRIORITY = {"fall": 3, "sensor_lost": 2, "posture": 2}
"""Cues that cut a playing cue short; the others wait for silence (or are dropped, counted)."""
SEGMENT_GAP_S = 0.02
RAMP_S = 0.005


def tone(kind: str, volume: float = 0.6, rate: int = RATE_HZ) -> np.ndarray:
    """The tone pattern of a cue kind (float32, peak ``volume``), with 5 ms ramps."""
    parts = []
    for freq, dur in TONES[kind]:
        n = round(dur * rate)
        t = np.arange(n) / rate
        seg = np.sin(2 * np.pi * freq * t)
        ramp = min(int(RAMP_S * rate), n // 2)
        if ramp:
            env = np.ones(n)
            env[:ramp] = np.linspace(0, 1, ramp)
            env[-ramp:] = np.linspace(1, 0, ramp)
            seg *= env
        parts += [seg, np.zeros(int(SEGMENT_GAP_S * rate))]
    return (volume * np.concatenate(parts[:-1])).astype(np.float32)


def espeak_command() -> list[str] | None:
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    return [exe, "--stdout", "-s", "165"] if exe else None


def parse_espeak_wav(data: bytes, volume: float = 0.6) -> np.ndarray:
    """espeak-ng's WAV on a pipe (its header has no true length): the samples after ``data``."""
    i = data.find(b"data")
    if not data.startswith(b"RIFF") or i < 0:
        return np.zeros(0, np.float32)
    pcm = np.frombuffer(data[i + 8:len(data) - (len(data) - i - 8) % 2], dtype="<i2")
    x = pcm.astype(np.float32) / 32768.0
    peak = float(np.abs(x).max()) if x.size else 0.0
    return (x * (volume / peak)).astype(np.float32) if peak > 0 else x


def speak(text: str, volume: float = 0.6, timeout_s: float = 10.0) -> np.ndarray | None:
    """Blocking espeak-ng synthesis (offline rendering only); None when not installed."""
    cmd = espeak_command()
    if cmd is None or not text:
        return None
    try:
        out = subprocess.run([*cmd, text], capture_output=True, timeout=timeout_s, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_espeak_wav(out.stdout, volume)


@dataclass
class _Voice:
    start: int
    samples: np.ndarray
    kind: str


@dataclass
class Mixer:
    """One mono timeline at ``rate`` Hz: scheduled cues plus the metronome."""

    rate: int = RATE_HZ
    volume: float = 0.6
    max_waiting: int = 2
    pos: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    _voices: list[_Voice] = field(default_factory=list)
    _tick: np.ndarray | None = None
    _period: float = 0.0
    _next_tick: float = 0.0

    def set_metronome(self, spm: float | None, at: int | None = None) -> None:
        """Ticks at ``spm`` steps/min from sample ``at`` (default: now); None stops it."""
        if spm is None or spm <= 0:
            self._period = 0.0
            return
        self._tick = tone("metronome", self.volume * 0.7, self.rate)
        self._period = self.rate * 60.0 / spm
        self._next_tick = float(max(self.pos, at if at is not None else self.pos))

    def busy_until(self) -> int:
        """Sample index at which the last scheduled cue ends."""
        return max((v.start + len(v.samples) for v in self._voices), default=self.pos)

    def schedule(self, kind: str, samples: np.ndarray, at: int | None = None) -> int | None:
        """Play ``samples`` from sample ``at`` (default: as soon as possible; never in the
        past), after the cues already waiting; a priority cue cuts them. Returns the start
        sample, None when dropped (too many waiting)."""
        start = self.pos if at is None else max(self.pos, at)
        prio = PRIORITY.get(kind, 0)
        if prio and any(PRIORITY.get(v.kind, 0) < prio for v in self._voices):
            self._voices = [v for v in self._voices if PRIORITY.get(v.kind, 0) >= prio]
        waiting = [v for v in self._voices if v.start + len(v.samples) > start]
        if len(waiting) >= self.max_waiting:
            self.dropped[kind] = self.dropped.get(kind, 0) + 1
            return None
        start = max([start] + [v.start + len(v.samples) for v in waiting])
        self._voices.append(_Voice(start, samples, kind))
        return start

    def render(self, n: int) -> np.ndarray:
        """The next ``n`` samples (float32), then forget them."""
        out = np.zeros(n, np.float32)
        end = self.pos + n
        for v in self._voices:
            a, b = max(v.start, self.pos), min(v.start + len(v.samples), end)
            if a < b:
                out[a - self.pos:b - self.pos] += v.samples[a - v.start:b - v.start]
        if self._period > 0 and self._tick is not None:
            tick = self._tick
            while (s := round(self._next_tick)) < end:
                a, b = max(s, self.pos), min(s + len(tick), end)
                if a < b:
                    out[a - self.pos:b - self.pos] += tick[a - s:b - s]
                if s + len(tick) > end:
                    break  # the rest of this tick goes into the next block
                self._next_tick += self._period
        self._voices = [v for v in self._voices if v.start + len(v.samples) > end]
        self.pos = end
        np.clip(out, -1.0, 1.0, out=out)
        return out
