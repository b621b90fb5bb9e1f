"""The structure prior (model/structure_prior.py): a bar is new material or an earlier bar again."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from latentcomposer.core.examples import example_clip
from latentcomposer.model import structure_prior as sp
from latentcomposer.model.engine import Engine


def planted(n_windows: int = 200, n_bars: int = 8, d: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Posteriors where bar 4 repeats bar 0 in the even windows (its posterior within a hair of bar 0's)
    and is new material in the odd ones."""
    rng = np.random.default_rng(seed)
    mu = rng.standard_normal((n_windows, n_bars, d)) * 1.5
    sigma = np.full((n_windows, n_bars, d), 0.2)
    mu[::2, 4] = mu[::2, 0] + 0.01 * rng.standard_normal((len(mu[::2]), d))
    return mu, sigma


def test_fit_learns_where_repeats_sit_and_a_repeat_costs_little() -> None:
    mu, sigma = planted()
    prior = sp.fit(mu, sigma, iters=20, samples=8)
    p = np.exp(prior.log_pi)
    assert 0.4 < p[4, 0] < 0.6  # half the windows repeat bar 0 at bar 4
    assert p[3, :3].sum() < 0.05 and p[4, 8] > 0.4  # nothing else repeats; the rest is new
    assert np.isneginf(prior.log_pi[2, 2:8]).all()  # no reference to itself or a later bar
    kl, resp = sp.bar_kl(mu, sigma, prior, samples=32)
    refs = sp.references(resp)
    assert (refs[::2, 4] == 0).all() and (refs[1::2, 4] == -1).all() and (refs[:, :4] == -1).all()
    assert kl[::2, 4].mean() < 0.2 * kl[::2, 0].mean()  # the repeat: about -log p(copy)
    assert kl[::2, 4].mean() == pytest.approx(-np.log(p[4, 0]), abs=0.5)
    assert kl[1::2, 4].mean() > 5.0  # new material pays for its content


def test_follow_carries_a_changed_bar_through_chains_of_references() -> None:
    z = np.arange(5 * 2, dtype=np.float32).reshape(5, 2)
    refs = np.array([-1, 0, 1, -1, 3])  # bar 2 -> bar 1 -> bar 0; bar 4 -> bar 3
    z_new = z.copy()
    z_new[0] = [100.0, 100.0]
    out, followed = sp.follow(z_new, refs, [0])
    assert followed == [1, 2]
    assert (out[1] == 100).all() and (out[2] == 100).all() and (out[3:] == z[3:]).all()
    out, followed = sp.follow(z, refs, [3])
    assert followed == [4] and (out[4] == z[3]).all()


def test_clips_longer_than_the_table_refer_back_at_most_a_window() -> None:
    prior = sp.StructurePrior.uniform(4)
    mu = np.zeros((10, 3))
    mu[9] = mu[0]  # identical to bar 0, but 9 bars back: out of reach
    kl, resp = sp.bar_kl(mu + np.arange(10)[:, None], np.full((10, 3), 0.1), prior, samples=8)
    assert kl.shape == (10,) and resp.shape == (10, 11)
    assert (resp[9, :6] == 0).all() and resp[9, 6:9].sum() + resp[9, 10] == pytest.approx(1.0)


def test_saved_prior_is_read_back_and_ignored_for_other_weights(tiny_tvae_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tvae"
    shutil.copytree(tiny_tvae_dir, folder)
    prior = sp.fit(*planted(n_windows=40)[0:2], iters=3, samples=4)
    prior = sp.StructurePrior(prior.log_pi[:4, [0, 1, 2, 3, 8]])  # the tiny model's 4 bars
    sp.save(folder, prior, {"figures": {"x": 1}})
    back = sp.load(folder, 4)
    assert back is not None and np.array_equal(np.isfinite(back.log_pi), np.isfinite(prior.log_pi))
    assert np.allclose(back.log_pi[np.isfinite(back.log_pi)], prior.log_pi[np.isfinite(prior.log_pi)])
    assert sp.load(folder, 8) is None  # another shape of model
    with open(folder / "model.safetensors", "ab") as f:
        f.write(b"\0")  # the weights changed: the prior no longer describes them
    assert sp.load(folder, 4) is None


def test_context_transfer_follows_references_only_with_a_structure_prior(
        tiny_tvae_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "tvae"
    shutil.copytree(tiny_tvae_dir, folder)
    eng = Engine.load(folder, device="cpu", warmup=False)
    a, b = example_clip("mary"), example_clip("twinkle")
    plain = eng.context_transfer(a, b, [0])
    assert plain.followed == [] and eng.structure_prior is None
    n = eng.cfg.n_bars
    sp.save(folder, sp.StructurePrior.uniform(n), {})
    eng.reset_structure_prior()
    assert eng.structure_prior is not None
    kl, refs = eng.bar_structure(b)
    assert len(kl) == len(refs) == len(eng.encode_bars(b)) and np.isfinite(kl).all()
    bars = len(eng.encode_bars(b))
    planted_refs = np.full(bars, -1)
    planted_refs[2] = 0  # "bar 3 is bar 1 again"
    monkeypatch.setattr(sp, "references", lambda resp, threshold=0.5: planted_refs)
    res = eng.context_transfer(a, b, [0])
    assert res.followed == [2]
    assert res.z is not None and np.array_equal(res.z[2], res.z[0])
    assert np.array_equal(res.z[0], eng.encode_bars(a)[0])
    assert eng.context_transfer(a, b, [0], follow_structure=False).followed == []


def test_cli_fit_structure_prior_needs_a_per_bar_model(tiny_model_dir: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from latentcomposer.cli import main

    assert main(["fit-structure-prior", "--model", str(tiny_model_dir)]) == 2
    assert "per-bar" in capsys.readouterr().err
