"""Search decoding on the CPU fast path (issue 30): the same algorithm as model/search.py -- beam search,
then the encoder's choice among the beams -- with the tokens it gives unchanged (golden tests), and
these levers (each measured in benchmarks/search_decode.py, docs/BENCHMARKS.md):

- **The beam loop in NumPy** on the folded step kernel (:class:`~.kernel.NumpyStack`, the greedy
  decoder's): all beams of all decoded sequences (beams x bars x batch rows) are one matrix per step;
  the first step runs on one row per sequence (all beams start identical); the sequences are read back
  from per-step back-pointers at the end instead of being gathered every step.
- **Reranking batched over all candidates, each distinct thing computed once**: with the Transformer
  bar encoder every distinct candidate bar is read by the bar GRU once (the beams of a flat decoder
  share most of their bars, neighbouring interpolation steps share candidates), and every distinct
  variant window goes through the Transformer once -- the window of the most likely bars is the
  "candidate 0" variant of every bar, and windows that several batch rows propose (identical latents,
  neighbouring interpolation steps) are one. A re-encoding depends on the tokens only, never on z,
  so this is exact.
- **Where candidates agree, one computation**: beams are distinct sequences by construction, so the
  "early exit when all beams agree" of the issue is taken where it is exact -- identical bars and
  identical windows, within a window's beams and across batch rows, are encoded once (above).

Shapes follow model/search.py: R decoded sequences (windows, or bars of windows), ``k`` beams.

This module imports no torch: the torch-free runtime (model/numpy_runtime.py) searches with it too,
re-encoding with its NumPy encoder; :func:`rerank_np` is the adapter for a torch model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .npkernel import NumpyStack

if TYPE_CHECKING:
    import torch

    from .vae import LatentVAE

DEFAULT_BEAM = 8
# re-encodings mu [N, z] (NumPy) of windows given as indices into distinct bars: (bars [U, s] tokens,
# windows [N, n_bars] indices, the windows' condition [N, T, Cs] or None)
VariantEncoder = Callable[[np.ndarray, np.ndarray, Any], np.ndarray]


def _topk_desc(x: np.ndarray, k: int) -> np.ndarray:
    """Indices [R, k] of each row's k largest values, largest first."""
    rows = np.arange(x.shape[0])[:, None]
    idx = np.argpartition(x, x.shape[1] - k, axis=1)[:, -k:] if k < x.shape[1] else \
        np.broadcast_to(np.arange(x.shape[1]), x.shape)
    order = np.argsort(-x[rows, idx], axis=1, kind="stable")
    return idx[rows, order]


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    """In place, float32: logits - logsumexp(logits) per row."""
    m = logits.max(-1, keepdims=True)
    logits -= m
    lse = np.log(np.exp(logits).sum(-1, keepdims=True))
    logits -= lse
    return logits


def beam_search_np(ns: NumpyStack, cond: np.ndarray, n_steps: int, beam: int,
                   step_cond: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``beam`` most likely sequences for each conditioning row ``cond`` [R, C] (float32):
    (tokens [R, k, n_steps] int64 best first, log-likelihoods [R, k] float32); as
    :func:`~.search.beam_search`, stepped by the NumPy kernel."""
    rows, vocab, hd, layers = cond.shape[0], ns.vocab, ns.hidden, ns.layers
    k = max(1, min(int(beam), vocab))
    h0, c0 = ns.initial_state(cond)
    hbuf = np.ascontiguousarray(np.concatenate(list(h0), axis=1), dtype=np.float32)
    cs = [np.ascontiguousarray(c0[i], dtype=np.float32) for i in range(layers)]
    proj = ns.input_proj(cond, step_cond).astype(np.float32, copy=False)  # [R, 4H] or [T, R, 4H]
    proj_k = np.repeat(proj, k, axis=-2)  # the same for every beam of a sequence
    back_src = np.zeros((n_steps, rows, k), np.int64)
    back_tok = np.zeros((n_steps, rows, k), np.int64)
    base = (np.arange(rows) * k)[:, None]
    prev = np.full(rows, vocab, dtype=np.int64)
    score = np.zeros((rows, 1), np.float32)
    for t in range(n_steps):
        # all beams start identical: the first step runs one row per sequence and expands only that
        p = proj if t == 0 else proj_k
        hs = [hbuf[:, i * hd:(i + 1) * hd] for i in range(layers)]
        top = ns.step(prev, p[t] if p.ndim == 3 else p, hbuf, hs, cs)
        logits = top @ ns.w_out
        logits += ns.b_out
        width = score.shape[1]
        cand = (score[:, :, None] + _log_softmax(logits).reshape(rows, width, vocab)).reshape(rows, width * vocab)
        idx = _topk_desc(cand, k)
        score = cand[np.arange(rows)[:, None], idx]
        src, tok = idx // vocab, idx % vocab
        back_src[t], back_tok[t] = src, tok
        keep = (src + base // k * width).reshape(-1)
        hbuf = hbuf[keep]
        cs = [c[keep] for c in cs]
        prev = tok.reshape(-1)
    seqs = np.empty((rows, k, n_steps), np.int64)
    ptr = np.broadcast_to(np.arange(k), (rows, k)).copy()
    r = np.arange(rows)[:, None]
    for t in range(n_steps - 1, -1, -1):
        seqs[:, :, t] = back_tok[t][r, ptr]
        ptr = back_src[t][r, ptr]
    return seqs, score


def _unique_rows(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique rows [U, ...], inverse [N]) of a [N, ...] integer array, in first-seen order."""
    flat = np.ascontiguousarray(a.reshape(a.shape[0], -1))
    _, first, inv = np.unique(flat, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return a[first[order]], rank[inv.reshape(-1)]


def encode_distinct(encode: Callable[[np.ndarray], np.ndarray], bars: np.ndarray, windows: np.ndarray
                    ) -> np.ndarray:
    """Re-encodings mu [N, z] of windows [N, n_bars] (indices into distinct ``bars`` [U, s]), every
    distinct window through ``encode`` (tokens [W, n_bars*s] -> mu [W, z]) once."""
    uw, inv = _unique_rows(windows)
    return encode(bars[uw].reshape(len(uw), -1))[inv]


def _variant_mu(model: LatentVAE, bars: np.ndarray, windows: np.ndarray,
                condition: torch.Tensor | None = None) -> np.ndarray:
    """:data:`VariantEncoder` of a torch model: every distinct bar is encoded once (Transformer bar
    encoder) and every distinct window once; conditioned windows (``condition`` [N, T, Cs], passed to an
    encoder other than the bar encoder, which reads tokens only) one by one."""
    import torch

    from .bar_encoder import BarEncoder

    enc = model.encoder
    if condition is not None and not isinstance(enc, BarEncoder):
        return model.encode(torch.from_numpy(bars[windows].reshape(len(windows), -1)), condition)[0].numpy()
    if isinstance(enc, BarEncoder):
        uw, inv = _unique_rows(windows)
        vecs = enc.bar_vectors(torch.from_numpy(bars))  # [U, d]
        mu, _ = enc.from_bar_vectors(vecs[torch.from_numpy(uw)])
        return mu.flatten(1).numpy()[inv]
    return encode_distinct(lambda x: model.encode(torch.from_numpy(x))[0].numpy(), bars, windows)


def rerank_np(model: LatentVAE, z: torch.Tensor, seqs: np.ndarray, condition: torch.Tensor | None = None
              ) -> np.ndarray:
    """:func:`rerank` with a torch model's encoder (the CPU fast path of model/search.py)."""
    cfg = model.cfg
    return rerank(lambda bars, windows, cond: _variant_mu(model, bars, windows, cond), z.numpy(), seqs,
                  model.decodes_by_bar, cfg.n_bars, cfg.steps_per_bar, condition)


def rerank(variant_mu: VariantEncoder, z: np.ndarray, seqs: np.ndarray, by_bar: bool, n_bars: int,
           steps_per_bar: int, condition: Any = None) -> np.ndarray:
    """Tokens [B, T] chosen among the beams ``seqs`` [R, k, steps] (R = B decoded windows, or B x
    n_bars bars for bar-wise decoders, ``by_bar``): the candidate (for bar-wise decoders: each bar's,
    with the other bars at their most likely candidate) whose re-encoding (``variant_mu``) lies nearest
    z [B, z_dim]. ``condition`` (conditioned models' windows [B, T, Cs]) is repeated for the beams."""
    b = z.shape[0]
    s = steps_per_bar
    n = n_bars
    k = seqs.shape[1]
    if by_bar:
        cands = seqs.reshape(b, n, k, s)
    else:  # a window's beams, cut into bars: most bars are shared by the beams
        cands = seqs.reshape(b, k, n, s).transpose(0, 2, 1, 3)
    bars, bar_id = _unique_rows(cands.reshape(-1, s))
    ids = bar_id.reshape(b, n, k)
    if by_bar:
        # variant (row, j, c): the top bars with bar j replaced by its candidate c
        win = np.repeat(np.repeat(ids[:, None, None, :, 0], n, 1), k, 2)  # [B, j, c, n]
        jj = np.arange(n)
        win[:, jj, :, jj] = ids.transpose(1, 0, 2)
        mu = variant_mu(bars, win.reshape(-1, n), None).reshape(b, n, k, -1)
        d = ((mu - z[:, None, None]) ** 2).sum(-1)  # [B, n, k]
        pick = d.argmin(-1)
        return np.take_along_axis(cands, pick[:, :, None, None], 2).reshape(b, n * s)
    win = ids.transpose(0, 2, 1)  # [B, k, n]
    cond = None if condition is None else condition.repeat_interleave(k, 0)
    mu_w = variant_mu(bars, win.reshape(-1, n), cond).reshape(b, k, -1)
    d = ((mu_w - z[:, None]) ** 2).sum(-1)
    return seqs[np.arange(b), d.argmin(-1)]
