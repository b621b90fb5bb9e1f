"""Search decoding (model/search.py): beam search and the encoder's reranking of the beams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from latentcomposer.model.bar_encoder import BarEncoder
from latentcomposer.model.checkpoint import load_model
from latentcomposer.model.evaluate import evaluate_windows
from latentcomposer.model.search import _distance, _pick_bars, beam_search, search_decode, search_decode_full
from tests.helpers_models import _windows


def _z(model: torch.nn.Module, n: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, model.cfg.z_dim, generator=torch.Generator().manual_seed(seed))  # type: ignore[union-attr]


def _log_likelihood(decoder: torch.nn.Module, cond: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    logits = decoder(cond, tokens)
    return F.log_softmax(logits, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1).sum(-1)


def test_beam_one_is_greedy_decoding(tiny_model_dir: Path, tiny_hier_dir: Path) -> None:
    for folder in (tiny_model_dir, tiny_hier_dir):
        model = load_model(folder)[0]
        z = _z(model, 5)
        assert torch.equal(search_decode(model, z, beam=1), model.generate(z, 0.0))


@torch.inference_mode()
def test_beams_are_distinct_sorted_and_scored_by_the_decoder(tiny_model_dir: Path) -> None:
    model = load_model(tiny_model_dir)[0]
    z = _z(model, 3, seed=2)
    seqs, score = beam_search(model.decoder, z, model.cfg.n_steps, beam=6)
    assert seqs.shape == (3, 6, model.cfg.n_steps) and score.shape == (3, 6)
    assert (score[:, :-1] >= score[:, 1:]).all()
    for r in range(3):
        assert len({tuple(s.tolist()) for s in seqs[r]}) == 6
        ll = _log_likelihood(model.decoder, z[r:r + 1].expand(6, -1), seqs[r])
        torch.testing.assert_close(ll, score[r], atol=1e-3, rtol=1e-4)
    # the best beam is at least as likely as the greedy sequence
    greedy = model.generate(z, 0.0)
    assert (score[:, 0] >= _log_likelihood(model.decoder, z, greedy) - 1e-4).all()


@torch.inference_mode()
def test_reranking_keeps_the_beam_that_re_encodes_nearest_z(tiny_model_dir: Path) -> None:
    model = load_model(tiny_model_dir)[0]
    z = _z(model, 4, seed=3)
    seqs, _ = beam_search(model.decoder, z, model.cfg.n_steps, beam=5)
    mu, _ = model.encode(seqs.reshape(-1, model.cfg.n_steps))
    d = _distance(mu.reshape(4, 5, -1), z[:, None])
    chosen = search_decode(model, z, beam=5)
    want = seqs[torch.arange(4), d.argmin(-1)]
    assert torch.equal(chosen, want)
    got_d = _distance(model.encode(chosen)[0], z)
    assert (got_d <= d[:, 0] + 1e-6).all()  # never further from z than the most likely beam


@pytest.mark.parametrize("fixture", ["tiny_tvae_dir", "tiny_hier_dir"])
def test_bar_wise_choice_matches_re_encoding_every_variant(fixture: str, request: pytest.FixtureRequest) -> None:
    """The cached bar-vector path (Transformer bar encoder) chooses exactly what encoding every
    variant window from scratch chooses; the LSTM-encoder model takes the from-scratch path."""
    model = load_model(request.getfixturevalue(fixture))[0]
    cfg = model.cfg
    z = _z(model, 3, seed=4)
    k = 4
    seqs, _ = beam_search(model.decoder, model._bar_conds(z), cfg.steps_per_bar, k)
    cands = seqs.reshape(3, cfg.n_bars, k, cfg.steps_per_bar)
    got = _pick_bars(model, z, cands)
    assert isinstance(model.encoder, BarEncoder) == (fixture == "tiny_tvae_dir")
    want = []
    for b in range(3):
        bars = [cands[b, j, 0] for j in range(cfg.n_bars)]
        for j in range(cfg.n_bars):
            variants = []
            for c in range(k):
                v = list(bars)
                v[j] = cands[b, j, c]
                variants.append(torch.cat(v))
            mu, _ = model.encode(torch.stack(variants))
            bars_choice = int(_distance(mu, z[b]).argmin())
            want.append(cands[b, j, bars_choice])
    assert torch.equal(got, torch.stack(want).reshape(3, -1))


def test_drum_search_decode_gives_the_aux_heads_of_the_chosen_tokens(tiny_drums_dir: Path) -> None:
    model = load_model(tiny_drums_dir)[0]
    z = _z(model, 2, seed=5)
    toks, aux = search_decode_full(model, z, beam=3)
    assert aux is not None and toks.shape == (2, model.cfg.n_steps)
    _, hidden = model.decode_hidden(z, toks)
    vel, off = model.decoder.aux_outputs(hidden)
    assert torch.equal(aux["velocity"], vel.argmax(-1))
    torch.testing.assert_close(aux["offset"], off)


def test_eval_reports_search_decoding_beside_greedy(tiny_drums_dir: Path) -> None:
    model = load_model(tiny_drums_dir)[0]
    windows = _windows(model.cfg.n_steps, "drums")[:6]
    plain = evaluate_windows(model, windows)
    both = evaluate_windows(model, windows, search_beam=3)
    assert plain.search_accuracy is None and plain.search_hit_f1 is None
    assert both.sampled_accuracy == plain.sampled_accuracy and both.search_beam == 3
    want = float((search_decode(model, model.encode(torch.as_tensor(windows))[0], 3).numpy() == windows).mean())
    assert both.search_accuracy == pytest.approx(want)
    assert both.search_hit_f1 is not None and 0.0 <= both.search_hit_f1["all"] <= 1.0
    assert np.isfinite(both.search_event_accuracy)
