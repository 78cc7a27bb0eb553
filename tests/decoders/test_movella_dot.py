"""Movella DOT: vectors from ble-imu-sensors-part1.md §3, clock wrap, properties."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from decoder_props import decode_all, decode_or_error, stack
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.decoders import make_decoder, make_encoder
from retrogait.decoders.movella_dot import control_command, output_rate_command
from retrogait.errors import DecodeError

CHAR = "15172003-4947-11e9-8646-d663bd873d93"

# part 1 §3.7 [constructed]
V21 = bytes.fromhex(
    "40 42 0F 00 00 00 80 3E 00 00 00 BF 00 00 1C 41 00 00 C0 3F 00 00 00 C0 00 00 00 3E"
)
V20 = V21 + bytes.fromhex("00 10 00 F8 00 04")
ACC = [0.25, -0.5, 9.75]
GYR = [1.5, -2.0, 0.125]


def dec(mode: int = 21, rate: float = 60.0):
    return make_decoder("movella_dot", {"payload_mode": mode}, rate)


def test_mode21_vector() -> None:
    (b,) = dec().decode(CHAR, V21)
    assert b.acc.tolist() == [ACC] and b.gyr.tolist() == [GYR]
    assert b.t_sensor is not None and b.t_sensor.tolist() == [1.0]


def test_mode20_vector_with_mag() -> None:
    (b,) = dec(20).decode(CHAR, V20)
    assert b.acc.tolist() == [ACC] and b.gyr.tolist() == [GYR]
    assert (b.channels["mag_x_au"], b.channels["mag_y_au"], b.channels["mag_z_au"]) == (
        1.0, -0.5, 0.25)


def test_trailing_zero_padding_ignored_and_short_rejected() -> None:
    (b,) = dec().decode(CHAR, V21 + bytes(12))  # medium payload is 40 bytes on the wire
    assert b.acc.tolist() == [ACC]
    with pytest.raises(DecodeError):
        dec().decode(CHAR, V21[:27])
    with pytest.raises(DecodeError):
        dec(20).decode(CHAR, V21)


def test_commands_3_7() -> None:
    assert control_command(True, 21) == bytes.fromhex("01 01 15")
    assert control_command(False, 21) == bytes.fromhex("01 00 15")
    assert control_command(True, 26) == bytes.fromhex("01 01 1A")
    cmd = output_rate_command(30)
    assert len(cmd) == 32 and cmd[0] == 0x10 and cmd[24:26] == bytes.fromhex("1E 00")
    assert cmd[1:24] == bytes(23) and cmd[26:] == bytes(6)


def _at(ts_us: int) -> bytes:
    return struct.pack("<I", ts_us % 2**32) + V21[4:]


def test_clock_wraps_at_2_pow_32_not_2_pow_32_minus_1() -> None:
    d = dec(rate=60.0)
    period = round(1e6 / 60)
    last = 2**32 - 100
    d.decode(CHAR, _at(last))
    (b,) = d.decode(CHAR, _at(last + period))  # wraps to period - 100
    assert b.t_sensor is not None
    assert b.t_sensor[0] * 1e6 == pytest.approx(last + period, abs=1e-3)
    assert b.lost_packets == 0


def test_lost_packets_and_reset() -> None:
    d = dec(rate=60.0)
    period = 1e6 / 60
    d.decode(CHAR, _at(1_000_000))
    (b,) = d.decode(CHAR, _at(1_000_000 + round(4 * period)))
    assert b.lost_packets == 3
    (b,) = d.decode(CHAR, _at(5))  # clock went back: a device reset, keep time monotonic
    assert b.lost_packets == 0 and b.t_sensor is not None
    assert b.t_sensor[0] > 1.0
    d.reset()
    (b,) = d.decode(CHAR, _at(5))
    assert b.t_sensor is not None and b.t_sensor[0] == pytest.approx(5e-6)


vec = st.lists(st.floats(-1e4, 1e4, width=32), min_size=3, max_size=3)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([20, 21, 26]), st.lists(st.tuples(vec, vec), min_size=1, max_size=30),
       st.one_of(st.floats(0, 1e4), st.floats(4294.0, 4295.0)))
def test_round_trip(mode: int, samples, t0: float) -> None:
    acc = np.array([s[0] for s in samples])
    gyr = np.array([s[1] for s in samples])
    t = t0 + np.arange(len(acc)) / 60.0
    packets = make_encoder("movella_dot", {"payload_mode": mode, "data_char": CHAR}, 60.0).encode(
        t, acc, gyr)
    blocks = decode_all(dec(mode), packets)
    a, g, ts = stack(blocks)
    np.testing.assert_array_equal(a, acc)
    np.testing.assert_array_equal(g, gyr)
    assert ts is not None
    # the sensor clock is t modulo 2**32 us, unwrapped from the first sample on
    np.testing.assert_allclose(np.diff(ts), np.diff(t), atol=2e-6)
    assert ts[0] * 1e6 == pytest.approx(round(t[0] * 1e6) % 2**32, abs=1e-3)
    assert sum(b.lost_packets for b in blocks) == 0


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_never_escape(garbage: bytes) -> None:
    d = dec()
    decode_or_error(d, CHAR, garbage)
    (b,) = d.decode(CHAR, V21)
    assert b.acc.tolist() == [ACC]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 27))
def test_truncated_is_decode_error(cut: int) -> None:
    d = dec()
    with pytest.raises(DecodeError):
        d.decode(CHAR, V21[:cut])
    (b,) = d.decode(CHAR, V21)
    assert b.t_sensor is not None and b.t_sensor.tolist() == [1.0]
