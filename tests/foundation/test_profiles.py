from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrogait.errors import ProfileError
from retrogait.profiles import default_profile_dir, find_profile, load_profile, load_profiles


def test_bundled_profiles_all_load() -> None:
    profiles = load_profiles()
    assert "retrogait-imu" in profiles
    for name, p in profiles.items():
        assert p.name == name
        assert p.default_rate_hz in p.rates_hz
        assert p.gatt.notify


def test_profile_fields_are_normalised() -> None:
    p = find_profile("retrogait-imu")
    assert p.gatt.service == "7267696d-0001-4000-8000-00805f9b34fb"
    assert p.start[0].payload == b"\x01"
    assert p.commands_for_rate(200.0)[0].payload == bytes.fromhex("02c800")
    assert p.default_mounting.toe_axis == "+x"


def _copy(tmp_path: Path, text_edit: tuple[str, str] | None = None, name: str = "retrogait-imu"):
    src = default_profile_dir() / "retrogait-imu.toml"
    text = src.read_text()
    if text_edit:
        assert text_edit[0] in text
        text = text.replace(*text_edit)
    dst = tmp_path / f"{name}.toml"
    dst.write_text(text)
    return dst


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('default_rate_hz = 200.0', 'default_rate_hz = 333.0'), "default_rate_hz 333.0 is not in"),
        (('toe_axis = "+x"', 'toe_axis = "+q"'), "default_mounting.toe_axis"),
        (('toe_axis = "+x"', 'toe_axis = "+z"'), "must be different axes"),
        (('hex = "01"', 'hex = "0g"'), "start.0.hex"),
        (('service = "7267696d-0001', 'service = "zz67696d-0001'), "gatt.service"),
        (('name = "retrogait_imu"', 'name = "nope"'), "decoder.name: unknown decoder 'nope'"),
        (('vendor = "retrogait"\n', ''), "vendor: Field required"),
        (('kind = "imu"', 'kind = "imu"\ncolour = "red"'), "colour: Extra inputs are not"),
        (('rates_hz = [', 'rates_hz = ['), None),
    ],
)
def test_bad_profile_names_file_field_and_expectation(
    tmp_path: Path, edit: tuple[str, str], expected: str | None
) -> None:
    path = _copy(tmp_path, edit)
    if expected is None:
        assert load_profile(path).name == "retrogait-imu"
        return
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    msg = str(err.value)
    assert str(path) in msg
    assert expected in msg


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.toml"
    bad.write_text("name = [unclosed")
    with pytest.raises(ProfileError, match="invalid TOML"):
        load_profile(bad)
    with pytest.raises(ProfileError, match="no such profile file"):
        load_profile(tmp_path / "missing.toml")


def test_file_name_must_match_profile_name(tmp_path: Path) -> None:
    path = _copy(tmp_path, name="other-name")
    with pytest.raises(ProfileError, match="must match the file name"):
        load_profile(path)


def test_unknown_profile_lists_available(tmp_path: Path) -> None:
    shutil.copy(default_profile_dir() / "retrogait-imu.toml", tmp_path)
    with pytest.raises(ProfileError, match="available: retrogait-imu"):
        find_profile("no-such-sensor", tmp_path)
