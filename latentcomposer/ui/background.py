"""Reading files off the UI thread, for callers that want the result where they stand.

:func:`off_ui_thread` runs a function on a short-lived thread and waits for it in a local event loop
that keeps painting the window but holds user input back until the result is in (so nothing can be
edited, opened or closed half-way). After :data:`BUSY_AFTER_MS` a small busy dialog says what is
being read. The function's exception, if any, is raised in the caller, so error handling stays where
it was: a damaged file still becomes an error dialog there.

With a :class:`Progress` (a huge MIDI file: issue 27, defect 4) the dialog is a window-modal progress
bar with **Cancel** instead: the function reports how far it got (:meth:`Progress.report`) and checks
:attr:`Progress.cancelled`; Cancel returns at once with :class:`Cancelled` while the worker stops at
its next check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

T = TypeVar("T")
BUSY_AFTER_MS = 150


class _Finished(QObject):
    finished = Signal()


class Cancelled(Exception):
    """The user pressed Cancel in :func:`off_ui_thread`'s progress dialog."""


class Progress(QObject):
    """The progress mode of :func:`off_ui_thread`: a dialog titled ``title`` (``objectName`` ``name``)
    with a bar and Cancel. The worker calls :meth:`report` and reads :attr:`cancelled`."""

    changed = Signal(int)  # per mille (queued to the dialog on the UI thread)

    def __init__(self, title: str, name: str = "progressDialog") -> None:
        super().__init__()
        self.title, self.name = title, name
        self._cancel = threading.Event()

    def report(self, fraction: float) -> None:
        """(Worker thread.) ``fraction`` (0..1) of the work done."""
        self.changed.emit(int(fraction * 1000))

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


def progress_dialog(parent: QWidget | None, text: str, title: str, name: str) -> QProgressDialog:
    """A window-modal progress dialog (0..1000) with Cancel, shown at once and left open at 100 %."""
    dialog = QProgressDialog(text, "Cancel", 0, 1000, parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    return dialog


def _busy_dialog(parent: QWidget | None, what: str) -> QProgressDialog:
    busy = QProgressDialog(what, "", 0, 0, parent)
    busy.setObjectName("busyDialog")
    busy.setWindowTitle("latentcomposer")
    busy.setCancelButton(None)  # type: ignore[arg-type]
    busy.setMinimumDuration(0)
    busy.setWindowModality(Qt.WindowModality.NonModal)
    return busy


def off_ui_thread(parent: QWidget | None, what: str, fn: Callable[[], T], progress: Progress | None = None) -> T:
    """``fn()`` computed on a worker thread while the UI stays painted; ``what`` names it for the busy
    dialog ("Reading song.mid…"). With ``progress``: a progress dialog with Cancel (raises
    :class:`Cancelled` when pressed before ``fn`` returned)."""
    outcome: list[T] = []
    failure: list[BaseException] = []
    done = threading.Event()
    signal = _Finished()
    loop = QEventLoop()
    signal.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)

    def work() -> None:
        try:
            outcome.append(fn())
        except BaseException as exc:  # handed to the caller
            failure.append(exc)
        finally:
            done.set()
            signal.finished.emit()

    thread = threading.Thread(target=work, name="latentcomposer-read", daemon=True)
    thread.start()
    if not done.wait(BUSY_AFTER_MS / 1000):  # longer than a blink: say so, and keep the window painted
        if progress is None:
            busy = _busy_dialog(parent, what)
            flags = QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        else:  # the user may press Cancel: input goes through (the dialog is window-modal)
            busy = progress_dialog(parent, what, progress.title, progress.name)
            flags = QEventLoop.ProcessEventsFlag.AllEvents
            progress.changed.connect(busy.setValue)
            busy.canceled.connect(progress.cancel)
            busy.canceled.connect(loop.quit)
        busy.show()
        try:
            while not done.is_set() and not (progress is not None and progress.cancelled):
                loop.exec(flags)
        finally:
            if progress is None:
                QApplication.restoreOverrideCursor()
            busy.close()
            busy.deleteLater()
    if progress is not None and progress.cancelled and not outcome:
        raise Cancelled(what)  # at once: the worker stops at its next check of progress.cancelled
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
