"""The drum lane header left of the grid in the drum lane view (where the keyboard is otherwise).

One named row per drum lane (see :mod:`latentcomposer.app.drum_lanes`): the nine drum classes in a
fixed order, Kick at the top (bold), each followed by indented rows for other notes of that class
present in the clip (their General MIDI names); notes outside the drum map close the list, not
indented. Names too long for the header are elided (the tooltip has the full name and note). Click
a row (or drag along the rows) to audition that drum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QToolTip

from latentcomposer.app.drum_lanes import OTHER
from latentcomposer.app.instruments import drum_name

from . import style
from .keyboard import AuditionStrip

if TYPE_CHECKING:
    from .widget import PianoRoll

WIDTH = 148
PAD = 8
INDENT = 14


class DrumLaneHeader(AuditionStrip):
    def __init__(self, roll: PianoRoll) -> None:
        super().__init__(roll, "drumLanes", WIDTH)
        self._font = QFont(self.font())
        self._font.setPixelSize(11)
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        self.setToolTip("Click a drum to hear it")

    def point_for(self, pitch: int) -> QPointF:
        """Where to click to play ``pitch``'s lane (for tests and scripted use)."""
        return QPointF(WIDTH / 2, self.view.pitch_to_y(pitch) + self.view.row_height / 2)

    def label(self, row: int) -> str:
        lanes = self.view.lanes
        return lanes[row].name if lanes is not None and 0 <= row < len(lanes) else ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.view.lanes is not None:
            assert isinstance(event, QHelpEvent)
            y = event.pos().y()
            if self.view.in_rows(y):
                lane = self.view.lanes[self.view.y_to_row(y)]
                where = "" if lane.canonical else f" ({lane.group_name})"
                QToolTip.showText(event.globalPos(), f"{lane.name}{where}: GM note {lane.pitch}, "
                                  f"{drum_name(lane.pitch)}. Click to hear it.", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    # --- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        v, lanes = self.view, self.view.lanes
        r = event.rect()
        p.fillRect(r, style.BACKGROUND)
        if lanes is not None:
            h = v.row_height
            size = max(8, min(12, round(h * 0.5)))
            self._font.setPixelSize(size)
            self._bold.setPixelSize(size)
            for row in range(v.y_to_row(r.top()), v.y_to_row(r.bottom()) + 1):
                lane, y = lanes[row], v.row_to_y(row)
                rect = QRectF(0, y, WIDTH, h)
                if lane.pitch == self.pressed:
                    bg = style.KEY_PRESSED
                elif not lane.canonical:
                    bg = style.HEADER_EXTRA_BG
                else:
                    bg = style.HEADER_BG if lane.group % 2 == 0 else style.HEADER_BG_ALT
                p.fillRect(rect, bg)
                last_of_group = row == len(lanes) - 1 or lanes[row + 1].group != lane.group
                p.setPen(style.HEADER_EDGE if last_of_group else style.ROW_LINE)
                p.drawLine(QPointF(0, y + h - 0.5), QPointF(WIDTH, y + h - 0.5))
                if h < 7:
                    continue
                font = self._bold if lane.canonical else self._font
                left = PAD if lane.canonical or lane.group == OTHER else PAD + INDENT
                text = QFontMetricsF(font).elidedText(lane.name, Qt.TextElideMode.ElideRight, WIDTH - left - 4)
                p.setFont(font)
                p.setPen(style.KEY_BLACK if lane.pitch == self.pressed
                         else style.HEADER_TEXT if lane.canonical else style.HEADER_EXTRA_TEXT)
                p.drawText(QRectF(left, y, WIDTH - left - 4, h), Qt.AlignmentFlag.AlignLeft
                           | Qt.AlignmentFlag.AlignVCenter, text)
        p.setPen(style.HEADER_EDGE)
        p.drawLine(WIDTH - 1, r.top(), WIDTH - 1, r.bottom())
        p.end()
