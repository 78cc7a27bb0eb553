"""WitMotion BLE 5.0: vectors from ble-imu-sensors-part1.md §1, framing and property tests."""

from __future__ import annotations

import numpy as np
import pytest
from decoder_props import assert_recovers, decode_all, decode_or_error, stack
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.decoders import make_decoder, make_encoder
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.decoders.witmotion import ACC_LSB_G, GYR_LSB_DPS, decode_frames
from retrogait.errors import DecodeError

CHAR = "0000ffe4-0000-1000-8000-00805f9a34fb"
G = STANDARD_GRAVITY

# part 1 §1.8 [constructed]
V_DATA = bytes.fromhex("55 61 00 FF 00 01 00 08 10 00 F0 FF 00 00 39 0E C7 F1 00 40")
V_ACC_G = [-0.125, 0.125, 1.0]
V_GYR = [0.9765625, -0.9765625, 0.0]
V_ANGLE = [20.0006103515625, -20.0006103515625, 90.0]
# part 1 §1.4 [vendor doc example]: register read reply for 0x3A (magnetometer)
V_REG = bytes.fromhex("55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 00 00")


def dec():
    return make_decoder("witmotion", {}, 10.0)


def test_worked_example_1_8_exact() -> None:
    acc, gyr, angle = decode_frames(V_DATA)
    assert acc[0].tolist() == V_ACC_G
    assert gyr[0].tolist() == V_GYR
    assert angle[0].tolist() == V_ANGLE
    (block,) = dec().decode(CHAR, V_DATA)
    np.testing.assert_array_equal(block.acc[0], np.array(V_ACC_G) * G)
    assert block.gyr[0].tolist() == V_GYR
    assert block.t_sensor is None and block.lost_packets == 0
    assert block.channels["angle_z_deg"] == 90.0


def test_register_reply_1_4_is_framing_not_data() -> None:
    # the 0x71 reply holds Hx, Hy, Hz = 360, 105, 122 (raw) from offset 4
    assert np.frombuffer(V_REG[4:10], "<i2").tolist() == [360, 105, 122]
    d = dec()
    assert d.decode(CHAR, V_REG) == []
    (block,) = d.decode(CHAR, V_REG + V_DATA)  # interleaved in one notification
    assert len(block) == 1 and block.acc[0, 2] == pytest.approx(G)


def test_encoder_reproduces_worked_example() -> None:
    enc = make_encoder("witmotion", {"data_char": CHAR}, 10.0)
    (pkt,) = enc.encode(np.zeros(1), np.array([V_ACC_G]) * G, np.array([V_GYR]))
    assert pkt.payload[:14] == V_DATA[:14]  # angles are written as 0 by the encoder
    assert pkt.payload[14:] == bytes(6)
    assert pkt.char == CHAR


def test_split_and_concatenated_frames() -> None:
    d = dec()
    stream = V_DATA * 3
    assert d.decode(CHAR, stream[:7]) == []
    (b1,) = d.decode(CHAR, stream[7:45])  # completes frame 1, holds frame 2, part of 3
    assert len(b1) == 2
    (b2,) = d.decode(CHAR, stream[45:])
    assert len(b2) == 1


def test_resync_after_leading_garbage() -> None:
    d = dec()
    (block,) = d.decode(CHAR, b"\x01\x02\x55\x00" + V_DATA)
    assert len(block) == 1
    assert block.channels["resync_skipped_bytes"] == 4.0
    assert block.acc[0].tolist() == (np.array(V_ACC_G) * G).tolist()


def test_garbage_only_is_a_decode_error_and_stream_goes_on() -> None:
    d = dec()
    with pytest.raises(DecodeError):
        d.decode(CHAR, b"\x00\x11\x22\x33")
    (block,) = d.decode(CHAR, V_DATA)
    assert len(block) == 1


def test_truncated_frame_then_whole_frames_realigns() -> None:
    d = dec()
    assert d.decode(CHAR, V_DATA[:9]) == []  # a partial frame waits for the rest
    (block,) = d.decode(CHAR, V_DATA)  # a whole frame arrives: the partial is dropped
    assert len(block) == 1
    assert block.channels["resync_skipped_bytes"] == 9.0
    assert block.acc[0].tolist() == (np.array(V_ACC_G) * G).tolist()


def test_reset_clears_partial_frame() -> None:
    d = dec()
    d.decode(CHAR, V_DATA[:5])
    d.reset()
    (block,) = d.decode(CHAR, V_DATA[5:] + V_DATA)
    assert len(block) == 1


motion = st.tuples(
    st.lists(st.floats(-15.9 * G, 15.9 * G), min_size=3, max_size=3),
    st.lists(st.floats(-1990.0, 1990.0), min_size=3, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(motion, min_size=1, max_size=30))
def test_round_trip_within_one_lsb(samples) -> None:
    acc = np.array([s[0] for s in samples])
    gyr = np.array([s[1] for s in samples])
    t = np.arange(len(acc)) / 50.0
    packets = make_encoder("witmotion", {"data_char": CHAR}, 50.0).encode(t, acc, gyr)
    assert all(len(p.payload) == 20 for p in packets)
    a, g, ts = stack(decode_all(dec(), packets))
    assert ts is None
    np.testing.assert_allclose(a, acc, atol=ACC_LSB_G * G)
    np.testing.assert_allclose(g, gyr, atol=GYR_LSB_DPS)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_never_escape_and_next_frame_decodes(garbage: bytes) -> None:
    decode_or_error(dec(), CHAR, garbage)
    assert_recovers(dec, CHAR, garbage, [_pkt(V_DATA)], np.array([V_ACC_G]) * G,
                    np.array([V_GYR]), 1e-12, 1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 19))
def test_truncated_bytes_never_escape(cut: int) -> None:
    d = dec()
    decode_or_error(d, CHAR, V_DATA[:cut])
    (block,) = d.decode(CHAR, V_DATA)
    assert block.acc[-1].tolist() == (np.array(V_ACC_G) * G).tolist()


def _pkt(payload: bytes):
    from retrogait.decoders.base import EncodedPacket

    return EncodedPacket(CHAR, payload, 0)
