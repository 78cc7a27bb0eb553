"""Decoder interface: notification payload bytes -> samples in SI units on the sensor clock.

A decoder instance holds the state of one sensor's stream (packet reassembly, delta frames,
clock wrap-around, packet counters). ``decode`` is pure apart from that state, never blocks,
and raises :class:`~retrogait.errors.DecodeError` for a payload it cannot read: the caller
counts the error and goes on with the next notification.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from retrogait.errors import DecodeError

FloatArray = NDArray[np.float64]

STANDARD_GRAVITY = 9.80665  # m/s² per g


@dataclass(frozen=True, slots=True)
class SampleBlock:
    """Samples decoded from one notification (or one reassembled message).

    acc: (n, 3) m/s², sensor frame. gyr: (n, 3) deg/s, sensor frame.
    t_sensor: (n,) seconds on the sensor's own clock, unwrapped; ``None`` when the device
    sends no clock (the timing stage then estimates times from arrival and the nominal rate).
    lost_packets: packets missing before this one, from the device's counter (0 if none or
    unknown). channels: extra per-block values (e.g. RSC cadence), units in the key name.
    """

    acc: FloatArray
    gyr: FloatArray
    t_sensor: FloatArray | None = None
    lost_packets: int = 0
    channels: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.acc.shape[0])


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    """One notification as a device sends it; ``last_sample`` indexes its newest sample."""

    char: str
    payload: bytes
    last_sample: int


class Decoder(ABC):
    """Stateful decoder of one sensor stream. Subclasses register with :func:`register`."""

    name: ClassVar[str]

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        self.params = dict(params)
        self.rate_hz = float(rate_hz)

    @abstractmethod
    def decode(self, char: str, payload: bytes) -> list[SampleBlock]:
        """Decode one notification from characteristic ``char``; may return no block yet."""

    def reset(self) -> None:  # noqa: B027 - optional hook
        """Forget stream state (called after a reconnect)."""


class Encoder(ABC):
    """Writes samples in a device's exact bytes (simulator, emulated sensors, tests)."""

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        self.params = dict(params)
        self.rate_hz = float(rate_hz)

    @abstractmethod
    def encode(
        self, t_sensor: FloatArray, acc: FloatArray, gyr: FloatArray
    ) -> list[EncodedPacket]:
        """Encode consecutive samples (seconds on the sensor clock, m/s², deg/s) into packets."""


_DECODERS: dict[str, type[Decoder]] = {}
_ENCODERS: dict[str, type[Encoder]] = {}


def register(name: str, decoder: type[Decoder], encoder: type[Encoder] | None = None) -> None:
    decoder.name = name
    _DECODERS[name] = decoder
    if encoder is not None:
        _ENCODERS[name] = encoder


def decoder_names() -> set[str]:
    return set(_DECODERS)


def make_decoder(name: str, params: Mapping[str, Any], rate_hz: float) -> Decoder:
    try:
        cls = _DECODERS[name]
    except KeyError:
        raise DecodeError(f"unknown decoder {name!r}") from None
    return cls(params, rate_hz)


def make_encoder(name: str, params: Mapping[str, Any], rate_hz: float) -> Encoder:
    try:
        cls = _ENCODERS[name]
    except KeyError:
        raise DecodeError(f"decoder {name!r} has no encoder") from None
    return cls(params, rate_hz)


def unwrap_delta(previous: int | None, current: int, modulo: int) -> int:
    """Steps from ``previous`` to ``current`` on a counter that wraps at ``modulo`` (0 if first)."""
    if previous is None:
        return 0
    return (current - previous) % modulo


def quantize(values: FloatArray, scale: float, bits: int = 16) -> NDArray[np.int64]:
    """Round ``values / scale`` to signed integers of ``bits`` bits, saturating like a real ADC."""
    lim = 2 ** (bits - 1)
    return np.clip(np.rint(values / scale), -lim, lim - 1).astype(np.int64)
