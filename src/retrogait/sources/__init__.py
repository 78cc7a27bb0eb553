"""Sources: where notifications come from (BLE acquisition, recording replay)."""

from retrogait.sources.base import (
    ConnectionChange,
    DecodedSamples,
    Marker,
    Notification,
    Source,
    SourceItem,
)

__all__ = [
    "ConnectionChange",
    "DecodedSamples",
    "Marker",
    "Notification",
    "Source",
    "SourceItem",
]
