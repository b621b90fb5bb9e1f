"""The blend pad (``objectName`` ``blendPad``): four clips at the corners, drag the puck to mix them.

Like Magenta's Beat Blender: each corner holds a clip of the session; the puck's position mixes the
four clips' codes (:mod:`latentcomposer.app.latent.blend`, bilinear weights) and the mix is decoded
on the worker (newest position wins) and shown over the roll as a preview ("Blend"). **Hear** plays
the mix from its start, **Add as clip** keeps it as a new clip; Apply to clip in the slider panel works
as for any preview.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from latentcomposer.app.latent import blend
from latentcomposer.core import Clip

from .latent_tools import LatentTools, make_button

BG = QColor("#1d2026")
GRID = QColor("#3a3f49")
PUCK = QColor("#ffb454")
CORNER_COLOURS = (QColor("#7fc4ff"), QColor("#9be28f"), QColor("#f28fad"), QColor("#c3a6ff"))


class Pad(QWidget):
    """The square: a puck at (x, y) in [0, 1]²; ``moved(x, y)`` while dragging or on a click."""

    moved = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blendPadArea")
        self.px, self.py = 0.5, 0.5
        self.setMinimumSize(160, 160)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to mix the four corner clips; the mix shows over the piano roll")

    def square(self) -> QRectF:
        side = min(self.width(), self.height()) - 8
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def point_at(self, x: float, y: float) -> QPointF:
        r = self.square()
        return QPointF(r.left() + x * r.width(), r.top() + y * r.height())

    def set_position(self, x: float, y: float, emit: bool = True) -> None:
        self.px, self.py = min(1.0, max(0.0, x)), min(1.0, max(0.0, y))
        self.update()
        if emit:
            self.moved.emit(self.px, self.py)

    def _from_event(self, event: QMouseEvent) -> None:
        r = self.square()
        p = event.position()
        self.set_position((p.x() - r.left()) / r.width(), (p.y() - r.top()) / r.height())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._from_event(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._from_event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.square()
        p.fillRect(r, BG)
        p.setPen(QPen(GRID, 1))
        for k in range(1, 4):
            p.drawLine(QPointF(r.left() + r.width() * k / 4, r.top()), QPointF(r.left() + r.width() * k / 4, r.bottom()))
            p.drawLine(QPointF(r.left(), r.top() + r.height() * k / 4), QPointF(r.right(), r.top() + r.height() * k / 4))
        w = blend.weights(self.px, self.py)
        for k, (cx, cy) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1))):
            c = QColor(CORNER_COLOURS[k])
            c.setAlpha(60 + int(180 * float(w[k])))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(c)
            p.drawEllipse(self.point_at(cx, cy), 9, 9)
        p.setPen(QPen(PUCK, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(self.point_at(self.px, self.py), 8, 8)
        p.end()


class BlendPad(QWidget):
    def __init__(self, tools: LatentTools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blendPad")
        self.tools = tools
        self.session = tools.session
        self.codes: list[np.ndarray] | None = None
        self._coded: tuple[Clip, ...] | None = None
        self.result: Clip | None = None
        self.seed = 0
        self.corners = [QComboBox(self) for _ in range(4)]
        for k, combo in enumerate(self.corners):
            combo.setObjectName(f"blendCorner_{k}")
            combo.setToolTip(f"The clip at the {blend.CORNERS[k]} corner")
            combo.activated.connect(lambda _i: self.corners_changed())
        self.pad = Pad(self)
        self.info = QLabel("", self)
        self.info.setObjectName("blendInfo")
        self.info.setWordWrap(True)
        self.info.setMinimumHeight(2 * self.info.fontMetrics().height() + 4)
        self.hear_button = make_button(self, "blendHear", "Hear", "Play the mix from its start", self.hear)
        self.add_button = make_button(self, "blendAdd", "Add as clip", "Keep the mix as a new clip", self.add)
        grid = QGridLayout()
        grid.addWidget(self.corners[0], 0, 0)
        grid.addWidget(self.corners[1], 0, 1)
        grid.addWidget(self.pad, 1, 0, 1, 2)
        grid.addWidget(self.corners[2], 2, 0)
        grid.addWidget(self.corners[3], 2, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hear_button)
        buttons.addWidget(self.add_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(grid, 1)
        lay.addWidget(self.info)
        lay.addLayout(buttons)
        self.pad.moved.connect(self.position_changed)
        tools.engineChanged.connect(self._engine_changed)
        self._unlisten = self.session.listen(self._on_session)
        self.fill_corners()
        self.sync()

    # --- corners ---------------------------------------------------------------------------------
    def fill_corners(self) -> None:
        items = [i for i in self.session.items if i.clip.notes]
        for k, combo in enumerate(self.corners):
            keep = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for item in items:
                combo.addItem(item.clip.name or "untitled", item.uid)
            index = combo.findData(keep)
            if index < 0 and items:
                index = min(k, len(items) - 1)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)

    def corner_clips(self) -> tuple[Clip, ...] | None:
        uids = [c.currentData() for c in self.corners]
        if any(u is None or not self.session.has(u) for u in uids):
            return None
        return tuple(self.session.item(u).clip for u in uids)

    def _on_session(self, kinds: frozenset[str]) -> None:
        if kinds & {"clips", "clip", "reset"}:
            self.fill_corners()
            if self.corner_clips() != self._coded:
                self.codes = None
            self.sync()

    def _engine_changed(self) -> None:
        self.codes = None
        self._coded = None
        self.sync()

    def corners_changed(self) -> None:
        self.codes = None
        self.encode_corners()

    def encode_corners(self) -> bool:
        clips = self.corner_clips()
        if clips is None or self.tools.info is None:
            self.sync()
            return False
        self.info.setText("Reading the four clips…")

        def done(codes: list[np.ndarray]) -> None:
            if self.corner_clips() == clips:
                self.codes, self._coded = codes, clips
                self.sync()
                self.position_changed(self.pad.px, self.pad.py)

        def failed(msg: str) -> None:
            self.info.setText(f"⚠ The model cannot read one of the corner clips: {msg}")

        return self.tools.ctl.run("blend-encode", lambda engine: blend.encode_corners(engine, clips), done, failed)

    # --- mixing ----------------------------------------------------------------------------------
    def position_changed(self, x: float, y: float) -> None:
        if self.codes is None:
            self.encode_corners()
            return
        clips = self._coded
        assert clips is not None
        w = blend.weights(x, y)
        z = blend.mix(self.codes, w)
        template = clips[int(np.argmax(w))]
        temperature, seed = self.tools.ctl.temperature, self.seed
        names = [c.name or "untitled" for c in clips]
        label = "Blend: " + " · ".join(f"{names[k]} {round(100 * float(w[k]))}%" for k in range(4) if w[k] >= 0.05)

        def done(clip: Clip) -> None:
            self.result = clip
            self.tools.ctl.show_preview(clip, "Blend")
            self.info.setText(label)
            self.sync()

        self.tools.ctl.run("blend", lambda engine: blend.decode_mix(engine, z, template, temperature, seed), done)

    def hear(self) -> None:
        if self.result is None:
            return
        if self.tools.audio is None or not self.tools.audio.audition(self.result):
            self.tools.say("No sound output: choose one in Playback > Output to hear the blend")

    def add(self) -> None:
        if self.result is not None:
            self.tools.ctl.add_as_clip(self.result, "blended")

    def sync(self) -> None:
        ready = self.tools.info is not None
        clips = self.corner_clips()
        self.pad.setEnabled(ready and clips is not None)
        self.hear_button.setEnabled(self.result is not None)
        self.add_button.setEnabled(self.result is not None)
        if not ready:
            self.info.setText("The blend pad works when a model is loaded.")
        elif clips is None:
            self.info.setText("Put four clips at the corners (any clips with notes), then drag in the square.")
        elif self.codes is None and not self.info.text().startswith("⚠"):
            self.info.setText("Drag in the square to mix the four corner clips.")

    def cleanup(self) -> None:
        unlisten, self._unlisten = self._unlisten, lambda: None
        unlisten()
