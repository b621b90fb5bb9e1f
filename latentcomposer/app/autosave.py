"""Autosave and crash recovery.

While the app runs, :class:`Autosaver` writes the session to ``<data dir>/autosave/autosave-<pid>.lcproj``
(atomically) when it changed since the last autosave. Two ways to drive it:

* :meth:`Autosaver.tick`, called every :data:`POLL_S` seconds, saves once edits have paused for
  :data:`QUIET_S` seconds, and during a long burst of edits at the latest :data:`MAX_DELAY_S` seconds
  after the first unsaved one. Worst case lost to a crash: the edits of the last
  ``MAX_DELAY_S + POLL_S`` = 11 s of a non-stop burst; edits followed by a 2 s pause are all kept.
* :meth:`Autosaver.maybe_save` saves now if anything changed (the old 60 s timer called this).

A clean exit deletes the file. A file whose process is no longer running is what a crash left behind:
:func:`scan` lists them and the next start offers to recover. An autosave that cannot be read (damaged,
or from an incompatible version) never blocks the start: it is moved to ``autosave/damaged/`` and
reported in :attr:`Scan.quarantined`, with the reason, so the user can be told where it went.
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
INTERVAL_S = 60  # the periodic maybe_save() of earlier versions
POLL_S = 1  # how often the GUI calls tick()
QUIET_S = 2.0  # save once the edits have paused this long...
MAX_DELAY_S = 10.0  # ...or, during a long burst, this long after the first unsaved edit
PREFIX, SUFFIX = "autosave-", ".lcproj"
DAMAGED = "damaged"  # sub-folder where unreadable autosaves are moved


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
        self._seen_revision: int | None = None
        self._last_change = 0.0
        self._first_unsaved: float | None = None
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

    def tick(self, now: float | None = None) -> bool:
        """Debounced autosave (call every :data:`POLL_S` s); True if a file was written."""
        now = time.monotonic() if now is None else now
        if not self.session.modified:
            self._first_unsaved = None
            return self.maybe_save()  # removes a stale autosave
        if self.session.revision != self._seen_revision:
            self._seen_revision = self.session.revision
            self._last_change = now
            if self._first_unsaved is None:
                self._first_unsaved = now
        if not self.needed():
            self._first_unsaved = None
            return False
        first = self._first_unsaved if self._first_unsaved is not None else now
        if now - self._last_change < QUIET_S and now - first < MAX_DELAY_S:
            return False
        self._first_unsaved = None
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
    return int(stem) if stem.isdigit() and len(stem) < 12 else None


@dataclass(frozen=True)
class Quarantined:
    """An autosave that could not be read, and where it was moved (None if it could not be moved)."""

    original: Path
    moved_to: Path | None
    problem: str

    @property
    def message(self) -> str:
        where = f"moved to {self.moved_to}" if self.moved_to else "left where it is"
        return f"An autosave could not be recovered ({self.problem}); it was {where}."


@dataclass(frozen=True)
class Scan:
    recoverable: list[Recovery]  # newest first
    quarantined: list[Quarantined]


def quarantine(path: Path, problem: str) -> Quarantined:
    """Move an unreadable autosave to ``<its folder>/damaged/`` (never deletes it; never raises)."""
    target = path.parent / DAMAGED / f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}"
    try:
        target.parent.mkdir(exist_ok=True)
        n = 1
        while target.exists():
            target = target.with_name(f"{target.name.split('~')[0]}~{n}")
            n += 1
        os.replace(path, target)
    except OSError as exc:
        log.warning("could not move damaged autosave %s aside: %s", path, exc)
        return Quarantined(path, None, problem)
    log.warning("moved damaged autosave %s to %s: %s", path, target, problem)
    return Quarantined(path, target, problem)


def scan(directory: Path | None = None) -> Scan:
    """Autosaves of sessions no longer running; unreadable ones are quarantined. Never raises: a bad
    autosave must not stop the app from starting."""
    folder = Path(directory) if directory is not None else autosave_dir()
    out: list[Recovery] = []
    bad: list[Quarantined] = []
    try:
        if not folder.is_dir():
            return Scan([], [])
        candidates = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))
    except OSError as exc:
        log.warning("cannot look for autosaves in %s: %s", folder, exc)
        return Scan([], [])
    for path in candidates:
        pid = _pid_of(path)
        if pid is None or pid_alive(pid):
            continue
        try:
            data = load_project(path)
            mtime = path.stat().st_mtime
            info = data.meta.get("autosave") or {}
            original = info.get("original") if isinstance(info, dict) else None
            out.append(Recovery(path, data, mtime, original if isinstance(original, str) else None))
        except ProjectError as exc:
            bad.append(quarantine(path, exc.problem))
        except FileNotFoundError:
            continue  # another instance recovered or discarded it meanwhile
        except Exception as exc:  # noqa: BLE001 - a bug in loading must not block the start either
            log.exception("unexpected error reading autosave %s", path)
            bad.append(quarantine(path, f"{type(exc).__name__}: {exc}"))
    return Scan(sorted(out, key=lambda r: r.saved_at, reverse=True), bad)


def find_recoverable(directory: Path | None = None) -> list[Recovery]:
    """:func:`scan`'s recoverable autosaves, newest first (unreadable ones are quarantined)."""
    return scan(directory).recoverable


def discard(recovery: Recovery) -> None:
    try:
        recovery.path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not delete autosave %s: %s", recovery.path, exc)
