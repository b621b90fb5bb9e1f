"""Issue 27's verbs: Variations ("Generate 8"), drag to the DAW (the MIME payload), the first-run
welcome, Groove."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel

from latentcomposer.app.playback_service import InMemoryBackend
from latentcomposer.core.examples import example_drums
from latentcomposer.io.midifile import read_midi, write_midi
from latentcomposer.ui import welcome
from latentcomposer.ui.clip_list import UID_ROLE
from latentcomposer.ui.groove import NOT_DRUMS, groove
from latentcomposer.ui.preferences import Preferences
from latentcomposer.ui.variations import VariationsStrip

from .conftest import make_window
from .issue27_rig import shot
from .latent_rig import Rig, rig, tiny_models  # noqa: F401


def _midi_url(mime: Any) -> Path:
    urls = mime.urls()
    assert len(urls) == 1 and urls[0].isLocalFile()
    path = Path(urls[0].toLocalFile())
    assert path.suffix == ".mid" and path.is_file()
    return path


def test_generate_8_variations_to_hear_keep_add_and_drag(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    rig.load()
    strip = VariationsStrip(rig.tools)
    qtbot.addWidget(strip)
    strip.resize(1000, 140)
    strip.show()
    rig.panel.rows["density"].slider.setValue(80)
    rig.idle()
    assert strip.generate_button.isEnabled()
    strip.generate_button.click()
    qtbot.waitUntil(lambda: len(strip.thumbs) == 8, timeout=20000)
    assert len({c.notes for c in strip.clips}) > 1  # not eight copies
    original = rig.session.current_clip
    strip.thumbs[2].clicked.emit(2, False)  # click: over the roll, and heard
    assert rig.tools.preview_label == "Variation 3" and rig.tools.preview_clip is strip.clips[2]
    assert rig.player._clip is strip.clips[2]
    # drag to the DAW: the payload is the file URL of a valid MIDI file of that variation
    path = _midi_url(strip.thumbs[2].mime_data())
    back = read_midi(path)[0]
    assert [(n.pitch, n.start) for n in back.notes] == [(n.pitch, n.start) for n in strip.clips[2].notes]
    n = len(rig.session.items)
    assert strip.add(4) and len(rig.session.items) == n + 1 and rig.session.items[-1].origin == "variation"
    rig.session.set_current(rig.session.items[0].uid)
    assert strip.keep(5)
    assert rig.session.items[0].clip.notes == strip.clips[5].notes and rig.session.items[0].clip is not original
    qtbot.wait(50)
    assert all(t.isVisible() for t in strip.thumbs)
    shot(strip, "variations_strip")
    strip.cleanup()


def test_variations_need_a_code_first(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    strip = VariationsStrip(rig.tools)
    qtbot.addWidget(strip)
    assert not strip.generate_button.isEnabled()
    assert not strip.generate()
    assert any("Encode a clip or Sample first" in m for m in rig.messages)


def test_clip_list_drag_payload_is_a_midi_file(window: Any) -> None:
    window.session.replace_clip(example_drums(2), "Open")
    lst = window.clip_list.list
    path = _midi_url(lst.mimeData([lst.item(0)]))
    assert read_midi(path)[0].is_drum and len(read_midi(path)[0].notes) == len(example_drums(2).notes)
    assert lst.item(0).data(UID_ROLE) == window.session.current_uid


def test_first_run_welcome(qtbot: Any, tmp_path: Path) -> None:
    w = make_window(qtbot, InMemoryBackend())
    panel = welcome.maybe_show(w)
    assert panel is not None and panel.isVisible() and panel.objectName() == "welcomePanel"
    assert w.session.items[0].origin == "example" and w.session.current_clip.notes
    assert not w.session.modified and not w.isWindowModified()  # loading the example is not an edit
    hints = [lb for lb in panel.findChildren(QLabel) if lb.objectName().startswith("welcomeHint_")]
    assert len(hints) == 3 and "Encode" in hints[0].text() and "slider" in hints[1].text()
    assert "Apply" in hints[2].text() and "Interpolate" in hints[2].text()
    shot(w, "welcome")
    # opening a file replaces the untouched example
    tune = write_midi(tmp_path / "tune.mid", [example_drums(2).copy(name="Beat")])
    assert w.files.open_path(tune)
    assert len(w.session.items) == 1 and w.session.items[0].origin == "imported"
    panel.dismiss_button.click()
    assert w.prefs.get_bool(welcome.PREF)
    assert Preferences().get_bool(welcome.PREF)  # remembered in the settings
    w2 = make_window(qtbot, InMemoryBackend())
    assert welcome.maybe_show(w2) is None and not w2.session.current_clip.notes
    w2.action_map["showWelcome"].trigger()  # Help > Welcome brings it back
    assert w2.findChild(welcome.WelcomePanel, "welcomePanel") is not None
    w.shutdown()
    w2.shutdown()


def test_groove_explains_melodies_and_grooves_drums(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    rig.load()
    melody = rig.session.items[0].uid
    assert not groove(rig.tools, melody)
    assert NOT_DRUMS in rig.messages
    drums = rig.session.items[2].uid
    rig.session.set_current(drums)
    qtbot.waitUntil(lambda: rig.tools.info is not None and rig.tools.info.kind == "drums", timeout=15000)
    rig.idle()
    assert groove(rig.tools, drums)
    qtbot.waitUntil(lambda: rig.tools.preview_label == "Groove", timeout=15000)
    hits = rig.session.item(drums).clip.notes
    out = rig.tools.preview_clip.notes
    assert len(out) > 0 and len(out) <= len(hits) + 4
    assert rig.tools.ctl.apply_shown()
    assert rig.session.item(drums).clip.notes == out


def test_continue_variations_explain_the_model_they_need(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    rig.load()  # a 2-bar window model: no bar-by-bar continuation
    strip = VariationsStrip(rig.tools)
    qtbot.addWidget(strip)
    strip.mode.setCurrentIndex(strip.mode.findData("continue"))
    assert not strip.generate()
    assert any("per-bar model" in m for m in rig.messages)
