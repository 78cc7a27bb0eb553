"""Ground truth from the JSON sidecars of lab datasets (``truth_times_s``), for ``import-csv``."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from retrogait.truth import GroundTruth, SensorTruth, TruthStride

if TYPE_CHECKING:
    from retrogait.recording.csv_import import CsvSensor


def _sensor_truth(side: dict[str, object]) -> tuple[SensorTruth, str] | None:
    times = side.get("truth_times_s")
    if not isinstance(times, dict):
        return None
    direction = side.get("direction", "forward")
    if direction not in ("forward", "backward"):
        direction = "forward"
    ic = sorted(float(x) for x in times.get("ic", []))
    tc = sorted(float(x) for x in times.get("tc", []))
    if ic:
        strides = []
        for a, b in itertools.pairwise(ic):
            if b - a > 2.5:  # a pause or turn, not a stride
                continue
            to = [x for x in tc if a < x < b]
            strides.append(
                TruthStride(start_s=a, end_s=b, toe_off_s=to[0] if to else None,
                            direction=direction)
            )
        strike = side.get("foot_strike")
        strikes = [strike] * len(ic) if strike in ("forefoot", "midfoot", "rearfoot") else None
        # per-landing references (same order as the unsorted ic list), when the dataset has them
        raw_ic = [float(x) for x in times.get("ic", [])]
        order = sorted(range(len(raw_ic)), key=lambda i: raw_ic[i])
        classes = side.get("strike_class")
        if isinstance(classes, list) and len(classes) == len(raw_ic) and all(
                c in ("forefoot", "midfoot", "rearfoot") for c in classes):
            strikes = [classes[i] for i in order]
        angles = side.get("strike_angle_deg")
        strike_angles = None
        if isinstance(angles, list) and len(angles) == len(raw_ic):
            strike_angles = [float(angles[i]) for i in order]
        return SensorTruth(landings_s=ic, toe_offs_s=tc, strides=strides,
                           foot_strikes=strikes, strike_angles_deg=strike_angles), "landing"
    zs = [float(x) for x in times.get("zv_start", [])]
    ze = [float(x) for x in times.get("zv_end", [])]
    ss = [float(x) for x in times.get("stride_start", [])]
    se = [float(x) for x in times.get("stride_end", [])]
    if zs and len(zs) == len(ze):
        strides = [
            TruthStride(start_s=a, end_s=b, direction=direction)
            for a, b in zip(ss, se, strict=False)
        ]
        return SensorTruth(stance_s=list(zip(zs, ze, strict=True)), strides=strides), "stance"
    return None


def truth_from_sidecars(sensors: list[CsvSensor], recording_name: str) -> GroundTruth | None:
    out: dict[str, SensorTruth] = {}
    refs = set()
    methods = []
    for s in sensors:
        res = _sensor_truth(s.sidecar)
        if res is None:
            continue
        out[s.sensor_id], ref = res
        refs.add(ref)
        methods.append(str(s.sidecar.get("ground_truth_method", "")))
    if not out:
        return None
    return GroundTruth(
        recording=recording_name,
        origin="dataset",
        method=" | ".join(m for m in methods if m) or "from the dataset's sidecar",
        timing_reference="stance" if "stance" in refs else "landing",
        sensors=out,
        notes="times converted unchanged from the sidecar's truth_times_s (CSV t base)",
    )
