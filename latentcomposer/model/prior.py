"""A prior fitted to where the encoder actually puts music: sample z from it instead of N(0, I).

A VAE's KL term never pulls the aggregate posterior all the way onto N(0, I); with hundreds of nats
of KL (our 16-bar models) much of N(0, I) decodes to music unlike the data -- a melody drifts out
of its key because dimensions that move together in real windows are drawn independently. Fitting a
density to the training posteriors after training ("ex-post density estimation", Ghosh et al. 2020)
keeps those correlations. Here: a mixture of ``k`` Gaussians (k-means on the posterior means, each
cluster's covariance shrunk towards the pooled within-cluster one, stored as probabilistic PCA: a rank-``r`` factor
plus isotropic noise),
plus the mean posterior variance, so a sample carries the same noise the decoder was trained on.
The measured effect is in each model card ("Samples from the prior").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

KEYS = ("prior_weights", "prior_means", "prior_factors", "prior_resid_std")


@dataclass
class FittedPrior:
    weights: np.ndarray  # [k], sums to 1
    means: np.ndarray  # [k, D]
    factors: np.ndarray  # [k, D, r]: covariance_j = factors_j @ factors_j.T + diag(resid_std_j ** 2)
    resid_std: np.ndarray  # [k, D]

    @property
    def z_dim(self) -> int:
        return int(self.means.shape[1])

    def as_arrays(self) -> dict[str, np.ndarray]:
        return dict(zip(KEYS, (self.weights, self.means, self.factors, self.resid_std), strict=True))

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> FittedPrior | None:
        if not all(k in arrays for k in KEYS):
            return None
        w, m, f, r = (np.asarray(arrays[k], dtype=np.float32) for k in KEYS)
        return cls(w / w.sum(), m, f, r)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` latents [n, D] (float32), reproducible with ``rng``. Plain numpy: the app's latent state
        samples with it without importing torch."""
        comp = rng.choice(len(self.weights), size=n, p=self.weights / self.weights.sum())
        eps_r = rng.standard_normal((n, self.factors.shape[2], 1)).astype(np.float32)
        eps_d = rng.standard_normal((n, self.z_dim)).astype(np.float32)
        z = self.means[comp] + (self.factors[comp] @ eps_r)[..., 0] + self.resid_std[comp] * eps_d
        return z.astype(np.float32)


def _kmeans(x: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 30
            ) -> tuple[np.ndarray, np.ndarray]:
    """(assignment [N], centres [k, D]); each centre is the mean of its points (an empty cluster keeps
    its last centre)."""
    centres = x[rng.choice(len(x), k, replace=False)]
    sq = (x ** 2).sum(1)
    assign = np.zeros(len(x), dtype=np.int64)
    for it in range(iterations):
        d = sq[:, None] - 2 * x @ centres.T + (centres ** 2).sum(1)[None]
        new = d.argmin(1)
        if it > 0 and np.array_equal(new, assign):
            break
        assign = new
        centres = np.stack([x[assign == j].mean(0) if (assign == j).any() else centres[j] for j in range(k)])
    return assign, centres


def fit_prior(mu: np.ndarray, sigma2_mean: np.ndarray, k: int = 8, rank: int = 64, seed: int = 0) -> FittedPrior:
    """Fit the mixture to posterior means ``mu`` [N, D]; ``sigma2_mean`` [D] is the mean posterior
    variance, added to every component's diagonal."""
    mu = np.asarray(mu, dtype=np.float64)
    n, d = mu.shape
    k = max(1, min(k, n // 2))
    rank = max(1, min(rank, d))
    rng = np.random.default_rng(seed)
    if k > 1:
        assign, centres = _kmeans(mu, k, rng)
    else:
        assign, centres = np.zeros(n, dtype=np.int64), mu.mean(0, keepdims=True)
    within = mu - centres[assign]
    pooled = within.T @ within / max(1, n - k)  # the within-cluster covariance, pooled over clusters
    weights, means, factors, resid = [], [], [], []
    for j in range(k):
        xj = mu[assign == j]
        if len(xj) == 0:
            continue
        cov = np.cov(xj, rowvar=False) if len(xj) > 1 else np.zeros((d, d))
        shrink = min(1.0, d / len(xj))  # few windows in the cluster: lean on the pooled covariance
        cov = (1 - shrink) * cov + shrink * pooled
        # probabilistic PCA (Tipping & Bishop 1999): the top ``rank`` directions plus isotropic noise
        # at the mean variance of the others
        vals, vecs = np.linalg.eigh(cov)
        order = np.argsort(vals)[::-1]
        top, others = order[:rank], order[rank:]
        noise = float(np.clip(vals[others], 0.0, None).mean()) if len(others) else 0.0
        f = vecs[:, top] * np.sqrt(np.clip(vals[top] - noise, 0.0, None))
        rest = np.full(d, noise)
        weights.append(len(xj) / n)
        means.append(xj.mean(0))
        factors.append(f)
        resid.append(np.sqrt(rest + np.asarray(sigma2_mean, dtype=np.float64)))
    return FittedPrior(np.array(weights, np.float32), np.array(means, np.float32), np.array(factors, np.float32),
                       np.array(resid, np.float32))


# --- a prior shipped alone, tied to its weights (the trio: no attribute vectors yet) -------------------
ATTRIBUTES_WEIGHTS, ATTRIBUTES_META = "attributes.safetensors", "attributes.json"


def weights_sha256(model_folder: Path) -> str:
    """SHA-256 of the model's ``model.safetensors``: a fitted prior belongs to the weights it was fitted to."""
    h = hashlib.sha256()
    with open(Path(model_folder) / "model.safetensors", "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_prior_alone(folder: Path, prior: FittedPrior, meta: dict[str, Any]) -> None:
    """The fitted prior as ``attributes.safetensors`` + ``attributes.json`` (the files the engine reads
    its prior from; no attribute vectors, no principal directions), the JSON naming the weights'
    SHA-256 (``model_sha256``). Each file written atomically; the factors in half precision as
    model/attributes.py stores them."""
    from safetensors.numpy import save_file

    folder = Path(folder)
    arrays = {k: np.ascontiguousarray(v) for k, v in prior.as_arrays().items()}
    arrays["prior_factors"] = arrays["prior_factors"].astype(np.float16)
    arrays["vectors"] = np.zeros((0, prior.z_dim), np.float32)
    tmp = folder / f".{ATTRIBUTES_WEIGHTS}.tmp"
    save_file(arrays, str(tmp))
    tmp.chmod(0o644)
    tmp.replace(folder / ATTRIBUTES_WEIGHTS)
    doc = {"names": [], "definitions": {},
           "method": "fitted prior only: a mixture of Gaussians on training posterior means (model/prior.py)",
           "model_sha256": weights_sha256(folder), "prior": meta}
    tmpj = folder / f".{ATTRIBUTES_META}.tmp"
    tmpj.write_text(json.dumps(doc, indent=2) + "\n")
    tmpj.replace(folder / ATTRIBUTES_META)


def prior_status(folder: Path | None) -> str:
    """'' when the folder's ``attributes.json`` names these weights' SHA-256 (or names none: the older
    models' files, fitted with their weights), else why the prior does not belong to them."""
    if folder is None or not (Path(folder) / ATTRIBUTES_META).exists():
        return "it has no fitted prior"
    try:
        doc = json.loads((Path(folder) / ATTRIBUTES_META).read_text())
    except (OSError, ValueError):
        return "its attributes.json is damaged"
    want = doc.get("model_sha256") if isinstance(doc, dict) else None
    if want is not None and want != weights_sha256(Path(folder)):
        return "its fitted prior was fitted to other weights (re-run scripts/fit_trio_prior.py)"
    return ""
