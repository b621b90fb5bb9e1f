"""POP909 chords on the piano corpus's steps and the piano-over-chords codec (data/poly_chords.py,
data/poly_codec.py's PolyChordsCodec; issue 25's chord-conditioned piano model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latentcomposer.core import Clip, Note
from latentcomposer.core.chords import ChordEvent, ChordTrack, parse_chord
from latentcomposer.data.chord_melody_codec import CHORD_DIM, chord_condition
from latentcomposer.data.codecs import codec_for
from latentcomposer.data.poly import PAD, PITCH, empty_arrays
from latentcomposer.data.poly_chords import (
    MIN_CHORD_SHARE,
    PolyChords,
    build_poly_chords,
    chord_window_starts,
    transpose_with_chords,
)
from latentcomposer.data.poly_dataset import PolyCorpus, build_poly_corpus


@pytest.fixture(scope="module")
def corpus_and_chords(shared_data: Path) -> tuple[PolyCorpus, PolyChords]:
    corpus = build_poly_corpus(shared_data, chorales=False, max_songs=6)
    return corpus, build_poly_chords(corpus, shared_data)


def chord_tone_share(windows: np.ndarray, condition: np.ndarray) -> float:
    p = windows[..., PITCH].astype(np.int64)
    sel = (p < PAD) & (condition[..., 0] < 0.5)[..., None]
    tones = np.take_along_axis(np.broadcast_to(condition[..., None, 13:25], (*p.shape, 12)), (p % 12)[..., None],
                               -1)[..., 0]
    return float(tones[sel].mean())


def test_annotated_chords_fit_the_piano_notes(corpus_and_chords: tuple[PolyCorpus, PolyChords]) -> None:
    """chord_midi.txt follows the PIANO track: on the corpus's own step grid most piano onsets are chord
    tones (0.97 over the test split's 4,298 windows, measured 2026-11-30); a grid off by a beat or more
    would drop far below."""
    corpus, chords = corpus_and_chords
    assert len(chords.root) == len(corpus.arrays) and not chords.skipped
    starts, owners, dropped = chord_window_starts(corpus, chords, "train", 2)
    assert len(starts) > 100 and set(dropped) == {"near empty", "mostly no chord"}
    assert (chords.chord_share(starts, 32) >= MIN_CHORD_SHARE).all()
    w, cond = corpus.windows(starts, 32), chords.condition(starts, 32)
    assert cond.shape == (len(starts), 32, CHORD_DIM) and cond.dtype == np.float32
    share = chord_tone_share(w, cond)
    assert share >= 0.9
    inside = starts + 4 + 32 <= len(chords.root)
    shifted = chords.condition(starts[inside] + 4, 32)  # the chords a beat late
    assert chord_tone_share(w[inside], shifted) < share - 0.15  # measured on these songs: 0.99 vs 0.73


def test_notes_and_chords_transpose_together() -> None:
    w = np.stack([empty_arrays(16), empty_arrays(16)]).astype(np.int64)
    w[:, 0, 0] = (60, 4, 80)
    w[1, 0, 0, 0] = 103  # G near the top of the piano: +7 is clamped to +5
    c_major = chord_condition(ChordTrack((ChordEvent(0, 16, parse_chord("C")),)), 16)
    cond = np.stack([c_major, c_major])
    w2, cond2 = transpose_with_chords(w, cond, np.array([4, 7]))
    assert w2[0, 0, 0, 0] == 64 and w2[1, 0, 0, 0] == 108
    assert cond2[0, 0, 1 + 4] == 1 and cond2[1, 0, 1 + 5] == 1  # E, and F (the clamped shift)
    assert chord_tone_share(w2, cond2) == chord_tone_share(w, cond) == 1.0


def test_codec_reads_a_chord_lane_or_detects_chords() -> None:
    codec = codec_for("poly_chords")
    assert codec.condition_dim == CHORD_DIM and codec_for("poly").condition_dim == 0
    track = ChordTrack((ChordEvent(0, 16, parse_chord("Am")), ChordEvent(16, 32, parse_chord("F"))))
    assert np.array_equal(codec.condition_from_chords(track, 32), chord_condition(track, 32))
    notes = tuple(Note(start=b * 1920, pitch=p, end=b * 1920 + 1920, velocity=70)
                  for b, triad in enumerate([(60, 64, 67), (53, 57, 60)]) for p in triad)
    clip = Clip(notes=notes, name="piano")
    cond = codec.encode_condition(clip, 32)
    assert cond is not None and cond.shape == (32, CHORD_DIM)
    assert cond[0, 1 + 0] == 1 and cond[16, 1 + 5] == 1  # C, then F
    arrays, dropped, why = codec.clip_windows([clip], 2)
    assert arrays["tokens"].shape == (1, 32, 16, 3) and arrays["condition"].shape == (1, 32, CHORD_DIM) and not why


def test_augmenter_keeps_each_window_on_its_chords() -> None:
    codec = codec_for("poly_chords")
    w = np.stack([empty_arrays(16)] * 8).astype(np.int64)
    w[:, ::4, 0] = (64, 4, 80)  # E over C major
    cond = np.stack([chord_condition(ChordTrack((ChordEvent(0, 16, parse_chord("C")),)), 16)] * 8)
    aug = codec.augmenter({"tokens": w, "condition": cond}, {"transpose_range": 5, "encoder_transpose": 6})
    assert aug is not None
    out = aug({"tokens": w, "condition": cond}, np.arange(8), np.random.default_rng(0))
    assert set(out) == {"tokens", "condition", "enc_tokens", "enc_condition"}
    for t, c in (("tokens", "condition"), ("enc_tokens", "enc_condition")):
        assert chord_tone_share(out[t], out[c]) == 1.0
    assert not np.array_equal(out["tokens"], out["enc_tokens"])  # two independent shifts
