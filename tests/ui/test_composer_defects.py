"""Small defects a composer hits: "Add as clip" taking a long clip's half-decoded preview; a MIDI file
over the length limit offering only an error; Continue not saying which bars it continues from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from latentcomposer.core import Clip, Note
from latentcomposer.ui.main_window import MainWindow
from tests.hostile.midi_gen import END, note, smf

from .latent_rig import Rig, tiny_models  # noqa: F401
from .test_continue_infill import brig, models_with_bar_prior  # noqa: F401
from .test_huge_clips import long_clip


# --- 1. a long clip's preview: every action that takes it waits for the whole clip -------------------
def test_add_as_clip_waits_for_the_whole_long_preview(qtbot: Any, tiny_models: Path) -> None:  # noqa: F811
    rig = Rig(qtbot, tiny_models, clips=[long_clip()])
    try:
        rig.load()
        rig.idle(30000)
        rig.engine.delays["decode"] = 0.05  # a real model's pace, per block
        rig.panel.rows[next(iter(rig.panel.rows))].slider.setValue(150)
        qtbot.waitUntil(lambda: rig.tools.ctl.shown is not None, timeout=10000)
        shown = rig.tools.ctl.shown
        assert shown is not None and not shown.complete
        n = len(rig.session.items)
        add = rig.panel.add_button
        assert not add.isEnabled()  # the same wait as Apply
        assert "whole clip" in add.toolTip() and "whole clip" in rig.panel.apply_button.toolTip()
        assert not rig.tools.ctl.add_as_clip()  # (a shortcut or script: still refused, with a message)
        assert len(rig.session.items) == n
        assert any("whole clip" in m for m in rig.messages)
        qtbot.waitUntil(lambda: rig.tools.ctl.shown is not None and rig.tools.ctl.shown.complete, timeout=60000)
        assert add.isEnabled() and "whole clip" not in add.toolTip()
        add.click()
        assert len(rig.session.items) == n + 1
        assert rig.session.items[-1].clip.end_tick == 2000 * 2 * 96  # all 2,000 bars, not the bars in view
    finally:
        rig.close()


# --- 2. a MIDI file over the limit: open its first 1,024 bars ----------------------------------------
def too_long_file(folder: Path, bars: int = 1100) -> Path:
    """A 4/4 melody of ``bars`` bars (ppq 480): one half-note a bar."""
    bar = 4 * 480
    body = b"".join(note(60 + k % 12, bar // 2, delta=0 if k == 0 else bar // 2) for k in range(bars))
    path = folder / "long.mid"
    path.write_bytes(smf([body + END]))
    return path


def test_a_too_long_file_offers_its_first_bars(window: MainWindow, tmp_path: Path, dialogs: Any,
                                              monkeypatch: Any) -> None:
    path = too_long_file(tmp_path)
    said: list[str] = []
    monkeypatch.setattr(window, "show_message", lambda text, *_: said.append(text))
    dialogs.choices.append("Open the first 1,024 bars")
    assert window.files.open_midi(path)
    assert not dialogs.errors
    assert "1,100 bars long" in dialogs.questions[-1]
    clip = window.session.current_clip
    assert clip.n_bars == 1024 and clip.notes[-1].start == 1023 * 4 * 480
    assert any("first 1,024 bars" in m and "long.mid" in m for m in said)  # the status bar says it was cut


def test_a_too_long_file_can_be_left_closed(window: MainWindow, tmp_path: Path, dialogs: Any) -> None:
    path = too_long_file(tmp_path)
    before = [c.name for c in window.session.clips]
    dialogs.choices.append("Cancel")
    assert not window.files.open_midi(path)
    assert not dialogs.errors and [c.name for c in window.session.clips] == before


# --- 3. Continue says which bars it continues from -----------------------------------------------------
def test_continue_says_which_bars_it_continues_from(brig: Rig, qtbot: Any) -> None:  # noqa: F811
    brig.load("tiny_tvae")  # a 4-bar window: Continue hears the last 3 bars, then adds one at a time
    button = brig.panel.continue_button
    qtbot.waitUntil(button.isEnabled, timeout=5000)
    clip = brig.session.current_clip
    bars = clip.n_bars
    assert f"bars {bars - 2}–{bars}" in button.toolTip()
    button.click()
    assert any(f"from bars {bars - 2}–{bars}" in m for m in brig.messages)
    qtbot.waitUntil(lambda: brig.tools.preview_clip is not None, timeout=20000)
    short = Clip((Note(0, 60, 480, 90), Note(1920, 62, 2400, 90)), ppq=480, name="Two bars")
    brig.session.add_clip(short)  # it becomes current: a 2-bar clip, the model hears both bars
    qtbot.waitUntil(lambda: "bars 1–2" in button.toolTip(), timeout=5000)
