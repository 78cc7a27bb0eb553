"""Foot-strike classes from the foot-strike angle (foot pitch at initial contact vs. flat foot).

Sign convention (Forrester & Townend 2015): positive = heel lower than toes (rearfoot),
negative = toes lower (forefoot). Thresholds are the ROC-optimal cut-offs of Mo, Huang, Ng &
Cheung (Res Sports Med, 43 runners, against the strike index): forefoot below −0.8°, rearfoot
above +7.4°, midfoot in between. Source and caveats (forward running only; no published
backward-running distribution): ``docs/references.md`` [MO2021].
"""

from __future__ import annotations

from retrogait.events import FootStrike

FOREFOOT_BELOW_DEG = -0.8
REARFOOT_ABOVE_DEG = 7.4


def classify_strike(angle_deg: float) -> FootStrike:
    """forefoot / midfoot / rearfoot for a foot-strike angle in degrees."""
    if angle_deg < FOREFOOT_BELOW_DEG:
        return "forefoot"
    if angle_deg > REARFOOT_ABOVE_DEG:
        return "rearfoot"
    return "midfoot"
