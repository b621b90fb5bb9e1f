"""The latent map: reference cloud, clips, interpolation path; click and drag decode."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from .latent_rig import Rig, rig, tiny_models  # noqa: F401


def test_map_shows_reference_points_and_clips(rig: Rig, qtbot) -> None:  # noqa: F811
    rig.load()
    m = rig.map
    assert m.plot is not None and m.plot.objectName() == "latentMapPlot"
    assert len(m.reference.data) == 20  # the tiny model ships 20 reference latents
    qtbot.waitUntil(lambda: len(rig.tools.clip_points) == 3)  # the three melodies (not the drum beat)
    assert len(m.clips.data) == 3 and len(m._labels) == 3
    assert m.target.isVisible()
    here = rig.tools.current_point()
    assert np.allclose([m.target.pos().x(), m.target.pos().y()], here, atol=1e-4)


def test_clicking_the_map_decodes_that_point(rig: Rig, qtbot) -> None:  # noqa: F811
    eng = rig.load()
    m = rig.map
    vb = m.plot.getPlotItem().getViewBox()
    vb.setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0)
    qtbot.wait(50)
    before = len(eng.called("decode"))
    target = QPointF(1.5, -1.0)
    pos = m.plot.mapFromScene(vb.mapViewToScene(target))
    qtbot.mouseClick(m.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: rig.tools.preview_clip is not None)
    rig.idle()
    assert len(eng.called("decode")) > before
    here = rig.tools.current_point()  # the decoded code sits where the click was
    assert np.allclose(here, [1.5, -1.0], atol=0.1), here
    code = rig.tools.ctl.code
    plane = rig.tools.info.plane
    z = rig.tools.ctl.preview.z
    # only the plane's two directions moved: the rest of z is the current code's
    rest = lambda v: v - ((v - plane.mean) @ plane.axes.T) @ plane.axes  # noqa: E731
    assert np.allclose(rest(z), rest(code.base), atol=1e-4)


def test_dragging_the_target_decodes_live(rig: Rig, qtbot) -> None:  # noqa: F811
    eng = rig.load()
    m = rig.map
    before = len(eng.called("decode"))
    for k in range(30):
        m.target.setPos(QPointF(-1.0 + k * 0.05, 0.5))  # what a drag does, step by step
    rig.idle()
    assert before < len(eng.called("decode")) < before + 30
    assert np.allclose(rig.tools.current_point(), [-1.0 + 29 * 0.05, 0.5], atol=1e-3)
