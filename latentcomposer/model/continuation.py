"""Continue, infill and in-style samples on a per-bar model, with its bar prior (model/bar_prior.py).

**Continue** (``Engine.continue_clip``): the clip's bars are encoded (posterior means, one latent per
bar); the bar prior draws the next bars' latents one by one, each given all the bars before it; the
window (given bars + new bars) is decoded and the new bars' notes are appended to the clip. The given
bars are the clip's own notes, untouched (never a reconstruction). A window holds ``n_bars`` bars: a
continuation past it slides, keeping the last ``n_bars - chunk`` bars (given or generated) as context
and re-encoding them as the start of a fresh window (``chunk`` = a quarter of the window).

**Infill** (``Engine.infill``): a window around the selection is encoded; ``candidates`` sets of
latents for the selected bars are drawn from the bar prior given the bars before the selection. Each
candidate is decoded, its bars are spliced between the clip's own bars, the spliced window is encoded
again, and the candidate under which the bars *after* the selection are most likely under the bar
prior (sum of log p(z_t | z_<t) over them, their latents taken from the re-encoded window) is kept.
The right side therefore steers the choice among K draws; it does not condition the draws themselves
(the prior is left-to-right). Everything outside the selection is the clip's own notes; a note held
across a selection edge is cut at the edge (its parts outside stay).

**In-style samples** (``Engine.sample(..., prior="bar")``): all bars of a window drawn from the bar
prior, bar after bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from latentcomposer.core import Clip, Note
from latentcomposer.data.melody import STEPS_PER_BAR

from .bar_prior import BarPrior, BarPriorConfig, fit_bar_prior, load_bar_prior, save_bar_prior

if TYPE_CHECKING:
    from .engine import Engine

DEFAULT_CANDIDATES = 8
# the bar prior's spread for Continue and infill: 0.5 kept more continuations in the clip's key than 1.0
# (tvae_16bar, 40 test phrases: 85 % vs 65 % of the 16 bars in one key; docs/MODELS.md)
DEFAULT_TEMPERATURE = 0.5


def _error(msg: str) -> Exception:
    from .engine import EngineError

    return EngineError(msg)


def require_bar_prior(engine: Engine, what: str) -> BarPrior:
    """The engine's bar prior, or a user-facing error saying which model to use or what to run."""
    if not engine.per_bar:
        raise _error(f"{what} needs a model with per-bar latents (use tvae_16bar); {engine.name} has one latent "
                     f"per {engine.cfg.n_bars}-bar window")
    prior = engine.bar_prior
    if prior is None:
        from .bar_prior import bar_prior_status

        why = bar_prior_status(engine.folder)
        raise _error(f"{what} needs the bar prior of {engine.name}, but {why}: run "
                     f"`latentcomposer fit-bar-prior --model {engine.name}` (a few minutes)")
    return prior


def next_chunk(window_bars: int, have: int, remaining: int) -> int:
    """How many bars Continue draws next, ``have`` bars known and ``remaining`` to go: what fits in the
    window, or once the known bars fill all but a quarter of it, a quarter (the window slides)."""
    chunk = max(1, window_bars // 4)
    return min(remaining, chunk) if have >= window_bars - chunk else min(remaining, window_bars - have)


def heard_bars(window_bars: int, given_bars: int, bars: int) -> tuple[int, int]:
    """The given bars ``[first, end)`` (0-based, the model's bars) that Continue reads before it draws
    the first new bars: the last ``window_bars - next_chunk(...)`` of the clip (what the composer is
    told: "Continues from bars 5–16")."""
    k = next_chunk(window_bars, given_bars, bars)
    return max(0, given_bars - (window_bars - k)), given_bars


def _ticks_per_step(clip: Clip) -> float:
    return clip.ppq / 4  # the models' grid: 16th notes


def _bar_tokens(engine: Engine, clip: Clip) -> np.ndarray:
    """The clip's tokens, whole bars: [bars, steps_per_bar, ...]."""
    enc = engine.codec.encode(clip)
    toks = enc.tokens
    bars = max(1, -(-len(toks) // STEPS_PER_BAR))
    out = np.full((bars * STEPS_PER_BAR, *toks.shape[1:]), engine.codec.silent_token, dtype=np.int64)
    out[: len(toks)] = toks
    return out.reshape(bars, STEPS_PER_BAR, *toks.shape[1:])


def _window_latents(engine: Engine, bars: np.ndarray) -> np.ndarray:
    """Posterior means [len(bars), d] of up to ``n_bars`` bars, read as the start of one window."""
    n = engine.cfg.n_bars
    win = np.full((n, *bars.shape[1:]), engine.codec.silent_token, dtype=np.int64)
    win[: len(bars)] = bars
    win = engine.codec.fix_chunk_starts(win.reshape(1, n * STEPS_PER_BAR, *bars.shape[2:]).copy())
    mu, _ = engine.encode_tokens(win)
    return mu.cpu().numpy().reshape(n, -1)[: len(bars)]


def _decode_window(engine: Engine, z: np.ndarray, temperature: float, seed: int | None) -> np.ndarray:
    """Latents [rows, k <= n_bars, d] -> tokens [rows, k, steps_per_bar, ...] (rest latents pad)."""
    rows, k, d = z.shape
    n = engine.cfg.n_bars
    full = np.zeros((rows, n, d), np.float32)
    full[:, :k] = z
    toks = engine.decode_tokens(full.reshape(rows, n * d), temperature=temperature, seed=seed)
    return toks.reshape(rows, n, STEPS_PER_BAR, *toks.shape[2:])[:, :k]


def _notes_of(engine: Engine, tokens: np.ndarray, clip: Clip, velocity: int | None, offset_steps: int,
              lo_step: int, hi_step: int) -> list[Note]:
    """Notes decoded from ``tokens`` [T, ...], moved to start at ``offset_steps`` and cut to
    [lo_step, hi_step) (steps of the clip)."""
    part = engine._to_clip(tokens, None, clip, velocity, "part", len(tokens))
    tps = _ticks_per_step(clip)
    scale = clip.ppq / part.ppq
    lo, hi, off = round(lo_step * tps), round(hi_step * tps), round(offset_steps * tps)
    out = []
    for n in part.notes:
        s, e = off + round(n.start * scale), off + round(n.end * scale)
        s, e = max(s, lo), min(e, hi)
        if e > s:
            out.append(Note(s, n.pitch, e, n.velocity))
    return out


def _keep_outside(clip: Clip, lo: int, hi: int) -> list[Note]:
    """The clip's notes with [lo, hi) ticks cut out (a note across an edge keeps its outside parts)."""
    out = []
    for n in clip.notes:
        if n.end <= lo or n.start >= hi:
            out.append(n)
            continue
        if n.start < lo:
            out.append(Note(n.start, n.pitch, lo, n.velocity))
        if n.end > hi:
            out.append(Note(hi, n.pitch, n.end, n.velocity))
    return out


def continue_clip(engine: Engine, clip: Clip, bars: int = 4, temperature: float = DEFAULT_TEMPERATURE,
                  seed: int | None = 0, decode_temperature: float = 0.0, velocity: int | None = None) -> tuple[Clip, np.ndarray]:
    """(the clip extended by ``bars`` bars, the latents [given + new bars, d] of the last window)."""
    prior = require_bar_prior(engine, "Continue")
    if not 1 <= int(bars) <= 256:
        raise _error(f"continue: bars must be 1-256, not {bars}")
    if not clip.notes:
        raise _error(f"clip '{clip.name or 'untitled'}' has no notes to continue")
    given = _bar_tokens(engine, clip)
    n = engine.cfg.n_bars
    gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
    seq = list(given)
    remaining = int(bars)
    z_last = np.zeros((0, engine.cfg.bar_z_dim), np.float32)
    with engine._threads(1), torch.inference_mode():
        while remaining > 0:
            k = next_chunk(n, len(seq), remaining)
            ctx = np.stack(seq[-(n - k):]) if n - k > 0 else np.zeros((0, *given.shape[1:]), np.int64)
            z_ctx = _window_latents(engine, ctx) if len(ctx) else np.zeros((0, engine.cfg.bar_z_dim), np.float32)
            z_new = prior.sample(torch.as_tensor(z_ctx)[None], k, gen, temperature)[0].numpy()
            z_last = np.concatenate([z_ctx, z_new])
            toks = _decode_window(engine, z_last[None], decode_temperature, seed)[0]
            seq.extend(toks[len(ctx):])
            remaining -= k
    new = np.concatenate(seq[len(given):])
    start = len(given) * STEPS_PER_BAR
    notes = _notes_of(engine, new, clip, velocity, start, start, start + len(new))
    tps = _ticks_per_step(clip)
    out = clip.copy(notes=clip.notes + tuple(notes), length=round((start + len(new)) * tps),
                    name=f"{clip.name} (continued)".strip())
    return out, z_last


def infill(engine: Engine, clip: Clip, bars: tuple[int, int], temperature: float = DEFAULT_TEMPERATURE,
           seed: int | None = 0, candidates: int = DEFAULT_CANDIDATES, decode_temperature: float = 0.0,
           velocity: int | None = None) -> tuple[Clip, dict[str, Any]]:
    """(the clip with bars [a, b) (0-based, b exclusive) regenerated, details: the window used, each
    candidate's right-side log-likelihood and the one kept)."""
    prior = require_bar_prior(engine, "Infill")
    given = _bar_tokens(engine, clip)
    total = len(given)
    a, b = int(bars[0]), int(bars[1])
    n = engine.cfg.n_bars
    if not (0 <= a < b <= total):
        raise _error(f"bars {a + 1}-{b} are not all in the clip (it has bars 1-{total})")
    if b - a > n - 1:
        raise _error(f"select at most {n - 1} bars to regenerate with {engine.name} (its window is {n} bars)")
    left = min(a, max(n - (b - a) - min(total - b, (n - (b - a)) // 2), 0))  # context bars before a
    ws = a - left
    we = min(total, ws + n)
    window = given[ws:we]
    p, q = a - ws, b - ws
    k = max(1, int(candidates))
    gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
    with engine._threads(k), torch.inference_mode():
        z = _window_latents(engine, window)
        ctx = torch.as_tensor(z[:p])[None].expand(k, -1, -1)
        draws = prior.sample(ctx, q - p, gen, temperature).numpy()  # [k, q-p, d]
        zs = np.concatenate([np.repeat(z[None, :p], k, 0), draws], 1)
        toks = _decode_window(engine, zs, decode_temperature, seed)[:, p:q]  # [k, q-p, steps, ...]
        scores = np.zeros(k)
        if q < len(window):
            spliced = np.repeat(window[None], k, 0)
            spliced[:, p:q] = toks
            full = np.full((k, n, *window.shape[1:]), engine.codec.silent_token, dtype=np.int64)
            full[:, : len(window)] = spliced
            flat = engine.codec.fix_chunk_starts(full.reshape(k, n * STEPS_PER_BAR, *window.shape[2:]).copy())
            mu, _ = engine.encode_tokens(flat)
            zr = mu.reshape(k, n, -1)[:, : len(window)].float()
            scores = prior.log_prob(zr)[:, q:].sum(-1).numpy()
    best = int(np.argmax(scores))
    tps = _ticks_per_step(clip)
    lo_s, hi_s = a * STEPS_PER_BAR, b * STEPS_PER_BAR
    new = _notes_of(engine, toks[best].reshape(-1, *toks.shape[3:]), clip, velocity, lo_s, lo_s, hi_s)
    kept = _keep_outside(clip, round(lo_s * tps), round(hi_s * tps))
    out = clip.copy(notes=tuple(kept + new), name=f"{clip.name} (bars {a + 1}-{b} regenerated)".strip())
    return out, {"window": (ws, we), "scores": [float(s) for s in scores], "kept": best}


BAR_ATTRIBUTES = ("density", "register")  # the per-bar sliders (attribute vectors of single bars)


def bar_vectors(z: np.ndarray, windows: np.ndarray, table: Any, names: tuple[str, ...] = BAR_ATTRIBUTES
                ) -> dict[str, list[float]]:
    """Per-bar attribute vectors (MusicVAE's recipe, one bar at a time): the mean latent of training
    bars in an attribute's top quartile minus the bottom quartile's. ``z`` [N, bars, d], ``windows``
    [N, bars * steps_per_bar]."""
    zb = z.reshape(-1, z.shape[-1])
    bars = np.asarray(windows).reshape(len(zb), -1)
    sounding = (bars < 128).any(1) if bars.ndim == 2 else np.ones(len(zb), bool)
    out = {}
    for name in names:
        if name not in table:
            continue
        v = np.array([table[name][0](b) for b in bars], dtype=np.float32)
        lo, hi = np.quantile(v[sounding], [0.25, 0.75])
        top, bottom = zb[sounding & (v >= hi)], zb[sounding & (v <= lo)]
        if len(top) and len(bottom) and hi > lo:
            out[name] = [round(float(x), 5) for x in top.mean(0) - bottom.mean(0)]
    return out


def shift_bar(engine: Engine, clip: Clip, bar: int, attribute: str, amount: float,
              velocity: int | None = None) -> Clip:
    """Bar ``bar`` (0-based) moved ``amount`` times along its per-bar attribute vector; every other bar
    is the clip's own (the bar is decoded in the context of the bars before it)."""
    vectors = engine.bar_vectors
    if not vectors:
        require_bar_prior(engine, "Per-bar sliders")
    if attribute not in vectors:
        raise _error(f"no per-bar vector for {attribute!r} (known: {', '.join(vectors)})")
    given = _bar_tokens(engine, clip)
    n = engine.cfg.n_bars
    if not 0 <= bar < len(given):
        raise _error(f"bar {bar + 1} is outside the clip (1..{len(given)})")
    ws = max(0, bar - (n - 1))
    with engine._threads(1), torch.inference_mode():
        z = _window_latents(engine, given[ws:bar + 1])
        z[-1] = z[-1] + float(amount) * np.asarray(vectors[attribute], np.float32)
        toks = _decode_window(engine, z[None], 0.0, 0)[0, -1]
    tps = _ticks_per_step(clip)
    lo_s = bar * STEPS_PER_BAR
    new = _notes_of(engine, toks.reshape(-1, *toks.shape[1:]), clip, velocity, lo_s, lo_s, lo_s + STEPS_PER_BAR)
    kept = _keep_outside(clip, round(lo_s * tps), round((lo_s + STEPS_PER_BAR) * tps))
    return clip.copy(notes=tuple(kept + new), name=f"{clip.name} (bar {bar + 1} {attribute} {amount:+.1f})".strip())


def sample_bar_prior_z(engine: Engine, n: int, seed: int | None = 0, temperature: float = 1.0) -> torch.Tensor:
    """``n`` windows of latents [n, z_dim] drawn from the bar prior, bar after bar."""
    prior = require_bar_prior(engine, "sampling from the bar prior")
    gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
    ctx = torch.zeros(n, 0, engine.cfg.bar_z_dim)
    with engine._threads(n), torch.inference_mode():
        return prior.sample(ctx, engine.cfg.n_bars, gen, temperature).reshape(n, -1)


# --- fitting (``latentcomposer fit-bar-prior``) ---------------------------------------------------
def encode_windows(engine: Engine, windows: np.ndarray, batch: int = 256) -> np.ndarray:
    """Posterior means of windows, per bar: [N, n_bars, bar_z]."""
    out = []
    with torch.inference_mode():
        for i in range(0, len(windows), batch):
            mu, _ = engine.model.encode(torch.as_tensor(windows[i:i + batch], dtype=torch.long,
                                                         device=engine.device))
            out.append(mu.cpu().numpy())
    return np.concatenate(out).reshape(len(windows), engine.cfg.n_bars, engine.cfg.bar_z_dim)


def fit_for_engine(engine: Engine, max_train_windows: int = 8000, max_valid_windows: int = 512,
                   steps: int = 1500, seed: int = 0, hidden: int = 128, components: int = 8, batch: int = 64,
                   transpose_range: int = 5, log: Any = print,
                   train_windows: np.ndarray | None = None, valid_windows: np.ndarray | None = None
                   ) -> dict[str, Any]:
    """Encode training windows (randomly transposed by up to ``transpose_range`` semitones, as the
    VAE was trained), fit the bar prior to their posterior means, save it beside the weights and
    return its figures. ``train_windows`` / ``valid_windows``: instead of the codec's corpus splits."""
    if not engine.per_bar:
        raise _error(f"the bar prior is for per-bar models (tvae_16bar); {engine.name} has one latent per window")
    if engine.folder is None:
        raise _error("the engine has no model folder to save the bar prior into")
    rng = np.random.default_rng(seed)
    n = engine.cfg.n_bars
    if train_windows is None:
        train_windows = engine.codec.corpus_windows("train", n).tokens
    if valid_windows is None:
        valid_windows = engine.codec.corpus_windows("valid", n).tokens
    tr = np.asarray(train_windows)[np.sort(rng.permutation(len(train_windows))[:max_train_windows])].astype(np.int64)
    va = np.asarray(valid_windows)[np.sort(rng.permutation(len(valid_windows))[:max_valid_windows])].astype(np.int64)
    augment = engine.codec.augmenter({"tokens": tr}, {"transpose_range": transpose_range}) if transpose_range else None
    if augment is not None:
        tr = augment({"tokens": tr}, np.arange(len(tr)), rng)["tokens"].astype(np.int64)
    log(f"encoding {len(tr)} training and {len(va)} validation windows ...")
    z_tr, z_va = encode_windows(engine, tr), encode_windows(engine, va)
    cfg = BarPriorConfig(engine.cfg.bar_z_dim, n, hidden=hidden, components=components)
    log(f"fitting the bar prior ({steps} steps) ...")
    prior, figures = fit_bar_prior(z_tr, z_va, cfg, steps=steps, batch=batch, seed=seed, log=log)
    figures["transpose_range"] = transpose_range
    figures["bar_vectors"] = bar_vectors(z_tr, tr, engine.codec.attributes())
    save_bar_prior(engine.folder, prior, figures)
    engine.reset_bar_prior()
    return figures


__all__ = ["BarPrior", "continue_clip", "fit_for_engine", "infill", "load_bar_prior", "sample_bar_prior_z"]
