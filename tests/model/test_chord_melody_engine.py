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


def test_encoder_reads_the_chords_and_its_own_transposition(tmp_path: Path) -> None:
    """encoder_condition + encoder_transpose (mel_2bar_chords' recipe): the encoder reads the chords, and
    its copy of each window is moved by a shift of its own, so z cannot carry where the melody sits."""
    from dataclasses import replace

    from latentcomposer.data import melody

    named = get_config("tiny_mel_chords")
    parent_dir = tmp_path / "parent"
    parent = Trainer(named, torch.device("cpu"), out_dir=parent_dir, work_dir=tmp_path / "w0", log=lambda _: None)
    codec = ChordMelodyCodec()
    clips = [example_clip(n) for n in ("twinkle", "mary", "ode_to_joy", "jingle_bells")]
    parts = [codec.clip_windows([c], 2)[0] for c in clips]
    data = {k: np.concatenate([p[k] for p in parts]) for k in ("tokens", "condition")}
    parent.set_data(data, data)
    parent.train(max_steps=2)

    enc_named = replace(named, model=replace(named.model, encoder_condition=True),
                        train=replace(named.train, encoder_transpose=6))
    t = Trainer(enc_named, torch.device("cpu"), out_dir=tmp_path / "out", work_dir=tmp_path / "w1", log=lambda _: None)
    t.set_data(data, data)
    b = t.batch()
    assert b["enc_tokens"].shape == b["tokens"].shape and b["enc_condition"].shape == b["condition"].shape
    # the two copies are the same melody moved by two independent shifts: same rhythm, pitch offsets differ
    x, e = b["tokens"].numpy(), b["enc_tokens"].numpy()
    on = x < melody.NOTE_OFF
    assert ((e < melody.NOTE_OFF) == on).all()
    offsets = [set((e[i][on[i]] - x[i][on[i]]).tolist()) for i in range(len(x)) if on[i].any()]
    assert all(len(o) == 1 for o in offsets)  # one shift per window
    assert len({o.pop() for o in offsets}) > 1  # not all zero: the copies really differ
    # warm start from the decoder-only parent: the encoder's chord columns start at zero, so it encodes
    # exactly as the parent did whatever the chords
    t.init_from(parent_dir)
    xt, ct = b["tokens"], b["condition"].float()
    with torch.no_grad():
        mu_new = t.model.encode(xt, ct)[0]
        mu_other = t.model.encode(xt, torch.roll(ct, 1, -1))[0]
        mu_parent = parent.model.encode(xt, ct)[0]
    assert torch.allclose(mu_new, mu_other, atol=1e-6)  # the chords change nothing yet
    assert torch.allclose(mu_new, mu_parent, atol=2e-3)  # the parent's weights (exported as float16)
    assert t.train(max_steps=3).step == 3
    with torch.no_grad():  # after training the encoder does read the chords
        assert not torch.allclose(t.model.encode(xt, ct)[0], t.model.encode(xt, torch.roll(ct, 1, -1))[0])
    eng = Engine.load(tmp_path / "out", device="cpu", warmup=False)
    assert eng.cfg.encoder_condition
    res = eng.reconstruct(clips[0])
    assert res.clips and res.clips[0].notes
