"""What every source yields, and the source interface shared by BLE acquisition and replay.

Times ``t`` are seconds on the recording's time base: the host's monotonic clock at arrival,
counted from the start of the session (replay keeps the recorded values).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

ConnectionKind = Literal["connected", "disconnected", "reconnected", "failed", "gave_up"]


@dataclass(frozen=True, slots=True)
class Notification:
    """Raw bytes of one BLE notification, stamped with its host arrival time (s)."""

    t: float
    sensor: str
    char: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class DecodedSamples:
    """Samples decoded elsewhere (CSV import): t_sensor s, acc m/s², gyr deg/s, sensor frame."""

    t: float
    sensor: str
    t_sensor: NDArray[np.float64]
    acc: NDArray[np.float64]
    gyr: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ConnectionChange:
    t: float
    sensor: str
    event: ConnectionKind
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Marker:
    """A user marker (lap, note) at time ``t``."""

    t: float
    label: str


SourceItem = Notification | DecodedSamples | ConnectionChange | Marker


class Source(ABC):
    """An asynchronous stream of :data:`SourceItem` in time order.

    ``sensors`` describes the sensors (id, profile, placement, mounting); for a recording it is
    the header's list, for BLE the configured devices.
    """

    @property
    @abstractmethod
    def sensors(self) -> list[SensorInfo]: ...

    @abstractmethod
    def __aiter__(self) -> AsyncIterator[SourceItem]: ...

    async def batches(self) -> AsyncIterator[list[SourceItem]]:
        """The items in the groups they become ready in, each group in time order. A live source
        yields everything that is queued when its consumer wakes up (one wake-up, one group);
        the default is one item per group."""
        async for item in self:
            yield [item]

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release resources (disconnect, close files)."""


from retrogait.recording.format import SensorInfo  # noqa: E402  (model lives with the format)
