"""`ClipThumb`: a clip as a mini piano roll, for the interpolation strip.

Click selects (Shift extends a range), a drag carries the clip out as a MIDI file (into a DAW or a
file manager), right-click asks for the context menu.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QWidget

from latentcomposer.core import Clip

from .file_drag import drag_on_move, file_mime

BG = QColor("#1d2026")
BG_ENDPOINT = QColor("#232a33")
BAR = QColor("#3a3f49")
NOTE = QColor("#7fc4ff")
NOTE_END = QColor("#9be28f")
SELECTED = QColor("#7fc4ff")
CURRENT = QColor("#ffb454")
TEXT = QColor("#c9ccd3")


class ClipThumb(QFrame):
    clicked = Signal(int, bool)  # index, shift held
    menuRequested = Signal(int, QPoint)

    W, H = 104, 70

    def __init__(self, index: int, clip: Clip, label: str, pitch_range: tuple[int, int],
                 drag_file: Callable[[Clip], Path | None] | None = None, endpoint: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"thumb_{index}")
        self.index, self.clip, self.label = index, clip, label
        self.lo, self.hi = pitch_range
        self.drag_file = drag_file
        self.endpoint = endpoint
        self.selected = False
        self.current = False
        self._press: QPoint | None = None
        self.setFixedSize(self.W, self.H)
        self.setToolTip(f"{label}: {len(clip.notes)} notes, {clip.n_bars} bars — click to hear it in the roll, "
                        "Shift+click to select a range, drag out as MIDI, right-click for more")
        self._font = QFont(self.font())
        self._font.setPixelSize(10)

    def set_marks(self, selected: bool, current: bool) -> None:
        if (selected, current) != (self.selected, self.current):
            self.selected, self.current = selected, current
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        p.fillRect(r, BG_ENDPOINT if self.endpoint else BG)
        roll = r.adjusted(3, 3, -3, -15)
        clip = self.clip
        total = max(clip.end_tick, clip.bar_ticks, 1)
        p.setPen(BAR)
        for b in range(1, max(1, clip.n_bars)):
            x = roll.left() + roll.width() * b * clip.bar_ticks / total
            p.drawLine(round(x), round(roll.top()), round(x), round(roll.bottom()))
        span = max(1, self.hi - self.lo + 1)
        row_h = max(1.5, roll.height() / span)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(NOTE_END if self.endpoint else NOTE)
        for n in clip.notes:
            x0 = roll.left() + roll.width() * n.start / total
            w = max(1.5, roll.width() * (n.end - n.start) / total)
            frac = (min(max(n.pitch, self.lo), self.hi) - self.lo) / span
            y = roll.bottom() - (frac * roll.height()) - row_h
            p.drawRect(QRectF(x0, y, w, row_h))
        p.setFont(self._font)
        p.setPen(TEXT)
        p.drawText(QRectF(r.left() + 3, r.bottom() - 14, r.width() - 6, 13),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.label)
        if self.selected or self.current:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(CURRENT if self.current else SELECTED, 3))
            p.drawRect(r.adjusted(1, 1, -1, -1))
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        elif event.button() == Qt.MouseButton.RightButton:
            self.menuRequested.emit(self.index, event.globalPosition().toPoint())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.drag_file is not None:
            self._press = drag_on_move(self, self._press, event, self.mime_data, self.grab())

    def mime_data(self) -> QMimeData | None:
        """What a drag out carries: the file URL of a temporary MIDI file of the clip (None if it
        could not be written, or the thumbnail has no drag)."""
        return file_mime(self.drag_file(self.clip) if self.drag_file is not None else None)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and event.button() == Qt.MouseButton.LeftButton:
            self._press = None
            self.clicked.emit(self.index, bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))


def pitch_range(clips: list[Clip], pad: int = 2) -> tuple[int, int]:
    """One pitch range for a strip of thumbnails, so they compare at a glance."""
    ranges = [r for c in clips if (r := c.pitch_range()) is not None]
    if not ranges:
        return 60 - 6, 60 + 6
    lo, hi = min(r[0] for r in ranges) - pad, max(r[1] for r in ranges) + pad
    if hi - lo < 12:
        mid = (lo + hi) // 2
        lo, hi = mid - 6, mid + 6
    return max(0, lo), min(127, hi)
