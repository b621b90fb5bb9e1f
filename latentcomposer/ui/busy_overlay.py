"""A busy state where the result will appear: over the piano roll while a preview decodes.

Issue 27, defect 2: on a long clip a slider move showed nothing for 42 s. :class:`BusyOverlay` sits on
the roll's note grid (where the preview lands) and watches the engine worker: when a job whose result
is shown in the roll ("preview", "bars", "interpolate", "encode", "variations", "blend", "groove", "drumify") has been running longer
than :data:`SHOW_AFTER_MS`, it shows what is being computed and for how long; after
:data:`CANCEL_AFTER_MS` it offers **Cancel**, which drops the pending request and its result (the job
already running finishes on the worker, unseen). A model load shows here too, named in a composer's
words, while a preview is waited for.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from latentcomposer.app.latent import controller as _controller

if TYPE_CHECKING:
    from .latent_tools import LatentTools

SHOW_AFTER_MS = 150  # shorter waits show nothing (they read as instant)
CANCEL_AFTER_MS = 1500  # longer waits get a Cancel button
TICK_MS = 50
QUICK: str = getattr(_controller, "QUICK_PREVIEW", "")  # the progressive preview's quick channel, if any
WHAT = {  # channel -> what the user is waiting for, in the order they are named
    "preview": "Working out the preview",
    "bars": "Working out the bars",
    "interpolate": "Working out the interpolation",
    "variations": "Generating variations",
    "blend": "Mixing the corner clips",
    "groove": "Working out the groove",
    "drumify": "Writing drums for the clip",
    "encode": "Reading the clip",
}


class BusyOverlay(QFrame):
    """A small panel centred on the roll's note grid; ``cancelled(channels)`` after Cancel."""

    cancelled = Signal(list)

    def __init__(self, tools: LatentTools, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("busyOverlay")
        self.tools = tools
        self.setStyleSheet("#busyOverlay { background: rgba(29, 32, 38, 225); border: 1px solid #ffb454;"
                           " border-radius: 6px; } QLabel { color: #f0f0f0; }")
        self.label = QLabel("", self)
        self.label.setObjectName("busyText")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("busyProgress")
        self.bar.setRange(0, 0)  # indeterminate
        self.bar.setFixedWidth(90)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setObjectName("busyCancel")
        self.cancel.setToolTip("Stop waiting: the last request is dropped and the roll stays as it is")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.bar)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.cancel)
        self.cancel.clicked.connect(self.cancel_waits)
        self.since: float | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.refresh)
        tools.worker.busyChanged.connect(self._busy_changed)
        parent.installEventFilter(self)
        self.hide()

    # --- what is waited for --------------------------------------------------------------------
    def waiting_for(self) -> list[str]:
        """The busy channels whose result the roll will show, most important first (a progressive
        preview's quick decode counts as the preview)."""
        busy = [c for c in WHAT if self.tools.worker.is_busy(c)]
        if QUICK and "preview" not in busy and self.tools.worker.is_busy(QUICK):
            busy.insert(0, "preview")
        return busy

    def text(self, channels: list[str], elapsed: float) -> str:
        what = WHAT[channels[0]]
        state, _message = self.tools.status
        if state == "loading":
            what = f"Loading the model ({self.tools.loading_title()}), then: {what[0].lower()}{what[1:]}"
        return f"{what}… {elapsed:.1f} s" if elapsed >= 1.0 else f"{what}…"

    # --- following the worker ------------------------------------------------------------------
    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self.timer.start()
        else:
            self.since = None
            self.timer.stop()
            self.hide()

    def refresh(self) -> None:
        channels = self.waiting_for()
        if not channels:
            self.since = None
            self.hide()
            if not self.tools.worker.is_busy():
                self.timer.stop()
            return
        if self.since is None:  # the wait for a shown result starts now
            self.since = time.monotonic()
        elapsed = time.monotonic() - self.since
        if elapsed * 1000 < SHOW_AFTER_MS:
            return
        self.label.setText(self.text(channels, elapsed))
        self.cancel.setVisible(elapsed * 1000 >= CANCEL_AFTER_MS)
        self.adjustSize()
        self._place()
        if not self.isVisible():
            self.show()
            self.raise_()

    def cancel_waits(self) -> None:
        channels = self.waiting_for()
        for channel in channels:
            self.tools.worker.cancel(channel)
        if "preview" in channels and QUICK:
            self.tools.worker.cancel(QUICK)
        self.since = None
        self.hide()
        self.cancelled.emit(channels)

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.move(max(0, (parent.width() - self.width()) // 2), max(0, (parent.height() - self.height()) // 2))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


def attach(tools: LatentTools) -> BusyOverlay | None:
    """A busy overlay on ``tools``' roll (None without a roll)."""
    if tools.roll is None:
        return None
    overlay = BusyOverlay(tools, tools.roll.canvas)
    overlay.cancelled.connect(lambda _c: tools.say("Cancelled: the roll keeps what it showed before"))
    overlay.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
    return overlay
