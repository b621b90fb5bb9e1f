"""Reading files off the UI thread, for callers that want the result where they stand.

:func:`off_ui_thread` runs a function on a short-lived thread and waits for it in a local event loop
that keeps painting the window but holds user input back until the result is in (so nothing can be
edited, opened or closed half-way). After :data:`BUSY_AFTER_MS` a small busy dialog says what is
being read. The function's exception, if any, is raised in the caller, so error handling stays where
it was: a damaged file still becomes an error dialog there.
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


def off_ui_thread(parent: QWidget | None, what: str, fn: Callable[[], T]) -> T:
    """``fn()`` computed on a worker thread while the UI stays painted; ``what`` names it for the busy
    dialog ("Reading song.mid…")."""
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
        busy = QProgressDialog(what, "", 0, 0, parent)
        busy.setObjectName("busyDialog")
        busy.setWindowTitle("latentcomposer")
        busy.setCancelButton(None)  # type: ignore[arg-type]
        busy.setMinimumDuration(0)
        busy.setWindowModality(Qt.WindowModality.NonModal)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        busy.show()
        try:
            while not done.is_set():
                loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        finally:
            QApplication.restoreOverrideCursor()
            busy.close()
            busy.deleteLater()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
