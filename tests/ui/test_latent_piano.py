"""A piano (polyphonic) clip through the latent tools in the GUI (issue 23), with a tiny random piano
model: a chord clip picks the piano model, is encoded whole, a slider's preview holds chords, apply is
one undoable step; interpolation between two piano clips fills its steps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.piano_models import chord_clip, has_chords, make_tiny_piano

from .latent_rig import Rig, tiny_models  # noqa: F401


@pytest.fixture(scope="module")
def piano_models(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The melody and drum tiny models beside a tiny piano model."""
    root = tmp_path_factory.mktemp("piano-gui-models")
    for name in ("tiny_2bar", "tiny_drums"):
        (root / name).symlink_to(tiny_models / name)
    make_tiny_piano(root / "tiny_poly_2bar")
    return root


@pytest.fixture
def piano_rig(qtbot: Any, piano_models: Path) -> Iterator[Rig]:
    r = Rig(qtbot, piano_models, [chord_clip(4, "Chords"), chord_clip(4, "Chords up", shift=5)])
    yield r
    r.close()


def test_a_chord_clip_is_encoded_by_the_piano_model_and_its_preview_holds_chords(piano_rig: Rig, qtbot) -> None:
    rig = piano_rig
    original = rig.session.current_clip
    assert has_chords(original)
    rig.tools.ctl.start_model("tiny_2bar", "cpu")  # start-up's model: a melody model, not the user's pick
    qtbot.waitUntil(lambda: rig.tools.info is not None and rig.tools.info.name == "tiny_poly_2bar"
                    and rig.tools.ctl.code is not None, timeout=15000)
    rig.idle()
    assert any("switching to tiny_poly_2bar (Piano · 2 bars)" in m for m in rig.messages), rig.messages
    assert not any("highest voice" in m for m in rig.messages)  # encoded whole
    combo = rig.panel.model_combo
    assert combo.currentText() == "Piano · 2 bars" and combo.currentData() == "tiny_poly_2bar"
    assert not rig.panel.decoding_combo.isEnabled()  # piano models have one decoding (no search)
    assert rig.engine.called("encode")
    # a random model ends every step at once when greedy (its PAD bias): sample its notes instead
    rig.panel.temperature.setValue(50)
    rig.idle()
    row = rig.panel.rows["z1"]  # a model without attribute vectors: raw latent dimensions
    row.slider.setValue(250)
    qtbot.waitUntil(lambda: rig.tools.preview_clip is not None and rig.tools.overlay.isVisible())
    rig.idle()
    preview = rig.tools.preview_clip
    assert preview is not None and has_chords(preview), "the preview lost its chords"
    assert rig.session.current_clip is original  # a preview, not an edit
    rig.panel.apply_button.click()
    assert rig.session.current_clip.notes == preview.notes and has_chords(rig.session.current_clip)
    assert rig.session.undo_stack.undo_label.startswith("Apply")
    rig.session.undo()
    assert rig.session.current_clip == original


def test_interpolation_between_two_piano_clips(piano_rig: Rig, qtbot) -> None:
    rig = piano_rig
    eng = rig.load("tiny_poly_2bar")
    s = rig.session
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", s.items[1].uid)
    view = rig.timeline.interpolation
    view.steps.setValue(3)
    view.temperature.setValue(0.5)  # (greedy, the random model ends every step at once)
    view.generate()
    qtbot.waitUntil(lambda: len(view.thumbs) == 5, timeout=15000)
    assert eng.called("interpolate")
    clips = view.result.clips
    assert len(clips) == 5 and all(c.notes for c in clips)
    assert all(has_chords(c) for c in clips)
    assert rig.tools.path is not None and len(rig.tools.path) == 5
