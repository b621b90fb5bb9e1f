"""Attribute vectors (MusicVAE §5.3) and principal directions of a trained model's latent space.

vector(a) = mean mu of training windows in the top quartile of attribute a minus the mean mu of the
bottom quartile. Principal directions: PCA of the training means. Both ship beside the weights
(``attributes.safetensors`` + ``attributes.json``), with a sample of training means for the latent map,
the fitted prior that ``Engine.sample`` draws from (model/prior.py) and the slider directions that
``Engine.shift`` moves along (``slider_directions``, model/directions.py: one attribute at a time, to
first order; older files without them keep the vectors).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from latentcomposer.data.codec_base import AttributeTable, measure_table

from .directions import METHOD_TEXT, SCALE_TEXT, fit_directions
from .engine import Engine
from .engine_types import DIRECTIONS_KEY
from .prior import KEYS as PRIOR_KEYS
from .prior import FittedPrior, fit_prior

DIRECTIONS_METHOD = "pure_data"  # the measured best (docs/MODELS.md); shipped for mel_2bar only
DIRECTIONS_INFO = "slider_directions_info"  # compute_attributes' description of the directions (-> json)
DIRECTION_WINDOWS = 4000  # training windows the slider directions are fitted on
DECODER_WINDOWS = 2000  # "pure_decoder": this many training latents perturbed and decoded (twice)
DECODER_SPREAD = 0.5  # perturbations for "pure_decoder": this share of the training latents' spread


def encode_means(engine: Engine, windows: np.ndarray, batch: int = 512, condition: np.ndarray | None = None
                 ) -> np.ndarray:
    return encode_posteriors(engine, windows, batch, condition)[0]


def encode_posteriors(engine: Engine, windows: np.ndarray, batch: int = 512, condition: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(mu [N, D], sigma [N, D]) of every window; ``condition`` [N, T, Cs]: the windows' own (their
    chords, for a chord-conditioned model: without them it would encode every window over no chord)."""
    mus, sigmas = [], []
    for i in range(0, len(windows), batch):
        c = None if condition is None else condition[i:i + batch]
        mu, sigma = engine.encode_tokens(windows[i:i + batch], c)
        mus.append(mu.cpu().numpy())
        sigmas.append(sigma.cpu().numpy())
    return np.concatenate(mus), np.concatenate(sigmas)


def compute_attributes(engine: Engine, train_windows: np.ndarray, n_components: int = 8,
                       n_reference: int = 2000, seed: int = 0, prior_components: int = 8,
                       prior_rank: int = 64, directions: str | None = None, condition: np.ndarray | None = None
                       ) -> dict[str, Any]:
    """Attribute vectors, principal directions, reference latents, the fitted prior and (``directions``:
    a model/directions.py method, None for none) the slider directions with their description
    (``"slider_directions_info"``, which :func:`save_attributes` writes into ``attributes.json``).
    ``condition``: the windows' own (a chord-conditioned model's chords)."""
    mu, sigma = encode_posteriors(engine, train_windows, condition=condition)
    table = engine.codec.attributes()
    attrs = measure_table(table, train_windows)
    vectors = []
    for name in table:
        v = attrs[name]
        lo, hi = np.quantile(v, [0.25, 0.75])
        high, low = mu[v >= hi], mu[v <= lo]
        if hi == lo:  # a coarse attribute: split at the median instead
            high, low = mu[v > lo], mu[v <= lo]
        if len(high) == 0 or len(low) == 0:  # the attribute never varies in these windows
            vectors.append(np.zeros(mu.shape[1], np.float32))
        else:
            vectors.append(high.mean(0) - low.mean(0))
    mean = mu.mean(0)
    _, s, vt = np.linalg.svd(mu - mean, full_matrices=False)
    k = min(n_components, len(s))
    std = s[:k] / np.sqrt(max(1, len(mu) - 1))
    rng = np.random.default_rng(seed)
    ref = mu[rng.permutation(len(mu))[:n_reference]]
    out: dict[str, Any] = {
        "vectors": np.stack(vectors).astype(np.float32), "pca_components": vt[:k].astype(np.float32),
        "pca_std": std.astype(np.float32), "pca_mean": mean.astype(np.float32),
        "reference_latents": ref.astype(np.float32),
        **fit_prior(mu, (sigma ** 2).mean(0), prior_components, prior_rank, seed).as_arrays()}
    if directions is not None:
        fit = rng.permutation(len(mu))[:DIRECTION_WINDOWS]
        out[DIRECTIONS_KEY], out[DIRECTIONS_INFO] = slider_directions(
            mu[fit], {n: np.asarray(attrs[n], np.float64)[fit] for n in table}, out["vectors"], directions, engine)
    return out


def fit_posterior_prior(engine: Engine, train_windows: np.ndarray, components: int = 8, rank: int = 64,
                        seed: int = 0, condition: np.ndarray | None = None) -> FittedPrior:
    """The prior alone (as :func:`compute_attributes` fits it), for models whose vectors are shipped."""
    mu, sigma = encode_posteriors(engine, train_windows, condition=condition)
    return fit_prior(mu, (sigma ** 2).mean(0), components, rank, seed)


HALF_PRECISION = ("reference_latents", "prior_factors")  # the big ones; half precision is plenty


def _tensors(arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Arrays as the tensors stored in ``attributes.safetensors`` (HALF_PRECISION ones as float16)."""
    out = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}
    return {k: v.to(torch.float16) if k in HALF_PRECISION else v for k, v in out.items()}


def update_prior(folder: Path, prior: FittedPrior) -> None:
    """Replace the fitted prior in ``attributes.safetensors``, keeping every other tensor."""
    path = folder / "attributes.safetensors"
    tensors = {k: v for k, v in load_file(str(path)).items() if k not in PRIOR_KEYS}
    save_file({**tensors, **_tensors(prior.as_arrays())}, str(path))


def decoder_response(engine: Engine, mu: np.ndarray, spread: float = DECODER_SPREAD, seed: int = 0,
                     batch: int = 256) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Perturbations ``eps`` [N, d] of the latents ``mu`` -- ``spread`` times another (seeded, random)
    row of ``mu`` minus their mean, so shaped like the data's spread -- and the change of every
    attribute of the greedy decodes, ``A(dec(mu + eps)) - A(dec(mu))`` {name: [N]}."""
    mu = np.asarray(mu, np.float32)
    rng = np.random.default_rng(seed)
    eps = (spread * (mu[rng.permutation(len(mu))] - mu.mean(0))).astype(np.float32)
    table = engine.codec.attributes()

    def attrs_of(z: np.ndarray) -> dict[str, np.ndarray]:
        toks = np.concatenate([engine.decode_full(z[i:i + batch], 0.0, decoding="greedy")[0]
                               for i in range(0, len(z), batch)])
        return {k: v.astype(np.float64) for k, v in measure_table(table, toks).items()}

    at, moved = attrs_of(mu), attrs_of(mu + eps)
    return eps, {k: moved[k] - at[k] for k in at}


def slider_directions(mu: np.ndarray, attrs: dict[str, np.ndarray], vectors: np.ndarray,
                      method: str = DIRECTIONS_METHOD, engine: Engine | None = None
                      ) -> tuple[np.ndarray, dict[str, Any]]:
    """The slider directions (model/directions.py) for the attribute files from training posterior
    means ``mu`` and their windows' attributes (``"pure_decoder"``: ``engine`` decodes perturbations
    of ``mu`` instead, :func:`decoder_response`): rows in the order of ``attrs`` and a description of
    how they were made (for ``attributes.json``)."""
    if method == "pure_decoder":
        if engine is None:
            raise ValueError("pure_decoder directions need the engine to decode with")
        eps, delta = decoder_response(engine, mu[:DECODER_WINDOWS])
        directions, info = fit_directions(eps, {k: delta[k] for k in attrs}, vectors, method)
        info["spread"] = DECODER_SPREAD
    else:
        directions, info = fit_directions(mu, attrs, vectors, method)
    info["description"] = f"{METHOD_TEXT[method]}; {SCALE_TEXT}"
    return directions, info


def update_directions(folder: Path, directions: np.ndarray, info: dict[str, Any]) -> None:
    """Add (or replace) the slider directions in a model's attribute files, keeping every other tensor
    and field; old readers ignore both (backward compatible)."""
    path, doc_path = folder / "attributes.safetensors", folder / "attributes.json"
    tensors = {k: v for k, v in load_file(str(path)).items() if k != DIRECTIONS_KEY}
    save_file({**tensors, DIRECTIONS_KEY: torch.from_numpy(np.ascontiguousarray(directions, np.float32))},
              str(path))
    doc = json.loads(doc_path.read_text())
    doc[DIRECTIONS_KEY] = info
    doc_path.write_text(json.dumps(doc, indent=2) + "\n")


def save_attributes(folder: Path, result: dict[str, Any], table: AttributeTable,
                    extra: dict[str, Any] | None = None) -> None:
    """The vectors of ``result`` and the definitions of ``table`` (the codec's attributes)."""
    result = dict(result)
    info = result.pop(DIRECTIONS_INFO, None)
    if info is not None:
        extra = {**(extra or {}), DIRECTIONS_KEY: info}
    save_file(_tensors(result), str(folder / "attributes.safetensors"))
    doc = {"names": list(table), "definitions": {n: d for n, (_, d) in table.items()},
           "method": "mean posterior mean of training windows in the attribute's top quartile minus "
                     "the bottom quartile's; principal directions = PCA of training posterior means; "
                     "fitted prior = mixture of Gaussians on the training posteriors (model/prior.py); "
                     "slider directions (when stored): see slider_directions",
           **(extra or {})}
    (folder / "attributes.json").write_text(json.dumps(doc, indent=2) + "\n")


def _ranks(a: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (as scipy.stats.rankdata)."""
    a = np.asarray(a, dtype=np.float64)
    order = np.argsort(a, kind="mergesort")
    inv = np.empty(len(a), dtype=np.int64)
    inv[order] = np.arange(len(a))
    s = a[order]
    new_group = np.r_[True, s[1:] != s[:-1]]
    dense = np.cumsum(new_group)[inv]
    bounds = np.r_[np.flatnonzero(new_group), len(a)]
    return 0.5 * (bounds[dense] + bounds[dense - 1] + 1)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho with tied ranks averaged; NaN when either side is constant."""
    rx, ry = _ranks(x), _ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def evaluate_attributes(engine: Engine, windows: np.ndarray, amounts: np.ndarray | None = None,
                        condition: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """Move held-out windows along each vector (9 amounts, -2..+2 by default) and measure.

    For each attribute: mean Spearman correlation between amount and the attribute over the windows,
    the relative change from amount 0 to +1 (%), and the mean |Spearman| it causes in the other
    attributes (side effects). ``condition``: the windows' own (chords), encoded and decoded over."""
    assert engine.attributes is not None
    amounts = np.linspace(-2, 2, 9) if amounts is None else amounts
    mu = encode_means(engine, windows, condition=condition)
    over = None if condition is None else np.concatenate([condition] * len(amounts))
    report: dict[str, dict[str, float]] = {}
    for name in engine.attributes.names:
        zs = np.stack([engine.shift(mu, name, float(a)) for a in amounts])  # [9, N, d]
        dec = engine.decode_tokens(zs.reshape(-1, zs.shape[-1]), condition=over)
        toks = dec.reshape(len(amounts), len(windows), *dec.shape[1:])
        table = engine.codec.attributes()
        vals = {other: np.array([[table[other][0](toks[i, j]) for j in range(len(windows))]
                                 for i in range(len(amounts))]) for other in engine.attributes.names}
        own = vals[name]
        rhos = np.array([spearman(amounts, own[:, j]) for j in range(len(windows))])
        rho = float(np.nanmean(rhos)) if np.isfinite(rhos).any() else 0.0
        zero, one = own[len(amounts) // 2].mean(), own[np.argmin(np.abs(amounts - 1.0))].mean()
        change = 100.0 * (one - zero) / abs(zero) if zero else float("nan")
        side = {}
        for o in engine.attributes.names:
            if o != name:
                r = np.array([spearman(amounts, vals[o][:, j]) for j in range(len(windows))])
                side[o] = float(np.nanmean(np.nan_to_num(r, nan=0.0)))  # unchanged counts as no effect
        report[name] = {"spearman": rho, "changed_share": float(np.isfinite(rhos).mean()),
                        "change_at_plus1_pct": float(change),
                        "mean_abs_side_spearman": float(np.mean(np.abs(list(side.values())))),
                        **{f"side_{o}": v for o, v in side.items()}}
    return report
