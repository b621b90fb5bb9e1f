"""The chord lane above the roll and the key button (issue 25), offscreen with pytest-qt: detect the
chords, edit one from the menu and by typing, undo, save and reopen the project, and a tiny
chord-conditioned model whose Sample and re-decodes follow the lane; the key lock keeps previews in key;
MIDI export carries the chord track."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QToolButton

from latentcomposer.app.harmony import is_chord_track, read_chord_track
from latentcomposer.app.project import apply_to_session, load_project, save_project
from latentcomposer.core import ChordTrack
from latentcomposer.core.examples import example_clip
from latentcomposer.core.harmony import Key, out_of_key
from latentcomposer.data.chord_melody_codec import condition_chords
from latentcomposer.io.midifile import read_midi
from latentcomposer.ui.key_button import KeyButton
from latentcomposer.ui.piano_roll.chord_lane import ChordLane
from tests.app.piano_models import chord_clip
from tests.helpers_models import make_tiny_chords_model

from .latent_rig import Rig, tiny_models  # noqa: F401


@pytest.fixture(scope="module")
def chord_models(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    root = tmp_path_factory.mktemp("chord-gui-models")
    (root / "tiny_2bar").symlink_to(tiny_models / "tiny_2bar")
    make_tiny_chords_model(root / "tiny_mel_chords")
    return root


@pytest.fixture
def chord_rig(qtbot: Any, chord_models: Path) -> Iterator[Rig]:
    r = Rig(qtbot, chord_models, [chord_clip(4, "Piano"), example_clip("twinkle").slice_bars(0, 4)])
    yield r
    r.close()


def _menu_action(menu: QMenu, *path: str) -> Any:
    """The action reached through submenus titled ``path[:-1]`` whose text starts with ``path[-1]``."""
    for title in path[:-1]:
        menu = next(a.menu() for a in menu.actions() if a.menu() is not None and a.text() == title)  # type: ignore[assignment]
    return next(a for a in menu.actions() if a.text().startswith(path[-1]))


def _symbols(rig: Rig) -> list[str]:
    track = rig.session.current.chords
    return [str(e.chord) for e in track] if track else []


def test_detect_edit_undo_and_save_the_lane(chord_rig: Rig, qtbot: Any, tmp_path: Path) -> None:
    rig = chord_rig
    lane = rig.roll.findChild(ChordLane, "chordLane")
    assert lane is rig.roll.chord_lane and lane.isVisible()
    messages: list[str] = []
    rig.roll.message.connect(messages.append)
    header = rig.roll.chord_header
    header.fill()
    _menu_action(header.menu_, "Detect chords (one per bar)").trigger()
    assert [s.split("/")[0] for s in _symbols(rig)] == ["C", "Am", "F", "G"]
    assert any("Detected 4 chord(s)" in m for m in messages)
    # a chord from the menu: bar 2 becomes Dm7
    menu = lane.chord_menu(20)
    _menu_action(menu, "D", "Dm7").trigger()
    assert _symbols(rig)[1] == "Dm7" and rig.session.undo_stack.undo_label == "Set chord Dm7"
    # typed over the block: bar 4 becomes G7; a bad symbol is refused with a message and the box stays
    lane.start_typing(*lane.span_at(50))
    assert lane.editor.isVisible()
    lane.editor.clear()
    qtbot.keyClicks(lane.editor, "Hm")
    qtbot.keyClick(lane.editor, Qt.Key.Key_Return)
    assert lane.editor.isVisible() and any("unknown chord symbol 'Hm'" in m for m in messages)
    lane.editor.clear()
    qtbot.keyClicks(lane.editor, "G7")
    qtbot.keyClick(lane.editor, Qt.Key.Key_Return)
    assert not lane.editor.isVisible() and _symbols(rig)[3] == "G7"
    rig.session.undo()
    assert _symbols(rig)[3].startswith("G") and _symbols(rig)[3] != "G7" and _symbols(rig)[1] == "Dm7"
    rig.session.undo()
    assert _symbols(rig)[1].startswith("Am")
    rig.session.redo()
    lane.split(2, 4)  # bar 1 as four beats
    assert [(e.start_step, e.end_step) for e in rig.session.current.chords or ()][:4] == [(0, 4), (4, 8), (8, 12),
                                                                                         (12, 16)]
    lane.set_chord(4, 8, "F/C")
    lane.merge_bar(0)
    assert [(e.start_step, e.end_step) for e in rig.session.current.chords or ()][0] == (0, 16)
    saved = list(rig.session.current.chords or ())
    lane.grab()  # paints with blocks
    path = save_project(tmp_path / "lane.lcproj", rig.session)
    apply_to_session(rig.session, load_project(path), path)
    assert list(rig.session.current.chords or ()) == saved and not rig.session.modified
    # drums have no lane: the roll hides it
    rig.session.add_clip(example_clip("twinkle").copy(is_drum=True, channel=9, name="drums"))
    assert not lane.isVisible()


def test_sample_and_redecodes_follow_the_lane_and_the_key_lock(chord_rig: Rig, qtbot: Any) -> None:
    rig = chord_rig
    rig.session.set_current(rig.session.items[1].uid)  # the melody
    rig.session.set_chords(ChordTrack.from_symbols("C C C C"), "Type chords")
    eng = rig.load("tiny_mel_chords")
    assert eng.condition_dim
    rig.tools.ctl.sample()
    qtbot.waitUntil(lambda: rig.tools.preview_clip is not None, timeout=15000)
    rig.idle()
    first = rig.tools.preview_clip
    _, kwargs = eng.called("decode")[-1]
    assert {str(c) for c in condition_chords(kwargs["condition"].reshape(-1, eng.condition_dim))[:64]} == {"C"}
    # change one chord: the preview is decoded again over the new lane, by itself
    calls = len(eng.called("decode"))
    rig.roll.chord_lane.set_chord(16, 32, "F#")
    qtbot.waitUntil(lambda: len(eng.called("decode")) > calls, timeout=15000)
    rig.idle()
    _, kwargs = eng.called("decode")[-1]
    chords = condition_chords(kwargs["condition"].reshape(-1, eng.condition_dim))
    assert str(chords[0]) == "C" and str(chords[20]) == "F#" and str(chords[40]) == "C"
    second = rig.tools.preview_clip
    assert second is not None and first is not None and second.notes != first.notes
    # the key lock: every note of the re-decoded preview lies in the clip's key
    button = KeyButton(rig.session, rig.tools.ctl.set_key_lock, rig.window)
    assert button.objectName() == "keyButton" and button.text() == "Key: C major"
    rig.roll.chord_lane.set_chord(0, 64, "F#")  # far from C major: the model leaves the key
    rig.idle()
    calls = len(eng.called("decode"))
    button.fill()
    button.lock_action.trigger()
    assert rig.session.latent.extra.get("key_lock") is True and button.text() == "Key: C major · locked"
    qtbot.waitUntil(lambda: len(eng.called("decode")) > calls, timeout=15000)
    rig.idle()
    locked = rig.tools.preview_clip
    assert locked is not None and out_of_key(locked, Key(0, "major")) == 0
    _menu_action(button.menu_, "Minor keys", "A minor").trigger()
    assert rig.session.current.key == Key(9, "minor") and button.text().startswith("Key: A minor")
    rig.session.undo()
    assert rig.session.current.key is None and button.text().startswith("Key: C major")
    button.close_listening()


def test_the_window_shows_the_key_and_exports_the_chord_track(window: Any, tmp_path: Path, dialogs: Any) -> None:
    key = window.findChild(QToolButton, "keyButton")
    assert key is not None and key.text().startswith("Key: ")
    s = window.session
    s.replace_clip(example_clip("twinkle").slice_bars(0, 4), "Set melody")
    assert key.text() == "Key: C major"
    window.roll.chord_lane.set_progression("C Am F G")
    out = tmp_path / "song.mid"
    assert window.files.export_midi(path=out)
    back = read_midi(out)
    chords = [c for c in back if is_chord_track(c)]
    assert len(back) == 2 and [str(e.chord) for e in read_chord_track(chords[0])] == ["C", "Am", "F", "G"]
    # opened again: the chord track becomes the melody's lane, not a clip of its own
    n = len(s.items)
    assert window.files.open_midi(out)
    assert len(s.items) == n + 1 and not dialogs.questions
    assert [str(e.chord) for e in s.current.chords or ()] == ["C", "Am", "F", "G"]
    # "Play chords": the pad joins what the sequencer plays
    s.update_playback(chords=True)
    window.playback_ui._push_clip()
    assert window.playback_ui.service._chords is not None
    assert window.playback_ui.service._chords.channel == 14
