"""The chord-relative melody (representation ``melody_chords_rel``): the model reads and writes every
note as an interval above its chord's root, the chord's tones relative to that root. The conversion is
exact both ways, the engine hands absolute pitches in and out, the trainer and the evaluation feed the
model the relative form, and the same code over chords moved by a fifth plays the melody moved by it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcomposer.core import ChordTrack
from latentcomposer.core.examples import example_clip
from latentcomposer.data import melody
from latentcomposer.data.chord_melody_codec import (
    ChordRelativeMelodyCodec,
    absolute_tokens,
    arrays_condition,
    condition_roots,
    condition_windows,
    relative_condition,
    relative_tokens,
    transpose_condition,
)
from latentcomposer.data.codecs import codec_for, model_arrays
from latentcomposer.model.checkpoint import build_model, save_model
from latentcomposer.model.config import get_config
from latentcomposer.model.engine import Engine
from latentcomposer.model.evaluate import evaluate_windows
from latentcomposer.model.train import Trainer

CLIPS = ("twinkle", "mary", "ode_to_joy", "jingle_bells")


def _random_condition(rng: np.random.Generator, n: int, t: int) -> np.ndarray:
    root = rng.integers(-1, 12, (n, t)).astype(np.int8)
    pcs = np.where(root >= 0, (1 << root.clip(0)) | (1 << ((root.clip(0) + 4) % 12)) | (1 << ((root.clip(0) + 7) % 12)),
                   0).astype(np.uint16)
    return arrays_condition(root, pcs, root)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_the_conversion_is_exact_both_ways(seed: int) -> None:
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, melody.VOCAB, (3, 32))
    tokens = np.where(tokens < melody.NOTE_OFF, rng.integers(24, 100, tokens.shape), tokens)  # a melody's range
    cond = _random_condition(rng, 3, 32)
    rel = relative_tokens(tokens, cond)
    assert np.array_equal(absolute_tokens(rel, cond), tokens)
    assert np.array_equal(rel >= melody.NOTE_OFF, tokens >= melody.NOTE_OFF)  # holds and rests untouched
    # moving melody and chords together by any shift leaves the pitch classes of notes over chords
    # unchanged (a note over no chord keeps its own pitch)
    shift = int(rng.integers(-5, 6))
    moved = np.where(tokens < melody.NOTE_OFF, tokens + shift, tokens)
    rel2 = relative_tokens(moved, transpose_condition(cond, shift))
    notes = (tokens < melody.NOTE_OFF) & (cond[..., 0] < 0.5)
    assert np.array_equal(rel2[notes] % 12, rel[notes] % 12)
    assert np.array_equal(relative_condition(transpose_condition(cond, shift)), relative_condition(cond))


def test_the_relative_condition_reads_the_chord_from_its_root() -> None:
    cond = condition_windows(ChordTrack.from_symbols("C Am F G7"), 64, 64)[0]
    assert condition_roots(cond)[::16].tolist() == [0, 9, 5, 7]
    rel = relative_condition(cond)
    tones = rel[::16, 13:25]
    major, minor = {0, 4, 7}, {0, 3, 7}
    assert set(np.flatnonzero(tones[0])) == major and set(np.flatnonzero(tones[2])) == major
    assert set(np.flatnonzero(tones[1])) == minor
    assert set(np.flatnonzero(tones[3])) == {0, 4, 7, 10}
    # the root as the interval above the window's first root: C Am F G7 -> 0, 9, 5, 7; the same
    # progression in D reads the same
    assert rel[::16, 1:13].argmax(-1).tolist() == [0, 9, 5, 7]
    assert np.array_equal(relative_condition(transpose_condition(cond[None], 2))[0], rel)


@pytest.fixture(scope="module")
def rel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = get_config("tiny_mel_chords_rel").model
    assert cfg.representation == "melody_chords_rel"
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    folder = tmp_path_factory.mktemp("models") / "tiny_mel_chords_rel"
    save_model(model, cfg, folder, meta={"note": "tiny chord-relative test model"})
    return folder


def test_the_same_code_over_chords_a_fifth_up_plays_the_melody_a_fifth_up(rel_dir: Path) -> None:
    eng = Engine.load(rel_dir, device="cpu", warmup=False, decoding="greedy")
    assert isinstance(eng.codec, ChordRelativeMelodyCodec)
    clip = example_clip("twinkle")
    n = eng.clip_steps(clip)
    over = ChordTrack.from_symbols("C C F C F C G C")
    cond = condition_windows(over, n, eng.cfg.n_steps)
    mu = eng.encode(clip, condition=cond).mu
    toks = eng.decode_tokens(mu, condition=cond)
    up = eng.decode_tokens(mu, condition=transpose_condition(cond, 7))
    notes = toks < melody.NOTE_OFF - 12  # (a random model writes any pitch: the top ones clip at 127)
    assert notes.any() and np.array_equal(up >= melody.NOTE_OFF, toks >= melody.NOTE_OFF)
    assert set(((up - toks) % 12)[notes].tolist()) == {7}  # (an octave apart where a root wraps: F -> C)
    # the clip round trip hands back absolute pitches
    rec = eng.decode(mu, template=clip, join=True, n_steps=n, condition=cond)[0]
    assert rec.notes and all(0 <= x.pitch < 128 for x in rec.notes)


def test_training_and_evaluation_feed_the_model_the_relative_form(tmp_path: Path) -> None:
    codec = codec_for("melody_chords_rel")
    parts = [codec.clip_windows([example_clip(n)], 2)[0] for n in CLIPS]
    data = {k: np.concatenate([p[k] for p in parts]) for k in ("tokens", "condition")}
    t = Trainer(get_config("tiny_mel_chords_rel"), torch.device("cpu"), out_dir=tmp_path / "out",
                work_dir=tmp_path / "work", log=lambda _: None)
    t.set_data(data, data)
    b = t.batch()
    roots = condition_roots(b["condition"].numpy())
    x = b["tokens"].numpy()
    # the batch is relative: every chord's tones start at its root (bit 0), whatever the root
    has = b["condition"].numpy()[..., 0] < 0.5
    assert has.any() and (roots[has] > 0).any()  # root motion within windows (F, G after C ...)
    assert (b["condition"].numpy()[..., 13][has] == 1).all()
    assert x.shape[1] == 32
    assert t.train(max_steps=3).step == 3
    conv = model_arrays(codec, data)
    res_rel = evaluate_windows(t.model, data["tokens"], aux={"condition": data["condition"]})
    t.model.eval()
    with torch.no_grad():  # evaluate_windows converts: its KL is the one of the converted windows
        mu, sigma = t.model.encode(torch.as_tensor(conv["tokens"]).long(), torch.as_tensor(conv["condition"]))
    from latentcomposer.model.vae import kl_divergence

    assert res_rel.kl == pytest.approx(float(kl_divergence(mu, sigma).sum()) / len(mu), rel=1e-4)


def test_priors_and_attribute_vectors_encode_each_window_over_its_own_chords(rel_dir: Path) -> None:
    """The fitted prior, the kernel prior and the attribute vectors are fitted to the posteriors of
    training windows: a chord-conditioned model's windows are encoded over their own chords (over no
    chord, the chord-relative model would read every melody as if it were over C)."""
    from latentcomposer.model.attributes import encode_posteriors, evaluate_attributes

    eng = Engine.load(rel_dir, device="cpu", warmup=False, decoding="greedy")
    parts = [eng.codec.clip_windows([example_clip(n)], 2)[0] for n in CLIPS]
    data = {k: np.concatenate([p[k] for p in parts]) for k in ("tokens", "condition")}
    data["condition"] = transpose_condition(data["condition"], 5)  # chords not rooted on C
    mu, sigma = encode_posteriors(eng, data["tokens"], batch=3, condition=data["condition"])
    ref_mu, ref_sigma = eng.encode_tokens(data["tokens"], data["condition"])
    assert np.allclose(mu, ref_mu.numpy(), atol=1e-6) and np.allclose(sigma, ref_sigma.numpy(), atol=1e-6)
    assert not np.allclose(mu, encode_posteriors(eng, data["tokens"])[0], atol=1e-4)
    from latentcomposer.model.attributes import compute_attributes, save_attributes
    from latentcomposer.model.engine_types import load_attributes

    result = compute_attributes(eng, data["tokens"], n_components=2, n_reference=4, prior_components=1,
                                prior_rank=2, condition=data["condition"])
    assert np.allclose(result["pca_mean"], mu.mean(0), atol=1e-5)
    folder = rel_dir.parent / "with_attributes"
    if not folder.exists():
        import shutil

        shutil.copytree(rel_dir, folder)
    save_attributes(folder, result, eng.codec.attributes(), {"train_windows": len(mu)})
    eng2 = Engine.load(folder, device="cpu", warmup=False, decoding="greedy")
    assert load_attributes(folder) is not None
    report = evaluate_attributes(eng2, data["tokens"][:2], np.array([-1.0, 0.0, 1.0]), condition=data["condition"][:2])
    assert set(report) == set(eng2.attributes.names)


def test_the_parallel_mode_swaps_thirds_in_chords_and_melody() -> None:
    from latentcomposer.data.chord_melody_codec import condition_chords, flip_quality

    cond = condition_windows(ChordTrack.from_symbols("C Am Csus4 C/E"), 64, 64)
    toks = np.full((1, 64), melody.NO_EVENT, np.int64)
    toks[0, [0, 4, 8, 16, 20, 32, 48]] = [64, 67, 60, 72, 69, 65, 64]  # E G C | C A | F | E
    got, flipped = flip_quality(toks, cond)
    assert got[0, [0, 4, 8, 16, 20, 32, 48]].tolist() == [63, 67, 60, 73, 69, 65, 63]  # Eb | C# | F kept | Eb
    chords = [str(c) for c in condition_chords(flipped[0])[::16]]
    assert chords == ["Cm", "A", "Csus4", "Cm/Eb"]
    again, back = flip_quality(got, flipped)
    assert np.array_equal(again, toks) and np.array_equal(back, cond)  # its own inverse


def test_quality_flip_trains_the_decoder_on_the_parallel_mode(tmp_path: Path) -> None:
    from dataclasses import replace

    named = get_config("tiny_mel_chords_rel")
    named = replace(named, train=replace(named.train, quality_flip=1.0, transpose_range=0))
    codec = codec_for("melody_chords_rel")
    parts = [codec.clip_windows([example_clip(n)], 2)[0] for n in CLIPS]
    data = {k: np.concatenate([p[k] for p in parts]) for k in ("tokens", "condition")}
    t = Trainer(named, torch.device("cpu"), out_dir=tmp_path / "out", work_dir=tmp_path / "work", log=lambda _: None)
    t.set_data(data, data)
    b = t.batch()
    assert "enc_tokens" in b and not torch.equal(b["enc_condition"], b["condition"])
    assert t.train(max_steps=2).step == 2


def test_a_condition_of_the_wrong_shape_is_a_clear_message(rel_dir: Path) -> None:
    from latentcomposer.model.engine import EngineError

    eng = Engine.load(rel_dir, device="cpu", warmup=False)
    z = np.zeros((1, eng.cfg.z_dim), np.float32)
    with pytest.raises(EngineError, match="expects"):
        eng.decode_tokens(z, condition=np.zeros((32, 5), np.float32))
    with pytest.raises(EngineError, match="expects"):
        eng.encode_tokens(np.zeros((1, 32), np.int64), np.zeros((32, 5), np.float32))
