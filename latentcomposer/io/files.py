"""Reading a user's file with the problems worded once: a folder, a device or pipe, too large, missing,
not allowed, unreadable. Each file format wraps :class:`FileProblem` into its own error (MIDI, project).

Only regular files are read (symlinks to them are followed): ``/dev/zero`` would never end and a FIFO
would block until some other program writes to it. The file is opened without blocking, checked with
``fstat`` on the open descriptor (no race between the check and the read), and read with a hard cap of
``max_bytes + 1`` bytes, so a file that grows while being read, or lies about its size, is still refused.
"""

from __future__ import annotations

import os
import stat

_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # POSIX; on Windows a FIFO cannot be opened this way anyway
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows


class FileProblem(Exception):
    """Why a file could not be read, worded to follow its name ("no such file", ...)."""

    def __init__(self, reason: str, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.too_large = reason, too_large


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_capped(path: str | os.PathLike[str], max_bytes: int, what: str) -> bytes:
    """The bytes of ``path``; raises :class:`FileProblem` (``what``: "a MIDI file", ...)."""
    limit = f"refusing files over {max_bytes // 2**20} MB"
    try:
        st = os.stat(path)  # no open() yet: opening a FIFO would block
        if not stat.S_ISREG(st.st_mode):
            raise FileProblem(f"is {_kind(st.st_mode)}, not {what}")
        if st.st_size > max_bytes:
            raise FileProblem(f"is {st.st_size / 1e6:,.0f} MB; {limit}", too_large=True)
        fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_BINARY)
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode  # the file actually opened (it may have been swapped)
            if not stat.S_ISREG(mode):
                raise FileProblem(f"is {_kind(mode)}, not {what}")
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FileProblem(f"is over {max_bytes // 2**20} MB; {limit}", too_large=True)
        return data
    except FileNotFoundError:
        raise FileProblem("no such file") from None
    except PermissionError:
        raise FileProblem("permission denied") from None
    except IsADirectoryError:
        raise FileProblem(f"is a folder, not {what}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise FileProblem(f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
