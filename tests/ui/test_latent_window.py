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
from latentcomposer.app.state import PanelState
from latentcomposer.core.examples import example_clip, example_drums
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
    assert "Melody · 2 bars ready" in w.model_label.text()  # plain names (issue 27)
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

    def pick(real_name: str, tiny: str) -> str:  # the shipped model for the docs, else the tiny one
        real = REPO / "models" / real_name
        if docs and (real / "attributes.safetensors").exists():
            (root / real_name).symlink_to(real)
            return real_name
        return tiny

    for folder in tiny_models.iterdir():
        (root / folder.name).symlink_to(folder)
    melody, per_bar, drums = pick("mel_2bar", "tiny_2bar"), pick("tvae_16bar", "tiny_tvae"), \
        pick("drums_2bar", "tiny_drums")
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
    tools.load_model(per_bar, "cpu")
    qtbot.waitUntil(lambda: tools.info is not None and tools.info.per_bar, timeout=15000)
    w.timeline.setCurrentWidget(w.timeline.bars)
    qtbot.waitUntil(lambda: w.timeline.bars.grid.usable == 4, timeout=10000)
    w.timeline.bars.choose(0, 1)
    w.timeline.bars.choose(0, 3)
    qtbot.waitUntil(lambda: w.timeline.bars.result is not None)
    tools.audio.service.stop()
    assert w.timeline.grab().save(str(out / "bars_tab.png"))
    # drums: a drum clip switches to the drum model; sliders, map and interpolation work the same
    w.timeline.setCurrentWidget(view)
    s.add_clip(example_drums(4).copy(name="Rock beat"))
    s.add_clip(example_drums(4).copy(name="Beat 2"), origin="imported")
    s.set_current(s.items[-2].uid)
    s.set_slot("a", s.items[-2].uid)
    s.set_slot("b", s.items[-1].uid)
    tools.load_model(drums, "cpu")
    qtbot.waitUntil(lambda: tools.info is not None and tools.info.kind == "drums" and tools.ctl.code is not None,
                    timeout=30000)
    view.generate()
    qtbot.waitUntil(lambda: len(view.thumbs) == 8 and view.result.clips[3].is_drum, timeout=20000)
    w.latent_panel.rows["density"].slider.setValue(-100)
    qtbot.waitUntil(lambda: tools.preview_clip is not None and not tools.worker.is_busy())
    assert tools.preview_clip.is_drum and w.roll.drum_mode
    w.roll.zoom_fit()
    qtbot.wait(50)
    assert w.grab().save(str(out / "main_window_drums.png"))
    for name in ("latent_map.png", "latent_panel.png", "interpolation_timeline.png", "main_window_latent.png",
                 "bars_tab.png", "main_window_drums.png"):
        assert (out / name).stat().st_size > 5_000, name
    w.shutdown()


def test_device_choice_is_remembered_and_used_at_the_next_start(qtbot: Any, tiny_models: Path,  # noqa: F811
                                                               tmp_path: Path) -> None:
    from latentcomposer.ui.preferences import Preferences

    ini = tmp_path / "prefs.ini"
    engines: list[RecordingEngine] = []
    models = ModelService(root=tiny_models, loader=recording_loader(engines))
    w = MainWindow(playback=PlaybackService(InMemoryBackend()), models=models, prefs=Preferences(ini),
                   background=False)
    qtbot.addWidget(w, before_close_func=lambda win: win.shutdown())
    panel = w.latent_panel
    assert panel.device_combo.currentData() == "auto"
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))  # the user picks the CPU
    panel.device_combo.activated.emit(panel.device_combo.currentIndex())
    qtbot.waitUntil(lambda: w.latent_tools.info is not None, timeout=15000)
    assert models.device == "cpu" and Preferences(ini).get_str("model/device") == "cpu"
    w.shutdown()

    # the next start: a fresh window and model service with the same preferences
    loads: list[str] = []
    engines2: list[RecordingEngine] = []
    record = recording_loader(engines2)
    models2 = ModelService(root=tiny_models, loader=lambda name, folder: (loads.append(models2.device),
                                                                          record(name, folder))[1])
    w2 = MainWindow(playback=PlaybackService(InMemoryBackend()), models=models2, prefs=Preferences(ini),
                    background=False)
    qtbot.addWidget(w2, before_close_func=lambda win: win.shutdown())
    w2.start_model()  # what start-up does once the window is shown
    assert w2.latent_panel.device_combo.currentData() == "cpu"  # shown at once, before the model is ready
    qtbot.waitUntil(lambda: w2.latent_tools.info is not None, timeout=15000)
    assert loads == ["cpu"]  # the first load already ran on the remembered device
    assert w2.latent_tools.ctl.device == "cpu" and w2.latent_panel.device_combo.currentData() == "cpu"
    # choosing what is already loaded does not load again
    w2.latent_panel.device_combo.activated.emit(w2.latent_panel.device_combo.currentIndex())
    qtbot.wait(50)
    assert loads == ["cpu"]
    w2.shutdown()


def test_startup_device_prefers_the_projects_choice(qtbot: Any, tiny_models: Path,  # noqa: F811
                                                     tmp_path: Path) -> None:
    from latentcomposer.ui.preferences import Preferences

    prefs = Preferences(tmp_path / "prefs.ini")
    prefs.set("model/device", "auto")
    engines: list[RecordingEngine] = []
    models = ModelService(root=tiny_models, loader=recording_loader(engines))
    w = MainWindow(playback=PlaybackService(InMemoryBackend()), models=models, prefs=prefs, background=False)
    qtbot.addWidget(w, before_close_func=lambda win: win.shutdown())
    assert w.startup_device() == "auto"
    w.session.update_latent(model="tiny_2bar", panel=PanelState(device="cpu", seed=0))
    assert w.startup_device() == "cpu"
    w.session.update_latent(panel=PanelState(device="tpu"))  # unknown: the preference
    assert w.startup_device() == "auto"
    w.shutdown()


def test_cuda_chosen_but_missing_falls_back_to_the_cpu_and_says_so(qtbot: Any, tiny_models: Path,  # noqa: F811
                                                                   tmp_path: Path, monkeypatch: Any) -> None:
    from latentcomposer.app import model_service
    from latentcomposer.ui.preferences import Preferences

    monkeypatch.setattr(model_service, "cuda_available", lambda: False, raising=False)
    prefs = Preferences(tmp_path / "prefs.ini")
    prefs.set("model/device", "cuda")
    models = ModelService(root=tiny_models)  # the real loader: Engine.load
    w = MainWindow(playback=PlaybackService(InMemoryBackend()), models=models, prefs=prefs, background=False)
    qtbot.addWidget(w, before_close_func=lambda win: win.shutdown())
    messages: list[str] = []
    w.latent_tools.message.connect(messages.append)
    w.start_model()
    qtbot.waitUntil(lambda: w.latent_tools.info is not None, timeout=30000)
    assert w.latent_tools.info.device == "cpu" and models.device == "cuda"
    assert "CUDA" in w.model_label.text() and "CPU" in w.model_label.text()
    assert any("CUDA is not available" in m for m in messages)
    assert "CUDA is not available" in w.statusBar().currentMessage()
    assert w.latent_tools.ctl.device == "cuda"  # the choice stays; it falls back only while there is no GPU
    assert w.latent_panel.device_combo.currentData() == "cuda"
    w.shutdown()
