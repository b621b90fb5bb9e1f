"""Which prior over z puts samples where the music is? Candidates measured side by side (issue 26).

    nice -n 10 .venv/bin/python scripts/prior_search.py --model mel_2bar --json /tmp/ps_mel_2bar.json

For each candidate prior, ``--samples`` seeded latents are decoded at temperature 0.5 and 1.0 and
measured against **all test windows** (as ``model.analysis.prior_check``): share in one key, in-key,
syncopation, rests, interval, density, range. Next to them, **novelty**: each decoded sample's token
agreement (share of 16th steps with the same token) with the nearest of ``--reference`` training
windows, which include every window a kernel prior draws from; a sample whose agreement is > 0.9 is a
*near-copy*. The same figure for the test windows themselves (new music in the style) is the yardstick:
a prior may not copy more often than that plus ``COPY_MARGIN``.

Candidates: N(0, I); the shipped fitted mixture; the mixture with more clusters / lower rank; the
mixture with its within-cluster spread scaled by ``s`` (a temperature on the spread); kernel priors
(model/kernel_prior.py): a training posterior mean plus Gaussian noise of ``h`` x the window's
posterior std, or of ``h`` x its local spread (distance to its k-th nearest training neighbour /
sqrt(D)), and the kernel with neighbour mixing. The kernel's ``h`` is chosen on VALIDATION windows (held-out
log-likelihood of their posterior means), never on test; every ``h`` of the grid is still reported.

One thread, niced; deterministic for a seed.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

TEMPERATURES = (0.5, 1.0)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def figures(eng: Any, z: np.ndarray, reference: np.ndarray, seed: int) -> dict[str, Any]:
    from latentcomposer.model.analysis import _summary
    from latentcomposer.model.kernel_prior import COPY_AGREEMENT, nearest_agreement

    out: dict[str, Any] = {}
    for t in TEMPERATURES:
        toks = np.asarray(eng.decode_tokens(z, temperature=t, seed=seed))
        s = _summary(toks, eng.codec)
        agree = nearest_agreement(toks, reference)
        s["near-copy share"] = float((agree > COPY_AGREEMENT).mean())
        s["nearest agreement"] = float(agree.mean())
        out[f"{t:g}"] = s
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="mel_2bar")
    ap.add_argument("--samples", type=int, default=256)
    ap.add_argument("--pool", type=int, default=4000, help="training windows a kernel prior draws from")
    ap.add_argument("--reference", type=int, default=10000, help="training windows for the novelty figure")
    ap.add_argument("--valid", type=int, default=1000, help="validation windows for choosing h")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="comma-separated candidate names (default: all)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()

    import torch

    from latentcomposer.model.analysis import _summary
    from latentcomposer.model.attributes import encode_posteriors
    from latentcomposer.model.engine import Engine
    from latentcomposer.model.kernel_prior import (
        COPY_AGREEMENT,
        fit_kernel_prior,
        heldout_loglik,
        nearest_agreement,
    )
    from latentcomposer.model.prior import fit_prior

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    eng = Engine.load(a.model, device="cpu", warmup=False)
    codec, nb = eng.codec, eng.cfg.n_bars
    rng = np.random.default_rng(a.seed)
    train = codec.corpus_windows("train", nb).tokens.astype(np.int64)
    valid = codec.corpus_windows("valid", nb).tokens.astype(np.int64)
    test = codec.corpus_windows("test", nb).tokens.astype(np.int64)
    order = rng.permutation(len(train))
    pool = train[np.sort(order[: a.pool])]
    reference = train[np.sort(order[: a.reference])]  # includes the pool
    valid = valid[np.sort(rng.permutation(len(valid))[: a.valid])]
    log(f"{a.model}: train {len(train)} (pool {len(pool)}, reference {len(reference)}), valid {len(valid)}, "
        f"test {len(test)}")
    cache = Path(f"/tmp/prior_search_{a.model}_{a.pool}_{a.valid}_{a.seed}.npz")  # re-runs skip the encoding
    if cache.exists():
        got = np.load(cache)
        mu, sigma, vmu = got["mu"], got["sigma"], got["vmu"]
    else:
        mu, sigma = encode_posteriors(eng, pool)
        vmu, _ = encode_posteriors(eng, valid)
        np.savez(cache, mu=mu, sigma=sigma, vmu=vmu)
    log(f"encoded ({time.perf_counter() - t0:.0f} s); mean posterior std {sigma.mean():.3f}, "
        f"mean |mu| {np.abs(mu).mean():.3f}")
    data = _summary(test, codec)
    data_agree = nearest_agreement(test[np.random.default_rng(1).permutation(len(test))[:512]], reference)
    data["near-copy share"] = float((data_agree > COPY_AGREEMENT).mean())
    data["nearest agreement"] = float(data_agree.mean())
    log(f"test data: one key {data['share in one key']:.2f}, near-copies {data['near-copy share']:.2f} "
        f"(mean nearest agreement {data['nearest agreement']:.3f})")

    s2 = (sigma ** 2).mean(0)
    cands: dict[str, Any] = {}  # name -> (sampler(n, rng) -> z, info)
    fitted = eng.fitted_prior
    cands["standard"] = (lambda n, r: r.standard_normal((n, eng.z_dim)).astype(np.float32), {})
    if fitted is not None:
        cands["fitted (shipped)"] = (fitted.sample, {})
    for k, rank in ((32, 16), (64, 8)):
        p = fit_prior(mu, s2, k, rank, a.seed)
        cands[f"mixture k={k} r={rank}"] = (p.sample, {})
    if fitted is not None:
        for s in (0.5, 0.25):
            shr = type(fitted)(fitted.weights, fitted.means, fitted.factors * s,
                               np.sqrt(s * s * np.maximum(fitted.resid_std ** 2 - s2, 0) + s2).astype(np.float32))
            cands[f"fitted spread x{s:g}"] = (shr.sample, {})
    for scale in ("posterior", "local"):
        grid = (1.0, 4.0, 16.0, 32.0, 64.0) if scale == "posterior" else (0.25, 0.35, 0.5, 0.75, 1.0, 1.5)
        lls = {}
        for h in grid:
            kp = fit_kernel_prior(mu, sigma, scale=scale, h=h)
            lls[h] = heldout_loglik(kp, vmu)
            cands[f"kernel {scale} h={h:g}"] = (kp.sample, {"valid_loglik": lls[h]})
        best = max(lls, key=lambda h: lls[h])
        log(f"kernel {scale}: held-out log-lik per validation window {', '.join(f'{h:g}: {v:.1f}' for h, v in lls.items())}"
            f" -> h = {best:g}")
        cands[f"kernel {scale} h={best:g}"][1]["chosen_on_valid"] = True
    for mix in (0.5, 1.0):
        kp = fit_kernel_prior(mu, sigma, scale="local", h=0.5, mix=mix)
        cands[f"kernel local h=0.5 mix={mix:g}"] = (kp.sample, {"valid_loglik": heldout_loglik(kp, vmu)})

    only = {s.strip() for s in a.only.split(",") if s.strip()}
    results: dict[str, Any] = {}
    for name, (sampler, info) in cands.items():
        if only and name not in only and not ("chosen" in only and info.get("chosen_on_valid")):
            continue
        t1 = time.perf_counter()
        z = np.asarray(sampler(a.samples, np.random.default_rng(a.seed)), dtype=np.float32)
        results[name] = {**info, **figures(eng, z, reference, a.seed)}
        f = results[name]["0.5"]
        log(f"  {name:<28} t=0.5 one key {f['share in one key']:.2f} sync {f['syncopation']:.3f} rests "
            f"{f['rests']:.3f} int {f['interval']:.2f} dens {f['density']:.2f} range {f['range']:.1f} "
            f"copies {f['near-copy share']:.2f}  ({time.perf_counter() - t1:.0f} s)")
    doc = {"model": a.model, "samples": a.samples, "pool": len(pool), "reference": len(reference),
           "copy_agreement": COPY_AGREEMENT, "data": data, "priors": results}
    if a.json:
        a.json.write_text(json.dumps(doc, indent=1) + "\n")
    log(f"done ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
