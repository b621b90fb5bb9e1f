"""A preview layer over the piano roll: the latent tools' result before it is applied.

:class:`RollPreview` is a transparent child of the roll's note grid. It dims the clip's own notes and
draws the preview's notes on top, in the roll's coordinates (it follows zoom and scroll). It takes no
mouse input, so the roll stays editable; nothing in the session changes until "Apply to clip".
``painted(stamp)`` fires after each paint of a preview (the benchmark's move-to-paint measure).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from latentcomposer.core import Clip, Note

if TYPE_CHECKING:
    from .piano_roll import PianoRoll

DIM = QColor(12, 14, 18, 120)
FILL = QColor("#ffb454")
FILL_SOFT = QColor("#c98a3c")
EDGE = QColor("#fff4dd")
BADGE_BG = QColor(255, 180, 84, 220)
BADGE_TEXT = QColor("#1d2026")


class RollPreview(QWidget):
    painted = Signal(int)

    def __init__(self, roll: PianoRoll) -> None:
        super().__init__(roll.canvas)
        self.roll = roll
        self.setObjectName("rollPreview")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.clip: Clip | None = None
        self.label = ""
        self.stamp = 0
        self._font = QFont(self.font())
        self._font.setPixelSize(11)
        self._font.setBold(True)
        roll.canvas.installEventFilter(self)
        roll.view.changed.connect(self.update)
        self.setGeometry(roll.canvas.rect())
        self.hide()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.roll.canvas and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.roll.canvas.rect())
        return False

    def show_clip(self, clip: Clip, label: str = "Preview", stamp: int = 0) -> None:
        self.clip, self.label, self.stamp = clip, label, stamp
        self.setGeometry(self.roll.canvas.rect())
        self.show()
        self.raise_()
        self.update()

    def clear(self) -> None:
        self.clip = None
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.clip is None:
            return
        p = QPainter(self)
        r = event.rect()
        p.fillRect(r, DIM)
        self.paint_notes(p, r)
        if self.label:
            p.setFont(self._font)
            text = f"{self.label} — not applied yet"
            width = p.fontMetrics().horizontalAdvance(text) + 14
            box = QRectF(8, 8, width, 20)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(BADGE_BG)
            p.drawRoundedRect(box, 4, 4)
            p.setPen(BADGE_TEXT)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        p.end()
        self.painted.emit(self.stamp)

    def paint_notes(self, p: QPainter, r: QRect) -> None:
        """The preview's notes in the rect ``r`` (subclasses draw several parts), and the clip's end."""
        clip = self.clip
        assert clip is not None
        v = self.roll.view
        p.setPen(QPen(EDGE, 1))
        scale = v.ppq / clip.ppq
        for n in self.visible(clip.notes, scale, r):
            p.setBrush(FILL if n.velocity >= 64 else FILL_SOFT)
            self.draw_note(p, n, scale)
        end_x = v.tick_to_x(clip.end_tick * scale)
        if r.left() <= end_x <= r.right():
            p.setPen(QPen(FILL, 1, Qt.PenStyle.DashLine))
            p.drawLine(round(end_x), r.top(), round(end_x), r.bottom())

    def visible(self, notes: Iterable[Note], scale: float, r: QRect) -> Iterator[Note]:
        """The notes (their ticks times ``scale``) that overlap the rect ``r``."""
        v = self.roll.view
        t0, t1 = v.x_to_tick(r.left() - 1), v.x_to_tick(r.right() + 1)
        return (n for n in notes if not (n.end * scale < t0 or n.start * scale > t1))

    def draw_note(self, p: QPainter, n: Note, scale: float) -> None:
        """One note as the roll places it, with the painter's pen and brush."""
        v = self.roll.view
        s, e = n.start * scale, n.end * scale
        w = max(3.0, (e - s) * v.px_per_tick)
        p.drawRect(QRectF(v.tick_to_x(s) + 0.5, v.pitch_to_y(n.pitch) + 0.5, w - 1, v.key_height - 1))
