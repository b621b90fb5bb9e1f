"""Issue 27, defect 2: a wait longer than ~150 ms shows a busy state where the result will appear
(over the roll), with Cancel for long waits."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from .issue27_rig import shot
from .latent_rig import Rig, rig, tiny_models  # noqa: F401


def test_slow_preview_shows_busy_state_and_can_be_cancelled(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    rig.load()
    rig.idle()
    overlay = rig.tools.busy
    assert overlay is not None and not overlay.isVisible()
    for name in ("shift", "decode"):
        rig.engine.delays[name] = 2.5  # a long clip on a slow machine
    rig.panel.rows["density"].slider.setValue(150)
    qtbot.waitUntil(overlay.isVisible, timeout=1000)  # shown while waiting, over the roll
    assert overlay.parentWidget() is rig.roll.canvas
    assert "Working out the preview" in overlay.label.text()
    assert not overlay.cancel.isVisible()  # not yet a long wait
    qtbot.waitUntil(overlay.cancel.isVisible, timeout=3000)
    shot(rig.roll, "busy_preview")
    qtbot.mouseClick(overlay.cancel, Qt.MouseButton.LeftButton)
    assert not overlay.isVisible()
    assert any("Cancelled" in m for m in rig.messages)
    rig.idle()
    qtbot.wait(100)
    assert rig.tools.preview_clip is None  # the dropped result never lands
    for name in ("shift", "decode"):
        rig.engine.delays.pop(name)
    rig.panel.rows["density"].slider.setValue(100)
    qtbot.waitUntil(lambda: rig.tools.preview_clip is not None, timeout=10000)
    assert not overlay.isVisible()
