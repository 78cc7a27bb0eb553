"""Firmware profiles: declarative TOML files (``firmware_profiles/``), one per sensor family."""

from retrogait.profiles.loader import (
    default_profile_dir,
    find_profile,
    load_profile,
    load_profiles,
    profile_dirs,
    profile_path,
    scan_profiles,
)
from retrogait.profiles.schema import Command, FirmwareProfile

__all__ = [
    "Command",
    "FirmwareProfile",
    "default_profile_dir",
    "find_profile",
    "load_profile",
    "load_profiles",
    "profile_dirs",
    "profile_path",
    "scan_profiles",
]
