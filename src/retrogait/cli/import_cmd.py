"""``retrogait import-csv``: CSV files of decoded samples -> one recording."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from retrogait.errors import ConfigError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import-csv",
        help="turn CSV files of decoded samples (one per sensor) into a recording",
        description=(
            "Columns t (s), acc_x,acc_y,acc_z (m/s²), gyr_x,gyr_y,gyr_z (deg/s). Give each "
            "file's placement and mounting with the options (comma-separated, one value per "
            "file, in order; write --toe-axis=-y with '=' for values starting with '-'), or put "
            "a NAME.json sidecar beside NAME.csv with placement, toe_axis and up_axis."
        ),
    )
    p.add_argument("csv", nargs="+", type=Path, help="CSV file(s), one per sensor")
    p.add_argument(
        "-o", "--output", type=Path, required=True, help="recording to write (.jsonl[.gz])"
    )
    p.add_argument("--id", dest="ids", type=_csv_list,
                   help="sensor ids, e.g. left,right (default: from placement)")
    p.add_argument("--placement", type=_csv_list,
                   help="left_foot, right_foot, lower_back, ... e.g. left_foot,right_foot")
    p.add_argument("--toe-axis", type=_csv_list,
                   help="sensor axis toward the toes per file, e.g. --toe-axis=+y,-y")
    p.add_argument("--up-axis", type=_csv_list,
                   help="sensor axis pointing up with the foot flat, e.g. --up-axis=+x,+x")
    p.add_argument("--athlete", help="athlete name or id for the header")
    p.add_argument(
        "--started", type=_iso_time, metavar="TIME",
        help="when the data were recorded, ISO 8601 (e.g. 2017-11-22T11:22:03Z); default: the "
        "sidecar's started_at, else a YYYY-MM-DD-HH-MM-SS stamp in the file name, else now",
    )
    p.add_argument(
        "--truth", action=argparse.BooleanOptionalAction, default=True,
        help="also write NAME.truth.json from the sidecars' reference events (default: on)",
    )
    p.set_defaults(func=run)


def _iso_time(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"an ISO 8601 time, not {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _csv_list(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _pick(values: list[str] | None, i: int, n: int, option: str) -> str | None:
    if values is None:
        return None
    if len(values) != n:
        raise ConfigError(f"{option} needs one value per CSV file ({n}), got {len(values)}")
    return values[i]


def run(args: argparse.Namespace) -> int:
    from retrogait.mounting import Mounting
    from retrogait.outfiles import check_output
    from retrogait.recording.csv_import import CsvSensor, import_csv, read_sidecar
    from retrogait.recording.format import FOOT_OF_PLACEMENT, check_athlete
    from retrogait.truth import truth_path_for

    n = len(args.csv)
    sensors: list[CsvSensor] = []
    for i, path in enumerate(args.csv):
        side = read_sidecar(path)
        placement = _pick(args.placement, i, n, "--placement") or side.get("placement")
        toe = _pick(args.toe_axis, i, n, "--toe-axis") or side.get("toe_axis")
        up = _pick(args.up_axis, i, n, "--up-axis") or side.get("up_axis")
        if not placement or not toe or not up:
            raise ConfigError(
                f"{path}: give --placement, --toe-axis and --up-axis "
                f"(or a {path.stem}.json sidecar)"
            )
        try:
            mounting = Mounting(toe_axis=toe, up_axis=up)
        except ValidationError as exc:
            raise ConfigError(f"{path}: mounting: {exc.errors()[0]['msg']}") from None
        default_id = FOOT_OF_PLACEMENT.get(placement, f"s{i + 1}")
        sensor_id = _pick(args.ids, i, n, "--id") or default_id
        sensors.append(CsvSensor(path, sensor_id, placement, mounting, side))
    ids = [s.sensor_id for s in sensors]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"sensor ids must be unique, got {ids}; use --id")
    if not args.output.name.endswith((".jsonl", ".jsonl.gz")):
        raise ConfigError(f"{args.output}: recordings end in .jsonl or .jsonl.gz")
    inputs = [p for s in sensors for p in (s.path, s.path.with_suffix(".json"))]
    check_output(args.output, inputs, "recording")
    if args.truth:
        check_output(truth_path_for(args.output), inputs, "truth file")
    if args.athlete is not None:
        check_athlete(args.athlete)
    header = import_csv(sensors, args.output, athlete=args.athlete, started=args.started)
    print(f"wrote {args.output}: {len(header.sensors)} sensor(s)")
    if args.truth:
        from retrogait.recording.dataset_truth import truth_from_sidecars

        truth = truth_from_sidecars(sensors, args.output.name)
        if truth is not None:
            out = truth_path_for(args.output)
            truth.save(out)
            print(f"wrote {out}")
    return 0
