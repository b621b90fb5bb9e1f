"""A tiny melody-over-chords model (representation ``melody_chords``) through the engine: the chords
come from a ChordTrack, or from the clip's notes when none is given; and through a few training steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.core import ChordTrack
from latentcomposer.core.examples import example_clip
from latentcomposer.data.chord_melody_codec import (
    CHORD_DIM,
    ChordMelodyCodec,
    chord_condition,
    condition_windows,
)
from latentcomposer.model.checkpoint import build_model, save_model
from latentcomposer.model.config import get_config
from latentcomposer.model.engine import Engine
from latentcomposer.model.train import Trainer


@pytest.fixture(scope="module")
def chords_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = get_config("tiny_mel_chords").model
    assert cfg.representation == "melody_chords" and cfg.condition_dim == CHORD_DIM
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    with torch.no_grad():  # make the chords matter in a random model
        model.decoder.rnn.weight_ih_l0[:, -CHORD_DIM:] *= 40.0
    folder = tmp_path_factory.mktemp("models") / "tiny_mel_chords"
    save_model(model, cfg, folder, meta={"note": "tiny chord-conditioned test model"})
    return folder


def test_encode_decode_over_a_chord_track(chords_dir: Path) -> None:
    eng = Engine.load(chords_dir, device="cpu", warmup=False, decoding="greedy")
    assert eng.condition_dim == CHORD_DIM and isinstance(eng.codec, ChordMelodyCodec)
    clip = example_clip("twinkle")  # 8 bars: 4 windows of 2 bars
    n = eng.clip_steps(clip)
    over = ChordTrack.from_symbols("C C F C F C G C")
    cond = condition_windows(over, n, eng.cfg.n_steps)
    assert cond.shape == (4, 32, CHORD_DIM)
    code = eng.encode(clip, condition=cond)
    rec = eng.decode(code.mu, template=clip, join=True, n_steps=n, condition=cond)[0]
    other = eng.decode(code.mu, template=clip, join=True, n_steps=n,
                       condition=condition_windows(over.transpose(6), n, eng.cfg.n_steps))[0]
    assert rec.notes and [x.pitch for x in rec.notes] != [x.pitch for x in other.notes]
    # a flat [steps, C] condition is cut into windows the same way
    flat = chord_condition(over, n)
    again = eng.decode(code.mu, template=clip, join=True, n_steps=n, condition=flat)[0]
    assert [x.pitch for x in again.notes] == [x.pitch for x in rec.notes]


def test_without_a_track_the_clip_gives_its_detected_chords(chords_dir: Path) -> None:
    eng = Engine.load(chords_dir, device="cpu", warmup=False, decoding="greedy")
    clip = example_clip("mary")
    cond = eng.clip_condition(clip)
    assert cond is not None and cond.shape[1:] == (32, CHORD_DIM)
    n = eng.clip_steps(clip)
    detected = eng.codec.encode_condition(clip, n)
    assert detected is not None
    assert np.array_equal(cond.reshape(-1, CHORD_DIM)[:n], detected)
    rec = eng.reconstruct(clip).clips[0]  # reads the clip's own (detected) chords
    same = eng.decode(eng.encode(clip).mu, template=clip, join=True, n_steps=n, condition=cond)[0]
    assert [x.pitch for x in rec.notes] == [x.pitch for x in same.notes]
    assert len(eng.sample(2, temperature=0.5, seed=1, condition=cond[0]).clips) == 2


def test_training_steps_read_the_condition(tmp_path: Path) -> None:
    t = Trainer(get_config("tiny_mel_chords"), torch.device("cpu"), out_dir=tmp_path / "out",
                work_dir=tmp_path / "work", log=lambda _: None)
    codec = ChordMelodyCodec()
    clips = [example_clip(n) for n in ("twinkle", "mary", "ode_to_joy", "jingle_bells")]
    parts = [codec.clip_windows([c], 2)[0] for c in clips]
    data = {k: np.concatenate([p[k] for p in parts]) for k in ("tokens", "condition")}
    t.set_data(data, data)
    b = t.batch()
    assert b["condition"].shape == (8, 32, CHORD_DIM)
    assert t.train(max_steps=3).step == 3
    assert (tmp_path / "out" / "config.json").exists()
