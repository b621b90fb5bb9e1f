"""The chord lane above the ruler: the current clip's chords as labelled blocks (objectName ``chordLane``).

Each chord of the clip's lane (:attr:`ClipItem.chords`, 16th steps) is a block on the roll's time axis;
bars without a chord show a faint outline. Click a block (or an empty bar) for a menu: pick a root and a
quality, "Type a chord…" (an edit box over the block: ``Am7``, ``F#m7b5``, ``C/E``, ``N`` clears),
split a bar into beats or merge them back, or remove the chord. Double-click types directly. The
header left of the lane (``chordsButton``) detects the chords from the clip's notes (per bar or per
beat), types a whole progression, clears the lane and switches "Play chords" (a soft pad on its own
channel). Every change is one undoable step of the session; a chord-conditioned model decodes over
the lane (the latent tools read it from the clip's item).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLineEdit, QMenu, QToolButton, QWidget

from latentcomposer.app.harmony import bar_steps, detect_lane, split_event, steps_of
from latentcomposer.core.chords import QUALITIES, ChordEvent, ChordTrack, parse_chord, pitch_class_name
from latentcomposer.core.errors import CoreError

from . import style

if TYPE_CHECKING:
    from .widget import PianoRoll

HEIGHT = 24
STEPS_PER_QUARTER = 4
BLOCK = QColor("#3d5a80")
BLOCK_EDGE = QColor("#8fb3e0")
BLOCK_TEXT = QColor("#f1f4f8")
EMPTY_EDGE = QColor("#3a3f49")
HINT_TEXT = QColor("#6c7380")
# the qualities offered in the menu (every other one can be typed)
MENU_QUALITIES = ("maj", "min", "7", "maj7", "m7", "dim", "aug", "sus4", "sus2", "6", "m6", "m7b5", "dim7", "9", "add9")


QUALITY_WORDS = {"maj": "major", "min": "minor", "7": "seventh", "maj7": "major seventh", "m7": "minor seventh",
                 "dim": "diminished", "aug": "augmented", "sus4": "suspended fourth", "sus2": "suspended second",
                 "6": "sixth", "m6": "minor sixth", "m7b5": "half-diminished", "dim7": "diminished seventh",
                 "9": "ninth", "add9": "added ninth"}


def quality_label(quality: str) -> str:
    return QUALITY_WORDS.get(quality, QUALITIES[quality][1])


class ChordLane(QWidget):
    def __init__(self, roll: PianoRoll) -> None:
        super().__init__(roll)
        self.roll = roll
        self.view = roll.view
        self.setObjectName("chordLane")
        self.setFixedHeight(HEIGHT)
        self.setMouseTracking(True)
        self._font = QFont(self.font())
        self._font.setPixelSize(11)
        self._font.setBold(True)
        self.editor = QLineEdit(self)
        self.editor.setObjectName("chordEdit")
        self.editor.setPlaceholderText("Am7")
        self.editor.hide()
        self.editor.returnPressed.connect(self._commit_editor)
        self.editor.editingFinished.connect(self._editor_done)
        self._editing: tuple[int, int] | None = None
        self.setToolTip("Chords: click a chord (or an empty bar) to change it; double-click to type one")

    def sizeHint(self) -> QSize:
        return QSize(600, HEIGHT)

    # --- reading ------------------------------------------------------------------------------
    @property
    def track(self) -> ChordTrack:
        return self.roll.session.current.chords or ChordTrack()

    def _ticks_per_step(self) -> float:
        return self.roll.session.current_clip.ppq / STEPS_PER_QUARTER

    def step_at(self, x: float) -> int:
        return max(0, int(self.view.x_to_tick(x) // self._ticks_per_step()))

    def step_x(self, step: int) -> float:
        return self.view.tick_to_x(step * self._ticks_per_step())

    def span_at(self, step: int) -> tuple[int, int]:
        """The chord's steps under ``step``, else the bar holding it."""
        for e in self.track:
            if e.start_step <= step < e.end_step:
                return e.start_step, e.end_step
        bar = bar_steps(self.roll.session.current_clip)
        start = step // bar * bar
        return start, start + bar

    def event_at(self, step: int) -> ChordEvent | None:
        return next((e for e in self.track if e.start_step <= step < e.end_step), None)

    # --- editing (each one undoable step) -------------------------------------------------------
    def set_chord(self, start: int, end: int, symbol: str) -> bool:
        """``symbol`` over steps [start, end) ("N" clears); a bad symbol becomes a status message."""
        try:
            chord = parse_chord(symbol)
        except CoreError as exc:
            self.roll.message.emit(str(exc))
            return False
        self.roll.session.set_chords(self.track.with_chord(start, end, chord),
                                     "Remove chord" if chord.is_none else f"Set chord {chord}")
        return True

    def split(self, step: int, parts: int = 4) -> None:
        e = self.event_at(step)
        if e is not None:
            self.roll.session.set_chords(split_event(self.track, e, parts), "Split chord into beats")

    def merge_bar(self, step: int) -> None:
        """The bar under ``step`` holds one chord: the one at its start (else its first)."""
        bar = bar_steps(self.roll.session.current_clip)
        start = step // bar * bar
        inside = [e for e in self.track if e.start_step < start + bar and e.end_step > start]
        if len(inside) > 1:
            self.roll.session.set_chords(self.track.with_chord(start, start + bar, inside[0].chord),
                                         "One chord for the bar")

    def detect(self, per: str = "bar") -> None:
        clip = self.roll.session.current_clip
        if clip.is_drum or not clip.notes:
            self.roll.message.emit("Detect chords: the clip has no pitched notes to read chords from")
            return
        track = detect_lane(clip, "beat" if per == "beat" else "bar")
        self.roll.session.set_chords(track, f"Detect chords (per {per})")
        self.roll.message.emit(f"Detected {len(track)} chord(s) from the clip's notes; click one to change it")

    def set_progression(self, text: str) -> bool:
        """A whole progression, one chord per bar ("C Am F G", or "C G | Am F" for two in a bar)."""
        bar = bar_steps(self.roll.session.current_clip)
        try:
            track = ChordTrack.from_symbols(text, bar)
        except CoreError as exc:
            self.roll.message.emit(str(exc))
            return False
        fitted, note = track.fitted(steps_of(self.roll.session.current_clip))
        if note:
            self.roll.message.emit(note[0].upper() + note[1:])
        self.roll.session.set_chords(fitted, "Type chords")
        return True

    def clear(self) -> None:
        self.roll.session.set_chords(None, "Clear chords")

    # --- the inline editor ---------------------------------------------------------------------
    def start_typing(self, start: int, end: int) -> None:
        self._editing = (start, end)
        x0, x1 = self.step_x(start), self.step_x(end)
        self.editor.setGeometry(round(x0), 1, max(70, round(x1 - x0)), HEIGHT - 2)
        e = self.event_at(start)
        self.editor.setText(str(e.chord) if e is not None and e.start_step == start else "")
        self.editor.setStyleSheet("")
        self.editor.show()
        self.editor.setFocus()
        self.editor.selectAll()

    def _commit_editor(self) -> None:
        if self._editing is None:
            return
        text = self.editor.text().strip() or "N"
        if self.set_chord(*self._editing, text):
            self._editing = None
            self.editor.hide()
        else:
            self.editor.setStyleSheet("background: #5a2a2a;")

    def _editor_done(self) -> None:
        if self._editing is not None and not self.editor.hasFocus():
            self._editing = None
            self.editor.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.editor.isVisible():
            self._editing = None
            self.editor.hide()
            return
        super().keyPressEvent(event)

    # --- the menu ------------------------------------------------------------------------------
    def chord_menu(self, step: int) -> QMenu:
        """The menu for the chord (or empty bar) under ``step``."""
        start, end = self.span_at(step)
        e = self.event_at(step)
        menu = QMenu(self)
        menu.setObjectName("chordMenu")
        title = menu.addAction(f"Chord: {e.chord}" if e is not None else "No chord here")
        title.setEnabled(False)
        typing = menu.addAction("Type a chord…")
        typing.triggered.connect(lambda: self.start_typing(start, end))
        for root in range(12):
            sub = menu.addMenu(pitch_class_name(root))
            for q in MENU_QUALITIES:
                symbol = pitch_class_name(root) + QUALITIES[q][1]
                act = sub.addAction(f"{symbol}   ({quality_label(q)})")
                act.setData(symbol)
                act.triggered.connect(lambda _=False, s=symbol: self.set_chord(start, end, s))
        menu.addSeparator()
        bar = bar_steps(self.roll.session.current_clip)
        if e is not None and e.duration == bar and bar % 4 == 0:
            menu.addAction("Split into beats").triggered.connect(lambda: self.split(step, 4))
        bar_start = step // bar * bar
        if sum(1 for x in self.track if x.start_step < bar_start + bar and x.end_step > bar_start) > 1:
            menu.addAction("One chord for the bar").triggered.connect(lambda: self.merge_bar(step))
        if e is not None:
            menu.addAction("Remove chord").triggered.connect(lambda: self.set_chord(start, end, "N"))
        return menu

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            step = self.step_at(event.position().x())
            self.chord_menu(step).popup(self.mapToGlobal(event.position().toPoint()))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.start_typing(*self.span_at(self.step_at(event.position().x())))

    def wheelEvent(self, event: object) -> None:
        self.roll.canvas.wheelEvent(event)  # type: ignore[arg-type]

    # --- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        r = event.rect()
        p.fillRect(r, style.LANE_BG)
        clip = self.roll.session.current_clip
        bar = bar_steps(clip)
        n_bars = max(1, clip.n_bars)
        p.setFont(self._font)
        covered = {s for e in self.track for s in range(e.start_step // bar, -(-e.end_step // bar))}
        p.setPen(QPen(EMPTY_EDGE, 1, Qt.PenStyle.DashLine))
        for k in range(n_bars):
            if k in covered:
                continue
            x0, x1 = self.step_x(k * bar), self.step_x((k + 1) * bar)
            if x1 < r.left() or x0 > r.right():
                continue
            p.drawRoundedRect(QRectF(x0 + 2, 3, x1 - x0 - 4, HEIGHT - 6), 3, 3)
            if k == 0 and not self.track:
                p.setPen(HINT_TEXT)
                p.drawText(QRectF(x0 + 6, 0, max(200.0, x1 - x0), HEIGHT), Qt.AlignmentFlag.AlignVCenter,
                           "click to add a chord")
                p.setPen(QPen(EMPTY_EDGE, 1, Qt.PenStyle.DashLine))
        for e in self.track:
            x0, x1 = self.step_x(e.start_step), self.step_x(e.end_step)
            if x1 < r.left() or x0 > r.right():
                continue
            box = QRectF(x0 + 1, 2, max(2.0, x1 - x0 - 2), HEIGHT - 4)
            p.setPen(QPen(BLOCK_EDGE, 1))
            p.setBrush(BLOCK)
            p.drawRoundedRect(box, 3, 3)
            p.setPen(BLOCK_TEXT)
            text = p.fontMetrics().elidedText(str(e.chord), Qt.TextElideMode.ElideRight, max(0, int(box.width()) - 6))
            p.drawText(box.adjusted(5, 0, -1, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        p.setPen(style.BAR_LINE)
        p.drawLine(r.left(), HEIGHT - 1, r.right(), HEIGHT - 1)
        p.end()


class ChordLaneHeader(QToolButton):
    """"Chords ▾" left of the lane: detect, type a progression, clear, play the chords."""

    def __init__(self, roll: PianoRoll, width: int) -> None:
        super().__init__(roll)
        self.roll = roll
        self.setObjectName("chordsButton")
        self.setText("Chords")
        self.setFixedSize(width, HEIGHT)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolTip("The clip's chords: detect them from its notes, type a progression, play them")
        self.setStyleSheet("QToolButton { background: #262a31; color: #c9ccd3; font-size: 10px; border: none; }"
                           "QToolButton::menu-indicator { width: 0; }")
        self.menu_ = QMenu(self)
        self.menu_.setObjectName("chordsMenu")
        self.setMenu(self.menu_)
        self.menu_.aboutToShow.connect(self.fill)
        self.play_action = QAction("Play chords", self)
        self.play_action.setObjectName("playChordsAction")
        self.play_action.setCheckable(True)
        self.play_action.toggled.connect(self._toggle_play)

    def fill(self) -> None:
        lane = self.roll.chord_lane
        m = self.menu_
        m.clear()
        m.addAction("Detect chords (one per bar)").triggered.connect(lambda: lane.detect("bar"))
        m.addAction("Detect chords (one per beat)").triggered.connect(lambda: lane.detect("beat"))
        m.addAction("Type a progression…").triggered.connect(self.ask_progression)
        clear = m.addAction("Clear chords")
        clear.setEnabled(bool(lane.track))
        clear.triggered.connect(lane.clear)
        m.addSeparator()
        self.play_action.blockSignals(True)
        self.play_action.setChecked(self.roll.session.playback.chords)
        self.play_action.blockSignals(False)
        m.addAction(self.play_action)

    def _toggle_play(self, on: bool) -> None:
        self.roll.session.update_playback(chords=bool(on))

    def ask_progression(self) -> None:  # pragma: no cover - a modal dialog
        from PySide6.QtWidgets import QInputDialog

        current = " ".join(str(e.chord) for e in self.roll.chord_lane.track)
        text, ok = QInputDialog.getText(self, "Chords", "One chord per bar (e.g. C Am F G; C G | Am F for two "
                                        "in a bar):", text=current)
        if ok and text.strip():
            self.roll.chord_lane.set_progression(text)


__all__ = ["HEIGHT", "ChordLane", "ChordLaneHeader"]
