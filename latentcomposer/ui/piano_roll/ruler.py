"""The bar/beat ruler above the grid: click to move the playhead, drag to set the loop region.

Double-click clears the loop region. Positions snap to the roll's grid (Alt: no snap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF, QWheelEvent
from PySide6.QtWidgets import QWidget

from latentcomposer.app.editing import snap

from . import style

if TYPE_CHECKING:
    from .widget import PianoRoll

HEIGHT = 26


class RulerWidget(QWidget):
    def __init__(self, roll: PianoRoll) -> None:
        super().__init__(roll)
        self.roll = roll
        self.view = roll.view
        self.setObjectName("pianoRuler")
        self.setFixedHeight(HEIGHT)
        self._press_x: float | None = None
        self._drag_loop: tuple[int, int] | None = None
        self._font = QFont(self.font())
        self._font.setPixelSize(10)
        self.setToolTip("Click to move the playhead; drag to set the loop region; double-click clears it")

    def sizeHint(self) -> QSize:
        return QSize(600, HEIGHT)

    def _tick(self, x: float, mods: Qt.KeyboardModifier) -> int:
        t = max(0.0, self.view.x_to_tick(x))
        if mods & Qt.KeyboardModifier.AltModifier:
            return int(round(t))
        return max(0, snap(t, self.view.grid if self.view.snap != "off" else self.view.ppq))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_x = event.position().x()
            self._drag_loop = None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press_x is None:
            return
        x = event.position().x()
        if abs(x - self._press_x) >= 4 or self._drag_loop is not None:
            a = self._tick(self._press_x, event.modifiers())
            b = self._tick(x, event.modifiers())
            self._drag_loop = (min(a, b), max(a, b))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press_x is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self.mouseMoveEvent(event)
        loop, self._drag_loop, press_x = self._drag_loop, None, self._press_x
        self._press_x = None
        if loop is not None and loop[1] > loop[0]:
            self.roll.loopChanged.emit(loop[0], loop[1])
        elif loop is None:
            self.roll.seekRequested.emit(self._tick(press_x, event.modifiers()))
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.roll.loopChanged.emit(-1, -1)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.roll.canvas.wheelEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        v = self.view
        r = event.rect()
        p.fillRect(r, style.RULER_BG)
        clip = self.roll.session.current_clip
        bar, beat = clip.bar_ticks, round(clip.ppq * 4 / clip.time_signature.denominator)
        ppt = v.px_per_tick
        loop = self._drag_loop or v.loop
        if loop is not None:
            x0, x1 = v.tick_to_x(loop[0]), v.tick_to_x(loop[1])
            active = v.loop_enabled or self._drag_loop is not None
            p.fillRect(QRectF(x0, 0, x1 - x0, HEIGHT), style.LOOP_EDGE if active else style.LOOP_FILL_OFF)
        t0, t1 = v.x_to_tick(r.left() - 40), v.x_to_tick(r.right() + 1)
        every = 1
        while bar * every * ppt < 34:
            every *= 2
        p.setFont(self._font)
        k = max(0, int(t0 // (bar * every)))
        while k * bar * every <= t1:
            x = round(v.tick_to_x(k * bar * every)) + 0.5
            p.setPen(style.RULER_TICK)
            p.drawLine(QPointF(x, 8), QPointF(x, HEIGHT))
            p.setPen(style.RULER_TEXT)
            p.drawText(QPointF(x + 3, 11), str(k * every + 1))
            k += 1
        if beat * ppt >= 8:
            p.setPen(style.RULER_TICK)
            k = max(0, int(t0 // beat))
            while k * beat <= t1:
                if k * beat % bar:
                    x = round(v.tick_to_x(k * beat)) + 0.5
                    p.drawLine(QPointF(x, HEIGHT - 6), QPointF(x, HEIGHT))
                k += 1
        x = v.tick_to_x(v.playhead)
        p.setPen(QPen(style.PLAYHEAD, 1))
        p.setBrush(style.PLAYHEAD)
        p.drawPolygon(QPolygonF([QPointF(x - 5, HEIGHT - 9), QPointF(x + 5, HEIGHT - 9), QPointF(x, HEIGHT)]))
        p.setPen(style.BAR_LINE)
        p.drawLine(r.left(), HEIGHT - 1, r.right(), HEIGHT - 1)
        p.end()
