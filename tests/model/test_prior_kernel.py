"""The kernel prior (model/kernel_prior.py): seeded, scaled by its spread, tied to its weights, and what
Sample (engine, app, CLI) draws from when the model ships one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from latentcomposer.cli import main
from latentcomposer.io.midifile import read_midi
from latentcomposer.model import kernel_prior as kp
from latentcomposer.model.engine import Engine, EngineError
from tests.helpers_models import _windows


def clusters(n: int = 400, d: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mu = 0.1 * rng.standard_normal((n, d))
    mu[: n // 2] += 2.0
    mu[n // 2:] -= 2.0
    return mu, np.full((n, d), 0.05)


@pytest.mark.parametrize("scale", ["local", "posterior"])
def test_samples_are_seeded_and_scaled_by_their_spread(scale: str) -> None:
    mu, sigma = clusters()
    prior = kp.fit_kernel_prior(mu, sigma, scale, h=1.0)  # type: ignore[arg-type]
    a, b = prior.sample(64, np.random.default_rng(3)), prior.sample(64, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and a.shape == (64, 8)
    assert not np.array_equal(a, prior.sample(64, np.random.default_rng(4)))
    # spread 0: the training posterior means themselves; the noise grows with the spread
    at0 = prior.sample(64, np.random.default_rng(3), spread=0.0)
    assert (np.abs(at0[:, None] - mu[None]).sum(-1).min(1) < 1e-5).all()
    dev = [np.abs(prior.sample(256, np.random.default_rng(3), spread=s) - prior.sample(
        256, np.random.default_rng(3), spread=0.0)).mean() for s in (0.5, 1.0, 2.0)]
    assert dev[0] < dev[1] < dev[2] and dev[2] == pytest.approx(4 * dev[0], rel=1e-4)
    # nothing between the two clusters, where N(0, I) would sit
    z = prior.sample(2000, np.random.default_rng(0))
    assert not (np.abs(z.mean(1)) < 1.0).any()


def test_the_bandwidth_is_chosen_on_held_out_windows() -> None:
    mu, sigma = clusters(800)
    held = clusters(200, seed=1)[0]
    lls = {h: kp.heldout_loglik(kp.fit_kernel_prior(mu[:600], sigma[:600], "local", h), held)
           for h in (0.05, 1.0, 20.0)}
    assert lls[1.0] > lls[0.05] and lls[1.0] > lls[20.0]  # too narrow and too wide both lose


def test_neighbour_mixing_stays_between_neighbours() -> None:
    mu, sigma = clusters()
    prior = kp.fit_kernel_prior(mu, sigma, "local", h=0.0, k=4, mix=1.0)
    z = prior.sample(500, np.random.default_rng(0))
    assert not (np.abs(z.mean(1)) < 1.0).any()  # a neighbour is in the same cluster
    assert (np.abs(z[:, None] - mu[None]).sum(-1).min(1) > 1e-6).mean() > 0.9  # mostly not a centre itself


@pytest.fixture()
def kernel_model(tiny_model_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(tiny_model_dir, folder)
    eng = Engine.load(folder, device="cpu", warmup=False)
    wins = _windows(eng.cfg.n_steps)
    fig = kp.fit_for_engine(eng, pool_windows=len(wins), valid_windows=8, windows=(wins, wins[::3]))
    assert fig["h"] in kp.H_GRID and set(fig["valid_loglik"]) == {f"{h:g}" for h in kp.H_GRID}
    choice = fig["valid_choice"]  # a melody model: h chosen on its samples' key and novelty
    assert set(choice["by_h"]) == set(fig["valid_loglik"]) and 0.0 <= choice["valid_near_copies"] <= 1.0
    return folder


@pytest.mark.parametrize("runtime", ["torch", "numpy"])
def test_engine_samples_from_the_kernel_prior(kernel_model: Path, runtime: str) -> None:
    from latentcomposer.app.latent import EngineInfo

    eng = Engine.load(kernel_model, device="cpu", runtime=runtime)
    kernel = eng.kernel_prior
    assert kernel is not None and eng.fitted_prior is not None and eng.sampling_prior is kernel
    z = eng.sample_z(16, seed=5)  # the default kind: the kernel prior
    np.testing.assert_array_equal(z.numpy(), kernel.sample(16, np.random.default_rng(5)))
    np.testing.assert_array_equal(z.numpy(), eng.sample_z(16, seed=5, prior="kernel").numpy())
    assert not np.allclose(z.numpy(), eng.sample_z(16, seed=6).numpy())
    np.testing.assert_array_equal(eng.sample_z(4, seed=5, prior="fitted").numpy(),
                                  eng.fitted_prior.sample(4, np.random.default_rng(5)))
    drawn = eng.sample(2, seed=5).z
    assert drawn is not None and drawn.tolist() == eng.sample_z(2, seed=5).numpy().tolist()
    with pytest.raises(EngineError, match="unknown prior"):
        eng.sample_z(2, prior="uniform")  # type: ignore[arg-type]
    # the decoding temperature applies to kernel samples as to any z
    for t in (0.0, 0.9):
        got = eng.sample(3, temperature=t, seed=2)
        want = eng.decode(eng.sample_z(3, seed=2), temperature=t, seed=2, name="sample")
        assert [c.notes for c in got.clips] == [c.notes for c in want]
    info = EngineInfo.of(eng)  # the app's Sample / Re-roll
    assert info.prior is kernel
    np.testing.assert_array_equal(info.sample_prior(3, np.random.default_rng(0)),
                                  kernel.sample(3, np.random.default_rng(0)))


def test_a_stale_or_absent_kernel_prior_falls_back_to_the_fitted_one(kernel_model: Path) -> None:
    meta = kernel_model / kp.META
    doc = json.loads(meta.read_text())
    doc["model_sha256"] = "0" * 64  # fitted to other weights
    meta.write_text(json.dumps(doc))
    assert "other weights" in kp.kernel_prior_status(kernel_model)
    eng = Engine.load(kernel_model, device="cpu", warmup=False)
    assert eng.kernel_prior is None and eng.sampling_prior is eng.fitted_prior
    assert eng.fitted_prior is not None
    np.testing.assert_array_equal(eng.sample_z(4, seed=1).numpy(), eng.fitted_prior.sample(4, np.random.default_rng(1)))
    meta.unlink()
    assert kp.kernel_prior_status(kernel_model) == "it has no kernel prior"
    assert Engine.load(kernel_model, device="cpu", warmup=False).kernel_prior is None


def test_cli_sample_uses_the_kernel_prior(kernel_model: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    def notes(prior: str | None, out: Path) -> list[object]:
        extra = [] if prior is None else ["--prior", prior]
        assert main(["sample", "--model", str(kernel_model), "-n", "2", "--seed", "4", "--temperature", "0",
                     *extra, "-o", str(out)]) == 0
        return [n for c in read_midi(out) for n in c.notes]

    default = notes(None, tmp_path / "a.mid")
    assert default == notes("kernel", tmp_path / "b.mid") == notes(None, tmp_path / "c.mid")
    eng = Engine.load(kernel_model, device="cpu", warmup=False)
    want = eng.decode(eng.sample_z(1, seed=4), temperature=0.0, seed=4)[0]
    assert [(n.pitch, n.start) for n in want.notes] == [(n.pitch, n.start) for n in read_midi(
        tmp_path / "a.mid")[0].notes][: len(want.notes)]
    capsys.readouterr()
