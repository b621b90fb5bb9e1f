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
from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from latentcomposer.app.latent import jobs, structure
from latentcomposer.app.latent.jobs import BarsResult
from latentcomposer.app.latent.structure import (
    Repeat,
    TransferMarks,
    bar_clip,
    bar_notes,
    bars_text,
    model_bar_ticks,
)
from latentcomposer.app.model_names import per_bar, plain_titles
from latentcomposer.core import Clip, Note

from . import messages
from .latent_tools import LatentTools

CELL_W, CELL_H, HEAD_W, TOP = 64, 40, 26, 14
STRIP = 13  # under each cell: "= bar 1" (the music repeats bar 1) and the model's KL meter
ROW_H = CELL_H + STRIP + 4
CHOSEN = QColor("#ffb454")
EDGE = QColor("#3a3f49")
UNUSED = QColor(0, 0, 0, 140)
TEXT = QColor("#c9ccd3")
CELL_BG = QColor("#262a31")
NOTE_A = QColor("#7fc4ff")
NOTE_B = QColor("#9be28f")
SELECTED = QColor("#f2f27a")
NOTE_OUT = QColor("#ffb454")
METER_ON, METER_OFF = QColor("#d9a0ff"), QColor("#4a4458")
MARK_COLOURS = {"transferred": CHOSEN, "followed": QColor("#ff7ab8"), "changed": QColor("#e0d070"),
                "stayed": QColor("#7d828c")}
# per-bar sliders (the model's per-bar attribute vectors, fitted with its bar prior): key, label, tooltip
BAR_SLIDERS = (("density", "Density", "Notes in this bar only: fewer (left) or more (right); the other bars "
                "stay as they are"),
               ("register", "Register", "This bar only: lower (left) or higher (right)"))


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
        self.repeats: list[list[Repeat | None]] = [[], []]  # per row, per bar: the earlier bar the music repeats
        self.kl: list[np.ndarray | None] = [None, None]  # per row: the model's KL per bar (nats)
        self.refs: list[np.ndarray | None] = [None, None]  # per row: the earlier bar the model hears, -1
        self.levels: list[list[int]] = [[], []]  # per row: the KL meter, 1..LEVELS
        self.transfer: TransferMarks | None = None  # the last context transfer (third row)
        self._font = QFont(self.font())
        self._font.setPixelSize(10)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(TOP + 3 * ROW_H + 2)

    def set_data(self, za: np.ndarray | None, zb: np.ndarray | None,
                 clips: tuple[Clip, Clip] | None = None) -> None:
        self.rows = [za, zb]
        self.notes = [[], []]
        self.repeats = [[], []]
        self.kl, self.levels, self.refs = [None, None], [[], []], [None, None]
        self.transfer = None
        for row, (z, clip) in enumerate(zip((za, zb), clips or (None, None), strict=True)):
            if z is None or clip is None:
                continue
            self.notes[row] = [bar_notes(clip, k) for k in range(len(z))]
            self.repeats[row] = structure.music_repeats(clip, len(z))
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

    def set_kl(self, row: int, kl: np.ndarray, refs: np.ndarray | None = None) -> None:
        """The model's KL per bar of row ``row``: the meters under its cells (and, per bar, the
        earlier bar the model hears it as, -1 for none: the tooltips)."""
        values = np.asarray(kl, dtype=np.float64)
        self.kl[row] = values
        self.refs[row] = None if refs is None else np.asarray(refs)
        self.levels[row] = structure.kl_levels(values)
        self.update()

    def set_transfer(self, marks: TransferMarks | None) -> None:
        """Show a context transfer's result as a third row, each bar marked (None: hide it)."""
        self.transfer = marks
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
        return QRect(HEAD_W + bar * CELL_W, TOP + row * ROW_H, CELL_W - 3, CELL_H)

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
            p.drawText(QRect(0, TOP + row * ROW_H, HEAD_W, CELL_H), Qt.AlignmentFlag.AlignCenter, "AB"[row])
            if z is None:
                continue
            for bar in range(len(z)):
                r = self.cell_rect(row, bar)
                p.fillRect(r, CELL_BG)
                notes = self.notes[row][bar] if bar < len(self.notes[row]) else []
                self._draw_notes(p, r, notes, bar * self.bar_len[row], self.bar_len[row], self.ranges[row],
                                 NOTE_A if row == 0 else NOTE_B)
                self._draw_strip(p, row, bar)
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
        self._draw_transfer(p)
        p.end()

    @staticmethod
    def _draw_notes(p: QPainter, r: QRect, notes: list[Note], start: int, bar_len: int, lo_hi: tuple[int, int],
                    colour: QColor) -> None:
        if not notes:
            return
        lo, hi = lo_hi
        span = max(1, hi - lo)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        h = max(2.0, (r.height() - 4) / span)
        for x in notes:
            x0 = r.left() + 2 + (x.start - start) / bar_len * (r.width() - 4)
            w = max(2.0, min(x.end - x.start, bar_len) / bar_len * (r.width() - 4) - 1)  # repeated notes apart
            y = r.top() + 2 + (hi - x.pitch) / span * (r.height() - 4 - h)
            p.drawRect(QRectF(x0, y, min(w, r.right() - x0), h))

    def _strip_rect(self, row: int, bar: int) -> QRect:
        r = self.cell_rect(row, bar)
        return QRect(r.left(), r.bottom() + 2, r.width(), STRIP)

    def _draw_strip(self, p: QPainter, row: int, bar: int) -> None:
        """Under a cell: the bar the music repeats ("= bar 1", "≈ bar 2" transposed) and the KL meter."""
        s = self._strip_rect(row, bar)
        p.setPen(TEXT)
        p.drawText(s.adjusted(1, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   self.repeat_text(row, bar))
        levels = self.levels[row]
        if bar < len(levels):
            p.setPen(Qt.PenStyle.NoPen)
            for k in range(structure.LEVELS):
                p.setBrush(METER_ON if k < levels[bar] else METER_OFF)
                p.drawRect(QRectF(s.right() - (structure.LEVELS - k) * 5 + 1, s.top() + 3, 4, STRIP - 5))

    def repeat_text(self, row: int, bar: int) -> str:
        """The words under a cell: "= bar 1" (the music repeats bar 1), "≈ bar 2" (transposed), or ""."""
        rep = self.repeats[row][bar] if bar < len(self.repeats[row]) else None
        return "" if rep is None else f"{'=' if rep.shift == 0 else '≈'} bar {rep.of + 1}"

    def _draw_transfer(self, p: QPainter) -> None:
        """The third row: the last transfer's result, each bar marked against B's reconstruction."""
        t = self.transfer
        if t is None:
            return
        p.setPen(TEXT)
        p.drawText(QRect(0, TOP + 2 * ROW_H, HEAD_W, CELL_H), Qt.AlignmentFlag.AlignCenter, "→")
        bar_len = model_bar_ticks(t.clip)
        lo_hi = t.clip.pitch_range() or (60, 72)
        for bar, mark in enumerate(t.marks):
            r = self.cell_rect(2, bar)
            p.fillRect(r, CELL_BG)
            self._draw_notes(p, r, bar_notes(t.clip, bar), bar * bar_len, bar_len, (lo_hi[0] - 1, lo_hi[1] + 1),
                             NOTE_OUT)
            p.setPen(QPen(MARK_COLOURS[mark], 2 if mark in ("followed", "transferred") else 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(r)
            p.setPen(MARK_COLOURS[mark])
            p.drawText(self._strip_rect(2, bar).adjusted(1, 0, 0, 0),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.mark_text(bar))

    def mark_text(self, bar: int) -> str:
        """The words under bar ``bar`` of the transfer row."""
        return structure.mark_words(self.transfer, bar)

    def cell_tip(self, row: int, bar: int) -> str:
        """The tooltip of a cell: the repeat, the model's KL, or the transfer mark in full."""
        if row == 2:
            return structure.mark_tip(self.transfer, bar)
        z = self.rows[row]
        if z is None or not 0 <= bar < len(z):
            return ""
        rep = self.repeats[row][bar] if bar < len(self.repeats[row]) else None
        kl, refs = self.kl[row], self.refs[row]
        ref = int(refs[bar]) if refs is not None and bar < len(refs) else -1
        return structure.bar_tip("AB"[row], bar, rep, kl, self.levels[row][bar] if kl is not None else 0, ref)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            pos = e.pos()
            row, bar = (pos.y() - TOP) // ROW_H, (pos.x() - HEAD_W) // CELL_W
            tip = self.cell_tip(row, bar) if pos.x() >= HEAD_W and 0 <= row <= 2 and pos.y() >= TOP else ""
            if tip:
                QToolTip.showText(e.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

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
        self.legend = QLabel("Under each bar: \"= bar 1\" when the music repeats bar 1 (≈: the same rhythm, "
                             "transposed); the meter is what the model spends on the bar against this clip's most "
                             "expensive one (full: new material, one cell: refers back). After a transfer, the "
                             "→ row marks which later bars followed the new bar and which B kept.", page)
        self.legend.setObjectName("barsLegend")
        self.legend.setWordWrap(True)
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
        lay.addWidget(self.legend)
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
                self.read_kl(a, b)
                self.info.setText(f"A: {bars_text(a, len(zs[0]))} — B: {bars_text(b, len(zs[1]))}. Click a bar to "
                                  "take it from that clip, double-click to hear it, right-click for more.")

        def failed(msg: str) -> None:
            self.info.setText(f"⚠ {msg}")

        self.tools.ctl.run("bars-encode", lambda engine: jobs.encode_bar_pair(engine, a, b), done, failed)

    def read_kl(self, a: Clip, b: Clip) -> None:
        """The model's KL per bar of A and B (worker thread), shown as the meters under the cells."""

        def done(got: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]) -> None:
            if self.clips == (a, b):
                self.grid.set_kl(0, *got[0])
                self.grid.set_kl(1, *got[1])

        self.tools.ctl.run("bars-kl",
                           lambda engine: (structure.bar_reading(engine, a), structure.bar_reading(engine, b)),
                           done, self._failed)

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
        self.tools.ctl.run("bars", lambda engine: structure.transfer_marks(engine, a, b, bars, seed),
                           lambda m: self._show_transfer(m, label), self._failed)

    def _show_transfer(self, marks: TransferMarks, label: str) -> None:
        self._show(BarsResult(marks.clip, marks.warnings), label)
        self.grid.set_transfer(marks)
        if marks.transferred:
            followed = [k + 1 for k, m in enumerate(marks.marks) if m == "followed"]
            changed = [k + 1 for k, m in enumerate(marks.marks) if m == "changed"]
            self.tools.message.emit(f"{label}: " + (f"bars {', '.join(map(str, followed))} followed the new bar"
                                                    if followed else "no later bar followed the new bar")
                                    + (f"; bars {', '.join(map(str, changed))} changed otherwise" if changed else ""))

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
        self.grid.set_transfer(None)  # the transfer row describes the last transfer only
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
