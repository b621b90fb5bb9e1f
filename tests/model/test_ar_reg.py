"""Attribute-regularized dims (AR-VAE, model/ar_reg.py): the term, the config checks, and a tiny model
whose dim 0 is tied to note density by a short seeded training run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.data.attributes import ATTRIBUTES, density
from latentcomposer.model.ar_reg import ar_loss, check_ar_dims
from latentcomposer.model.config import NamedConfig, get_config
from latentcomposer.model.engine import Engine
from latentcomposer.model.train import Trainer


def test_ar_loss_rewards_the_attribute_order() -> None:
    a = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    same = ar_loss(torch.tensor([[-1.0], [0.0], [1.0], [2.0]]), a, [0], delta=10.0)
    reversed_ = ar_loss(torch.tensor([[2.0], [1.0], [0.0], [-1.0]]), a, [0], delta=10.0)
    assert float(same) < 0.01 < 1.0 < float(reversed_)


def test_ar_dims_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown attributes"):
        check_ar_dims({"loudness": 0}, ATTRIBUTES, 8)
    with pytest.raises(ValueError, match="outside"):
        check_ar_dims({"density": 8}, ATTRIBUTES, 8)
    with pytest.raises(ValueError, match="its own"):
        check_ar_dims({"density": 1, "range": 1}, ATTRIBUTES, 8)


def _density_windows(n: int) -> np.ndarray:
    """2-bar windows of one repeated pitch, a note every 16, 8, 4 or 2 steps (density 1-8 per bar)."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        w = np.full(32, 129, np.int64)
        w[:: (16, 8, 4, 2)[i % 4]] = int(rng.integers(60, 73))
        out.append(w)
    return np.stack(out)


def _train(tmp: Path, weight: float) -> tuple[Trainer, np.ndarray]:
    base = get_config("tiny_2bar")
    named = NamedConfig(replace(base.model, dec_hidden=64, enc_hidden=32, embed_dim=16),
                        replace(base.train, beta=0.0, learning_rate=0.01, lr_decay=1.0, batch_size=32, transpose_range=0,
                                ar_dims={"density": 0}, ar_weight=weight))
    torch.manual_seed(0)
    t = Trainer(named, torch.device("cpu"), out_dir=tmp / "out", work_dir=tmp / "work", log=lambda *_: None)
    w = _density_windows(64)
    t.set_data({"tokens": w}, {"tokens": w})
    t.train(max_steps=200)
    return t, w


def test_moving_the_regularized_dim_moves_its_attribute_monotonically(tmp_path: Path) -> None:
    t, w = _train(tmp_path, 1.0)
    t.model.eval()
    dens = np.array([density(x) for x in w])
    with torch.no_grad():
        mu, _ = t.model.encode(torch.as_tensor(w))
    z0 = mu[:, 0].numpy()
    assert np.corrcoef(np.argsort(np.argsort(z0)), np.argsort(np.argsort(dens)))[0, 1] > 0.9  # Spearman
    eng = Engine(t.model, t.cfg, {}, torch.device("cpu"), warmup=False, decoding="greedy")
    z = mu.mean(0).repeat(9, 1)
    z[:, 0] = torch.linspace(-3, 3, 9) * mu[:, 0].std() + mu[:, 0].mean()
    moved = [density(x) for x in eng.decode_tokens(z)]
    assert all(b >= a for a, b in zip(moved, moved[1:], strict=False)), moved  # never falls
    assert moved[-1] > moved[0], moved
    assert "ar" in t.step_losses(t.batch())


def test_slider_of_a_regularized_attribute_moves_exactly_its_dim(tmp_path: Path) -> None:
    from latentcomposer.app.latent.info import EngineInfo
    from latentcomposer.model.checkpoint import build_model, save_model

    named = get_config("tiny_2bar")
    torch.manual_seed(0)
    save_model(build_model(named.model), named.model, tmp_path, {},
               training=replace(named.train, ar_dims={"density": 2}, ar_weight=1.0))
    eng = Engine.load(tmp_path, device="cpu", warmup=False)
    assert eng.ar_dims == {"density": 2}
    z = np.random.default_rng(0).standard_normal((3, eng.z_dim)).astype(np.float32)
    moved = eng.shift(z, "density", 1.5)
    assert np.array_equal(np.delete(moved, 2, axis=1), np.delete(z, 2, axis=1))
    assert np.allclose(moved[:, 2] - z[:, 2], 1.5)
    plain = Engine.load(tmp_path, device="cpu", warmup=False)
    plain._ar_dims = {}
    with pytest.raises(Exception, match="attribute vectors"):
        plain.shift(z, "density", 1.0)
    assert EngineInfo.of(eng).specs[0].kind == "z"  # no attribute files: raw dims, as before
