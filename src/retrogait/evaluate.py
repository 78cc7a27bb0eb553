"""Score gait events against ground truth (``NAME.truth.json``) and build the time-reversed proxy.

Matching rules (the issue's targets, ``issues show 3``):

* a detected landing matches a true one within ``LANDING_TOL_S`` = 50 ms (one-to-one, closest
  pairs first); F1 from the matches;
* a detected stride matches a true stride when both its landings match (stance-referenced
  truth, e.g. PyShoe: when they overlap for more than half of both durations, because stance
  starts lag landings by up to ~0.1 s);
* the first stride after a turn-around is matched by its closing landing (it spans a stop; see
  :func:`_score_turns`);
* recall of whole strides (issue 12 part 4): a reference stride is *missed* when no detected
  stride has both landings within ``LANDING_WIDE_TOL_S`` of its own (stance truth: the overlap
  rule), and *split* when a detected landing falls inside it more than ``LANDING_WIDE_TOL_S``
  from both its landings (one real stride reported as two; landing truth only); detected
  ``in_place`` strides are counted, and those whose reference stride is not in place (a
  stride split into an in-place piece) separately (:func:`_score_recall`);
* toe-offs match within 100 ms (median absolute error reported);
* cadence: each cadence event states its window (strides ending in ``[t_s − window_s, t_s]``);
  its reference is the same rule on the true strides. Scored are the events whose window lies
  inside a steady 10 s window (step 5 s, fully covered by true strides whose times vary by
  less than 10 %), each once (see :func:`_score_cadence`);
* dataset truth may leave steps unannotated (gaitmap skips the turn): detections inside a gap of
  the reference landings longer than 1.6 median strides, or outside the annotated span, are
  counted separately as ``unannotated`` instead of false positives. Simulator truth is complete,
  so there nothing is excluded.

Over 400 lines: the scorers of every measure (landings, strides, stance, cadence, turns) share
the Scores record and the matching rules, and the time-reversed proxy's truth must follow them.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrogait.events import (
    CadenceEvent,
    Direction,
    Event,
    LandingEvent,
    StrideEvent,
    parse_event,
)
from retrogait.recording.format import Header
from retrogait.recording.reader import RecordingReader
from retrogait.recording.writer import RecordingWriter
from retrogait.session import GaitSession
from retrogait.sources.base import DecodedSamples
from retrogait.truth import GroundTruth, SensorTruth, TruthStride

LANDING_TOL_S = 0.05
LANDING_WIDE_TOL_S = 0.15
"""A second, wide landing match: is every stride found, and how far off (signed) are the
landings that miss the 50 ms window? (F1 @ 150 ms and the signed bias, s)"""
TOE_OFF_TOL_S = 0.10


def run_recording(path: str | Path, profile_dir: str | Path | None = None) -> list[Event]:
    """Analyse a recording through the real flow (decoder, clock, pipeline, fusion)."""
    reader = RecordingReader(path)
    session = GaitSession(reader.header.sensors, profile_dir=profile_dir)
    events: list[Event] = []
    for item in reader:
        events.extend(session.handle(item))
    events.extend(session.finish())
    return events


def read_events(path: str | Path) -> list[Event]:
    with open(path, encoding="utf-8") as fh:
        return [parse_event(line) for line in fh if line.strip()]


def match_times(
    ref: Sequence[float] | np.ndarray, det: Sequence[float] | np.ndarray, tol: float
) -> list[tuple[int, int]]:
    """One-to-one matches (ref index, det index) within ``tol`` s, closest pairs first."""
    r = np.asarray(ref, dtype=float)
    d = np.asarray(det, dtype=float)
    if r.size == 0 or d.size == 0:
        return []
    order = np.argsort(d)
    ds = d[order]
    pairs: list[tuple[float, int, int]] = []
    for i, x in enumerate(r):
        lo = int(np.searchsorted(ds, x - tol, side="left"))
        hi = int(np.searchsorted(ds, x + tol, side="right"))
        for k in range(lo, hi):
            pairs.append((abs(float(ds[k]) - float(x)), i, int(order[k])))
    pairs.sort()
    used_r: set[int] = set()
    used_d: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_r and j not in used_d:
            used_r.add(i)
            used_d.add(j)
            out.append((i, j))
    return sorted(out)


@dataclass
class Scores:
    """Raw per-item results; pooled over recordings with :meth:`merge`, summarised by
    :meth:`summary`. Times in s, errors signed (detected − reference)."""

    timing_reference: str = "landing"
    tp: int = 0
    fp: int = 0
    fn: int = 0
    unannotated: int = 0
    landing_err: list[float] = field(default_factory=list)
    tp_wide: int = 0
    fp_wide: int = 0
    fn_wide: int = 0
    landing_err_wide: list[float] = field(default_factory=list)
    strides_found_wide: int = 0
    direction_ok_wide: int = 0
    strides_split: int = 0
    in_place_det: int = 0
    in_place_false: int = 0
    landing_delay: list[float] = field(default_factory=list)
    toe_off_err: list[float] = field(default_factory=list)
    strides_ref: int = 0
    strides_det: int = 0
    strides_matched: int = 0
    direction_ok: int = 0
    turn_total: int = 0
    turn_ok: int = 0
    strike_total: int = 0
    strike_ok: int = 0
    strike_angle_err: list[float] = field(default_factory=list)
    cadence_err: list[float] = field(default_factory=list)
    cadence_windows: int = 0
    length_pct_err: list[float] = field(default_factory=list)
    speed_pct_err: list[float] = field(default_factory=list)
    run_length_pct_err: list[float] = field(default_factory=list)
    run_speed_pct_err: list[float] = field(default_factory=list)
    contact_err: list[float] = field(default_factory=list)
    stride_delay: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def merge(self, other: Scores) -> Scores:
        out = Scores(timing_reference=self.timing_reference)
        for name, value in vars(self).items():
            o = getattr(other, name)
            if isinstance(value, (list, int)):
                setattr(out, name, value + o)
        if self.timing_reference != other.timing_reference:
            out.timing_reference = "mixed"
        return out

    def summary(self) -> dict[str, float | int | None]:
        def med_abs(x: list[float]) -> float | None:
            return float(np.median(np.abs(x))) if x else None

        def p95_abs(x: list[float]) -> float | None:
            return float(np.percentile(np.abs(x), 95)) if x else None

        def median(x: list[float]) -> float | None:
            return float(np.median(x)) if x else None

        def mean_abs(x: list[float]) -> float | None:
            return float(np.mean(np.abs(x))) if x else None

        def p95(x: list[float]) -> float | None:
            return float(np.percentile(x, 95)) if x else None

        landing = (self.tp + self.fn) > 0
        f1 = (2 * self.tp / (2 * self.tp + self.fp + self.fn)) if (self.tp + self.fn) else None
        return {
            "landing_f1": f1 if landing else None,
            "landings_tp": self.tp, "landings_fp": self.fp, "landings_fn": self.fn,
            "landings_unannotated": self.unannotated,
            "landing_err_median_ms": _ms(med_abs(self.landing_err)) if landing else None,
            "landing_err_p95_ms": _ms(p95_abs(self.landing_err)) if landing else None,
            "landing_bias_median_ms": _ms(median(self.landing_err)) if landing else None,
            "landing_f1_150ms": (2 * self.tp_wide / (2 * self.tp_wide + self.fp_wide
                                                     + self.fn_wide)) if landing else None,
            "landing_bias_150ms_median_ms": (_ms(median(self.landing_err_wide)) if landing
                                             else None),
            "toe_off_err_median_ms": _ms(med_abs(self.toe_off_err)) if landing else None,
            "toe_off_bias_median_ms": _ms(median(self.toe_off_err)) if landing else None,
            "strides_ref": self.strides_ref, "strides_det": self.strides_det,
            "strides_matched": self.strides_matched,
            "direction_pct": _pct(self.direction_ok, self.strides_matched),
            "direction_ref_pct": _pct(self.direction_ok_wide, self.strides_ref),
            "strides_found_150ms": self.strides_found_wide,
            "strides_missed": self.strides_ref - self.strides_found_wide,
            "strides_split": self.strides_split,
            "in_place_strides": self.in_place_det,
            "in_place_false": self.in_place_false,
            "direction_after_turn_pct": _pct(self.turn_ok, self.turn_total),
            "turn_strides": self.turn_total,
            "strike_class_pct": _pct(self.strike_ok, self.strike_total),
            "strike_landings": self.strike_total,
            "strike_angle_mae_deg": mean_abs(self.strike_angle_err),
            "strike_angle_p95_deg": p95_abs(self.strike_angle_err),
            "strike_angle_max_deg": (float(np.max(np.abs(self.strike_angle_err)))
                                     if self.strike_angle_err else None),
            "cadence_mae_spm": mean_abs(self.cadence_err),
            "cadence_windows": self.cadence_windows,
            "cadence_events": len(self.cadence_err),
            "stride_length_err_pct": mean_abs(self.length_pct_err),
            "speed_err_pct": mean_abs(self.speed_pct_err),
            "run_stride_length_err_pct": mean_abs(self.run_length_pct_err),
            "run_speed_err_pct": mean_abs(self.run_speed_pct_err),
            "contact_time_mae_ms": _ms(mean_abs(self.contact_err)),
            "landing_delay_p95_ms": _ms(p95(self.landing_delay)) if landing else None,
            "stride_delay_p95_ms": _ms(p95(self.stride_delay)) if landing else None,
        }


def _ms(x: float | None) -> float | None:
    return None if x is None else 1000.0 * x


def _pct(a: int, b: int) -> float | None:
    return 100.0 * a / b if b else None


def _unannotated_mask(ref: np.ndarray, det: np.ndarray) -> np.ndarray:
    """Detections outside the annotated span or inside long holes of the reference landings."""
    if ref.size < 2:
        return np.zeros(det.shape, dtype=bool)
    stride = float(np.median(np.diff(ref)))
    out = (det < ref[0] - 0.5 * stride) | (det > ref[-1] + 0.5 * stride)
    holes = np.flatnonzero(np.diff(ref) > 1.6 * stride)
    for h in holes:
        out |= (det > ref[h] + LANDING_TOL_S) & (det < ref[h + 1] - LANDING_TOL_S)
    return out


def _running_spans(truth: GroundTruth) -> list[tuple[float, float]]:
    return [(a.start_s, a.end_s) for a in truth.activities if a.activity == "running"]


def _in_spans(t: float, spans: list[tuple[float, float]]) -> bool:
    return any(a <= t <= b for a, b in spans)


def score(events: Iterable[Event], truth: GroundTruth) -> Scores:
    """Score one recording's events against its truth (see module docstring)."""
    evs = list(events)
    sc = Scores(timing_reference=truth.timing_reference)
    complete = truth.origin == "simulator"
    run_spans = _running_spans(truth)
    for sid, st in truth.sensors.items():
        lands = sorted((e for e in evs if isinstance(e, LandingEvent) and e.sensor == sid),
                       key=lambda e: e.t_s)
        strides = sorted((e for e in evs if isinstance(e, StrideEvent) and e.sensor == sid),
                         key=lambda e: e.t_s)
        if truth.timing_reference == "landing":
            _score_landings(sc, st, lands, strides, complete, run_spans)
        else:
            _score_stance(sc, st, lands, strides)
    _score_cadence(sc, evs, truth)
    return sc


def _score_landings(sc: Scores, st: SensorTruth, lands: list[LandingEvent],
                    strides: list[StrideEvent], complete: bool,
                    run_spans: list[tuple[float, float]]) -> None:
    ref = np.asarray(st.landings_s, dtype=float)
    det = np.asarray([e.t_s for e in lands], dtype=float)
    pairs = match_times(ref, det, LANDING_TOL_S)
    matched_det = {j for _, j in pairs}
    sc.tp += len(pairs)
    sc.fn += ref.size - len(pairs)
    unmatched = np.array([j for j in range(det.size) if j not in matched_det], dtype=int)
    if unmatched.size:
        mask = (np.zeros(unmatched.size, dtype=bool) if complete
                else _unannotated_mask(ref, det[unmatched]))
        sc.unannotated += int(mask.sum())
        sc.fp += int((~mask).sum())
    wide = match_times(ref, det, LANDING_WIDE_TOL_S)
    wide_det = {j for _, j in wide}
    sc.tp_wide += len(wide)
    sc.fn_wide += ref.size - len(wide)
    unmatched_wide = np.array([j for j in range(det.size) if j not in wide_det], dtype=int)
    if unmatched_wide.size:
        sc.fp_wide += int((~(np.zeros(unmatched_wide.size, dtype=bool) if complete
                             else _unannotated_mask(ref, det[unmatched_wide]))).sum())
    sc.landing_err_wide.extend(float(det[j] - ref[i]) for i, j in wide)
    for i, j in pairs:
        sc.landing_err.append(float(det[j] - ref[i]))
        sc.landing_delay.append(lands[j].emitted_at_s - float(ref[i]))
        if st.foot_strikes is not None and i < len(st.foot_strikes):
            sc.strike_total += 1
            sc.strike_ok += int(lands[j].foot_strike == st.foot_strikes[i])
        if st.strike_angles_deg is not None and i < len(st.strike_angles_deg):
            sc.strike_angle_err.append(lands[j].strike_angle_deg - st.strike_angles_deg[i])
    # toe-offs: from strides (the toe-off of each detected contact)
    det_to = [s.toe_off_s for s in strides if s.contact_time_s > 0]
    for i, j in match_times(st.toe_offs_s, det_to, TOE_OFF_TOL_S):
        sc.toe_off_err.append(det_to[j] - st.toe_offs_s[i])
    # strides: both landings must match
    sc.strides_ref += len(st.strides)
    sc.strides_det += len(strides)
    ends = [s.end_s for s in strides]
    by_end = dict(match_times([s.end_s for s in st.strides], ends, LANDING_TOL_S))
    for i, j in sorted(by_end.items()):
        r, d = st.strides[i], strides[j]
        if abs(r.start_s - d.start_s) > LANDING_TOL_S:
            continue
        _score_stride(sc, r, d, run_spans)
    # direction over the reference strides: a stride is found when a detected one has both
    # landings within 150 ms of its own; a stride not found counts as a wrong direction
    wide_end = match_times([s.end_s for s in st.strides], ends, LANDING_WIDE_TOL_S)
    for i, j in wide_end:
        r, d = st.strides[i], strides[j]
        if abs(r.start_s - d.start_s) <= LANDING_WIDE_TOL_S:
            sc.strides_found_wide += 1
            sc.direction_ok_wide += int(d.direction == r.direction)
    _score_turns(sc, st.strides, strides, by_end)
    _score_recall(sc, st.strides, [e.t_s for e in lands], strides)


def _score_recall(sc: Scores, ref: list[TruthStride], det_landings: list[float],
                  det: list[StrideEvent]) -> None:
    """Split reference strides and in-place detections (module docstring). A detected
    ``in_place`` stride is false when the reference stride it overlaps most is not in place
    (or it overlaps none inside the annotated span)."""
    lands = np.asarray(det_landings, dtype=float)
    for r in ref:
        inside = (lands > r.start_s + LANDING_WIDE_TOL_S) & (lands < r.end_s - LANDING_WIDE_TOL_S)
        sc.strides_split += int(bool(inside.any()))
    if not ref:
        return
    lo, hi = ref[0].start_s - LANDING_WIDE_TOL_S, ref[-1].end_s + LANDING_WIDE_TOL_S
    for d in det:
        if d.direction != "in_place" or d.start_s < lo or d.end_s > hi:
            continue
        sc.in_place_det += 1
        best, r_best = 0.0, None
        for r in ref:
            ov = min(d.end_s, r.end_s) - max(d.start_s, r.start_s)
            if ov > best:
                best, r_best = ov, r
        sc.in_place_false += int(r_best is None or r_best.direction != "in_place")


def _score_turns(sc: Scores, ref: list[TruthStride], det: list[StrideEvent],
                 by_end: dict[int, int]) -> None:
    """Direction of the first stride after each turn-around (forward → stop → backward).

    The true turn stride is the first one in the new direction (it spans the stop). It is
    matched **by its closing landing** only: its opening landing lies before the stop, and a
    detector may open it elsewhere (a weight shift in the stop) or not at all (a stop longer
    than the longest plausible stride breaks the chain). When no detected stride closes at that
    landing, the first detected stride after the turn is the one closing at the next true
    landing (same direction), and that one is scored.
    """
    for i in range(1, len(ref)):
        r, before = ref[i], ref[i - 1]
        if before.direction == r.direction or r.start_s - before.end_s > 5.0:
            continue
        j = by_end.get(i)
        if j is None and i + 1 < len(ref) and ref[i + 1].direction == r.direction:
            j = by_end.get(i + 1)
        if j is None:
            continue
        sc.turn_total += 1
        sc.turn_ok += int(det[j].direction == r.direction)


def _score_stride(sc: Scores, r: TruthStride, d: StrideEvent,
                  run_spans: list[tuple[float, float]]) -> None:
    sc.strides_matched += 1
    sc.direction_ok += int(d.direction == r.direction)
    sc.stride_delay.append(d.emitted_at_s - r.end_s)
    if r.toe_off_s is not None and d.contact_time_s > 0:
        sc.contact_err.append(d.contact_time_s - (r.toe_off_s - r.start_s))
    running = _in_spans(0.5 * (r.start_s + r.end_s), run_spans)
    if r.stride_length_m:
        e = 100.0 * (d.stride_length_m - r.stride_length_m) / r.stride_length_m
        sc.length_pct_err.append(e)
        if running:
            sc.run_length_pct_err.append(e)
    if r.speed_m_s:
        e = 100.0 * (d.speed_m_s - r.speed_m_s) / r.speed_m_s
        sc.speed_pct_err.append(e)
        if running:
            sc.run_speed_pct_err.append(e)


def _score_stance(sc: Scores, st: SensorTruth, lands: list[LandingEvent],
                  strides: list[StrideEvent]) -> None:
    """Stance-referenced truth (PyShoe): stride counts and direction; no landing timing."""
    sc.strides_ref += len(st.strides)
    if not st.strides:
        return
    lo = st.strides[0].start_s - 0.5
    hi = st.strides[-1].end_s + 0.5
    inside = [s for s in strides if lo <= s.start_s and s.end_s <= hi]
    sc.strides_det += len(inside)
    # stance borders lag landings by up to ~0.1 s: a detected stride matches the true stride
    # it overlaps for more than half of both durations
    for d in inside:
        best, r_best = 0.0, None
        for r in st.strides:
            ov = min(d.end_s, r.end_s) - max(d.start_s, r.start_s)
            if ov > best:
                best, r_best = ov, r
        if r_best is None:
            continue
        if best < 0.5 * (d.end_s - d.start_s) or best < 0.5 * (r_best.end_s - r_best.start_s):
            continue
        sc.strides_matched += 1
        sc.direction_ok += int(d.direction == r_best.direction)
        sc.strides_found_wide += 1  # stance truth: found = the overlap rule above
        sc.direction_ok_wide += int(d.direction == r_best.direction)
        if r_best.stride_length_m:
            sc.length_pct_err.append(
                100.0 * (d.stride_length_m - r_best.stride_length_m) / r_best.stride_length_m)
    # (split strides are not scored on stance truth: its stride borders are stance starts,
    # not landings)
    _score_recall(sc, st.strides, [], inside)


def _score_cadence(sc: Scores, evs: list[Event], truth: GroundTruth) -> None:
    """Cadence events against the truth over the *same* window.

    A :class:`CadenceEvent` states its window: the strides that ended in
    ``[t_s - window_s, t_s]`` (``t_s`` = the window end). Its reference is the same rule on the
    true strides: per foot 120 / mean stride time of the true strides ending in that window,
    feet averaged. Scored are the events whose whole window lies inside a steady 10 s window
    (windows step 5 s, fully covered by contiguous true strides whose times vary by < 10 %);
    each event counts once, error = event − reference.
    """
    cad = [e for e in evs if isinstance(e, CadenceEvent)]
    if not cad:
        return
    per_sensor = [st.strides for st in truth.sensors.values() if st.strides]
    if not per_sensor:
        return
    t0 = min(s[0].start_s for s in per_sensor)
    t1 = max(s[-1].end_s for s in per_sensor)
    steady_windows: list[tuple[float, float]] = []
    w0 = t0
    while w0 + 10.0 <= t1:
        w1 = w0 + 10.0
        steady = True
        for strides in per_sensor:
            inside = [s for s in strides if s.start_s < w1 and s.end_s > w0]
            covered = bool(inside) and inside[0].start_s <= w0 + 0.1 * 10 and (
                inside[-1].end_s >= w1 - 1.0)
            times = np.array([s.end_s - s.start_s for s in inside])
            contiguous = all(abs(a.end_s - b.start_s) < 1e-6 for a, b in itertools.pairwise(inside))
            if not covered or not contiguous or times.std() > 0.1 * times.mean():
                steady = False
                break
        if steady:
            steady_windows.append((w0, w1))
        w0 += 5.0
    used = set()
    for a, b in steady_windows:
        for k, e in enumerate(cad):
            if k in used or not (e.t_s - e.window_s >= a - 1e-9 and e.t_s <= b):
                continue
            rates = []
            for strides in per_sensor:
                ends = [s for s in strides if e.t_s - e.window_s - 1e-6 <= s.end_s <= e.t_s + 1e-6]
                if ends:
                    rates.append(120.0 * len(ends) / sum(s.end_s - s.start_s for s in ends))
            if rates:
                used.add(k)
                sc.cadence_err.append(e.steps_per_min - float(np.mean(rates)))
    sc.cadence_windows += len(steady_windows)


# ---------------------------------------------------------------------- report
TARGETS: list[tuple[str, str, str]] = [
    ("landing_f1", "landing detection F1", ">= 0.99"),
    ("landing_err_median_ms", "landing time error median, ms", "<= 10"),
    ("landing_err_p95_ms", "landing time error 95th pct, ms", "<= 25"),
    ("landing_bias_median_ms", "  landing signed error median (detected − true), ms", "(info)"),
    ("landing_f1_150ms", "  landing F1 matched within 150 ms", "(info)"),
    ("landing_bias_150ms_median_ms", "  landing signed error median, 150 ms matching, ms",
     "(info)"),
    ("toe_off_err_median_ms", "toe-off time error median, ms", "<= 15"),
    ("toe_off_bias_median_ms", "  toe-off signed error median (detected − true), ms", "(info)"),
    ("direction_pct", "stride direction correct, %", ">= 99.5"),
    ("direction_ref_pct", "  over reference strides (found = both landings within 150 ms)",
     "(info)"),
    ("direction_after_turn_pct", "  first stride after a turn-around, %", ">= 99.5"),
    ("strike_class_pct", "foot-strike class correct, %", ">= 95"),
    ("strike_angle_mae_deg", "foot-strike angle MAE, deg", "<= 3"),
    ("strike_angle_p95_deg", "  foot-strike angle abs. error 95th pct, deg", "(info)"),
    ("strike_angle_max_deg", "  foot-strike angle abs. error max, deg", "(info)"),
    ("cadence_mae_spm", "cadence MAE (steady 10 s windows), steps/min", "<= 1"),
    ("run_stride_length_err_pct", "stride length MAE running, %", "<= 5"),
    ("run_speed_err_pct", "speed MAE running, %", "<= 5"),
    ("stride_length_err_pct", "stride length MAE all, %", "(info)"),
    ("contact_time_mae_ms", "contact time MAE, ms", "<= 15"),
    ("landing_delay_p95_ms", "landing event delay 95th pct, ms", "<= 150"),
    ("stride_delay_p95_ms", "stride event delay 95th pct, ms", "<= 300"),
]


def _meets(value: float | int | None, target: str) -> str:
    if value is None or target.startswith("("):
        return ""
    op, num = target.split()
    ok = value >= float(num) if op == ">=" else value <= float(num)
    return "ok" if ok else "MISS"


def format_table(summary: dict[str, float | int | None], title: str) -> str:
    lines = [f"## {title}", "",
             f"landings: {summary['landings_tp']} matched, {summary['landings_fp']} false, "
             f"{summary['landings_fn']} missed, {summary['landings_unannotated']} in "
             f"unannotated spans; strides: {summary['strides_ref']} true, "
             f"{summary['strides_det']} detected, {summary['strides_matched']} matched; "
             f"{summary['turn_strides']} after a turn-around; {summary['strike_landings']} "
             f"landings with a strike class; {summary['cadence_events']} cadence events in "
             f"{summary['cadence_windows']} steady 10 s windows", "",
             "| measure | value | target | |", "|---|---|---|---|"]
    for key, label, target in TARGETS:
        v = summary.get(key)
        text = "n/a" if v is None else (f"{v:.3f}" if key.startswith("landing_f1") else
                                        f"{v:.1f}")
        lines.append(f"| {label} | {text} | {target} | {_meets(v, target)} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------- time reversal
def reverse_recording(src: str | Path, dst: str | Path) -> GroundTruth | None:
    """Write the time-reversed backward-gait proxy of an imported recording (+ its truth).

    acc'(t) = acc(T−t), gyr'(t) = −gyr(T−t) in the same sensor frame; landings become the
    reversed toe-offs (ic' = T − tc, tc' = T − ic), every stride is backward. Only recordings
    of decoded samples (``import-csv``) can be reversed. Returns the reversed truth (also
    written beside ``dst``) when ``src`` has one.
    """
    from retrogait.truth import truth_path_for

    reader = RecordingReader(src)
    per: dict[str, list[DecodedSamples]] = {s.id: [] for s in reader.header.sensors}
    for item in reader:
        if isinstance(item, DecodedSamples):
            per[item.sensor].append(item)
    arrays = {}
    for sid, items in per.items():
        if not items:
            continue
        t = np.concatenate([i.t_sensor for i in items])
        arrays[sid] = (t, np.concatenate([i.acc for i in items]),
                       np.concatenate([i.gyr for i in items]))
    if not arrays:
        raise ValueError(f"{src}: no decoded samples to reverse")
    big_t = max(float(a[0][-1]) for a in arrays.values())
    header = reader.header
    new_header = Header(
        created=header.created, software=header.software, origin=header.origin,
        athlete=header.athlete, sensors=header.sensors,
        notes=f"time-reversed backward-gait proxy of {Path(src).name}: acc'(t)=acc(T-t), "
        f"gyr'(t)=-gyr(T-t), T={big_t:.6f} s",
    )
    records = []
    for sid, (t, acc, gyr) in arrays.items():
        tr = big_t - t[::-1]
        ar = acc[::-1]
        gr = -gyr[::-1]
        for k in range(0, tr.size, 16):
            records.append(DecodedSamples(t=float(tr[min(k + 15, tr.size - 1)]), sensor=sid,
                                          t_sensor=tr[k : k + 16], acc=ar[k : k + 16],
                                          gyr=gr[k : k + 16]))
    records.sort(key=lambda r: r.t)
    with RecordingWriter(dst, new_header) as w:
        for r in records:
            w.write(r)
    src_truth = truth_path_for(src)
    if not src_truth.exists():
        return None
    truth = GroundTruth.load(src_truth)
    rev = reverse_truth(truth, big_t, Path(dst).name)
    rev.save(truth_path_for(dst))
    return rev


def reverse_truth(truth: GroundTruth, big_t: float, name: str) -> GroundTruth:
    """Truth of the time-reversed recording (see :func:`reverse_recording`). Every stride's
    direction flips: forward gait reversed is backward, backward gait (e.g. the other
    simulator's) reversed is forward."""
    sensors: dict[str, SensorTruth] = {}
    for sid, st in truth.sensors.items():

        def flipped(a: float, b: float, st: SensorTruth = st) -> Direction:
            """Opposite of the original stride's direction at the reversed [a, b] (of the
            most common original direction where no original stride covers it)."""
            mid = big_t - 0.5 * (a + b)
            orig = [s.direction for s in st.strides if s.start_s <= mid <= s.end_s]
            if not orig:
                dirs = [s.direction for s in st.strides]
                orig = [max(set(dirs), key=dirs.count)] if dirs else ["forward"]
            opposite: dict[str, Direction] = {"forward": "backward", "backward": "forward"}
            return opposite.get(orig[0], "in_place")

        if truth.timing_reference == "landing":
            ic = sorted(big_t - x for x in st.toe_offs_s)
            tc = sorted(big_t - x for x in st.landings_s)
            fwd_gap = 2.5
            strides = []
            for a, b in itertools.pairwise(ic):
                if b - a > fwd_gap:
                    continue
                # keep only strides whose forward counterpart was annotated as a stride
                to = [x for x in tc if a < x < b]
                strides.append(TruthStride(start_s=a, end_s=b, toe_off_s=to[0] if to else None,
                                           direction=flipped(a, b)))
            sensors[sid] = SensorTruth(landings_s=ic, toe_offs_s=tc, strides=strides)
        else:
            stance_fwd = list(st.stance_s or [])
            stance = sorted((big_t - b, big_t - a) for a, b in stance_fwd)

            def flip(border: float, stance_fwd: list[tuple[float, float]] = stance_fwd) -> float:
                """A forward stride border is a stance start; reversed, that stance starts at
                big_t − its end."""
                if not stance_fwd:
                    return big_t - border
                a, b = min(stance_fwd, key=lambda ab: abs(ab[0] - border))
                return big_t - b if abs(a - border) < 0.02 else big_t - border

            strides = sorted(
                (TruthStride(start_s=flip(s.end_s), end_s=flip(s.start_s),
                             direction="forward" if s.direction == "backward" else "backward",
                             stride_length_m=s.stride_length_m) for s in st.strides),
                key=lambda s: s.start_s)
            sensors[sid] = SensorTruth(stance_s=stance, strides=strides)
    return GroundTruth(
        recording=name, origin="time-reversed-dataset",
        method=f"time reversal of: {truth.method}; ic' = T - tc, tc' = T - ic; strike classes "
        "dropped (a reversed rearfoot landing is not a measured backward landing)",
        timing_reference=truth.timing_reference, sensors=sensors,
        notes=f"T = {big_t:.6f} s. Kinematic proxy only: impacts appear at the wrong end of "
        "stance (see docs/pipeline.md)",
    )


def to_json(summaries: dict[str, dict[str, float | int | None]]) -> str:
    def clean(v: float | int | None) -> float | int | None:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    return json.dumps({k: {kk: clean(vv) for kk, vv in s.items()} for k, s in summaries.items()},
                      indent=1)
