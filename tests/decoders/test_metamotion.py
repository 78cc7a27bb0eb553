"""MetaMotion (MetaWear): SDK test vectors from ble-imu-sensors-part1.md §4, pairing, properties."""

from __future__ import annotations

import numpy as np
import pytest
from decoder_props import decode_all, decode_or_error, stack
from hypothesis import given, settings
from hypothesis import strategies as st

from retrogait.decoders import make_decoder, make_encoder
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.decoders.metamotion import (
    acc_config_command,
    acc_lsb_g,
    connection_parameters_command,
    gyr_config_command,
    gyr_lsb_dps,
    parse_message,
)
from retrogait.errors import DecodeError

CHAR = "326a9006-85cb-9195-d9dd-464cfbbae75a"
G = STANDARD_GRAVITY

# [vendor test vector] acc ±4 g, same bytes for BMI160 and BMI270
V_ACC = bytes.fromhex("03 04 16 C4 94 A2 2A D0")
V_ACC_G = [-1.872314453125, -2.91943359375, -1.494873046875]
# [vendor test vector] gyro BMI160 ±500 deg/s
V_GYR160 = bytes.fromhex("13 05 3E 43 FF 7F 00 80")
# [vendor test vector] packed acc ±8 g (BMI160 register 1C; BMI270 uses 05)
V_PACKED_ACC = bytes.fromhex("03 1C 62 B7 53 0D E9 FD 16 D0 4D 0E 57 02 8A FF A1 05 0A 01")
V_PACKED_ACC_G = [
    [-4.53857421875, 0.832763671875, -0.130615234375],
    [-2.99462890625, 0.893798828125, 0.146240234375],
    [-0.02880859375, 0.351806640625, 0.06494140625],
]
# [vendor test vector] packed gyro BMI160 ±1000 deg/s
V_PACKED_GYR = bytes.fromhex("13 07 09 15 AD 26 08 DE 8A 1A 0D 26 65 E4 8D 20 AC 27 73 EC")
V_PACKED_GYR_DPS = [
    [164.177, 301.860, -265.122],
    [207.134, 296.982, -215.457],
    [254.055, 309.634, -152.591],
]


def dec(chip: str, acc_range: float = 16.0, gyr_range: float = 2000.0, gyro: bool = True):
    params = {"chip": chip, "acc_range_g": acc_range, "gyr_range_dps": gyr_range, "gyro": gyro}
    return make_decoder("metamotion", params, 100.0)


@pytest.mark.parametrize("chip", ["bmi160", "bmi270"])
def test_acc_vector_both_chips(chip: str) -> None:
    kind, raw = parse_message(chip, V_ACC)  # type: ignore[misc]
    assert kind == "acc" and raw.tolist() == [[-15338, -23916, -12246]]
    assert (raw * acc_lsb_g(4.0)).tolist() == [V_ACC_G]
    (b,) = dec(chip, acc_range=4.0, gyro=False).decode(CHAR, V_ACC)
    np.testing.assert_allclose(b.acc, np.array([V_ACC_G]) * G, rtol=1e-15)
    assert np.isnan(b.gyr).all() and b.t_sensor is None


def test_gyro_vector_bmi160_500dps() -> None:
    _, raw = parse_message("bmi160", V_GYR160)  # type: ignore[misc]
    dps = raw * gyr_lsb_dps(500.0)
    np.testing.assert_allclose(dps, [[262.409, 499.497, -499.512]], atol=5e-4)
    assert dps[0, 0] == pytest.approx(17214 / 65.6)
    # BMI270 reads its gyro sample from register 04: 13 05 is its *packed* register
    with pytest.raises(DecodeError):
        parse_message("bmi270", V_GYR160)


@pytest.mark.parametrize(("chip", "reg"), [("bmi160", 0x1C), ("bmi270", 0x05)])
def test_packed_acc_vector(chip: str, reg: int) -> None:
    payload = bytes([0x03, reg]) + V_PACKED_ACC[2:]
    _, raw = parse_message(chip, payload)  # type: ignore[misc]
    assert (raw * acc_lsb_g(8.0)).tolist() == V_PACKED_ACC_G
    (b,) = dec(chip, acc_range=8.0, gyro=False).decode(CHAR, payload)
    assert len(b) == 3


def test_packed_gyro_vector_bmi160() -> None:
    _, raw = parse_message("bmi160", V_PACKED_GYR)  # type: ignore[misc]
    np.testing.assert_allclose(raw * gyr_lsb_dps(1000.0), V_PACKED_GYR_DPS, atol=5e-4)


def test_pairing_acc_then_gyro() -> None:
    d = dec("bmi160", acc_range=8.0, gyr_range=1000.0)
    assert d.decode(CHAR, V_PACKED_ACC) == []
    (b,) = d.decode(CHAR, V_PACKED_GYR)
    np.testing.assert_allclose(b.acc / G, V_PACKED_ACC_G, rtol=1e-15)
    np.testing.assert_allclose(b.gyr, V_PACKED_GYR_DPS, atol=5e-4)
    d.decode(CHAR, V_PACKED_ACC)
    d.reset()  # a reconnect forgets half-paired samples
    assert d.decode(CHAR, V_PACKED_GYR) == []


def test_lost_notification_relocks_pairing() -> None:
    d = dec("bmi160", acc_range=8.0, gyr_range=1000.0)
    blocks = []
    for _ in range(20):
        blocks += d.decode(CHAR, V_PACKED_ACC) + d.decode(CHAR, V_PACKED_GYR)
    blocks += d.decode(CHAR, V_PACKED_GYR)  # its acc notification was lost
    for _ in range(12):
        blocks += d.decode(CHAR, V_PACKED_ACC) + d.decode(CHAR, V_PACKED_GYR)
    assert sum(b.lost_packets for b in blocks) == 1
    # after the relock, acc and gyro of the same notification pair again
    b = blocks[-1]
    np.testing.assert_allclose(b.acc / G, V_PACKED_ACC_G, rtol=1e-15)
    np.testing.assert_allclose(b.gyr, V_PACKED_GYR_DPS, atol=5e-4)


def test_silent_gyro_stream_releases_acc_with_nan() -> None:
    d = dec("bmi270")
    out = []
    for _ in range(200):
        out += d.decode(CHAR, V_ACC)
    acc, gyr, _ = stack(out)
    assert len(acc) == 200 - max(8, 100)  # max_pending samples are held back
    assert np.isnan(gyr).all()


def test_config_command_vectors() -> None:
    assert acc_config_command("bmi160", 100.0, 16.0) == bytes.fromhex("03 03 28 0C")
    assert acc_config_command("bmi160", 200.0, 8.0) == bytes.fromhex("03 03 29 08")
    assert acc_config_command("bmi270", 100.0, 16.0) == bytes.fromhex("03 03 A8 03")
    assert acc_config_command("bmi270", 200.0, 8.0) == bytes.fromhex("03 03 A9 02")
    assert acc_config_command("bmi160", 50.0, 2.0) == bytes.fromhex("03 03 27 03")
    assert gyr_config_command(200.0, 2000.0) == bytes.fromhex("13 03 29 00")
    assert gyr_config_command(100.0, 250.0) == bytes.fromhex("13 03 28 03")
    assert gyr_config_command(50.0, 125.0) == bytes.fromhex("13 03 27 04")
    assert gyr_config_command(100.0, 2000.0) == bytes.fromhex("13 03 28 00")  # §4.5 table
    assert connection_parameters_command(7.5, 7.5, 0, 6000) == bytes.fromhex(
        "11 09 06 00 06 00 00 00 58 02")


def test_read_responses_ignored_other_messages_rejected() -> None:
    d = dec("bmi270")
    assert d.decode(CHAR, bytes.fromhex("03 80 04 00")) == []  # acc module info: BMI270
    for bad in ("03", "03 04 16 C4", "02 04 16 C4 94 A2 2A D0", "03 1C" + " 00" * 18):
        with pytest.raises(DecodeError):
            d.decode(CHAR, bytes.fromhex(bad))
    with pytest.raises(DecodeError):
        make_decoder("metamotion", {"chip": "bmi270", "acc_range_g": 3.0}, 100.0)


motion = st.tuples(
    st.lists(st.floats(-15.9 * G, 15.9 * G), min_size=3, max_size=3),
    st.lists(st.floats(-1990.0, 1990.0), min_size=3, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["bmi160", "bmi270"]),
    st.booleans(),
    st.lists(motion, min_size=3, max_size=30),
)
def test_round_trip(chip: str, packed: bool, samples) -> None:
    acc = np.array([s[0] for s in samples])
    gyr = np.array([s[1] for s in samples])
    t = np.arange(len(acc)) / 100.0
    params = {"chip": chip, "acc_range_g": 16.0, "gyr_range_dps": 2000.0, "packed": packed,
              "data_char": CHAR}
    enc = make_encoder("metamotion", params, 100.0)
    # the simulator calls encode chunk by chunk: packed samples carry over between calls
    packets = enc.encode(t[:2], acc[:2], gyr[:2]) + enc.encode(t[2:], acc[2:], gyr[2:])
    a, g, ts = stack(decode_all(dec(chip), packets))
    n = len(acc) - len(acc) % 3 if packed else len(acc)
    assert ts is None and len(a) == n
    np.testing.assert_allclose(a, acc[:n], atol=acc_lsb_g(16.0) * G)
    np.testing.assert_allclose(g, gyr[:n], atol=gyr_lsb_dps(2000.0))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=24))
def test_random_bytes_never_escape(garbage: bytes) -> None:
    d = dec("bmi160", acc_range=8.0, gyr_range=1000.0)
    for _ in range(20):
        d.decode(CHAR, V_PACKED_ACC)
        d.decode(CHAR, V_PACKED_GYR)
    decode_or_error(d, CHAR, garbage)
    # a random message that parses as acc or gyro data unbalances the pairing for at most
    # ``relock_after`` notifications
    for _ in range(10):
        d.decode(CHAR, V_PACKED_ACC)
        blocks = d.decode(CHAR, V_PACKED_GYR)
    (b,) = blocks
    np.testing.assert_allclose(b.acc / G, V_PACKED_ACC_G, rtol=1e-15)
    np.testing.assert_allclose(b.gyr, V_PACKED_GYR_DPS, atol=5e-4)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 19))
def test_truncated_is_decode_error(cut: int) -> None:
    d = dec("bmi160", acc_range=8.0, gyr_range=1000.0)
    with pytest.raises(DecodeError):
        d.decode(CHAR, V_PACKED_ACC[:cut])
    d.decode(CHAR, V_PACKED_ACC)
    (b,) = d.decode(CHAR, V_PACKED_GYR)
    assert len(b) == 3
