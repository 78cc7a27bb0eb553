"""CSV exports: one row per stride, and the session summary as one flat row.

Parquet is not offered: it would need pyarrow (a large dependency) for files a spreadsheet or
``pandas.read_csv`` reads just as well.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from retrogait.events import StrideEvent
from retrogait.insights.summary import SessionSummary
from retrogait.outfiles import open_atomic

STRIDE_COLUMNS: list[str] = [
    name for name in StrideEvent.model_fields if name != "kind"
]
"""Stride CSV columns: the :class:`StrideEvent` fields (units in the field names / docs)."""


def write_strides_csv(strides: Iterable[StrideEvent], path: str | Path) -> int:
    """Write one row per stride (atomically: :mod:`retrogait.outfiles`); returns the number of
    rows."""
    n = 0
    with open_atomic(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(STRIDE_COLUMNS)
        for s in strides:
            row = s.model_dump()
            w.writerow([_cell(row[c]) for c in STRIDE_COLUMNS])
            n += 1
    return n


def _cell(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return repr(v)  # shortest round-trip form
    return "" if v is None else v


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(f"{prefix}.{k}" if prefix else k, v)
    elif isinstance(value, list) and all(not isinstance(x, dict | list) for x in value):
        yield prefix, "; ".join(str(x) for x in value)
    elif isinstance(value, list):
        return  # the time course: see summary JSON
    else:
        yield prefix, value


def summary_row(summary: SessionSummary) -> dict[str, Any]:
    """The summary flattened to dotted column names (``backward.distance_m``, ...), without the
    per-bin time course; ``left_right.*`` columns are empty for one-foot sessions."""
    data = summary.model_dump(mode="json", by_alias=True, exclude={"bins"})
    if data.get("left_right") is None:
        data["left_right"] = {}
    return dict(_flatten("", data))


def write_summary_csv(summary: SessionSummary, path: str | Path) -> list[str]:
    """Header row + one value row; returns the column names."""
    row = summary_row(summary)
    with open_atomic(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(list(row))
        w.writerow([_cell(v) for v in row.values()])
    return list(row)
