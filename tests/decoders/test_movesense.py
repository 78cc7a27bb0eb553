"""Movesense GSP: vectors from ble-imu-sensors-part1.md §2, reassembly, clock and properties."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from decoder_props import decode_all, decode_or_error, stack
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.decoders import make_decoder, make_encoder
from retrogait.decoders.base import EncodedPacket
from retrogait.decoders.movesense import subscribe_command, unsubscribe_command
from retrogait.errors import DecodeError

CHAR = "34800002-7185-4d5d-b431-630e7050e8f0"

# part 1 §2.6 [constructed]
V_ACC = bytes.fromhex("02 63 40 E2 01 00 00 00 00 3F 00 00 A0 BF 00 00 1D 41")
V_IMU6 = bytes.fromhex(
    "02 2A 00 FF FF FF 00 00 00 3F 00 00 A0 BF 00 00 1D 41 00 00 80 3E 00 00 80 BF 00 00 1C 41"
    " 00 00 C0 3F 00 00 00 C0 00 00 00 3E 00 00 00 BF 00 00 00 00 00 00 40 40"
)


def dec(resource: str = "IMU6", rate: float = 104.0, ref: int = 0):
    return make_decoder("movesense", {"resource": resource, "ref": ref}, rate)


def test_commands_2_3() -> None:
    assert subscribe_command(99, "/Meas/IMU6/104") == bytes.fromhex(
        "01 63 2F 4D 65 61 73 2F 49 4D 55 36 2F 31 30 34"
    )
    assert subscribe_command(42, "/Meas/Acc/52") == bytes.fromhex(
        "01 2A 2F 4D 65 61 73 2F 41 63 63 2F 35 32"
    )
    assert unsubscribe_command(99) == bytes.fromhex("02 63")
    with pytest.raises(ValueError):
        subscribe_command(0, "/Meas/Acc/52")


def test_acc_vector_2_6() -> None:
    (block,) = dec("Acc", 52.0).decode(CHAR, V_ACC)
    assert block.acc.tolist() == [[0.5, -1.25, 9.8125]]
    assert np.isnan(block.gyr).all()  # Acc resource carries no gyro
    assert block.t_sensor is not None and block.t_sensor.tolist() == [123.456]


def test_imu6_vector_2_6_near_rollover() -> None:
    (block,) = dec("IMU6", 104.0, ref=42).decode(CHAR, V_IMU6)
    assert block.acc.tolist() == [[0.5, -1.25, 9.8125], [0.25, -1.0, 9.75]]
    assert block.gyr.tolist() == [[1.5, -2.0, 0.125], [-0.5, 0.0, 3.0]]
    assert block.t_sensor is not None
    assert block.t_sensor[0] == pytest.approx(4294967040 / 1000)
    assert block.t_sensor[1] - block.t_sensor[0] == pytest.approx(1 / 104)


def test_clock_rollover_is_unwrapped() -> None:
    d = dec("IMU6", 104.0)
    d.decode(CHAR, V_IMU6)  # ts 0xFFFFFF00 ms, 2 samples
    # next packet 2 samples later: 0xFFFFFF00 + 19 ms wraps to 0x13 - 0x100 ... = 2**32 + 3
    nxt = bytearray(V_IMU6)
    nxt[2:6] = struct.pack("<I", (0xFFFFFF00 + 19) % 2**32)
    (block,) = d.decode(CHAR, bytes(nxt))
    assert block.t_sensor is not None
    assert block.t_sensor[0] == pytest.approx((0xFFFFFF00 + 19) / 1000)
    assert block.lost_packets == 0


def test_lost_packets_from_timestamps() -> None:
    d = dec("IMU6", 104.0)
    d.decode(CHAR, V_IMU6)
    nxt = bytearray(V_IMU6)
    nxt[2:6] = struct.pack("<I", (0xFFFFFF00 + 4 * 19) % 2**32)  # 3 packets of 2 missing
    (block,) = d.decode(CHAR, bytes(nxt))
    assert block.lost_packets == 3


def _imu9_packets(ref: int = 99) -> tuple[list[EncodedPacket], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    acc = rng.normal(0, 20, (8, 3)).astype(np.float32).astype(np.float64)
    gyr = rng.normal(0, 300, (8, 3)).astype(np.float32).astype(np.float64)
    t = 10.0 + np.arange(8) / 104.0
    enc = make_encoder("movesense", {"resource": "IMU9", "ref": ref, "data_char": CHAR}, 104.0)
    return enc.encode(t, acc, gyr), acc, gyr


def test_two_part_reassembly_imu9_at_104hz() -> None:
    packets, acc, gyr = _imu9_packets()
    # official client: IMU9/104 = 8 samples, 292-byte payload, split 150 + 142
    assert [len(p.payload) for p in packets] == [152, 144]
    assert packets[0].payload[:2] == b"\x02\x63" and packets[1].payload[:2] == b"\x03\x63"
    d = dec("IMU9", 104.0, ref=99)
    assert d.decode(CHAR, packets[0].payload) == []
    (block,) = d.decode(CHAR, packets[1].payload)
    assert block.acc.tolist() == acc.tolist()
    assert block.gyr.tolist() == gyr.tolist()
    assert block.channels["mag_x_uT"] == 0.0


def test_part2_without_part1_is_an_error_then_recovers() -> None:
    packets, acc, _ = _imu9_packets()
    d = dec("IMU9", 104.0)
    with pytest.raises(DecodeError):
        d.decode(CHAR, packets[1].payload)
    assert d.decode(CHAR, packets[0].payload) == []
    (block,) = d.decode(CHAR, packets[1].payload)
    assert block.acc.tolist() == acc.tolist()


def test_lost_part_counts_once_from_the_timestamp_gap() -> None:
    rng = np.random.default_rng(2)
    acc = rng.normal(0, 20, (32, 3))
    gyr = rng.normal(0, 300, (32, 3))
    t = 10.0 + np.arange(32) / 104.0
    enc = make_encoder("movesense", {"resource": "IMU9", "ref": 99, "data_char": CHAR}, 104.0)
    packets = enc.encode(t, acc, gyr)  # 4 messages of 8 samples, 2 parts each
    assert len(packets) == 8
    d = dec("IMU9", 104.0)
    kept = [packets[0], packets[1], packets[2], packets[4], packets[5], packets[6],
            packets[7]]  # message 2 lost its second part
    blocks = []
    for p in kept:
        blocks += d.decode(CHAR, p.payload)
    assert [len(b) for b in blocks] == [8, 8, 8]
    assert [b.lost_packets for b in blocks] == [0, 1, 0]


def test_command_result_and_bad_lengths() -> None:
    d = dec()
    assert d.decode(CHAR, bytes.fromhex("01 01 48 65 6C 6C 6F")) == []  # HELLO reply
    with pytest.raises(DecodeError):
        d.decode(CHAR, V_IMU6[:-4])
    with pytest.raises(DecodeError):
        d.decode(CHAR, b"\x07\x01")
    with pytest.raises(DecodeError):
        dec(ref=5).decode(CHAR, V_IMU6)


vec = st.lists(st.floats(-1e4, 1e4, width=32), min_size=3, max_size=3)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["Acc", "Gyro", "IMU6", "IMU9"]),
    st.lists(st.tuples(vec, vec), min_size=1, max_size=40),
    st.integers(1, 12),
    st.floats(0, 4.2e6),
)
def test_round_trip(resource: str, samples, per_packet: int, t0: float) -> None:
    acc = np.array([s[0] for s in samples])
    gyr = np.array([s[1] for s in samples])
    t = t0 + np.arange(len(acc)) / 104.0
    params = {"resource": resource, "ref": 7, "samples_per_packet": per_packet, "data_char": CHAR}
    packets = make_encoder("movesense", params, 104.0).encode(t, acc, gyr)
    a, g, ts = stack(decode_all(dec(resource, 104.0, ref=7), packets))
    if resource != "Gyro":
        np.testing.assert_array_equal(a, acc)
    if resource != "Acc":
        np.testing.assert_array_equal(g, gyr)
    assert ts is not None
    np.testing.assert_allclose(ts, t, atol=1e-3)  # the ms clock


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=320))
def test_random_bytes_never_escape(garbage: bytes) -> None:
    d = dec("IMU6", 104.0)
    decode_or_error(d, CHAR, garbage)
    (block,) = d.decode(CHAR, V_IMU6)
    assert block.acc.tolist() == [[0.5, -1.25, 9.8125], [0.25, -1.0, 9.75]]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(V_IMU6) - 1))
def test_truncated_bytes_are_decode_errors(cut: int) -> None:
    d = dec("IMU6", 104.0)
    if cut > 6 and (cut - 6) % 24 == 0:
        # a cut on a whole-sample boundary is indistinguishable from a shorter packet (N is
        # derived from the length, GSP has no checksum); ATT never truncates notifications
        assert len(d.decode(CHAR, V_IMU6[:cut])[0]) == (cut - 6) // 24
    else:
        with pytest.raises(DecodeError):
            d.decode(CHAR, V_IMU6[:cut])
    (block,) = d.decode(CHAR, V_IMU6)
    assert len(block) == 2
