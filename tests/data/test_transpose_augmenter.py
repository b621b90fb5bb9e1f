"""The piano and trio codecs' training augmentation (codec_base.transpose_augmenter): each window moved
by its own random semitones in [-r, r], the same draws as before the two codecs shared it."""

from __future__ import annotations

import numpy as np

from latentcomposer.data import poly, trio
from latentcomposer.data.codecs import codec_for
from latentcomposer.data.poly import StepNote, steps_to_arrays


def test_piano_and_trio_windows_move_by_the_seeded_draws() -> None:
    arrays, _ = steps_to_arrays([StepNote(60, 0, 4), StepNote(67, 4, 2)], 16)
    windows = np.stack([arrays] * 4).astype(np.int64)
    idx = np.arange(4)
    for representation, move in (("poly", poly.transpose_batch), ("trio", trio.transpose_windows)):
        codec = codec_for(representation)
        assert codec.augmenter({"tokens": windows}, {"transpose_range": 0}) is None
        augment = codec.augmenter({"tokens": windows}, {"transpose_range": 3})
        assert augment is not None
        out = augment({"tokens": windows, "other": idx}, idx, np.random.default_rng(7))
        expected = move(windows, np.random.default_rng(7).integers(-3, 4, len(idx)))
        assert np.array_equal(out["tokens"], expected) and out["other"] is idx
