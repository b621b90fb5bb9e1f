"""The trio's NumPy decode (model/trio_fastdecode.py), keep-regenerate's search (model/sections.py
``search_z``) and the trio's fitted prior (model/prior.py ``save_prior_alone``): a tiny random trio
model, and the shipped trio_16bar where installed."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.model.checkpoint import save_model
from latentcomposer.model.engine import Engine
from latentcomposer.model.prior import fit_prior, prior_status, save_prior_alone
from latentcomposer.model.registry import resolve_model_dir
from latentcomposer.model.sections import SectionEngine, search_z
from latentcomposer.model.trio import TrioRuntime, TrioVAE
from latentcomposer.model.trio_fastdecode import TrioFastDecoder
from tests.helpers_models import make_tiny_trio_model


@pytest.fixture(scope="module")
def trio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_trio_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def tiny(trio_dir: Path) -> TrioVAE:
    model = Engine.load(trio_dir, device="cpu").model
    assert isinstance(model, TrioVAE)
    return model


def zs(dim: int, n: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_greedy_numpy_decode_equals_the_torch_loop(tiny: TrioVAE, seed: int) -> None:
    model = copy.deepcopy(tiny)
    with torch.no_grad():  # end-of-step less likely than in the fixture: chords of several notes
        model.dec_acc.pitch_out.bias[128] -= 2.0 + seed
    fast = TrioFastDecoder(model)
    z = zs(model.cfg.z_dim, 3, seed, scale=2.0)
    want = model.decode(z)
    got = fast.decode(z)
    assert got.shape == want.shape and got.dtype == torch.long
    assert torch.equal(got, want)
    notes = (want[..., 2:, 0] < 128).sum(-1)
    assert notes.max() >= 2  # the accompaniment decoded chords (the comparison means something)


def test_sampling_is_seeded_and_mono_streams_draw_as_the_torch_loop(tiny: TrioVAE) -> None:
    fast = TrioFastDecoder(tiny)
    z = zs(tiny.cfg.z_dim, 2, 7)
    a = fast.decode(z, 1.0, torch.Generator().manual_seed(3))
    b = fast.decode(z, 1.0, torch.Generator().manual_seed(3))
    c = fast.decode(z, 1.0, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
    ref = tiny.decode(z, 1.0, torch.Generator().manual_seed(3))
    assert torch.equal(a[..., :2, 0], ref[..., :2, 0])  # melody and bass: the same Gumbel draws


def test_the_runtime_decodes_with_numpy_on_the_cpu(tiny: TrioVAE) -> None:
    rt = tiny.runtime(torch.device("cpu"))
    assert isinstance(rt, TrioRuntime) and rt.fast is not None
    z = zs(tiny.cfg.z_dim, 2, 9)
    fast, _ = rt.decode_full(z)
    slow, _ = rt.decode_full(z, use_numpy=False)
    assert torch.equal(fast, slow)


def test_stream_nll_of_some_streams_equals_the_full_figures(tiny: TrioVAE) -> None:
    z = zs(tiny.cfg.z_dim, 2, 1)
    x = tiny.decode(zs(tiny.cfg.z_dim, 2, 2))
    with torch.no_grad():
        full = tiny.stream_nll(z, x)
        full_r = tiny.reconstruction(z, x)
        only = tiny.stream_nll(z, x, only=("bass", "accompaniment"))
    assert set(only) == {"bass", "accompaniment"}
    for s in only:
        torch.testing.assert_close(only[s], full[s])
    torch.testing.assert_close(full["accompaniment"], full_r["acc_pitch"] + full_r["acc_duration"]
                               + full_r["acc_velocity"])


def test_search_lowers_the_kept_streams_nll_and_leaves_the_weights_alone(tiny: TrioVAE) -> None:
    x = tiny.decode(zs(tiny.cfg.z_dim, 2, 5))
    seen: list[float] = []
    z = search_z(tiny, x, ("melody",), zs(tiny.cfg.z_dim, 2, 6), iterations=15, learning_rate=0.1,
                 trace=lambda it, _z, nll: seen.append(float(nll.sum())))
    assert len(seen) == 16 and seen[-1] < seen[0]
    assert z.shape == (2, tiny.cfg.z_dim) and not z.requires_grad
    assert all(p.grad is None for p in tiny.parameters())


def test_a_fitted_prior_is_tied_to_its_weights(trio_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "trio"
    shutil.copytree(trio_dir, folder)
    assert SectionEngine(Engine.load(folder, device="cpu")).prior_problem  # none shipped
    rng = np.random.default_rng(0)
    z_dim = Engine.load(folder, device="cpu").cfg.z_dim
    mu = (5.0 + rng.standard_normal((40, z_dim))).astype(np.float32)  # far from N(0, I): easy to tell apart
    save_prior_alone(folder, fit_prior(mu, np.full(z_dim, 0.01), k=2, rank=4), {"windows": 40})
    assert prior_status(folder) == ""
    sections = SectionEngine(Engine.load(folder, device="cpu"))
    assert sections.prior_problem == ""
    z = sections.sample_z(16, seed=1)
    assert float(z.mean()) > 3.0  # drawn from the fitted prior
    assert float(sections.sample_z(16, seed=1, prior="standard").mean()) < 1.0
    res = sections.sample(2, seed=1)
    assert res.z is not None and float(res.z.mean()) > 3.0 and not res.warnings
    # new weights (a re-export): the old prior no longer counts; samples come from N(0, I), said so
    retrained = Engine.load(folder, device="cpu").model
    assert isinstance(retrained, TrioVAE)
    with torch.no_grad():
        retrained.to_mu.bias.add_(0.01)
    save_model(retrained, retrained.cfg, folder, meta={"note": "retrained"})
    assert "other weights" in prior_status(folder)
    stale = SectionEngine(Engine.load(folder, device="cpu"))
    assert float(stale.sample_z(16, seed=1).mean()) < 1.0
    assert any("N(0, I)" in w for w in stale.sample(1, seed=1).warnings)


def test_shipped_trio_numpy_decode_equals_the_torch_loop() -> None:
    try:
        folder = resolve_model_dir("trio_16bar")
    except Exception:
        pytest.skip("trio_16bar is not installed")
    model = Engine.load(folder, device="cpu").model
    assert isinstance(model, TrioVAE)
    fast = TrioFastDecoder(model)
    z = zs(model.cfg.z_dim, 3, 11)
    assert torch.equal(fast.decode(z), model.decode(z))
