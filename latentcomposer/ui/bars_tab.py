"""The "Bars" tab beside the interpolation timeline: per-bar latents (Transformer VAE models).

Clips A and B (the interpolation slots) show as two rows of cells, one per bar, each drawing that
bar's latent vector as coloured stripes. Click a cell to take that bar from that clip (context
transfer: the chosen bars of A are decoded in B's flow); right-click a cell to re-sample that bar or
move it toward the other clip's bar. The result shows over the roll and plays. With a model that has
one latent per window (MusicVAE) the tab says so and stays disabled.
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
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latentcomposer.app.latent import jobs
from latentcomposer.app.latent.jobs import BarsResult
from latentcomposer.core import Clip

from .latent_tools import LatentTools

CELL_W, CELL_H, HEAD_W, TOP = 46, 30, 26, 14
CHOSEN = QColor("#ffb454")
EDGE = QColor("#3a3f49")
UNUSED = QColor(0, 0, 0, 140)
TEXT = QColor("#c9ccd3")


def _color(v: float) -> QColor:
    """Blue (negative) through dark grey to orange (positive), for latent values in std units."""
    t = max(-1.0, min(1.0, v / 2.0))
    base = np.array([44, 48, 56], float)
    end = np.array([255, 170, 70], float) if t > 0 else np.array([80, 150, 255], float)
    c = base + abs(t) * (end - base)
    return QColor(int(c[0]), int(c[1]), int(c[2]))


class BarsGrid(QWidget):
    cellClicked = Signal(int, int)  # row (0 = A, 1 = B), bar
    cellMenu = Signal(int, int, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("barsGrid")
        self.rows: list[np.ndarray | None] = [None, None]
        self.choice: list[int] = []  # per usable bar: 0 (from A) or 1 (from B)
        self._font = QFont(self.font())
        self._font.setPixelSize(10)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(TOP + 2 * CELL_H + 6)

    def set_data(self, za: np.ndarray | None, zb: np.ndarray | None) -> None:
        self.rows = [za, zb]
        usable = min(len(za), len(zb)) if za is not None and zb is not None else 0
        self.choice = (self.choice + [1] * usable)[:usable]
        self.setMinimumWidth(HEAD_W + max(len(za) if za is not None else 0, len(zb) if zb is not None else 0)
                             * CELL_W + 4)
        self.update()

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
            scale = float(np.std(z)) or 1.0
            for bar, vec in enumerate(z):
                r = self.cell_rect(row, bar)
                w = r.width() / max(1, len(vec))
                for k, v in enumerate(vec):
                    p.fillRect(QRectF(r.left() + k * w, r.top(), w + 0.5, r.height()), _color(float(v) / scale))
                chosen = bar < self.usable and self.choice[bar] == row
                if bar >= self.usable or not chosen:
                    p.fillRect(r, UNUSED)
                p.setPen(QPen(CHOSEN if chosen else EDGE, 2 if chosen else 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(r)
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.cell_at(event.position().toPoint())
        if hit is None:
            return
        if event.button() == Qt.MouseButton.LeftButton:
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

        self.disabled = QLabel("", self)
        self.disabled.setObjectName("barsDisabled")
        self.disabled.setWordWrap(True)
        self.disabled.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.disabled.setStyleSheet("color: #8a8f99;")
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
        buttons.addWidget(self.all_b)
        buttons.addWidget(self.add)
        buttons.addStretch(1)
        lay.addWidget(self.info)
        lay.addWidget(self.grid)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.page = page
        self.addWidget(self.disabled)
        self.addWidget(page)

        self.grid.cellClicked.connect(self.choose)
        self.grid.cellMenu.connect(self.cell_menu)
        self.all_b.clicked.connect(self.all_from_b)
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
            name = info.name if info else "no model"
            self.disabled.setText(
                f"Per-bar tools need a model with one latent per bar (a Transformer VAE, e.g. tvae_16bar).\n"
                f"The current model ({name}) " + (f"has one latent per {info.n_bars}-bar window." if info else
                                                  "is not loaded yet."))
            self.setCurrentWidget(self.disabled)
            self.page.setEnabled(False)
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
        self.info.setText(f"A: {a.name} — B: {b.name}. Encoding bars…")

        def done(zs: tuple[np.ndarray, np.ndarray]) -> None:
            if self.clips == (a, b):
                self.grid.set_data(*zs)
                self.info.setText(f"A: {a.name} ({len(zs[0])} bars) — B: {b.name} ({len(zs[1])} bars). "
                                  "Click a cell to take that bar from that clip; right-click to re-sample it.")

        def failed(msg: str) -> None:
            self.info.setText(f"⚠ {msg}")

        self.tools.ctl.run("bars-encode", lambda engine: jobs.encode_bar_pair(engine, a, b), done, failed)

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

    def cell_menu(self, row: int, bar: int, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setObjectName("barsMenu")
        menu.addAction(f"Re-sample bar {bar + 1} of {'AB'[row]}", lambda: self.resample(row, bar, False))
        menu.addAction(f"Move bar {bar + 1} halfway toward {'AB'[1 - row]}'s", lambda: self.resample(row, bar, True))
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
