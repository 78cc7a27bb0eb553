"""Polar PMD: vectors P1-P8 and §1.6-1.10 examples of ble-imu-sensors-part2.md, properties."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from decoder_props import decode_all, decode_or_error, stack
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.decoders import make_decoder, make_encoder
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.decoders.polar_pmd import (
    ACC,
    CHANNELS,
    CONTROL_POINT,
    DATA,
    ECG,
    FACTOR,
    GYRO,
    MAGNETOMETER,
    PPG,
    PPI,
    RANGE,
    RESOLUTION,
    SAMPLE_RATE,
    encode_delta_frame,
    parse_cp_response,
    parse_data_frame,
    parse_delta_frame,
    parse_features,
    parse_settings,
    start_request,
)
from retrogait.errors import DecodeError

G = STANDARD_GRAVITY
MG = 1e-3 * G

P1 = bytes.fromhex(
    "F0 01 02 00 00 00 04 19 00 32 00 64 00 C8 00 01 01 10 00 02 03 02 00 04 00 08 00"
)
P2 = bytes.fromhex("F0 01 02 00 00 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03")
P3 = bytes.fromhex("F0 02 02 00 00 05 01 40 DA 7F 39")
P4 = bytes.fromhex("F0 01 06 07 00")
P5 = bytes.fromhex("02 EA 54 A2 42 8B 45 52 08 01 45 FF E4 FF B5 03 45 FF E4 FF B8 03")
P6 = bytes.fromhex("02 65 00 00 00 00 00 00 00 81 F1 FF 14 00 F0 03 06 01 7B 0F 08")
P7 = bytes.fromhex("05 FF FF FF FF FF FF FF 7F 80 EA FF 08 00 0D 00 03 01 DF 00")
P8 = bytes.fromhex(
    "02 64 6C 76 C4 3C C6 7F 07 80 D0 FF 65 01 E4 0F 08 05 FC 07 FF 0C 13 F2 11 F1 1A F9 EE F8"
    " EF 0C 03"
)
P8_COUNTS = [[-48, 357, 4068], [-52, 364, 4067], [-40, 383, 4053], [-23, 368, 4079],
             [-30, 350, 4071], [-47, 362, 4074]]
# §1.10 B as printed in the spec (block announces 29 samples, source frame truncated)
B_TRUNCATED = bytes.fromhex(
    "02 64 6C 76 C4 3C C6 7F 07 80 D0 FF 65 01 E4 0F 08 1D FC 07 FF 0C 13 F2 11 F1 1A F9 EE F8"
    " EF 0C 03 09 F2"
)
# §1.10 C3, first two samples of Polar's raw type-1 unit test (226-byte frame in the SDK test)
C3_HEAD = bytes.fromhex("02 00 94 35 77 00 00 00 00 01 F7 FF FF FF E7 03 F8 FF FE FF E5 03")


def dec(measurements=("acc", "gyr"), rate: float = 52.0, **params):
    return make_decoder("polar_pmd", {"measurements": list(measurements), **params}, rate)


# ------------------------------------------------------------------ control point


def test_p1_h10_acc_settings() -> None:
    r = parse_cp_response(P1)
    assert (r.op_code, r.measurement, r.status, r.more) == (1, ACC, 0, False)
    assert r.settings == {SAMPLE_RATE: [25, 50, 100, 200], RESOLUTION: [16], RANGE: [2, 4, 8]}


def test_p2_verity_acc_settings() -> None:
    r = parse_cp_response(P2)
    assert r.settings == {SAMPLE_RATE: [52], RESOLUTION: [16], RANGE: [8], CHANNELS: [3]}


def test_p3_verity_start_factor() -> None:
    r = parse_cp_response(P3)
    assert r.ok and r.op_code == 2 and r.measurement == ACC
    assert r.settings[FACTOR][0] == pytest.approx(2.4399999529e-4, rel=1e-9)
    assert r.settings[FACTOR][0] == struct.unpack("<f", bytes.fromhex("40 DA 7F 39"))[0]


def test_p4_failure_status() -> None:
    r = parse_cp_response(P4)
    assert (r.op_code, r.measurement, r.status) == (1, MAGNETOMETER, 7)
    assert not r.ok and r.status_name == "INVALID RESOLUTION" and r.settings == {}
    with pytest.raises(DecodeError, match="INVALID RESOLUTION"):
        dec().decode(CONTROL_POINT, P4)


def test_other_settings_examples_1_6() -> None:
    assert parse_settings(
        bytes.fromhex("00 01 34 00 01 01 10 00 02 04 F5 00 F4 01 E8 03 D0 07 04 01 03")
    ) == {SAMPLE_RATE: [52], RESOLUTION: [16], RANGE: [245, 500, 1000, 2000], CHANNELS: [3]}
    ecg = parse_cp_response(bytes.fromhex("F0 01 00 00 00 00 01 82 00 01 01 0E 00"))
    assert ecg.measurement == ECG and ecg.settings == {SAMPLE_RATE: [130], RESOLUTION: [14]}
    ppg = parse_cp_response(bytes.fromhex("F0 01 01 00 00 00 01 82 00 01 01 16 00"))
    assert ppg.measurement == PPG and ppg.settings == {SAMPLE_RATE: [130], RESOLUTION: [22]}


def test_start_and_stop_requests_1_7() -> None:
    h10 = start_request(ACC, {RANGE: 8, SAMPLE_RATE: 200, RESOLUTION: 16})
    assert h10 == bytes.fromhex("02 02 02 01 08 00 00 01 C8 00 01 01 10 00")
    verity = start_request(ACC, {SAMPLE_RATE: 52, RESOLUTION: 16, RANGE: 8, CHANNELS: 3})
    assert verity == bytes.fromhex("02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03")
    bleakheart = start_request(ACC, {SAMPLE_RATE: 200, RESOLUTION: 16, RANGE: 2})
    assert bleakheart == bytes.fromhex("02 02 00 01 C8 00 01 01 10 00 02 01 02 00")
    h10_resp = parse_cp_response(bytes.fromhex("F0 02 02 00 00 01"))  # trailing 'reserved' 01
    assert h10_resp.ok and h10_resp.settings == {}
    stop = parse_cp_response(bytes.fromhex("F0 03 02 00 00"))
    assert stop.ok and stop.op_code == 3


def test_feature_read_1_3() -> None:
    verity = bytes.fromhex("0F 6E 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")
    assert parse_features(verity) == {PPG, ACC, PPI, GYRO, MAGNETOMETER}
    assert parse_features(bytes.fromhex("0F 05 00")) == {ECG, ACC}  # H10 per bleakheart


def test_control_point_indications_in_the_decoder() -> None:
    d = dec(acc_factor=1.0)
    assert d.decode(CONTROL_POINT, bytes.fromhex("0F 6E 00")) == []  # echoed feature read
    assert d.decode(CONTROL_POINT, bytes.fromhex("01 02")) == []  # device stopped ACC
    assert d.decode(CONTROL_POINT, P3) == []
    assert d.factors[ACC] == pytest.approx(2.44e-4, rel=1e-6)
    d.reset()
    assert d.factors[ACC] == 1.0
    with pytest.raises(DecodeError):
        d.decode(CONTROL_POINT, bytes.fromhex("F0 02"))


# ------------------------------------------------------------------ data frames


def test_p5_h10_raw_frame() -> None:
    f = parse_data_frame(P5)
    assert f.measurement == ACC and f.timestamp_ns == 599618164814402794 and f.frame_type == 1
    (b,) = dec(("acc",), rate=200.0).decode(DATA, P5)
    # −187, not the diagram's −184 (0xFF45 as int16)
    np.testing.assert_allclose(b.acc / MG, [[-187, -28, 949], [-187, -28, 952]], atol=1e-9)
    assert np.isnan(b.gyr).all()
    assert b.t_sensor is not None
    assert b.t_sensor[-1] == pytest.approx(599618164.814402794, abs=1e-6)
    assert b.t_sensor[-1] - b.t_sensor[0] == pytest.approx(1 / 200)


def test_c3_raw_frame_head() -> None:
    f = parse_data_frame(C3_HEAD)
    assert f.timestamp_ns == 2_000_000_000
    (b,) = dec(("acc",)).decode(DATA, C3_HEAD)
    np.testing.assert_allclose(b.acc / MG, [[-9, -1, 999], [-8, -2, 997]], atol=1e-9)


def test_p6_compressed_acc_type1() -> None:
    f = parse_data_frame(P6)
    assert parse_delta_frame(f.content).tolist() == [[-15, 20, 1008], [-20, 17, 1008]]
    (b,) = dec(("acc",)).decode(DATA, P6)  # FACTOR 1.0: mG
    np.testing.assert_allclose(b.acc / MG, [[-15, 20, 1008], [-20, 17, 1008]], atol=1e-9)


def test_p7_compressed_gyro_type0_max_timestamp() -> None:
    f = parse_data_frame(P7)
    assert f.measurement == GYRO and f.timestamp_ns == 9223372036854775807
    (b,) = dec(("gyr",)).decode(DATA, P7)
    assert b.gyr.tolist() == [[-22, 8, 13], [-23, 11, 16]]  # FACTOR 1.0: deg/s
    assert np.isnan(b.acc).all()


def test_p8_verity_delta_frame_with_factor() -> None:
    f = parse_data_frame(P8)
    assert f.timestamp_ns == 540368444604181604 and f.frame_type == 0x80
    assert parse_delta_frame(f.content).tolist() == P8_COUNTS
    (b,) = dec(("acc",), acc_factor=0.000244).decode(DATA, P8)
    np.testing.assert_allclose(b.acc[0] / MG, [-11.712, 87.108, 992.592], atol=1e-9)
    np.testing.assert_allclose(b.acc / G, np.array(P8_COUNTS) * 0.000244, rtol=1e-12)


def test_spec_frame_b_truncated_block_is_an_error() -> None:
    with pytest.raises(DecodeError, match="past the end"):
        dec(("acc",)).decode(DATA, B_TRUNCATED)


def test_bit_order_is_lsb_first() -> None:
    # §1.9 pitfall: MSB-first reading of C1's 6-bit block gives (30, −16, −4)
    content = bytes.fromhex("F1 FF 14 00 F0 03 06 01 7B 0F 08")
    deltas = np.diff(parse_delta_frame(content), axis=0)
    assert deltas.tolist() == [[-5, -3, 0]]


def test_negative_cases() -> None:
    d = dec(("acc", "gyr"))
    bad = [
        P5[:9],  # header only
        bytes([0x02]) + P5[1:9] + b"\x03" + P5[10:],  # raw ACC type 3
        bytes([0x02]) + P5[1:9] + b"\x83" + P5[10:],  # compressed ACC type 3
        bytes([0x05]) + P5[1:],  # raw gyro frames are not defined
        bytes([0x00]) + P5[1:],  # ECG is not decoded by this profile
        P5[:-1],  # not whole samples
        P6[:-1],  # delta block runs past the end
        bytes.fromhex("02 00 00 00 00 00 00 00 00 80 01 00 02 00 03 00 00 05 00"),  # width 0
    ]
    for payload in bad:
        with pytest.raises(DecodeError):
            d.decode(DATA, payload)


# ------------------------------------------------------------------ timing and pairing


def _frame(mtype: int, ts: int, counts: np.ndarray) -> bytes:
    return struct.pack("<BQB", mtype, ts, 0x80) + encode_delta_frame(counts)


def test_sdk_timestamp_rule_and_gap() -> None:
    d = dec(("acc",), rate=52.0)
    counts = np.zeros((4, 3), dtype=np.int64)
    t1 = 10_000_000_000
    (b1,) = d.decode(DATA, _frame(ACC, t1, counts))
    np.testing.assert_allclose(b1.t_sensor, (t1 - np.arange(3, -1, -1) * 1e9 / 52) / 1e9)
    t2 = t1 + 4 * 19_000_000  # actual period 19 ms: spacing (T - P)/n
    (b2,) = d.decode(DATA, _frame(ACC, t2, counts))
    np.testing.assert_allclose(b2.t_sensor, (t1 + np.arange(1, 5) * 19e6) / 1e9)
    assert b2.lost_packets == 0
    t3 = t2 + 3 * 4 * 19_000_000  # two frames of 4 missing
    (b3,) = d.decode(DATA, _frame(ACC, t3, counts))
    assert b3.lost_packets == 2
    assert b3.t_sensor is not None and b3.t_sensor[-1] == t3 / 1e9


def test_acc_gyro_pairing_by_time() -> None:
    d = dec(("acc", "gyr"), rate=52.0, acc_factor=0.000244, gyr_factor=1.0)
    ones = np.ones((5, 3), dtype=np.int64)
    assert d.decode(DATA, _frame(ACC, 5_000_000_000, ones * 4096)) == []
    (b,) = d.decode(DATA, _frame(GYRO, 5_000_000_000, ones * 7))
    assert len(b) == 5
    np.testing.assert_allclose(b.acc, 4096 * 0.000244 * G)
    assert b.gyr.tolist() == [[7.0, 7.0, 7.0]] * 5


# ------------------------------------------------------------------ properties


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(-32768, 32767), min_size=3, max_size=3), min_size=1,
                max_size=300))
def test_delta_codec_round_trip(samples) -> None:
    counts = np.array(samples, dtype=np.int64)
    assert parse_delta_frame(encode_delta_frame(counts)).tolist() == counts.tolist()


motion = st.tuples(
    st.lists(st.floats(-7.9 * G, 7.9 * G), min_size=3, max_size=3),
    st.lists(st.floats(-1990.0, 1990.0), min_size=3, max_size=3),
)


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from(["verity", "h10"]),
    st.lists(motion, min_size=1, max_size=80),
    st.integers(1, 40),
    st.floats(0.0, 7e8),
)
def test_round_trip(device: str, samples, per_packet: int, t0: float) -> None:
    acc = np.array([s[0] for s in samples])
    gyr = np.array([s[1] for s in samples])
    rate = 52.0 if device == "verity" else 200.0
    t = t0 + np.arange(len(acc)) / rate
    if device == "verity":
        params = {"measurements": ["acc", "gyr"], "acc_frame": "delta16",
                  "acc_factor": 8 / 32768, "gyr_factor": 2000 / 32768}
    else:
        params = {"measurements": ["acc"], "acc_frame": "raw16"}
    enc = make_encoder("polar_pmd", {**params, "samples_per_packet": per_packet}, rate)
    blocks = decode_all(make_decoder("polar_pmd", params, rate), enc.encode(t, acc, gyr))
    a, g, ts = stack(blocks)
    assert len(a) == len(acc)
    lsb = 8 / 32768 * G if device == "verity" else MG
    np.testing.assert_allclose(a, acc, atol=lsb)
    if device == "verity":
        np.testing.assert_allclose(g, gyr, atol=2000 / 32768)
    assert ts is not None
    np.testing.assert_allclose(ts, t, atol=2e-6)
    assert sum(b.lost_packets for b in blocks) == 0


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80))
def test_random_bytes_never_escape(garbage: bytes) -> None:
    d = dec(("acc",), rate=200.0)
    decode_or_error(d, DATA, garbage)
    decode_or_error(d, CONTROL_POINT, garbage)
    (b,) = d.decode(DATA, P5)
    np.testing.assert_allclose(b.acc / MG, [[-187, -28, 949], [-187, -28, 952]], atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([P5, P6, P7, P8]), st.data())
def test_truncated_bytes_never_escape(frame: bytes, data) -> None:
    cut = data.draw(st.integers(0, len(frame) - 1))
    d = dec(("acc", "gyr"), rate=52.0)
    decode_or_error(d, DATA, frame[:cut])
    d.reset()
    d2 = dec(("acc",), rate=52.0)
    decode_or_error(d2, DATA, frame[:cut])
    if frame is not P7:
        (b,) = d2.decode(DATA, frame)
        assert len(b) >= 2
