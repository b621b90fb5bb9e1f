"""Issue 27, defect 5 (and 8's bar counts): the Bars view shows each bar's notes, lets a bar be heard,
and offers the per-bar model instead of being greyed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from latentcomposer.app.latent.structure import bar_clip, bar_notes, bars_text
from latentcomposer.core import Clip, Note, TimeSignature

from .conftest import Dialogs
from .issue27_rig import shot
from .latent_rig import Rig, rig, tiny_models  # noqa: F401


def _slots(r: Rig) -> None:
    s = r.session
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", s.items[1].uid)


def test_bars_show_notes_and_a_bar_can_be_heard(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    rig.load("tiny_tvae")
    _slots(rig)
    bars = rig.timeline.bars
    rig.timeline.setCurrentWidget(bars)
    qtbot.waitUntil(lambda: bars.grid.usable == 8)
    a = rig.session.items[0].clip
    # each cell is a mini-roll of its bar's notes (not a colour barcode of latent values)
    assert [len(n) for n in bars.grid.notes[0]] == [len(bar_notes(a, k)) for k in range(8)]
    assert bars.grid.notes[0][0] and all(n.start < a.ppq * 4 for n in bars.grid.notes[0][0])
    assert "Twinkle (8 bars)" in bars.info.text() and "double-click to hear" in bars.info.text()
    qtbot.mouseDClick(bars.grid, Qt.MouseButton.LeftButton, pos=bars.grid.cell_rect(0, 1).center())
    heard = rig.player._clip
    assert heard is not None and heard.notes == bar_clip(a, 1).notes
    assert heard.notes[0].start < a.ppq  # the bar from its own start
    assert any("Playing bar 2 of A" in m for m in rig.messages)
    rig.timeline.resize(1100, 200)
    shot(rig.timeline, "bars_view")


def test_window_model_offers_the_per_bar_model(rig: Rig, qtbot: Any, dialogs: Dialogs) -> None:  # noqa: F811
    rig.load("tiny_2bar")
    bars = rig.timeline.bars
    assert bars.currentWidget() is bars.switch_page
    assert bars.switch_button.isVisible() or bars.switch_button.isVisibleTo(bars)
    assert bars.switch_button.text() == "Switch to Melody · 4 bars (per-bar)…"
    rig.timeline.setCurrentWidget(bars)
    shot(rig.timeline, "bars_switch")
    dialogs.choices.append("Switch")
    bars.switch_button.click()
    assert "Bars view" in dialogs.questions[-1]
    qtbot.waitUntil(lambda: rig.tools.info is not None and rig.tools.info.name == "tiny_tvae", timeout=15000)
    assert bars.currentWidget() is bars.page


def test_bar_counts_agree_in_the_clips_metre() -> None:
    two_four = Clip(notes=tuple(Note(k * 480, 60 + k % 5, k * 480 + 240, 90) for k in range(8)),
                    time_signature=TimeSignature(2, 4), name="POP 001")
    assert two_four.n_bars == 4
    assert bars_text(two_four, 2) == "POP 001 (4 bars; the model reads 2 bars of 4 beats)"
    assert bars_text(two_four.copy(time_signature=TimeSignature(4, 4)), 2) == "POP 001 (2 bars)"
