"""How the clip list draws a clip: a mini-roll of its notes, its name, and a line under it with its
length, instrument and note count ("8 bars · Acoustic Grand Piano · 42 notes"). Issue 27, defect 8:
the list showed bare names. Renaming in place still edits the plain name (the line under it is drawn,
not part of the item's text)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from latentcomposer.app.instruments import instrument_name
from latentcomposer.core import Clip

SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 2
THUMB_W, THUMB_H = 44, 28
ROW_H = 36
BG = QColor("#1d2026")
BAR = QColor("#3a3f49")
NOTE = QColor("#7fc4ff")
DRUM = QColor("#9be28f")


def subtitle(clip: Clip) -> str:
    """The line under a clip's name."""
    bars = clip.n_bars
    what = "drums" if clip.is_drum else instrument_name(clip)
    n = len(clip.notes)
    return f"{bars} bar{'s' if bars != 1 else ''} · {what} · {n} note{'s' if n != 1 else ''}" if n else \
        f"empty · {what}"


def thumbnail(clip: Clip, w: int = THUMB_W, h: int = THUMB_H) -> QPixmap:
    """A mini-roll of ``clip``: notes as short bars on a dark ground, bar lines."""
    pix = QPixmap(w, h)
    pix.fill(BG)
    p = QPainter(pix)
    end = max(clip.end_tick, clip.bar_ticks, 1)
    for b in range(1, clip.n_bars):
        x = round(b * clip.bar_ticks / end * w)
        p.setPen(BAR)
        p.drawLine(x, 0, x, h)
    rng = clip.pitch_range()
    if rng is not None:
        lo, hi = rng[0] - 1, rng[1] + 1
        span = max(1, hi - lo)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(DRUM if clip.is_drum else NOTE)
        step = max(1, len(clip.notes) // 4000)  # a huge clip: a sample of its notes is enough at this size
        for n in clip.notes[::step]:
            nx = n.start / end * w
            ny = (hi - n.pitch) / span * (h - 2)
            p.drawRect(QRectF(nx, ny, max(1.0, n.duration / end * w), max(1.5, (h - 2) / span)))
    p.end()
    return pix


class ClipRowDelegate(QStyledItemDelegate):
    """Thumbnail, name, and the subtitle (from :data:`SUBTITLE_ROLE`) in one row."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(max(120, option.rect.width()), ROW_H)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if isinstance(widget, QWidget) else None
        text, opt.text = opt.text, ""
        icon_pix = index.data(Qt.ItemDataRole.DecorationRole)
        opt.icon = type(opt.icon)()  # drawn by hand below
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        r = opt.rect
        painter.save()
        if isinstance(icon_pix, QPixmap):
            painter.drawPixmap(r.left() + 4, r.top() + (r.height() - THUMB_H) // 2, icon_pix)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        main = pal.highlightedText().color() if selected else pal.text().color()
        sub = QColor(main)
        sub.setAlpha(160)
        x = r.left() + THUMB_W + 10
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(main)
        painter.drawText(QRect(x, r.top() + 2, r.right() - x, r.height() // 2), int(Qt.AlignmentFlag.AlignVCenter),
                         painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, r.right() - x - 2))
        small = QFont(opt.font)
        small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.85))
        painter.setFont(small)
        painter.setPen(sub)
        line = str(index.data(SUBTITLE_ROLE) or "")
        painter.drawText(QRect(x, r.top() + r.height() // 2, r.right() - x, r.height() // 2 - 2),
                         int(Qt.AlignmentFlag.AlignVCenter),
                         painter.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, r.right() - x - 2))
        painter.restore()
