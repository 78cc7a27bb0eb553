"""MbientLab MetaMotion (MetaWear): BMI160 (MetaMotion R/RL) and BMI270 (MetaMotion S).

Every notification on ``326a9006`` starts with ``<module> <register>`` (``docs/references.md``
[METAWEAR]). Accelerometer is module 0x03, gyroscope 0x13; samples are int16 LE x, y, z:

============  ==============  ==============
message       BMI160          BMI270
============  ==============  ==============
acc single    ``03 04`` + 6   ``03 04`` + 6
acc packed    ``03 1C`` + 18  ``03 05`` + 18
gyr single    ``13 05`` + 6   ``13 04`` + 6
gyr packed    ``13 07`` + 18  ``13 05`` + 18
============  ==============  ==============

Scales depend on the configured range (kept in the profile, since the device does not echo
it): acc LSB/g = 32768 / range_g; gyro LSB/(deg/s) = 32800 / range_dps (16.4 at ±2000).
There are no timestamps on the wire (``t_sensor`` None) and no counters. Acceleration and
rotation arrive in separate notifications and are paired in arrival order.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from retrogait.decoders._common import AccGyrPairer, nan3
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

ACC_MODULE = 0x03
GYR_MODULE = 0x13
READ_BIT = 0x80

#: chip -> {(module, register): (sensor kind, samples per message)}
DATA_REGISTERS: dict[str, dict[tuple[int, int], tuple[str, int]]] = {
    "bmi160": {
        (ACC_MODULE, 0x04): ("acc", 1),
        (ACC_MODULE, 0x1C): ("acc", 3),
        (GYR_MODULE, 0x05): ("gyr", 1),
        (GYR_MODULE, 0x07): ("gyr", 3),
    },
    "bmi270": {
        (ACC_MODULE, 0x04): ("acc", 1),
        (ACC_MODULE, 0x05): ("acc", 3),
        (GYR_MODULE, 0x04): ("gyr", 1),
        (GYR_MODULE, 0x05): ("gyr", 3),
    },
}

ACC_RANGES_G = (2.0, 4.0, 8.0, 16.0)
GYR_RANGES_DPS = (125.0, 250.0, 500.0, 1000.0, 2000.0)
#: ODR in Hz -> Bosch ODR code (acc and gyro use the same code for 25..1600 Hz)
ODR_CODES = {25.0: 6, 50.0: 7, 100.0: 8, 200.0: 9, 400.0: 10, 800.0: 11, 1600.0: 12}
ACC_RANGE_BYTE = {
    "bmi160": {2.0: 0x03, 4.0: 0x05, 8.0: 0x08, 16.0: 0x0C},
    "bmi270": {2.0: 0x00, 4.0: 0x01, 8.0: 0x02, 16.0: 0x03},
}
GYR_RANGE_BYTE = {2000.0: 0, 1000.0: 1, 500.0: 2, 250.0: 3, 125.0: 4}


def acc_lsb_g(range_g: float) -> float:
    """g per LSB at a range of ±``range_g``."""
    if range_g not in ACC_RANGES_G:
        raise DecodeError(f"metamotion: acc range ±{range_g} g is not one of {ACC_RANGES_G}")
    return range_g / 32768.0


def gyr_lsb_dps(range_dps: float) -> float:
    """deg/s per LSB at a range of ±``range_dps`` (the SDK's 16.4 LSB per deg/s at ±2000)."""
    if range_dps not in GYR_RANGES_DPS:
        raise DecodeError(f"metamotion: gyro range ±{range_dps} dps is not one of {GYR_RANGES_DPS}")
    return range_dps / 32800.0


def acc_config_command(chip: str, odr_hz: float, range_g: float) -> bytes:
    """``03 03 <acc_conf> <range>`` as the MetaWear SDK writes it for ODR >= 12.5 Hz."""
    code = ODR_CODES[odr_hz]
    conf = (0xA0 if chip == "bmi270" else 0x20) | code
    return bytes([ACC_MODULE, 0x03, conf, ACC_RANGE_BYTE[chip][range_g]])


def gyr_config_command(odr_hz: float, range_dps: float) -> bytes:
    """``13 03 <gyr_conf> <range>`` (bandwidth bits 2, as the SDK's default)."""
    return bytes([GYR_MODULE, 0x03, 0x20 | ODR_CODES[odr_hz], GYR_RANGE_BYTE[range_dps]])


def connection_parameters_command(
    min_interval_ms: float, max_interval_ms: float, latency: int, timeout_ms: float
) -> bytes:
    """Settings ``11 09``: connection interval (1.25 ms units), latency, timeout (10 ms units).

    MbientLab asks for a 7.5 ms maximum interval to stream above 100 Hz.
    """
    return bytes([0x11, 0x09]) + struct.pack(
        "<HHHH", round(min_interval_ms / 1.25), round(max_interval_ms / 1.25), latency,
        round(timeout_ms / 10),
    )


def _chip(params: Mapping[str, Any]) -> str:
    chip = str(params.get("chip", "bmi270")).lower()
    if chip not in DATA_REGISTERS:
        raise DecodeError(f"metamotion: unknown chip {chip!r}; use bmi160 or bmi270")
    return chip


def _settings(params: Mapping[str, Any]) -> tuple[str, float, float, bool]:
    """(chip, acc scale m/s² per LSB, gyro scale deg/s per LSB, gyro streamed) from a
    profile's params; decoder and encoder read them the same way."""
    acc_scale = acc_lsb_g(float(params.get("acc_range_g", 16.0))) * STANDARD_GRAVITY
    gyr_scale = gyr_lsb_dps(float(params.get("gyr_range_dps", 2000.0)))
    return _chip(params), acc_scale, gyr_scale, bool(params.get("gyro", True))


def parse_message(chip: str, payload: bytes) -> tuple[str, NDArray[np.int64]] | None:
    """(kind, raw int16 (n, 3)) for a data message, None for a read response (ignored)."""
    if len(payload) < 2:
        raise DecodeError(f"metamotion: {len(payload)} bytes is shorter than module+register")
    module, reg = payload[0], payload[1]
    if reg & READ_BIT:
        return None  # module-info or register read response, not data
    spec = DATA_REGISTERS[chip].get((module, reg))
    if spec is None:
        raise DecodeError(f"metamotion: message {module:02x} {reg:02x} is not {chip} data")
    kind, n = spec
    if len(payload) != 2 + 6 * n:
        raise DecodeError(
            f"metamotion: {module:02x} {reg:02x} message of {len(payload)} bytes, "
            f"expected {2 + 6 * n}"
        )
    raw = np.frombuffer(payload, dtype="<i2", offset=2).reshape(n, 3).astype(np.int64)
    return kind, raw


class MetaMotionDecoder(Decoder):
    """Params: ``chip`` (bmi160|bmi270), ``acc_range_g``, ``gyr_range_dps``, ``gyro`` (bool:
    whether gyro data is streamed; when false, gyr is NaN)."""

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.chip, self.acc_scale, self.gyr_scale, self.gyro = _settings(params)
        self._pairer = AccGyrPairer(None, max_pending=max(8, int(self.rate_hz)))

    def reset(self) -> None:
        self._pairer.reset()

    def decode(self, char: str, payload: bytes) -> list[SampleBlock]:
        parsed = parse_message(self.chip, bytes(payload))
        if parsed is None:
            return []
        kind, raw = parsed
        if kind == "acc":
            values = raw.astype(np.float64) * self.acc_scale
            if not self.gyro:
                return [SampleBlock(acc=values, gyr=nan3(len(values)))]
        else:
            values = raw.astype(np.float64) * self.gyr_scale
        self._pairer.push(kind, None, values)
        return self._pairer.pop()


class MetaMotionEncoder(Encoder):
    """Acc then gyro notification for each group of samples. Params as the decoder, plus
    ``packed`` (3 samples per notification; default false)."""

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.chip, self.acc_scale, self.gyr_scale, self.gyro = _settings(params)
        self.packed = bool(params.get("packed", False))
        self.char = str(params.get("data_char", ""))
        regs = {spec: key for key, spec in DATA_REGISTERS[self.chip].items()}
        n = 3 if self.packed else 1
        self._acc_head = bytes(regs[("acc", n)])
        self._gyr_head = bytes(regs[("gyr", n)])
        self._carry_a = np.zeros((0, 3), dtype=np.int64)
        self._carry_g = np.zeros((0, 3), dtype=np.int64)

    def encode(self, t_sensor: FloatArray, acc: FloatArray, gyr: FloatArray) -> list[EncodedPacket]:
        carried = len(self._carry_a)
        qa = np.vstack([self._carry_a, quantize(acc, self.acc_scale)]).astype("<i2")
        qg = np.vstack([self._carry_g, quantize(gyr, self.gyr_scale)]).astype("<i2")
        step = 3 if self.packed else 1
        usable = len(qa) - len(qa) % step  # a packed message holds 3 samples: carry the rest
        packets = []
        for start in range(0, usable, step):
            stop = start + step
            last = stop - 1 - carried
            body = self._acc_head + qa[start:stop].tobytes()
            packets.append(EncodedPacket(self.char, body, last))
            if self.gyro:
                packets.append(
                    EncodedPacket(self.char, self._gyr_head + qg[start:stop].tobytes(), last)
                )
        self._carry_a = qa[usable:].astype(np.int64)
        self._carry_g = qg[usable:].astype(np.int64)
        return packets


register("metamotion", MetaMotionDecoder, MetaMotionEncoder)
