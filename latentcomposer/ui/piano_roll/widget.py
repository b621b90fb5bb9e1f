"""`PianoRoll`: keyboard, ruler, note grid, velocity lane and scroll bars around one session.

When the current clip is drums (``clip.is_drum``, channel 10) the roll switches by itself to the
drum lane view: the keyboard gives way to the lane header (named rows per drum class, objectName
``drumLanes``), the view's rows become the drum lanes and hits are drawn as cells; editing, the
velocity lane and the ruler work as for melodies (see :mod:`.canvas` and
:mod:`latentcomposer.app.drum_lanes`). Any other clip gets the keyboard and pitch rows back.

The roll edits the session's current clip; every finished gesture becomes one undoable command in
the session's undo stack. It asks the window to do things through signals: ``audition(pitch,
velocity)``, ``seekRequested(tick)``, ``loopChanged(start, end)`` (``-1, -1`` clears the loop) and
``message(text)`` for the status bar.

Above the ruler, the chord lane (:mod:`.chord_lane`, objectName ``chordLane``) shows and edits the
current clip's chords; it hides in the drum lane view.

Ghost layers (:meth:`PianoRoll.set_ghosts`): other clips drawn dimmed behind the editable one, each in
its own colour, never hit by the mouse (a section's other tracks; :mod:`latentcomposer.ui.section_ops`).
With a ``tint`` the editable clip's notes take that hue (its track's colour) instead of the velocity
colours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollBar, QVBoxLayout, QWidget

from latentcomposer.app.drum_lanes import drum_lanes
from latentcomposer.app.session import Session
from latentcomposer.core import Clip, Note
from latentcomposer.core.errors import UserFacingError

from .canvas import MAX_AUDITION, NoteCanvas
from .chord_lane import ChordLane, ChordLaneHeader
from .keyboard import WIDTH as KEYBOARD_WIDTH
from .keyboard import KeyboardWidget
from .lanes import WIDTH as LANE_HEADER_WIDTH
from .lanes import DrumLaneHeader
from .ruler import RulerWidget
from .velocity import VelocityLane
from .view import NoteIndex, RollView

EXTRA_BARS = 8


@dataclass(frozen=True)
class GhostLayer:
    """A clip drawn dimmed behind the editable one (read-only)."""

    clip: Clip
    color: QColor


class PianoRoll(QWidget):
    audition = Signal(int, int)
    seekRequested = Signal(int)
    loopChanged = Signal(int, int)
    message = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pianoRoll")
        self.session = session
        self.view = RollView(self)
        self.follow_playhead = True
        self._index: NoteIndex | None = None
        self._needs_center = True
        self.ghosts: tuple[GhostLayer, ...] = ()
        self.ghost_indexes: tuple[NoteIndex, ...] = ()  # one per ghost layer (painting looks up a range)
        self.tint: QColor | None = None

        self.canvas = NoteCanvas(self)
        self.keyboard = KeyboardWidget(self)
        self.lane_header = DrumLaneHeader(self)
        self.lane_header.hide()
        self.ruler = RulerWidget(self)
        self.velocity = VelocityLane(self)
        self.hbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.hbar.setObjectName("rollHScroll")
        self.vbar = QScrollBar(Qt.Orientation.Vertical, self)
        self.vbar.setObjectName("rollVScroll")
        self._corner = corner = QLabel("Velocity", self)
        corner.setObjectName("velocityLabel")
        corner.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        corner.setFixedWidth(KEYBOARD_WIDTH)
        corner.setStyleSheet("color: #9aa0aa; background: #1f2228; font-size: 10px; padding-right: 4px;")
        self._top_left = top_left = QLabel("", self)
        top_left.setStyleSheet("background: #262a31; color: #9aa0aa; font-size: 10px; padding-left: 8px;")
        top_left.setFixedWidth(KEYBOARD_WIDTH)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        self.chord_lane = ChordLane(self)
        self.chord_header = ChordLaneHeader(self, KEYBOARD_WIDTH)
        left_top, top = QVBoxLayout(), QVBoxLayout()  # the chord lane sits above the ruler
        for box, parts in ((left_top, (self.chord_header, top_left)), (top, (self.chord_lane, self.ruler))):
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(0)
            for w in parts:
                box.addWidget(w)
        grid.addLayout(left_top, 0, 0)
        grid.addLayout(top, 0, 1)
        grid.addWidget(self.keyboard, 1, 0)
        grid.addWidget(self.lane_header, 1, 0)
        grid.addWidget(self.canvas, 1, 1)
        grid.addWidget(self.vbar, 1, 2)
        grid.addWidget(corner, 2, 0)
        grid.addWidget(self.velocity, 2, 1)
        grid.addWidget(self.hbar, 3, 1)
        grid.setRowStretch(1, 1)
        grid.setColumnStretch(1, 1)

        self.view.changed.connect(self._on_view_changed)
        self.view.playheadMoved.connect(self._on_playhead)
        self.hbar.valueChanged.connect(lambda x: self.view.set_scroll(x=float(x)))
        self.vbar.valueChanged.connect(lambda y: self.view.set_scroll(y=float(y)))
        self._unlisten = session.listen(self._on_session)
        self._show_clip(center=True)

    # --- helpers for the parts ---------------------------------------------------------------
    def index(self) -> NoteIndex:
        clip = self.session.current_clip
        if self._index is None or self._index.clip is not clip:
            self._index = NoteIndex(clip)
        return self._index

    def set_ghosts(self, layers: Sequence[GhostLayer], tint: QColor | None = None) -> None:
        """Draw ``layers`` dimmed behind the current clip (``()``: none), the clip in ``tint``'s hue."""
        layers, same_tint = tuple(layers), (tint is None) == (self.tint is None) and (tint is None or tint == self.tint)
        if layers != self.ghosts or not same_tint:
            self.ghosts, self.tint = layers, tint
            self.ghost_indexes = tuple(NoteIndex(layer.clip) for layer in layers)
            self.canvas.update()

    def run_edit(self, fn: Callable[[], object]) -> bool:
        """Run an edit; a refused edit becomes a status message. True if it went through."""
        try:
            fn()
        except UserFacingError as exc:  # EditError, CoreError: refused with a message
            self.message.emit(str(exc))
            return False
        return True

    def audition_notes(self, notes: Iterable[Note]) -> None:
        for n in list(notes)[:MAX_AUDITION]:
            self.audition.emit(n.pitch, n.velocity)

    def nudge_velocity(self, note: Note, delta: int) -> None:
        session = self.session
        notes = session.selection if note in session.selection else frozenset([note])
        self.run_edit(lambda: session.set_velocity(notes, lambda n: n.velocity + delta, "Change velocity",
                                                   merge_key=("wheel-velocity", session.current_uid)))

    def update_all(self) -> None:
        for w in (self.canvas, self.keyboard, self.lane_header, self.ruler, self.velocity, self.chord_lane):
            w.update()

    @property
    def drum_mode(self) -> bool:
        """Whether the roll shows drum lanes (the current clip is drums)."""
        return self.view.lanes is not None

    def _set_mode(self, drums: bool) -> None:
        self.keyboard.setVisible(not drums)
        self.lane_header.setVisible(drums)
        width = LANE_HEADER_WIDTH if drums else KEYBOARD_WIDTH
        self._corner.setFixedWidth(width)
        self._top_left.setFixedWidth(width)
        self.chord_header.setFixedWidth(width)
        self.chord_lane.setVisible(not drums)  # drums have no chords
        self.chord_header.setVisible(not drums)
        self._top_left.setText("Drums" if drums else "")

    # --- tools and zoom ----------------------------------------------------------------------
    @property
    def tool(self) -> str:
        return self.view.tool

    def set_tool(self, tool: str) -> None:
        self.view.set_tool(tool)

    def set_snap(self, snap: str) -> None:
        self.view.set_snap(snap)

    def zoom_in(self) -> None:
        self.view.zoom_x(1.25)

    def zoom_out(self) -> None:
        self.view.zoom_x(1 / 1.25)

    def zoom_fit(self) -> None:
        clip = self.session.current_clip
        for layer in self.ghosts:  # a section: every part in view
            if layer.clip.ppq == clip.ppq and not clip.is_drum:
                clip = clip.merge(layer.clip)
        self.view.fit(clip)

    def point_at(self, tick: float, pitch: int, dx: float = 2.0) -> QPoint:
        """Canvas coordinates just right of ``tick`` in the middle of ``pitch``'s row."""
        v = self.view
        return QPoint(round(v.tick_to_x(tick) + dx), round(v.pitch_to_y(pitch) + v.row_height / 2))

    def ensure_visible(self, tick: float, pitch: int) -> None:
        v = self.view
        x, y = v.tick_to_x(tick), v.pitch_to_y(pitch)
        if not 0 <= x < v.viewport_w - 40:
            v.set_scroll(x=tick * v.px_per_tick - 40)
        if not 0 <= y < v.viewport_h - v.row_height:
            v.set_scroll(y=v.row_of(pitch) * v.row_height - v.viewport_h / 2)

    # --- playhead ----------------------------------------------------------------------------
    def set_playhead(self, tick: int, following: bool = False) -> None:
        v = self.view
        v.set_playhead(tick)
        if following and self.follow_playhead:
            x = v.tick_to_x(tick)
            if x < 0 or x > v.viewport_w - 20:
                v.set_scroll(x=tick * v.px_per_tick - v.viewport_w * 0.1)

    def _on_playhead(self, old: int, new: int) -> None:
        h = self.canvas.height()
        for t in (old, new):
            x = round(self.view.tick_to_x(t))
            self.canvas.update(x - 3, 0, 7, h)
        self.ruler.update()

    # --- reacting ----------------------------------------------------------------------------
    def _on_session(self, kinds: frozenset[str]) -> None:
        if "current" in kinds or "reset" in kinds:
            self._show_clip(center=True)
        elif "clip" in kinds:
            self._show_clip(center=False)
        if kinds & {"clip", "current", "selection", "reset"}:
            self.update_all()
        elif "chords" in kinds:
            self.chord_lane.update()

    def _show_clip(self, center: bool) -> None:
        clip = self.session.current_clip
        v = self.view
        if v.ppq != clip.ppq:
            v.scroll_x = v.scroll_x * clip.ppq / v.ppq
            v.ppq = clip.ppq
        v.content_ticks = max(clip.end_tick, clip.bar_ticks) + EXTRA_BARS * clip.bar_ticks
        lanes = drum_lanes(clip) if clip.is_drum else None
        if (lanes is None) != (v.lanes is None):
            center = True  # another view: start it from its usual place
            self._set_mode(lanes is not None)
        v.set_lanes(lanes)
        if center:
            self.canvas.drag = None
            v.scroll_x = 0.0
            if self.canvas.height() > 50:
                v.center_pitches(clip)
                self._needs_center = False
            else:
                self._needs_center = True
        self._sync_scrollbars()

    def _on_view_changed(self) -> None:
        self._sync_scrollbars()
        self.update_all()

    def _sync_scrollbars(self) -> None:
        v = self.view
        for bar, content, page, value in ((self.hbar, v.content_width, v.viewport_w, v.scroll_x),
                                          (self.vbar, v.content_height, v.viewport_h, v.scroll_y)):
            bar.blockSignals(True)
            bar.setRange(0, max(0, round(content - page)))
            bar.setPageStep(max(1, round(page)))
            bar.setSingleStep(max(1, round(page / 20)))
            bar.setValue(round(value))
            bar.blockSignals(False)

    def viewport_resized(self) -> None:
        v = self.view
        v.viewport_w, v.viewport_h = self.canvas.width(), self.canvas.height()
        if self._needs_center and v.viewport_h > 50:
            self._needs_center = False
            v.center_pitches(self.session.current_clip)
        v.set_scroll(v.scroll_x, v.scroll_y)  # re-clamp
        self._sync_scrollbars()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.viewport_resized()

    def closeEvent(self, event: object) -> None:  # pragma: no cover - Qt teardown
        self._unlisten()
        super().closeEvent(event)  # type: ignore[arg-type]
