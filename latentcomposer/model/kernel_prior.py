"""A kernel prior: sample z near where the encoder put real training windows.

The fitted mixture (model/prior.py) smooths the training posteriors into 8 broad Gaussians; in 256-512
dimensions much of each Gaussian's mass still lies between the windows, where the decoder has seen no
music (issue 26: 34-62 % of its samples stay in one key against the data's 98 %). A kernel density
estimate keeps the windows themselves: draw one of ``N`` training posterior means ``c_i`` (uniformly)
and add Gaussian noise,

    z = c_i + lam * (c_j - c_i) + h * s_i * eps,      eps ~ N(0, I)

- ``s_i`` the window's spread: its posterior std (``scale="posterior"``, per dimension) or its *local
  spread*, the distance to its ``k``-th nearest pool neighbour / sqrt(D) (``scale="local"``; dense regions
  get a narrow kernel, sparse ones a wide one);
- ``h`` the bandwidth, chosen on validation windows (:func:`heldout_loglik`), never on test;
- ``lam ~ U(0, mix)`` and ``c_j`` one of the window's ``k`` nearest neighbours (``mix > 0``): a step towards
  a neighbour, so a sample blends two nearby windows instead of only jittering one.

A small ``h`` replays training music: ``scripts/prior_search.py`` measures each candidate's *novelty*
(the share of decoded samples that agree with their nearest training window on > 90 % of the 16ths)
beside the in-key and rhythm figures. The file pair ``kernel_prior.safetensors`` + ``kernel_prior.json``
sits beside the weights, the JSON naming their SHA-256 (model/digest.py ``weights_digest``): a
prior fitted to other weights is ignored and the engine falls back to the fitted mixture. Plain NumPy,
so the app samples from it without torch. Refit: ``latentcomposer fit-kernel-prior --model NAME``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from latentcomposer.core.errors import UserFacingError

WEIGHTS, META = "kernel_prior.safetensors", "kernel_prior.json"
FORMAT = 1
Scale = Literal["posterior", "local"]
# what Engine.sample_z draws from: "kernel" (this prior; falls back to "fitted" without a current file),
# "fitted" (model/prior.py; falls back to "standard"), "standard" (N(0, I)), "bar" (model/bar_prior.py)
PriorKind = Literal["kernel", "fitted", "standard", "bar"]
PRIOR_KINDS: tuple[str, ...] = ("kernel", "fitted", "standard", "bar")


class KernelPriorError(UserFacingError):
    """A kernel prior file that cannot be used (damaged, or of another shape than its model)."""


@dataclass
class KernelPrior:
    centres: np.ndarray  # [N, D] training posterior means
    spread: np.ndarray  # [N, D] (posterior) or [N, 1] (local): the kernel's std at h = 1
    h: float = 1.0  # bandwidth: noise std = h * spread
    neighbours: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))  # [N, k] or empty
    mix: float = 0.0  # lam ~ U(0, mix) towards a random one of the k nearest neighbours
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def z_dim(self) -> int:
        return int(self.centres.shape[1])

    def sample(self, n: int, rng: np.random.Generator, spread: float = 1.0) -> np.ndarray:
        """``n`` latents [n, D] (float32), reproducible with ``rng``; ``spread`` scales the noise (a
        temperature on the kernel: 0 = the training posterior means themselves)."""
        i = rng.integers(0, len(self.centres), size=n)
        z = self.centres[i].astype(np.float64)
        if self.mix > 0 and self.neighbours.size:
            j = self.neighbours[i, rng.integers(0, self.neighbours.shape[1], size=n)]
            lam = rng.uniform(0.0, self.mix, size=(n, 1))
            z += lam * (self.centres[j] - self.centres[i])
        eps = rng.standard_normal((n, self.z_dim))
        z += (spread * self.h) * self.spread[i] * eps
        return z.astype(np.float32)

    def as_arrays(self) -> dict[str, np.ndarray]:
        """The arrays as stored: centres and spread in half precision (plenty beside the noise they get)."""
        return {"centres": np.ascontiguousarray(self.centres, np.float16),
                "spread": np.ascontiguousarray(self.spread, np.float16),
                "neighbours": np.ascontiguousarray(self.neighbours, np.int64)}


def _sq_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.maximum((x ** 2).sum(1)[:, None] - 2 * x @ y.T + (y ** 2).sum(1)[None], 0.0)


def nearest_neighbours(mu: np.ndarray, k: int, chunk: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """(indices [N, k], distances [N, k]) of each row's ``k`` nearest other rows, nearest first."""
    mu = np.asarray(mu, np.float64)
    k = max(1, min(k, len(mu) - 1))
    idx, dist = [], []
    for s in range(0, len(mu), chunk):
        d = _sq_distances(mu[s:s + chunk], mu)
        d[np.arange(len(d)), np.arange(s, s + len(d))] = np.inf  # not itself
        part = np.argpartition(d, k, axis=1)[:, :k]
        pd = np.take_along_axis(d, part, 1)
        o = np.argsort(pd, 1)
        idx.append(np.take_along_axis(part, o, 1))
        dist.append(np.sqrt(np.take_along_axis(pd, o, 1)))
    return np.concatenate(idx), np.concatenate(dist)


def fit_kernel_prior(mu: np.ndarray, sigma: np.ndarray, scale: Scale = "local", h: float = 1.0, k: int = 8,
                     mix: float = 0.0) -> KernelPrior:
    """A kernel prior on the training posteriors (``mu``, ``sigma`` [N, D]): see the module docstring."""
    mu = np.asarray(mu, np.float32)
    if len(mu) < 2:
        raise ValueError("a kernel prior needs at least two training windows")
    nb, dist = nearest_neighbours(mu, k)
    if scale == "posterior":
        spread = np.asarray(sigma, np.float32)
    elif scale == "local":
        spread = (dist[:, -1:] / math.sqrt(mu.shape[1])).astype(np.float32)
    else:
        raise ValueError(f"unknown kernel scale '{scale}' (posterior or local)")
    return KernelPrior(mu, spread, float(h), nb.astype(np.int64) if mix > 0 else np.zeros((0, 0), np.int64),
                       float(mix), {"scale": scale, "k": int(nb.shape[1])})


def heldout_loglik(prior: KernelPrior, x: np.ndarray, chunk: int = 256) -> float:
    """Mean log-density (nats) of held-out posterior means ``x`` [M, D] under the kernel mixture
    (without the neighbour mixing): how ``h`` is chosen, on validation windows."""
    x = np.asarray(x, np.float64)
    c = prior.centres.astype(np.float64)
    s = np.broadcast_to(prior.h * prior.spread.astype(np.float64), c.shape)
    inv = 1.0 / s ** 2
    const = -np.log(s).sum(1) - 0.5 * c.shape[1] * math.log(2 * math.pi) - 0.5 * (c ** 2 * inv).sum(1)
    out = []
    for st in range(0, len(x), chunk):
        xb = x[st:st + chunk]
        q = -0.5 * (xb ** 2) @ inv.T + xb @ (c * inv).T + const[None]  # [m, N] log N(x; c_i, s_i^2)
        m = q.max(1, keepdims=True)
        out.append(m[:, 0] + np.log(np.exp(q - m).mean(1)))
    return float(np.concatenate(out).mean())


# --- files ---------------------------------------------------------------------------------------
def save_kernel_prior(folder: Path, prior: KernelPrior, meta: dict[str, Any]) -> None:
    """``kernel_prior.safetensors`` + ``kernel_prior.json`` into the model folder (each written atomically),
    the JSON naming the weights' SHA-256."""
    from safetensors.numpy import save_file

    from .digest import weights_digest

    folder = Path(folder)
    tmp = folder / f".{WEIGHTS}.tmp"
    save_file(prior.as_arrays(), str(tmp), metadata={"format": str(FORMAT)})
    tmp.chmod(0o644)
    tmp.replace(folder / WEIGHTS)
    doc = {"format": FORMAT, "model_sha256": weights_digest(folder), "h": prior.h, "mix": prior.mix,
           "fit": prior.meta, "meta": meta}
    tmpj = folder / f".{META}.tmp"
    tmpj.write_text(json.dumps(doc, indent=2) + "\n")
    tmpj.replace(folder / META)


def kernel_prior_status(folder: Path | None) -> str:
    """'' when the folder holds a kernel prior fitted to its weights, else why not (in words)."""
    from .digest import weights_digest

    if folder is None or not (Path(folder) / META).exists() or not (Path(folder) / WEIGHTS).exists():
        return "it has no kernel prior"
    try:
        doc = json.loads((Path(folder) / META).read_text())
    except (OSError, ValueError):
        return "its kernel_prior.json is damaged"
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return "its kernel_prior.json is of another format"
    if doc.get("model_sha256") != weights_digest(Path(folder)):
        return "its kernel prior was fitted to other weights (refit: latentcomposer fit-kernel-prior)"
    return ""


def load_kernel_prior(folder: Path | None, z_dim: int) -> KernelPrior | None:
    """The folder's kernel prior when it is fitted to these weights and of this latent size, else None
    (no file, a stale file: the caller falls back to the fitted mixture). A damaged weights file raises."""
    if kernel_prior_status(folder) or folder is None:
        return None
    from safetensors.numpy import load_file

    doc = json.loads((Path(folder) / META).read_text())
    try:
        arrays = load_file(str(Path(folder) / WEIGHTS))
    except Exception as exc:  # noqa: BLE001 -- safetensors raises several types for a damaged file
        raise KernelPriorError(f"{Path(folder) / WEIGHTS} is damaged ({exc}); refit it with "
                               "`latentcomposer fit-kernel-prior` or delete it") from None
    c = arrays.get("centres")
    if c is None or c.ndim != 2 or c.shape[1] != z_dim:
        return None
    return KernelPrior(c.astype(np.float32), arrays["spread"].astype(np.float32), float(doc.get("h", 1.0)),
                       arrays.get("neighbours", np.zeros((0, 0), np.int64)).astype(np.int64),
                       float(doc.get("mix", 0.0)), dict(doc.get("fit", {})))


# --- fitting to a model ---------------------------------------------------------------------------
H_GRID = (0.25, 0.35, 0.5, 0.75, 1.0, 1.5)  # bandwidths tried on the validation windows (scale "local")
COPY_AGREEMENT = 0.9  # a decoded sample agreeing this much with a training window is a near-copy
COPY_MARGIN = 0.05  # a prior may make at most the validation windows' near-copy share + this


def nearest_agreement(tokens: np.ndarray, reference: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """[n] the largest share of equal tokens between each row of ``tokens`` and any row of ``reference``."""
    a = np.asarray(tokens).reshape(len(tokens), -1)
    b = np.asarray(reference).reshape(len(reference), -1)
    best = np.zeros(len(a))
    for s in range(0, len(b), chunk):
        bb = b[s:s + chunk]
        eq = np.zeros((len(a), len(bb)), np.int32)
        for k in range(a.shape[1]):
            eq += a[:, k, None] == bb[None, :, k]
        best = np.maximum(best, eq.max(1) / a.shape[1])
    return best


def choose_bandwidth(engine: Any, mu: np.ndarray, sigma: np.ndarray, pool: np.ndarray, valid: np.ndarray,
                     grid: tuple[float, ...], scale: Scale = "local", samples: int = 128, seed: int = 1,
                     condition: np.ndarray | None = None) -> tuple[float, dict[str, Any]]:
    """The narrowest ``h`` whose decoded samples (temperature 0.5, seed ``seed``) copy a training window
    (``pool``, the kernel's own windows) no more often than the validation windows do, plus
    :data:`COPY_MARGIN`. A narrower kernel keeps samples nearer the music (their one-key share falls as
    ``h`` grows, on every model measured), so this is the most in-key kernel that is no copier; the
    one-key share of each ``h`` is recorded, not compared (128 samples are too few to rank close ones).
    Only validation and training windows are read. ``(h, figures)``; none qualifying, the widest.
    ``condition``: the pool's (a chord-conditioned model decodes each sample over a pool window's chords)."""
    from ..data.codec_base import measure_table

    table = engine.codec.attributes()
    yard = float((nearest_agreement(valid, pool) > COPY_AGREEMENT).mean())
    rows: dict[str, Any] = {}
    for h in grid:
        z = fit_kernel_prior(mu, sigma, scale, h).sample(samples, np.random.default_rng(seed))
        over = None if condition is None else condition[np.random.default_rng(seed).integers(0, len(condition),
                                                                                               samples)]
        toks = np.asarray(engine.decode_tokens(z, temperature=0.5, seed=seed, condition=over))
        one_key = float((measure_table(table, toks)["in-key"] >= 0.9).mean())
        copies = float((nearest_agreement(toks, pool) > COPY_AGREEMENT).mean())
        rows[f"{h:g}"] = {"one_key": round(one_key, 3), "near_copies": round(copies, 3)}
    ok = [h for h in grid if rows[f"{h:g}"]["near_copies"] <= yard + COPY_MARGIN]
    best = min(ok) if ok else max(grid)
    return best, {"valid_near_copies": round(yard, 3), "samples": samples, "by_h": rows}


def fit_for_engine(engine: Any, pool_windows: int = 4000, valid_windows: int = 1000, scale: Scale = "local",
                   h: float | None = None, seed: int = 0, save: bool = True,
                   windows: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """Encode ``pool_windows`` seeded training windows (the kernel's centres) and ``valid_windows``
    validation windows (the corpus' splits, or ``windows`` = (train, valid) tokens); choose ``h`` on the
    validation windows (unless given): for a melody model with :func:`choose_bandwidth` (in one key,
    novel), else by their held-out log-likelihood; save the prior beside the weights. Returns its
    figures (also stored in ``kernel_prior.json``)."""
    import time

    from .attributes import encode_posteriors

    codec, nb = engine.codec, engine.cfg.n_bars
    rng = np.random.default_rng(seed)
    conds: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
    if windows is None:
        sets = (codec.corpus_windows("train", nb), codec.corpus_windows("valid", nb))
        windows = (sets[0].tokens, sets[1].tokens)
        if engine.condition_dim:  # a chord-conditioned model encodes each window over its own chords
            conds = (sets[0].arrays.get("condition"), sets[1].arrays.get("condition"))
    train, valid = (np.asarray(w).astype(np.int64) for w in windows)
    pick_t = np.sort(rng.permutation(len(train))[:pool_windows])
    pick_v = np.sort(rng.permutation(len(valid))[:valid_windows])
    train, valid = train[pick_t], valid[pick_v]
    train_cond = None if conds[0] is None else np.asarray(conds[0][pick_t], np.float32)
    valid_cond = None if conds[1] is None else np.asarray(conds[1][pick_v], np.float32)
    mu, sigma = encode_posteriors(engine, train, condition=train_cond)
    vmu, _ = encode_posteriors(engine, valid, condition=valid_cond)
    grid = (float(h),) if h is not None else H_GRID
    lls = {g: heldout_loglik(fit_kernel_prior(mu, sigma, scale, g), vmu) for g in grid}
    best = max(lls, key=lambda g: lls[g])
    figures: dict[str, Any] = {"train_windows": int(len(train)), "valid_windows": int(len(valid)),
                               "scale": scale, "valid_loglik": {f"{g:g}": round(v, 2) for g, v in lls.items()}}
    if h is None and "in-key" in codec.attributes():
        best, figures["valid_choice"] = choose_bandwidth(engine, mu, sigma, train, valid, grid, scale,
                                                         seed=seed + 1, condition=train_cond)
        figures["chosen_by"] = "the narrowest kernel whose samples copy no more than the validation windows + 0.05"
    else:
        figures["chosen_by"] = "given" if h is not None else "validation log-likelihood"
    prior = fit_kernel_prior(mu, sigma, scale, best)
    prior.centres, prior.spread = (a.astype(np.float16).astype(np.float32) for a in (prior.centres, prior.spread))
    figures.update({"h": best, "seed": seed, "fitted": time.strftime("%Y-%m-%d")})
    if save and engine.folder is not None:
        save_kernel_prior(engine.folder, prior, figures)
        engine.__dict__.pop("_kernel", None)  # the engine reads the new file when next asked
    return figures
