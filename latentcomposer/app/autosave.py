"""Autosave and crash recovery.

While the app runs, :class:`Autosaver` writes the session to ``<data dir>/autosave/autosave-<pid>.lcproj``
(atomically) whenever it changed since the last autosave; the GUI calls :meth:`Autosaver.maybe_save`
every 60 seconds. A clean exit deletes the file. A file whose process is no longer running is what a
crash left behind: :func:`find_recoverable` lists them and the next start offers to recover.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import autosave_dir
from .project import ProjectData, ProjectError, load_project, save_project

log = logging.getLogger(__name__)
INTERVAL_S = 60
PREFIX, SUFFIX = "autosave-", ".lcproj"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running (never signals or stops it)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Recovery:
    """An autosave left by a session that did not exit cleanly."""

    path: Path
    data: ProjectData
    saved_at: float  # file modification time (seconds since the epoch)
    original: str | None  # the project path the session had, if any

    @property
    def description(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        what = Path(self.original).name if self.original else "an unsaved session"
        n = len(self.data.items)
        return f"{what} ({n} clip{'s' if n != 1 else ''}), autosaved {when}"


class Autosaver:
    """Writes the session to its own autosave file when it has changed."""

    def __init__(self, session: Any, directory: Path | None = None, pid: int | None = None) -> None:
        self.session = session
        self.directory = Path(directory) if directory is not None else autosave_dir()
        self.pid = os.getpid() if pid is None else pid
        self._saved_revision: int | None = None
        self.last_error: str | None = None

    @property
    def path(self) -> Path:
        return self.directory / f"{PREFIX}{self.pid}{SUFFIX}"

    def needed(self) -> bool:
        """The session has unsaved changes that the autosave file does not hold yet."""
        return self.session.modified and self.session.revision != self._saved_revision

    def maybe_save(self) -> bool:
        """Autosave if needed; True if a file was written. Errors are logged, never raised."""
        if not self.session.modified:
            self.remove()  # everything is saved to the project: nothing to recover
            return False
        if not self.needed():
            return False
        return self.save()

    def save(self) -> bool:
        extra = {"autosave": {"pid": self.pid, "time": time.time(),
                              "original": str(self.session.path) if self.session.path else None}}
        try:
            save_project(self.path, self.session, extra)
        except ProjectError as exc:
            self.last_error = str(exc)
            log.warning("autosave failed: %s", exc)
            return False
        self._saved_revision = self.session.revision
        self.last_error = None
        return True

    def remove(self) -> None:
        """Delete this session's autosave (on a clean exit, or once everything is saved)."""
        self._saved_revision = None
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove autosave %s: %s", self.path, exc)


def _pid_of(path: Path) -> int | None:
    stem = path.name[len(PREFIX):-len(SUFFIX)]
    return int(stem) if stem.isdigit() else None


def find_recoverable(directory: Path | None = None) -> list[Recovery]:
    """Autosaves of sessions that are no longer running, newest first. Unreadable ones are skipped."""
    folder = Path(directory) if directory is not None else autosave_dir()
    if not folder.is_dir():
        return []
    out = []
    for path in folder.glob(f"{PREFIX}*{SUFFIX}"):
        pid = _pid_of(path)
        if pid is None or pid_alive(pid):
            continue
        try:
            data = load_project(path)
            mtime = path.stat().st_mtime
        except (ProjectError, OSError) as exc:
            log.warning("skipping unreadable autosave %s: %s", path, exc)
            continue
        info = data.meta.get("autosave") or {}
        original = info.get("original") if isinstance(info, dict) else None
        out.append(Recovery(path, data, mtime, original if isinstance(original, str) else None))
    return sorted(out, key=lambda r: r.saved_at, reverse=True)


def discard(recovery: Recovery) -> None:
    try:
        recovery.path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not delete autosave %s: %s", recovery.path, exc)
