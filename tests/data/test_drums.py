from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from latentcomposer.core import Clip, Note
from latentcomposer.core.examples import example_drums
from latentcomposer.data.drums import (
    CLASS_TO_PITCH,
    PITCH_TO_CLASS,
    VELOCITY_BINS,
    bin_to_velocity,
    clip_to_drum_steps,
    drum_steps_to_clip,
    hits_to_tokens,
    read_groove,
    tokens_to_hits,
    velocity_to_bin,
)
from latentcomposer.io.midifile import read_midi


def test_every_gm_drum_note_maps_to_a_class() -> None:
    assert all(p in PITCH_TO_CLASS for p in range(35, 82))
    assert [PITCH_TO_CLASS[p] for p in CLASS_TO_PITCH] == list(range(9))


def test_tokens_and_hits_round_trip() -> None:
    hits = np.random.default_rng(0).random((64, 9)) < 0.3
    assert np.array_equal(tokens_to_hits(hits_to_tokens(hits)), hits)
    assert hits_to_tokens(np.ones((1, 9), bool))[0] == 511


def test_velocity_bins_cover_the_range() -> None:
    bins = velocity_to_bin(np.arange(1, 128))
    assert bins.min() == 0 and bins.max() == VELOCITY_BINS - 1 and (np.diff(bins) >= 0).all()
    assert (velocity_to_bin(bin_to_velocity(np.arange(VELOCITY_BINS))) == np.arange(VELOCITY_BINS)).all()


def test_microtiming_survives() -> None:
    # a snare 30 ticks late (a quarter of a 16th at ppq 480) and a kick 20 ticks early
    clip = Clip(notes=(Note(480 + 30, 38, 540, 100), Note(960 - 20, 36, 1000, 80)), is_drum=True)
    ds = clip_to_drum_steps(clip)
    assert ds.hits[4, 1] and ds.hits[8, 0]
    assert abs(ds.offset[4, 1] - 0.25) < 1e-6 and abs(ds.offset[8, 0] + 20 / 120) < 1e-6
    back = drum_steps_to_clip(ds, template=clip)
    assert sorted(n.start for n in back.notes) == [510, 940]


def test_real_gmd_files_round_trip(groove_files: list[Path]) -> None:
    """Every hit and its velocity bin survive clip -> steps -> clip -> steps on real GMD takes."""
    for f in random.Random(1).sample(groove_files, 6):
        clip = read_midi(f)[0]
        assert all(n.pitch in PITCH_TO_CLASS for n in clip.notes), f
        ds = clip_to_drum_steps(clip)
        back = clip_to_drum_steps(drum_steps_to_clip(ds, template=clip), n_steps=len(ds.hits))
        assert np.array_equal(back.hits, ds.hits), f
        assert np.array_equal(back.velocity, ds.velocity), f
        assert np.abs(back.offset - ds.offset).max() < 0.02, f


def test_groove_reader_uses_the_official_split(shared_data: Path) -> None:
    takes = read_groove(shared_data / "groove")
    splits = {t.split for t in takes}
    assert splits == {"train", "valid", "test"}
    assert len(takes) > 1000 and {t.beat_type for t in takes} == {"beat", "fill"}


def test_example_drums_fill() -> None:
    ds = clip_to_drum_steps(example_drums(4))
    assert ds.hits[:, 0].sum() == 7 and ds.hits[48:, 4:7].sum() == 8


def test_drum_windows_hop_by_beat_stays_inside_each_take(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from latentcomposer.data import drum_dataset

    # two takes of 3 and 2 bars, every step a kick with the step's absolute index as its velocity
    n = 5 * 16
    fake = {"tokens": np.ones(n, np.int16), "velocity": np.repeat(np.arange(n)[:, None] % 256, 9, 1).astype(np.uint8),
            "offset": np.zeros((n, 9), np.float16), "starts": np.array([0, 48, 80]), "splits": ["train", "train"]}
    monkeypatch.setattr(drum_dataset, "groove_takes_cached", lambda: fake)
    by_bar, _ = drum_dataset.drum_windows("train", 2)
    by_beat, _ = drum_dataset.drum_windows("train", 2, hop_steps=4)
    firsts = lambda w: sorted(int(v) for v in w["velocity"][:, 0, 0])  # noqa: E731
    assert firsts(by_bar) == [0, 16, 48]
    assert firsts(by_beat) == [0, 4, 8, 12, 16, 48]  # never across the boundary at step 48
    assert by_beat["tokens"].shape == (6, 32)
