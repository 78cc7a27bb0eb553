"""Polar Measurement Data (PMD): Verity Sense acc + gyro, H10 acc (docs/references.md [POLAR-PMD]).

Data notifications on ``FB005C82`` (little-endian)::

    u8  measurement type (& 0x3F): 2 = ACC, 5 = GYRO
    u64 timestamp, ns since 2000-01-01 on the device clock, of the LAST sample in the frame
    u8  frame type: bit 7 = delta-compressed, bits 0..6 = type number
    ... raw samples or a delta-compressed frame (reference sample + bit-packed delta blocks)

Units (as Polar's SDK implements them): raw ACC frames are mG; compressed ACC type 0 is
counts x FACTOR in G, compressed ACC type 1 counts x FACTOR in mG; compressed GYRO type 0 is
counts x FACTOR in deg/s, type 1 float32 bit patterns (x FACTOR) in deg/s. FACTOR arrives in
the start response on the control point ``FB005C81`` (indications, also passed to
:meth:`PolarPmdDecoder.decode`); until one is seen the profile's ``acc_factor`` /
``gyr_factor`` are used.

Per-sample times follow the SDK: with the previous frame's timestamp P, the n samples of a frame
stamped T are spaced (T - P)/n and end at T; for a first frame (or after a gap) the nominal
period is used backwards from T. Acc and gyro frames are paired by time.

Over 400 lines: the PMD protocol (control point, settings, delta frames) with the encoder the
emulator uses; decoder and encoder must stay symmetric, so they live together.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from retrogait.decoders._common import AccGyrPairer, gap_count, nan3
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

SERVICE = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_POINT = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

ECG, PPG, ACC, PPI, GYRO, MAGNETOMETER, SDK_MODE = 0, 1, 2, 3, 5, 6, 9
MEASUREMENT_NAMES = {ECG: "ECG", PPG: "PPG", ACC: "ACC", PPI: "PPI", GYRO: "GYRO",
                     MAGNETOMETER: "MAGNETOMETER", SDK_MODE: "SDK_MODE"}

OP_GET_SETTINGS, OP_START, OP_STOP = 0x01, 0x02, 0x03
CP_RESPONSE = 0xF0
CP_FEATURES = 0x0F
CP_DEVICE_STOPPED = 0x01

SAMPLE_RATE, RESOLUTION, RANGE, RANGE_MILLIUNIT, CHANNELS, FACTOR, SECURITY = range(7)
SETTING_SIZES = {SAMPLE_RATE: 2, RESOLUTION: 2, RANGE: 2, RANGE_MILLIUNIT: 4, CHANNELS: 1,
                 FACTOR: 4, SECURITY: 16}

STATUS_NAMES = {
    0: "SUCCESS", 1: "INVALID OP CODE", 2: "INVALID MEASUREMENT TYPE", 3: "NOT SUPPORTED",
    4: "INVALID LENGTH", 5: "INVALID PARAMETER", 6: "ALREADY IN STATE",
    7: "INVALID RESOLUTION", 8: "INVALID SAMPLE RATE", 9: "INVALID RANGE", 10: "INVALID MTU",
    11: "INVALID NUMBER OF CHANNELS", 12: "INVALID STATE", 13: "DEVICE IN CHARGER",
    14: "DISK FULL",
}

HEADER = struct.Struct("<BQB")  # type, timestamp ns, frame type
NS_PER_S = 1_000_000_000
EPOCH_2000_UNIX_NS = 946_684_800_000_000_000  # add to a PMD timestamp for Unix-epoch ns
MAX_DELTA_WIDTH = 32

IntArray = NDArray[np.int64]


# --------------------------------------------------------------------------- control point


FEATURE_BITS = {(1, 0): ECG, (1, 1): PPG, (1, 2): ACC, (1, 3): PPI, (1, 5): GYRO,
                (1, 6): MAGNETOMETER, (1, 7): 7, (2, 1): SDK_MODE, (2, 2): 10, (2, 3): 11,
                (2, 4): 12, (2, 5): 13, (2, 6): 14}


def parse_features(payload: bytes) -> set[int]:
    """Measurement types in a control-point feature read (``0F <mask1> <mask2> ...``)."""
    if len(payload) < 3 or payload[0] != CP_FEATURES:
        raise DecodeError("polar_pmd: not a feature read response (0F ...)")
    return {m for (byte, bit), m in FEATURE_BITS.items() if payload[byte] >> bit & 1}


def parse_settings(data: bytes) -> dict[int, list[float]]:
    """Settings TLVs (``type, count, count x value``) -> {type: values}."""
    out: dict[int, list[float]] = {}
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise DecodeError("polar_pmd: truncated setting header")
        kind, count = data[i], data[i + 1]
        size = SETTING_SIZES.get(kind)
        if size is None:
            raise DecodeError(f"polar_pmd: unknown setting type {kind}")
        i += 2
        end = i + size * count
        if end > len(data):
            raise DecodeError(f"polar_pmd: setting type {kind} runs past the end")
        values: list[float] = []
        for k in range(count):
            chunk = data[i + k * size : i + (k + 1) * size]
            if kind == FACTOR:
                values.append(struct.unpack("<f", chunk)[0])
            elif kind == SECURITY:
                values.append(float(int.from_bytes(chunk, "little")))
            else:
                values.append(float(int.from_bytes(chunk, "little")))
        out.setdefault(kind, []).extend(values)
        i = end
    return out


def encode_settings(settings: Mapping[int, int | float]) -> bytes:
    """Selected settings as the SDK writes them in a start request: ``type, 01, value``."""
    out = bytearray()
    for kind, value in settings.items():
        size = SETTING_SIZES[kind]
        out += bytes([kind, 1])
        if kind == FACTOR:
            out += struct.pack("<f", float(value))
        else:
            out += int(value).to_bytes(size, "little")
    return bytes(out)


def start_request(measurement: int, settings: Mapping[int, int | float]) -> bytes:
    """REQUEST_MEASUREMENT_START for online streaming."""
    return bytes([OP_START, measurement & 0x7F]) + encode_settings(settings)


@dataclass(frozen=True, slots=True)
class CpResponse:
    """A control-point response (``F0 op type status more params``)."""

    op_code: int
    measurement: int
    status: int
    more: bool
    settings: dict[int, list[float]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, f"status {self.status}")


def parse_cp_response(payload: bytes) -> CpResponse:
    if len(payload) < 4 or payload[0] != CP_RESPONSE:
        raise DecodeError("polar_pmd: not a control-point response (F0 ...)")
    op, mtype, status = payload[1], payload[2] & 0x3F, payload[3]
    more = False
    settings: dict[int, list[float]] = {}
    if status == 0 and len(payload) >= 5:
        more = payload[4] != 0
        params = bytes(payload[5:])
        if len(params) > 1:  # the SDK ignores a 1-byte "reserved" parameter block
            settings = parse_settings(params)
    return CpResponse(op, mtype, status, more, settings)


# --------------------------------------------------------------------------- delta frames


def _signed(values: IntArray, bits: int) -> IntArray:
    sign = np.int64(1) << (bits - 1)
    return (values & ((np.int64(1) << bits) - 1) ^ sign) - sign


def _read_fields(data: bytes, width: int, count: int) -> IntArray:
    """``count`` signed ``width``-bit fields, LSB first, from a little-endian bit stream."""
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
    fields = bits[: width * count].reshape(count, width).astype(np.int64)
    values = fields @ (np.int64(1) << np.arange(width, dtype=np.int64))
    return _signed(values, width)


def parse_delta_frame(content: bytes, channels: int = 3, resolution: int = 16) -> IntArray:
    """Decode a delta-compressed frame -> (n, channels) integer samples (reference included)."""
    rb = (resolution + 7) // 8
    if len(content) < channels * rb:
        raise DecodeError("polar_pmd: delta frame shorter than its reference sample")
    ref = np.array(
        [int.from_bytes(content[k * rb : (k + 1) * rb], "little") for k in range(channels)],
        dtype=np.int64,
    )
    rows = [_signed(ref, resolution).reshape(1, channels)]
    i = channels * rb
    while i < len(content):
        if i + 2 > len(content):
            raise DecodeError("polar_pmd: truncated delta block header")
        width, n = content[i], content[i + 1]
        i += 2
        if not 0 < width <= MAX_DELTA_WIDTH:
            raise DecodeError(f"polar_pmd: delta width {width} bits")
        size = math.ceil(width * n * channels / 8)
        if i + size > len(content):
            raise DecodeError("polar_pmd: delta block runs past the end of the frame")
        if n:
            deltas = _read_fields(content[i : i + size], width, n * channels)
            rows.append(deltas.reshape(n, channels))
        i += size
    return np.cumsum(np.vstack(rows), axis=0)


def _bits_needed(values: IntArray) -> int:
    """Smallest two's-complement width holding every value (at least 1)."""
    if values.size == 0:
        return 1
    hi = int(values.max())
    lo = int(values.min())
    return max(1, hi.bit_length() + 1, (-lo - 1).bit_length() + 1 if lo < 0 else 1)


def encode_delta_frame(samples: IntArray, resolution: int = 16) -> bytes:
    """Inverse of :func:`parse_delta_frame`: reference sample + blocks of <=255 samples."""
    samples = np.asarray(samples, dtype=np.int64)
    rb = (resolution + 7) // 8
    mask = (1 << resolution) - 1
    out = bytearray()
    for v in samples[0]:
        out += (int(v) & mask).to_bytes(rb, "little")
    deltas = np.diff(samples, axis=0)
    for start in range(0, len(deltas), 255):
        block = deltas[start : start + 255]
        width = _bits_needed(block)
        flat = (block.reshape(-1) & ((1 << width) - 1)).astype(np.uint64)
        shifts = np.arange(width, dtype=np.uint64)
        bits = ((flat[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)
        out += bytes([width, len(block)])
        out += np.packbits(bits.reshape(-1), bitorder="little").tobytes()
    return bytes(out)


# --------------------------------------------------------------------------- data frames


@dataclass(frozen=True, slots=True)
class DataFrame:
    measurement: int
    timestamp_ns: int
    frame_type: int  # the raw byte: bit 7 compressed, bits 0..6 type
    content: bytes

    @property
    def compressed(self) -> bool:
        return bool(self.frame_type & 0x80)

    @property
    def type_number(self) -> int:
        return self.frame_type & 0x7F


def parse_data_frame(payload: bytes) -> DataFrame:
    if len(payload) <= HEADER.size:
        raise DecodeError(f"polar_pmd: data frame of {len(payload)} bytes has no samples")
    mtype, ts, ftype = HEADER.unpack_from(payload)
    return DataFrame(mtype & 0x3F, ts, ftype, bytes(payload[HEADER.size :]))


def frame_samples(frame: DataFrame, acc_factor: float, gyr_factor: float) -> FloatArray:
    """Samples of an ACC (m/s²) or GYRO (deg/s) frame, (n, 3), sensor frame."""
    content = frame.content
    if frame.measurement == ACC:
        if not frame.compressed:
            width = {0: 1, 1: 2, 2: 3}.get(frame.type_number)
            if width is None:
                raise DecodeError(f"polar_pmd: raw ACC frame type {frame.type_number}")
            if len(content) % (3 * width):
                raise DecodeError("polar_pmd: raw ACC frame length is not whole samples")
            b = np.frombuffer(content, dtype=np.uint8).reshape(-1, width).astype(np.int64)
            raw = _signed(b @ (np.int64(1) << (8 * np.arange(width, dtype=np.int64))), 8 * width)
            return np.asarray(raw.reshape(-1, 3) * (1e-3 * STANDARD_GRAVITY), dtype=np.float64)
        if frame.type_number == 0:
            counts = parse_delta_frame(content)  # counts * FACTOR = G
            return np.asarray(counts * (acc_factor * STANDARD_GRAVITY), dtype=np.float64)
        if frame.type_number == 1:
            counts = parse_delta_frame(content)  # counts * FACTOR = mG
            return np.asarray(counts * (acc_factor * 1e-3 * STANDARD_GRAVITY), dtype=np.float64)
        raise DecodeError(f"polar_pmd: compressed ACC frame type {frame.type_number}")
    if frame.measurement == GYRO:
        if not frame.compressed:
            raise DecodeError("polar_pmd: raw GYRO frames are not defined")
        if frame.type_number == 0:
            return np.asarray(parse_delta_frame(content) * gyr_factor, dtype=np.float64)
        if frame.type_number == 1:
            ints = parse_delta_frame(content, 3, 32) & 0xFFFFFFFF
            values = ints.astype(np.uint32).view(np.float32).astype(np.float64)
            if not np.all(np.isfinite(values)):
                raise DecodeError("polar_pmd: non-finite float in GYRO frame")
            return np.asarray(values * gyr_factor, dtype=np.float64)
        raise DecodeError(f"polar_pmd: compressed GYRO frame type {frame.type_number}")
    name = MEASUREMENT_NAMES.get(frame.measurement, str(frame.measurement))
    raise DecodeError(f"polar_pmd: measurement type {name} is not decoded by this profile")


class PolarPmdDecoder(Decoder):
    """Params: ``measurements`` (["acc", "gyr"] or ["acc"]), ``acc_factor`` (default 1.0),
    ``gyr_factor`` (default 1.0). ``t_sensor`` is seconds since 2000-01-01 on the device clock.
    """

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.measurements = [str(m) for m in params.get("measurements", ["acc", "gyr"])]
        self.default_factors = {
            ACC: float(params.get("acc_factor", 1.0)),
            GYRO: float(params.get("gyr_factor", 1.0)),
        }
        self.paired = "acc" in self.measurements and "gyr" in self.measurements
        self._pairer = AccGyrPairer(0.75 / self.rate_hz, max_pending=max(64, 2 * int(self.rate_hz)))
        self.reset()

    def reset(self) -> None:
        self.factors = dict(self.default_factors)
        self._prev_ns: dict[tuple[int, int], int] = {}
        self._period_ns: dict[tuple[int, int], float] = {}
        self._pairer.reset()

    def decode(self, char: str, payload: bytes) -> list[SampleBlock]:
        payload = bytes(payload)
        if char.lower() == CONTROL_POINT:
            return self._control_point(payload)
        frame = parse_data_frame(payload)
        values = frame_samples(frame, self.factors[ACC], self.factors[GYRO])
        if frame.measurement == GYRO and "gyr" not in self.measurements:
            raise DecodeError("polar_pmd: GYRO frame but the profile streams no gyroscope")
        t, lost = self._times(frame, len(values))
        if not self.paired:
            n = len(values)
            acc = values if frame.measurement == ACC else nan3(n)
            gyr = values if frame.measurement == GYRO else nan3(n)
            return [SampleBlock(acc=acc, gyr=gyr, t_sensor=t, lost_packets=lost)]
        self._pairer.add_lost(lost)
        self._pairer.push("acc" if frame.measurement == ACC else "gyr", t, values)
        return self._pairer.pop()

    def _control_point(self, payload: bytes) -> list[SampleBlock]:
        if not payload:
            raise DecodeError("polar_pmd: empty control-point indication")
        if payload[0] == CP_FEATURES:
            return []  # feature read echoed as an indication (BlueZ StartNotify)
        if payload[0] == CP_DEVICE_STOPPED:
            for m in payload[1:]:  # the device stopped these streams: forget their clocks
                for key in [k for k in self._prev_ns if k[0] == (m & 0x3F)]:
                    del self._prev_ns[key]
            return []
        response = parse_cp_response(payload)
        if not response.ok:
            name = MEASUREMENT_NAMES.get(response.measurement, str(response.measurement))
            raise DecodeError(
                f"polar_pmd: op {response.op_code} for {name} failed: {response.status_name}"
            )
        if (
            response.op_code == OP_START
            and FACTOR in response.settings
            and response.measurement in self.factors
        ):
            self.factors[response.measurement] = response.settings[FACTOR][0]
        if response.op_code == OP_STOP:
            for key in [k for k in self._prev_ns if k[0] == response.measurement]:
                del self._prev_ns[key]
        return []

    def _times(self, frame: DataFrame, n: int) -> tuple[FloatArray, int]:
        key = (frame.measurement, frame.frame_type)
        nominal = NS_PER_S / self.rate_hz
        period = self._period_ns.get(key, nominal)
        prev = self._prev_ns.get(key)
        T = frame.timestamp_ns
        lost = 0
        span = None if prev is None else T - prev
        if prev is not None and span is not None and span > 0 and gap_count(span, n * period) == 0:
            step = span / n
            # keep the estimate near nominal so one late frame cannot skew it
            if 0.5 * nominal < step < 1.5 * nominal:
                self._period_ns[key] = step
            t_ns = prev + step * np.arange(1, n + 1)
        else:
            if span is not None and span > 0:
                lost = gap_count(span, n * period)
            t_ns = T - period * np.arange(n - 1, -1, -1, dtype=np.float64)
        self._prev_ns[key] = T
        return t_ns / NS_PER_S, lost


class PolarPmdEncoder(Encoder):
    """Writes PMD data frames. Params: ``measurements``, ``acc_frame`` ("raw16" = H10 int16 mG
    frames, "delta16" = compressed type 0 in counts x ``acc_factor`` G), ``acc_factor``,
    ``gyr_factor`` (gyro frames are compressed type 0), ``samples_per_packet``."""

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.measurements = [str(m) for m in params.get("measurements", ["acc", "gyr"])]
        self.acc_frame = str(params.get("acc_frame", "delta16"))
        if self.acc_frame not in ("raw16", "delta16"):
            raise DecodeError(f"polar_pmd: unknown acc_frame {self.acc_frame!r}")
        self.acc_factor = float(params.get("acc_factor", 1.0))
        self.gyr_factor = float(params.get("gyr_factor", 1.0))
        self.samples_per_packet = int(params.get("samples_per_packet", 36))
        self.char = str(params.get("data_char", DATA))

    def encode(self, t_sensor: FloatArray, acc: FloatArray, gyr: FloatArray) -> list[EncodedPacket]:
        packets = []
        if self.acc_frame == "raw16":
            qa = quantize(acc, 1e-3 * STANDARD_GRAVITY)
        else:
            qa = quantize(acc, self.acc_factor * STANDARD_GRAVITY)
        qg = quantize(gyr, self.gyr_factor)
        for start in range(0, len(t_sensor), self.samples_per_packet):
            stop = min(start + self.samples_per_packet, len(t_sensor))
            ts = max(0, round(float(t_sensor[stop - 1]) * NS_PER_S))
            if "acc" in self.measurements:
                if self.acc_frame == "raw16":
                    body, ftype = qa[start:stop].astype("<i2").tobytes(), 0x01
                else:
                    body, ftype = encode_delta_frame(qa[start:stop]), 0x80
                frame = HEADER.pack(ACC, ts, ftype) + body
                packets.append(EncodedPacket(self.char, frame, stop - 1))
            if "gyr" in self.measurements:
                body = encode_delta_frame(qg[start:stop])
                frame = HEADER.pack(GYRO, ts, 0x80) + body
                packets.append(EncodedPacket(self.char, frame, stop - 1))
        return packets


register("polar_pmd", PolarPmdDecoder, PolarPmdEncoder)
