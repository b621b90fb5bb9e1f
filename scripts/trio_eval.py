"""The trio's figures for issue 24 (card + docs/MODELS.md), on the POP909 test split (never read in
training) and on prior samples:

* per-stream test accuracy: melody / bass token accuracy teacher-forced and sampled (greedy from
  z = mu), accompaniment note F1 (TrioVAE.evaluate);
* cross-stream coherence: the share of bass onsets on the annotated chord's root (data, reconstructions),
  melody-vs-accompaniment in-key agreement (the share of melody onsets whose pitch class lies in the
  major scale that holds most of the window's accompaniment notes), and bass-vs-accompaniment
  agreement (the share of bass onsets whose pitch class sounds in the accompaniment at that step) --
  the last two on prior samples too;
* per-stream attributes of prior samples against the test data (note density, mean pitch, pitch range;
  accompaniment notes per onset step), from N(0, I) and from the fitted prior (when the model folder
  ships one fitted to its weights: scripts/fit_trio_prior.py), at decoding temperatures 0.5 and 1;
* decode latency of a 16-bar section at batch 1 on one CPU thread (greedy): torch loop and NumPy.

    .venv/bin/python scripts/trio_eval.py --model models/trio_16bar [--windows 512] [--samples 256]
        [--no-test-figures]   (skip the per-stream accuracies: the prior's figures in minutes)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from latentcomposer.data import melody
from latentcomposer.data.trio import bass_root_share, trio_corpus, unpack
from latentcomposer.model.checkpoint import load_model
from latentcomposer.model.engine import load_attributes
from latentcomposer.model.prior import prior_status
from latentcomposer.model.trio import TrioVAE
from latentcomposer.model.trio_fastdecode import TrioFastDecoder

MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])


def in_key_agreement(windows: np.ndarray) -> float:
    """Share of melody onsets in the major scale (any of the 12) that holds most of the window's
    accompaniment notes; windows without accompaniment notes or melody onsets are skipped."""
    parts = unpack(windows)
    mel, acc = parts["melody"], parts["accompaniment"]
    scales = np.zeros((12, 12), bool)
    for t in range(12):
        scales[t, (MAJOR + t) % 12] = True
    hit = total = 0
    for m, a in zip(mel, acc, strict=True):
        pitches = a[..., 0][a[..., 0] < 128].astype(np.int64)
        onsets = m[m < melody.NOTE_OFF].astype(np.int64)
        if not len(pitches) or not len(onsets):
            continue
        hist = np.bincount(pitches % 12, minlength=12)
        tonic = int(np.argmax(scales.astype(np.int64) @ hist))
        hit += int(scales[tonic, onsets % 12].sum())
        total += len(onsets)
    return hit / total if total else float("nan")


def bass_accompaniment_agreement(windows: np.ndarray) -> float:
    """Share of bass onsets whose pitch class sounds in the accompaniment at that step (a note of it
    starting there or held over it, by its duration); onsets where no accompaniment note sounds are
    skipped. Needs no chord annotation, so it measures prior samples too."""
    parts = unpack(windows)
    bass, acc = parts["bass"].astype(np.int64), parts["accompaniment"].astype(np.int64)
    n, t = bass.shape
    sounding = np.zeros((n, t + 1, 12), bool)  # [window, step, pitch class]
    w, st, k = np.nonzero(acc[..., 0] < 128)
    pc, dur = acc[w, st, k, 0] % 12, np.maximum(acc[w, st, k, 1], 1)
    for d in range(int(dur.max()) if len(dur) else 0):
        live = dur > d
        sounding[w[live], np.minimum(st[live] + d, t), pc[live]] = True
    on = bass < melody.NOTE_OFF
    wi, si = np.nonzero(on)
    any_sound = sounding[wi, si].any(-1)
    hit = sounding[wi, si, bass[wi, si] % 12]
    return float(hit[any_sound].mean()) if any_sound.any() else float("nan")


def stream_attributes(windows: np.ndarray) -> dict[str, tuple[float, float]]:
    """Per stream: (mean, std) over windows of onsets per bar, mean pitch and pitch range; the
    accompaniment's notes per onset step."""
    parts = unpack(windows)
    bars = windows.shape[1] / 16
    out: dict[str, tuple[float, float]] = {}

    def put(name: str, values: list[float]) -> None:
        v = np.array([x for x in values if np.isfinite(x)])
        out[name] = (float(v.mean()), float(v.std())) if len(v) else (float("nan"), float("nan"))

    for s in ("melody", "bass"):
        tok = parts[s]
        dens, mean_p, rng = [], [], []
        for w in tok:
            on = w[w < melody.NOTE_OFF].astype(np.int64)
            dens.append(len(on) / bars)
            mean_p.append(float(on.mean()) if len(on) else np.nan)
            rng.append(float(on.max() - on.min()) if len(on) else np.nan)
        put(f"{s} onsets/bar", dens)
        put(f"{s} mean pitch", mean_p)
        put(f"{s} pitch range", rng)
    dens, mean_p, poly = [], [], []
    for a in parts["accompaniment"]:
        p = a[..., 0]
        notes = p[p < 128].astype(np.int64)
        per_step = (p < 128).sum(-1)
        dens.append(len(notes) / bars)
        mean_p.append(float(notes.mean()) if len(notes) else np.nan)
        poly.append(float(per_step[per_step > 0].mean()) if (per_step > 0).any() else np.nan)
    put("accompaniment notes/bar", dens)
    put("accompaniment mean pitch", mean_p)
    put("accompaniment notes per chord", poly)
    return out


def prior_note(model_dir: str) -> str:
    folder = Path(model_dir)
    return "" if not folder.is_dir() else (prior_status(folder) or "fitted prior tied to these weights")


def prior_samples(model: TrioVAE, fast: TrioFastDecoder, folder: Path | None, n: int, temperatures: list[float]
                  ) -> dict[str, np.ndarray]:
    """``n`` decodes per prior and decoding temperature (seeded): z ~ N(0, I), and z from the fitted
    prior when the folder ships one fitted to these weights (model/prior.py, scripts/fit_trio_prior.py)."""
    zs = {"N(0,I)": torch.randn(n, model.cfg.z_dim, generator=torch.Generator().manual_seed(0))}
    attrs = load_attributes(folder) if folder is not None else None
    if attrs is not None and attrs.prior is not None and not prior_status(folder):
        zs["fitted"] = torch.from_numpy(attrs.prior.sample(n, np.random.default_rng(0)))
    out = {}
    for name, z in zs.items():
        for t in temperatures:
            g = torch.Generator().manual_seed(1)
            out[f"{name} t={t:g}"] = np.concatenate([fast.decode(z[i:i + 32], t, g).numpy()
                                                     for i in range(0, n, 32)])
    return out


def latency(fn: Callable[[torch.Tensor], torch.Tensor], z_dim: int, repeats: int = 7) -> float:
    fn(torch.zeros(1, z_dim))
    times = []
    g = torch.Generator().manual_seed(0)
    for _ in range(repeats):
        z = torch.randn(1, z_dim, generator=g)
        t0 = time.perf_counter()
        fn(z)
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1000)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--windows", type=int, default=512, help="test windows (a fixed seeded choice)")
    ap.add_argument("--samples", type=int, default=256, help="prior samples")
    ap.add_argument("--no-test-figures", action="store_true", help="skip TrioVAE.evaluate (the slow part)")
    ap.add_argument("--temperatures", default="0.5,1.0", help="decoding temperatures of the prior samples")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    loaded, cfg, meta = load_model(a.model)
    if not isinstance(loaded, TrioVAE):
        print(f"{a.model} is not a trio model", file=sys.stderr)
        return 2
    model = loaded
    fast = TrioFastDecoder(model)
    corpus = trio_corpus()
    n_steps = cfg.n_bars * 16
    starts, _songs, _ = corpus.window_starts("test", cfg.n_bars, hop_bars=cfg.n_bars)
    rng = np.random.default_rng(0)
    pick = np.sort(rng.permutation(len(starts))[:a.windows])
    w = corpus.windows(starts[pick], n_steps)
    roots = corpus.window_roots(starts[pick], n_steps)
    print(f"{a.model}: step {meta.get('trained_steps')}; {len(w)} test windows of {cfg.n_bars} bars "
          f"({len(starts)} non-overlapping in the test songs)")
    res = None
    if not a.no_test_figures:
        t0 = time.perf_counter()
        res = model.evaluate(w)
        print("\n".join(res.lines()))
        print(f"(evaluated in {time.perf_counter() - t0:.0f} s)")
    with torch.no_grad():
        recon = []
        for i in range(0, len(w), 32):
            mu, _ = model.encode(torch.as_tensor(w[i:i + 32], dtype=torch.long))
            recon.append(fast.decode(mu).numpy())
        rec = np.concatenate(recon)
    samples = prior_samples(model, fast, Path(a.model) if Path(a.model).is_dir() else None, a.samples,
                            [float(t) for t in a.temperatures.split(",")])
    coherence: dict[str, dict[str, float]] = {
        "bass on chord root": {"data": bass_root_share(w, roots), "reconstructions": bass_root_share(rec, roots)},
        "melody in accompaniment's key": {"data": in_key_agreement(w), "reconstructions": in_key_agreement(rec)},
        "bass in sounding accompaniment": {"data": bass_accompaniment_agreement(w),
                                           "reconstructions": bass_accompaniment_agreement(rec)},
    }
    for label, win in samples.items():
        coherence["melody in accompaniment's key"][label] = in_key_agreement(win)
        coherence["bass in sounding accompaniment"][label] = bass_accompaniment_agreement(win)
    print("\ncross-stream coherence (prior samples have no annotation: bass-root is data/reconstructions only)")
    for k, v in coherence.items():
        print(f"  {k:<32} " + "   ".join(f"{n} {x:.3f}" for n, x in v.items()))
    att_d = stream_attributes(w)
    att_s = {label: stream_attributes(win) for label, win in samples.items()}
    print("\nattributes: test data vs prior samples (mean +- std over windows; t = decoding temperature)")
    for k in att_d:
        print(f"  {k:<28} data {att_d[k][0]:6.2f} +- {att_d[k][1]:5.2f}   " + "   ".join(
            f"{label} {v[k][0]:6.2f} +- {v[k][1]:5.2f}" for label, v in att_s.items()))
    lat = {name: latency(fn, cfg.z_dim) for name, fn in (("torch", model.decode), ("numpy", fast.decode))}
    print(f"\ndecode latency, {cfg.n_bars} bars, batch 1, one thread, greedy (median of 7): torch loop "
          f"{lat['torch']:.0f} ms, NumPy (the engine's CPU path) {lat['numpy']:.0f} ms")
    if a.json:
        a.json.write_text(json.dumps({"step": meta.get("trained_steps"), "windows": len(w),
                                      "kl": res.kl if res else None, "figures": res.figures if res else None, "coherence": coherence,
                                      "attributes": {"data": att_d, "samples": att_s}, "latency_ms": lat,
                                      "prior": prior_note(a.model)},
                                     indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
