"""Per-source table of the shared development data: every file forward and time-reversed.

    python tools/eval_sources.py [DATA_DIR] [--work DIR] [--only SUBSTRING] [--json OUT]

DATA_DIR (default: the ``data`` folder of the ``shared`` directory beside the checkout, where
every developer and CI run has the development recordings) holds CSV + JSON sidecar pairs.
Files of one trial (``NAME_left_foot`` / ``NAME_right_foot``, synchronous) are imported together
with ``retrogait import-csv`` into one recording; each recording is also written time-reversed
(:func:`retrogait.evaluate.reverse_recording`: acc'(t) = acc(T−t), gyr'(t) = −gyr(T−t),
landings = reversed toe-offs). Each is analysed by the real flow and scored by
:func:`retrogait.evaluate.score`; printed is one markdown row per source with the *signed*
landing and toe-off bias beside the |error|, then pooled rows per split (development /
validation, see :data:`SPLIT` and docs/pipeline.md "Validation protocol").

Sensors that are not on a foot (``lower_back``) produce no foot events and are listed as not
scored. PyShoe truth has stance intervals only: its rows have stride counts and direction, no
landing timing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from retrogait.cli import main as cli_main
from retrogait.evaluate import Scores, reverse_recording, run_recording, score
from retrogait.truth import GroundTruth, truth_path_for

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
Split = Literal["development", "validation"]

SPLIT: dict[str, Split] = {
    # chosen on (development): sources rules and constants may be looked at and tuned on
    "gaitmap_healthy_walk2x20m": "development",
    "othersim_bwd_walk_104Hz": "development",
    "othersim_bwd_run_200Hz": "development",  # inspected while designing the impact rule
    # reported on (validation): never used to choose a rule or a constant
    "ipol_": "validation",
    "pyshoe_vicon_": "validation",
}
"""Source (file-name prefix) -> split, as declared in docs/pipeline.md "Validation protocol".
A time-reversed variant has its source's split, except those in :data:`REVERSED_SPLIT`."""
REVERSED_SPLIT: dict[str, Split] = {
    "othersim_bwd_walk_104Hz": "validation",  # forward proxies, not tuned on
    "othersim_bwd_run_200Hz": "validation",
}

_FOOT = re.compile(r"^(?P<trial>.+?)_(?P<side>left|right)_foot$")


@dataclass
class Row:
    name: str
    split: str
    reversed: bool
    timing: str
    values: dict[str, float | int | None]
    scores: Scores


def split_of(name: str, reversed_: bool = False) -> Split:
    if reversed_:
        for prefix, split in REVERSED_SPLIT.items():
            if name.startswith(prefix):
                return split
    for prefix, split in SPLIT.items():
        if name.startswith(prefix):
            return split
    return "validation"  # a new source is reported on until someone decides otherwise


def trials(data: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """Foot CSVs grouped by trial (both feet of one trial together), and the other CSVs."""
    groups: dict[str, list[Path]] = {}
    other: list[Path] = []
    for csv in sorted(data.glob("*.csv")):
        side = json.loads(csv.with_suffix(".json").read_text()) if csv.with_suffix(
            ".json").is_file() else {}
        m = _FOOT.match(csv.stem)
        if m is None or not str(side.get("placement", "")).endswith("_foot"):
            other.append(csv)
            continue
        trial = m["trial"]
        if trial.startswith("othersim") or trial.startswith("pyshoe"):
            trial = csv.stem  # single-foot sources keep their full name
        groups.setdefault(trial, []).append(csv)
    return groups, other


def build(csvs: list[Path], out: Path) -> None:
    """``retrogait import-csv CSV... -o out`` (in-process, its messages swallowed)."""
    with contextlib.redirect_stdout(io.StringIO()):
        rc = cli_main(["import-csv", *map(str, csvs), "-o", str(out)])
    if rc != 0:
        raise RuntimeError(f"import-csv {' '.join(c.name for c in csvs)} failed ({rc})")


def evaluate(rec: Path, name: str, reversed_: bool) -> Row:
    truth = GroundTruth.load(truth_path_for(rec))
    sc = score(run_recording(rec), truth)
    values = sc.summary()
    return Row(name, split_of(name, reversed_), reversed_, truth.timing_reference, values, sc)


COLUMNS: tuple[tuple[str, str, str], ...] = (
    # key, header, format
    ("landing_f1", "landing F1 @ 50 ms", "{:.3f}"),
    ("landing_err_median_ms", "\\|error\\| median, ms", "{:.1f}"),
    ("landing_err_p95_ms", "\\|error\\| p95, ms", "{:.1f}"),
    ("landing_bias_median_ms", "signed bias, ms", "{:+.1f}"),
    ("landing_f1_150ms", "F1 @ 150 ms", "{:.3f}"),
    ("landing_bias_150ms_median_ms", "signed bias @ 150 ms, ms", "{:+.1f}"),
    ("toe_off_err_median_ms", "toe-off \\|error\\| median, ms", "{:.1f}"),
    ("toe_off_bias_median_ms", "toe-off signed bias, ms", "{:+.1f}"),
    ("direction_ref_pct", "direction over ref. strides (found @ 150 ms), %", "{:.1f}"),
    ("strike_class_pct", "strike class, %", "{:.1f}"),
    ("strike_angle_mae_deg", "angle MAE, °", "{:.1f}"),
    ("cadence_mae_spm", "cadence MAE, spm", "{:.2f}"),
)


def _cell(v: float | int | None, fmt: str) -> str:
    return "n/a" if v is None else fmt.format(v)


def table(rows: list[Row]) -> str:
    head = ["source", "split", "landings (tp/fp/fn)", "strides ref/det/matched",
            "ref. strides missed/split, in_place det. (false)"]
    head += [h for _, h, _ in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        v = r.values
        counts = (f"{v['landings_tp']}/{v['landings_fp']}/{v['landings_fn']}"
                  if r.timing == "landing" else "stance truth")
        cells = [r.name + (" (reversed)" if r.reversed else ""), r.split, counts,
                 f"{v['strides_ref']}/{v['strides_det']}/{v['strides_matched']}",
                 f"{v['strides_missed']}/{v['strides_split']}, {v['in_place_strides']} "
                 f"({v['in_place_false']})"]
        cells += [_cell(v.get(k), f) for k, _, f in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pooled(rows: list[Row]) -> list[Row]:
    out = []
    for split in ("development", "validation"):
        for rev in (False, True):
            sub = [r for r in rows if r.split == split and r.reversed == rev]
            if not sub:
                continue
            sc = sub[0].scores
            for r in sub[1:]:
                sc = sc.merge(r.scores)
            values = sc.summary()
            name = f"**pooled {split}{' reversed' if rev else ' forward'}** ({len(sub)})"
            out.append(Row(name, split, False, "landing", values, sc))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA,
                   help="directory of CSV + JSON sidecars (default: the data folder of the "
                   "shared directory beside the checkout)")
    p.add_argument("--work", type=Path, help="keep the built recordings here (default: temp)")
    p.add_argument("--only", help="only sources whose name contains this")
    p.add_argument("--no-reversed", action="store_true", help="skip the time-reversed variants")
    p.add_argument("--json", type=Path, help="also write every row's values here")
    args = p.parse_args(argv)
    if not args.data.is_dir():
        p.error(f"{args.data}: no such directory")
    groups, other = trials(args.data)
    if args.only:
        groups = {k: v for k, v in groups.items() if args.only in k}
    with tempfile.TemporaryDirectory(prefix="rg-sources-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows: list[Row] = []
        for name, csvs in groups.items():
            fwd = work / f"{name}.jsonl.gz"
            build(csvs, fwd)
            if not truth_path_for(fwd).exists():
                print(f"{name}: no reference events in its sidecars, not scored",
                      file=sys.stderr)
                continue
            rows.append(evaluate(fwd, name, False))
            if not args.no_reversed:
                rev = work / f"{name}_reversed.jsonl.gz"
                reverse_recording(fwd, rev)
                rows.append(evaluate(rev, name, True))
    rows.sort(key=lambda r: (r.split, r.name, r.reversed))
    print("## Per source (forward and time-reversed)\n")
    print(table(rows + pooled(rows)))
    if other:
        print("\nnot scored (not a foot sensor): " + ", ".join(c.stem for c in other))
    print("\nlandings matched within 50 ms; signed = detected − reference (median); "
          "direction over reference strides: found = both landings within 150 ms, a stride "
          "not found counts as wrong (missed); split = a detected landing inside a reference "
          "stride, > 150 ms from both its landings; in_place (false) = detected in-place "
          "strides (those whose reference stride is not in place); PyShoe has stance truth "
          "only (no landing timing, no split count).")
    if args.json:
        args.json.write_text(json.dumps(
            [{"source": r.name, "split": r.split, "reversed": r.reversed, **r.values}
             for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
