"""Movesense GATT SensorData Protocol (GSP): ``/Meas/IMU6|IMU9|Acc|Gyro/{rate}`` streams.

Notifications on ``34800002`` (``docs/references.md`` [MOVESENSE])::

    u8  response type   1 = command result, 2 = data, 3 = data part 2
    u8  client reference (given in SUBSCRIBE)
    ... payload: u32 timestamp (ms, sensor clock, first sample),
        then N acc vectors, then N gyro vectors, then N magn vectors (float32 x, y, z each)

A payload longer than 150 bytes is split: the first 150 bytes in a type-2 notification, the
rest in a type-3 notification with the same reference. N is derived from the length.
Acc in m/s², gyro in deg/s, magnetometer in µT (the newest magn vector goes to ``channels``).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from retrogait.decoders._common import ClockUnwrapper, gap_count, nan3
from retrogait.decoders.base import (
    Decoder,
    EncodedPacket,
    Encoder,
    FloatArray,
    SampleBlock,
    register,
)
from retrogait.errors import DecodeError

COMMAND_RESULT = 1
DATA = 2
DATA_PART2 = 3
PART1_MAX = 150  # payload bytes carried by a type-2 notification before a split
CLOCK_MODULO = 2**32  # ms
VECTOR_BYTES = 12

#: vectors per sample, in wire order, for each resource
RESOURCES: dict[str, tuple[str, ...]] = {
    "Acc": ("acc",),
    "Gyro": ("gyr",),
    "IMU6": ("acc", "gyr"),
    "IMU9": ("acc", "gyr", "magn"),
}


def subscribe_command(ref: int, path: str) -> bytes:
    """SUBSCRIBE bytes for ``path`` such as ``/Meas/IMU6/104`` (reference must not be 0)."""
    if not 0 < ref < 256:
        raise ValueError("Movesense client reference must be 1..255")
    return bytes([1, ref]) + path.encode("ascii")


def unsubscribe_command(ref: int) -> bytes:
    return bytes([2, ref])


def _resource(params: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    name = str(params.get("resource", "IMU6"))
    if name not in RESOURCES:
        raise DecodeError(f"movesense: unknown resource {name!r}; known: {', '.join(RESOURCES)}")
    return name, RESOURCES[name]


def parse_payload(payload: bytes, kinds: tuple[str, ...]) -> tuple[int, dict[str, FloatArray]]:
    """Split a reassembled payload -> (timestamp ms, {kind: (N, 3) float64})."""
    k = len(kinds)
    body = len(payload) - 4
    if body <= 0 or body % (VECTOR_BYTES * k) != 0:
        raise DecodeError(
            f"movesense: payload of {len(payload)} bytes is not 4 + 12*{k}*N "
            f"for a {'/'.join(kinds)} resource"
        )
    n = body // (VECTOR_BYTES * k)
    (ts,) = struct.unpack_from("<I", payload)
    vec = np.frombuffer(payload, dtype="<f4", offset=4).astype(np.float64).reshape(k, n, 3)
    if not np.all(np.isfinite(vec)):
        raise DecodeError("movesense: non-finite float in payload")
    return ts, {kind: vec[i] for i, kind in enumerate(kinds)}


class MovesenseDecoder(Decoder):
    """Reassembles two-part notifications and unwraps the 32-bit millisecond clock.

    Params: ``resource`` (Acc, Gyro, IMU6, IMU9), ``ref`` (client reference, 0 = any).
    Lost messages are counted from timestamp gaps (a message whose first or second part was
    lost is dropped and shows up as such a gap).
    """

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.resource, self.kinds = _resource(params)
        self.ref = int(params.get("ref", 0))
        self.reset()

    def reset(self) -> None:
        self._part1: dict[int, bytes] = {}
        self._clock = ClockUnwrapper(CLOCK_MODULO)
        self._prev_ms: int | None = None
        self._last_n = 0

    def decode(self, char: str, payload: bytes) -> list[SampleBlock]:
        if len(payload) < 2:
            raise DecodeError(f"movesense: notification of {len(payload)} bytes has no header")
        kind, ref = payload[0], payload[1]
        if kind == COMMAND_RESULT:
            return []
        if kind not in (DATA, DATA_PART2):
            raise DecodeError(f"movesense: unknown response type {kind}")
        if self.ref and ref != self.ref:
            raise DecodeError(f"movesense: data for reference {ref}, expected {self.ref}")
        body = bytes(payload[2:])
        if kind == DATA:
            # a pending first part whose second part never came is dropped: the message is
            # lost, and the timestamp gap of the next message counts it
            self._part1.pop(ref, None)
            if len(body) == PART1_MAX:  # 150 bytes is never a whole IMU payload: wait for part 2
                self._part1[ref] = body
                return []
            message = body
        else:
            first = self._part1.pop(ref, None)
            if first is None:  # first part lost: counted from the next timestamp gap
                raise DecodeError("movesense: data part 2 without its first part")
            message = first + body
        ts, vectors = parse_payload(message, self.kinds)
        n = len(next(iter(vectors.values())))
        return [self._block(ts, n, vectors)]

    def _block(self, ts: int, n: int, vectors: dict[str, FloatArray]) -> SampleBlock:
        period_ms = 1000.0 / self.rate_hz
        expected_step = round(self._last_n * period_ms)
        t_ms = self._clock.update(ts, expected_step)
        lost = 0
        if self._prev_ms is not None and not self._clock.jumped:
            lost += gap_count(t_ms - self._prev_ms, self._last_n * period_ms)
        self._prev_ms = t_ms
        self._last_n = n
        t = (t_ms + np.arange(n, dtype=np.float64) * period_ms) * 1e-3
        channels: dict[str, float] = {}
        if "magn" in vectors:
            m = vectors["magn"][-1]
            channels = {"mag_x_uT": float(m[0]), "mag_y_uT": float(m[1]), "mag_z_uT": float(m[2])}
        return SampleBlock(
            acc=vectors.get("acc", nan3(n)),
            gyr=vectors.get("gyr", nan3(n)),
            t_sensor=t,
            lost_packets=lost,
            channels=channels,
        )


class MovesenseEncoder(Encoder):
    """Writes GSP data notifications (splitting payloads over 150 bytes into two parts).

    Params: ``resource``, ``ref`` (default 99), ``samples_per_packet`` (default 8).
    Magnetometer vectors of IMU9 are written as zeros.
    """

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.resource, self.kinds = _resource(params)
        self.ref = int(params.get("ref", 99)) or 99
        self.samples_per_packet = int(params.get("samples_per_packet", 8))
        self.char = str(params.get("data_char", ""))

    def encode(self, t_sensor: FloatArray, acc: FloatArray, gyr: FloatArray) -> list[EncodedPacket]:
        packets: list[EncodedPacket] = []
        src = {"acc": acc, "gyr": gyr}
        for start in range(0, len(t_sensor), self.samples_per_packet):
            stop = min(start + self.samples_per_packet, len(t_sensor))
            ts = round(float(t_sensor[start]) * 1000.0) % CLOCK_MODULO
            parts = [struct.pack("<I", ts)]
            for kind in self.kinds:
                v = src.get(kind)
                block = np.zeros((stop - start, 3)) if v is None else v[start:stop]
                parts.append(np.asarray(block, dtype="<f4").tobytes())
            payload = b"".join(parts)
            head = bytes([DATA, self.ref])
            if len(payload) <= PART1_MAX:
                packets.append(EncodedPacket(self.char, head + payload, stop - 1))
            else:
                packets.append(EncodedPacket(self.char, head + payload[:PART1_MAX], stop - 1))
                packets.append(
                    EncodedPacket(self.char, bytes([DATA_PART2, self.ref]) + payload[PART1_MAX:],
                                  stop - 1)
                )
        return packets


register("movesense", MovesenseDecoder, MovesenseEncoder)
