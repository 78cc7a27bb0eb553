"""The session summary as terminal text: :func:`format_summary` and the warnings worth a
runner's eye (:func:`summary_warnings`)."""

from __future__ import annotations

import math

from retrogait.errors import printable
from retrogait.insights.summary_model import SessionSummary


def _fmt_pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def _fmt(x: float | None, fmt: str, scale: float = 1.0) -> str:
    return "-" if x is None else format(x * scale, fmt)


IN_PLACE_WARN_SHARE = 0.5
"""Share of in-place strides (of at least :data:`IN_PLACE_WARN_MIN` certain ones) above which a
session is suspicious: running moves the foot about a metre per stride, so a session that is
mostly "in place" is either stepping on the spot or a sensor whose declared mounting does not
match how it sits on the foot (the toe axis then points sideways or up)"""
IN_PLACE_WARN_MIN = 10


def summary_warnings(s: SessionSummary) -> list[str]:
    """Things the numbers of a session say a user should check, one line each."""
    out = []
    certain = s.backward.strides + s.forward.strides + s.in_place.strides
    if certain >= IN_PLACE_WARN_MIN and s.in_place.strides > IN_PLACE_WARN_SHARE * certain:
        out.append(
            f"{s.in_place.strides} of {certain} strides were in place (no forward or backward "
            "travel): unless the athlete stepped on the spot, the sensor mounting (toe_axis / "
            "up_axis) is probably wrong"
        )
    return out


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = max(0.0, seconds)
    h, rem = divmod(round(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_summary(s: SessionSummary) -> str:
    """A compact multi-line text for the terminal."""
    b, f = s.backward, s.forward
    lines = [
        printable(f"session {s.session_id}" + (f" ({s.athlete})" if s.athlete else "")),
        f"  duration        {format_duration(s.duration_s)}   strides {s.strides_total}"
        f"   backward share {_fmt_pct(s.backward_share)}",
        f"  backward        {b.distance_m:7.0f} m in {format_duration(b.time_s)}"
        f"   ({b.strides} strides)",
        f"  forward         {f.distance_m:7.0f} m in {format_duration(f.time_s)}"
        f"   ({f.strides} strides)",
        f"  cadence         median {_fmt(s.all.cadence_spm.median, '.0f')} steps/min"
        f"   (backward {_fmt(s.backward_metrics.cadence_spm.median, '.0f')})",
    ]
    fs, fb = s.foot_strike, s.foot_strike_backward
    lines.append(
        f"  foot strike     forefoot {_fmt_pct(fs.forefoot)}, midfoot {_fmt_pct(fs.midfoot)},"
        f" rearfoot {_fmt_pct(fs.rearfoot)}   (backward strides: forefoot"
        f" {_fmt_pct(fb.forefoot)})"
    )
    bm = s.backward_metrics
    lines.append(
        f"  backward stride contact {_fmt(bm.contact_time_s.median, '.0f', 1000)} ms,"
        f" length {_fmt(bm.stride_length_m.median, '.2f')} m,"
        f" speed {_fmt(bm.speed_m_s.median, '.2f')} m/s"
    )
    if s.left_right is not None:
        lr = s.left_right
        lines.append(
            f"  left/right      contact {_fmt(lr.left.metrics.contact_time_s.median, '.0f', 1000)}"
            f" / {_fmt(lr.right.metrics.contact_time_s.median, '.0f', 1000)} ms,"
            f" stride {_fmt(lr.left.metrics.stride_length_m.median, '.2f')}"
            f" / {_fmt(lr.right.metrics.stride_length_m.median, '.2f')} m"
            + (f", step time left {lr.step_time_left_pct:.1f} %"
               if lr.step_time_left_pct is not None else "")
        )
    e = s.energy
    if e.backward_distance_m > 0:
        kcal = (
            f" = {e.net_kcal_low:.0f}-{e.net_kcal_high:.0f} kcal"
            if e.net_kcal_low is not None and e.net_kcal_high is not None else ""
        )
        lines.append(
            f"  energy (net)    backward {e.net_kcal_per_kg_low:.3g}-{e.net_kcal_per_kg_high:.3g}"
            f" kcal/kg{kcal} (ACSM x {e.cost_ratio_low:.2f}-{e.cost_ratio_high:.2f},"
            " see docs/insights.md)"
        )
    q = s.quality
    lines.append(
        f"  data quality    {q.gaps} gaps ({q.gap_time_s:.1f} s), {q.lost_packets} lost packets,"
        f" {q.uncertain_strides} uncertain strides, {q.decode_errors} decode errors"
    )
    lines.extend(f"  ! {n}" for n in s.notes)
    return "\n".join(lines)
