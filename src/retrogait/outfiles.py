"""Writing output files safely: never over an input, never a half file under the final name.

Every command that writes a file (``analyze --events``, ``replay --events``, ``export``,
``report``, ``import-csv``, ``history``) goes through this module:

- :func:`check_output` refuses an output that resolves to one of the command's inputs (same path,
  symlink or hard link), a folder, or a path in a folder that does not exist, before anything is
  opened;
- :func:`atomic_path` / :func:`open_atomic` write to a temporary file in the same folder and
  rename it over the final name only when the writing finished (``os.replace``: atomic on one
  file system). An error or interruption removes the temporary file and leaves whatever was
  under the final name untouched. Special files (``/dev/null``, a FIFO, a terminal) are written
  directly: they cannot be renamed over;
- :func:`os_error` turns an ``OSError`` into one line a user can act on (disk full, permission
  denied, ...).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from retrogait.errors import ConfigError, RetrogaitError

_REASONS = {
    errno.ENOSPC: "no space left on the device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENOENT: "no such file or folder",
    errno.ENAMETOOLONG: "file name too long",
    errno.EFBIG: "file too large",
    errno.EIO: "input/output error",
}


def os_error(path: str | Path, exc: OSError, what: str = "cannot write") -> RetrogaitError:
    """One line for a failed file operation: ``PATH: cannot write: disk full``."""
    reason = _REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
    return RetrogaitError(f"{path}: {what}: {reason}")


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` name the same file (also through symlinks or hard links)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        pass
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _special(path: Path) -> bool:
    """An existing file that is not a regular file (device, FIFO, socket)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_output(
    path: str | Path, inputs: Iterable[str | Path] = (), what: str = "output",
    make_parent: bool = False,
) -> Path:
    """Refuse an output that is an input, a folder, or in a missing folder (one-line errors).

    ``make_parent`` creates a missing parent folder instead of refusing it."""
    p = Path(path)
    for inp in inputs:
        if same_file(p, inp):
            raise ConfigError(
                f"{p}: the {what} would overwrite the input {inp}; choose another file name"
            )
    if p.is_dir():
        raise ConfigError(f"{p}: the {what} is a folder; give a file name")
    parent = p.parent
    if not parent.is_dir():
        if parent.exists():
            raise ConfigError(f"{p}: {parent} is a file, not a folder")
        if not make_parent:
            raise ConfigError(f"{p}: folder {parent} does not exist")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise os_error(parent, exc, "cannot create the folder") from None
    return p


def temp_name(path: Path) -> Path:
    """A hidden temporary name beside ``path`` that keeps its suffixes (``.jsonl.gz``)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.part{''.join(path.suffixes)}")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to ``path``, on any error
    (or ``KeyboardInterrupt``) it is removed. OSErrors become one-line :class:`RetrogaitError`."""
    final = Path(path)
    if _special(final):
        try:
            yield final
        except OSError as exc:
            raise os_error(final, exc) from None
        return
    tmp = temp_name(final)
    try:
        yield tmp
        os.replace(tmp, final)
    except OSError as exc:
        _unlink(tmp)
        raise os_error(final, exc) from None
    except BaseException:
        _unlink(tmp)
        raise


@contextmanager
def open_atomic(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """``open(path, mode)`` through a temporary file renamed when the block ends without error;
    the data is flushed to disk (fsync) before the rename."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh
        fh.flush()
        if tmp != Path(path):
            os.fsync(fh.fileno())


class AtomicFile:
    """A file written over time (events of a replay) that appears under its name at
    :meth:`commit`; :meth:`discard` removes it, leaving the final name untouched."""

    def __init__(self, path: str | Path, mode: str = "w", **kwargs: Any) -> None:
        self.path = Path(path)
        self.tmp = self.path if _special(self.path) else temp_name(self.path)
        try:
            self.fh: IO[Any] = open(self.tmp, mode, **kwargs)  # noqa: SIM115 - commit/discard
        except OSError as exc:
            raise os_error(self.path, exc) from None

    def commit(self) -> None:
        try:
            self.fh.flush()
            if self.tmp != self.path:
                os.fsync(self.fh.fileno())
            self.fh.close()
            if self.tmp != self.path:
                os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise os_error(self.path, exc) from None

    def discard(self) -> None:
        with suppress(OSError):
            self.fh.close()
        if self.tmp != self.path:
            _unlink(self.tmp)


def _unlink(p: Path) -> None:
    with suppress(OSError):
        p.unlink(missing_ok=True)


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text: str, default: str = "session") -> str:
    """``text`` as one file-name component: runs of characters other than letters, digits,
    ``_``, ``-`` and ``.`` become ``_``, no leading dot, at most 120 characters."""
    name = _UNSAFE_NAME.sub("_", text).lstrip(".")[:120]
    return name or default
