"""Exceptions with messages meant for users (one clear line, no traceback)."""


class RetrogaitError(Exception):
    """Base class: the CLI prints ``str(error)`` on one line and exits non-zero."""


class ProfileError(RetrogaitError):
    """A firmware profile is missing, unknown or invalid."""


class RecordingError(RetrogaitError):
    """A recording file is missing or malformed (message names file and line)."""


class DecodeError(RetrogaitError):
    """One notification payload could not be decoded; the stream goes on."""


class ConfigError(RetrogaitError):
    """Bad options or configuration."""
