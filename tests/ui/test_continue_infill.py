"""Continue (latent panel) and Regenerate these bars (Bars view) end to end on a tiny per-bar model with
a fitted bar prior (model/bar_prior.py, model/continuation.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.helpers_models import add_tiny_bar_prior, make_tiny_models

from .issue27_rig import shot
from .latent_rig import Rig


@pytest.fixture(scope="module")
def models_with_bar_prior(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_tiny_models(tmp_path_factory.mktemp("bar-prior-models"), ("tiny_2bar", "tiny_tvae"))
    add_tiny_bar_prior(root / "tiny_tvae")
    return root


@pytest.fixture
def brig(qtbot: Any, models_with_bar_prior: Path) -> Iterator[Rig]:
    r = Rig(qtbot, models_with_bar_prior)
    yield r
    r.close()


def test_continue_button_extends_the_clip_keeping_its_bars(brig: Rig, qtbot: Any) -> None:
    brig.load("tiny_tvae")
    button = brig.panel.continue_button
    assert button.objectName() == "continueButton"
    qtbot.waitUntil(button.isEnabled, timeout=5000)
    clip = brig.session.current_clip
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: brig.tools.preview_clip is not None and brig.tools.preview_clip.n_bars == clip.n_bars + 4,
                    timeout=20000)
    out = brig.tools.preview_clip
    assert out is not None
    assert out.slice_bars(0, clip.n_bars).notes == clip.slice_bars(0, clip.n_bars).notes
    assert brig.engine.called("continue_clip")
    assert all(t.name != "MainThread" for t in brig.engine_threads())  # never in the UI thread
    brig.panel.add_button.click()
    assert brig.session.items[-1].clip.n_bars == clip.n_bars + 4
    shot(brig.window, "continue_button")


def test_continue_needs_a_per_bar_model(brig: Rig, qtbot: Any) -> None:
    brig.load("tiny_2bar")
    assert not brig.panel.continue_button.isEnabled()
    assert not brig.tools.ctl.continue_current(4)
    assert any("per-bar model" in m for m in brig.messages)


def test_regenerate_selected_bars_keeps_the_others(brig: Rig, qtbot: Any) -> None:
    brig.load("tiny_tvae")
    s = brig.session
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", s.items[1].uid)
    bars = brig.timeline.bars
    brig.timeline.setCurrentWidget(bars)
    qtbot.waitUntil(lambda: bars.grid.usable == 8, timeout=10000)
    assert not bars.regenerate.isEnabled()
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mouseClick(bars.grid, Qt.MouseButton.LeftButton, shift, bars.grid.cell_rect(0, 2).center())
    qtbot.mouseClick(bars.grid, Qt.MouseButton.LeftButton, shift, bars.grid.cell_rect(0, 3).center())
    assert bars.grid.selection == (0, 2, 3)
    assert bars.regenerate.isEnabled() and bars.regenerate.objectName() == "barsRegenerate"
    a = s.items[0].clip
    bars.regenerate.click()
    qtbot.waitUntil(lambda: bars.result is not None, timeout=20000)
    out = bars.result
    assert out is not None
    assert out.slice_bars(0, 2).notes == a.slice_bars(0, 2).notes
    assert out.slice_bars(4, 8).notes == a.slice_bars(4, 8).notes
    assert brig.engine.called("infill")[-1][0][1] == (2, 4)
    brig.timeline.resize(1100, 220)
    shot(brig.timeline, "bars_regenerate")


def test_per_bar_slider_changes_only_the_selected_bar(brig: Rig, qtbot: Any) -> None:
    brig.load("tiny_tvae")
    s = brig.session
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", s.items[1].uid)
    bars = brig.timeline.bars
    brig.timeline.setCurrentWidget(bars)
    qtbot.waitUntil(lambda: bars.grid.usable == 8, timeout=10000)
    slider = bars.bar_sliders["density"]
    assert slider.objectName() == "barSlider_density" and not slider.isEnabled()
    qtbot.mouseClick(bars.grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     bars.grid.cell_rect(1, 4).center())
    assert slider.isEnabled() and bars.bar_label.text() == "Bar 5 of B:"
    slider.setValue(15)
    slider.sliderReleased.emit()
    qtbot.waitUntil(lambda: bars.result is not None, timeout=20000)
    b = s.items[1].clip
    out = bars.result
    assert out is not None
    assert out.slice_bars(0, 4).notes == b.slice_bars(0, 4).notes
    assert out.slice_bars(5, 8).notes == b.slice_bars(5, 8).notes
    assert brig.engine.called("shift_bar")[-1][0][1:] == (4, "density", 1.5)
