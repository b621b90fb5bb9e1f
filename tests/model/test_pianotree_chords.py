"""The chord-conditioned piano model (issue 25, poly_2bar_chords; tiny_poly_chords here): the bar decoder
reads the chord of every step, NumPy and torch decode the same notes, a warm start from the
unconditioned parent decodes exactly as the parent, training is deterministic and resumes, and the
engine decodes it over a chord lane."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.core.chords import ChordEvent, ChordTrack, parse_chord
from latentcomposer.data.chord_melody_codec import CHORD_DIM, chord_condition
from latentcomposer.data.poly import PAD
from latentcomposer.data.poly_chords import PolyChords, build_poly_chords
from latentcomposer.data.poly_dataset import PolyCorpus, build_poly_corpus
from latentcomposer.model.engine import Engine
from latentcomposer.model.pianotree import (
    PianoTreeVAE,
    PolyConfig,
    PolyRuntime,
    load_poly_model,
    save_poly_model,
)
from latentcomposer.model.poly_train import PolyTrainer, eval_model, get_poly_config
from tests.helpers_models import make_tiny_poly_chords_model

NAME = "tiny_poly_chords"


from tests.model.test_pianotree import one_thread  # noqa: E402,F401  (autouse: tiny models on one thread)


def progression(symbols: str, bars: int) -> ChordTrack:
    names = symbols.split()
    return ChordTrack(tuple(ChordEvent(b * 16, b * 16 + 16, parse_chord(names[b % len(names)])) for b in range(bars)))


def random_conditions(n: int, steps: int, seed: int) -> torch.Tensor:
    """n progressions of random triads, one chord per bar, as conditions [n, steps, 37]."""
    rng = np.random.default_rng(seed)
    roots = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    return torch.as_tensor(np.stack([chord_condition(progression(
        " ".join(roots[int(r)] + ("m" if rng.random() < 0.5 else "") for r in rng.integers(0, 12, steps // 16)),
        steps // 16), steps) for _ in range(n)]))


def leaning_model(seed: int = 0) -> PianoTreeVAE:
    """A random conditioned model whose chord columns weigh, and whose steps hold several notes."""
    torch.manual_seed(seed)
    m = PianoTreeVAE(get_poly_config(NAME).model).eval()
    with torch.no_grad():
        m.decoder.time_rnn.weight_ih_l0[:, -CHORD_DIM:] *= 20.0
        m.decoder.pitch_out.bias[PAD] -= 2.0
        m.decoder.pitch_out.weight.mul_(3.0)
    return m


def test_unconditioned_configs_read_and_write_as_before() -> None:
    for name in ("poly_2bar", "poly_8bar"):
        doc = json.loads((Path("models") / name / "config.json").read_text())["model"]
        assert "condition_dim" not in doc
        cfg = PolyConfig.from_dict(doc)
        assert cfg.condition_dim == 0 and cfg.to_dict() == doc
    cfg = get_poly_config("poly_2bar_chords").model
    base = get_poly_config("poly_2bar").model
    assert cfg.condition_dim == CHORD_DIM and cfg.representation == "poly_chords"
    assert dataclasses.replace(cfg, name=base.name, representation="poly", condition_dim=0) == base
    assert get_poly_config("poly_2bar_chords").train.encoder_transpose > 0


def test_greedy_numpy_decode_equals_torch_over_chords() -> None:
    m = leaning_model()
    z = torch.randn(4, m.cfg.z_dim, generator=torch.Generator().manual_seed(1)) * 2
    cond = random_conditions(4, m.cfg.n_steps, 2)
    want = m.decode(z, condition=cond)
    assert (want[..., 0] < PAD).sum(-1).max() >= 3  # steps of several notes
    got, _ = PolyRuntime(m).decode_full(z, condition=cond)
    assert torch.equal(got, want)
    other = random_conditions(4, m.cfg.n_steps, 3)
    moved, _ = PolyRuntime(m).decode_full(z, condition=other)
    assert torch.equal(moved, m.decode(z, condition=other)) and not torch.equal(moved, want)  # the chords steer
    # no condition given: zeros, on both paths
    assert torch.equal(PolyRuntime(m).decode_full(z)[0], m.decode(z, condition=torch.zeros_like(cond)))


def test_the_teacher_forced_loss_reads_the_chords() -> None:
    m = leaning_model()
    z = torch.randn(2, m.cfg.z_dim, generator=torch.Generator().manual_seed(4))
    cond = random_conditions(2, m.cfg.n_steps, 5)
    x = m.decode(z, condition=cond)
    same = m.reconstruction(z, x, cond)["pitch"]
    other = m.reconstruction(z, x, random_conditions(2, m.cfg.n_steps, 6))["pitch"]
    assert (same < other).all()  # its own greedy notes are likelier over the chords they were decoded over


def test_warm_start_from_the_unconditioned_parent_decodes_as_the_parent(tmp_path: Path) -> None:
    named = get_poly_config(NAME)
    parent_cfg = dataclasses.replace(named.model, name="tiny_poly_parent", representation="poly", condition_dim=0)
    torch.manual_seed(3)
    parent = PianoTreeVAE(parent_cfg).eval()
    with torch.no_grad():
        parent.decoder.pitch_out.bias[PAD] -= 1.0
    torch.save({"model": parent.state_dict()}, tmp_path / "parent.pt")
    save_poly_model(parent, tmp_path / "parent", dtype=torch.float32)
    for source in (tmp_path / "parent.pt", tmp_path / "parent"):
        child = PolyTrainer(named, out_dir=tmp_path / "o", work_dir=tmp_path / "w", log=lambda *_: None)
        copied = child.init_from(source)
        own = child.model.state_dict()
        assert set(copied) == set(own)  # every tensor, the time GRU's input weights widened
        w = own["decoder.time_rnn.weight_ih_l0"]
        assert (w[:, -CHORD_DIM:] == 0).all()
        assert torch.equal(w[:, :-CHORD_DIM], parent.state_dict()["decoder.time_rnn.weight_ih_l0"])
        model = child.model.eval()
        z = torch.randn(3, parent_cfg.z_dim, generator=torch.Generator().manual_seed(7)) * 2
        cond = random_conditions(3, parent_cfg.n_steps, 8)
        want = parent.decode(z)
        assert (want[..., 0] < PAD).any()
        assert torch.equal(model.decode(z, condition=cond), want)
        assert torch.equal(PolyRuntime(model).decode_full(z, condition=cond)[0], want)


@pytest.fixture(scope="module")
def corpus(shared_data: Path) -> tuple[PolyCorpus, PolyChords]:
    c = build_poly_corpus(shared_data, chorales=False, max_songs=6)
    splits = list(c.splits)
    splits[1], splits[2] = "valid", "test"  # the first songs are all training songs: lend two to the others
    c = dataclasses.replace(c, splits=splits)
    return c, build_poly_chords(c, shared_data)


def test_training_is_deterministic_resumes_and_exports(corpus: tuple[PolyCorpus, PolyChords], tmp_path: Path) -> None:
    c, chords = corpus
    named = get_poly_config(NAME)
    trainers = []
    for run in ("a", "b"):
        tr = PolyTrainer(named, out_dir=tmp_path / f"out_{run}", work_dir=tmp_path / f"work_{run}", log=lambda *_: None)
        tr.set_corpus(c, chords)
        trainers.append(tr)
    b = trainers[0].batch()
    assert isinstance(b, dict) and set(b) == {"x", "condition", "enc_x"}
    assert b["condition"].shape == (*b["x"].shape[:2], CHORD_DIM)
    assert not torch.equal(b["x"], b["enc_x"])  # the encoder's copy is moved by its own shift
    assert torch.equal((b["x"][..., 0] < PAD), (b["enc_x"][..., 0] < PAD))  # ... the same notes
    trainers[0].rng = np.random.default_rng(named.train.seed)  # undo the look
    for tr in trainers:
        torch.manual_seed(11)  # the Transformer's dropout draws from the global generator
        tr.train(max_steps=3)
    sa, sb = trainers[0].model.state_dict(), trainers[1].model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    tr2 = PolyTrainer(named, out_dir=tmp_path / "out_a", work_dir=tmp_path / "work_a", log=lambda *_: None)
    tr2.set_corpus(c, chords)
    assert tr2.load_checkpoint() and tr2.state.step == 3
    assert all(torch.equal(v, tr2.model.state_dict()[k]) for k, v in sa.items())
    n1, n2 = trainers[0].batch(), tr2.batch()
    assert isinstance(n1, dict) and isinstance(n2, dict) and all(torch.equal(n1[k], n2[k]) for k in n1)
    model, cfg, meta = load_poly_model(tmp_path / "out_a")
    assert cfg.condition_dim == CHORD_DIM and meta["train_config"]["encoder_transpose"] == 6
    assert "Chord condition" in (tmp_path / "out_a" / "MODEL_CARD.md").read_text()
    res = eval_model(tmp_path / "out_a", limit=8, corpus=c, log=lambda *_: None, chords=chords)
    assert set(res) == {"pop909"} and 0.0 <= res["pop909"]["f1"] <= 1.0 and res["pop909"]["windows"] == 8


def test_the_engine_decodes_over_a_chord_lane(tmp_path: Path) -> None:
    folder = make_tiny_poly_chords_model(tmp_path / NAME)
    eng = Engine.load(folder, device="cpu", warmup=False)
    assert eng.condition_dim == CHORD_DIM and eng.codec.name == "poly_chords"
    lane_a, lane_b = progression("C Am F G", 4), progression("F# D#m B C#", 4)
    cond_a, cond_b = eng.chords_condition(lane_a, 64), eng.chords_condition(lane_b, 64)
    assert cond_a is not None and cond_b is not None and cond_a.shape == (2, 32, CHORD_DIM)
    z = eng.sample_z(2, seed=1, prior="standard").numpy()
    a = eng.decode(z, join=True, condition=cond_a)[0]
    b = eng.decode(z, join=True, condition=cond_b)[0]
    assert a.notes and b.notes and a.notes != b.notes  # the same z over another progression
    assert eng.decode(z, join=True, condition=cond_a)[0].notes == a.notes
    # the engine's torch loop gives the NumPy decoder's notes
    want = eng.model.decode(torch.as_tensor(z), condition=torch.as_tensor(cond_a))
    assert np.array_equal(eng.decode_tokens(z, condition=cond_a), want.numpy())
    # a clip without a lane is encoded whole and decoded over its detected chords
    rec = eng.reconstruct(a)
    assert rec.z is not None and rec.z.shape == (2, eng.z_dim)
    s = eng.sample(2, temperature=0.8, seed=5, condition=cond_b[0])
    assert len(s.clips) == 2
