"""Load and validate firmware profiles; errors name the file, the field and what was expected."""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from retrogait.errors import ProfileError
from retrogait.profiles.schema import FirmwareProfile

log = logging.getLogger(__name__)

PROFILE_DIR_ENV = "RETROGAIT_PROFILE_DIR"


def bundled_profile_dir() -> Path:
    """The profiles shipped with retrogait (the package's copy, else the checkout's folder)."""
    bundled = Path(__file__).resolve().parent.parent / "_firmware_profiles"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[3] / "firmware_profiles"


def default_profile_dir() -> Path:
    """``$RETROGAIT_PROFILE_DIR``, else the bundled profiles (see :func:`profile_dirs` for the
    full search order)."""
    env = os.environ.get(PROFILE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return bundled_profile_dir()


def profile_dirs(directory: str | Path | None = None) -> list[Path]:
    """Where profiles are found, highest priority first. An explicit ``directory``
    (``--profiles-dir``, ``profile_dir`` in the config) is used alone: exactly the profiles in
    it. Otherwise ``$RETROGAIT_PROFILE_DIR`` *adds* to the bundled profiles (a file there with
    the name of a bundled profile replaces it)."""
    if directory is not None:
        return [Path(directory).expanduser()]
    dirs = []
    env = os.environ.get(PROFILE_DIR_ENV)
    if env:
        dirs.append(Path(env).expanduser())
    dirs.append(bundled_profile_dir())
    out: list[Path] = []
    for d in dirs:
        if d not in out:
            out.append(d)
    return out


@dataclass
class ProfileSet:
    """The profiles found, the file of each, and the files that failed to load (name ->
    one-line error): a broken file only matters to a command that asks for that profile."""

    profiles: dict[str, FirmwareProfile] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def scan_profiles(directory: str | Path | None = None) -> ProfileSet:
    """Load every profile of :func:`profile_dirs`, collecting errors instead of stopping at the
    first broken file."""
    return _scan(tuple(profile_dirs(directory)))


def _scan(dirs: tuple[Path, ...]) -> ProfileSet:
    found = ProfileSet()
    env = os.environ.get(PROFILE_DIR_ENV)
    for d in reversed(dirs):
        if not d.is_dir():
            how = f" (${PROFILE_DIR_ENV})" if env and d == Path(env).expanduser() else ""
            raise ProfileError(f"{d}: profile directory not found{how}")
        for p in sorted(d.glob("*.toml")):
            found.paths[p.stem] = p
            try:
                found.profiles[p.stem] = load_profile(p)
                found.errors.pop(p.stem, None)
            except ProfileError as exc:  # an override that is broken hides the bundled one
                found.profiles.pop(p.stem, None)
                found.errors[p.stem] = str(exc)
    return found


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
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                           "TOML files are UTF-8") from None
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
    """Every profile that loads (see :func:`profile_dirs`); broken files are logged and left
    out (:func:`scan_profiles` has their errors)."""
    found = _cached_scan(tuple(profile_dirs(directory)))
    for name, err in found.errors.items():
        log.warning("profile %s skipped: %s", name, err)
    return dict(found.profiles)


@lru_cache(maxsize=8)
def _cached_scan(dirs: tuple[Path, ...]) -> ProfileSet:
    return _scan(dirs)


def find_profile(name: str, directory: str | Path | None = None) -> FirmwareProfile:
    """The profile ``name``; a broken file of that name is an error, other broken files are
    not."""
    found = _cached_scan(tuple(profile_dirs(directory)))
    if name in found.errors:
        raise ProfileError(found.errors[name])
    try:
        return found.profiles[name]
    except KeyError:
        avail = ", ".join(sorted(found.profiles)) or "(none)"
        raise ProfileError(f"unknown profile {name!r}; available: {avail}") from None


def profile_path(name: str, directory: str | Path | None = None) -> Path:
    """The file profile ``name`` is read from."""
    find_profile(name, directory)
    return _cached_scan(tuple(profile_dirs(directory))).paths[name]
