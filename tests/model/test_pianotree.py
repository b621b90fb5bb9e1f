from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.data.corpora import SkipCounter
from latentcomposer.data.poly import DURATION, MAX_NOTES, PAD, PITCH, VELOCITY, arrays_to_clip
from latentcomposer.data.poly_dataset import build_poly_corpus, read_pop909_piano
from latentcomposer.model.pianotree import (
    PianoTreeVAE,
    PolyConfig,
    PolyConfigError,
    is_poly_model_dir,
    load_poly_model,
    save_poly_model,
)
from latentcomposer.model.poly_train import PolyTrainer, eval_model, get_poly_config, write_model_card


def check_arrays(a: np.ndarray) -> None:
    p = a[..., PITCH]
    is_note = p < PAD
    assert (np.cumprod(is_note, -1) == is_note).all()
    rising = np.diff(np.where(is_note, p, 999), axis=-1)
    assert (rising[is_note[..., 1:]] > 0).all()
    assert ((a[..., DURATION] >= 1) & (a[..., DURATION] <= 32))[is_note].all()
    assert ((a[..., VELOCITY] >= 1) & (a[..., VELOCITY] <= 127))[is_note].all()


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """Tiny models run faster on one thread (and the machine may be busy)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def real_windows(pop909_files: list[Path]) -> np.ndarray:
    song = read_pop909_piano(pop909_files[0].parent, SkipCounter())
    assert song is not None
    a = song.arrays
    return np.stack([a[s:s + 64] for s in range(0, 16 * 8, 16)]).astype(np.int64)  # 8 windows of 4 bars


@pytest.mark.parametrize("name", ["tiny_poly_2bar", "tiny_poly_8bar"])
def test_shapes_and_decoding(name: str, real_windows: np.ndarray) -> None:
    cfg = get_poly_config(name).model
    torch.manual_seed(0)
    model = PianoTreeVAE(cfg).eval()
    x = torch.as_tensor(real_windows[:, :cfg.n_steps])
    mu, sigma = model.encode(x)
    assert mu.shape == sigma.shape == (8, cfg.z_dim) and (sigma > 0).all()
    greedy = model.decode(mu)
    assert greedy.shape == (8, cfg.n_steps, MAX_NOTES, 3) and greedy.dtype == torch.long
    assert torch.equal(greedy, model.decode(mu))  # temperature 0 is deterministic
    s1 = model.decode(mu, 1.0, torch.Generator().manual_seed(3))
    s2 = model.decode(mu, 1.0, torch.Generator().manual_seed(3))
    assert torch.equal(s1, s2)
    for a in (greedy.numpy(), s1.numpy()):
        check_arrays(a)
        arrays_to_clip(a[0])  # a valid clip


def test_loss_learns_a_batch(real_windows: np.ndarray) -> None:
    cfg = get_poly_config("tiny_poly_2bar").model
    torch.manual_seed(0)
    model = PianoTreeVAE(cfg)
    x = torch.as_tensor(real_windows[:2, :32])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        out = model.loss(x, 0.0, 0.0)
        opt.zero_grad()
        out["loss"].backward()
        opt.step()
        losses.append(float(out["loss"].detach()))
    assert np.isfinite(losses).all() and losses[-1] < 0.7 * losses[0]


def test_save_load_and_bad_configs(tmp_path: Path) -> None:
    cfg = get_poly_config("tiny_poly_8bar").model
    model = PianoTreeVAE(cfg)
    save_poly_model(model, tmp_path / "m", {"trained_steps": 3}, dtype=torch.float32)
    assert is_poly_model_dir(tmp_path / "m")
    loaded, cfg2, meta = load_poly_model(tmp_path / "m")
    assert cfg2 == cfg and meta["trained_steps"] == 3
    for k, v in model.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k])
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    doc["model"]["dec_time_hidden"] = 32
    (tmp_path / "m" / "config.json").write_text(json.dumps(doc))
    with pytest.raises(PolyConfigError, match="do not match"):
        load_poly_model(tmp_path / "m")
    with pytest.raises(PolyConfigError, match="unknown"):
        PolyConfig.from_dict({"name": "x", "colour": 1})
    with pytest.raises(PolyConfigError, match="bar_z_dim"):
        PolyConfig(name="x", architecture="pianotree_bars", n_bars=4, z_dim=10, bar_z_dim=4)


def test_trainer_checkpoint_resume_export(shared_data: Path, tmp_path: Path) -> None:
    corpus = build_poly_corpus(shared_data, chorales=False, max_songs=12)
    named = get_poly_config("tiny_poly_2bar")
    tr = PolyTrainer(named, out_dir=tmp_path / "out", work_dir=tmp_path / "work", log=lambda *_: None)
    tr.set_corpus(corpus)
    tr.train(max_steps=3)
    assert (tmp_path / "work" / "last.pt").exists() and (tmp_path / "work" / "metrics.csv").exists()
    assert (tmp_path / "out" / "model.safetensors").exists() and "POP909" in (tmp_path / "out" / "MODEL_CARD.md").read_text()
    tr2 = PolyTrainer(named, out_dir=tmp_path / "out", work_dir=tmp_path / "work", log=lambda *_: None)
    tr2.set_corpus(corpus)
    assert tr2.load_checkpoint() and tr2.state.step == 3
    for k, v in tr.model.state_dict().items():
        assert torch.equal(v, tr2.model.state_dict()[k])
    assert torch.equal(tr.batch(), tr2.batch())  # the data RNG resumes too
    res = eval_model(tmp_path / "out", limit=8, corpus=corpus, log=lambda *_: None)
    assert all(0.0 <= m["f1"] <= 1.0 for m in res.values())
    write_model_card(tmp_path / "out")
    # an 8-bar model takes the 2-bar model's matching tensors (step encoder, bar decoder)
    big = PolyTrainer(get_poly_config("tiny_poly_8bar"), out_dir=tmp_path / "o8", work_dir=tmp_path / "w8",
                      log=lambda *_: None)
    copied = big.init_from(tmp_path / "work" / "last.pt")
    assert any(k.startswith("decoder.") for k in copied) and any(k.startswith("steps.") for k in copied)


def test_a_shorter_bar_model_starts_from_a_longer_ones_weights(tmp_path: Path) -> None:
    """poly_2bar starts from poly_8bar: every tensor of the same shape, and the bar-position table's
    first rows (the 8-bar model's bars 1-2)."""
    import dataclasses

    from latentcomposer.model.poly_train import PolyNamedConfig

    long_named = get_poly_config("tiny_poly_8bar")  # 4 bars in the tiny form
    long = PolyTrainer(long_named, out_dir=tmp_path / "o4", work_dir=tmp_path / "w4", log=lambda *_: None)
    with torch.no_grad():
        long.model.pos.copy_(torch.arange(long.model.pos.numel(), dtype=torch.float32).reshape(long.model.pos.shape))
    torch.save({"model": long.model.state_dict()}, tmp_path / "long.pt")
    cfg = long_named.model
    short_cfg = dataclasses.replace(cfg, name="tiny_poly_2bar_bars", n_bars=2, z_dim=2 * cfg.bar_z_dim)
    short = PolyTrainer(PolyNamedConfig(short_cfg, long_named.train), out_dir=tmp_path / "o2",
                        work_dir=tmp_path / "w2", log=lambda *_: None)
    copied = set(short.init_from(tmp_path / "long.pt"))
    assert "pos" in copied and torch.equal(short.model.pos, long.model.pos[:2])
    for k, v in short.model.state_dict().items():
        if k in copied and k != "pos":
            assert torch.equal(v, long.model.state_dict()[k])
    # only what depends on the whole z (the conductor's start from all slots) differs in shape
    assert set(short.model.state_dict()) - copied == {"cond_init.weight"}
