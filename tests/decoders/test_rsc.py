"""Running Speed and Cadence: vectors R1-R3 (+ the distance-only example) of part2 §3.6."""

from __future__ import annotations

import pytest
from decoder_props import decode_or_error
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.decoders import make_decoder, make_encoder
from retrogait.decoders.rsc import encode_measurement, parse_measurement
from retrogait.errors import DecodeError

CHAR = "00002a53-0000-1000-8000-00805f9b34fb"
R1 = bytes.fromhex("07 80 03 54 FA 00 40 1F 00 00")
R2 = bytes.fromhex("04 80 03 54")
R3 = bytes.fromhex("00 00 01 3C")
R4 = bytes.fromhex("02 9A 01 3A 10 27 00 00")


def dec(counts: str = "one_foot"):
    return make_decoder("rsc", {"cadence_counts": counts}, 1.0)


def test_r1_all_fields() -> None:
    assert parse_measurement(R1) == {
        "speed_m_s": 3.5, "cadence_raw_per_min": 84.0, "running": 1.0,
        "stride_length_m": 2.5, "total_distance_m": 800.0,
    }
    (b,) = dec().decode(CHAR, R1)
    assert b.acc.shape == (0, 3) and b.gyr.shape == (0, 3) and len(b) == 0
    assert b.channels["cadence_spm"] == 168.0  # one foot counted: both feet = 2x
    # consistency of the per-foot definition: speed = cadence x stride / 60
    assert b.channels["cadence_raw_per_min"] * b.channels["stride_length_m"] / 60 == 3.5


def test_r2_r3_minimal_frames() -> None:
    assert parse_measurement(R2) == {"speed_m_s": 3.5, "cadence_raw_per_min": 84.0,
                                     "running": 1.0}
    assert parse_measurement(R3) == {"speed_m_s": 1.0, "cadence_raw_per_min": 60.0,
                                     "running": 0.0}


def test_distance_only_example() -> None:
    m = parse_measurement(R4)
    assert m == {"speed_m_s": 1.6015625, "cadence_raw_per_min": 58.0, "running": 0.0,
                 "total_distance_m": 1000.0}


def test_both_feet_device_is_not_doubled() -> None:
    (b,) = dec("both_feet").decode(CHAR, R2)
    assert b.channels["cadence_spm"] == 84.0
    with pytest.raises(DecodeError):
        dec("three_feet")


def test_encoder_reproduces_vectors() -> None:
    assert encode_measurement(3.5, 84, 2.5, 800.0, running=True) == R1
    assert encode_measurement(3.5, 84, running=True) == R2
    assert encode_measurement(1.0, 60, running=False) == R3
    assert encode_measurement(1.6015625, 58, total_distance_m=1000.0, running=False) == R4
    enc = make_encoder("rsc", {"cadence_counts": "one_foot", "data_char": CHAR}, 1.0)
    assert enc.encode_values(3.5, 168.0, 2.5, 800.0).payload == R1


def test_negative_cases() -> None:
    with pytest.raises(DecodeError):
        dec().decode(CHAR, bytes.fromhex("03 80 03 54 FA 00"))  # flags 0x03 but 6 bytes
    with pytest.raises(DecodeError):
        dec().decode(CHAR, R2[:3])
    (b,) = dec().decode(CHAR, bytes([0xF8]) + R2[1:] + b"\x99\x99")  # reserved bits, trailing
    assert b.channels["speed_m_s"] == 3.5 and b.channels["running"] == 0.0


@settings(max_examples=100, deadline=None)
@given(
    st.floats(0, 255.99), st.integers(0, 255),
    st.one_of(st.none(), st.floats(0, 655.35)), st.one_of(st.none(), st.floats(0, 4e8)),
    st.booleans(),
)
def test_round_trip(speed, cadence, stride, dist, running) -> None:
    # quantisation error is at most half an LSB; EPS absorbs float rounding of exact halves
    eps = 1e-9
    m = parse_measurement(encode_measurement(speed, cadence, stride, dist, running))
    assert m["speed_m_s"] == pytest.approx(speed, abs=1 / 512 + eps)
    assert m["cadence_raw_per_min"] == cadence
    assert m["running"] == float(running)
    if stride is None:
        assert "stride_length_m" not in m
    else:
        assert m["stride_length_m"] == pytest.approx(stride, abs=0.005 + eps)
    if dist is None:
        assert "total_distance_m" not in m
    else:
        assert m["total_distance_m"] == pytest.approx(dist, abs=0.05 + eps)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=16))
def test_random_bytes_never_escape(garbage: bytes) -> None:
    d = dec()
    decode_or_error(d, CHAR, garbage)
    (b,) = d.decode(CHAR, R1)
    assert b.channels["total_distance_m"] == 800.0
