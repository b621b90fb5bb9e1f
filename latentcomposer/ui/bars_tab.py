"""The "Bars" tab beside the interpolation timeline: per-bar latents (Transformer VAE models).

Clips A and B (the interpolation slots) show as two rows of cells, one per bar, each a mini-roll of
that bar's notes (the models' bar: 4 beats, 16 sixteenths). Click a cell to take that bar from that
clip (context transfer: the chosen bars of A are decoded in B's flow); double-click it (or "Hear bar"
in its menu) to hear the bar; right-click to re-sample it or move it toward the other clip's bar.
Shift+click selects a run of bars in one row; "Regenerate these bars" redraws them given the bars on
both sides (infill with the model's bar prior: model/continuation.py). The result shows over the roll
and plays. With a model that reads whole windows (MusicVAE) the tab
offers to switch to an installed per-bar model, asking first (issue 27, defect 5).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latentcomposer.app.latent import jobs
from latentcomposer.app.latent.jobs import BarsResult
from latentcomposer.app.model_names import per_bar, plain_titles
from latentcomposer.core import Clip, Note

from . import messages
from .latent_tools import LatentTools

CELL_W, CELL_H, HEAD_W, TOP = 64, 40, 26, 14
CHOSEN = QColor("#ffb454")
EDGE = QColor("#3a3f49")
UNUSED = QColor(0, 0, 0, 140)
TEXT = QColor("#c9ccd3")
CELL_BG = QColor("#262a31")
NOTE_A = QColor("#7fc4ff")
NOTE_B = QColor("#9be28f")
SELECTED = QColor("#f2f27a")
# per-bar sliders (the model's per-bar attribute vectors, fitted with its bar prior): key, label, tooltip
BAR_SLIDERS = (("density", "Density", "Notes in this bar only: fewer (left) or more (right); the other bars "
                "stay as they are"),
               ("register", "Register", "This bar only: lower (left) or higher (right)"))
MODEL_BAR_BEATS = 4  # the models read bars of 16 sixteenth steps (4 beats), whatever the clip's metre


def model_bar_ticks(clip: Clip) -> int:
    return clip.ppq * MODEL_BAR_BEATS


def bar_notes(clip: Clip, bar: int) -> list[Note]:
    """The notes starting in the model's bar ``bar`` (0-based) of ``clip``."""
    n = model_bar_ticks(clip)
    return [x for x in clip.notes if bar * n <= x.start < (bar + 1) * n]


def bar_clip(clip: Clip, bar: int) -> Clip:
    """The model's bar ``bar`` of ``clip`` as a clip of its own (notes cut at the bar line), to hear it."""
    n = model_bar_ticks(clip)
    notes = tuple(Note(x.start - bar * n, x.pitch, min(x.end, (bar + 1) * n) - bar * n, x.velocity)
                  for x in bar_notes(clip, bar))
    return clip.copy(notes=notes, length=n, name=f"{clip.name} bar {bar + 1}".strip())


class BarsGrid(QWidget):
    cellClicked = Signal(int, int)  # row (0 = A, 1 = B), bar
    cellMenu = Signal(int, int, QPoint)
    cellAudition = Signal(int, int)  # double-click: hear that bar
    selectionChanged = Signal()  # Shift+click: a run of bars in one row (for Regenerate)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("barsGrid")
        self.rows: list[np.ndarray | None] = [None, None]
        self.notes: list[list[list[Note]]] = [[], []]  # per row, per bar: its notes (the mini-rolls)
        self.ranges: list[tuple[int, int]] = [(60, 72), (60, 72)]  # per row: the pitch span drawn
        self.bar_len = [1920, 1920]  # per row: the model's bar in that clip's ticks
        self.choice: list[int] = []  # per usable bar: 0 (from A) or 1 (from B)
        self.selection: tuple[int, int, int] | None = None  # (row, first bar, last bar), Shift+click
        self._anchor: tuple[int, int] | None = None
        self._font = QFont(self.font())
        self._font.setPixelSize(10)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(TOP + 2 * CELL_H + 6)

    def set_data(self, za: np.ndarray | None, zb: np.ndarray | None,
                 clips: tuple[Clip, Clip] | None = None) -> None:
        self.rows = [za, zb]
        self.notes = [[], []]
        for row, (z, clip) in enumerate(zip((za, zb), clips or (None, None), strict=True)):
            if z is None or clip is None:
                continue
            self.notes[row] = [bar_notes(clip, k) for k in range(len(z))]
            self.bar_len[row] = model_bar_ticks(clip)
            lo_hi = clip.pitch_range() or (60, 72)
            self.ranges[row] = (lo_hi[0] - 1, lo_hi[1] + 1)
        usable = min(len(za), len(zb)) if za is not None and zb is not None else 0
        self.choice = (self.choice + [1] * usable)[:usable]
        if self.selection is not None:
            self.select(None)
        self.setMinimumWidth(HEAD_W + max(len(za) if za is not None else 0, len(zb) if zb is not None else 0)
                             * CELL_W + 4)
        self.update()

    def select(self, selection: tuple[int, int, int] | None) -> None:
        """Select bars first..last of a row (None: nothing)."""
        self.selection = selection
        if selection is None:
            self._anchor = None
        self.update()
        self.selectionChanged.emit()

    @property
    def usable(self) -> int:
        return len(self.choice)

    def cell_rect(self, row: int, bar: int) -> QRect:
        return QRect(HEAD_W + bar * CELL_W, TOP + row * (CELL_H + 4), CELL_W - 3, CELL_H)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        for row in (0, 1):
            z = self.rows[row]
            for bar in range(0 if z is None else len(z)):
                if self.cell_rect(row, bar).contains(pos):
                    return row, bar
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setFont(self._font)
        p.fillRect(self.rect(), QColor("#1d2026"))
        n = max((len(z) for z in self.rows if z is not None), default=0)
        p.setPen(TEXT)
        for bar in range(n):
            p.drawText(QRect(HEAD_W + bar * CELL_W, 0, CELL_W, TOP), Qt.AlignmentFlag.AlignCenter, str(bar + 1))
        for row, z in enumerate(self.rows):
            p.setPen(TEXT)
            p.drawText(QRect(0, TOP + row * (CELL_H + 4), HEAD_W, CELL_H), Qt.AlignmentFlag.AlignCenter, "AB"[row])
            if z is None:
                continue
            lo, hi = self.ranges[row]
            span = max(1, hi - lo)
            for bar in range(len(z)):
                r = self.cell_rect(row, bar)
                p.fillRect(r, CELL_BG)
                notes = self.notes[row][bar] if bar < len(self.notes[row]) else []
                if notes:
                    bar_len = self.bar_len[row]
                    start = bar * bar_len
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(NOTE_A if row == 0 else NOTE_B)
                    h = max(2.0, (r.height() - 4) / span)
                    for x in notes:
                        x0 = r.left() + 2 + (x.start - start) / bar_len * (r.width() - 4)
                        w = max(2.0, min(x.end - x.start, bar_len) / bar_len * (r.width() - 4))
                        y = r.top() + 2 + (hi - x.pitch) / span * (r.height() - 4 - h)
                        p.drawRect(QRectF(x0, y, min(w, r.right() - x0), h))
                chosen = bar < self.usable and self.choice[bar] == row
                if bar >= self.usable or not chosen:
                    p.fillRect(r, UNUSED)
                p.setPen(QPen(CHOSEN if chosen else EDGE, 2 if chosen else 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(r)
                sel = self.selection
                if sel is not None and sel[0] == row and sel[1] <= bar <= sel[2]:
                    p.setPen(QPen(SELECTED, 2, Qt.PenStyle.DashLine))
                    p.drawRect(r.adjusted(3, 3, -3, -3))
        p.end()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        hit = self.cell_at(event.position().toPoint())
        if hit is not None and event.button() == Qt.MouseButton.LeftButton:
            self.cellAudition.emit(*hit)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.cell_at(event.position().toPoint())
        if hit is None:
            return
        if event.button() == Qt.MouseButton.LeftButton and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            row, bar = hit
            anchor = self._anchor if self._anchor is not None and self._anchor[0] == row else (row, bar)
            self._anchor = anchor
            self.select((row, min(anchor[1], bar), max(anchor[1], bar)))
        elif event.button() == Qt.MouseButton.LeftButton:
            self.cellClicked.emit(*hit)
        elif event.button() == Qt.MouseButton.RightButton:
            self.cellMenu.emit(hit[0], hit[1], event.globalPosition().toPoint())


class BarsView(QStackedWidget):
    def __init__(self, tools: LatentTools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("barsView")
        self.tools = tools
        self.session = tools.session
        self.seed = 0
        self.result: Clip | None = None
        self.clips: tuple[Clip, Clip] | None = None

        self.switch_page = QWidget(self)
        self.switch_page.setObjectName("barsSwitchPage")
        self.disabled = QLabel("", self.switch_page)
        self.disabled.setObjectName("barsDisabled")
        self.disabled.setWordWrap(True)
        self.disabled.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.switch_button = QPushButton("", self.switch_page)
        self.switch_button.setObjectName("barsSwitchModel")
        self.switch_button.clicked.connect(self.offer_switch)
        self.per_bar_model: str | None = None
        slay = QVBoxLayout(self.switch_page)
        slay.addStretch(1)
        slay.addWidget(self.disabled)
        srow = QHBoxLayout()
        srow.addStretch(1)
        srow.addWidget(self.switch_button)
        srow.addStretch(1)
        slay.addLayout(srow)
        slay.addStretch(1)
        page = QWidget(self)
        page.setObjectName("barsPage")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(4, 2, 4, 2)
        self.info = QLabel("", page)
        self.info.setObjectName("barsInfo")
        self.grid = BarsGrid(page)
        buttons = QHBoxLayout()
        self.all_b = QPushButton("All bars from B", page)
        self.all_b.setObjectName("barsAllFromB")
        self.add = QPushButton("Add as clip", page)
        self.add.setObjectName("barsAddClip")
        self.add.setEnabled(False)
        self.regenerate = QPushButton("Regenerate these bars", page)
        self.regenerate.setObjectName("barsRegenerate")
        self.regenerate.setToolTip("Shift+click bars of A or B to select them, then redraw them given the bars "
                                   "on both sides (the model's bar prior)")
        self.regenerate.setEnabled(False)
        buttons.addWidget(self.all_b)
        buttons.addWidget(self.regenerate)
        buttons.addWidget(self.add)
        buttons.addStretch(1)
        per_bar_row = QHBoxLayout()
        self.bar_label = QLabel("Per-bar sliders: Shift+click a bar", page)
        self.bar_label.setObjectName("barSliderLabel")
        per_bar_row.addWidget(self.bar_label)
        self.bar_sliders: dict[str, QSlider] = {}
        for key, text, tip in BAR_SLIDERS:
            per_bar_row.addWidget(QLabel(text, page))
            slider = QSlider(Qt.Orientation.Horizontal, page)
            slider.setObjectName(f"barSlider_{key}")
            slider.setRange(-20, 20)  # tenths of the per-bar attribute vector
            slider.setToolTip(tip)
            slider.setEnabled(False)
            slider.sliderReleased.connect(lambda k=key: self.shift_bar(k))
            per_bar_row.addWidget(slider)
            self.bar_sliders[key] = slider
        per_bar_row.addStretch(1)
        lay.addWidget(self.info)
        lay.addWidget(self.grid)
        lay.addLayout(per_bar_row)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.page = page
        self.addWidget(self.switch_page)
        self.addWidget(page)

        self.grid.cellClicked.connect(self.choose)
        self.grid.cellMenu.connect(self.cell_menu)
        self.grid.cellAudition.connect(self.audition)
        self.all_b.clicked.connect(self.all_from_b)
        self.regenerate.clicked.connect(self.regenerate_selection)
        self.grid.selectionChanged.connect(self._selection_changed)
        self.add.clicked.connect(lambda: self.result is not None and tools.ctl.add_as_clip(self.result, "generated"))
        tools.engineChanged.connect(self._engine_changed)
        self._unlisten = self.session.listen(self._on_session)
        self.refresh()

    def _engine_changed(self) -> None:
        self.clips = None
        self.refresh()

    def _on_session(self, kinds: frozenset[str]) -> None:
        if kinds & {"latent", "clips", "reset"}:
            self.refresh()

    def endpoints(self) -> tuple[Clip, Clip] | None:
        return self.session.slot_clips()

    def refresh(self) -> None:
        info = self.tools.info
        if info is None or not info.per_bar:
            self._show_switch()
            return
        self.page.setEnabled(True)
        self.setCurrentWidget(self.page)
        ends = self.endpoints()
        if ends is None:
            self.clips = None
            self.grid.set_data(None, None)
            self.info.setText("Put clips in slots A and B (Interpolation tab, or the clip list's menu).")
            return
        if ends == self.clips:
            return
        self.clips = ends
        a, b = ends
        self.info.setText(f"A: {a.name} — B: {b.name}. Reading the bars…")

        def done(zs: tuple[np.ndarray, np.ndarray]) -> None:
            if self.clips == (a, b):
                self.grid.set_data(zs[0], zs[1], (a, b))
                self.info.setText(f"A: {bars_text(a, len(zs[0]))} — B: {bars_text(b, len(zs[1]))}. Click a bar to "
                                  "take it from that clip, double-click to hear it, right-click for more.")

        def failed(msg: str) -> None:
            self.info.setText(f"⚠ {msg}")

        self.tools.ctl.run("bars-encode", lambda engine: jobs.encode_bar_pair(engine, a, b), done, failed)

    def _show_switch(self) -> None:
        """No per-bar model loaded: say what the view needs and offer the installed per-bar model."""
        info = self.tools.info
        installed = self.tools.ctl.installed()
        titles = plain_titles(installed)
        candidates = [m for m in installed if per_bar(m)]
        if info is not None:  # the same kind of music first (melody for a melody model)
            candidates.sort(key=lambda m: m.representation != info.representation)
        self.per_bar_model = candidates[0].name if candidates else None
        current = titles.get(info.name, info.name) if info is not None else None
        text = ("The Bars view works bar by bar: it needs a model that reads each bar on its own. "
                + (f"The current model ({current}) reads {info.n_bars} bars at a time." if info is not None
                   else "No model is loaded yet."))
        if self.per_bar_model is None:
            text += "\nNo per-bar model is installed."
        self.disabled.setText(text)
        self.switch_button.setVisible(self.per_bar_model is not None and info is not None)
        if self.per_bar_model is not None:
            self.switch_button.setText(f"Switch to {titles[self.per_bar_model]}…")
        self.setCurrentWidget(self.switch_page)
        self.page.setEnabled(False)

    def offer_switch(self) -> None:
        name = self.per_bar_model
        if name is None:
            return
        title = plain_titles(self.tools.ctl.installed()).get(name, name)
        answer = messages.choose(self, "Switch model",
                                 f"Load the {title} model for the Bars view? The sliders and the map then "
                                 "follow it too; you can switch back in the Model list.", ["Switch", "Cancel"])
        if answer == "Switch":
            self.tools.ctl.load_model(name)

    def audition(self, row: int, bar: int) -> None:
        """Hear bar ``bar`` of clip A (row 0) or B (row 1)."""
        ends = self.clips
        if ends is None:
            return
        clip = bar_clip(ends[row], bar)
        if not clip.notes:
            self.tools.message.emit(f"Bar {bar + 1} of {'AB'[row]} is silent")
            return
        if self.tools.audio is None or not self.tools.audio.audition(clip):
            self.tools.message.emit("No sound output: choose one in Playback > Output to hear bars")
            return
        self.tools.message.emit(f"Playing bar {bar + 1} of {'AB'[row]}")

    def choose(self, row: int, bar: int) -> None:
        if bar >= self.grid.usable:
            self.tools.message.emit(f"bar {bar + 1} is not in both clips")
            return
        self.grid.choice[bar] = row
        self.grid.update()
        self.transfer()

    def all_from_b(self) -> None:
        self.grid.choice = [1] * self.grid.usable
        self.grid.update()
        self.transfer()

    def bars_from_a(self) -> list[int]:
        return [k for k, c in enumerate(self.grid.choice) if c == 0]

    def transfer(self) -> None:
        ends = self.clips
        if self.tools.engine is None or ends is None:
            return
        a, b = ends
        bars, seed = self.bars_from_a(), self.seed
        label = "Bars " + (",".join(str(k + 1) for k in bars) + " from A" if bars else "all from B")
        self.tools.ctl.run("bars", lambda engine: jobs.transfer_bars(engine, a, b, bars, seed),
                           lambda r: self._show(r, label), self._failed)

    def resample(self, row: int, bar: int, toward: bool) -> None:
        ends = self.clips
        if self.tools.engine is None or ends is None:
            return
        clip, other = ends[row], ends[1 - row] if toward else None
        self.seed += 1
        seed = self.seed
        label = f"{'AB'[row]} bar {bar + 1} " + (f"toward {'AB'[1 - row]}" if toward else "re-sampled")
        self.tools.ctl.run("bars", lambda engine: jobs.resample_bar(engine, clip, bar, seed, toward=other),
                           lambda r: self._show(r, label), self._failed)

    def _selection_changed(self) -> None:
        sel = self.grid.selection
        self.regenerate.setEnabled(sel is not None)
        for slider in self.bar_sliders.values():
            slider.blockSignals(True)
            slider.setValue(0)
            slider.blockSignals(False)
            slider.setEnabled(sel is not None)
        self.bar_label.setText(f"Bar {sel[1] + 1} of {'AB'[sel[0]]}:" if sel is not None
                               else "Per-bar sliders: Shift+click a bar")

    def shift_bar(self, key: str) -> None:
        """The selected bar (the first of a run) moved along its per-bar vector; the other bars kept."""
        ends, sel = self.clips, self.grid.selection
        if self.tools.engine is None or ends is None or sel is None:
            return
        row, bar = sel[0], sel[1]
        clip, amount = ends[row], self.bar_sliders[key].value() / 10.0
        self.tools.ctl.run("bars", lambda engine: jobs.shift_bar(engine, clip, bar, key, amount),
                           lambda r: self._show(r, f"{'AB'[row]} bar {bar + 1}: {key} {amount:+.1f}"), self._failed)

    def regenerate_selection(self) -> None:
        sel = self.grid.selection
        if sel is not None:
            self.infill(*sel)

    def infill(self, row: int, first: int, last: int) -> None:
        """Bars first..last of A (row 0) or B redrawn given the bars on both sides (infill)."""
        ends = self.clips
        if self.tools.engine is None or ends is None:
            return
        clip = ends[row]
        self.seed += 1
        seed = self.seed
        what = f"bars {first + 1}-{last + 1}" if last > first else f"bar {first + 1}"
        self.tools.ctl.run("bars", lambda engine: jobs.infill_bars(engine, clip, first, last, seed),
                           lambda r: self._show(r, f"{'AB'[row]} {what} regenerated"), self._failed)

    def cell_menu(self, row: int, bar: int, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setObjectName("barsMenu")
        menu.addAction(f"Hear bar {bar + 1} of {'AB'[row]}", lambda: self.audition(row, bar))
        menu.addAction(f"Re-sample bar {bar + 1} of {'AB'[row]}", lambda: self.resample(row, bar, False))
        menu.addAction(f"Move bar {bar + 1} halfway toward {'AB'[1 - row]}'s", lambda: self.resample(row, bar, True))
        sel = self.grid.selection
        first, last = (sel[1], sel[2]) if sel is not None and sel[0] == row and sel[1] <= bar <= sel[2] else (bar, bar)
        what = f"bars {first + 1}-{last + 1}" if last > first else f"bar {bar + 1}"
        menu.addAction(f"Regenerate {what} of {'AB'[row]} (given both sides)",
                       lambda: self.infill(row, first, last))
        menu.popup(pos)

    def _show(self, result: BarsResult, label: str) -> None:
        clip = self.result = result.clip
        self.add.setEnabled(True)
        for w in result.warnings:
            self.tools.message.emit(w)
        self.tools.ctl.show_preview(clip, label)
        if self.tools.audio is not None:
            self.tools.audio.audition(clip)

    def _failed(self, msg: str) -> None:
        self.tools.message.emit(msg)
        self.info.setText(f"⚠ {msg}")

    def cleanup(self) -> None:
        self._unlisten()


def bars_text(clip: Clip, model_bars: int) -> str:
    """``clip``'s name and length in its own bars, and how many 4-beat bars the model reads when the
    two differ (a 2/4 file of 137 bars is 69 of the model's bars: issue 27, defect 8)."""
    own = clip.n_bars
    text = f"{clip.name} ({own} bar{'s' if own != 1 else ''}"
    if model_bars != own:
        text += f"; the model reads {model_bars} bars of {MODEL_BAR_BEATS} beats"
    return text + ")"
