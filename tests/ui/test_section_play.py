"""A section as a band (issue 24): playback and the WAV render play every part together (each on its
own channel and program), "Add Drums" puts a Drumify drum part beside the section (channel 10, its own
colour, played and exported as a 4th track, never read by the trio model), and the section sliders
move every part at once (preview over the roll, Apply = one undo step). A POP909 file, the tiny trio
model of test_sections_ui and a tiny Drumify model; the sequencer plays into an in-memory port."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QToolButton

from latentcomposer.app import exporting
from latentcomposer.app import section_book as book
from latentcomposer.app.playback_service import InMemoryBackend
from latentcomposer.app.section import SectionTools
from latentcomposer.core import DRUM_CHANNEL
from latentcomposer.core.examples import example_clip
from latentcomposer.io.midifile import read_midi
from latentcomposer.model import drumify as drumify_model
from latentcomposer.ui.main_window import MainWindow
from latentcomposer.ui.section_ops import NO_DRUMS_IN_MODEL, STREAM_COLORS
from latentcomposer.ui.section_sliders import SectionSliders
from tests.helpers_drumify import make_tiny_drumify_root

from .conftest import Dialogs, make_window, wait_for
from .test_sections_ui import WAIT_MS, idle, load_trio, open_pop909, panel_of, pop909, trio_folder  # noqa: F401

STREAMS = ("melody", "bass", "accompaniment")


@pytest.fixture(scope="module")
def drum_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_drumify_root(tmp_path_factory.mktemp("section-drums"))


@pytest.fixture
def backend() -> InMemoryBackend:
    return InMemoryBackend()


@pytest.fixture
def band(qtbot: Any, user_dirs: dict[str, Path], trio_folder: Path, drum_root: Path,  # noqa: F811
         backend: InMemoryBackend) -> MainWindow:
    """A window whose models folder holds the tiny trio model and the tiny Drumify pair."""
    for folder in (trio_folder, drum_root / "tiny_drums", drum_root / "drumify_2bar"):
        (user_dirs["models"] / folder.name).symlink_to(folder, target_is_directory=True)
    return make_window(qtbot, backend)


@pytest.fixture
def drum_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[threading.Thread, Any]]:
    """(thread, clip followed) of every Drumify call."""
    seen: list[tuple[threading.Thread, Any]] = []
    original = drumify_model.Drumify.drumify

    def recording(self: Any, clip: Any, *a: Any, **kw: Any) -> Any:
        seen.append((threading.current_thread(), clip))
        return original(self, clip, *a, **kw)

    monkeypatch.setattr(drumify_model.Drumify, "drumify", recording)
    return seen


def play_button(window: MainWindow) -> QToolButton:
    button = window.transport.widgetForAction(window.action_map["play"])
    assert isinstance(button, QToolButton) and window.transport.objectName() == "transport"
    return button


def programs_sent(backend: InMemoryBackend) -> dict[int, int]:
    return {m.channel: m.program for m in backend.messages if m.type == "program_change"}


def channels_sounding(backend: InMemoryBackend) -> set[int]:
    return {ch for _t, kind, ch, _n in backend.notes() if kind == "on"}


def play_from(window: MainWindow, backend: InMemoryBackend, tick: int) -> None:
    """Start at ``tick`` with the transport's play button (the play action, Space)."""
    backend.clear()
    window.playback_ui.seek(tick)
    play_button(window).click()
    assert window.action_map["play"].isChecked()


def add_drums(qtbot: Any, window: MainWindow, follow: str = "Melody + accompaniment") -> book.SectionRef:
    panel = panel_of(window)
    panel.follow.setCurrentIndex(panel.follow.findText(follow))
    had = window.sections.current() is not None and window.sections.current().drums is not None  # type: ignore[union-attr]
    assert panel.drums_btn.isEnabled() and panel.drums_btn.text() == ("New Drums" if had else "Add Drums")
    panel.drums_btn.click()
    qtbot.waitUntil(lambda: "section-drums" not in window.sections.running, timeout=WAIT_MS)
    ref = window.sections.current_ref()
    assert ref is not None
    return ref


def test_a_section_plays_all_its_parts_together(qtbot: Any, band: MainWindow, backend: InMemoryBackend,
                                                pop909: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                                dialogs: Dialogs) -> None:
    open_pop909(band, pop909, monkeypatch)
    s, panel = band.session, panel_of(band)
    ref = book.refs(s)[0]
    panel.rows["bass"].program.setCurrentIndex(33)  # fingered bass
    panel.rows["accompaniment"].program.setCurrentIndex(4)
    melody = s.item(ref.clip_uid("melody")).clip
    play_from(band, backend, melody.notes[0].start)
    # each part on its own channel with its own instrument, all sounding
    assert wait_for(lambda: {0, 1, 2} <= channels_sounding(backend), timeout=10)
    assert {ch: p for ch, p in programs_sent(backend).items() if ch in (0, 1, 2)} == {0: melody.program, 1: 33, 2: 4}
    band.action_map["stop"].trigger()

    # another part selected for editing: still the whole section
    panel.rows["bass"].button.click()
    play_from(band, backend, melody.notes[0].start)
    assert wait_for(lambda: {0, 1, 2} <= channels_sounding(backend), timeout=10)
    band.action_map["stop"].trigger()

    # a plain clip plays alone, as before
    s.add_clip(example_clip("twinkle").copy(tempo=300.0, channel=5), label="load")
    assert band.sections.current_ref() is None
    play_from(band, backend, 0)
    assert wait_for(lambda: bool(channels_sounding(backend)), timeout=10)
    band.action_map["play"].trigger()  # pause
    assert channels_sounding(backend) == {5} and set(programs_sent(backend)) == {5}
    assert not dialogs.errors


def test_add_drums_beside_a_section(qtbot: Any, band: MainWindow, backend: InMemoryBackend, pop909: Path,  # noqa: F811
                                    monkeypatch: pytest.MonkeyPatch, dialogs: Dialogs, tmp_path: Path,
                                    drum_calls: list[tuple[threading.Thread, Any]]) -> None:
    open_pop909(band, pop909, monkeypatch)
    s, panel = band.session, panel_of(band)
    before = book.refs(s)[0]
    n_items = len(s.items)
    assert not panel.drums_button.isVisible()
    ref = add_drums(qtbot, band)

    # Drumify ran on the worker, following the melody and the accompaniment merged
    assert drum_calls and all(t is not threading.main_thread() for t, _ in drum_calls)
    followed = drum_calls[-1][1]
    parts = [s.item(before.clip_uid(x)).clip.notes for x in ("melody", "accompaniment")]
    assert set(followed.notes) == set(parts[0]) | set(parts[1])

    # the drum part: a 4th clip of the section, channel 10, as long as the section, in its own colour
    assert ref.drums and len(s.items) == n_items + 1
    drums = s.item(ref.drums).clip
    assert drums.is_drum and drums.channel == DRUM_CHANNEL and drums.notes
    section = band.sections.current()
    assert section is not None and section.drums == drums
    bar = section.tracks[0].clip.bar_ticks
    assert drums.end_tick <= -(-max(t.clip.end_tick for t in section.tracks) // bar) * bar
    assert STREAM_COLORS["drums"] in [g.color for g in band.roll.ghosts] and len(band.roll.ghosts) == 3
    assert panel.drums_button.isVisible() and panel.drums_btn.text() == "New Drums"
    assert "channel 10" in band.statusBar().currentMessage()

    # it plays with the section
    first_hit = drums.notes[0].start
    play_from(band, backend, first_hit)
    assert wait_for(lambda: DRUM_CHANNEL in channels_sounding(backend), timeout=10)
    band.action_map["stop"].trigger()

    # MIDI export: a 4th track on channel 10
    dialogs.paths.append(str(tmp_path / "band"))
    panel.export_btn.click()
    out = read_midi(tmp_path / "band.mid")
    assert [c.name for c in out] == ["Melody", "Bass", "Accompaniment", "Drums"]
    assert out[3].is_drum and out[3].channel == DRUM_CHANNEL and len(out[3].notes) == len(drums.notes)

    # the WAV render renders every part, drums included
    rendered: list[list[Any]] = []

    def render_wav(path: Path, clips: Any, **_k: Any) -> Path:
        rendered.append(list(clips))
        return path

    monkeypatch.setattr(exporting, "render_wav", render_wav)
    assert band.files.export_wav(tmp_path / "band.wav")
    qtbot.waitUntil(lambda: band.files.wav_job is None, timeout=WAIT_MS)
    assert len(rendered) == 1 and len(rendered[0]) == 4
    assert sorted(c.channel for c in rendered[0]) == [0, 1, 2, DRUM_CHANNEL]

    # select the drums in the panel: the roll edits them, the three parts are ghosts
    panel.drums_button.click()
    assert s.current_uid == ref.drums and len(band.roll.ghosts) == 3

    # one undo step removes them (the section stays), redo brings them back
    assert s.undo() and not s.has(ref.drums)
    assert book.refs(s) and band.sections.current() is not None
    assert band.sections.current().drums is None and not panel.drums_button.isVisible()  # type: ignore[union-attr]
    assert s.redo() and s.item(ref.drums).clip == drums

    # following only the bass gives the bass's notes to Drumify; it replaces the drum part (one step)
    again = add_drums(qtbot, band, "Bass")
    assert set(drum_calls[-1][1].notes) == set(s.item(before.clip_uid("bass")).clip.notes)
    assert again.drums == ref.drums and len(s.items) == n_items + 1
    assert "drums" in s.undo_stack.undo_label.lower()
    assert not dialogs.errors


def test_no_drum_model_is_a_message(qtbot: Any, user_dirs: dict[str, Path], pop909: Path,  # noqa: F811
                                    monkeypatch: pytest.MonkeyPatch, dialogs: Dialogs) -> None:
    window = make_window(qtbot)
    open_pop909(window, pop909, monkeypatch)
    n = len(window.session.items)
    assert not window.sections.add_drums()
    assert "Drumify needs its drum models" in window.statusBar().currentMessage()
    assert len(window.session.items) == n and not dialogs.errors


def test_model_tools_leave_the_drums_out(qtbot: Any, band: MainWindow, pop909: Path,  # noqa: F811
                                         monkeypatch: pytest.MonkeyPatch, dialogs: Dialogs) -> None:
    open_pop909(band, pop909, monkeypatch)
    ref = add_drums(qtbot, band)
    drums = band.session.item(ref.drums).clip
    load_trio(qtbot, band)
    read: list[set[str]] = []
    real = SectionTools.encode

    def spy(self: Any, section: Any, *a: Any, **k: Any) -> Any:
        read.append({s for s, c in section.clips().items()})
        return real(self, section, *a, **k)

    monkeypatch.setattr(SectionTools, "encode", spy)
    panel = panel_of(band)
    panel.encode_btn.click()
    idle(qtbot, band)
    assert read == [set(STREAMS)] and NO_DRUMS_IN_MODEL in band.statusBar().currentMessage()
    panel.keep(["melody"])
    panel.regen_btn.click()
    idle(qtbot, band)
    assert NO_DRUMS_IN_MODEL in band.statusBar().currentMessage()
    assert band.session.item(ref.drums).clip == drums
    assert not dialogs.errors


def test_section_sliders_move_every_part(qtbot: Any, band: MainWindow, pop909: Path,  # noqa: F811
                                         monkeypatch: pytest.MonkeyPatch, dialogs: Dialogs) -> None:
    open_pop909(band, pop909, monkeypatch)
    ref = add_drums(qtbot, band)
    s = band.session
    drums = s.item(ref.drums).clip
    sliders = band.findChild(SectionSliders, "sectionSliders")
    assert sliders is not None
    assert not any(x.isEnabled() for x in sliders.sliders.values())  # no model, no code yet
    load_trio(qtbot, band)
    decodes: list[threading.Thread] = []
    real = SectionTools.decode

    def spy(self: Any, *a: Any, **k: Any) -> Any:
        decodes.append(threading.current_thread())
        return real(self, *a, **k)

    monkeypatch.setattr(SectionTools, "decode", spy)
    panel_of(band).encode_btn.click()
    idle(qtbot, band)
    qtbot.waitUntil(lambda: len(sliders.sliders) == 4 and all(x.isEnabled() for x in sliders.sliders.values()),
                    timeout=WAIT_MS)
    assert [d.label for d in sliders.dirs] == [f"Variation {k}" for k in range(1, 5)]  # tiny model: no names
    assert "no musical names" in sliders.note.text()

    before = {x: s.item(ref.clip_uid(x)).clip for x in STREAMS}
    undo_label = s.undo_stack.undo_label
    bars = list(sliders.sliders.values())
    for v in (5, 10, 20):  # a drag: the newest request wins
        bars[0].setValue(v)
    bars[1].setValue(-20)
    qtbot.waitUntil(lambda: sliders.preview is not None and not band.latent_tools.worker.is_busy("section-slide"),
                    timeout=WAIT_MS)
    preview = sliders.preview
    assert preview is not None and sliders.overlay.isVisible() and sliders.overlay.section is preview
    assert decodes and threading.main_thread() not in decodes
    assert s.undo_stack.undo_label == undo_label  # a preview, not an edit
    assert any(preview.track(x).clip.notes != before[x].notes for x in STREAMS)
    assert sliders.apply_btn.isEnabled()

    sliders.apply_btn.click()
    after = {x: s.item(ref.clip_uid(x)).clip for x in STREAMS}
    assert all(after[x].notes == preview.track(x).clip.notes for x in STREAMS)
    assert s.item(ref.drums).clip == drums  # the drums never move
    assert s.undo_stack.undo_label == "Section sliders" and not sliders.overlay.isVisible()
    assert all(x.value() == 0 for x in bars)
    assert s.undo()  # one step brings every part back
    assert {x: s.item(ref.clip_uid(x)).clip.notes for x in STREAMS} == {x: before[x].notes for x in STREAMS}

    # Reset drops the preview
    bars[2].setValue(12)
    qtbot.waitUntil(lambda: sliders.preview is not None, timeout=WAIT_MS)
    sliders.reset_btn.click()
    assert sliders.preview is None and not sliders.overlay.isVisible() and bars[2].value() == 0
    assert not dialogs.errors
