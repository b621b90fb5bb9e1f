"""Issue 32: the Bars view shows the music's repeats, what the model spends on each bar (its KL), and
after a context transfer which later bars followed the transferred bar."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from latentcomposer.app.latent import structure
from latentcomposer.app.latent.structure import Repeat, TransferMarks, mark_bars, music_repeats
from latentcomposer.core import Clip, Note
from latentcomposer.core.examples import example_clip
from latentcomposer.model.vae import kl_divergence

from .latent_rig import Rig, rig, tiny_models  # noqa: F401

BAR = 1920  # a 4-beat bar at 480 ppq


def _clip(bars: list[list[tuple[int, int]]], name: str = "t") -> Clip:
    """Bars of (16th step, pitch) onsets, each note a 16th long."""
    notes = tuple(Note(k * BAR + s * 120, p, k * BAR + s * 120 + 120, 90)
                  for k, bar in enumerate(bars) for s, p in bar)
    return Clip(notes=notes, length=len(bars) * BAR, name=name)


def _slots(r: Rig) -> None:
    s = r.session
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", s.items[1].uid)


def _open(r: Rig, qtbot: Any) -> Any:
    r.load("tiny_tvae")
    _slots(r)
    bars = r.timeline.bars
    r.timeline.setCurrentWidget(bars)
    qtbot.waitUntil(lambda: bars.grid.usable == 8)
    return bars


def test_music_repeats_exact_transposed_and_not() -> None:
    one = [(0, 64), (4, 64), (8, 64)]
    clip = _clip([one, one, [(s, p + 5) for s, p in one], [(0, 64), (4, 64), (9, 64)], []])
    assert music_repeats(clip) == [None, Repeat(0, 0), Repeat(0, 5), None, None]
    # Jingle Bells: bar 2 (E E E-) repeats bar 1 exactly
    assert music_repeats(example_clip("jingle_bells"))[:2] == [None, Repeat(0, 0)]


def test_clip_with_a_repeat_shows_equals_bar_1(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    bars = _open(rig, qtbot)
    # A is Twinkle (bars 7-8 repeat 5-6), B is Mary (bar 5 repeats bar 1)
    assert bars.grid.repeat_text(1, 4) == "= bar 1"
    assert bars.grid.repeat_text(0, 6) == "= bar 5" and bars.grid.repeat_text(0, 7) == "= bar 6"
    assert bars.grid.repeat_text(1, 1) == ""  # Mary's bar 2 is new
    assert "repeats bar 1 exactly" in bars.grid.cell_tip(1, 4)


def test_kl_meter_follows_the_models_figures(rig: Rig, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    figures = {"a": np.array([40.0, 9.0, 21.0, 30.0, 40.0, 35.0, 2.0, 39.0]),
               "b": np.array([8.0, 16.0, 24.0, 32.0, 1.0, 32.0, 20.0, 12.0])}
    seen: list[str] = []

    def fake(engine: Any, clip: Clip) -> tuple[np.ndarray, np.ndarray]:
        seen.append(clip.name)
        refs = np.full(8, -1)
        refs[4] = 0  # the model hears B's bar 5 as its bar 1 again
        return figures["a" if clip.name.startswith("Twinkle") else "b"], refs

    monkeypatch.setattr(structure, "bar_reading", fake)
    bars = _open(rig, qtbot)
    qtbot.waitUntil(lambda: bars.grid.levels[0] != [] and bars.grid.levels[1] != [])
    for row, key in enumerate("ab"):
        levels, kl = bars.grid.levels[row], figures[key]
        assert levels == [int(np.ceil(4 * x / kl.max() - 1e-9)) or 1 for x in kl]
        # ordered as the model's figures: a bar that costs more never shows fewer cells
        for i in range(8):
            for j in range(8):
                if kl[i] > kl[j]:
                    assert levels[i] >= levels[j]
    assert bars.grid.levels[1][4] == 1 and "refers back" in bars.grid.cell_tip(1, 4)
    assert "hears it as bar 1 again" in bars.grid.cell_tip(1, 4)
    assert bars.grid.levels[1][3] == 4 and "new material" in bars.grid.cell_tip(1, 3)
    assert "hears it as" not in bars.grid.cell_tip(1, 3)


def test_bar_kl_is_the_models_per_bar_kl(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    rig.load("tiny_tvae")
    eng: Any = rig.engine
    clip = rig.session.items[1].clip
    kl = structure.bar_kl(eng, clip)
    code = eng.encode([clip])
    d = eng.cfg.bar_z_dim
    want = kl_divergence(torch.as_tensor(code.mu).reshape(-1, d), torch.as_tensor(code.sigma).reshape(-1, d))
    assert kl.shape == (8,) and (kl > 0).all()
    np.testing.assert_allclose(kl, want.numpy()[:8], rtol=1e-4)


def _onsets(clip: Clip, bar: int) -> set[tuple[int, int]]:
    return {((x.start - bar * BAR) // 120, x.pitch) for x in clip.notes if bar * BAR <= x.start < (bar + 1) * BAR}


def _agree(a: set[tuple[int, int]], b: set[tuple[int, int]]) -> float:
    steps = {s for s, _ in a | b}
    same = [s for s in steps if {p for t, p in a if t == s} == {p for t, p in b if t == s}]
    return len(same) / len(steps) if steps else 1.0


def test_mark_bars_on_known_bars() -> None:
    new, old, other = [(0, 60), (8, 67)], [(0, 64), (4, 64), (8, 64)], [(2, 50), (6, 52), (10, 53)]
    recon = _clip([old, old, old, [(0, 71)]])
    result = _clip([new, new, old, other])
    marks, follows, kept = mark_bars(result, recon, [0], 4)
    assert marks == ["transferred", "followed", "stayed", "changed"]
    assert follows == [None, 0, None, None] and kept[2] == 1.0 and kept[1] == 0.0


def test_transfer_marks_match_the_diff(rig: Rig, qtbot: Any) -> None:  # noqa: F811
    bars = _open(rig, qtbot)
    qtbot.mouseClick(bars.grid, Qt.MouseButton.LeftButton, pos=bars.grid.cell_rect(0, 0).center())
    qtbot.waitUntil(lambda: bars.grid.transfer is not None, timeout=15000)
    t: TransferMarks = bars.grid.transfer
    assert t.transferred == [0] and bars.result is t.clip
    b = rig.session.items[1].clip
    eng = rig.engine
    recon = eng.decode_bars(eng.encode_bars(b), 0.0, 0, b, n_steps=eng.clip_steps(b))
    expected = ["transferred"]
    for k in range(1, 8):
        out_k = _onsets(t.clip, k)
        if _agree(out_k, _onsets(recon, k)) >= structure.STAYED:
            expected.append("stayed")
        elif _agree(out_k, _onsets(t.clip, 0)) >= structure.FOLLOWED:
            expected.append("followed")
        else:
            expected.append("changed")
    assert t.marks == expected
    words = {"transferred": "from A", "stayed": "kept", "changed": "changed", "followed": "follows 1"}
    assert [bars.grid.mark_text(k) for k in range(8)] == [words[m] for m in expected]
