"""Load and validate firmware profiles; errors name the file, the field and what was expected."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from retrogait.errors import ProfileError
from retrogait.profiles.schema import FirmwareProfile

PROFILE_DIR_ENV = "RETROGAIT_PROFILE_DIR"


def default_profile_dir() -> Path:
    """``$RETROGAIT_PROFILE_DIR``, else the bundled profiles, else the checkout's folder."""
    env = os.environ.get(PROFILE_DIR_ENV)
    if env:
        return Path(env)
    bundled = Path(__file__).resolve().parent.parent / "_firmware_profiles"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[3] / "firmware_profiles"


def format_validation_error(source: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{loc}: {err['msg']}")
    return f"{source}: " + "; ".join(parts)


def load_profile(path: str | Path) -> FirmwareProfile:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{p}: no such profile file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{p}: invalid TOML: {exc}") from None
    try:
        profile = FirmwareProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(format_validation_error(str(p), exc)) from None
    if profile.name != p.stem:
        raise ProfileError(f"{p}: name: profile name {profile.name!r} must match the file name")
    from retrogait.decoders import decoder_names

    if profile.decoder.name not in decoder_names():
        raise ProfileError(
            f"{p}: decoder.name: unknown decoder {profile.decoder.name!r}; "
            f"known: {', '.join(sorted(decoder_names()))}"
        )
    return profile


def load_profiles(directory: str | Path | None = None) -> dict[str, FirmwareProfile]:
    d = Path(directory) if directory is not None else default_profile_dir()
    if not d.is_dir():
        raise ProfileError(f"{d}: profile directory not found")
    return {p.stem: load_profile(p) for p in sorted(d.glob("*.toml"))}


@lru_cache(maxsize=8)
def _cached_profiles(directory: str) -> dict[str, FirmwareProfile]:
    return load_profiles(directory)


def find_profile(name: str, directory: str | Path | None = None) -> FirmwareProfile:
    d = str(directory if directory is not None else default_profile_dir())
    profiles = _cached_profiles(d)
    try:
        return profiles[name]
    except KeyError:
        raise ProfileError(
            f"unknown profile {name!r}; available: {', '.join(sorted(profiles)) or '(none)'}"
        ) from None
