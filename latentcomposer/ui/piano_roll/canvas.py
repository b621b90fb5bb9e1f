"""The note grid: paints rows, grid lines, notes, loop and playhead; mouse and keys edit notes.

Rows come from the view's row map (:class:`~.view.RollView`): one per pitch, or one per drum lane in
the drum lane view. The code below is shared by both; the few differences are noted.

Tools (``RollView.tool``):

* **select** — click a note to select it (Shift toggles), drag empty space for a rubber band (Shift
  adds), drag a note's body to move the selection, drag its right edge to resize.
* **draw** — click empty space to create a note one grid cell long (drag right to lengthen); on an
  existing note it moves/resizes like select; right-click deletes a note.
* **erase** — click or sweep over notes to delete them.

While dragging, Alt turns snapping off. Alt+wheel over a note changes velocity (the whole selection if
the note is selected). Up/Down transpose the selection (Shift: an octave), Left/Right move it by one
grid cell (Shift: a bar), Escape clears it. Every finished gesture is one undoable command; a note
drawn, moved or pasted exactly onto another (same pitch and start) is merged with it in that same
command (the session does it: :func:`latentcomposer.app.editing.merge_duplicates`).

Drum lane view (a drum clip; rows are drum lanes, see :mod:`latentcomposer.app.drum_lanes`): hits are
drawn as cells one grid cell wide (at most a 16th) whatever their length, shaded by velocity, and
have no resize handle. **Draw**: a click on an empty cell adds a hit there (the row's note, one grid
cell long, the draw velocity); a click on a hit *toggles it off* (deletes it), while a drag from a
hit moves it; right-click deletes too, as in the pitch view. Moving (select or draw) changes time
and row: a hit moved to another row takes that row's note. Up/Down move the selection one row.
Select, rubber band, erase, Alt+wheel velocity and the velocity lane work as in the pitch view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from latentcomposer.app.drum_lanes import hits_in_rect
from latentcomposer.app.editing import clamp_move, notes_in_rect, snap
from latentcomposer.app.instruments import pitch_name
from latentcomposer.core import Note

from . import style

if TYPE_CHECKING:
    from .widget import PianoRoll

EDGE_PX = 5  # how close to a note's right end counts as "resize"
MAX_AUDITION = 6


@dataclass
class Drag:
    mode: str  # move | resize | draw | rubber | erase
    press: QPointF
    press_tick: float
    press_pitch: int
    press_row: int = 0
    anchor: Note | None = None
    notes: frozenset[Note] = frozenset()
    preview: list[Note] = field(default_factory=list)
    dt: int = 0
    dp: int = 0  # semitones (pitch view) or rows down (drum lane view)
    d_end: int = 0
    moved: bool = False
    add: bool = False
    rect: QRectF | None = None
    hits: frozenset[Note] = frozenset()


CROWDED = 5000  # more notes than this in view: one per pixel column and row (issue 27: 200k notes)

class NoteCanvas(QWidget):
    def __init__(self, roll: PianoRoll) -> None:
        super().__init__(roll)
        self.roll = roll
        self.view = roll.view
        self.setObjectName("noteGrid")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.drag: Drag | None = None
        self._font = QFont(self.font())
        self._font.setPixelSize(9)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.roll.viewport_resized()

    # --- hit testing -------------------------------------------------------------------------
    def note_at(self, pos: QPointF) -> tuple[Note | None, str]:
        """The note under ``pos`` and the zone hit (``"body"`` or ``"end"``)."""
        v = self.view
        lanes = v.lanes is not None
        if lanes and not v.in_rows(pos.y()):
            return None, ""
        pitch = v.y_to_pitch(pos.y())
        t0, t1 = v.x_to_tick(pos.x() - EDGE_PX), v.x_to_tick(pos.x() + 1)
        best: Note | None = None
        x0 = x1 = 0.0
        for n in self.roll.index().overlapping(t0 - (v.cell_ticks if lanes else 0), t1):
            if n.pitch != pitch:
                continue
            start, end = v.note_span(n)
            a = v.tick_to_x(start)
            b = max(v.tick_to_x(end), a + 4)
            if a <= pos.x() <= b + 1:
                best, x0, x1 = n, a, b  # later starts are drawn on top
        if best is None:
            return None, ""
        if lanes:  # hits have no length to drag
            return best, "body"
        near_end = pos.x() >= x1 - min(EDGE_PX, (x1 - x0) / 3)
        return best, "end" if near_end else "body"

    # --- mouse -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        v, session = self.view, self.roll.session
        tick, pitch = v.x_to_tick(pos.x()), v.y_to_pitch(pos.y())
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        note, zone = self.note_at(pos)
        if event.button() == Qt.MouseButton.RightButton:
            if note is not None and v.tool in ("draw", "erase"):
                self.roll.run_edit(lambda: session.delete_notes([note], "Delete note"))
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        drag = Drag("", pos, tick, pitch, v.y_to_row(pos.y()), add=shift)
        if v.tool == "erase":
            drag.mode = "erase"
            drag.hits = frozenset([note]) if note else frozenset()
        elif note is not None:
            if shift and v.tool == "select":
                session.toggle_selected(note)
                return
            if note not in session.selection:
                session.select([note])
            drag.mode = "resize" if zone == "end" else "move"
            drag.anchor = note
            drag.notes = session.selection or frozenset([note])
            drag.preview = list(drag.notes)
            if drag.mode == "move":
                self.roll.audition_notes([note])
        elif v.tool == "draw" and (v.lanes is None or v.in_rows(pos.y())):
            start = snap(tick, v.grid, "floor") if v.snap != "off" else int(tick)
            drag.mode = "draw"
            drag.anchor = Note(max(0, start), pitch, max(0, start) + v.draw_length, v.draw_velocity)
            drag.preview = [drag.anchor]
            self.roll.audition_notes([drag.anchor])
        else:
            drag.mode = "rubber"
            drag.rect = QRectF(pos, pos)
        self.drag = drag
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.drag is None:
            self._update_cursor(event.position())
            return
        self._track(event.position(), event.modifiers())
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag = self.drag
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self._track(event.position(), event.modifiers())
        self.drag = None
        session = self.roll.session
        lanes = self.view.lanes
        if drag.mode == "move":
            if (drag.dt or drag.dp) and lanes is not None:
                self.roll.run_edit(lambda: session.move_hits(drag.notes, drag.dt, drag.dp, lanes))
            elif drag.dt or drag.dp:
                self.roll.run_edit(lambda: session.move_notes(drag.notes, drag.dt, drag.dp))
            elif lanes is not None and self.view.tool == "draw" and not drag.moved and drag.anchor is not None:
                anchor = drag.anchor  # a click on a hit with the draw tool toggles it off
                self.roll.run_edit(lambda: session.delete_notes([anchor], "Delete note"))
            elif not drag.moved and drag.anchor is not None and len(session.selection) > 1 and not drag.add:
                session.select([drag.anchor])  # a click (no drag) on a selected note selects just it
        elif drag.mode == "resize":
            if drag.d_end:
                self.roll.run_edit(lambda: session.resize_notes(drag.notes, drag.d_end))
        elif drag.mode == "draw":
            new = drag.preview[0]
            self.roll.run_edit(lambda: session.add_notes([new], "Add note"))
        elif drag.mode == "rubber":
            session.select(drag.hits, add=drag.add)
        elif drag.mode == "erase" and drag.hits:
            self.roll.run_edit(lambda: session.delete_notes(drag.hits, "Delete notes"))
        self.update()
        self.roll.velocity.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        note, _ = self.note_at(event.position())
        v = self.view
        if (note is None and v.tool == "select" and event.button() == Qt.MouseButton.LeftButton
                and (v.lanes is None or v.in_rows(event.position().y()))):
            start = max(0, snap(v.x_to_tick(event.position().x()), v.grid, "floor"))
            pitch = v.y_to_pitch(event.position().y())
            new = Note(start, pitch, start + v.draw_length, v.draw_velocity)
            self.roll.run_edit(lambda: self.roll.session.add_notes([new], "Add note"))
            self.roll.audition_notes([new])
            return
        super().mouseDoubleClickEvent(event)

    def _track(self, pos: QPointF, mods: Qt.KeyboardModifier) -> None:
        """Update the drag's preview for the pointer at ``pos``."""
        d, v = self.drag, self.view
        assert d is not None
        if (pos - d.press).manhattanLength() >= 3:
            d.moved = True
        free = bool(mods & Qt.KeyboardModifier.AltModifier) or v.snap == "off"
        raw = v.x_to_tick(pos.x()) - d.press_tick
        if d.mode == "move" and d.anchor is not None:
            dt = round(raw) if free else snap(d.anchor.start + raw, v.grid) - d.anchor.start
            lanes = v.lanes
            if lanes is not None:  # dp counts rows down; a hit takes its new row's note
                rows = v.y_to_row(pos.y()) - d.press_row
                dt, dp = (clamp_move(d.notes, dt, 0)[0], lanes.clamp_rows(d.notes, rows)) if d.moved else (0, 0)
                moved = [lanes.moved(n, dt, dp) for n in d.notes]
            else:  # dp counts semitones
                dt, dp = clamp_move(d.notes, dt, v.y_to_pitch(pos.y()) - d.press_pitch) if d.moved else (0, 0)
                moved = [n.shifted(dt, dp) for n in d.notes]
            if dp != d.dp:
                self.roll.audition_notes(moved)  # only pitch and velocity are heard
            d.dt, d.dp, d.preview = dt, dp, moved
        elif d.mode == "resize" and d.anchor is not None:
            a = d.anchor
            new_end = round(a.end + raw) if free else snap(a.end + raw, v.grid)
            new_end = max(new_end, a.start + (1 if free else min(v.grid, a.duration)))
            d.d_end = new_end - a.end if d.moved else 0
            d.preview = [replace(n, end=max(n.start + 1, n.end + d.d_end)) for n in d.notes]
        elif d.mode == "draw" and d.anchor is not None and v.lanes is None:  # hits keep one cell
            a, t = d.anchor, v.x_to_tick(pos.x())
            end = round(t) if free else snap(t, v.grid, "ceil")
            d.preview = [replace(a, end=max(a.start + v.draw_length, end))]
        elif d.mode == "rubber" and d.rect is not None:
            d.rect = QRectF(d.press, pos).normalized()
            r = d.rect
            clip = self.roll.session.current_clip
            if v.lanes is not None:
                pitches = set(v.rows_pitches(r.top(), r.bottom()))
                d.hits = hits_in_rect(clip, v.x_to_tick(r.left()), v.x_to_tick(r.right()), pitches, v.cell_ticks)
            else:
                d.hits = notes_in_rect(clip, v.x_to_tick(r.left()), v.x_to_tick(r.right()),
                                       v.y_to_pitch(r.bottom()), v.y_to_pitch(r.top()))
        elif d.mode == "erase":
            note, _ = self.note_at(pos)
            if note is not None:
                d.hits = d.hits | {note}

    def _update_cursor(self, pos: QPointF) -> None:
        note, zone = self.note_at(pos)
        if self.view.tool == "erase":
            shape = Qt.CursorShape.PointingHandCursor if note else Qt.CursorShape.ArrowCursor
        elif note is not None and self.view.lanes is not None and self.view.tool == "draw":
            shape = Qt.CursorShape.PointingHandCursor  # a click toggles the hit off
        elif note is not None:
            shape = Qt.CursorShape.SizeHorCursor if zone == "end" else Qt.CursorShape.SizeAllCursor
        else:
            shape = Qt.CursorShape.CrossCursor if self.view.tool == "draw" else Qt.CursorShape.ArrowCursor
        self.setCursor(shape)

    # --- wheel and keys ----------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        mods = event.modifiers()
        delta = event.angleDelta()
        amount = delta.y() or delta.x()
        v = self.view
        if mods & Qt.KeyboardModifier.AltModifier:
            note, _ = self.note_at(event.position())
            if note is not None and amount:
                self.roll.nudge_velocity(note, 4 if amount > 0 else -4)
                event.accept()
                return
        if mods & Qt.KeyboardModifier.ControlModifier:
            factor = 1.15 if amount > 0 else 1 / 1.15
            if mods & Qt.KeyboardModifier.ShiftModifier:
                v.zoom_y(factor, event.position().y())
            else:
                v.zoom_x(factor, event.position().x())
        elif mods & Qt.KeyboardModifier.ShiftModifier or (delta.x() and not delta.y()):
            v.set_scroll(x=v.scroll_x - amount)
        else:
            v.set_scroll(y=v.scroll_y - delta.y())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        session, v = self.roll.session, self.view
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and session.selection and v.lanes is not None:
            lanes, rows = v.lanes, -1 if key == Qt.Key.Key_Up else 1
            if self.roll.run_edit(lambda: session.move_hits(session.selection, 0, rows, lanes)):
                self.roll.audition_notes(session.selected_notes)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and session.selection:
            step = (12 if shift else 1) * (1 if key == Qt.Key.Key_Up else -1)
            if self.roll.run_edit(lambda: session.transpose_selection(step)):
                self.roll.audition_notes(session.selected_notes)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and session.selection:
            unit = session.current_clip.bar_ticks if shift else max(v.grid, v.ppq // 4 if v.snap == "off" else 1)
            dt = unit if key == Qt.Key.Key_Right else -unit
            self.roll.run_edit(lambda: session.move_notes(session.selection, dt, 0))
        elif key == Qt.Key.Key_Escape:
            if self.drag is not None:
                self.drag = None
                self.update()
            else:
                session.clear_selection()
        else:
            super().keyPressEvent(event)

    # --- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        clip_rect = event.rect()
        self._paint_rows(p, clip_rect)
        v = self.view
        rows_bottom = v.row_to_y(v.n_rows)
        if v.lanes is not None and rows_bottom <= clip_rect.bottom():  # the few lanes end above
            p.setClipRect(QRectF(clip_rect.left(), clip_rect.top(), clip_rect.width(),
                                 max(0.0, rows_bottom - clip_rect.top())))
        self._paint_grid(p, clip_rect)
        self._paint_regions(p, clip_rect)
        self._paint_notes(p, clip_rect)
        p.setClipping(False)
        d = self.drag
        if d is not None and d.mode == "rubber" and d.rect is not None:
            p.setPen(QPen(style.RUBBER_EDGE, 1))
            p.setBrush(style.RUBBER_FILL)
            p.drawRect(d.rect)
        x = round(self.view.tick_to_x(self.view.playhead))
        if clip_rect.left() - 2 <= x <= clip_rect.right() + 2:
            p.setPen(QPen(style.PLAYHEAD, 2))
            p.drawLine(x, clip_rect.top(), x, clip_rect.bottom())
        p.end()

    def _paint_rows(self, p: QPainter, r: QRect) -> None:
        v = self.view
        p.fillRect(r, style.BACKGROUND)
        if v.lanes is not None:
            self._paint_lanes(p, r)
            return
        kh = v.key_height
        top, bottom = v.y_to_pitch(r.top()), v.y_to_pitch(r.bottom())
        for pitch in range(bottom, top + 1):
            y = v.pitch_to_y(pitch)
            row = QRectF(r.left(), y, r.width(), kh)
            p.fillRect(row, style.ROW_BLACK if style.is_black(pitch) else style.ROW_WHITE)
            p.setPen(style.ROW_C_LINE if pitch % 12 == 0 else style.ROW_LINE)
            p.drawLine(QPointF(r.left(), y + kh - 0.5), QPointF(r.right(), y + kh - 0.5))

    def _paint_lanes(self, p: QPainter, r: QRect) -> None:
        """Drum lanes: class groups in alternating shades, extra rows darker, a line between groups."""
        v, lanes = self.view, self.view.lanes
        assert lanes is not None
        h = v.row_height
        for row in range(v.y_to_row(r.top()), v.y_to_row(r.bottom()) + 1):
            lane, y = lanes[row], v.row_to_y(row)
            p.fillRect(QRectF(r.left(), y, r.width(), h), style.lane_row_color(lane.group, lane.canonical))
            last_of_group = row == len(lanes) - 1 or lanes[row + 1].group != lane.group
            p.setPen(style.ROW_C_LINE if last_of_group else style.ROW_LINE)
            p.drawLine(QPointF(r.left(), y + h - 0.5), QPointF(r.right(), y + h - 0.5))

    def _paint_grid(self, p: QPainter, r: QRect) -> None:
        v = self.view
        clip = self.roll.session.current_clip
        bar, beat = clip.bar_ticks, round(clip.ppq * 4 / clip.time_signature.denominator)
        step = v.grid if v.snap != "off" else beat
        ppt = v.px_per_tick
        levels = [(step, style.GRID_LINE), (beat, style.BEAT_LINE), (bar, style.BAR_LINE)]
        t0, t1 = v.x_to_tick(r.left() - 1), v.x_to_tick(r.right() + 1)
        for ticks, color in levels:
            if ticks * ppt < 6:
                continue
            p.setPen(color)
            k = max(0, int(t0 // ticks))
            while k * ticks <= t1:
                x = round(v.tick_to_x(k * ticks)) + 0.5
                p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom() + 1))
                k += 1
        if bar * ppt < 6:  # very zoomed out: every 4th (or 16th) bar
            every = bar * (4 if bar * ppt * 4 >= 6 else 16)
            p.setPen(style.BAR_LINE)
            k = max(0, int(t0 // every))
            while k * every <= t1:
                x = round(v.tick_to_x(k * every)) + 0.5
                p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom() + 1))
                k += 1

    def _paint_regions(self, p: QPainter, r: QRect) -> None:
        v = self.view
        end_x = v.tick_to_x(self.roll.session.current_clip.end_tick)
        if end_x < r.right():
            p.fillRect(QRectF(max(end_x, r.left()), r.top(), r.right() - max(end_x, r.left()) + 1,
                              r.height()), style.PAST_END)
        if v.loop is not None:
            x0, x1 = v.tick_to_x(v.loop[0]), v.tick_to_x(v.loop[1])
            p.fillRect(QRectF(x0, r.top(), x1 - x0, r.height()),
                       style.LOOP_FILL if v.loop_enabled else style.LOOP_FILL_OFF)

    def _paint_notes(self, p: QPainter, r: QRect) -> None:
        v = self.view
        session = self.roll.session
        selection = session.selection
        d = self.drag
        hidden: frozenset[Note] = frozenset()
        preview: list[Note] = []
        highlight = selection
        if d is not None:
            if d.mode in ("move", "resize") and d.moved:
                hidden, preview = d.notes, d.preview
            elif d.mode == "draw":
                preview = d.preview
            elif d.mode == "rubber":
                highlight = (selection | d.hits) if d.add else d.hits
            elif d.mode == "erase":
                hidden = d.hits
        lanes = v.lanes is not None
        t0, t1 = v.x_to_tick(r.left() - 1), v.x_to_tick(r.right() + 1)
        top_row, bottom_row = v.y_to_row(r.top() - 1), v.y_to_row(r.bottom() + 1)
        visible = [n for n in self.roll.index().overlapping(t0 - (v.cell_ticks if lanes else 0), t1)
                   if top_row <= v.row_of(n.pitch) <= bottom_row and n not in hidden]
        kh = v.row_height
        show_text = kh >= 10 and not lanes
        inset = max(1.0, min(6.0, round(kh * 0.14))) if lanes else 0.0  # hits: cells with a gap
        tint = self.roll.tint
        color: Callable[[int, bool], QColor] = style.hit_color if lanes else style.velocity_color
        if tint is not None and not lanes:  # a section track: its own hue
            color = partial(style.tinted_color, tint)
        if not lanes:
            self._paint_ghosts(p, t0, t1, top_row, bottom_row)
        p.setFont(self._font)
        crowded = len(visible) > CROWDED  # a huge clip zoomed out: one note per pixel and row is all one sees
        drawn: set[tuple[int, int]] = set()
        for group, selected in ((visible, None), (preview, True)):
            for n in group:
                sel = selected if selected is not None else n in highlight
                start, end = v.note_span(n)
                x0 = v.tick_to_x(start)
                if crowded and selected is None and not sel:
                    cell = (round(x0), n.pitch)
                    if cell in drawn:
                        continue
                    drawn.add(cell)
                w = max(3.0, (end - start) * v.px_per_tick)
                rect = QRectF(x0 + 0.5, v.pitch_to_y(n.pitch) + 0.5 + inset, w - 1, kh - 1 - 2 * inset)
                p.setPen(QPen(style.SELECTED_EDGE if sel else style.NOTE_EDGE, 2 if sel else 1))
                p.setBrush(color(n.velocity, sel))
                p.drawRect(rect)
                if show_text and w >= 26:
                    p.setPen(style.NOTE_TEXT)
                    p.drawText(rect.adjusted(3, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter, pitch_name(n.pitch))

    def _paint_ghosts(self, p: QPainter, t0: float, t1: float, top_row: int, bottom_row: int) -> None:
        """The roll's ghost layers (a section's other tracks): dimmed, no edges, under the notes."""
        v = self.view
        kh = v.row_height
        p.setPen(Qt.PenStyle.NoPen)
        for layer, index in zip(self.roll.ghosts, self.roll.ghost_indexes, strict=True):
            p.setBrush(style.ghost_color(layer.color))
            for n in index.overlapping(t0, t1):
                if not top_row <= v.row_of(n.pitch) <= bottom_row:
                    continue
                x0 = v.tick_to_x(n.start)
                w = max(3.0, (n.end - n.start) * v.px_per_tick)
                p.drawRect(QRectF(x0 + 0.5, v.pitch_to_y(n.pitch) + 1.5, w - 1, kh - 3))
