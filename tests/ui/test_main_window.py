"""The window: its parts and names, menus, status bar, clip list, transport, preferences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QTableWidget, QWidget

from latentcomposer.app.model_service import ModelService
from latentcomposer.core import Note
from latentcomposer.core.examples import example_clip
from latentcomposer.io.midifile import read_midi
from latentcomposer.ui.dialogs import AboutDialog, ShortcutsDialog
from latentcomposer.ui.main_window import MainWindow

from .conftest import make_window, wait_for


def test_parts_have_stable_names(window: MainWindow) -> None:
    for name in ("pianoRoll", "transport", "latentPanel", "interpolationTimeline", "latentMap", "clipList",
                 "noteGrid", "pianoKeyboard", "pianoRuler", "velocityLane", "rollTools", "snapCombo",
                 "tempoSpin", "positionLabel", "outputStatus", "modelStatus"):
        assert window.findChild(QWidget, name) is not None, name
    assert window.centralWidget() is window.roll
    for name in ("latentPanel", "interpolationTimeline", "latentMap"):
        dock = window.findChild(QDockWidget, name + "Dock")
        assert dock is not None and dock.widget().objectName() == name
    assert window.docks["latentPanel"].widget() is window.latent_panel  # the latent tools (issue 8)
    assert window.docks["interpolationTimeline"].widget() is window.timeline
    assert window.docks["latentMap"].widget() is window.latent_map


def test_menus_hold_the_issue_actions(window: MainWindow) -> None:
    menus = {m.title().replace("&", ""): [a.text().replace("&", "") for a in m.actions()]
             for m in window.menuBar().findChildren(type(window.recent_menu))
             if m.title() and m.parent() is window.menuBar()}
    assert menus["File"][:3] == ["New", "Open MIDI…", "Open Project…"]
    for text in ("Open Recent", "Save", "Save As…", "Export MIDI…", "Export WAV…", "Quit"):
        assert text in menus["File"]
    for text in ("Undo", "Redo", "Cut", "Copy", "Paste", "Select All", "Delete", "Quantize", "Transpose…"):
        assert text in menus["Edit"]
    for text in ("Zoom In", "Zoom Out", "Panels"):
        assert text in menus["View"]
    for text in ("Play", "Stop", "Loop", "Metronome", "Output", "Choose SoundFont…"):
        assert text in menus["Playback"]
    assert menus["Help"] == ["Welcome", "Keyboard Shortcuts", "About latentcomposer"]  # (Welcome: issue 27)
    keys = {QKeySequence(k).toString() for k in window.action_map["redo"].shortcuts()}
    assert keys == {"Ctrl+Shift+Z", "Ctrl+Y"}
    assert window.action_map["undo"].shortcut().toString() == "Ctrl+Z"


def test_status_bar_says_what_is_missing(qtbot: Any, dialogs) -> None:
    w = make_window(qtbot)
    assert w.model_label.text().startswith("Model: no model installed")
    assert "GPU" in w.model_label.toolTip()
    if "none found" in w.model_label.toolTip():
        assert w.model_label.text().endswith("· no GPU")
    w.playback_ui.choose_output("fluidsynth", remember=False)
    text = w.output_label.text()
    assert text.startswith("Output: ")
    if "unavailable" in text:  # no sound card here: said in the bar, details in the tooltip
        assert w.output_label.toolTip() and "No sound" in w.statusBar().currentMessage()
    w.playback_ui.choose_output("none")
    assert w.output_label.text() == "Output: no output (silent)"
    assert w.prefs.get_str("playback/output") == "none"
    w.shutdown()


def test_background_start_opens_output_in_a_thread(qtbot: Any) -> None:
    w = MainWindow(models=ModelService(), background=True)
    qtbot.addWidget(w, before_close_func=lambda win: win.shutdown())
    w.show()
    assert wait_for(lambda: not w.output_label.text().startswith("Output: opening") and
                    w.output_label.text() != "Output: none", timeout=20)
    assert w.model_label.text().startswith("Model: no model installed")
    w.shutdown()


def test_clip_list_select_rename_delete(qtbot: Any, window: MainWindow) -> None:
    s = window.session
    s.replace_clip(example_clip("twinkle"), "load")
    s.add_clip(example_clip("mary"))
    lst = window.clip_list.list
    assert [lst.item(r).text() for r in range(lst.count())] == ["Twinkle", "Mary"]
    assert lst.currentRow() == 1
    lst.setCurrentRow(0)
    assert s.current_clip.name == "Twinkle" and window.roll.index().clip is s.current_clip
    item = lst.item(0)
    item.setText("Star")
    assert s.current_clip.name == "Star" and s.undo_stack.undo_label == "Rename clip"
    s.set_slot("a", s.current_uid)
    assert lst.item(0).text() == "[A] Star"
    lst.setFocus()
    window.action_map["delete"].trigger()  # with the list focused, Delete removes the clip
    assert [c.name for c in s.clips] == ["Mary"]
    assert s.latent.interpolation.slot_a is None  # the slot does not keep the deleted clip's uid
    assert window.timeline.interpolation.slot_a.combo.currentData() is None
    s.undo()
    assert [c.name for c in s.clips] == ["Star", "Mary"]
    assert lst.item(0).text() == "[A] Star"  # undo puts it back into its slot
    window.clip_list.actions_by_name["newClip"].trigger()
    assert s.current_clip.name == "Clip 3" and s.current_clip.notes == ()
    window.clip_list.actions_by_name["duplicateClip"].trigger()
    assert s.current_clip.name == "Clip 3 copy" and len(s.items) == 4


def test_drag_out_gives_a_midi_file(window: MainWindow) -> None:
    s = window.session
    s.replace_clip(example_clip("ode_to_joy"), "load")
    lst = window.clip_list.list
    mime = lst.mimeData([lst.item(0)])
    urls = mime.urls()
    assert len(urls) == 1 and urls[0].isLocalFile()
    path = Path(urls[0].toLocalFile())
    assert path.name == "Ode_To_Joy.mid"
    assert read_midi(path)[0].notes == s.current_clip.notes
    window.shutdown()
    assert not path.exists()  # temporary drag files go at exit


def test_play_pause_stop_through_the_sequencer(qtbot: Any, window: MainWindow, backend: Any) -> None:
    s = window.session
    s.replace_clip(example_clip("twinkle").copy(tempo=400.0), "load")
    window.action_map["play"].trigger()
    assert window.action_map["play"].isChecked()
    assert wait_for(lambda: any(m.type == "note_on" for m in backend.messages))
    assert wait_for(lambda: window.roll.view.playhead > 0)
    window.action_map["play"].trigger()  # pause
    assert not window.playback_ui.service.is_playing
    paused_at = window.playback_ui.service.position_tick
    assert paused_at > 0
    window.action_map["stop"].trigger()
    assert window.roll.view.playhead == 0 and window.playback_ui.service.position_tick == 0
    first = [m.note for m in backend.messages if m.type == "note_on"][0]
    assert first == 60


def test_edits_while_playing_reach_the_sequencer(qtbot: Any, window: MainWindow, backend: Any) -> None:
    s = window.session
    s.replace_clip(example_clip("twinkle").copy(tempo=60.0), "load")
    window.action_map["loop"].trigger()
    assert s.playback.loop == (0, 8 * 1920) and s.playback.loop_enabled
    window.action_map["play"].trigger()
    s.add_notes([Note(480 * 3, 100, 480 * 4)])
    assert wait_for(lambda: window.playback_ui.service.sequencer.end_tick == 8 * 1920
                    and any(m.type == "note_on" and m.note == 100 for m in backend.messages), timeout=10)
    window.action_map["stop"].trigger()


def test_tempo_and_metronome(qtbot: Any, window: MainWindow) -> None:
    s = window.session
    window.transport.tempo.setValue(90.0)
    assert s.current_clip.tempo == 90.0
    window.transport.tempo.setValue(95.0)
    assert len(s.undo_stack) == 1  # tempo changes in a row are one step
    s.undo()
    assert s.current_clip.tempo == 120.0 and window.transport.tempo.value() == 120.0
    window.action_map["metronome"].trigger()
    assert s.playback.metronome and window.playback_ui.service.metronome


def test_snap_and_layout_persist(qtbot: Any, window: MainWindow, user_dirs: dict[str, Path]) -> None:
    window.snap_combo.setCurrentText("1/8")
    window.docks["latentMap"].hide()
    window.shutdown()
    ini = user_dirs["config"] / "latentcomposer.ini"
    assert ini.exists()
    again = make_window(qtbot)
    assert again.roll.view.snap == "1/8" and again.snap_combo.currentText() == "1/8"
    assert again.docks["latentMap"].isHidden()
    again.reset_layout()
    assert not again.docks["latentMap"].isHidden()
    again.shutdown()


def test_help_dialogs(qtbot: Any, window: MainWindow, user_dirs: dict[str, Path]) -> None:
    shortcuts = ShortcutsDialog(list(window.action_map.values()), window)
    qtbot.addWidget(shortcuts)
    table = shortcuts.findChild(QTableWidget)
    rows = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    assert ("Ctrl+Z", "Undo") in rows and ("Up / Down", "Transpose the selection a semitone (drums: move hits a lane up or down)") in rows
    folder = user_dirs["models"] / "melody_2bar"
    folder.mkdir()
    (folder / "MODEL_CARD.md").write_text("# melody_2bar\n\nTrained on the test corpus.", encoding="utf-8")
    window.models.refresh()
    about = AboutDialog(window.models.cards(), window.models.message, window)
    qtbot.addWidget(about)
    tabs = about.findChild(QWidget, "aboutTabs")
    assert tabs.count() == 2 and tabs.tabText(1) == "Model: melody_2bar"
    card = about.findChild(QWidget, "modelCard_melody_2bar")
    assert "Trained on the test corpus" in card.toPlainText()


def test_set_panel_replaces_a_placeholder(window: MainWindow) -> None:
    real = QLabel("sliders")
    window.set_panel("latentPanel", real)
    assert window.docks["latentPanel"].widget() is real and real.objectName() == "latentPanel"


def test_close_asks_about_unsaved_work(qtbot: Any, window: MainWindow, dialogs) -> None:
    window.session.add_notes([Note(0, 60, 120)])
    dialogs.save_answers.append("cancel")
    assert not window.close()
    assert window.isVisible()
    dialogs.save_answers.append("discard")
    assert window.close()


def test_transpose_dialog(window: MainWindow, monkeypatch) -> None:
    from latentcomposer.ui import dialogs as dialogs_module

    s = window.session
    s.replace_clip(example_clip("mary"), "load")
    monkeypatch.setattr(dialogs_module, "ask_semitones", lambda _parent: 5)
    window.action_map["transpose"].trigger()
    assert s.current_clip.notes[0].pitch == example_clip("mary").notes[0].pitch + 5
    monkeypatch.setattr(dialogs_module, "ask_semitones", lambda _parent: 100)
    window.action_map["transpose"].trigger()
    assert "outside MIDI" in window.statusBar().currentMessage()


def test_cut_copy_paste_actions(window: MainWindow) -> None:
    s = window.session
    s.replace_clip(example_clip("mary"), "load")
    assert not window.action_map["copy"].isEnabled()
    s.select(s.current_clip.notes[:3])
    assert window.action_map["copy"].isEnabled()
    window.action_map["copy"].trigger()
    window.roll.set_playhead(1920 * 8)
    window.action_map["paste"].trigger()
    assert len(s.current_clip.notes) == len(example_clip("mary").notes) + 3
    assert min(n.start for n in s.selection) == 1920 * 8
    window.action_map["cut"].trigger()
    assert len(s.current_clip.notes) == len(example_clip("mary").notes)


def test_keyboard_focus_shortcuts_tools(qtbot: Any, window: MainWindow) -> None:
    canvas = window.roll.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_S)
    assert window.roll.tool == "select" and window.action_map["toolSelect"].isChecked()
    qtbot.keyClick(canvas, Qt.Key.Key_E)
    assert window.roll.tool == "erase"
    qtbot.keyClick(canvas, Qt.Key.Key_D)
    assert window.roll.tool == "draw" and window.action_map["toolDraw"].isChecked()
