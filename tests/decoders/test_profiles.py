"""Every bundled firmware profile: loads, documents itself, and its encoder/decoder pair
carries the same motion (within the device's resolution and clock)."""

from __future__ import annotations

import numpy as np
import pytest
from decoder_props import check_block, decode_all, stack
from pydantic import ValidationError

from retrogait.decoders import decoder_for, encoder_for
from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.profiles import load_profiles
from retrogait.profiles.schema import FirmwareProfile

PROFILES = load_profiles()
OURS = sorted(n for n in PROFILES if n != "retrogait-imu")
IMU = sorted(n for n in PROFILES if PROFILES[n].kind == "imu")


def test_all_expected_profiles_ship() -> None:
    assert set(OURS) >= {
        "witmotion-ble5", "movesense-imu6", "movesense-imu9", "movella-dot", "metamotion-s",
        "metamotion-s-packed", "metamotion-rl", "metamotion-rl-packed", "polar-verity-sense",
        "polar-verity-sense-sdk", "polar-h10-acc", "thingy52-raw", "rsc-footpod",
        "rsc-wahoo-tickr-x",
    }


@pytest.mark.parametrize("name", OURS)
def test_profile_documents_itself(name: str) -> None:
    p = PROFILES[name]
    assert p.sources and all("ble-imu-sensors-part" in s or "/" in s for s in p.sources)
    assert p.quirks and p.axes.convention and p.mounting_note
    if not p.axes.documented_by_vendor or p.kind == "rsc":
        assert "not" in p.axes.convention.lower() or "check" in p.mounting_note.lower()
    chars = {p.gatt.write, *p.gatt.notify, "15171002-4947-11e9-8646-d663bd873d93"}  # DOT control
    for rate in p.rates_hz:
        for cmd in p.start_sequence(rate) + p.stop:
            assert cmd.char in chars, (name, cmd)


def _motion(n: int, rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = 100.0 + np.arange(n) / rate
    w = 2 * np.pi * 1.3
    acc = np.stack([6 * np.sin(w * t), 3 * np.cos(w * t), 9.8 + 40 * np.sin(2 * w * t)], axis=1)
    gyr = np.stack([500 * np.sin(w * t), -200 * np.cos(w * t), 50 * np.sin(3 * w * t)], axis=1)
    return t, acc, gyr


@pytest.mark.parametrize("name", IMU)
def test_encoder_decoder_carry_the_same_motion(name: str) -> None:
    p = PROFILES[name]
    rate = p.default_rate_hz
    t, acc, gyr = _motion(6 * 20, rate)
    packets = encoder_for(p).encode(t, acc, gyr)
    assert packets and all(pk.char in p.gatt.notify for pk in packets)
    assert all(0 <= pk.last_sample < len(t) for pk in packets)
    blocks = decode_all(decoder_for(p), packets)
    for b in blocks:
        check_block(b)
    a, g, ts = stack(blocks)
    assert len(a) == len(t)
    # rounding to the device's resolution: half an LSB at most (1 mG, 1/32 deg/s worst case)
    np.testing.assert_allclose(a, acc, atol=0.006)
    if p.gyr_range_dps is None and "gyr" not in str(p.decoder.params.get("measurements", "gyr")):
        assert np.isnan(g).all()
    else:
        np.testing.assert_allclose(g, gyr, atol=0.035)
    assert (ts is not None) == p.has_sensor_clock
    if ts is not None:
        # the sensor clock may wrap: compare spacing, and the first time modulo the wrap
        np.testing.assert_allclose(np.diff(ts), np.diff(t), atol=1.1e-3)
    assert sum(b.lost_packets for b in blocks) == 0


@pytest.mark.parametrize("name", [n for n in OURS if PROFILES[n].kind == "rsc"])
def test_rsc_profiles(name: str) -> None:
    p = PROFILES[name]
    enc = encoder_for(p)
    pkt = enc.encode_values(3.0, 170.0, 1.06, 1234.5)  # type: ignore[attr-defined]
    (b,) = decoder_for(p).decode(pkt.char, pkt.payload)
    assert len(b) == 0 and b.t_sensor is None
    assert b.channels["cadence_spm"] == pytest.approx(170.0, abs=2.0)
    assert b.channels["speed_m_s"] == pytest.approx(3.0, abs=1 / 256)


def test_command_sequences_match_the_reference_notes() -> None:
    mms = [c.hex for c in PROFILES["metamotion-s"].start_sequence(100.0)]
    assert mms == ["0303a803", "13032800", "030401", "130401", "03020100", "13020100",
                   "030101", "130101"]  # part 1 §4.5 table
    stop = [c.hex for c in PROFILES["metamotion-s"].stop]
    assert stop == ["030100", "130100", "03020001", "13020001", "030400", "130400"]
    rl = PROFILES["metamotion-rl"]
    assert [c.hex for c in rl.start_sequence(100.0)][:4] == ["0303280c", "13032800", "030401",
                                                             "130501"]
    assert all(not c.response for c in rl.start_sequence(100.0))  # SDK: write without response
    ms = PROFILES["movesense-imu6"].start_sequence(104.0)
    assert [c.payload for c in ms] == [bytes.fromhex("01 63 2F 4D 65 61 73 2F 49 4D 55 36 2F 31"
                                                     " 30 34")]
    assert PROFILES["movesense-imu6"].stop[0].payload == bytes.fromhex("02 63")
    dot = PROFILES["movella-dot"]
    assert dot.start[0].payload == bytes.fromhex("01 01 15")
    assert dot.stop[0].payload == bytes.fromhex("01 00 15")
    h10 = PROFILES["polar-h10-acc"].start_sequence(200.0)
    assert [c.payload for c in h10] == [bytes.fromhex("02 02 02 01 08 00 00 01 C8 00 01 01 10 00")]
    verity = PROFILES["polar-verity-sense"].start_sequence(52.0)
    assert verity[0].payload == bytes.fromhex("02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03")
    wit = [c.hex for c in PROFILES["witmotion-ble5"].start_sequence(200.0)]
    assert wit == ["ffaa6988b5", "ffaa030b00", "ffaa000000"]
    thingy = PROFILES["thingy52-raw"].start_sequence(100.0)
    assert [c.payload for c in thingy] == [bytes.fromhex("E8 03 F4 01 F4 01 64 00 01")]


def test_witmotion_uuids_keep_the_9a_base() -> None:
    gatt = PROFILES["witmotion-ble5"].gatt
    assert gatt.notify == ["0000ffe4-0000-1000-8000-00805f9a34fb"]


def test_start_by_rate_keys_are_validated() -> None:
    data = PROFILES["movesense-imu6"].model_dump()
    data["start_by_rate"] = {"99.0": data["start_by_rate"]["104.0"]}
    with pytest.raises(ValidationError, match="start_by_rate key"):
        FirmwareProfile.model_validate(data)


def test_gravity_constant_is_standard() -> None:
    assert STANDARD_GRAVITY == 9.80665


def test_diy_worked_example_in_docs() -> None:
    """The rgimu v1 example bytes printed in docs/sensors.md decode as the doc says."""
    payload = bytes.fromhex(
        "01 02 00 00 40 42 0f 00 88 13 00 00 00 00 00 08 00 00 00 00 00 00"
        " d1 00 5e fe c0 07 66 06 cd fc 10 00"
    )
    (b,) = decoder_for(PROFILES["retrogait-imu"]).decode("", payload)
    assert b.t_sensor is not None and b.t_sensor.tolist() == [1.0, 1.005]
    assert b.acc[0].tolist() == [0.0, 0.0, 9.80665]
    np.testing.assert_allclose(b.acc[1], [1.001, -2.002, 9.500], atol=1e-3)
    np.testing.assert_allclose(b.gyr[1], [99.98, -49.99, 0.98], atol=5e-3)
