"""The fitted prior (model/prior.py): what it learns from posterior means, and who samples from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latentcomposer.model.engine import Engine, EngineError
from latentcomposer.model.prior import FittedPrior, fit_prior


def two_correlated_clusters(n: int = 4000, d: int = 6, seed: int = 0) -> np.ndarray:
    """Half the points near +3, half near -3 on every dim; within a cluster dims 0 and 1 move together."""
    rng = np.random.default_rng(seed)
    x = 0.3 * rng.standard_normal((n, d))
    shared = rng.standard_normal(n)
    x[:, 0] += shared
    x[:, 1] += shared
    x[: n // 2] += 3.0
    x[n // 2:] -= 3.0
    return x


def test_fit_keeps_clusters_and_correlations() -> None:
    x = two_correlated_clusters()
    prior = fit_prior(x, np.zeros(x.shape[1]), k=2, rank=2)
    assert prior.weights.sum() == pytest.approx(1.0) and len(prior.weights) == 2
    assert sorted(np.round(prior.means[:, 2]).tolist()) == [-3.0, 3.0]
    z = prior.sample(4000, np.random.default_rng(1))
    assert z.shape == (4000, 6) and z.dtype == np.float32
    assert abs((z[:, 2] > 0).mean() - 0.5) < 0.05  # both clusters, in proportion
    assert not ((np.abs(z[:, 2]) < 1.5).any())  # nothing drawn between them (N(0, I) would sit there)
    inside = z[z[:, 2] > 0]
    assert np.corrcoef(inside[:, 0], inside[:, 1])[0, 1] > 0.8  # the correlation survived
    assert np.corrcoef(inside[:, 2], inside[:, 3])[0, 1] == pytest.approx(0.0, abs=0.1)
    # the same rng seed, the same latents; the arrays round-trip
    np.testing.assert_array_equal(prior.sample(5, np.random.default_rng(7)), prior.sample(5, np.random.default_rng(7)))
    again = FittedPrior.from_arrays(prior.as_arrays())
    assert again is not None
    np.testing.assert_array_equal(again.sample(5, np.random.default_rng(7)), prior.sample(5, np.random.default_rng(7)))
    assert FittedPrior.from_arrays({"prior_means": prior.means}) is None


def test_posterior_variance_is_added_to_every_component() -> None:
    x = two_correlated_clusters(d=4)
    tight = fit_prior(x, np.zeros(4), k=2, rank=1)
    noisy = fit_prior(x, np.full(4, 4.0), k=2, rank=1)
    assert (noisy.resid_std >= 2.0).all() and (tight.resid_std < noisy.resid_std).all()


def test_engine_and_app_sample_from_the_shipped_prior(tiny_model_dir: Path) -> None:
    from latentcomposer.app.latent import EngineInfo

    eng = Engine.load(tiny_model_dir, device="cpu")
    assert eng.fitted_prior is not None  # the test model's attributes were computed with one
    fitted = eng.sample_z(64, seed=3)
    standard = eng.sample_z(64, seed=3, prior="standard")
    np.testing.assert_array_equal(fitted.numpy(), eng.fitted_prior.sample(64, np.random.default_rng(3)))
    assert not np.allclose(fitted.numpy(), standard.numpy())
    assert eng.sample(2, seed=3).z.tolist() == eng.sample_z(2, seed=3).numpy().tolist()
    with pytest.raises(EngineError, match="unknown prior"):
        eng.sample_z(2, prior="uniform")  # type: ignore[arg-type]
    info = EngineInfo.of(eng)
    assert info.prior is eng.fitted_prior
    np.testing.assert_array_equal(info.sample_prior(3, np.random.default_rng(0)),
                                  eng.fitted_prior.sample(3, np.random.default_rng(0)))


def test_refitting_only_the_prior_keeps_the_attribute_vectors(tiny_model_dir: Path, tmp_path: Path) -> None:
    import shutil

    from latentcomposer.model.attributes import fit_posterior_prior, update_prior
    from latentcomposer.model.engine import load_attributes

    folder = tmp_path / "m"
    shutil.copytree(tiny_model_dir, folder)
    before = load_attributes(folder)
    assert before is not None and before.prior is not None
    eng = Engine.load(folder, device="cpu")
    windows = np.full((40, eng.cfg.n_steps), 129, dtype=np.int64)
    windows[:, 0] = np.arange(40) + 50  # one note each, 40 different pitches
    update_prior(folder, fit_posterior_prior(eng, windows, components=2, rank=2))
    after = load_attributes(folder)
    assert after is not None and after.prior is not None
    np.testing.assert_array_equal(after.vectors, before.vectors)
    assert after.prior.factors.shape[0] == 2 and after.prior.factors.shape[2] == 2
