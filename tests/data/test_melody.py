from __future__ import annotations

from pathlib import Path

import numpy as np

from latentcomposer.core import Clip, Note, StepNote
from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.data.corpora import SkipCounter, read_pop909_song
from latentcomposer.data.melody import (
    NO_EVENT,
    NOTE_OFF,
    clip_to_tokens,
    sounding_ratio,
    steps_to_tokens,
    tokens_to_clip,
    tokens_to_steps,
    transpose_tokens,
)
from latentcomposer.data.midi_windows import choose_melody, windows_from_tokens
from latentcomposer.io.midifile import read_midi


def test_tokens_round_trip_examples() -> None:
    for name in NAMES:
        clip = example_clip(name)
        tokens = clip_to_tokens(clip)
        assert len(tokens) == 128
        back = tokens_to_clip(tokens, template=clip, velocity=90)
        assert back.notes == clip.notes


def test_note_off_and_rests() -> None:
    steps = [StepNote(60, 0, 2), StepNote(62, 4, 8)]
    t = steps_to_tokens(steps, 16)
    assert t[0] == 60 and t[2] == NOTE_OFF and t[4] == 62 and t[8] == NOTE_OFF
    assert (t[[1, 3, 5, 9, 15]] == NO_EVENT).all()
    assert tokens_to_steps(t) == [StepNote(60, 0, 2, 100), StepNote(62, 4, 8, 100)]
    assert sounding_ratio(t)[0] == 6 / 16


def test_polyphony_reduced_to_highest() -> None:
    clip = Clip(notes=(Note(0, 60, 480), Note(0, 64, 480), Note(0, 67, 240)))
    t = clip_to_tokens(clip)
    assert t[0] == 67 and t[2] == NOTE_OFF  # the chord's top note wins and ends where it ends


def test_transpose_tokens_only_moves_notes() -> None:
    t = np.array([[60, NO_EVENT, NOTE_OFF, 62]], dtype=np.uint8)
    assert transpose_tokens(t, np.array([3])).tolist() == [[63, NO_EVENT, NOTE_OFF, 65]]


def test_pop909_melody_round_trip(pop909_files: list[Path]) -> None:
    """A real melody: the tokens hold every note on the grid (clip -> tokens -> clip)."""
    for f in pop909_files[:3]:
        melody, how = choose_melody(read_midi(f))
        assert "MELODY" in how
        q = melody.quantize()
        tokens = clip_to_tokens(q)
        back = tokens_to_clip(tokens, template=q)
        # on the grid the melody is monophonic; notes cut by the next onset keep their onset and pitch
        assert [(n.start, n.pitch) for n in back.notes] == [(n.start, n.pitch) for n in q.monophonic("last").notes]
        sk = SkipCounter()
        tune = read_pop909_song(f.parent, sk)
        assert tune is not None and len(tune.tokens) % 16 == 0 and not sk.total()
        wins, _ = windows_from_tokens(tune.tokens, 2)
        assert wins.shape[1] == 32 and len(wins) > 10
