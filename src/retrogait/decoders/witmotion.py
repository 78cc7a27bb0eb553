"""WitMotion BLE 5.0 IMUs (WT901BLECL, BWT901BLECL, WT9011DCL): 20-byte ``55 61`` frames.

Notification payloads on ``ffe4`` are treated as a byte stream (``docs/references.md`` [WITMOTION]):
a notification may hold several frames or part of one, and ``55 71`` register replies are
interleaved with ``55 61`` data frames. Frame ``55 61`` (little-endian int16)::

    acc x, y, z     raw / 32768 * 16    g      -> m/s²
    gyr x, y, z     raw / 32768 * 2000  deg/s
    angle x, y, z   raw / 32768 * 180   deg    (roll, pitch, yaw; reported in ``channels``)

There is no checksum, no counter and no timestamp: ``t_sensor`` is None and lost frames
cannot be detected (``lost_packets`` is always 0).
"""

from __future__ import annotations

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

FRAME_LEN = 20
HEADER = 0x55
FLAG_DATA = 0x61
FLAG_REGISTER = 0x71
ACC_LSB_G = 16.0 / 32768
GYR_LSB_DPS = 2000.0 / 32768
ANGLE_LSB_DEG = 180.0 / 32768
MAX_BUFFER = 4 * FRAME_LEN  # bytes kept while waiting for the rest of a frame


def _is_sync(buf: bytes | bytearray, i: int) -> bool:
    return buf[i] == HEADER and buf[i + 1] in (FLAG_DATA, FLAG_REGISTER)


def decode_frames(frames: bytes) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Decode concatenated ``55 61`` frames -> (acc g, gyr deg/s, angle deg), each (n, 3)."""
    raw = np.frombuffer(frames, dtype="<i2").reshape(-1, FRAME_LEN // 2)[:, 1:].astype(np.float64)
    return raw[:, 0:3] * ACC_LSB_G, raw[:, 3:6] * GYR_LSB_DPS, raw[:, 6:9] * ANGLE_LSB_DEG


class WitMotionDecoder(Decoder):
    """Byte-stream decoder with resynchronisation on ``55 61`` / ``55 71``.

    Heuristic for a stream left misaligned by garbage: the device sends whole frames, so when a
    partial frame is pending and the next notification starts with a sync pair and holds whole
    frames, the pending partial is discarded instead of being completed with the new bytes.
    """

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.reset()

    def reset(self) -> None:
        self._buf = bytearray()
        self.skipped_bytes = 0
        self.register_frames = 0

    def decode(self, char: str, payload: bytes) -> list[SampleBlock]:
        payload = bytes(payload)
        skipped = 0
        if (
            self._buf
            and len(payload) >= 2
            and len(payload) % FRAME_LEN == 0
            and _is_sync(payload, 0)
        ):
            skipped += len(self._buf)
            self._buf.clear()
        buf = self._buf + payload
        data: list[bytes] = []
        i = 0
        n = len(buf)
        while i < n:
            if buf[i] != HEADER:
                i += 1
                skipped += 1
                continue
            if i + 1 >= n:
                break  # a lone 0x55 at the end may start the next frame
            if buf[i + 1] not in (FLAG_DATA, FLAG_REGISTER):
                i += 1
                skipped += 1
                continue
            if i + FRAME_LEN > n:
                break  # partial frame: wait for the rest
            if buf[i + 1] == FLAG_DATA:
                data.append(bytes(buf[i : i + FRAME_LEN]))
            else:
                self.register_frames += 1
            i += FRAME_LEN
        rest = buf[i:]
        if len(rest) > MAX_BUFFER:  # cannot happen with the loop above; keep memory bounded
            skipped += len(rest)
            rest = bytearray()
        self._buf = bytearray(rest)
        self.skipped_bytes += skipped
        if not data:
            if skipped:
                raise DecodeError(
                    f"witmotion: {skipped} byte(s) without a 55 61/55 71 frame header skipped"
                )
            return []
        acc_g, gyr, angle = decode_frames(b"".join(data))
        channels = {
            "angle_x_deg": float(angle[-1, 0]),
            "angle_y_deg": float(angle[-1, 1]),
            "angle_z_deg": float(angle[-1, 2]),
        }
        if skipped:
            channels["resync_skipped_bytes"] = float(skipped)
        return [SampleBlock(acc=acc_g * STANDARD_GRAVITY, gyr=gyr, channels=channels)]


def encode_frame(acc_raw: Any, gyr_raw: Any, angle_raw: Any = (0, 0, 0)) -> bytes:
    """One ``55 61`` frame from int16 raw triples."""
    values = np.concatenate([acc_raw, gyr_raw, angle_raw]).astype("<i2")
    return bytes([HEADER, FLAG_DATA]) + values.tobytes()


class WitMotionEncoder(Encoder):
    """One 20-byte frame per sample and per notification (the device's behaviour).

    The angle fields are written as 0: the simulator supplies no orientation.
    """

    def __init__(self, params: Mapping[str, Any], rate_hz: float) -> None:
        super().__init__(params, rate_hz)
        self.char = str(params.get("data_char", ""))

    def encode(self, t_sensor: FloatArray, acc: FloatArray, gyr: FloatArray) -> list[EncodedPacket]:
        qa = quantize(acc, ACC_LSB_G * STANDARD_GRAVITY)
        qg = quantize(gyr, GYR_LSB_DPS)
        zeros = np.zeros(3, dtype=np.int64)
        return [
            EncodedPacket(self.char, encode_frame(qa[k], qg[k], zeros), k)
            for k in range(len(t_sensor))
        ]


register("witmotion", WitMotionDecoder, WitMotionEncoder)
