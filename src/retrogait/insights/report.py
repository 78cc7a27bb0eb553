"""Session report: PNG figures (matplotlib, Agg) and one self-contained HTML file.

The HTML embeds every figure as a ``data:image/png;base64`` URI and uses no external resource,
so it opens offline and can be mailed to a coach. Needs ``pip install retrogait[report]``.

Figures (each ``FIG_W_PX`` x ``FIG_H_PX`` pixels, except the example strides):

- ``cadence.png``: every stride's cadence over time, by direction, with a running median;
- ``direction.png``: the stride direction timeline per sensor, with data gaps and uncertain strides;
- ``foot_strike.png``: the forefoot / midfoot / rearfoot mix per time bin;
- ``contact_stride.png``: contact time and stride length over time;
- ``left_right.png``: left vs right medians (with quartiles) when both feet were worn;
- ``example_strides.png``: a few strides' raw signals (foot frame) with the detected landing and
  toe-off marked and the reason for their direction and foot-strike class.

Over 400 lines: one small function per figure of the report page, and the page's HTML, which
change together.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from retrogait import __version__
from retrogait.errors import ConfigError
from retrogait.events import GapEvent, StrideEvent
from retrogait.insights.summary_model import SessionSummary, Stat
from retrogait.insights.summary_text import format_duration
from retrogait.outfiles import check_output, open_atomic, os_error

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from retrogait.insights.recording import FootSignals

FIG_W_PX, FIG_H_PX = 1200, 480
EXAMPLE_H_PX = 720
DPI = 100
DIRECTION_COLORS = {"backward": "#1f5fbf", "forward": "#e08a1e", "in_place": "#8c8c8c"}
STRIKE_COLORS = {"forefoot": "#2a9d8f", "midfoot": "#e9c46a", "rearfoot": "#e76f51"}
SIDE_COLORS = {"left": "#6a4c93", "right": "#1982c4"}


def _mpl() -> Any:
    """matplotlib with the Agg backend, imported only when a report is made."""
    try:
        import matplotlib
    except ImportError:
        raise ConfigError(
            "reports need matplotlib: pip install 'retrogait[report]'"
        ) from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


@dataclass
class Figure_:
    """One rendered figure: file name, caption and PNG bytes."""

    name: str
    title: str
    caption: str
    png: bytes


# --------------------------------------------------------------------------------------------
# helpers


def _time_axis(t_s: np.ndarray, duration_s: float) -> tuple[np.ndarray, str]:
    if duration_s > 180:
        return t_s / 60.0, "time, min"
    return t_s, "time, s"


def _running_median(values: np.ndarray, n: int) -> np.ndarray:
    if len(values) == 0:
        return values
    half = max(1, n // 2)
    return np.array(
        [np.median(values[max(0, i - half): i + half + 1]) for i in range(len(values))]
    )


def _broken(x: np.ndarray, y: np.ndarray, t: np.ndarray, pause_s: float = 3.0) -> tuple[
        np.ndarray, np.ndarray]:
    """Insert NaN between strides more than ``pause_s`` apart so lines do not bridge pauses."""
    cut = np.nonzero(np.diff(t) > pause_s)[0] + 1
    return (np.insert(x.astype(float), cut, np.nan), np.insert(y.astype(float), cut, np.nan))


def _bin_width(duration_s: float) -> float:
    """A readable bin: 60 s when the session is long enough, finer for short sessions."""
    for width in (60.0, 30.0, 15.0, 10.0, 5.0):
        if duration_s / width >= 8:
            return width
    return 5.0


def _new_fig(plt: Any, h_px: int = FIG_H_PX, rows: int = 1, cols: int = 1, **kw: Any) -> Any:
    return plt.subplots(rows, cols, figsize=(FIG_W_PX / DPI, h_px / DPI), dpi=DPI,
                        layout="constrained", **kw)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)  # no bbox_inches: keep the exact pixel size
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=13,
            color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


def _certain(strides: Sequence[StrideEvent]) -> list[StrideEvent]:
    return [s for s in strides if not s.uncertain]


# --------------------------------------------------------------------------------------------
# figures


def fig_cadence(summary: SessionSummary, strides: Sequence[StrideEvent]) -> Figure_:
    plt = _mpl()
    fig, ax = _new_fig(plt)
    ok = sorted(_certain(strides), key=lambda s: s.t_s)
    if ok:
        t = np.array([s.t_s for s in ok])
        cad = np.array([s.cadence_spm for s in ok])
        x, xlabel = _time_axis(t, summary.duration_s)
        for d, color in DIRECTION_COLORS.items():
            m = np.array([s.direction == d for s in ok])
            if m.any():
                ax.scatter(x[m], cad[m], s=10, color=color, alpha=0.55, label=f"{d} stride")
        ax.plot(*_broken(x, _running_median(cad, 15), t), color="black", lw=1.8,
                label="running median (15 strides)")
        med = summary.all.cadence_spm.median
        if med is not None:
            ax.axhline(med, color="black", ls=":", lw=1, label=f"session median {med:.0f}")
        lo, hi = np.percentile(cad, [1, 99])
        ax.set_ylim(max(0, lo - 15), hi + 15)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("cadence, steps/min")
        ax.legend(loc="lower right", fontsize=9, ncol=2)
        ax.grid(alpha=0.3)
    elif summary.bins:
        x = np.array([b.start_s + b.width_s / 2 for b in summary.bins if b.cadence_spm])
        y = np.array([b.cadence_spm for b in summary.bins if b.cadence_spm])
        ax.plot(x / 60, y, "o-", color="black")
        ax.set_xlabel("time, min")
        ax.set_ylabel("median cadence, steps/min")
        ax.grid(alpha=0.3)
    else:
        _no_data(ax, "no strides detected")
    ax.set_title("Cadence over time (each stride: 2 steps / stride time)")
    return Figure_("cadence.png", "Cadence over time",
                   "Each dot is one stride's cadence, coloured by its direction; the black line "
                   "is the running median.", _png(fig))


def fig_direction(
    summary: SessionSummary, strides: Sequence[StrideEvent], gaps: Sequence[GapEvent]
) -> Figure_:
    plt = _mpl()
    from matplotlib.patches import Patch

    fig, ax = _new_fig(plt, h_px=FIG_H_PX)
    sensors = sorted({s.sensor for s in strides} | {g.sensor for g in gaps}) or summary.sensors
    long = summary.duration_s > 180
    scale = 60.0 if long else 1.0
    if strides:
        for row, sensor in enumerate(sensors):
            mine = [s for s in strides if s.sensor == sensor]
            for d, color in DIRECTION_COLORS.items():
                spans = [((s.start_s) / scale, (s.end_s - s.start_s) / scale)
                         for s in mine if s.direction == d and not s.uncertain]
                if spans:
                    ax.broken_barh(spans, (row - 0.35, 0.7), facecolors=color, edgecolor="white",
                                   linewidth=0.3)
            unc = [(s.start_s / scale, (s.end_s - s.start_s) / scale) for s in mine
                   if s.uncertain]
            if unc:
                ax.broken_barh(unc, (row - 0.35, 0.7), facecolors="white", edgecolor="black",
                               hatch="///", linewidth=0.5)
            g = [(x.start_s / scale, max((x.end_s - x.start_s) / scale, 0.002))
                 for x in gaps if x.sensor == sensor]
            if g:
                ax.broken_barh(g, (row - 0.45, 0.9), facecolors="#d62828", alpha=0.8)
        ax.set_yticks(range(len(sensors)), sensors)
        ax.set_ylim(-0.7, len(sensors) - 0.3)
        ax.set_xlim(summary.start_s / scale, summary.end_s / scale)
        ax.set_xlabel("time, min" if long else "time, s")
        handles = [Patch(color=c, label=d) for d, c in DIRECTION_COLORS.items()]
        handles += [Patch(facecolor="white", edgecolor="black", hatch="///", label="uncertain"),
                    Patch(color="#d62828", label="data gap")]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=5,
                  fontsize=9, frameon=False)
    else:
        _no_data(ax, "no strides detected")
    share = summary.backward_share
    ax.set_title("Stride direction timeline" + (
        f" (backward share {share * 100:.0f} %)" if share is not None else ""))
    return Figure_("direction.png", "Stride direction timeline",
                   "One bar per stride and sensor, from landing to the next landing of the same "
                   "foot. Hatched: uncertain (spans a data gap); red: data gaps.", _png(fig))


def _bins_from_strides(
    strides: Sequence[StrideEvent], width: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    ok = _certain(strides)
    if not ok:
        return np.zeros(0), {}
    keys = sorted({math.floor(s.t_s / width) for s in ok})
    index = {k: i for i, k in enumerate(keys)}
    counts = {c: np.zeros(len(keys)) for c in STRIKE_COLORS}
    for s in ok:
        counts[s.foot_strike][index[math.floor(s.t_s / width)]] += 1
    return np.array(keys, dtype=float) * width, counts


def fig_foot_strike(summary: SessionSummary, strides: Sequence[StrideEvent]) -> Figure_:
    plt = _mpl()
    fig, ax = _new_fig(plt)
    if strides:
        width = _bin_width(summary.duration_s)
        starts, counts = _bins_from_strides(strides, width)
    else:
        width = summary.bin_s
        starts = np.array([b.start_s for b in summary.bins])
        counts = {c: np.array([getattr(b, c) for b in summary.bins], dtype=float)
                  for c in STRIKE_COLORS}
    if len(starts) and counts:
        total = np.sum(np.vstack(list(counts.values())), axis=0)
        total[total == 0] = 1
        long = width >= 60
        x = starts / 60.0 if long else starts
        w = (width / 60.0 if long else width) * 0.9
        bottom = np.zeros(len(starts))
        for c, color in STRIKE_COLORS.items():
            share = 100 * counts[c] / total
            ax.bar(x, share, width=w, bottom=bottom, color=color, align="edge", label=c)
            bottom += share
        ax.set_ylim(0, 100)
        ax.set_ylabel("share of landings, %")
        ax.set_xlabel("time, min" if long else "time, s")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
        fb = summary.foot_strike_backward
        extra = (f"; backward strides: forefoot {fb.forefoot * 100:.0f} %"
                 if fb.forefoot is not None else "")
        label = "minute" if width == 60 else f"{width:.0f} s"
        ax.set_title(f"Foot-strike mix per {label}{extra}")
    else:
        _no_data(ax, "no strides detected")
        ax.set_title("Foot-strike mix")
    return Figure_("foot_strike.png", "Foot-strike mix over time",
                   "Share of forefoot, midfoot and rearfoot landings among the strides closing "
                   "in each time bin (all directions).", _png(fig))


def fig_contact_stride(summary: SessionSummary, strides: Sequence[StrideEvent]) -> Figure_:
    plt = _mpl()
    fig, (a1, a2) = _new_fig(plt, rows=2, sharex=True)
    ok = sorted(_certain(strides), key=lambda s: s.t_s)
    if ok:
        t = np.array([s.t_s for s in ok])
        x, xlabel = _time_axis(t, summary.duration_s)
        ct = np.array([s.contact_time_s * 1000 for s in ok])
        sl = np.array([s.stride_length_m for s in ok])
        for d, color in DIRECTION_COLORS.items():
            m = np.array([s.direction == d for s in ok])
            if m.any():
                a1.scatter(x[m], ct[m], s=8, color=color, alpha=0.5, label=d)
                a2.scatter(x[m], sl[m], s=8, color=color, alpha=0.5, label=d)
        a1.plot(*_broken(x, _running_median(ct, 15), t), color="black", lw=1.5,
                label="running median")
        a2.plot(*_broken(x, _running_median(sl, 15), t), color="black", lw=1.5,
                label="running median")
        a1.set_ylabel("contact time, ms")
        a2.set_ylabel("stride length, m")
        a2.set_xlabel(xlabel)
        a1.legend(loc="upper right", fontsize=8, ncol=4)
        for a in (a1, a2):
            a.grid(alpha=0.3)
    else:
        _no_data(a1, "no strides detected")
        a2.set_visible(False)
    a1.set_title("Contact time and stride length over time")
    return Figure_("contact_stride.png", "Contact time and stride length",
                   "Contact time (landing to toe-off) and stride length (horizontal foot travel "
                   "from landing to the next landing of the same foot) per stride.", _png(fig))


def _side_label(side: str, sensor: str) -> str:
    return side if sensor == side else f"{side}\n({sensor})"


def fig_left_right(summary: SessionSummary) -> Figure_:
    plt = _mpl()
    lr = summary.left_right
    if lr is None:
        fig, ax = _new_fig(plt)
        _no_data(ax, "left/right comparison needs a sensor on each foot")
        ax.set_title("Left / right comparison")
    else:
        rows: list[tuple[str, str, float]] = [
            ("contact time, ms", "contact_time_s", 1000.0),
            ("stride length, m", "stride_length_m", 1.0),
            ("cadence, steps/min", "cadence_spm", 1.0),
            ("strike angle, deg", "strike_angle_deg", 1.0),
        ]
        fig, axes = _new_fig(plt, cols=len(rows))
        for ax, (label, key, k) in zip(axes, rows, strict=True):
            for i, side in enumerate(("left", "right")):
                st: Stat = getattr(getattr(lr, side).metrics, key)
                if st.median is None:
                    continue
                med = st.median * k
                err = [[med - (st.p25 or st.median) * k], [(st.p75 or st.median) * k - med]]
                ax.bar(i, med, color=SIDE_COLORS[side], yerr=err, capsize=6, width=0.6)
                text = f"{med:.2f}" if k == 1 and abs(med) < 10 else f"{med:.0f}"
                ax.text(i, med / 2, text, ha="center", va="center", fontsize=12,
                        color="white", fontweight="bold")
            ax.set_xticks([0, 1], [_side_label("left", lr.left.sensor),
                                   _side_label("right", lr.right.sensor)])
            ax.set_title(label, fontsize=11)
            ax.axhline(0, color="black", lw=0.6)
            ax.grid(axis="y", alpha=0.3)
        parts = []
        if lr.contact_time_asymmetry_pct is not None:
            parts.append(f"contact asymmetry {lr.contact_time_asymmetry_pct:+.1f} %")
        if lr.step_time_left_pct is not None:
            parts.append(f"left share of step time {lr.step_time_left_pct:.1f} %")
        fig.suptitle("Left / right medians (bars: quartiles)" + (
            " - " + ", ".join(parts) if parts else ""))
    return Figure_("left_right.png", "Left / right comparison",
                   "Median per foot over all certain strides; the whiskers span the 25th to the "
                   "75th percentile. Asymmetry = 100 (L - R) / mean(L, R).", _png(fig))


def pick_examples(strides: Sequence[StrideEvent], n: int = 3) -> list[StrideEvent]:
    """A few representative strides: a backward one, a forward one, and other strike classes,
    each from the middle of the session (clear of warm-up transients)."""
    ok = sorted(_certain(strides), key=lambda s: s.t_s)
    if not ok:
        return []
    chosen: list[StrideEvent] = []

    def middle(cands: list[StrideEvent]) -> StrideEvent | None:
        cands = [c for c in cands if c not in chosen]
        return cands[len(cands) // 2] if cands else None

    for d in ("backward", "forward"):
        c = middle([s for s in ok if s.direction == d])
        if c is not None:
            chosen.append(c)
    for strike in ("forefoot", "rearfoot", "midfoot"):
        if len(chosen) >= n:
            break
        if not any(c.foot_strike == strike for c in chosen):
            c = middle([s for s in ok if s.foot_strike == strike])
            if c is not None:
                chosen.append(c)
    while len(chosen) < min(n, len(ok)):
        c = middle(ok)
        if c is None:
            break
        chosen.append(c)
    return chosen[:n]


def _pitch_deg(sig: FootSignals, t0: float, t1: float, t_ref: float) -> tuple[np.ndarray,
                                                                                np.ndarray]:
    """Foot pitch (deg, + = toes up) from integrating the foot-frame y rate, zero at ``t_ref``
    (mid-stance, foot flat). Rotation about +y (left) tilts the toes down, hence the sign."""
    m = (sig.t >= t0) & (sig.t <= t1)
    t = sig.t[m]
    if len(t) < 2:
        return t, np.zeros(len(t))
    rate = sig.gyr[m, 1]
    ang = np.concatenate([[0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(t))])
    ang -= np.interp(t_ref, t, ang)
    return t, -ang


def fig_examples(
    strides: Sequence[StrideEvent], signals: dict[str, FootSignals]
) -> Figure_:
    plt = _mpl()
    examples = [s for s in pick_examples(strides) if s.sensor in signals]
    cols = max(1, len(examples))
    fig, axes = _new_fig(plt, h_px=EXAMPLE_H_PX, rows=3, cols=cols, squeeze=False)
    if not examples:
        for ax in axes.ravel():
            ax.set_visible(False)
        axes[0, 0].set_visible(True)
        _no_data(axes[0, 0], "no strides (or no raw samples) to show")
    for col, s in enumerate(examples):
        sig = signals[s.sensor]
        pad = 0.25 * (s.end_s - s.start_s)
        t0, t1 = s.start_s - pad, s.end_s + pad
        m = (sig.t >= t0) & (sig.t <= t1)
        tt = sig.t[m] - s.start_s
        a_rate, a_pitch, a_acc = axes[0, col], axes[1, col], axes[2, col]
        a_rate.plot(tt, sig.gyr[m, 1], color="#333333", lw=1)
        if m.any():  # head room for the explanation box
            lo_r, hi_r = float(sig.gyr[m, 1].min()), float(sig.gyr[m, 1].max())
            a_rate.set_ylim(lo_r - 0.05 * (hi_r - lo_r), hi_r + 0.9 * (hi_r - lo_r))
        a_rate.set_ylabel("pitch rate (foot y), deg/s" if col == 0 else "")
        tp, pitch = _pitch_deg(sig, t0, t1, 0.5 * (s.start_s + s.toe_off_s))
        a_pitch.plot(tp - s.start_s, pitch, color="#6a4c93", lw=1.5)
        a_pitch.axhline(0, color="black", lw=0.5)
        a_pitch.set_ylabel("foot pitch, deg\n(+ toes up, 0 mid-stance)" if col == 0 else "")
        a_acc.plot(tt, sig.acc[m, 0], color=DIRECTION_COLORS["backward"], lw=1,
                   label="toe axis (x)")
        a_acc.plot(tt, sig.acc[m, 2], color="#999999", lw=1, label="up axis (z)")
        a_acc.set_ylabel("acceleration, m/s²" if col == 0 else "")
        a_acc.set_xlabel("time from landing, s")
        if col == 0:
            a_acc.legend(fontsize=8, loc="upper right")
        for ax in (a_rate, a_pitch, a_acc):
            ax.axvspan(0, s.toe_off_s - s.start_s, color="#2a9d8f", alpha=0.12)
            for tv, style in ((0.0, "-"), (s.toe_off_s - s.start_s, "--"),
                              (s.end_s - s.start_s, "-")):
                ax.axvline(tv, color="black", ls=style, lw=1)
            ax.grid(alpha=0.3)
        a_pitch.plot([0], [s.strike_angle_deg], "o", color="#d62828", ms=7,
                     label=f"strike angle {s.strike_angle_deg:+.0f}°")
        a_pitch.legend(fontsize=8, loc="lower right")
        toward = "heel" if s.displacement_toe_m < 0 else "toes"
        lower = "toes" if s.strike_angle_deg < 0 else "heel"
        a_rate.set_title(
            f"{s.sensor} at {s.start_s:.1f} s: {s.direction.upper()} · {s.foot_strike.upper()}",
            fontsize=11, fontweight="bold",
        )
        a_rate.text(
            0.02, 0.97,
            f"travel {s.displacement_toe_m:+.2f} m along toe axis (toward {toward})\n"
            f"pitch at landing {s.strike_angle_deg:+.0f}° ({lower} lower)\n"
            f"contact {s.contact_time_s * 1000:.0f} ms",
            transform=a_rate.transAxes, va="top", ha="left", fontsize=8.5,
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85, "edgecolor": "#ccc"},
        )
    fig.suptitle("Example strides: landing (solid line), toe-off (dashed), next landing (solid); "
                 "shaded = ground contact", fontsize=11)
    return Figure_(
        "example_strides.png", "Example strides and why they were classified so",
        "Raw signals of a few strides in the foot frame (x toward the toes, z up). Direction comes "
        "from the sign of the foot's travel along the toe axis between two landings (negative = "
        "toward the heel = backward); the foot-strike class from the foot pitch at landing "
        "(negative = toes lower than heel = forefoot). The pitch trace here is the integrated "
        "y rate with the nominal mounting, for illustration; the pipeline's own estimate is the "
        "red dot.",
        _png(fig),
    )


# --------------------------------------------------------------------------------------------
# the report


def make_figures(
    summary: SessionSummary,
    strides: Sequence[StrideEvent] = (),
    gaps: Sequence[GapEvent] = (),
    recording: str | Path | None = None,
) -> list[Figure_]:
    """All report figures; the example strides need the recording's raw samples."""
    figs = [
        fig_cadence(summary, strides),
        fig_direction(summary, strides, gaps),
        fig_foot_strike(summary, strides),
        fig_contact_stride(summary, strides),
        fig_left_right(summary),
    ]
    signals: dict[str, FootSignals] = {}
    examples = pick_examples(strides)
    if recording is not None and examples:
        from retrogait.insights.recording import read_foot_signals

        for sensor in sorted({s.sensor for s in examples}):
            windows = [(s.start_s - 0.5 * (s.end_s - s.start_s), s.end_s + 0.5 *
                        (s.end_s - s.start_s)) for s in examples if s.sensor == sensor]
            signals[sensor] = read_foot_signals(recording, sensor, windows)
    figs.append(fig_examples(strides, signals))
    return figs


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:1240px;color:#222;padding:0 1em}
h1{margin-bottom:.2em} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:1em 0} td,th{padding:.3em .8em;border-bottom:1px solid #ddd;
text-align:left} th{background:#f4f4f4}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}
.card{background:#f6f8fb;border-radius:8px;padding:.7em 1em;min-width:150px}
.card b{display:block;font-size:1.5em} .card span{color:#555;font-size:.9em}
figure{margin:1.5em 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:.92em} .note{background:#fff4e5;padding:.5em 1em;border-radius:6px}
.small{font-size:.85em;color:#555}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _fmt(value: float | None, fmt: str, scale: float = 1.0, unit: str = "") -> str:
    return "–" if value is None else f"{format(value * scale, fmt)}{unit}"


def render_html(summary: SessionSummary, figures: Sequence[Figure_]) -> str:
    """The self-contained HTML page (figures embedded as data URIs)."""
    s = summary
    bm = s.backward_metrics
    cards = [
        ("duration", format_duration(s.duration_s)),
        ("backward", f"{s.backward.distance_m:.0f} m · {format_duration(s.backward.time_s)}"),
        ("forward", f"{s.forward.distance_m:.0f} m · {format_duration(s.forward.time_s)}"),
        ("backward share of strides", _fmt(s.backward_share, ".0f", 100, " %")),
        ("median cadence", _fmt(s.all.cadence_spm.median, ".0f", 1, " steps/min")),
        ("forefoot landings (backward)", _fmt(s.foot_strike_backward.forefoot, ".0f", 100, " %")),
    ]
    rows = []
    for label, key, k, fmt, unit in (
        ("cadence", "cadence_spm", 1, ".0f", " steps/min"),
        ("contact time", "contact_time_s", 1000, ".0f", " ms"),
        ("stride length", "stride_length_m", 1, ".2f", " m"),
        ("speed", "speed_m_s", 1, ".2f", " m/s"),
        ("strike angle", "strike_angle_deg", 1, "+.1f", "°"),
    ):
        cells = []
        for metrics in (s.all, bm, s.forward_metrics):
            st: Stat = getattr(metrics, key)
            cells.append(
                f"{_fmt(st.median, fmt, k, unit)} <span class=small>"
                f"({_fmt(st.p25, fmt, k)} to {_fmt(st.p75, fmt, k)})</span>"
            )
        rows.append(f"<tr><td>{label}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    fs = [s.foot_strike, s.foot_strike_backward]
    strike_rows = "".join(
        f"<tr><td>{name}</td>" + "".join(
            f"<td>{_fmt(getattr(x, name), '.0f', 100, ' %')}</td>" for x in fs) + "</tr>"
        for name in ("forefoot", "midfoot", "rearfoot")
    )
    q = s.quality
    e = s.energy
    kcal = (f"; {e.net_kcal_low:.0f}–{e.net_kcal_high:.0f} kcal for {e.body_mass_kg:.0f} kg"
            if e.net_kcal_low is not None and e.net_kcal_high is not None
            and e.body_mass_kg is not None else "")
    notes = "".join(f"<p class=note>⚠ {_e(n)}</p>" for n in s.notes)
    trunk = ""
    if s.trunk_bouts:
        trunk_rows = "".join(
            f"<tr><td>{_e(b.sensor)}</td><td>{b.start_s:.0f}–{b.end_s:.0f} s</td>"
            f"<td>{_e(b.direction)}</td><td>{b.steps}</td><td>{b.cadence_spm:.0f}</td>"
            f"<td>{b.lean_deg:+.1f}° ({b.lean_min_deg:+.0f}…{b.lean_max_deg:+.0f})</td>"
            f"<td>{b.vertical_oscillation_cm:.1f} cm</td><td>{b.contact_time_s * 1000:.0f} ms"
            "</td></tr>" for b in s.trunk_bouts)
        trunk = (
            "<h2>Trunk: lean per bout</h2><table><tr><th>sensor</th><th>time</th>"
            "<th>direction</th><th>steps</th><th>cadence</th><th>lean (step range)</th>"
            "<th>vertical oscillation</th><th>contact (estimate)</th></tr>"
            f"{trunk_rows}</table><p class=small>Lean: + forward, − backward, from the upright "
            f"posture at the session start. Lean-back alerts: {s.posture_alerts}.</p>")
    figs = "".join(
        f'<figure><h2>{_e(f.title)}</h2><img alt="{_e(f.title)}" src="data:image/png;base64,'
        f'{base64.b64encode(f.png).decode("ascii")}"><figcaption>{_e(f.caption)}</figcaption>'
        "</figure>"
        for f in figures
    )
    started = s.started_at.strftime("%Y-%m-%d %H:%M %Z") if s.started_at else "unknown start"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>retrogait session {_e(s.session_id)}</title><style>{_CSS}</style></head>
<body>
<h1>Session report{(" – " + _e(s.athlete)) if s.athlete else ""}</h1>
<p class=sub>{_e(started)} · session {_e(s.session_id)} · sensors {_e(", ".join(s.sensors))}
{(" · recording " + _e(Path(s.recording).name)) if s.recording else ""}</p>
{notes}
<div class=cards>{"".join(f"<div class=card><b>{_e(v)}</b><span>{_e(k)}</span></div>"
                          for k, v in cards)}</div>
<h2>Strides</h2>
<table><tr><th>median (quartiles)</th><th>all strides</th><th>backward</th><th>forward</th></tr>
{"".join(rows)}</table>
<p class=small>{s.strides_total} strides in all ({s.backward.strides} backward,
{s.forward.strides} forward, {s.in_place.strides} in place, {q.uncertain_strides} uncertain).
Uncertain strides (spanning a data gap) are left out of every figure but this count.</p>
{trunk}
<h2>Foot strike</h2>
<table><tr><th>landing</th><th>all strides</th><th>backward strides</th></tr>{strike_rows}</table>
<h2>Energy (estimate)</h2>
<p>Backward running: net <b>{e.net_kcal_per_kg_low:.2f}–{e.net_kcal_per_kg_high:.2f} kcal per kg
</b> body mass{_e(kcal)} for {e.backward_distance_m:.0f} m (the same distance forward:
{e.forward_equivalent_kcal_per_kg:.2f} kcal/kg).</p>
<p class=small>Method: {_e(e.method)}<br>Source: {_e(e.source)}</p>
<h2>Data quality</h2>
<table><tr><th>gaps</th><th>gap time</th><th>lost packets</th><th>uncertain strides</th>
<th>decode errors</th><th>disconnects</th></tr>
<tr><td>{q.gaps}</td><td>{q.gap_time_s:.1f} s</td><td>{q.lost_packets}</td>
<td>{q.uncertain_strides}</td><td>{q.decode_errors}</td><td>{q.disconnects}</td></tr></table>
{figs}
<p class=small>retrogait {_e(__version__)} · this file is self-contained (no network needed).</p>
</body></html>
"""


@dataclass
class ReportResult:
    html: Path
    pngs: list[Path]


def write_report(
    out_dir: str | Path,
    summary: SessionSummary,
    strides: Sequence[StrideEvent] = (),
    gaps: Sequence[GapEvent] = (),
    recording: str | Path | None = None,
) -> ReportResult:
    """Write ``report.html`` and the PNGs into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a folder; give a folder for the report")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(out, exc, "cannot create the folder") from None
    figures = make_figures(summary, strides, gaps, recording)
    inputs = [recording] if recording is not None else []
    pngs = []
    page = out / "report.html"
    for p in [out / f.name for f in figures] + [page]:
        check_output(p, inputs, "report")
    for f in figures:
        p = out / f.name
        with open_atomic(p, "wb") as fh:
            fh.write(f.png)
        pngs.append(p)
    with open_atomic(page, "w", encoding="utf-8") as fh:
        fh.write(render_html(summary, figures))
    return ReportResult(page, pngs)
