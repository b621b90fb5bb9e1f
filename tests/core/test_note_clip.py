from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from latentcomposer.core import Clip, CoreError, Note, StepNote, TimeSignature
from latentcomposer.core.examples import NAMES, example_clip


def test_note_validates_itself() -> None:
    Note(0, 60, 10, 100)
    for bad in [dict(start=0, pitch=128, end=1), dict(start=0, pitch=-1, end=1),
                dict(start=0, pitch=60, end=1, velocity=0), dict(start=0, pitch=60, end=1, velocity=128),
                dict(start=5, pitch=60, end=5), dict(start=-1, pitch=60, end=3),
                dict(start=0.5, pitch=60, end=3)]:
        with pytest.raises(CoreError):
            Note(**bad)  # type: ignore[arg-type]


def test_time_signature_validates() -> None:
    assert TimeSignature(6, 8).quarters_per_bar() == 3.0
    with pytest.raises(CoreError):
        TimeSignature(4, 3)
    with pytest.raises(CoreError):
        TimeSignature(0, 4)


def test_clip_sorts_and_compares() -> None:
    a = Clip(notes=(Note(10, 62, 20), Note(0, 60, 10)))
    b = Clip(notes=(Note(0, 60, 10), Note(10, 62, 20)))
    assert a == b
    assert a.notes[0].start == 0
    c = a.copy(name="other")
    assert c != a and c.notes == a.notes


def test_quantize_to_sixteenths_and_back() -> None:
    ppq = 480  # a 16th = 120 ticks
    clip = Clip(notes=(Note(10, 60, 230), Note(250, 62, 299), Note(470, 64, 480)), ppq=ppq)
    steps = clip.to_steps(4)
    assert steps == [StepNote(60, 0, 2, 100), StepNote(62, 2, 3, 100), StepNote(64, 4, 5, 100)]
    q = clip.quantize()
    assert [(n.start, n.end) for n in q.notes] == [(0, 240), (240, 360), (480, 600)]
    assert Clip.from_steps(q.to_steps(), template=q) == q


def test_transpose_and_range_check() -> None:
    clip = example_clip("twinkle")
    up = clip.transpose(12)
    assert [n.pitch - 12 for n in up.notes] == [n.pitch for n in clip.notes]
    with pytest.raises(CoreError):
        clip.transpose(100)


def test_slice_bars_cuts_at_edges() -> None:
    bar = 4 * 480
    clip = Clip(notes=(Note(0, 60, bar + 240), Note(bar + 480, 62, 2 * bar + 10)))
    s = clip.slice_bars(1, 2)
    assert s.length == bar
    assert [(n.start, n.pitch, n.end) for n in s.notes] == [(0, 60, 240), (480, 62, bar)]
    assert clip.slice_bars(3, 4).notes == ()


def test_bar_ticks_follow_time_signature() -> None:
    assert Clip(ppq=96, time_signature=TimeSignature(3, 4)).bar_ticks == 288
    assert Clip(ppq=96, time_signature=TimeSignature(6, 8)).bar_ticks == 288


def test_monophonic_rules() -> None:
    chord_then_line = Clip(notes=(
        Note(0, 60, 100), Note(0, 64, 100), Note(0, 67, 100),  # chord: 67 wins
        Note(50, 55, 150),  # lower note under a held higher one
        Note(120, 72, 200), Note(150, 70, 260),
    ))
    hi = chord_then_line.monophonic("highest")
    assert [(n.start, n.pitch, n.end) for n in hi.notes] == [(0, 67, 100), (120, 72, 200)]
    last = chord_then_line.monophonic("last")
    assert [(n.start, n.pitch, n.end) for n in last.notes] == [
        (0, 67, 50), (50, 55, 120), (120, 72, 150), (150, 70, 260)]
    assert hi.is_monophonic() and last.is_monophonic()
    with pytest.raises(CoreError):
        chord_then_line.monophonic("lowest")  # type: ignore[arg-type]


notes_st = st.builds(
    lambda s, d, p, v: Note(s, p, s + d, v),
    st.integers(0, 10_000), st.integers(1, 2000), st.integers(0, 127), st.integers(1, 127))


@given(st.lists(notes_st, max_size=40))
def test_monophonic_is_monophonic_and_keeps_onsets(notes: list[Note]) -> None:
    clip = Clip(notes=tuple(notes))
    for rule in ("highest", "last"):
        mono = clip.monophonic(rule)  # type: ignore[arg-type]
        assert mono.is_monophonic()
        assert {n.start for n in mono.notes} <= {n.start for n in notes}
    # "last" keeps one note for every distinct onset time
    assert len(clip.monophonic("last").notes) == len({n.start for n in notes})


@given(st.lists(notes_st, max_size=30))
def test_quantize_is_idempotent(notes: list[Note]) -> None:
    q = Clip(notes=tuple(notes)).quantize()
    assert q.quantize() == q
    assert all(n.start % 120 == 0 and n.end % 120 == 0 for n in q.notes)


def test_examples_are_monophonic_8_bar_melodies() -> None:
    for name in NAMES:
        clip = example_clip(name)
        assert clip.n_bars == 8 and clip.is_monophonic() and len(clip.notes) > 20


def test_core_imports_neither_torch_nor_qt() -> None:
    code = ("import sys, latentcomposer.core, latentcomposer.core.examples; "
            "bad = [m for m in ('torch', 'PySide6', 'mido', 'music21') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
