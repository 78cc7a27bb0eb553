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


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))
            if c not in (0x09, 0x0A)}


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (ESC, CR, ...) except tab and newline
    are shown as ``\\xNN`` escapes, so names from files cannot drive the terminal."""
    return text.translate(_CONTROL)
