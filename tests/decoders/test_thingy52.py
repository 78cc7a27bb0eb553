"""Thingy:52 raw motion: vectors T1/T2 of ble-imu-sensors-part2.md §2.5, properties."""

from __future__ import annotations

import numpy as np
import pytest
from decoder_props import decode_all, decode_or_error, stack
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.decoders import make_decoder, make_encoder
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.decoders.thingy52 import config_payload, parse_config, parse_raw
from retrogait.errors import DecodeError

CHAR = "ef680406-9b35-4933-9b10-52ffa9740042"
G = STANDARD_GRAVITY
T2 = bytes.fromhex("14 00 D8 FF FF 03 40 00 C0 FF 05 00 A0 00 60 FF 20 03")
T2_ACC_G = [0.01953125, -0.0390625, 0.9990234375]
T2_GYR = [2.0, -2.0, 0.15625]
T2_MAG = [10.0, -10.0, 50.0]


def dec(sign: float = 1.0):
    return make_decoder("thingy52", {"acc_sign": sign}, 100.0)


def test_t2_raw_vector() -> None:
    acc, gyr, mag = parse_raw(T2)
    assert acc.tolist() == T2_ACC_G and gyr.tolist() == T2_GYR and mag.tolist() == T2_MAG
    (b,) = dec().decode(CHAR, T2)
    assert b.acc.tolist() == [[v * G for v in T2_ACC_G]]
    assert b.gyr.tolist() == [T2_GYR]
    assert b.t_sensor is None
    assert [b.channels[k] for k in ("mag_x_uT", "mag_y_uT", "mag_z_uT")] == T2_MAG


def test_acc_sign_param_flips_acceleration_only() -> None:
    (b,) = dec(-1.0).decode(CHAR, T2)
    assert b.acc.tolist() == [[-v * G for v in T2_ACC_G]]
    assert b.gyr.tolist() == [T2_GYR]


def test_t1_config_vectors() -> None:
    assert config_payload(10) == bytes.fromhex("E8 03 F4 01 F4 01 0A 00 01")  # firmware default
    assert config_payload(100) == bytes.fromhex("E8 03 F4 01 F4 01 64 00 01")
    assert parse_config(bytes.fromhex("E8 03 F4 01 F4 01 0A 00 01"))["motion_freq_hz"] == 10
    with pytest.raises(DecodeError):  # the firmware rejects an 8-byte config
        parse_config(bytes.fromhex("E8 03 F4 01 F4 01 0A 00"))
    with pytest.raises(ValueError):
        config_payload(201)


@pytest.mark.parametrize("n", [0, 1, 17, 19, 36])
def test_wrong_length_is_a_decode_error(n: int) -> None:
    with pytest.raises(DecodeError):
        dec().decode(CHAR, bytes(n))


motion = st.tuples(
    st.lists(st.floats(-31.9 * G, 31.9 * G), min_size=3, max_size=3),
    st.lists(st.floats(-1023.0, 1023.0), min_size=3, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(motion, min_size=1, max_size=30), st.sampled_from([1.0, -1.0]))
def test_round_trip(samples, sign: float) -> None:
    acc = np.array([s[0] for s in samples])
    gyr = np.array([s[1] for s in samples])
    t = np.arange(len(acc)) / 100.0
    params = {"acc_sign": sign, "data_char": CHAR}
    packets = make_encoder("thingy52", params, 100.0).encode(t, acc, gyr)
    assert all(len(p.payload) == 18 for p in packets)
    a, g, ts = stack(decode_all(make_decoder("thingy52", params, 100.0), packets))
    assert ts is None
    np.testing.assert_allclose(a, acc, atol=G / 1024)
    np.testing.assert_allclose(g, gyr, atol=1 / 32)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_random_bytes_never_escape(garbage: bytes) -> None:
    d = dec()
    decode_or_error(d, CHAR, garbage)
    (b,) = d.decode(CHAR, T2)
    assert b.gyr.tolist() == [T2_GYR]
