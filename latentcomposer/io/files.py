"""Reading a user's file with the problems worded once: a folder, too large, missing, not allowed,
unreadable. Each file format wraps :class:`FileProblem` into its own error (MIDI, project)."""

from __future__ import annotations

import os
from pathlib import Path


class FileProblem(Exception):
    """Why a file could not be read, worded to follow its name ("no such file", ...)."""

    def __init__(self, reason: str, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.too_large = reason, too_large


def read_capped(path: str | os.PathLike[str], max_bytes: int, what: str) -> bytes:
    """The bytes of ``path``; raises :class:`FileProblem` (``what``: "a MIDI file", ...)."""
    p = Path(path)
    try:
        if p.is_dir():
            raise FileProblem(f"is a folder, not {what}")
        size = p.stat().st_size
        if size > max_bytes:
            raise FileProblem(f"is {size / 1e6:.0f} MB; refusing files over {max_bytes // 2**20} MB",
                              too_large=True)
        return p.read_bytes()
    except FileNotFoundError:
        raise FileProblem("no such file") from None
    except PermissionError:
        raise FileProblem("permission denied") from None
    except OSError as exc:
        raise FileProblem(f"cannot be read ({exc.strerror or exc})") from None
