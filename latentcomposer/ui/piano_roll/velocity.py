"""The velocity lane under the grid: one stem per note; drag across stems to set velocities.

When notes are selected only they are changed; otherwise every note under the pointer. The wheel over
a stem nudges that note's velocity. One drag is one undoable command.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QWidget

from latentcomposer.app.editing import clamp_velocity
from latentcomposer.core import Note

from . import style

if TYPE_CHECKING:
    from .widget import PianoRoll

HEIGHT = 72
PAD = 4
HIT_PX = 4


CROWDED = 5000  # more notes than this in view: draw one per pixel column (issue 27: 200k notes)

class VelocityLane(QWidget):
    def __init__(self, roll: PianoRoll) -> None:
        super().__init__(roll)
        self.roll = roll
        self.view = roll.view
        self.setObjectName("velocityLane")
        self.setFixedHeight(HEIGHT)
        self.edits: dict[Note, int] = {}
        self._last_x: float | None = None
        self.setToolTip("Velocity: drag across the stems to set it (selected notes only, if any)")

    def sizeHint(self) -> QSize:
        return QSize(600, HEIGHT)

    def velocity_at(self, y: float) -> int:
        return clamp_velocity((HEIGHT - PAD - y) / (HEIGHT - 2 * PAD) * 127)

    def y_for(self, velocity: int) -> float:
        return HEIGHT - PAD - velocity / 127 * (HEIGHT - 2 * PAD)

    def notes_between(self, x0: float, x1: float) -> list[Note]:
        v = self.view
        lo, hi = min(x0, x1) - HIT_PX, max(x0, x1) + HIT_PX
        t0, t1 = v.x_to_tick(lo), v.x_to_tick(hi)
        selection = self.roll.session.selection
        clip = self.roll.session.current_clip
        idx = self.roll.index()
        a, b = bisect.bisect_left(idx.starts, t0), bisect.bisect_right(idx.starts, t1)
        found = list(clip.notes[a:b])
        return [n for n in found if n in selection] if selection else found

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self.edits = {}
        self._last_x = event.position().x()
        self._apply(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._last_x is not None:
            self._apply(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._last_x is None:
            return
        self._apply(event.position())
        self._last_x = None
        edits, self.edits = self.edits, {}
        changed = {n: vel for n, vel in edits.items() if vel != n.velocity}
        if changed:
            self.roll.view.draw_velocity = next(iter(changed.values()))
            self.roll.run_edit(lambda: self.roll.session.set_velocity(list(changed), lambda n: changed[n]))
        self.update()

    def _apply(self, pos: QPointF) -> None:
        assert self._last_x is not None
        vel = self.velocity_at(pos.y())
        for n in self.notes_between(self._last_x, pos.x()):
            self.edits[n] = vel
        self._last_x = pos.x()
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        amount = event.angleDelta().y() or event.angleDelta().x()
        notes = self.notes_between(event.position().x(), event.position().x())
        if notes and amount:
            self.roll.nudge_velocity(notes[-1], 4 if amount > 0 else -4)
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        v = self.view
        r = event.rect()
        p.fillRect(r, style.LANE_BG)
        p.setPen(style.LANE_GUIDE)
        for vel in (32, 64, 96, 127):
            y = round(self.y_for(vel)) + 0.5
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        session = self.roll.session
        selection = session.selection
        t0, t1 = v.x_to_tick(r.left() - 4), v.x_to_tick(r.right() + 4)
        idx = self.roll.index()
        a, b = bisect.bisect_left(idx.starts, t0), bisect.bisect_right(idx.starts, t1)
        paint_color = style.velocity_color if v.lanes is None else style.hit_color  # as in the grid
        crowded = b - a > CROWDED  # a huge clip zoomed out: one stem per pixel column is all one sees
        last_x = None
        for n in idx.notes[a:b]:
            vel = self.edits.get(n, n.velocity)
            x = v.tick_to_x(n.start)
            if crowded:
                if round(x) == last_x:
                    continue
                last_x = round(x)
            y = self.y_for(vel)
            sel = n in selection
            color = paint_color(vel, sel)
            p.setPen(QPen(color, 2))
            p.drawLine(QPointF(x + 1, HEIGHT - PAD), QPointF(x + 1, y))
            p.setPen(QPen(style.SELECTED_EDGE if sel else style.NOTE_EDGE, 1))
            p.setBrush(color)
            p.drawRect(QRectF(x - 2, y - 2, 6, 5))
        p.setPen(style.BAR_LINE)
        p.drawLine(r.left(), 0, r.right(), 0)
        p.end()
