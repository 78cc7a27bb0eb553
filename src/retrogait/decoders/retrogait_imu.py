"""The retrogait DIY IMU packet (``rgimu`` v1): a simple layout for makers' boards.

Little-endian. Header (10 bytes)::

    u8  version      = 0x01
    u8  sample_count n (1..19 with a 247-byte MTU)
    u16 packet_counter, wraps at 65536
    u32 t0_us        sensor clock of the first sample, microseconds, wraps at 2**32
    u16 dt_us        sample period, microseconds

followed by ``n`` samples of six int16: acc x, y, z then gyr x, y, z (sensor frame).
Scales come from the profile: ``acc_lsb_m_s2`` (m/s² per LSB) and ``gyr_lsb_dps`` (deg/s per LSB).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from retrogait.decoders.base import (
    STANDARD_GRAVITY,
    Decoder,
    EncodedPacket,
    Encoder,
    FloatArray,
    SampleBlock,
    quantize,
    register,
)
from retrogait.errors import DecodeError

HEADER = struct.Struct("<BBHIH")
HEADER_SIZE = HEADER.size
_unpack_header = HEADER.unpack_from
VERSION = 1
SAMPLE_BYTES = 12
CLOCK_MODULO = 2**32
COUNTER_MODULO = 2**16


def _scales(params: Mapping[str, Any]) -> tuple[float, float]:
    acc = float(params.get("acc_lsb_m_s2", 16 * STANDARD_GRAVITY / 32768))
    gyr = float(params.get("gyr_lsb_dps", 2000 / 32768))
    return acc, gyr


class RetrogaitImuDecoder(Decoder):
    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.acc_lsb, self.gyr_lsb = _scales(params)
        # one multiply per packet: acc and gyr are column views of the scaled (n, 6) array
        self._scale = np.array([self.acc_lsb] * 3 + [self.gyr_lsb] * 3)
        self._steps: dict[tuple[int, int], FloatArray] = {}  # (n, dt_us) -> sample offsets, s
        self.reset()

    def reset(self) -> None:
        self._last_counter: int | None = None
        self._last_t0_us: int | None = None
        self._clock_base_us = 0

    def decode(self, char: str, payload: bytes) -> list[SampleBlock]:
        if len(payload) < HEADER_SIZE:
            raise DecodeError(f"rgimu: packet of {len(payload)} bytes is shorter than the header")
        version, n, counter, t0_us, dt_us = _unpack_header(payload)
        if version != VERSION:
            raise DecodeError(f"rgimu: unsupported version {version}")
        if n == 0 or len(payload) != HEADER_SIZE + n * SAMPLE_BYTES:
            raise DecodeError(
                f"rgimu: {len(payload)} bytes does not hold the {n} samples the header announces"
            )
        if dt_us == 0:
            raise DecodeError("rgimu: sample period of 0 us")
        x = np.frombuffer(payload, dtype="<i2", offset=HEADER_SIZE).reshape(n, 6) * self._scale
        lost = 0
        last = self._last_counter
        if last is not None:
            step = (counter - last) % COUNTER_MODULO
            lost = step - 1 if 0 < step < COUNTER_MODULO // 2 else 0
        self._last_counter = counter
        if self._last_t0_us is not None and self._last_t0_us - t0_us > CLOCK_MODULO // 2:
            # the 32-bit microsecond clock wrapped (every 71.6 min)
            self._clock_base_us += CLOCK_MODULO
        self._last_t0_us = t0_us
        steps = self._steps.get((n, dt_us))
        if steps is None:
            steps = self._steps[(n, dt_us)] = np.arange(n) * (dt_us * 1e-6)
        t_first = (self._clock_base_us + t0_us) * 1e-6
        return [SampleBlock(x[:, 0:3], x[:, 3:6], t_first + steps, lost)]


class RetrogaitImuEncoder(Encoder):
    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.acc_lsb, self.gyr_lsb = _scales(params)
        self.samples_per_packet = int(params.get("samples_per_packet", 4))
        self.char = str(params.get("data_char", ""))
        self._counter = 0

    def encode(self, t_sensor: FloatArray, acc: FloatArray, gyr: FloatArray) -> list[EncodedPacket]:
        qa = quantize(acc, self.acc_lsb)
        qg = quantize(gyr, self.gyr_lsb)
        dt_us = round(1e6 / self.rate_hz)
        packets = []
        for start in range(0, len(t_sensor), self.samples_per_packet):
            stop = min(start + self.samples_per_packet, len(t_sensor))
            t0_us = round(t_sensor[start] * 1e6) % CLOCK_MODULO
            header = HEADER.pack(VERSION, stop - start, self._counter, t0_us, dt_us)
            body = np.hstack([qa[start:stop], qg[start:stop]]).astype("<i2").tobytes()
            packets.append(EncodedPacket(self.char, header + body, stop - 1))
            self._counter = (self._counter + 1) % COUNTER_MODULO
        return packets


register("retrogait_imu", RetrogaitImuDecoder, RetrogaitImuEncoder)
