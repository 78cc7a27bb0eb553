"""Movella DOT (formerly Xsens DOT): payload modes that carry acceleration and angular velocity.

One sample per notification, little-endian (``docs/references.md`` [MOVELLA-DOT]):

* mode 21 "rate quantities" (medium payload ``15172003``, 28 bytes):
  u32 timestamp µs, float32 acc x/y/z (m/s², sensor frame), float32 gyr x/y/z (deg/s)
* mode 20 "rate quantities with mag" (medium, 34 bytes): as 21 + int16 mag x/y/z (/2**12, a.u.)
* mode 26 "custom mode 5" (long payload ``15172002``, 44 bytes): u32 timestamp,
  float32 quaternion w/x/y/z, acc, gyr

Unused trailing bytes are zero padding and ignored. The 32-bit µs clock wraps every 2**32 µs
(71.6 min); it is unwrapped modulo 2**32 (not 2**32 - 1). Lost notifications are counted from
timestamp gaps against the nominal rate.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from retrogait.decoders._common import ClockUnwrapper, gap_count
from retrogait.decoders.base import (
    Decoder,
    EncodedPacket,
    Encoder,
    FloatArray,
    SampleBlock,
    register,
)
from retrogait.errors import DecodeError

CLOCK_MODULO = 2**32  # µs
MAG_SCALE = 2.0**-12

#: payload mode -> (size in bytes, offset of acc, offset of gyr, offset of mag or None)
MODES: dict[int, tuple[int, int, int, int | None]] = {
    20: (34, 4, 16, 28),
    21: (28, 4, 16, None),
    26: (44, 20, 32, None),
}


def _mode(params: Mapping[str, Any]) -> int:
    mode = int(params.get("payload_mode", 21))
    if mode not in MODES:
        raise DecodeError(
            f"movella_dot: payload mode {mode} carries no acc+gyr; use one of {sorted(MODES)}"
        )
    return mode


def control_command(start: bool, mode: int) -> bytes:
    """Measurement control (``15172001``): ``01 <1 start | 0 stop> <payload mode>``."""
    return bytes([0x01, 0x01 if start else 0x00, mode])


def output_rate_command(rate_hz: int) -> bytes:
    """Device control (``15171002``, 32 bytes) visiting only the output-rate field."""
    buf = bytearray(32)
    buf[0] = 0x10
    struct.pack_into("<H", buf, 24, rate_hz)
    return bytes(buf)


class MovellaDotDecoder(Decoder):
    """Params: ``payload_mode`` (20, 21 or 26; default 21)."""

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.mode = _mode(params)
        self.reset()

    def reset(self) -> None:
        self._clock = ClockUnwrapper(CLOCK_MODULO)
        self._prev_us: int | None = None

    def decode(self, char: str, payload: bytes) -> list[SampleBlock]:
        size, acc_off, gyr_off, mag_off = MODES[self.mode]
        if len(payload) < size:
            raise DecodeError(
                f"movella_dot: {len(payload)} bytes, mode {self.mode} needs {size}"
            )
        (ts,) = struct.unpack_from("<I", payload)
        acc = np.frombuffer(payload, dtype="<f4", count=3, offset=acc_off).astype(np.float64)
        gyr = np.frombuffer(payload, dtype="<f4", count=3, offset=gyr_off).astype(np.float64)
        if not (np.all(np.isfinite(acc)) and np.all(np.isfinite(gyr))):
            raise DecodeError("movella_dot: non-finite float in payload")
        period_us = 1e6 / self.rate_hz
        t_us = self._clock.update(ts, round(period_us))
        lost = 0
        if self._prev_us is not None and not self._clock.jumped:
            lost = gap_count(t_us - self._prev_us, period_us)
        self._prev_us = t_us
        channels: dict[str, float] = {}
        if mag_off is not None:
            mag = np.frombuffer(payload, dtype="<i2", count=3, offset=mag_off) * MAG_SCALE
            channels = {"mag_x_au": float(mag[0]), "mag_y_au": float(mag[1]),
                        "mag_z_au": float(mag[2])}
        return [
            SampleBlock(
                acc=acc.reshape(1, 3),
                gyr=gyr.reshape(1, 3),
                t_sensor=np.array([t_us * 1e-6]),
                lost_packets=lost,
                channels=channels,
            )
        ]


class MovellaDotEncoder(Encoder):
    """One notification per sample in the configured payload mode (quaternion written as
    identity, magnetometer as zeros)."""

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.mode = _mode(params)
        self.char = str(params.get("data_char", ""))

    def encode(self, t_sensor: FloatArray, acc: FloatArray, gyr: FloatArray) -> list[EncodedPacket]:
        size, acc_off, gyr_off, _ = MODES[self.mode]
        packets = []
        for k in range(len(t_sensor)):
            buf = bytearray(size)
            struct.pack_into("<I", buf, 0, round(float(t_sensor[k]) * 1e6) % CLOCK_MODULO)
            if self.mode == 26:
                struct.pack_into("<4f", buf, 4, 1.0, 0.0, 0.0, 0.0)
            struct.pack_into("<3f", buf, acc_off, *acc[k])
            struct.pack_into("<3f", buf, gyr_off, *gyr[k])
            packets.append(EncodedPacket(self.char, bytes(buf), k))
        return packets


register("movella_dot", MovellaDotDecoder, MovellaDotEncoder)
