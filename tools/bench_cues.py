#!/usr/bin/env python3
"""Landing -> cue start latency of ``--cues audio`` (docs/cues.md, "Measurements").

    .venv/bin/python tools/bench_cues.py [--speed 1] [--player "aplay -q -D null ..."]

Replays the demo recording in real time through the whole flow (the same event loop as
``replay --cues audio``) with the rearfoot cue given on every landing event (the demo's backward
landings are forefoot, so the bench's planner ignores the foot-strike class; at most one cue per
second, so no cue waits for another), played by a real player process (default: ``aplay`` on
ALSA's null device: there is no sound card here). Prints:

- the sink's latency: from the event reaching the cue sink to the real-time slot of the cue's
  first sample in the stream written to the player (LiveAudio.latency_s);
- the pipeline's detection delay of the same landings (emitted_at_s - t_s: the foot touched
  down that long before the pipeline could decide it);
- the sum of the two p95s plus the player buffer asked for (PLAYER_BUFFER_S; not measurable
  without a sound card): landing -> sound, target p95 <= 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shlex
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "recordings" / "demo_backward_run.jsonl.gz"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


async def run(args: argparse.Namespace) -> None:
    from retrogait.cli.replay_cmd import replay
    from retrogait.events import Event, LandingEvent
    from retrogait.sinks.cues import CuePlanner, CueSettings, CueSink, LiveAudio
    from retrogait.sinks.cues.planner import Cue
    from retrogait.sinks.cues.sounds import RATE_HZ

    settings = CueSettings(summary_every_s=None, min_interval_s={"rearfoot": 1.0})

    class EveryLanding(CuePlanner):
        """The rearfoot rule without its foot-strike and direction conditions."""

        def add(self, event: Event) -> list[Cue]:
            if isinstance(event, LandingEvent):
                return self._give(Cue("rearfoot", event.emitted_at_s))
            return []

    player = shlex.split(args.player or f"aplay -q -D null -t raw -f S16_LE -r {RATE_HZ} -c 1 -")
    out = LiveAudio(settings, player)
    sink = CueSink(out, settings)
    sink.planner = EveryLanding(settings)
    delays: list[float] = []

    class Delay(CueSink):
        async def emit(self, event: Event) -> None:
            n = out.played
            await sink.emit(event)
            if out.played > n:
                delays.append(event.emitted_at_s - event.t_s)

        async def start(self) -> None:
            await sink.start()

        async def observe(self, item: object) -> None:
            await sink.observe(item)  # type: ignore[arg-type]

        async def close(self) -> None:
            await sink.close()

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    await replay(DEMO, args.speed, [Delay(out, settings)])
    wall = time.monotonic() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    lat = [x * 1000 for x in out.latency_s]
    det = [x * 1000 for x in delays]
    from retrogait.sinks.cues import PLAYER_BUFFER_S

    buf = PLAYER_BUFFER_S * 1000
    print(f"{len(lat)} cues over {wall:.0f} s (replay x{args.speed:g}, player {player[0]})")
    print(f"cue sink -> sample slot: p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms, "
          f"max {max(lat):.1f} ms")
    print(f"pipeline detection delay of the cued events: p50 {pct(det, 50):.0f} ms, "
          f"p95 {pct(det, 95):.0f} ms, max {max(det):.0f} ms")
    print(f"landing -> cue start, p95: {pct(det, 95):.0f} + {pct(lat, 95):.0f} ms + player buffer "
          f"{buf:.0f} ms asked = {pct(det, 95) + pct(lat, 95) + buf:.0f} ms (target <= 200 ms)")
    used = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    print(f"process CPU (pipeline + cues, player excluded): {100 * used / wall:.1f} % of one core")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--player", help="player command (raw s16le mono 22050 Hz on stdin)")
    asyncio.run(run(ap.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
