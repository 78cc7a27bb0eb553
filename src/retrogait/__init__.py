"""retrogait: a real-time gait monitor for backward (retro) running from BLE foot IMUs.

Data flow (one home per stage)::

    sources/    BLE or recording replay  -> Notification / DecodedSamples records
    decoders/   firmware-profile decoders -> SampleBlock (SI units, sensor clock)
    timing/     sensor clock -> recording time base, gap detection
    pipeline/   per-sensor gait pipeline  -> landing / stride / activity events
    fusion/     cross-sensor fusion       -> steps, flight time, cadence, balance
    sinks/      console, JSON Lines file, MQTT

The Python API (``docs/api.md``) is what ``__all__`` lists: :func:`analyze` a recording or arrays
and get an :class:`Analysis` with the events, the session summary and DataFrames. It is imported
on first use, so ``import retrogait`` stays light for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from retrogait.api import Analysis, FootData, TableKind, analyze
    from retrogait.errors import RetrogaitError
    from retrogait.events import Event, LandingEvent, StepEvent, StrideEvent
    from retrogait.insights.summary import SessionSummary

__all__ = [
    "Analysis",
    "Event",
    "FootData",
    "LandingEvent",
    "RetrogaitError",
    "SessionSummary",
    "StepEvent",
    "StrideEvent",
    "TableKind",
    "__version__",
    "analyze",
]

_HOMES = {
    "Analysis": "retrogait.api", "FootData": "retrogait.api", "TableKind": "retrogait.api",
    "analyze": "retrogait.api", "RetrogaitError": "retrogait.errors",
    "Event": "retrogait.events", "LandingEvent": "retrogait.events",
    "StepEvent": "retrogait.events", "StrideEvent": "retrogait.events",
    "SessionSummary": "retrogait.insights.summary",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'retrogait' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
