"""The coalescing rule of the engine's worker lane: per channel only the newest request matters.

Qt-free and thread-safe; :class:`latentcomposer.ui.decode_worker.EngineWorker` drains it on its one
worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Job = Callable[[], Any]


class LatestOnlyQueue:
    """Jobs per channel where only the newest request matters (thread-safe).

    * ``submit`` replaces the channel's pending job (``coalesced`` counts those; the replaced ticket is
      returned) and says whether a drain must be started; at most one job per channel waits.
    * ``take`` hands the oldest pending job to the (single) draining thread, or marks the drain finished.
    * ``accept(channel, ticket)``: whether a finished job's result may still be shown. A result is stale
      (dropped) when a newer result of its channel was already shown or the channel was cancelled after
      it was asked for (another clip, a reset). During a continuous drag the results keep coming (each
      newer than the last shown) and the last request always runs, so the view ends in the last state.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[int, Job]] = {}
        self._latest: dict[str, int] = {}
        self._floor: dict[str, int] = {}  # cancelled up to this ticket
        self._shown: dict[str, int] = {}
        self._ticket = 0
        self._draining = False
        self.submitted = 0
        self.coalesced = 0
        self.executed = 0

    def submit(self, channel: str, job: Job) -> tuple[int, bool, int | None]:
        with self._lock:
            self._ticket += 1
            self.submitted += 1
            replaced = self._pending.pop(channel, None)
            if replaced is not None:
                self.coalesced += 1
            self._pending[channel] = (self._ticket, job)
            self._latest[channel] = self._ticket
            start = not self._draining
            self._draining = True
            return self._ticket, start, None if replaced is None else replaced[0]

    def take(self) -> tuple[str, int, Job] | None:
        with self._lock:
            if not self._pending:
                self._draining = False
                return None
            channel = next(iter(self._pending))
            ticket, job = self._pending.pop(channel)
            self.executed += 1
            return channel, ticket, job

    def accept(self, channel: str, ticket: int) -> bool:
        with self._lock:
            if ticket <= self._floor.get(channel, 0) or ticket <= self._shown.get(channel, 0):
                return False
            self._shown[channel] = ticket
            return True

    def is_latest(self, channel: str, ticket: int) -> bool:
        with self._lock:
            return self._latest.get(channel) == ticket

    def cancel(self, channel: str) -> int | None:
        """Forget the channel's pending job (its ticket is returned); results asked for so far are dropped."""
        with self._lock:
            self._floor[channel] = self._ticket
            pending = self._pending.pop(channel, None)
            return None if pending is None else pending[0]

    @property
    def idle(self) -> bool:
        with self._lock:
            return not self._draining and not self._pending
