"""A structure prior over per-bar latents: each bar is new material or a reference to an earlier bar.

The per-bar model (``tvae_16bar``) is trained with N(0, I) as every bar's prior, so a bar that repeats an
earlier one pays as much KL as the first occurrence (issue 32: 34.8 vs 34.9 nats) and nothing in the
model says "bar 5 is bar 1 again". Its causal encoder does, however, give a repeated bar almost exactly
the posterior of the first occurrence (measured on test windows: the squared distance of the means is
0.007 posterior variances per dim for exact repeats, 49 for other pairs of bars). This prior makes that
usable: bar t's latent, given the earlier bars of the same clip, is drawn from

    p(z_t | x_<t) = pi[t, new] N(0, I) + sum_{s<t} pi[t, s] q(z_s | x)

-- new material from the training prior, or the earlier bar s's own posterior again. ``pi`` is a table
over positions (bar 5 often repeats bar 1, bar 2 rarely repeats bar 1 ...), fitted by EM on the
training windows' posteriors. It gives

- **the KL of a bar under the structure** (:func:`bar_kl`, a Monte-Carlo estimate of
  KL(q(z_t | x) || p(z_t | x_<t))): a repeat costs about ``-log pi[t, s]`` nats, new material about
  what it cost before plus ``-log pi[t, new]``;
- **which earlier bar a bar refers to** (:func:`references`: the component that explains the bar's
  posterior with responsibility > 1/2, else new material), shown in the Bars view;
- **context transfer that follows the structure** (:func:`follow`): a bar that refers to a transferred
  bar (directly or through a chain of references) takes the transferred bar's latent too, so where X2
  repeats its bar 1, the new bar 1 is repeated.

Pure NumPy (the encoder's mu and sigma in, numbers out). Stored as ``structure_prior.json`` beside the
model with the SHA-256 of the weights it was fitted to; a prior of other weights is ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FILE = "structure_prior.json"
FORMAT = 1
LOG2PI = float(np.log(2 * np.pi))


@dataclass
class StructurePrior:
    """``log_pi`` [n_bars, n_bars + 1]: row t over "copy bar s" (columns s < t) and "new" (last column);
    columns s >= t are -inf (a bar cannot refer to itself or to a later bar)."""

    log_pi: np.ndarray

    @property
    def n_bars(self) -> int:
        return int(self.log_pi.shape[0])

    @classmethod
    def uniform(cls, n_bars: int, p_new: float = 0.5) -> StructurePrior:
        lp = np.full((n_bars, n_bars + 1), -np.inf)
        lp[0, n_bars] = 0.0
        for t in range(1, n_bars):
            lp[t, :t] = np.log((1 - p_new) / t)
            lp[t, n_bars] = np.log(p_new)
        return cls(lp)

    def rows(self, t: int) -> np.ndarray:
        """Bar ``t``'s row for clips longer than the table: position t folds onto the last rows, and
        references more than ``n_bars - 1`` bars back are impossible."""
        return self.log_pi[min(t, self.n_bars - 1)]


def _components(mu: np.ndarray, sigma: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Means and stds of bar t's components [B, t + 1, d]: bars 0..t-1's posteriors, then N(0, I)."""
    b, _, d = mu.shape
    m = np.concatenate([mu[:, :t], np.zeros((b, 1, d))], 1)
    s = np.concatenate([sigma[:, :t], np.ones((b, 1, d))], 1)
    return m, s


def _log_pi_row(prior: StructurePrior, t: int) -> np.ndarray:
    """[t + 1]: copy bar s (s < t; only the last n_bars - 1 bars for t >= n_bars) and new."""
    n = prior.n_bars
    row = prior.rows(t)
    if t < n:
        return np.concatenate([row[:t], row[n:]])
    out = np.full(t + 1, -np.inf)
    out[t - (n - 1):t] = row[:n - 1]  # the table's last row: the n - 1 bars before
    out[t] = row[n]
    return out


def _mc_terms(mu: np.ndarray, sigma: np.ndarray, prior: StructurePrior, t: int, samples: int,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """For bar t of every clip: (KL estimate [B], responsibilities [B, t + 1] averaged over samples)."""
    mu_t, sig_t = mu[:, t], sigma[:, t]  # [B, d]
    eps = rng.standard_normal((samples, *mu_t.shape))
    z = mu_t[None] + sig_t[None] * eps  # [S, B, d]
    log_q = (-0.5 * eps ** 2 - np.log(sig_t)[None] - 0.5 * LOG2PI).sum(-1)  # [S, B]
    m, s = _components(mu, sigma, t)  # [B, C, d]
    diff = (z[:, :, None, :] - m[None]) / s[None]  # [S, B, C, d]
    log_n = (-0.5 * diff ** 2 - np.log(s)[None] - 0.5 * LOG2PI).sum(-1)  # [S, B, C]
    joint = log_n + _log_pi_row(prior, t)[None, None]
    top = joint.max(-1, keepdims=True)
    log_p = (top + np.log(np.exp(joint - top).sum(-1, keepdims=True)))[..., 0]  # [S, B]
    resp = np.exp(joint - log_p[..., None]).mean(0)  # [B, C]
    return (log_q - log_p).mean(0), resp


def bar_kl(mu: np.ndarray, sigma: np.ndarray, prior: StructurePrior, samples: int = 64,
           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-bar KL(q(z_t | x) || p(z_t | x_<t)) [B, T] (nats, Monte-Carlo with ``samples`` draws) and the
    responsibilities: [B, T, T + 1] (column s < t: "bar t is bar s again", the last column: new; columns
    s >= t zero). ``mu``, ``sigma``: [B, T, d] or [T, d]."""
    mu = np.asarray(mu, np.float64)
    one = mu.ndim == 2
    mu = mu[None] if one else mu
    sigma = np.asarray(sigma, np.float64).reshape(mu.shape)
    b, n, _ = mu.shape
    rng = np.random.default_rng(seed)
    kl = np.zeros((b, n))
    resp = np.zeros((b, n, n + 1))
    for t in range(n):
        k, r = _mc_terms(mu, sigma, prior, t, samples, rng)
        kl[:, t] = k
        resp[:, t, :t] = r[:, :t]
        resp[:, t, n] = r[:, t]
    return (kl[0], resp[0]) if one else (kl, resp)


def standard_normal_kl(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """KL(N(mu, sigma^2) || N(0, I)) per bar, nats [..., bars] (the training prior's price of a bar)."""
    m, sg = np.asarray(mu, np.float64), np.asarray(sigma, np.float64)
    return np.asarray(0.5 * (m ** 2 + sg ** 2 - 1.0 - 2.0 * np.log(sg)).sum(-1))


def references(resp: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Per bar the earlier bar it refers to (responsibility above ``threshold``), else -1. ``resp``
    as :func:`bar_kl` gives it ([T, T + 1] or [B, T, T + 1])."""
    r = np.asarray(resp)
    copies = r[..., :-1]
    best = copies.argmax(-1)
    ok = np.take_along_axis(copies, best[..., None], -1)[..., 0] > threshold
    return np.where(ok, best, -1)


def follow(z: np.ndarray, refs: np.ndarray, changed: list[int] | tuple[int, ...]) -> tuple[np.ndarray, list[int]]:
    """Latents ``z`` [T, d] after bars ``changed`` took new latents: every bar that refers (directly
    or through a chain) to a changed bar takes that bar's new latent. Returns (z, the bars that
    followed) -- the bars in ``changed`` themselves are not listed."""
    out = np.array(z, copy=True)
    source = {int(b): int(b) for b in changed}
    followed = []
    for t in range(len(out)):
        if t in source:
            continue
        s = int(refs[t])
        if s >= 0 and s in source:
            source[t] = source[s]
            out[t] = out[source[s]]
            followed.append(t)
    return out, followed


def fit(mu: np.ndarray, sigma: np.ndarray, iters: int = 30, samples: int = 16, seed: int = 0,
        floor: float = 1e-4) -> StructurePrior:
    """EM for the position table on training posteriors ``mu``, ``sigma`` [B, T, d]: responsibilities of
    each component for each bar (Monte-Carlo over the bar's posterior), then each row's mean."""
    mu = np.asarray(mu, np.float64)
    sigma = np.asarray(sigma, np.float64)
    _, n, _ = mu.shape
    prior = StructurePrior.uniform(n)
    rng = np.random.default_rng(seed)
    for _ in range(iters):
        lp = np.full((n, n + 1), -np.inf)
        lp[0, n] = 0.0
        for t in range(1, n):
            _, r = _mc_terms(mu, sigma, prior, t, samples, rng)
            w = r.mean(0) + floor
            w /= w.sum()
            lp[t, :t] = np.log(w[:t])
            lp[t, n] = np.log(w[t])
        done = np.allclose(np.exp(lp), np.exp(prior.log_pi), atol=1e-4)
        prior = StructurePrior(lp)
        if done:
            break
    return prior


# --- files -----------------------------------------------------------------------------------------
def save(folder: Path, prior: StructurePrior, meta: dict[str, Any]) -> None:
    from .digest import weights_digest

    lp = [[float(v) if np.isfinite(v) else None for v in row] for row in prior.log_pi]
    doc = {"format": FORMAT, "model_sha256": weights_digest(folder), "log_pi": lp, **meta}
    (folder / FILE).write_text(json.dumps(doc, indent=1) + "\n")


def load(folder: Path | None, n_bars: int) -> StructurePrior | None:
    """The structure prior in ``folder`` if it was fitted to the weights there (else None)."""
    if folder is None or not (folder / FILE).is_file():
        return None
    from .digest import weights_digest

    try:
        doc = json.loads((folder / FILE).read_text())
        if doc.get("format") != FORMAT or doc.get("model_sha256") != weights_digest(folder):
            return None
        lp = np.array([[-np.inf if v is None else float(v) for v in row] for row in doc["log_pi"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if lp.shape != (n_bars, n_bars + 1):
        return None
    return StructurePrior(lp)


def meta(folder: Path | None) -> dict[str, Any]:
    if folder is None or not (folder / FILE).is_file():
        return {}
    try:
        doc: dict[str, Any] = json.loads((folder / FILE).read_text())
        return doc
    except (OSError, ValueError):
        return {}


# --- fitting to a model ----------------------------------------------------------------------------
def posteriors(engine: Any, windows: np.ndarray, batch: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """The per-bar posteriors (mu, sigma) [B, n_bars, bar_z] of token windows under a per-bar model."""
    import torch

    n, d = engine.cfg.n_bars, engine.cfg.bar_z_dim
    mus, sigmas = [], []
    with torch.inference_mode():
        for i in range(0, len(windows), batch):
            x = torch.as_tensor(np.asarray(windows[i:i + batch]), dtype=torch.long, device=engine.device)
            mu, sigma = engine.model.encode(x)
            mus.append(mu.float().cpu().numpy().reshape(len(x), n, d))
            sigmas.append(sigma.float().cpu().numpy().reshape(len(x), n, d))
    return np.concatenate(mus), np.concatenate(sigmas)


def repeat_figures(windows: np.ndarray, mu: np.ndarray, sigma: np.ndarray, prior: StructurePrior,
                   silent_bar: np.ndarray, seed: int = 0) -> dict[str, float]:
    """KL (nats) of exact repeats, their first occurrences and other bars under the structure prior and
    under N(0, I); the share of exact repeats read as references, and of other bars read as one."""
    n = mu.shape[1]
    kl, resp = bar_kl(mu, sigma, prior, seed=seed)
    refs = references(resp)
    kl0 = standard_normal_kl(mu, sigma)
    from .analysis import _bar_roles

    groups: dict[str, list[tuple[int, int]]] = {"repeat": [], "first": [], "other": []}
    for i, w in enumerate(np.asarray(windows)):
        reps, firsts, others = _bar_roles(w, n, silent_bar)
        groups["repeat"] += [(i, t) for t in reps]
        groups["first"] += [(i, t) for t in firsts]
        groups["other"] += [(i, t) for t in others]

    def mean(a: np.ndarray, g: str) -> float:
        return float(np.mean([a[i, t] for i, t in groups[g]])) if groups[g] else float("nan")

    out = {f"kl_{g}": mean(kl, g) for g in groups}
    out.update({f"kl_{g}_standard_normal": mean(kl0, g) for g in groups})
    out["repeats_read_as_references"] = mean((refs >= 0).astype(float), "repeat")
    out["other_bars_read_as_references"] = mean((refs >= 0).astype(float), "other")
    out["repeated_bars"] = float(len(groups["repeat"]))
    return out


def fit_for_engine(engine: Any, max_train_windows: int = 3000, max_valid_windows: int = 512, seed: int = 0,
                   log: Any = print) -> dict[str, Any]:
    """Fit the structure prior of a per-bar model on its training windows' posteriors, measure it on
    validation windows, save it beside the weights and return the figures."""
    n = engine.cfg.n_bars
    rng = np.random.default_rng(seed)
    tr = engine.codec.corpus_windows("train", n).tokens
    va = engine.codec.corpus_windows("valid", n).tokens
    tr = np.asarray(tr)[np.sort(rng.permutation(len(tr))[:max_train_windows])]
    va = np.asarray(va)[np.sort(rng.permutation(len(va))[:max_valid_windows])]
    log(f"encoding {len(tr)} training and {len(va)} validation windows ...")
    mu, sigma = posteriors(engine, tr)
    log("fitting the structure prior ...")
    prior = fit(mu, sigma, seed=seed)
    silent = np.full((engine.cfg.steps_per_bar, *engine.token_shape), engine.codec.silent_token).reshape(-1)
    figures: dict[str, Any] = {"train_windows": len(tr), "valid_windows": len(va)}
    figures["valid"] = repeat_figures(va, *posteriors(engine, va), prior, silent, seed=seed)
    if engine.folder is None:
        raise ValueError("the engine has no model folder to save the structure prior into")
    save(engine.folder, prior, {"figures": figures})
    return figures
