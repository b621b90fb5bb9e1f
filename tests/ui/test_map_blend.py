"""Issue 27, defect 6: the latent map with musical axes, non-overlapping labels, beside the sliders,
and a blend pad of four corner clips."""

from __future__ import annotations

from typing import Any

import numpy as np

from latentcomposer.app.latent.blend import mix, weights
from latentcomposer.app.latent.info import axis_label, axis_movers
from latentcomposer.ui.blend_pad import BlendPad
from latentcomposer.ui.label_layout import overlaps, place_labels

from .issue27_rig import shot
from .latent_rig import Rig, rig, tiny_models  # noqa: F401


def test_axes_are_named_by_the_attributes_they_move() -> None:
    axes = np.eye(4, dtype=np.float32)[:2]
    vectors = np.array([[2, 0.1, 0, 0], [0, -3, 0, 0], [0, 0, 1, 0]], np.float32)
    movers = axis_movers(axes, ["density", "range", "syncopation"], vectors)
    assert movers[0][0][0] == "density" and movers[1][0][0] == "range"
    assert axis_label(movers[0], "x") == "less density  ←  →  more density"
    assert axis_label(movers[1], "y") == "more range  ↓  ↑  less range"


def test_labels_never_overlap() -> None:
    rects = place_labels([(100, 100)] * 6 + [(104, 98)], [(60, 14)] * 7, (0, 0, 400, 300))
    assert not any(overlaps(a, b) for k, a in enumerate(rects) for b in rects[k + 1:])


def test_map_axes_and_labels_in_the_widget(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    rig.load()
    m = rig.map
    qtbot.waitUntil(lambda: m.plot is not None and len(rig.tools.clip_points) == 3)
    bottom = m.plot.getPlotItem().getAxis("bottom").labelText
    left = m.plot.getPlotItem().getAxis("left").labelText
    assert "PC" not in bottom and "PC" not in left
    movers = rig.tools.info.plane.movers
    if movers[0]:
        assert movers[0][0][0] in bottom and ("more" in bottom or "less" in bottom)
    # three clips at one point: their names are still apart
    same = np.array([0.2, 0.1], np.float32)
    rig.tools.ctl.clip_points = {i.uid: same for i in rig.session.items if not i.clip.is_drum}
    m.refresh()
    boxes = [lb.sceneBoundingRect() for lb in m._labels]
    assert len(boxes) == 3
    assert not any(a.intersects(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    m.resize(420, 380)
    shot(m, "latent_map_axes")


def test_map_sits_beside_the_sliders(window: Any, qtbot: Any) -> None:
    docks = window.docks
    assert docks["latentMap"] not in window.tabifiedDockWidgets(docks["latentPanel"])
    assert docks["latentMap"].isVisible() and docks["latentPanel"].isVisible()
    assert docks["latentMap"].geometry().top() >= docks["latentPanel"].geometry().bottom()
    assert docks["latentMap"].geometry().left() == docks["latentPanel"].geometry().left()
    assert docks["blendPad"] in window.tabifiedDockWidgets(docks["latentMap"])
    window.default_dock_sizes()
    window.roll.zoom_fit()
    shot(window, "main_window_map_beside_sliders")


def test_blend_weights_and_mix() -> None:
    assert np.allclose(weights(0, 0), [1, 0, 0, 0]) and np.allclose(weights(1, 1), [0, 0, 0, 1])
    assert np.isclose(weights(0.3, 0.7).sum(), 1.0)
    codes = [np.full((3, 2), k, np.float32) for k in range(3)] + [np.full((2, 2), 3, np.float32)]
    z = mix(codes, weights(0.5, 0.5))
    assert z.shape == (2, 2) and np.allclose(z, 1.5)


def test_blend_pad_mixes_auditions_and_adds(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    rig.load()
    pad = BlendPad(rig.tools)
    qtbot.addWidget(pad)
    pad.resize(300, 380)
    pad.show()
    melodies = [i.uid for i in rig.session.items if not i.clip.is_drum]
    for k, combo in enumerate(pad.corners):
        combo.setCurrentIndex(combo.findData(melodies[k % len(melodies)]))
    pad.corners_changed()
    qtbot.waitUntil(lambda: pad.codes is not None, timeout=10000)
    pad.pad.set_position(0.25, 0.75)
    # bottom-left heaviest: 0.75 * 0.75 of the mix
    qtbot.waitUntil(lambda: "Ode (4 bars) 56%" in pad.info.text(), timeout=10000)
    assert pad.result is not None and pad.result.notes and rig.tools.preview_label == "Blend"
    pad.hear_button.click()
    assert rig.player._clip is pad.result
    n = len(rig.session.items)
    pad.add_button.click()
    assert len(rig.session.items) == n + 1 and rig.session.items[-1].origin == "blended"
    shot(pad, "blend_pad")
    pad.cleanup()
