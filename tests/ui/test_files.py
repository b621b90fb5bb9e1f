"""Opening MIDI (choosing tracks), projects, exports, unsaved changes — and errors that change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton

import latentcomposer.io.playback as pb
from latentcomposer.app.project import load_project
from latentcomposer.core import DRUM_CHANNEL, Clip, Note
from latentcomposer.core.examples import example_clip
from latentcomposer.io.midifile import read_midi, write_midi
from latentcomposer.ui import dialogs
from latentcomposer.ui.dialogs import TrackPickerDialog
from latentcomposer.ui.main_window import MainWindow

from .conftest import make_window, wait_for

REPO = Path(__file__).resolve().parents[2]
CORRUPT = sorted((REPO / "tests" / "data" / "corrupt").glob("*.mid"))
PROJECTS = REPO / "tests" / "data" / "projects"


@pytest.fixture
def multitrack(tmp_path: Path) -> Path:
    lead = example_clip("twinkle").copy(name="Lead", program=73)
    bass = Clip((Note(0, 36, 1920, 90), Note(1920, 43, 3840, 90)), name="Bass", program=33, length=3840)
    kit = Clip((Note(0, 36, 60, 110), Note(480, 38, 540, 100), Note(960, 36, 1020, 110)), name="Kit",
               is_drum=True, channel=DRUM_CHANNEL, length=1920)
    return write_midi(tmp_path / "band.mid", [lead, bass, kit])


def test_track_picker_lists_tracks(qtbot: Any, multitrack: Path) -> None:
    clips = read_midi(multitrack)
    dialog = TrackPickerDialog(clips, multitrack.name)
    qtbot.addWidget(dialog)
    table = dialog.table
    rows = [[table.item(r, c).text() for c in range(6)] for r in range(table.rowCount())]
    assert rows[0][:4] == ["Lead", "Flute", "1", "28"]
    assert rows[1][:2] == ["Bass", "Electric Bass (finger)"]
    assert rows[2][1:3] == ["Drums", "10 (drums)"] and rows[2][5] == "—"
    assert dialog.chosen() == [0, 1, 2]  # few tracks: all checked
    dialog.set_all(False)
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_open_multitrack_choosing_a_track_in_the_real_dialog(qtbot: Any, window: MainWindow,
                                                             multitrack: Path) -> None:
    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, TrackPickerDialog)
        dialog.set_checked([1])
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(50, answer)
    assert window.files.open_midi(multitrack)
    s = window.session
    assert [c.name for c in s.clips] == ["Bass"]  # the fresh empty clip was replaced
    assert s.current_clip.notes == read_midi(multitrack)[1].notes
    assert s.current.origin == "imported" and "band.mid" in s.current.source
    assert window.prefs.recent_files() == [str(multitrack.resolve())]


def test_open_adds_clips_to_a_session_in_use(window: MainWindow, multitrack: Path, monkeypatch) -> None:
    s = window.session
    s.add_notes([Note(0, 60, 120)])
    monkeypatch.setattr(dialogs, "pick_tracks", lambda _p, clips, _n: ([0, 2], False))
    assert window.files.open_midi(multitrack)
    assert [c.name for c in s.clips] == ["Clip 1", "Lead", "Kit"] and s.current_clip.name == "Lead"
    assert s.clips[2].is_drum
    s.undo()  # opening is one undoable step
    assert [c.name for c in s.clips] == ["Clip 1"]


def test_merge_tracks(window: MainWindow, multitrack: Path, monkeypatch) -> None:
    monkeypatch.setattr(dialogs, "pick_tracks", lambda _p, clips, _n: ([0, 1], True))
    window.files.open_midi(multitrack)
    assert [c.name for c in window.session.clips] == ["band"]
    assert len(window.session.current_clip.notes) == 30


def test_cancelled_picker_changes_nothing(window: MainWindow, multitrack: Path, monkeypatch) -> None:
    monkeypatch.setattr(dialogs, "pick_tracks", lambda *_a: None)
    before = window.session.clips
    assert not window.files.open_midi(multitrack)
    assert window.session.clips == before


def test_open_pop909_melody(window: MainWindow, pop909_files: list[Path], monkeypatch) -> None:
    if not pop909_files:
        pytest.skip("no POP909 files")
    seen: list[list[str]] = []

    def pick(_parent: Any, clips: list[Clip], _name: str) -> tuple[list[int], bool]:
        seen.append([c.name for c in clips])
        return [[c.name for c in clips].index("MELODY")], False

    monkeypatch.setattr(dialogs, "pick_tracks", pick)
    assert window.files.open_midi(pop909_files[0])
    assert seen == [["MELODY", "BRIDGE", "PIANO"]]
    assert window.session.current_clip.name == "MELODY" and len(window.session.current_clip.notes) > 100


@pytest.mark.parametrize("path", CORRUPT, ids=lambda p: p.name)
def test_corrupt_midi_shows_error_and_changes_nothing(window: MainWindow, dialogs, path: Path) -> None:
    s = window.session
    s.add_notes([Note(0, 60, 120)])
    before, undo_len = s.clips, len(s.undo_stack)
    assert not window.files.open_midi(path)
    assert len(dialogs.errors) == 1
    title, text = dialogs.errors[0]
    assert title == "Cannot open MIDI file" and path.name in text and "Traceback" not in text
    assert s.clips == before and len(s.undo_stack) == undo_len


def test_save_reload_compare(qtbot: Any, window: MainWindow, tmp_path: Path, dialogs) -> None:
    s = window.session
    s.replace_clip(example_clip("ode_to_joy"), "load")
    item = s.add_clip(example_clip("mary"), origin="generated", source="test")
    s.update_latent(model="melody_2bar", codes={item.uid: [0.5, 1.5]}, sliders={"z1": -0.3})
    s.set_slot("a", s.items[0].uid)
    window.action_map["metronome"].trigger()
    window.playback_ui.set_loop_region(480, 3840)
    dialogs.paths.append(str(tmp_path / "song"))  # Save As adds the suffix
    window.action_map["save"].trigger()
    path = tmp_path / "song.lcproj"
    assert path.exists() and not s.modified and window.windowTitle().startswith("song")

    other = make_window(qtbot)
    assert other.files.open_project(path)
    o = other.session
    assert o.clips == s.clips and [i.uid for i in o.items] == [i.uid for i in s.items]
    assert o.current_uid == s.current_uid and o.latent == s.latent
    assert o.playback.metronome and o.playback.loop == (480, 3840)
    assert other.action_map["metronome"].isChecked() and other.roll.view.loop == (480, 3840)
    assert not o.modified and o.path == path
    other.shutdown()


def test_corrupt_project_shows_error_and_changes_nothing(window: MainWindow, dialogs) -> None:
    s = window.session
    s.add_notes([Note(0, 60, 120)])
    before = s.clips
    for name in ("truncated", "not_json", "future_version", "bad_note", "binary"):
        assert not window.files.open_project(PROJECTS / f"{name}.lcproj")
    assert len(dialogs.errors) == 5 and all(t == "Cannot open project" for t, _ in dialogs.errors)
    assert "newer latentcomposer" in dialogs.errors[2][1]
    assert s.clips == before and s.modified and s.path is None


def test_unsaved_changes_are_asked_about(window: MainWindow, dialogs, tmp_path: Path) -> None:
    s = window.session
    s.add_notes([Note(0, 60, 120)])
    dialogs.save_answers.append("cancel")
    window.action_map["new"].trigger()
    assert len(s.current_clip.notes) == 1  # kept
    dialogs.save_answers.append("save")
    dialogs.paths.append(str(tmp_path / "kept.lcproj"))
    window.action_map["new"].trigger()
    assert (tmp_path / "kept.lcproj").exists() and s.current_clip.notes == ()
    assert load_project(tmp_path / "kept.lcproj").items[0].clip.notes == (Note(0, 60, 120),)
    s.add_notes([Note(0, 61, 120)])
    dialogs.save_answers.append("discard")
    window.action_map["new"].trigger()
    assert s.current_clip.notes == () and not s.modified


def test_save_failure_shows_error_and_keeps_work(window: MainWindow, dialogs, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    s = window.session
    s.add_notes([Note(0, 60, 120)])
    assert not window.files.save_as(blocker / "sub" / "x.lcproj")
    assert dialogs.errors and dialogs.errors[0][0] == "Cannot save project"
    assert s.modified and s.path is None and s.current_clip.notes


def test_export_midi_current_and_all(window: MainWindow, dialogs, tmp_path: Path) -> None:
    s = window.session
    s.replace_clip(example_clip("twinkle"), "load")
    s.add_clip(example_clip("mary"))
    dialogs.paths.append(str(tmp_path / "one"))
    window.action_map["exportMidi"].trigger()
    assert [c.notes for c in read_midi(tmp_path / "one.mid")] == [example_clip("mary").notes]
    assert window.files.export_midi(True, tmp_path / "all.mid")
    assert [c.name for c in read_midi(tmp_path / "all.mid")] == ["Twinkle", "Mary"]


def fake_render_to_wav(monkeypatch: pytest.MonkeyPatch, gate: list[bool]) -> None:
    """A renderer that reports progress until ``gate`` is opened (so the test can cancel midway)."""
    import time

    def render_to_wav(clips, path, soundfont=None, sample_rate=44100, progress=None):
        for k in range(1, 1001):
            if progress:
                progress(k, 1000)
            if k > 100 and not gate[0]:
                time.sleep(0.005)
        Path(path).write_bytes(b"RIFF")
        return Path(path)

    monkeypatch.setattr(pb, "render_to_wav", render_to_wav)


def test_export_wav_progress_and_cancel(qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    window.session.replace_clip(example_clip("mary"), "load")
    gate = [False]
    fake_render_to_wav(monkeypatch, gate)
    assert window.files.export_wav(tmp_path / "cancelled.wav")
    dialog = window.files.wav_dialog
    assert dialog is not None and dialog.objectName() == "wavProgress"
    assert wait_for(lambda: dialog.value() > 50)
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert wait_for(lambda: window.files.wav_job is None)
    assert not (tmp_path / "cancelled.wav").exists()
    assert "cancelled" in window.statusBar().currentMessage()
    gate[0] = True
    assert window.files.export_wav(tmp_path / "done")
    assert wait_for(lambda: window.files.wav_job is None)
    assert (tmp_path / "done.wav").exists() and "Exported done.wav" in window.statusBar().currentMessage()


def test_export_wav_real_renderer(qtbot: Any, window: MainWindow, tmp_path: Path, dialogs) -> None:
    window.session.replace_clip(example_clip("mary").slice_bars(0, 1), "load")
    assert window.files.export_wav(tmp_path / "real.wav")
    assert wait_for(lambda: window.files.wav_job is None, timeout=60)
    if dialogs.errors:  # no FluidSynth or SoundFont on this machine: a clear message instead
        assert dialogs.errors[0][0] == "Cannot export WAV"
    else:
        assert (tmp_path / "real.wav").stat().st_size > 1000


def test_recent_files_menu(window: MainWindow, multitrack: Path, dialogs, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(dialogs_module(), "pick_tracks", lambda *_a: ([0], False))
    window.files.open_midi(multitrack)
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts[0] == "band.mid"
    gone = tmp_path / "gone.mid"
    window.prefs.add_recent(gone)
    window.refresh_recent()
    window.recent_menu.actions()[0].trigger()
    assert dialogs.errors and "no longer exists" in dialogs.errors[0][1]
    assert str(gone.resolve()) not in window.prefs.recent_files()
    clear = next(a for a in window.recent_menu.actions() if a.text() == "Clear Recent")
    clear.trigger()
    assert window.prefs.recent_files() == []
    assert [a.text() for a in window.recent_menu.actions()] == ["No recent files"]


def dialogs_module() -> Any:
    return dialogs


def test_drop_a_file_on_the_window(window: MainWindow, tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    path = write_midi(tmp_path / "one.mid", [example_clip("mary")])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.session.current_clip.name == "Mary"
