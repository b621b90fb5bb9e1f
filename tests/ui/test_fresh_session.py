"""Issue 27, defect 1: loading a model is not an edit. A fresh session stays unmodified while the model
loads and stores its state: no "Untitled*", no "save changes?" on quit, no autosave, and opening a
file replaces the untouched empty "Clip 1"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from latentcomposer.core.examples import example_clip
from latentcomposer.io.midifile import write_midi
from tests.helpers_models import RecordingEngine

from .latent_rig import tiny_models  # noqa: F401
from .test_latent_window import latent_window


def test_a_model_loading_into_a_fresh_session_is_not_an_edit(qtbot: Any, tiny_models: Path,  # noqa: F811
                                                               tmp_path: Path, dialogs: Any) -> None:
    engines: list[RecordingEngine] = []
    w = latent_window(qtbot, tiny_models, engines)
    s = w.session
    w.start_model()  # what start-up does once the window is shown
    qtbot.waitUntil(lambda: w.latent_tools.info is not None, timeout=15000)
    name = w.latent_tools.info.name
    qtbot.waitUntil(lambda: s.latent.model == name and s.latent.panel is not None, timeout=5000)  # stored
    assert not s.modified
    assert not w.isWindowModified()  # the title shows "Untitled", not "Untitled*"
    assert w.files.maybe_save_changes()  # Ctrl+Q does not ask (the dialogs fixture fails on a question)
    assert not w.autosaver.needed() and not w.autosave_now() and not w.autosaver.path.exists()
    path = write_midi(tmp_path / "tune.mid", [example_clip("mary")])
    assert w.files.open_midi(path)
    assert [c.name for c in s.clips] == ["Mary"]  # the untouched empty "Clip 1" was replaced
    assert not dialogs.questions
    w.shutdown()


def test_a_slider_move_after_the_load_is_an_edit(qtbot: Any, tiny_models: Path) -> None:  # noqa: F811
    engines: list[RecordingEngine] = []
    w = latent_window(qtbot, tiny_models, engines)
    w.session.reset()
    w.session.replace_clip(example_clip("twinkle"), "load")
    w.session.mark_saved(Path("/nonexistent/saved.lcproj"))
    w.start_model()
    qtbot.waitUntil(lambda: w.latent_tools.ctl.code is not None, timeout=15000)
    qtbot.waitUntil(lambda: w.session.latent.panel is not None, timeout=5000)
    assert not w.session.modified  # loaded and encoded: still as saved
    w.latent_panel.rows["density"].slider.setValue(150)
    qtbot.waitUntil(lambda: w.session.modified, timeout=5000)  # the preview's store marks it
    assert w.isWindowModified()
    w.shutdown()
