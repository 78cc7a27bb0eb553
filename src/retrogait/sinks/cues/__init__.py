"""Audio cues for the runner (``--cues audio`` / ``--cues wav:PATH``; ``docs/cues.md``).

:class:`CueSink` runs the :class:`~retrogait.sinks.cues.planner.CuePlanner` on the event stream
and hands its cues to an output:

- :class:`LiveAudio`: one long-lived player process (``pacat`` for PulseAudio/PipeWire, where
  Bluetooth headsets live, else ALSA's ``aplay``, or ``--audio-command``) reading raw 16-bit mono
  PCM from a pipe. A writer task keeps ``LEAD_S`` of sound ahead of real time, so a cue starts
  within about ``LEAD_S`` + the player's buffer of its event, the metronome ticks on exact
  samples, and the event loop never waits on the sound card (writes are awaited in the task).
- :class:`WavTrack`: the whole session's cue track into a WAV file on the stream's time base
  (each cue at the stream time its event was emitted), plus ``PATH.cues.jsonl`` listing every cue
  and its trigger: tests check the samples against the events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
import shutil
import time
import wave
from collections import deque
from dataclasses import asdict
from pathlib import Path

import numpy as np

from retrogait.errors import ConfigError
from retrogait.events import Event
from retrogait.sink import Sink
from retrogait.sinks.cues.planner import Cue, CuePlanner, CueSettings
from retrogait.sinks.cues.sounds import (
    RATE_HZ,
    Mixer,
    espeak_command,
    parse_espeak_wav,
    speak,
    tone,
)
from retrogait.sources.base import SourceItem

log = logging.getLogger(__name__)

LEAD_S = 0.04
"""Sound written ahead of real time, s: the added cue latency, and the margin against a late
writer wake-up (a gap would be a click)."""
BLOCK_S = 0.01
"""Writer period, s."""
PLAYER_BUFFER_S = 0.05
"""Buffer asked of the player (aplay --buffer-time, pacat --latency-msec), s."""


class CueOutput:
    """Where cues go."""

    async def start(self) -> None: ...

    def play(self, cue: Cue) -> None:
        raise NotImplementedError

    def clock(self, t_s: float) -> None: ...

    async def close(self) -> None: ...


def default_player_commands(rate: int = RATE_HZ) -> list[list[str]]:
    """Players found on PATH, best first: raw s16le mono PCM at ``rate`` on stdin."""
    cmds = []
    if shutil.which("pacat"):
        cmds.append(["pacat", "--playback", "--raw", "--format=s16le", f"--rate={rate}",
                     "--channels=1", f"--latency-msec={int(PLAYER_BUFFER_S * 1000)}"])
    if shutil.which("aplay"):
        cmds.append(["aplay", "-q", "-t", "raw", "-f", "S16_LE", "-r", str(rate), "-c", "1",
                     f"--buffer-time={int(PLAYER_BUFFER_S * 1e6)}", "-"])
    return cmds


class LiveAudio(CueOutput):
    """Cues through a player process fed from a writer task (never blocks the event loop)."""

    def __init__(self, settings: CueSettings, command: list[str] | None = None,
                 rate: int = RATE_HZ) -> None:
        self.settings = settings
        self.rate = rate
        self.commands = [command] if command else default_player_commands(rate)
        if not self.commands:
            raise ConfigError("--cues audio needs a player: install pulseaudio-utils (pacat) or "
                              "alsa-utils (aplay), or give --audio-command")
        self.mixer = Mixer(rate, settings.volume)
        self.proc: asyncio.subprocess.Process | None = None
        self.command: list[str] | None = None
        self._task: asyncio.Task[None] | None = None
        self._w0 = 0.0
        self._speech: set[asyncio.Task[None]] = set()
        self.latency_s: deque[float] = deque(maxlen=10000)
        """per cue: wall time from play() to the real-time slot of the cue's first sample, s
        (the player's own buffer, PLAYER_BUFFER_S asked, comes on top)"""
        self.played = 0
        self.failures = 0

    async def start(self) -> None:
        for cmd in self.commands:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL)
            except OSError:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 0.3)  # a player without a device quits
            if proc.returncode is None:
                self.proc, self.command = proc, cmd
                break
        if self.proc is None:
            raise ConfigError("--cues audio: no player could open the audio output (tried "
                              + "; ".join(c[0] for c in self.commands) + ")")
        self._w0 = time.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._writer(), name="cue-writer")

    def _now_sample(self) -> int:
        return int((time.monotonic() - self._w0) * self.rate)

    def play(self, cue: Cue) -> None:
        t_wall = time.monotonic()
        if cue.kind == "metronome":
            self.mixer.set_metronome(cue.value)
            return
        samples = tone(cue.kind, self.settings.volume, self.rate)
        self._schedule(cue.kind, samples, t_wall)
        if cue.text and espeak_command() is not None:
            task = asyncio.get_running_loop().create_task(self._speak(cue))
            self._speech.add(task)
            task.add_done_callback(self._speech.discard)

    def _schedule(self, kind: str, samples: np.ndarray, t_wall: float | None) -> None:
        start = self.mixer.schedule(kind, samples)
        if start is not None:
            self.played += 1
            if t_wall is not None:
                self.latency_s.append(self._w0 + start / self.rate - t_wall)

    async def _speak(self, cue: Cue) -> None:
        cmd = espeak_command()
        if cmd is None:
            return
        try:
            proc = await asyncio.create_subprocess_exec(
                *cmd, cue.text, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL)
            out, _ = await asyncio.wait_for(proc.communicate(), 10)
        except (OSError, TimeoutError):
            return
        self._schedule(cue.kind + "_speech", parse_espeak_wav(out, self.settings.volume), None)

    async def _writer(self) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        stdin = self.proc.stdin
        lead = int(LEAD_S * self.rate)
        while True:
            due = self._now_sample() + lead - self.mixer.pos
            if due > 0:
                pcm = (self.mixer.render(due) * 32767).astype("<i2").tobytes()
                try:
                    stdin.write(pcm)
                    await stdin.drain()
                except (BrokenPipeError, ConnectionResetError):
                    self.failures += 1
                    log.warning("cues: the audio player %s stopped; cues are off",
                                self.command[0] if self.command else "?")
                    return
            await asyncio.sleep(BLOCK_S)

    async def close(self) -> None:
        for t in list(self._speech):
            t.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.proc is not None:
            if self.proc.stdin is not None:
                with contextlib.suppress(OSError, BrokenPipeError):
                    self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 2)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


class WavTrack(CueOutput):
    """The session's cue track as a WAV file on the stream time base, and its cue list."""

    def __init__(self, path: Path, settings: CueSettings, rate: int = RATE_HZ) -> None:
        self.path = path
        self.settings = settings
        self.rate = rate
        self.cues: list[Cue] = []
        self.end_s = 0.0
        self.log_path = path.with_name(path.name + ".cues.jsonl")

    def play(self, cue: Cue) -> None:
        self.cues.append(cue)

    def clock(self, t_s: float) -> None:
        self.end_s = max(self.end_s, t_s)

    async def close(self) -> None:
        await asyncio.to_thread(self.render)

    def render(self) -> None:
        """Write the track (blocking; at the end of the session, in a worker thread)."""
        mixer = Mixer(self.rate, self.settings.volume)
        cues = sorted(self.cues, key=lambda c: c.t_s)
        total = int((max([self.end_s] + [c.t_s for c in cues]) + 3.0) * self.rate)
        block = self.rate
        i = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(self.path), "wb") as w, self.log_path.open("w") as logf:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.rate)
            while mixer.pos < total:
                end = mixer.pos + block
                while i < len(cues) and round(cues[i].t_s * self.rate) < end:
                    cue = cues[i]
                    i += 1
                    at = round(cue.t_s * self.rate)
                    if cue.kind == "metronome":
                        mixer.set_metronome(cue.value, at)
                        start: int | None = at
                        n = 0
                    else:
                        sound = tone(cue.kind, self.settings.volume, self.rate)
                        spoken = speak(cue.text, self.settings.volume) if cue.text else None
                        if spoken is not None and spoken.size:
                            gap = np.zeros(int(0.1 * self.rate), np.float32)
                            sound = np.concatenate([sound, gap, spoken])
                        start = mixer.schedule(cue.kind, sound, at)
                        n = len(sound)
                    logf.write(json.dumps({**asdict(cue), "start_sample": start,
                                           "samples": n, "spoken": bool(cue.text) and n > 0
                                           and espeak_command() is not None}) + "\n")
                pcm = mixer.render(min(block, total - mixer.pos))
                w.writeframes((pcm * 32767).astype("<i2").tobytes())


class CueSink(Sink):
    """Cues from one athlete's events to an output (never waits on sound)."""

    def __init__(self, output: CueOutput, settings: CueSettings | None = None) -> None:
        self.settings = settings or CueSettings()
        self.output = output
        self.planner = CuePlanner(self.settings)

    async def start(self) -> None:
        await self.output.start()
        for cue in self.planner.start(0.0):
            self.output.play(cue)

    async def observe(self, item: SourceItem) -> None:
        self.output.clock(item.t)
        for cue in self.planner.clock(item.t):
            self.output.play(cue)

    async def emit(self, event: Event) -> None:
        for cue in self.planner.add(event):
            self.output.play(cue)

    async def close(self) -> None:
        await self.output.close()

    def describe(self) -> str:
        """One line: cues given and dropped, by kind."""
        def kinds(d: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "none"

        out = f"cues: given {kinds(self.planner.given)}"
        if self.planner.dropped:
            out += f"; dropped (too soon after the last) {kinds(self.planner.dropped)}"
        mixer = getattr(self.output, "mixer", None)
        if mixer is not None and mixer.dropped:
            out += f"; dropped (others waiting) {kinds(mixer.dropped)}"
        if isinstance(self.output, LiveAudio) and self.output.command:
            out += f"; player {Path(self.output.command[0]).name}"
            if self.output.failures:
                out += " (stopped early)"
        if isinstance(self.output, WavTrack):
            out += f"; track {self.output.path}"
        return out


def cue_sink(spec: str, settings: CueSettings, audio_command: str | None = None) -> CueSink:
    """``audio`` -> live audio; ``wav:PATH`` -> a WAV cue track."""
    if spec == "audio":
        cmd = shlex.split(audio_command) if audio_command else None
        return CueSink(LiveAudio(settings, cmd), settings)
    if spec.startswith("wav:") and len(spec) > 4:
        return CueSink(WavTrack(Path(spec[4:]), settings), settings)
    raise ConfigError(f"--cues {spec!r}: use 'audio' or 'wav:PATH'")


__all__ = ["Cue", "CuePlanner", "CueSettings", "CueSink", "LiveAudio", "WavTrack", "cue_sink"]
