"""Issue 27, defect 8: the small inconsistencies a new user hit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from latentcomposer.app.latent.panel import PanelModel
from latentcomposer.app.session import Session
from latentcomposer.app.state import InterpolationSettings
from latentcomposer.core.examples import example_clip, example_drums
from latentcomposer.io.midifile import write_midi
from latentcomposer.ui import messages
from latentcomposer.ui.clip_row import SUBTITLE_ROLE
from latentcomposer.ui.status_note import NEUTRAL, WARNING
from latentcomposer.ui.theme import apply_theme

from .conftest import Dialogs
from .issue27_rig import shot


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
