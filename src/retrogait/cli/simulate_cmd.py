"""``retrogait simulate``: write a simulated recording and its ground truth (NAME.truth.json)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from retrogait.errors import ConfigError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate foot-IMU recordings (forward/backward running and walking) with truth",
        description=(
            "Simulate foot-mounted IMUs from a physical foot model, encode the samples through a "
            "firmware profile's packets with BLE-like timing, and write the recording plus "
            "OUT.truth.json (exact landings, toe-offs, strike angles, strides, activities). "
            "Model and limits: docs/simulator.md."
        ),
    )
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--randomize", action="store_true",
                   help="draw gait, landing kinematics, shoe, sensor, rate, mounting and errors "
                   "from --seed (the randomised family, docs/simulator.md); the drawn values go "
                   "into the truth's notes; scenario and sensor options are then not allowed")
    p.add_argument("--scenario", default="session", help="scenario name (default: session)")
    p.add_argument("--duration", type=float, help="seconds (default: the scenario's own)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--profile", default="retrogait-imu",
                   help="firmware profile whose packets to write (default retrogait-imu)")
    p.add_argument("--rate", type=float, help="sample rate, Hz (default: the profile's)")
    p.add_argument("--feet", default="left,right", help="left,right | left | right")
    p.add_argument("--mount", default="mixed", choices=["mixed", "instep", "lateral"],
                   help="sensor position on the shoe (mixed: left instep, right lateral)")
    p.add_argument("--misalignment-deg", type=float, default=3.0,
                   help="undeclared mounting misalignment, deg (default 3)")
    p.add_argument("--packet-loss", type=float, default=0.0,
                   help="probability that a notification is lost, 0..1 (default 0)")
    p.add_argument("--acc-range-g", type=float,
                   help="accelerometer range in g, e.g. 8 to provoke clipping (default: profile)")
    p.add_argument("--connection-interval-ms", type=float, default=15.0,
                   help="BLE connection interval, ms (default 15)")
    p.add_argument("--ideal", action="store_true",
                   help="noise-free signals: no noise, bias, scale error, misalignment or "
                   "sensor ringing (anti-alias filter, sole compression and quantisation remain)")
    p.add_argument("--trunk", default="",
                   help="also simulate trunk sensors: chest, lower_back or chest,lower_back "
                   "(body simulator: decoded samples at 100 Hz, see docs/simulator.md); the "
                   "fall and movement scenarios (--list) always use it")
    p.add_argument("--no-trunk-gyro", action="store_true",
                   help="trunk sensors without gyroscope (accelerometer only, as a Polar H10)")
    p.add_argument("-o", "--output", type=Path, help="recording to write (.jsonl or .jsonl.gz)")
    p.set_defaults(func=run)


def _list() -> int:
    from retrogait.simulate import SCENARIOS
    from retrogait.simulate.body import BODY_SCENARIOS

    width = max(len(n) for n in [*SCENARIOS, *BODY_SCENARIOS])
    for s in SCENARIOS.values():
        print(f"{s.name.ljust(width)}  {s.default_duration_s:>4g} s  {s.description}")
    for b in BODY_SCENARIOS.values():
        print(f"{b.name.ljust(width)}  {sum(g.duration_s or 0 for g in b.segments):>4g} s  "
              f"{b.description} (body simulator{', a fall' if b.fall else ''})")
    return 0


def _body(args: argparse.Namespace, feet: tuple[str, ...]) -> int:
    from retrogait.simulate.body import simulate_body, write_body_recording

    trunk = tuple(t.strip() for t in args.trunk.split(",") if t.strip()) or ("chest",)
    if any(t not in ("chest", "lower_back") for t in trunk) or len(set(trunk)) != len(trunk):
        raise ConfigError(f"--trunk must be chest, lower_back or both, got {args.trunk!r}")
    sim = simulate_body(args.scenario, seed=args.seed, sites=(*feet, *trunk),
                        gyro=not args.no_trunk_gyro, duration_s=args.duration)
    rec, truth = write_body_recording(sim, args.output)
    for m in sim.manoeuvres:
        print(f"{m.kind} at {m.t0:.2f} s" + (f", impact {m.impact_t:.2f} s" if m.is_fall else ""))
    print(f"wrote {rec} ({sim.duration_s:.1f} s, scenario {sim.name}, seed {args.seed}, "
          f"sensors {', '.join(s.id for s in sim.sensors)})")
    print(f"wrote {truth}")
    return 0


_NOT_WITH_RANDOMIZE = {
    "scenario": ("--scenario", "session"), "duration": ("--duration", None),
    "profile": ("--profile", "retrogait-imu"), "rate": ("--rate", None),
    "feet": ("--feet", "left,right"), "mount": ("--mount", "mixed"),
    "misalignment_deg": ("--misalignment-deg", 3.0), "packet_loss": ("--packet-loss", 0.0),
    "acc_range_g": ("--acc-range-g", None),
    "connection_interval_ms": ("--connection-interval-ms", 15.0), "ideal": ("--ideal", False),
}


def _check_randomize_alone(args: argparse.Namespace) -> None:
    for attr, (option, default) in _NOT_WITH_RANDOMIZE.items():
        if getattr(args, attr) != default:
            raise ConfigError(f"{option} cannot be combined with --randomize (the seed draws it)")


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    if args.output is None:
        raise ConfigError("simulate needs -o OUT.jsonl[.gz] (or --list)")
    feet = tuple(f.strip() for f in args.feet.split(",") if f.strip())
    if not feet or any(f not in ("left", "right") for f in feet) or len(set(feet)) != len(feet):
        raise ConfigError(f"--feet must be left,right or left or right, got {args.feet!r}")
    from retrogait.simulate.body import BODY_SCENARIOS

    if args.trunk or args.scenario in BODY_SCENARIOS:
        return _body(args, feet)
    from retrogait.simulate import make_config, simulate_to_file

    if args.randomize:
        _check_randomize_alone(args)
        cfg = make_config(seed=args.seed, randomize=True)
    else:
        cfg = make_config(
            scenario=args.scenario,
            duration_s=args.duration,
            seed=args.seed,
            profile=args.profile,
            rate_hz=args.rate,
            feet=feet,
            mount=args.mount,
            misalignment_deg=args.misalignment_deg,
            packet_loss=args.packet_loss,
            acc_range_g=args.acc_range_g,
            ideal=args.ideal,
            connection_interval_s=args.connection_interval_ms / 1000.0,
        )
    from retrogait.cli.progress import Steps

    progress = Steps("simulate", 1, args.quiet)
    progress.step(1, f"simulating {cfg.scenario} and writing {args.output.name}")
    sim, rec, truth = simulate_to_file(cfg, args.output)
    progress.done()
    duration = sim.plan.end_s
    for s in sim.sensors:
        st = sim.truth.sensors[s.sensor_id]
        lost = s.packets_total - len(s.packets)
        print(
            f"{s.sensor_id}: {len(s.t_host)} samples at {sim.rate_hz:g} Hz, "
            f"{len(s.packets)} notifications ({lost} lost), {len(st.landings_s)} landings, "
            f"{len(st.strides)} strides, acc clipped in {s.signals.acc_clipped} samples"
        )
    what = "randomised session" if cfg.randomize else f"scenario {cfg.scenario}"
    if cfg.randomize:
        from retrogait.simulate.randomized import RandomSession

        d = RandomSession.model_validate(json.loads(sim.truth.notes)["randomized"])
        print(f"drawn: {d.gait_class}, {sim.profile.name} at {sim.rate_hz:g} Hz, strike "
              f"{d.strike_deg:+.1f} deg, touchdown rate {d.touchdown_rate_dps:+.0f} deg/s, "
              f"late swing {1000 * d.late_swing_s:.0f} ms / {d.late_swing_deg:+.1f} deg, impact "
              f"{d.impact_peak_g:.1f} g over {1000 * d.impact_duration_s:.0f} ms (all values "
              "in the truth's notes)")
    print(f"wrote {rec} ({duration:.1f} s, {what}, seed {cfg.seed})")
    print(f"wrote {truth}")
    return 0
