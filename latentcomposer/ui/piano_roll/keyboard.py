"""The keyboard left of the grid: one key per row; click (or drag along) to audition a pitch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QMouseEvent, QPainter, QPaintEvent, QWheelEvent
from PySide6.QtWidgets import QWidget

from latentcomposer.app.instruments import pitch_name

from . import style

if TYPE_CHECKING:
    from .widget import PianoRoll

WIDTH = 58


class AuditionStrip(QWidget):
    """A header left of the grid whose rows sound when clicked or dragged along (the keyboard, the
    drum lane names). ``pressed`` is the pitch sounding; subclasses paint."""

    def __init__(self, roll: PianoRoll, name: str, width: int) -> None:
        super().__init__(roll)
        self.roll = roll
        self.view = roll.view
        self.setObjectName(name)
        self.setFixedWidth(width)
        self.pressed: int | None = None

    def sizeHint(self) -> QSize:
        return QSize(self.width(), 400)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        y = event.position().y()
        if event.button() == Qt.MouseButton.LeftButton and self.view.in_rows(y):
            self._press(self.view.y_to_pitch(y))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        y = event.position().y()
        if self.pressed is not None and self.view.in_rows(y):
            pitch = self.view.y_to_pitch(y)
            if pitch != self.pressed:
                self._press(pitch)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.pressed = None
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.roll.canvas.wheelEvent(event)

    def _press(self, pitch: int) -> None:
        self.pressed = pitch
        self.roll.audition.emit(pitch, self.view.draw_velocity)
        self.update()


class KeyboardWidget(AuditionStrip):
    def __init__(self, roll: PianoRoll) -> None:
        super().__init__(roll, "pianoKeyboard", WIDTH)
        self._font = QFont(self.font())
        self._font.setPixelSize(9)
        self.setToolTip("Click a key to hear its pitch")

    def point_for(self, pitch: int) -> QPointF:
        """Where to click to play ``pitch`` (for tests and scripted use)."""
        return QPointF(WIDTH * 0.8, self.view.pitch_to_y(pitch) + self.view.key_height / 2)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        v = self.view
        r = event.rect()
        p.fillRect(r, style.KEY_WHITE)
        kh = v.key_height
        top, bottom = v.y_to_pitch(r.top()), v.y_to_pitch(r.bottom())
        p.setFont(self._font)
        for pitch in range(bottom, top + 1):
            y = v.pitch_to_y(pitch)
            if style.is_black(pitch):
                rect = QRectF(0, y, WIDTH * 0.62, kh)
                p.fillRect(rect, style.KEY_PRESSED if pitch == self.pressed else style.KEY_BLACK)
                continue
            if pitch == self.pressed:
                p.fillRect(QRectF(0, y, WIDTH, kh), style.KEY_PRESSED)
            if pitch % 12 in (0, 5):  # the line under C and F (white keys meeting)
                p.setPen(style.KEY_EDGE)
                p.drawLine(QPointF(0, y + kh - 0.5), QPointF(WIDTH, y + kh - 0.5))
            if pitch % 12 == 0 and kh >= 7:
                p.setPen(style.KEY_LABEL)
                p.drawText(QRectF(0, y, WIDTH - 4, kh), Qt.AlignmentFlag.AlignRight
                           | Qt.AlignmentFlag.AlignVCenter, pitch_name(pitch))
        p.setPen(style.KEY_EDGE)
        p.drawLine(WIDTH - 1, r.top(), WIDTH - 1, r.bottom())
        p.end()
