"""A minimal text progress bar for long command-line jobs (cache builds, rendering, training)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``bar.update(done, total, label)``; redraws at most every ``interval`` seconds.

    On a terminal it redraws one line; otherwise (logs, CI) it prints a line every ~10 %.
    """

    def __init__(self, title: str, stream: TextIO | None = None, interval: float = 0.2,
                 width: int = 30) -> None:
        self.title = title
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.width = width
        self._last = 0.0
        self._last_decile = -1
        self._t0 = time.monotonic()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, done: int | float, total: int | float, label: str = "") -> None:
        frac = 0.0 if total <= 0 else min(1.0, done / total)
        now = time.monotonic()
        elapsed = now - self._t0
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        if self._tty:
            if now - self._last < self.interval and frac < 1.0:
                return
            self._last = now
            filled = int(frac * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r{self.title} [{bar}] {frac:6.1%} {elapsed:5.0f}s eta {eta:5.0f}s {label[:30]:<30}")
            if frac >= 1.0:
                self.stream.write("\n")
        else:
            decile = int(frac * 10)
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(f"{self.title}: {frac:.0%} ({elapsed:.0f}s) {label}\n")
        self.stream.flush()

    def __call__(self, done: int | float, total: int | float, label: str = "") -> None:
        self.update(done, total, label)
