"""The latent map (``objectName`` ``latentMap``): a 2-D view of the current model's latent space.

The plane is the PCA of the training latents shipped with the model (``attributes.pca_components[:2]``
around ``pca_mean``, in units of the training spread along each axis). It shows a cloud of training
reference points, the session's clips (the mean of their windows' codes), the interpolation path and
the current code as a target. Click anywhere to decode that point (the other dimensions stay those of
the current z); drag the target to move through the plane with live decoding, like an XY pad.

Issue 27, defect 6: the axes are named by the attributes they move most ("less density ← → more
density", :func:`latentcomposer.app.latent.info.axis_movers`), and the clips' names are placed so that
none overlaps another (:mod:`.label_layout`, again after every zoom or pan).

pyqtgraph is imported when the map is first shown, not at start-up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QPaintEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .label_layout import place_labels
from .latent_tools import LatentTools

BACKGROUND = "#1d2026"
REFERENCE = (150, 156, 170, 80)
CLIP = (127, 196, 255, 230)
PATH = "#9be28f"
TARGET = "#ffb454"


class LatentMap(QWidget):
    def __init__(self, tools: LatentTools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latentMap")
        self.tools = tools
        self.plot: Any = None
        self._moving = False
        self._labels: list[Any] = []
        self._label_points: list[tuple[float, float]] = []
        layout = QVBoxLayout(self)
        self._box = layout
        layout.setContentsMargins(2, 2, 2, 2)
        self.info = QLabel("", self)
        self.info.setObjectName("latentMapInfo")
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: #8a8f99;")
        layout.addWidget(self.info)
        self.setMinimumSize(260, 260)
        self._relayout = QTimer(self, singleShot=True, interval=30)
        self._relayout.timeout.connect(self.layout_labels)
        tools.engineChanged.connect(self.rebuild)
        tools.pointsChanged.connect(self.refresh)
        self.refresh_info()

    # --- building (lazy: pyqtgraph loads on first show) -----------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.plot is None:  # painted means really on screen (a dock tabbed behind another is not)
            QTimer.singleShot(0, self.ensure_built)

    def ensure_built(self) -> None:
        if self.plot is not None:
            return
        import pyqtgraph as pg

        plot = pg.PlotWidget(self, background=BACKGROUND)
        plot.setObjectName("latentMapPlot")
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMenuEnabled(False)
        self.reference = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(*REFERENCE))
        self.clips = pg.ScatterPlotItem(size=11, pen=pg.mkPen("#ffffff", width=1), brush=pg.mkBrush(*CLIP))
        self.path = pg.PlotDataItem(pen=pg.mkPen(PATH, width=2), symbol="o", symbolSize=6,
                                    symbolBrush=PATH, symbolPen=None)
        self.target = pg.TargetItem(pos=(0, 0), size=16, movable=True, pen=pg.mkPen(TARGET, width=2))
        self.target.setToolTip("The current code: drag it to decode as you move")
        self.target.setZValue(10)
        for item in (self.reference, self.path, self.clips, self.target):
            plot.addItem(item)
        self.target.sigPositionChanged.connect(self._target_moved)
        plot.scene().sigMouseClicked.connect(self._clicked)
        plot.getPlotItem().getViewBox().sigRangeChanged.connect(lambda *_a: self._relayout.start())
        self._box.addWidget(plot, 1)
        self.plot = plot
        self.rebuild()

    def rebuild(self) -> None:
        """A new model: its reference cloud and plane."""
        self.refresh_info()
        if self.plot is None:
            return
        info = self.tools.info
        ref = info.plane.reference if info is not None else np.zeros((0, 2))
        self.reference.setData(ref[:, 0], ref[:, 1]) if len(ref) else self.reference.clear()
        x_label, y_label = self.axis_titles()
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        if info is not None:
            tips = [", ".join(f"{'+' if c > 0 else '−'}{n}" for n, c in m) for m in info.plane.movers]
            self.plot.setToolTip(f"Right moves: {tips[0] or 'no named attribute'}\n"
                                 f"Up moves: {tips[1] or 'no named attribute'}")
        self.refresh()
        self.plot.enableAutoRange()

    def axis_titles(self) -> tuple[str, str]:
        """What moving right and up does, in the attributes' words (the principal directions' names
        when no attribute moves along them)."""
        info = self.tools.info
        if info is None:
            return "", ""
        if not info.plane.fitted:
            return "latent dimension 1", "latent dimension 2"
        x, y = info.plane.labels
        return x or "main direction 1 of the music it learned", y or "main direction 2"

    def refresh_info(self) -> None:
        info = self.tools.info
        if info is None:
            self.info.setText("The map appears when a model is loaded.")
        elif not info.plane.fitted:
            self.info.setText("This model ships no map of what it learned; the axes are two of its raw "
                              "dimensions. Click to hear a point; drag the target.")
        else:
            self.info.setText("Grey: passages the model learned from; blue: your clips. Click to hear a point; "
                              "drag the target.")

    # --- showing --------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.plot is None:
            return
        import pyqtgraph as pg

        t = self.tools
        for label in self._labels:
            self.plot.removeItem(label)
        self._labels = []
        self._label_points = []
        pts = [(uid, p) for uid, p in t.clip_points.items() if t.session.has(uid)]
        if pts:
            xy = np.stack([p for _, p in pts])
            self.clips.setData(xy[:, 0], xy[:, 1])
            for uid, p in pts:
                label = pg.TextItem(t.session.item(uid).clip.name or "untitled", color="#c9ccd3", anchor=(0, 0))
                label.setPos(float(p[0]), float(p[1]))
                self.plot.addItem(label)
                self._labels.append(label)
                self._label_points.append((float(p[0]), float(p[1])))
            self.layout_labels()
        else:
            self.clips.clear()
        if t.path is not None and len(t.path):
            self.path.setData(t.path[:, 0], t.path[:, 1])
        else:
            self.path.clear()
        here = t.ctl.current_point()
        self.target.setVisible(here is not None)
        if here is not None and not self.target.moving:
            self._moving = True
            self.target.setPos(QPointF(float(here[0]), float(here[1])))
            self._moving = False
            self._keep_in_view(float(here[0]), float(here[1]))

    def layout_labels(self) -> None:
        """Put every clip name beside its point, none over another (in screen pixels)."""
        if self.plot is None or not self._labels:
            return
        vb = self.plot.getPlotItem().getViewBox()
        scene_pts = [vb.mapViewToScene(QPointF(x, y)) for x, y in self._label_points]
        metrics = QFontMetrics(self.font())
        sizes = [(metrics.horizontalAdvance(lb.toPlainText()) + 6.0, metrics.height() + 4.0) for lb in self._labels]
        area = vb.sceneBoundingRect()
        rects = place_labels([(p.x(), p.y()) for p in scene_pts], sizes,
                             (area.x(), area.y(), area.width(), area.height()))
        for label, (x, y, _w, _h) in zip(self._labels, rects, strict=True):
            top_left = vb.mapSceneToView(QPointF(x, y))
            label.setPos(top_left.x(), top_left.y())

    def _keep_in_view(self, x: float, y: float) -> None:
        """Widen the view when the current code leaves it (never narrows what the user chose)."""
        vb = self.plot.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        if x0 <= x <= x1 and y0 <= y <= y1:
            return
        mx, my = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
        vb.setRange(xRange=(min(x0, x - mx), max(x1, x + mx)), yRange=(min(y0, y - my), max(y1, y + my)),
                    padding=0)

    # --- input ----------------------------------------------------------------------------------
    def click_at(self, x: float, y: float) -> int:
        """Decode the point (x, y) of the plane (what a click does); returns the request number."""
        gen = self.tools.ctl.move_map(x, y)
        if gen and self.plot is not None:
            self._moving = True
            self.target.setPos(QPointF(x, y))
            self._moving = False
        return gen

    def _clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        self.click_at(p.x(), p.y())

    def _target_moved(self, _item: Any = None) -> None:
        if self._moving:
            return
        p = self.target.pos()
        self.tools.ctl.move_map(p.x(), p.y())
