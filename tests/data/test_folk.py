"""The folk reader on small ABC tunes: repeats played out, pickups and short section ends kept on
the 16th-note grid (music21 parses the ABC; no corpus files needed)."""

from __future__ import annotations

import numpy as np
import pytest

from latentcomposer.data.corpora import SkipCounter, _score_to_tune
from latentcomposer.data.melody import NO_EVENT, NOTE_OFF

music21 = pytest.importorskip("music21")

# 2/4, eighth-note unit: pickup G, an A part of 3 full bars + a short bar (the pickup's complement),
# repeated, then a B part that starts on a full bar with no pickup.
ABC = """X:1
T:Repeat test
M:2/4
L:1/8
K:C
|: G | c2 e2 | g2 e2 | c2 d2 | e3 :| c2 c2 | d2 d2 | e4 |]
"""


def onsets(tokens: np.ndarray) -> list[tuple[int, int]]:
    return [(i, int(t)) for i, t in enumerate(tokens) if t not in (NOTE_OFF, NO_EVENT)]


def parse(text: str):
    return music21.converter.parse(text, format="abc")


def test_repeats_expanded_and_bars_stay_on_the_grid() -> None:
    sk = SkipCounter()
    tune = _score_to_tune(parse(ABC), "t#0", "test", sk)
    assert tune is not None
    got = onsets(tune.tokens)
    # the opening pickup gets a (2/4) bar of its own: G4 on its last eighth, the tune from step 8
    assert got[0] == (6, 67)
    got = [(s - 8, p) for s, p in got[1:]]
    c, d, e, g = 72, 74, 76, 79
    a_part = [(0, c), (4, e), (8, g), (12, e), (16, c), (20, d), (24, e)]
    # the A part twice (second time its pickup G sits at the end of the short bar, steps 30-31)
    assert got[:7] == a_part
    assert got[7] == (30, 67)  # the pickup G4
    assert got[8:15] == [(s + 32, p) for s, p in a_part]
    # the B part starts on the next bar line (step 64), not half a beat early
    assert got[15:] == [(64, c), (68, c), (72, d), (76, d), (80, e)]
    assert len(tune.tokens) % 16 == 0
    assert sk.total() == 0  # nothing skipped
    assert any("rests inserted" in k for k in sk.counts)  # the gap before B is counted as a caveat


def test_tune_without_repeats_is_unchanged_by_expansion() -> None:
    text = ABC.replace("|:", "|").replace(":|", "|")
    sk = SkipCounter()
    tune = _score_to_tune(parse(text), "t#0", "test", sk)
    assert tune is not None
    got = [(s - 8, p) for s, p in onsets(tune.tokens)[1:]]
    assert [p for _, p in got] == [72, 76, 79, 76, 72, 74, 76, 72, 72, 74, 74, 76]
    assert got[4:7] == [(16, 72), (20, 74), (24, 76)]
    assert got[7] == (32, 72)  # B on the bar line after the short bar
