"""Fit the trio's prior to where its encoder puts training music, and ship it beside the weights.

The trio samples z ~ N(0, I) otherwise, and most of N(0, I) is where the encoder never puts music (the
card: prior-sample melodies span 37 semitones against the data's 15). As the other models do
(model/prior.py, "ex-post density estimation"): posterior means of windows from the POP909 **training**
songs only (data/trio.py ``split_of``; a seeded choice of ``--windows`` 16-bar windows, hop 4 bars),
a mixture of ``--components`` Gaussians (k-means, probabilistic PCA of rank ``--rank``) plus the mean
posterior variance. Written to the model folder as ``attributes.safetensors`` + ``attributes.json``
(the files the engine reads its fitted prior from), the JSON naming the weights' SHA-256: a re-exported
model ignores a prior fitted to older weights until this is run again (model/sections.py).

    .venv/bin/python scripts/fit_trio_prior.py [--model models/trio_16bar] [--windows 2000]

Reads the cached corpus (~/.cache/latentcomposer/trio/trio_corpus.npz) without writing it; one CPU
thread, a few minutes. Measure the result with ``scripts/trio_eval.py`` (prior samples per stream).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from latentcomposer.data.trio import trio_corpus
from latentcomposer.model.engine import Engine
from latentcomposer.model.prior import fit_prior, save_prior_alone, weights_sha256
from latentcomposer.model.registry import resolve_model_dir


def training_windows(n_bars: int, count: int, hop_bars: int, seed: int) -> np.ndarray:
    """``count`` packed windows (a seeded choice) from the training songs' windows (hop ``hop_bars``)."""
    corpus = trio_corpus()
    starts, _songs, _ = corpus.window_starts("train", n_bars, hop_bars=hop_bars)
    pick = np.sort(np.random.default_rng(seed).permutation(len(starts))[:count])
    return corpus.windows(starts[pick], n_bars * 16)


def posteriors(engine: Engine, windows: np.ndarray, batch: int = 32) -> tuple[np.ndarray, np.ndarray]:
    from latentcomposer.model.attributes import encode_posteriors

    return encode_posteriors(engine, windows, batch)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="trio_16bar")
    ap.add_argument("--windows", type=int, default=2000, help="training windows to encode")
    ap.add_argument("--hop-bars", type=int, default=4)
    ap.add_argument("--components", type=int, default=8)
    ap.add_argument("--rank", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    folder = resolve_model_dir(a.model)
    engine = Engine.load(folder, device="cpu", warmup=False)
    if getattr(engine.cfg, "architecture", "") != "trio":
        print(f"{folder} is not a trio model", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    windows = training_windows(engine.cfg.n_bars, a.windows, a.hop_bars, a.seed)
    mu, sigma = posteriors(engine, windows)
    t1 = time.perf_counter()
    prior = fit_prior(mu, (sigma.astype(np.float64) ** 2).mean(0), a.components, a.rank, a.seed)
    t2 = time.perf_counter()
    meta = {"windows": len(windows), "split": "train", "hop_bars": a.hop_bars, "components": len(prior.weights),
            "rank": a.rank, "seed": a.seed, "fitted": time.strftime("%Y-%m-%d"),
            "mean_abs_mu": float(np.abs(mu).mean()), "mean_sigma": float(sigma.mean())}
    save_prior_alone(Path(folder), prior, meta)
    print(f"{folder}: fitted a {len(prior.weights)}-component prior (rank {a.rank}) to the posterior means of "
          f"{len(windows)} training windows (encoded in {t1 - t0:.0f} s, fitted in {t2 - t1:.0f} s); "
          f"|mu| {meta['mean_abs_mu']:.3f}, sigma {meta['mean_sigma']:.3f}; weights {weights_sha256(Path(folder))[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
