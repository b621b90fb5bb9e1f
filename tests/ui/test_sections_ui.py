"""Sections in the window (issue 24), with a tiny random trio model: open a POP909 file as a section
(the track picker's "Open as a Section…" and the mapping dialog, guessed and edited), the roll shows
the parts together, instrument and channel edits are undoable, and the model tools run on the engine
worker: encode, sample, keep the melody and regenerate the rest, blend two sections, export -> 3 tracks."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from latentcomposer.app import section_book as book
from latentcomposer.app.section import SectionTools
from latentcomposer.core import Clip
from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.data.trio_codec import StreamMapping
from latentcomposer.io.midifile import read_midi
from latentcomposer.ui import dialogs as dialogs_module
from latentcomposer.ui import section_import
from latentcomposer.ui.main_window import MainWindow
from latentcomposer.ui.section_import import LEAVE_OUT, SectionImportDialog
from latentcomposer.ui.section_ops import NO_TRIO
from latentcomposer.ui.section_panel import CHANNELS, SectionPanel
from tests.helpers_models import make_tiny_model, make_tiny_trio_model

from .conftest import Dialogs, make_window

WAIT_MS = 60000


@pytest.fixture(scope="module")
def trio_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random trio model (tests/helpers_models.py)."""
    return make_tiny_trio_model(tmp_path_factory.mktemp("trio-models"))


@pytest.fixture
def pop909(shared_data: Path) -> Path:
    return shared_data / "pop909" / "003" / "003.mid"


@pytest.fixture
def win(qtbot: Any, user_dirs: dict[str, Path], trio_folder: Path) -> MainWindow:
    (user_dirs["models"] / trio_folder.name).symlink_to(trio_folder, target_is_directory=True)
    return make_window(qtbot)


def panel_of(window: MainWindow) -> SectionPanel:
    panel = window.findChild(SectionPanel, "sectionPanel")
    assert panel is not None
    return panel


def open_pop909(window: MainWindow, path: Path, monkeypatch: pytest.MonkeyPatch,
                edit: Any = None) -> StreamMapping:
    """Open ``path`` through File > Open MIDI: the track picker's "Open as a Section…", then the
    mapping dialog (built for real, checked, optionally edited, accepted)."""
    seen: list[StreamMapping] = []

    def ask(parent: Any, clips: list[Clip], guess: StreamMapping, name: str, codec: Any) -> StreamMapping:
        dlg = SectionImportDialog(clips, guess, name, codec, parent)
        assert dlg.objectName() == "sectionImportDialog"
        names = [c.name.upper() for c in clips]
        plays = {n: dlg.combos[k].currentText() for k, n in enumerate(names)}
        assert plays == {"MELODY": "Melody", "BRIDGE": LEAVE_OUT, "PIANO": "Accompaniment"}
        assert dlg.bass_from_acc.isChecked() and dlg.bass_from_acc.isEnabled()
        if edit is not None:
            edit(dlg, names)
        seen.append(dlg.mapping())
        dlg.deleteLater()
        return seen[-1]

    monkeypatch.setattr(section_import, "ask_mapping", ask)
    monkeypatch.setattr(dialogs_module, "pick_tracks", lambda *_a: dialogs_module.AS_SECTION)
    assert window.files.open_midi(path)
    return seen[-1]


def load_trio(qtbot: Any, window: MainWindow) -> None:
    window.latent_tools.load_model("tiny_trio", "cpu")
    qtbot.waitUntil(lambda: window.sections.model_problem() is None, timeout=WAIT_MS)


def idle(qtbot: Any, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.sections.running, timeout=WAIT_MS)


def notes(window: MainWindow, ref: book.SectionRef, stream: str) -> tuple[Any, ...]:
    return window.session.item(ref.clip_uid(stream)).clip.notes


def test_track_picker_offers_open_as_section(qtbot: Any, pop909: Path) -> None:
    clips = read_midi(pop909)
    dlg = dialogs_module.TrackPickerDialog(clips, pop909.name)
    qtbot.addWidget(dlg)
    button = dlg.findChild(QPushButton, "openAsSection")
    assert button is not None and "Section" in button.text()
    button.click()
    assert dlg.as_section and dlg.result() == dlg.DialogCode.Accepted


def test_open_pop909_as_section_shows_parts_together(win: MainWindow, pop909: Path, monkeypatch: pytest.MonkeyPatch,
                                                     dialogs: Dialogs) -> None:
    piano = next(c for c in read_midi(pop909) if c.name.upper() == "PIANO")
    open_pop909(win, pop909, monkeypatch)
    s = win.session
    refs = book.refs(s)
    assert len(refs) == 1 and len(s.items) == 3  # the fresh session's empty clip was replaced
    ref = refs[0]
    assert ref.streams == ("melody", "bass", "accompaniment") and ref.name == "003"
    assert s.current_uid == ref.clip_uid("melody")
    # nothing lost between bass and accompaniment
    assert sorted(notes(win, ref, "bass") + notes(win, ref, "accompaniment")) == sorted(piano.notes)
    # the roll: the melody editable in its colour, the other two parts as dimmed layers
    roll = win.roll
    assert roll.tint is not None and len(roll.ghosts) == 2
    assert {g.clip.notes for g in roll.ghosts} == {notes(win, ref, "bass"), notes(win, ref, "accompaniment")}
    panel = panel_of(win)
    assert panel.rows["melody"].button.isChecked() and not panel.rows["bass"].button.isChecked()
    # pick the bass: it becomes the roll's clip, the melody a ghost
    panel.rows["bass"].button.click()
    assert s.current_uid == ref.clip_uid("bass") and panel.rows["bass"].button.isChecked()
    assert notes(win, ref, "melody") in {g.clip.notes for g in roll.ghosts}
    # instrument and channel: undoable edits of the track's clip
    panel.rows["bass"].program.setCurrentIndex(38)
    panel.rows["bass"].channel.setCurrentIndex(CHANNELS.index(5))
    bass = s.item(ref.clip_uid("bass")).clip
    assert (bass.program, bass.channel) == (38, 5)
    assert s.undo() and s.item(ref.clip_uid("bass")).clip.channel == 1
    assert panel.rows["bass"].channel.currentText() == "2"
    # no trio model: the tools say why instead of failing
    assert not panel.sample_btn.isEnabled() and NO_TRIO in panel.model_note.text()
    assert not win.sections.sample()
    assert NO_TRIO in win.statusBar().currentMessage()
    assert not dialogs.errors


def test_mapping_edits_are_used(win: MainWindow, pop909: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def edit(dlg: SectionImportDialog, names: list[str]) -> None:  # the BRIDGE as the bass, no bass split
        dlg.set_plays(names.index("BRIDGE"), "Bass")
        assert not dlg.bass_from_acc.isEnabled()

    mapping = open_pop909(win, pop909, monkeypatch, edit)
    assert not mapping.bass_from_accompaniment
    clips = read_midi(pop909)
    ref = book.refs(win.session)[0]
    bridge = next(c for c in clips if c.name.upper() == "BRIDGE")
    piano = next(c for c in clips if c.name.upper() == "PIANO")
    assert sorted(notes(win, ref, "bass")) == sorted(bridge.notes)
    assert sorted(notes(win, ref, "accompaniment")) == sorted(piano.notes)


def test_model_tools_on_sections(qtbot: Any, win: MainWindow, pop909: Path, monkeypatch: pytest.MonkeyPatch,
                                 dialogs: Dialogs, tmp_path: Path) -> None:
    open_pop909(win, pop909, monkeypatch)
    load_trio(qtbot, win)
    panel, ctl, s = panel_of(win), win.sections, win.session
    first = book.refs(s)[0]
    engine = win.latent_tools.engine
    assert engine is not None
    calls: list[threading.Thread] = []
    real = type(engine).decode_tokens

    def spy(self: Any, *a: Any, **k: Any) -> Any:
        calls.append(threading.current_thread())
        return real(self, *a, **k)

    monkeypatch.setattr(type(engine), "decode_tokens", spy)

    # encode: the section's z is kept (for Vary)
    assert panel.encode_btn.isEnabled() and not panel.vary_btn.isEnabled()
    panel.encode_btn.click()
    idle(qtbot, win)
    assert first.uid in ctl.codes and ctl.codes[first.uid].ndim == 2
    assert panel.vary_btn.isEnabled()

    # export: one track per part, with its instrument and channel
    panel.rows["accompaniment"].program.setCurrentIndex(4)
    dialogs.paths.append(str(tmp_path / "arranged"))
    panel.export_btn.click()
    out = read_midi(tmp_path / "arranged.mid")
    assert [c.name for c in out] == ["Melody", "Bass", "Accompaniment"]
    assert [c.channel for c in out] == [0, 1, 2] and out[2].program == 4
    for clip, stream in zip(out, first.streams, strict=True):
        assert len(clip.notes) == len(notes(win, first, stream)) > 0

    # sample: a new section of three parts, one undo step
    n_clips = len(s.items)
    panel.sample_btn.click()
    idle(qtbot, win)
    refs = book.refs(s)
    assert len(refs) == 2 and len(s.items) == n_clips + 3
    sampled = refs[1]
    assert s.current_uid in dict(sampled.tracks).values()
    assert any(notes(win, sampled, st) for st in sampled.streams)
    assert s.undo() and len(book.refs(s)) == 1 and s.redo() and len(book.refs(s)) == 2

    # keep the melody, regenerate bass and accompaniment (in place, undoable)
    win.sections.show_section(first.uid)
    panel.rows["melody"].button.click()
    before = {st: notes(win, first, st) for st in first.streams}
    panel.keep(["melody"])
    assert panel.regen_btn.isEnabled()
    panel.regen_btn.click()
    idle(qtbot, win)
    after = {st: notes(win, first, st) for st in first.streams}
    assert after["melody"] == before["melody"]
    assert after["bass"] != before["bass"] and after["accompaniment"] != before["accompaniment"]
    assert "Regenerate" in s.undo_stack.undo_label
    assert s.undo() and {st: notes(win, first, st) for st in first.streams} == before
    assert s.redo()

    # blend the two sections: thumbnails with every part; keep the middle one as a section
    panel.blend_a.setCurrentIndex(panel.blend_a.findData(first.uid))
    panel.blend_b.setCurrentIndex(panel.blend_b.findData(sampled.uid))
    panel.steps.setValue(3)
    panel.blend_btn.click()
    idle(qtbot, win)
    assert len(ctl.blend) == 3 and len(panel.thumbs) == 3
    assert all(x.streams == ("melody", "bass", "accompaniment") for x in ctl.blend)
    assert ctl.blend[0].track("melody").clip.notes != ctl.blend[-1].track("melody").clip.notes
    panel.add_btn.click()
    assert len(book.refs(s)) == 3

    # vary the encoded first section: a new section decoded from its z
    win.sections.show_section(first.uid)
    panel.encode_btn.click()
    idle(qtbot, win)
    panel.vary_btn.click()
    idle(qtbot, win)
    assert len(book.refs(s)) == 4 and "variation" in book.refs(s)[-1].name

    # every engine call ran off the UI thread
    assert calls and threading.main_thread() not in calls
    assert not dialogs.errors


def test_user_errors_are_messages(qtbot: Any, win: MainWindow, tmp_path: Path, dialogs: Dialogs) -> None:
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")
    assert not win.sections.open_section(bad)
    assert dialogs.errors and dialogs.errors[0][0] == "Cannot open MIDI file"
    # no section: the tools say what to do
    load_trio(qtbot, win)
    assert not win.sections.encode() and "section" in win.statusBar().currentMessage()
    assert not win.sections.regenerate(["melody"])


def test_file_menu_and_project_keep_sections(win: MainWindow, pop909: Path, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path, dialogs: Dialogs) -> None:
    texts = [a.text().replace("&", "") for a in win.menuBar().actions()[0].menu().actions()]
    assert "Open MIDI as Section…" in texts and "Export Section as MIDI…" in texts
    open_pop909(win, pop909, monkeypatch)
    ref = book.refs(win.session)[0]
    assert win.files.save_as(tmp_path / "song.lcproj")
    win.session.reset()
    assert book.refs(win.session) == []
    assert win.files.open_project(tmp_path / "song.lcproj")
    again = book.refs(win.session)
    assert [(r.name, r.tracks) for r in again] == [(ref.name, ref.tracks)]
    assert win.roll.tint is not None and len(win.roll.ghosts) == 2


def test_a_section_drags_out_as_one_multitrack_midi_file(win: MainWindow, pop909: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 27, "drag anything to the DAW": the section panel's handle carries a temporary MIDI file
    with one track per part, in the parts' channels."""
    panel = panel_of(win)
    assert panel.drag_handle.mime_data() is None  # no section yet: nothing to drag
    open_pop909(win, pop909, monkeypatch)
    mime = panel.drag_handle.mime_data()
    assert mime is not None and len(mime.urls()) == 1
    path = Path(mime.urls()[0].toLocalFile())
    assert path.suffix == ".mid" and path.is_file()
    tracks = read_midi(path)
    ref = book.refs(win.session)[0]
    assert len(tracks) == 3
    assert sorted(len(t.notes) for t in tracks) == sorted(len(notes(win, ref, s)) for s in
                                                          ("melody", "bass", "accompaniment"))



@pytest.fixture(scope="module")
def melody_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny one-part melody model beside the trio: what the latent tools switch to for a melody clip."""
    return make_tiny_model(tmp_path_factory.mktemp("melody-models") / "tiny_2bar", "tiny_2bar")


def test_a_section_part_keeps_the_trio_model(qtbot: Any, user_dirs: dict[str, Path], trio_folder: Path,
                                             melody_folder: Path, pop909: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Clicking a section's melody (or Sample making a new section current) must not have the clip's
    latent tools swap the trio model for a one-part model: the section tools would lose their model.
    A plain melody clip still gets the melody model (the switch is there, just not for section parts)."""
    for folder in (trio_folder, melody_folder):
        (user_dirs["models"] / folder.name).symlink_to(folder, target_is_directory=True)
    win = make_window(qtbot)
    open_pop909(win, pop909, monkeypatch)
    load_trio(qtbot, win)
    trio = win.latent_tools.engine
    panel, models = panel_of(win), win.latent_tools.ctl.models
    assert models is not None
    latent = win.latent_tools.ctl
    for stream in ("bass", "melody", "accompaniment", "melody"):
        panel.rows[stream].button.click()
        assert models.loading_name is None  # no other model asked for
        qtbot.waitUntil(lambda: not win.latent_tools.worker.is_busy(), timeout=WAIT_MS)
        assert latent.code is None  # no part encoded alone
    latent.encode()  # the latent panel's Encode on a part: says where a section is encoded
    assert "part of a section" in win.statusBar().currentMessage() and latent.code is None
    panel.sample_btn.click()
    idle(qtbot, win)
    assert win.session.current_uid in dict(book.refs(win.session)[-1].tracks).values()
    assert models.loading_name is None
    assert win.latent_tools.engine is trio and win.sections.model_problem() is None
    # a plain melody clip (in no section) switches to the melody model, as before
    win.session.add_clip(example_clip(NAMES[0]))
    qtbot.waitUntil(lambda: models.loading_name == "tiny_2bar" or win.latent_tools.engine is not trio,
                    timeout=WAIT_MS)


def test_regenerate_keeps_the_roll_on_the_kept_part(qtbot: Any, win: MainWindow, pop909: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the melody, regenerate the rest: the roll stays on the melody the composer is editing (it
    used to jump to the last part written), after Undo and Redo too; the panel names the job while
    the model writes and drops the old reading at once (it showed "Encoded: Vary is ready" on the new
    parts); Sample uses the panel's temperature."""
    open_pop909(win, pop909, monkeypatch)
    load_trio(qtbot, win)
    panel, s = panel_of(win), win.session
    ref = book.refs(s)[0]
    melody = ref.clip_uid("melody")
    panel.rows["melody"].button.click()
    panel.encode_btn.click()
    idle(qtbot, win)
    assert panel.vary_btn.isEnabled() and "bars)" in win.statusBar().currentMessage()  # bars, not windows
    panel.keep(["melody"])
    panel.regen_btn.click()
    assert panel.model_note.text() == "The model is writing the new parts…"
    idle(qtbot, win)
    # the old reading is gone with the old parts: Vary and the sliders wait for a new Encode
    assert not panel.vary_btn.isEnabled() and "Encoded" not in panel.model_note.text()
    assert not any(x.isEnabled() for x in panel.sliders.sliders.values())
    assert "Regenerate" in s.undo_stack.undo_label
    assert s.current_uid == melody and panel.rows["melody"].button.isChecked()
    assert s.undo() and s.current_uid == melody
    assert s.redo() and s.current_uid == melody

    seen: list[float] = []
    real = SectionTools.sample

    def spy(self: Any, n: int, temperature: float = 1.0, *a: Any, **k: Any) -> Any:
        seen.append(temperature)
        return real(self, n, temperature, *a, **k)

    monkeypatch.setattr(SectionTools, "sample", spy)
    assert panel.temperature.value() == pytest.approx(0.5)  # the trio's fitted prior measures best there
    panel.temperature.setValue(1.2)
    panel.sample_btn.click()
    idle(qtbot, win)
    assert seen == [pytest.approx(1.2)]
