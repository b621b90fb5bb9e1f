"""`SectionThumb`: a section as a mini roll with every part in its colour (the blend strip)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QWidget

from latentcomposer.app.section import Section

BG = QColor("#1d2026")
BAR = QColor("#3a3f49")
EDGE_SELECTED = QColor("#ffffff")
TEXT = QColor("#c9ccd3")


class SectionThumb(QFrame):
    clicked = Signal(int)
    doubleClicked = Signal(int)

    W, H = 118, 84

    def __init__(self, index: int, section: Section, label: str, color: Callable[[str], QColor],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"sectionThumb_{index}")
        self.index, self.section, self.label, self.color = index, section, label, color
        self.selected = False
        self.setFixedSize(self.W, self.H)
        counts = ", ".join(f"{t.stream} {len(t.clip.notes)}" for t in section.tracks)
        self.setToolTip(f"{label}: {counts} notes — click to choose, double-click to add it as a section")
        pitches = [n.pitch for t in section.tracks for n in t.clip.notes]
        self.lo, self.hi = (min(pitches), max(pitches)) if pitches else (48, 72)
        self.end = max([t.clip.end_tick for t in section.tracks] + [section.tracks[0].clip.bar_ticks])
        self._font = QFont(self.font())
        self._font.setPixelSize(10)

    def set_selected(self, on: bool) -> None:
        if on != self.selected:
            self.selected = on
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.index)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.doubleClicked.emit(self.index)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        p.fillRect(r, BG)
        roll = r.adjusted(3, 3, -3, -16)
        bar = self.section.tracks[0].clip.bar_ticks
        sx = roll.width() / max(1, self.end)
        p.setPen(BAR)
        for k in range(0, self.end + 1, max(bar, 1)):
            x = roll.left() + k * sx
            p.drawLine(round(x), round(roll.top()), round(x), round(roll.bottom()))
        span = max(12, self.hi - self.lo + 1)
        h = max(1.5, roll.height() / span)
        p.setPen(Qt.PenStyle.NoPen)
        for t in self.section.tracks:
            p.setBrush(self.color(t.stream))
            for n in t.clip.notes:
                y = roll.bottom() - (n.pitch - self.lo + 1) * roll.height() / span
                p.drawRect(QRectF(roll.left() + n.start * sx, y, max(1.5, (n.end - n.start) * sx), h))
        p.setFont(self._font)
        p.setPen(TEXT)
        p.drawText(QRectF(r.left() + 4, r.bottom() - 15, r.width() - 8, 14), Qt.AlignmentFlag.AlignLeft, self.label)
        if self.selected:
            p.setPen(QPen(EDGE_SELECTED, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(r.adjusted(1, 1, -1, -1))
        p.end()
