"""Atomic file writes: a temporary file in the target's folder, fsync, rename, fsync the folder. Nothing
the user made is ever half-written; the file gets ordinary permissions (0666 less the umask, not
mkstemp's 0600).

What is at the target path decides what happens (deliberately):

* nothing, or a regular file: replaced atomically;
* a symlink: written *through* — the file it points to is replaced, the link stays a link (as editors
  do; the user chose the link). A link to something that is not a regular file is refused like that
  thing;
* a folder, device (``/dev/full``, ``/dev/null``), FIFO or socket: refused with
  :class:`NotARegularFile` (an ``OSError``); a rename would otherwise replace the device node itself.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

_UMASK = os.umask(0o022)  # read once at import (os.umask can only be read by setting it)
os.umask(_UMASK)


class NotARegularFile(OSError):
    """The target exists and is a folder, device, pipe or socket."""


def _target(path: str | os.PathLike[str]) -> Path:
    """The path to replace: ``path`` itself, or the file its symlink(s) lead to."""
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    if stat.S_ISDIR(mode):
        raise NotARegularFile(errno.EISDIR, "is a folder, not a file", str(path))
    if not stat.S_ISREG(mode):
        kind = "pipe" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device"
        raise NotARegularFile(errno.EINVAL, f"is a {kind}, not a file; choose a file name", str(path))
    return target


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open folders, and needs no such step)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (and /proc-like ones) refuse; the data itself is already synced
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; raises OSError (the caller words it for the user).

    Returns ``path`` as given (when it is a symlink, the file behind it was replaced).
    """
    target = _target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return Path(path)
