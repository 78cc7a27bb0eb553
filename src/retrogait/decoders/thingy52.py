"""Nordic Thingy:52 motion service raw data (``EF680406``, 18 bytes; docs/references.md [THINGY52]).

Little-endian int16 fixed point::

    acc x, y, z       6Q10  -> raw / 1024 g
    gyr x, y, z       11Q5  -> raw / 32   deg/s
    compass x, y, z   12Q4  -> raw / 16   µT   (newest values in ``channels``)

No timestamp and no counter: ``t_sensor`` is None, ``lost_packets`` 0.

Param ``acc_sign`` (default 1): the firmware's accelerometer orientation matrix is -I ("inverted
to get positive readings when axis is aligned with g (down)", drv_motion.c), so the profile sets
-1 to deliver specific force (+1 g on the axis pointing up at rest) like the other devices.
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

RAW_LEN = 18
ACC_LSB_G = 1 / 1024
GYR_LSB_DPS = 1 / 32
MAG_LSB_UT = 1 / 16
CONFIG = struct.Struct("<HHHHB")


def config_payload(
    motion_hz: int,
    step_ms: int = 1000,
    temp_ms: int = 500,
    compass_ms: int = 500,
    wake_on_motion: int = 1,
) -> bytes:
    """The 9-byte motion config (``EF680401``); the firmware rejects out-of-range values."""
    if not 5 <= motion_hz <= 200:
        raise ValueError("Thingy motion processing frequency must be 5..200 Hz")
    return CONFIG.pack(step_ms, temp_ms, compass_ms, motion_hz, wake_on_motion)


def parse_config(payload: bytes) -> dict[str, int]:
    if len(payload) != CONFIG.size:
        raise DecodeError(f"thingy52: config is {CONFIG.size} bytes, got {len(payload)}")
    step, temp, compass, hz, wom = CONFIG.unpack(payload)
    return {"step_interval_ms": step, "temp_interval_ms": temp, "compass_interval_ms": compass,
            "motion_freq_hz": hz, "wake_on_motion": wom}


def parse_raw(payload: bytes) -> tuple[FloatArray, FloatArray, FloatArray]:
    """-> (acc g, gyr deg/s, compass µT), each (3,), exactly as the firmware scaled them."""
    if len(payload) != RAW_LEN:
        raise DecodeError(f"thingy52: raw motion data is {RAW_LEN} bytes, got {len(payload)}")
    raw = np.frombuffer(payload, dtype="<i2").astype(np.float64)
    return raw[0:3] * ACC_LSB_G, raw[3:6] * GYR_LSB_DPS, raw[6:9] * MAG_LSB_UT


class Thingy52Decoder(Decoder):
    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.acc_sign = float(params.get("acc_sign", 1.0))

    def decode(self, char: str, payload: bytes) -> list[SampleBlock]:
        acc_g, gyr, mag = parse_raw(bytes(payload))
        return [
            SampleBlock(
                acc=(acc_g * (self.acc_sign * STANDARD_GRAVITY)).reshape(1, 3),
                gyr=gyr.reshape(1, 3),
                channels={"mag_x_uT": float(mag[0]), "mag_y_uT": float(mag[1]),
                          "mag_z_uT": float(mag[2])},
            )
        ]


class Thingy52Encoder(Encoder):
    """One 18-byte notification per sample (compass written as zeros)."""

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.acc_sign = float(params.get("acc_sign", 1.0))
        self.char = str(params.get("data_char", ""))

    def encode(self, t_sensor: FloatArray, acc: FloatArray, gyr: FloatArray) -> list[EncodedPacket]:
        qa = quantize(acc * self.acc_sign, ACC_LSB_G * STANDARD_GRAVITY)
        qg = quantize(gyr, GYR_LSB_DPS)
        body = np.hstack([qa, qg, np.zeros((len(qa), 3), dtype=np.int64)]).astype("<i2")
        return [EncodedPacket(self.char, body[k].tobytes(), k) for k in range(len(t_sensor))]


register("thingy52", Thingy52Decoder, Thingy52Encoder)
