"""Issue 27, defect 8: the small inconsistencies a new user hit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QToolButton

from latentcomposer.app.latent.panel import PanelModel
from latentcomposer.app.session import Session
from latentcomposer.app.state import InterpolationSettings
from latentcomposer.core.examples import example_clip, example_drums
from latentcomposer.io.midifile import write_midi
from latentcomposer.ui import messages
from latentcomposer.ui.clip_row import SUBTITLE_ROLE
from latentcomposer.ui.groove import NOT_DRUMS
from latentcomposer.ui.status_note import NEUTRAL, WARNING
from latentcomposer.ui.theme import apply_theme

from .conftest import Dialogs
from .issue27_rig import shot
from .latent_rig import Rig, rig, tiny_models  # noqa: F401


def test_interpolation_temperature_defaults_to_the_panels(window: Any) -> None:
    assert InterpolationSettings().temperature == PanelModel(Session()).temperature == 0.0
    assert window.timeline.interpolation.temperature.value() == window.latent_panel.temperature.value() / 100


def test_neutral_text_is_not_in_the_warning_colour(window: Any) -> None:
    note = window.timeline.interpolation.warning
    note.setText("Decoding…")
    assert note.styleSheet() == NEUTRAL
    note.setText("⚠ the clips have different lengths")
    assert note.styleSheet() == WARNING


def test_save_as_proposes_the_opened_files_name(window: Any, tmp_path: Path, monkeypatch: Any) -> None:
    tune = write_midi(tmp_path / "tune.mid", [example_clip("twinkle")])
    assert window.files.open_path(tune)
    asked: list[str] = []

    def save_path(_parent: Any, _title: str, _filter: str, suggested: str) -> None:
        asked.append(suggested)
        return None

    monkeypatch.setattr(messages, "save_path", save_path)
    window.files.save_as()
    assert Path(asked[0]).name == "tune.lcproj" and Path(asked[0]).parent == tmp_path
    window.files.opened_midi = None  # (a New session forgets it)


def test_change_a_clips_instrument(window: Any, monkeypatch: Any) -> None:
    s = window.session
    s.replace_clip(example_clip("twinkle"), "Open")
    picked: list[tuple[list[str], int]] = []

    def pick(_p: Any, _t: str, _l: str, items: list[str], current: int) -> str:
        picked.append((items, current))
        return items[40]  # Violin

    monkeypatch.setattr(messages, "pick_item", pick)
    window.clip_list.actions_by_name["instrumentClip"].trigger()
    assert picked[0][1] == 0 and len(picked[0][0]) == 128
    assert s.current_clip.program == 40
    assert "Violin" in window.clip_list.list.item(0).data(SUBTITLE_ROLE)
    s.undo()
    assert s.current_clip.program == 0


def test_drum_clip_instrument_is_refused_with_a_reason(window: Any, monkeypatch: Any) -> None:
    window.session.replace_clip(example_drums(2), "Open")
    messages_seen: list[str] = []
    window.clip_list.list.dragFailed.disconnect()
    window.clip_list.list.dragFailed.connect(messages_seen.append)
    monkeypatch.setattr(messages, "pick_item", lambda *a: (_ for _ in ()).throw(AssertionError("asked")))
    window.clip_list.actions_by_name["instrumentClip"].trigger()
    assert messages_seen and "drum kit" in messages_seen[0]


def test_clip_list_shows_more_than_names(window: Any) -> None:
    s = window.session
    s.replace_clip(example_clip("twinkle"), "Open")
    s.add_clip(example_drums(4), label="Add")
    lst = window.clip_list.list
    lines = [lst.item(r).data(SUBTITLE_ROLE) for r in range(lst.count())]
    assert lines[0].startswith("8 bars · Acoustic Grand Piano ·") and "notes" in lines[0]
    assert lines[1].startswith("4 bars · drums")
    assert not lst.item(0).data(1).isNull()  # a mini-roll (Qt.DecorationRole)
    shot(window.clip_list, "clip_list")


def test_theme_switch_is_applied_and_remembered(window: Any, qtbot: Any) -> None:
    app = QApplication.instance()
    try:
        window.action_map["theme_dark"].trigger()
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
        assert window.prefs.get_str("ui/theme") == "dark"
        qtbot.wait(50)  # (the palette change reaches the widgets through the event loop)
        assert window.palette().color(QPalette.ColorRole.Window).lightness() < 80
        shot(window, "theme_dark")
        window.action_map["theme_light"].trigger()
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 200
        assert window.prefs.get_str("ui/theme") == "light"
    finally:
        apply_theme("system")


def test_dialogs_fixture_still_answers(dialogs: Dialogs) -> None:
    assert dialogs.errors == []


# --- issue 27 leftovers: plain model names in the status bar, Continue where it works, Groove ----------
def test_status_messages_name_models_plainly(rig: Rig) -> None:  # noqa: F811
    rig.load()
    said = [m for m in rig.messages if m.startswith("Model ")]
    assert said and not any("tiny_2bar" in m for m in said), said  # "Model Melody · 2 bars ready (cpu)"


def test_continue_is_disabled_with_a_reason_where_the_model_cannot_continue(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    rig.load("tiny_2bar")  # one latent per window (as the piano model's continuation is missing: no bar prior)
    qtbot.waitUntil(lambda: rig.tools.info is not None and rig.tools.info.name == "tiny_2bar")
    button = rig.panel.continue_button
    assert not button.isEnabled() and "one latent per" in button.toolTip()
    rig.load("tiny_tvae")  # per-bar, but no bar prior shipped (poly_8bar's case)
    qtbot.waitUntil(lambda: rig.tools.info is not None and rig.tools.info.name == "tiny_tvae")
    rig.panel.sync()
    assert not button.isEnabled() and "bar prior" in button.toolTip()
    shot(rig.panel, "continue_disabled")


def test_groove_button_on_melody_and_drum_clips_runs_off_the_ui_thread(qtbot: Any, tiny_models: Path) -> None:  # noqa: F811
    import threading

    from latentcomposer.app.model_service import ModelService
    from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
    from latentcomposer.ui.main_window import MainWindow
    from tests.helpers_models import RecordingEngine, recording_loader

    engines: list[RecordingEngine] = []
    window = MainWindow(playback=PlaybackService(InMemoryBackend()), background=False,
                        models=ModelService(root=tiny_models, loader=recording_loader(engines)))
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.show()
    s = window.session
    s.replace_clip(example_clip("twinkle"), "Open")
    s.add_clip(example_drums(2), label="Add")
    button = window.clip_list.findChild(QToolButton, "grooveClipButton")
    said: list[str] = []
    window.latent_tools.message.connect(said.append)
    s.set_current(s.items[0].uid)
    assert button is not None and button.isVisible() and button.isEnabled()  # on a melody clip
    button.click()
    assert NOT_DRUMS in said  # explained, not silently ignored
    s.set_current(s.items[1].uid)
    window.latent_tools.load_model("tiny_drums", "cpu")
    qtbot.waitUntil(lambda: window.latent_tools.info is not None and window.latent_tools.info.kind == "drums",
                    timeout=15000)
    assert button.isEnabled()  # on a drum clip
    button.click()
    qtbot.waitUntil(lambda: window.latent_tools.preview_label == "Groove", timeout=15000)
    ran = {t for e in engines for n, t, _a, _k in e.calls if n == "humanize"}
    assert ran and threading.main_thread() not in ran
