"""Bluetooth SIG Running Speed and Cadence (service 0x1814, RSC Measurement 0x2A53).

Variable length, little-endian (``docs/references.md`` [RSC])::

    u8  flags: bit0 stride length present, bit1 total distance present, bit2 running
    u16 instantaneous speed, 1/256 m/s
    u8  instantaneous cadence, 1/min
    u16 stride length, 1/100 m      (if bit0)
    u32 total distance, 1/10 m      (if bit1)

Reserved flag bits and trailing bytes are ignored. Output blocks have no acc/gyr samples
((0, 3) arrays) and these ``channels``: ``speed_m_s``, ``cadence_spm`` (steps per minute,
both feet), ``cadence_raw_per_min`` (as sent), ``running`` (1/0), and when present
``stride_length_m`` and ``total_distance_m``.

Param ``cadence_counts`` says what the device puts in the cadence field: ``"one_foot"``
(per-foot strides per minute, the spec's wording; doubled for ``cadence_spm``) or
``"both_feet"`` (steps per minute, e.g. Wahoo TICKR X; copied).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from retrogait.decoders._common import EMPTY3
from retrogait.decoders.base import (
    Decoder,
    EncodedPacket,
    Encoder,
    FloatArray,
    SampleBlock,
    register,
)
from retrogait.errors import DecodeError

FLAG_STRIDE = 0x01
FLAG_DISTANCE = 0x02
FLAG_RUNNING = 0x04
SPEED_LSB = 1 / 256  # m/s
STRIDE_LSB = 0.01  # m
DISTANCE_LSB = 0.1  # m


def _feet_factor(params: Mapping[str, Any]) -> float:
    counts = str(params.get("cadence_counts", "one_foot"))
    if counts not in ("one_foot", "both_feet"):
        raise DecodeError(f"rsc: cadence_counts must be one_foot or both_feet, got {counts!r}")
    return 2.0 if counts == "one_foot" else 1.0


def parse_measurement(payload: bytes) -> dict[str, float]:
    """RSC Measurement fields in SI units (cadence as sent, 1/min)."""
    if len(payload) < 4:
        raise DecodeError(f"rsc: measurement of {len(payload)} bytes, at least 4 needed")
    flags = payload[0]
    speed_raw, cadence = struct.unpack_from("<HB", payload, 1)
    out = {
        "speed_m_s": speed_raw * SPEED_LSB,
        "cadence_raw_per_min": float(cadence),
        "running": 1.0 if flags & FLAG_RUNNING else 0.0,
    }
    i = 4
    if flags & FLAG_STRIDE:
        if len(payload) < i + 2:
            raise DecodeError("rsc: flags announce a stride length the packet does not hold")
        out["stride_length_m"] = struct.unpack_from("<H", payload, i)[0] * STRIDE_LSB
        i += 2
    if flags & FLAG_DISTANCE:
        if len(payload) < i + 4:
            raise DecodeError("rsc: flags announce a total distance the packet does not hold")
        out["total_distance_m"] = struct.unpack_from("<I", payload, i)[0] * DISTANCE_LSB
    return out


def encode_measurement(
    speed_m_s: float,
    cadence_per_min: float,
    stride_length_m: float | None = None,
    total_distance_m: float | None = None,
    running: bool = True,
) -> bytes:
    """RSC Measurement bytes, fields in the order Nordic's ble_rscs encoder writes them."""
    flags = FLAG_RUNNING if running else 0
    body = struct.pack(
        "<HB", min(0xFFFF, max(0, round(speed_m_s / SPEED_LSB))),
        min(0xFF, max(0, round(cadence_per_min))),
    )
    if stride_length_m is not None:
        flags |= FLAG_STRIDE
        body += struct.pack("<H", min(0xFFFF, max(0, round(stride_length_m / STRIDE_LSB))))
    if total_distance_m is not None:
        flags |= FLAG_DISTANCE
        body += struct.pack("<I", min(0xFFFFFFFF, max(0, round(total_distance_m / DISTANCE_LSB))))
    return bytes([flags]) + body


class RscDecoder(Decoder):
    """Params: ``cadence_counts`` ("one_foot" | "both_feet")."""

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.feet = _feet_factor(params)

    def decode(self, char: str, payload: bytes) -> list[SampleBlock]:
        channels = parse_measurement(bytes(payload))
        channels["cadence_spm"] = channels["cadence_raw_per_min"] * self.feet
        return [SampleBlock(acc=EMPTY3.copy(), gyr=EMPTY3.copy(), channels=channels)]


class RscEncoder(Encoder):
    """RSC has no raw samples: ``encode`` writes one measurement per call from params
    (``speed_m_s``, ``cadence_spm``, optional ``stride_length_m``, ``total_distance_m``), or
    use :meth:`encode_values` with the values the simulator computed."""

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.feet = _feet_factor(params)
        self.char = str(params.get("data_char", ""))

    def encode_values(
        self,
        speed_m_s: float,
        cadence_spm: float,
        stride_length_m: float | None = None,
        total_distance_m: float | None = None,
        running: bool = True,
        last_sample: int = 0,
    ) -> EncodedPacket:
        payload = encode_measurement(
            speed_m_s, cadence_spm / self.feet, stride_length_m, total_distance_m, running
        )
        return EncodedPacket(self.char, payload, last_sample)

    def encode(self, t_sensor: FloatArray, acc: FloatArray, gyr: FloatArray) -> list[EncodedPacket]:
        if len(t_sensor) == 0:
            return []
        p = self.params
        stride = p.get("stride_length_m")
        dist = p.get("total_distance_m")
        return [
            self.encode_values(
                float(p.get("speed_m_s", 0.0)),
                float(p.get("cadence_spm", 0.0)),
                None if stride is None else float(stride),
                None if dist is None else float(dist),
                last_sample=len(t_sensor) - 1,
            )
        ]


register("rsc", RscDecoder, RscEncoder)
