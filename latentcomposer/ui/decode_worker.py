"""The engine's worker lane: every engine call of the latent tools runs here, never on the UI thread.

One QThreadPool with a single thread drains a :class:`~latentcomposer.app.latent.coalesce.LatestOnlyQueue`, so
engine calls never overlap and, per channel ("preview", "interpolate", "bars", ...), the newest request
wins: a pending request is replaced by a newer one (at most one waits while one runs), and a result
older than one already shown, or asked for before the channel was cancelled, is dropped. Results come
back to the UI thread through queued signals.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from latentcomposer.app.latent.coalesce import LatestOnlyQueue
from latentcomposer.core.errors import UserFacingError

log = logging.getLogger(__name__)

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[str], None]


class _Bridge(QObject):
    done = Signal(str, int, object)
    failed = Signal(str, int, str)


class _Drain(QRunnable):
    def __init__(self, worker: EngineWorker) -> None:
        super().__init__()
        self.queue = worker.queue
        self.bridge = worker.bridge

    def run(self) -> None:
        while (item := self.queue.take()) is not None:
            channel, ticket, job = item
            try:
                result = job()
            except Exception as exc:  # user-facing errors carry user messages; anything else is a bug
                if not isinstance(exc, UserFacingError):
                    log.warning("latent job %s failed:\n%s", channel, traceback.format_exc())
                message = str(exc) or type(exc).__name__
                try:
                    self.bridge.failed.emit(channel, ticket, message)
                except RuntimeError:  # the tools went away meanwhile
                    return
            else:
                try:
                    self.bridge.done.emit(channel, ticket, result)
                except RuntimeError:
                    return


class EngineWorker(QObject):
    """``submit(channel, job, on_done, on_error)``: ``job()`` runs on the worker thread; ``on_done(result)``
    or ``on_error(message)`` run on the UI thread unless the result is stale (see
    :meth:`LatestOnlyQueue.accept <latentcomposer.app.latent.coalesce.LatestOnlyQueue.accept>`)."""

    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = LatestOnlyQueue()
        self.bridge = _Bridge(self)
        self.bridge.done.connect(self._on_done)
        self.bridge.failed.connect(self._on_failed)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.pool.setExpiryTimeout(-1)  # keep the thread: no start-up cost per drag
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self._busy: dict[str, int] = {}  # channel -> its newest ticket, until that one is answered
        self.delivered = 0
        self.dropped = 0
        self.closed = False

    def submit(self, channel: str, job: Callable[[], T], on_done: Callable[[T], None] | None = None,
               on_error: Failed | None = None) -> int:
        if self.closed:
            return -1
        ticket, start, replaced = self.queue.submit(channel, job)
        if replaced is not None:
            self._callbacks.pop(replaced, None)
        self._callbacks[ticket] = (on_done, on_error)
        was_busy = bool(self._busy)
        self._busy[channel] = ticket
        if start:
            self.pool.start(_Drain(self))
        if not was_busy:
            self.busyChanged.emit(True)
        return ticket

    def cancel(self, channel: str) -> None:
        """Drop the channel's pending request and any result asked for so far."""
        pending = self.queue.cancel(channel)
        if pending is not None:
            self._callbacks.pop(pending, None)
        self._finish(channel, None)

    def is_busy(self, channel: str | None = None) -> bool:
        return bool(self._busy) if channel is None else channel in self._busy

    def _finish(self, channel: str, ticket: int | None) -> None:
        if channel in self._busy and (ticket is None or self._busy[channel] == ticket):
            del self._busy[channel]
            if not self._busy:
                self.busyChanged.emit(False)

    def _take(self, channel: str, ticket: int) -> tuple[Done | None, Failed | None] | None:
        callbacks = self._callbacks.pop(ticket, None)
        self._finish(channel, ticket)
        if self.closed or callbacks is None or not self.queue.accept(channel, ticket):
            self.dropped += 1
            return None
        return callbacks

    def _on_done(self, channel: str, ticket: int, result: object) -> None:
        callbacks = self._take(channel, ticket)
        if callbacks is not None:
            self.delivered += 1
            if callbacks[0] is not None:
                callbacks[0](result)

    def _on_failed(self, channel: str, ticket: int, message: str) -> None:
        callbacks = self._take(channel, ticket)
        if callbacks is not None and callbacks[1] is not None:
            callbacks[1](message)

    def wait(self, msecs: int = 10000) -> bool:
        """Block until the worker is idle (tests, shutdown). Queued results still need the event loop."""
        return self.pool.waitForDone(msecs)

    def close(self) -> None:
        self.closed = True
        for channel in list(self._busy):
            self.queue.cancel(channel)
        self.pool.waitForDone(5000)
