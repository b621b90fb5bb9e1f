"""The latent tools inside the main window: wiring, model loading through the window's model service,
apply/undo through the window, and screenshots of each panel for the docs.

Screenshots go to docs/screenshots/ when LATENTCOMPOSER_SCREENSHOTS=1 (then with the installed
mel_2bar model if there is one, for musical pictures), else to a temporary folder.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from latentcomposer.app.model_service import ModelService
from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
from latentcomposer.core.examples import example_clip
from latentcomposer.ui.main_window import MainWindow
from tests.helpers_models import RecordingEngine, recording_loader

from .latent_rig import tiny_models  # noqa: F401

REPO = Path(__file__).resolve().parents[2]


def latent_window(qtbot: Any, root: Path, engines: list[RecordingEngine]) -> MainWindow:
    models = ModelService(root=root, loader=recording_loader(engines))
    window = MainWindow(playback=PlaybackService(InMemoryBackend()), models=models, background=False)
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_window_hosts_the_latent_tools(qtbot: Any, tiny_models: Path) -> None:  # noqa: F811
    engines: list[RecordingEngine] = []
    w = latent_window(qtbot, tiny_models, engines)
    s = w.session
    s.replace_clip(example_clip("twinkle").slice_bars(0, 4), "load")
    assert "Model:" in w.model_label.text() and w.latent_tools.info is None
    w.start_model()  # what start-up does after the window is shown
    qtbot.waitUntil(lambda: w.latent_tools.info is not None, timeout=15000)
    assert "tiny_2bar ready" in w.model_label.text()
    qtbot.waitUntil(lambda: w.latent_tools.ctl.code is not None)
    w.latent_panel.rows["density"].slider.setValue(200)
    qtbot.waitUntil(lambda: w.latent_tools.overlay.isVisible())
    assert w.findChild(type(w.latent_tools.overlay), "rollPreview").parent() is w.roll.canvas
    before = s.current_clip
    w.latent_panel.apply_button.click()
    assert s.current_clip != before and w.action_map["undo"].isEnabled()
    w.action_map["undo"].trigger()
    assert s.current_clip == before
    assert threading.main_thread() not in set().union(*(e.threads() for e in engines))
    w.shutdown()


def test_screenshots(qtbot: Any, tiny_models: Path, tmp_path: Path) -> None:  # noqa: F811
    docs = bool(os.environ.get("LATENTCOMPOSER_SCREENSHOTS"))
    out = REPO / "docs" / "screenshots" if docs else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    root = tmp_path / "shot-models"
    root.mkdir()
    real = REPO / "models" / "mel_2bar"
    melody = "mel_2bar" if docs and (real / "attributes.safetensors").exists() else "tiny_2bar"
    for folder in [*tiny_models.iterdir(), *([real] if melody == "mel_2bar" else [])]:
        (root / folder.name).symlink_to(folder)
    engines: list[RecordingEngine] = []
    w = latent_window(qtbot, root, engines)
    s = w.session
    s.replace_clip(example_clip("ode_to_joy").slice_bars(0, 4).copy(name="Ode to Joy"), "load")
    s.add_clip(example_clip("twinkle").slice_bars(0, 4).copy(name="Twinkle"), origin="imported")
    s.set_current(s.items[0].uid)
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", s.items[1].uid)
    tools = w.latent_tools
    tools.load_model(melody, "cpu")
    qtbot.waitUntil(lambda: tools.info is not None and tools.ctl.code is not None, timeout=30000)
    w.latent_panel.rows["density"].slider.setValue(120)
    w.latent_panel.rows["dim2"].slider.setValue(-80)
    qtbot.waitUntil(lambda: tools.preview_clip is not None and not tools.worker.is_busy())
    view = w.timeline.interpolation
    view.steps.setValue(6)
    view.temperature.setValue(0.0)
    view.generate()
    qtbot.waitUntil(lambda: len(view.thumbs) == 8, timeout=20000)
    view.step_clicked(3, False)
    tools.audio.service.stop()
    w.latent_panel.rows["density"].slider.setValue(130)  # the panel's preview in the roll again
    qtbot.waitUntil(lambda: tools.preview_label == "Latent preview" and not tools.worker.is_busy())
    w.roll.zoom_fit()
    w.docks["latentMap"].raise_()
    qtbot.waitUntil(lambda: w.latent_map.plot is not None and len(tools.clip_points) == 2, timeout=10000)
    w.latent_map.refresh()
    w.latent_map.plot.getPlotItem().getViewBox().autoRange()
    qtbot.wait(100)
    shots = {"latent_map.png": w.latent_map}
    for name, widget in shots.items():
        assert widget.grab().save(str(out / name))
    w.docks["latentPanel"].raise_()
    qtbot.wait(50)
    for name, widget in (("latent_panel.png", w.latent_panel), ("interpolation_timeline.png", w.timeline),
                         ("main_window_latent.png", w)):
        assert widget.grab().save(str(out / name))
    tools.load_model("tiny_tvae", "cpu")
    qtbot.waitUntil(lambda: tools.info is not None and tools.info.per_bar, timeout=15000)
    w.timeline.setCurrentWidget(w.timeline.bars)
    qtbot.waitUntil(lambda: w.timeline.bars.grid.usable == 4, timeout=10000)
    w.timeline.bars.choose(0, 1)
    w.timeline.bars.choose(0, 3)
    qtbot.waitUntil(lambda: w.timeline.bars.result is not None)
    tools.audio.service.stop()
    assert w.timeline.grab().save(str(out / "bars_tab.png"))
    for name in ("latent_map.png", "latent_panel.png", "interpolation_timeline.png", "main_window_latent.png",
                 "bars_tab.png"):
        assert (out / name).stat().st_size > 5_000, name
    w.shutdown()
