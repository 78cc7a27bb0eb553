"""Shared checks for the decoder tests: decode a packet list, round trips, garbage handling."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from retrogait.decoders.base import Decoder, EncodedPacket, SampleBlock
from retrogait.errors import DecodeError


def decode_all(decoder: Decoder, packets: Sequence[EncodedPacket]) -> list[SampleBlock]:
    blocks: list[SampleBlock] = []
    for p in packets:
        blocks.extend(decoder.decode(p.char, p.payload))
    return blocks


def stack(blocks: Sequence[SampleBlock]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    acc = np.vstack([b.acc for b in blocks]) if blocks else np.zeros((0, 3))
    gyr = np.vstack([b.gyr for b in blocks]) if blocks else np.zeros((0, 3))
    if blocks and all(b.t_sensor is not None for b in blocks):
        t = np.concatenate([b.t_sensor for b in blocks])  # type: ignore[misc]
    else:
        t = None
    return acc, gyr, t


def check_block(block: SampleBlock) -> None:
    """Shape and type invariants every decoded block must satisfy."""
    assert isinstance(block, SampleBlock)
    assert block.acc.ndim == 2 and block.acc.shape[1] == 3
    assert block.gyr.shape == block.acc.shape
    assert block.acc.dtype == np.float64 and block.gyr.dtype == np.float64
    if block.t_sensor is not None:
        assert block.t_sensor.shape == (len(block),)
    assert block.lost_packets >= 0


def decode_or_error(decoder: Decoder, char: str, payload: bytes) -> list[SampleBlock] | None:
    """Decode ``payload``; a DecodeError gives None, any other exception fails the test."""
    try:
        blocks = decoder.decode(char, payload)
    except DecodeError:
        return None
    for b in blocks:
        check_block(b)
    return blocks


def assert_recovers(
    make: Callable[[], Decoder],
    char: str,
    garbage: bytes,
    valid: Sequence[EncodedPacket],
    expect_acc: np.ndarray,
    expect_gyr: np.ndarray,
    atol_acc: float,
    atol_gyr: float,
) -> None:
    """After ``garbage`` (error or not), the valid packets still decode to the expected samples.

    The expected samples must be the *last* samples produced by ``valid``.
    """
    dec = make()
    decode_or_error(dec, char, garbage)
    acc, gyr, _ = stack(decode_all(dec, valid))
    n = len(expect_acc)
    assert len(acc) >= n
    np.testing.assert_allclose(acc[-n:], expect_acc, atol=atol_acc)
    np.testing.assert_allclose(gyr[-n:], expect_gyr, atol=atol_gyr)
