from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcomposer.core import Clip, Note, StepNote
from latentcomposer.data.corpora import SkipCounter
from latentcomposer.data.poly import (
    DURATION,
    MAX_NOTES,
    PAD,
    PITCH,
    VELOCITY,
    arrays_to_clip,
    arrays_to_steps,
    bin_to_velocity,
    clip_to_arrays,
    reconstruction_metrics,
    steps_to_arrays,
    transpose,
    transpose_batch,
    velocity_to_bin,
    window_stats,
)
from latentcomposer.data.poly_dataset import (
    PolyCorpus,
    build_poly_corpus,
    chorale_files,
    read_chorale,
    read_pop909_piano,
)
from latentcomposer.io.midifile import read_midi


def assert_valid(arrays: np.ndarray) -> None:
    """Slots hold rising pitches, then PAD only; notes have durations 1..32 and velocities 1..127."""
    p = arrays[..., PITCH].astype(int)
    is_note = p < PAD
    assert (np.cumprod(is_note, -1) == is_note).all()  # no note after an empty slot
    rising = np.diff(np.where(is_note, p, 999), axis=-1)
    assert (rising[is_note[..., 1:]] > 0).all()
    assert ((arrays[..., DURATION] >= 1) & (arrays[..., DURATION] <= 32))[is_note].all()
    assert ((arrays[..., VELOCITY] >= 1) & (arrays[..., VELOCITY] <= 127))[is_note].all()
    assert (arrays[..., DURATION][~is_note] == 0).all() and (arrays[..., VELOCITY][~is_note] == 0).all()


def test_chord_round_trip_and_layout() -> None:
    clip = Clip(notes=(Note(0, 48, 480, 70), Note(0, 64, 240, 90), Note(0, 60, 480, 80), Note(240, 67, 960, 100)))
    arrays, warnings = clip_to_arrays(clip)
    assert arrays.shape == (16, MAX_NOTES, 3) and not warnings
    assert arrays[0, :3].tolist() == [[48, 4, 70], [60, 4, 80], [64, 2, 90]]
    assert arrays[0, 3, PITCH] == PAD and arrays[2, 0].tolist() == [67, 6, 100]
    assert (arrays[1, :, PITCH] == PAD).all()  # a silent step is all fill
    back = arrays_to_clip(arrays, template=clip)
    assert back.notes == clip.notes and back.length == 16 * 120
    assert all(n.velocity == 64 for n in arrays_to_clip(arrays, velocity=64).notes)


def test_reductions_are_warned_and_the_clip_is_untouched() -> None:
    notes = [Note(0, 30 + 2 * k, 240) for k in range(20)]  # 20 onsets on one step
    notes += [Note(960, 90, 1200), Note(1000, 90, 1400)]  # same pitch twice on one step (after snapping)
    notes += [Note(2400, 72, 2400 + 40 * 120)]  # 40 steps long
    notes += [Note(4800, 50, 6000), Note(5280, 50, 5760)]  # same pitch again while sounding
    clip = Clip(notes=tuple(notes))
    before = clip.notes
    arrays, warnings = clip_to_arrays(clip)
    text = " | ".join(warnings)
    for phrase in ("off the 16th-note grid", "same pitch on the same step", "shortened to 32",
                   "overlapped a later note", "more than 16 notes start"):
        assert phrase in text
    assert clip.notes == before
    kept = arrays[0, :, PITCH].tolist()
    assert kept == [30 + 2 * k for k in range(8)] + [30 + 2 * k for k in range(12, 20)]  # outer 8 + 8
    assert arrays[20, 0, DURATION] == 32
    assert arrays[40, 0, DURATION] == 4  # cut where 50 starts again
    assert_valid(arrays)


@st.composite
def grid_clips(draw: st.DrawFn) -> Clip:
    """Clips the grid holds exactly: distinct (step, pitch), durations 1..32, no same-pitch overlap."""
    n_steps = 16 * draw(st.integers(1, 3))
    notes: list[Note] = []
    busy: dict[int, int] = {}
    # distinct starts: a step repeated three times could hold more than the grid's 16 notes
    for start in sorted(draw(st.lists(st.integers(0, n_steps - 1), max_size=40, unique=True))):
        pitches = draw(st.lists(st.integers(21, 108), min_size=1, max_size=6, unique=True))
        for p in pitches:
            if busy.get(p, -1) > start:
                continue
            dur = draw(st.integers(1, 32))
            busy[p] = start + dur
            notes.append(Note(start * 120, p, (start + dur) * 120, draw(st.integers(1, 127))))
    return Clip(notes=tuple(notes), length=n_steps * 120)


@settings(max_examples=60, deadline=None)
@given(grid_clips())
def test_what_the_grid_holds_comes_back_exactly(clip: Clip) -> None:
    arrays, warnings = clip_to_arrays(clip)
    assert not warnings
    assert_valid(arrays)
    back = arrays_to_clip(arrays, template=clip)
    assert back.notes == clip.notes


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 127), st.integers(1, 6000), st.integers(1, 127)),
                max_size=80))
def test_any_clip_is_reduced_to_valid_arrays(raw: list[tuple[int, int, int, int]]) -> None:
    clip = Clip(notes=tuple(Note(s, p, s + d, v) for s, p, d, v in raw))
    arrays, _ = clip_to_arrays(clip)
    assert_valid(arrays)
    again, warnings = clip_to_arrays(arrays_to_clip(arrays, template=clip))
    assert not warnings and np.array_equal(again, arrays)  # reduced once, then stable


def test_transpose_keeps_notes_on_the_piano() -> None:
    arrays, _ = steps_to_arrays([StepNote(100, 0, 4), StepNote(40, 0, 2)], 16)
    up = transpose(arrays, 5)
    assert up[0, :2, PITCH].tolist() == [45, 105]
    assert transpose(arrays, 10)[0, :2, PITCH].tolist() == [48, 108]  # clamped to +8
    down = transpose(arrays, -5)
    assert down[0, :2, PITCH].tolist() == [35, 95]
    assert (transpose(arrays, 0) == arrays).all() and (up[1:] == arrays[1:]).all()
    batch = transpose_batch(np.stack([arrays, arrays]), np.array([3, -30]))
    assert batch[0, 0, :2, PITCH].tolist() == [43, 103] and batch[1, 0, :2, PITCH].tolist() == [21, 81]


def test_velocity_bins() -> None:
    v = np.arange(1, 128)
    b = velocity_to_bin(v)
    assert b.min() == 0 and b.max() == 15 and (np.diff(b) >= 0).all()
    assert (np.abs(bin_to_velocity(b) - v) <= 5).all()


def test_metrics() -> None:
    true, _ = steps_to_arrays([StepNote(60, 0, 4, 100), StepNote(64, 0, 2, 80), StepNote(67, 8, 12, 90)], 16)
    pred, _ = steps_to_arrays([StepNote(60, 0, 4, 90), StepNote(65, 0, 2, 80), StepNote(67, 8, 10, 90)], 16)
    m = reconstruction_metrics(true[None], pred[None])
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["duration_acc"] == 0.5 and m["velocity_mae"] == 5.0
    assert m["step_exact_nonempty"] == 0.5 and m["step_exact"] == 15 / 16
    assert reconstruction_metrics(true[None], true[None])["f1"] == 1.0
    s = window_stats(true[None])
    assert s["notes_per_onset"] == 1.5 and s["density"] == 3.0 and s["in_key"] == 1.0


def test_pop909_piano_round_trip(pop909_files: list[Path]) -> None:
    """Real POP909 accompaniments: the beat-grid arrays come back exactly through a Clip, and every
    note of the quantized track that the grid can hold is in them."""
    for f in pop909_files[:3]:
        sk = SkipCounter()
        song = read_pop909_piano(f.parent, sk)
        assert song is not None and not sk.total()
        a = song.arrays
        assert a.shape[0] % 16 == 0 and (a[..., PITCH] < PAD).sum() > 500
        assert_valid(a)
        clip = arrays_to_clip(a)
        again, warnings = clip_to_arrays(clip, n_steps=len(a))
        assert not warnings and np.array_equal(again, a)
        piano = next(c for c in read_midi(f) if c.name.upper() == "PIANO")
        assert (a[..., PITCH] < PAD).sum() <= len(piano.notes)


def test_one_chorale_round_trip() -> None:
    path = next(p for p in chorale_files() if p.stem == "bwv104.6")
    sk = SkipCounter()
    song = read_chorale(path, sk)
    assert song is not None and song.tune_id == "bach/bwv104.6"
    a = song.arrays
    assert_valid(a)
    per_step = (a[..., PITCH] < PAD).sum(-1)
    assert per_step.max() <= 4 and (per_step[per_step > 0] == 4).mean() > 0.3  # four voices
    clip = arrays_to_clip(a)
    again, warnings = clip_to_arrays(clip, n_steps=len(a))
    assert not warnings and np.array_equal(again, a)
    assert len(arrays_to_steps(a)) == len(clip.notes)


def test_corpus_windows(shared_data: Path) -> None:
    corpus = build_poly_corpus(shared_data, chorales=False, max_songs=4)
    assert len(corpus) == 4 and corpus.offsets[-1] == len(corpus.arrays)
    for split in ("train", "valid", "test"):
        starts, owner, _ = corpus.window_starts(split, 2)
        if len(starts):
            w = corpus.windows(starts, 32)
            assert w.shape == (len(starts), 32, MAX_NOTES, 3)
            assert ((w[..., PITCH] < PAD).sum((1, 2)) >= 4).all()
            assert all(corpus.splits[i] == split for i in owner)


def test_test_windows_are_bar_aligned_windows_of_test_songs_only() -> None:
    """A limited choice of test windows must be test-song windows starting on a bar line (it once
    returned the *positions* 0..limit as starts: windows off the grid, from the first songs of the
    corpus whatever their split)."""
    from latentcomposer.model.poly_train import test_windows

    n_songs, steps = 6, 4 * 16
    arrays = np.zeros((n_songs * steps, MAX_NOTES, 3), np.uint8)
    arrays[..., PITCH] = 128
    for i in range(n_songs):  # every step of song i holds pitch 40 + i (so windows are not near empty)
        arrays[i * steps:(i + 1) * steps, 0, PITCH] = 40 + i
        arrays[i * steps:(i + 1) * steps, 0, 1] = 1
    offsets = np.arange(0, (n_songs + 1) * steps, steps, dtype=np.int64)
    splits = ["train", "train", "test", "valid", "test", "train"]
    corpus = PolyCorpus(arrays, offsets, ["pop909"] * n_songs, [str(i) for i in range(n_songs)], splits, {})
    w = test_windows(corpus, 2, "pop909", limit=4)
    assert len(w) == 4
    assert set(np.unique(w[:, :, 0, PITCH])) <= {42, 44}  # songs 2 and 4 only
    starts, _, _ = corpus.window_starts("test", 2)
    assert all(any(np.array_equal(x, corpus.windows(np.array([s]), 32)[0]) for s in starts) for x in w)
