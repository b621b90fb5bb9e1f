"""The CPU fast path of search decoding (model/fastsearch.py, issue 30) gives the tokens of the torch
reference path (model/search.py, ``use_numpy=False``): the NumPy beam loop, and the reranking over
distinct bars and windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.model.checkpoint import load_model
from latentcomposer.model.fastsearch import _unique_rows, beam_search_np, rerank_np
from latentcomposer.model.search import beam_search, folded_stacks, search_decode

FIXTURES = ["tiny_model_dir", "tiny_hier_dir", "tiny_tvae_dir", "tiny_drums_dir"]


def _z(model: torch.nn.Module, n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, model.cfg.z_dim, generator=torch.Generator().manual_seed(seed))  # type: ignore[union-attr]


@pytest.mark.parametrize("fixture", FIXTURES)
@torch.inference_mode()
def test_numpy_beam_loop_finds_the_torch_beams(fixture: str, request: pytest.FixtureRequest) -> None:
    model = load_model(request.getfixturevalue(fixture))[0]
    plan = model.decode_plan(_z(model, 3, seed=1))
    stack, ns = folded_stacks(model.decoder, torch.device("cpu"))
    assert ns is not None
    for beam in (1, 2, 5):
        want, want_score = beam_search(model.decoder, plan.cond, plan.steps, beam, plan.step_cond, stack)
        got, score = beam_search_np(ns, plan.cond.numpy(), plan.steps, beam)
        assert got.shape == tuple(want.shape) and got.dtype == np.int64
        np.testing.assert_array_equal(got, want.numpy())
        np.testing.assert_allclose(score, want_score.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_search_decode_fast_path_gives_the_reference_tokens(fixture: str, request: pytest.FixtureRequest) -> None:
    model = load_model(request.getfixturevalue(fixture))[0]
    z = _z(model, 4, seed=2)
    z = torch.cat([z, z[:2]])  # repeated rows: their windows are re-encoded once, chosen per row
    for beam in (3, 8):
        want = search_decode(model, z, beam, use_numpy=False)
        got = search_decode(model, z, beam)
        assert torch.equal(got, want)
        assert torch.equal(got[4:], got[:2])


@torch.inference_mode()
def test_rerank_picks_among_the_candidates_it_was_given(tiny_hier_dir: Path) -> None:
    model = load_model(tiny_hier_dir)[0]
    cfg = model.cfg
    z = _z(model, 2, seed=3)
    _, ns = folded_stacks(model.decoder, torch.device("cpu"))
    assert ns is not None
    plan = model.decode_plan(z)
    seqs, _ = beam_search_np(ns, plan.cond.numpy(), plan.steps, 4)
    got = rerank_np(model, z, seqs).reshape(2, cfg.n_bars, cfg.steps_per_bar)
    cands = seqs.reshape(2, cfg.n_bars, 4, cfg.steps_per_bar)
    for b in range(2):
        for j in range(cfg.n_bars):
            assert any(np.array_equal(got[b, j], cands[b, j, c]) for c in range(4))


def test_unique_rows_keeps_first_seen_order() -> None:
    a = np.array([[3, 1], [0, 2], [3, 1], [5, 5], [0, 2]])
    uniq, inv = _unique_rows(a)
    np.testing.assert_array_equal(uniq, [[3, 1], [0, 2], [5, 5]])
    np.testing.assert_array_equal(uniq[inv], a)


def test_a_call_can_ask_for_its_own_decoding(tiny_model_dir: Path) -> None:
    """``decoding=`` on one call (the GUI's quick greedy preview) leaves the engine's setting alone."""
    from latentcomposer.model.engine import Engine, EngineError

    eng = Engine.load(tiny_model_dir, device="cpu", warmup=False, decoding="search")
    z = _z(eng.model, 3, seed=5).numpy()  # type: ignore[arg-type]
    quick = eng.decode_full(z, decoding="greedy")[0]
    assert eng.decoding == "search"
    eng.set_decoding("greedy")
    np.testing.assert_array_equal(quick, eng.decode_tokens(z))
    eng.set_decoding("search")
    np.testing.assert_array_equal(eng.decode_full(z, decoding="search")[0], eng.decode_tokens(z))
    with pytest.raises(EngineError, match="unknown decoding"):
        eng.decode_full(z, decoding="nucleus")
