"""Drumify on melody-like taps: Drumify models side by side with their baselines, one run.

Drumify's tap encoder was first trained on the union of all drum hits (~77 % of the 16th steps tapped),
far denser than what a composer drumifies. This measures how well drum parts follow sparser taps:

* GMD test split (never read in training or model choice), each window tapped five ways: all hits
  (``full``), the kick and snare hits only, the kick only, a random 30-50 % of the hit steps, and the
  hits on the 8th-note grid only. Windows left without a tap are dropped from that variant.
* POP909 melodies of the melody corpus' *test* songs (``data/dataset.py``'s tune-level split), 2-bar
  windows two bars apart: onsets only (quantized, no dynamics: as a melody clip in the app). No true
  drums exist there, so only the rhythm-following figures are reported.

Figures per (variant, decoder input): taps with a hit, hits on taps (chance: the tapped share of the
steps), the velocity-weighted share of the hits on untapped steps, hit F1 against the real drums
(GMD only) and hits per window. Baselines in the same run: a kick on every tap, and ``drums_2bar``
decoding a random sample of its fitted prior (the same samples for every variant).

    python -m latentcomposer.model.drumify_eval --model v1=models/drumify_2bar \\
        --model v2=~/.cache/latentcomposer/train/drumify_2bar_v2/export --json figs.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from latentcomposer.data.drums import VELOCITY_BINS, bin_to_velocity
from latentcomposer.data.taps import (
    HAS_TIMING,
    HAS_VELOCITY,
    KICK,
    N_FEATURES,
    ONSET,
    SNARE,
    class_mask,
    eighth_grid_taps,
    random_step_taps,
    window_taps,
)

from .drumify import Drumify
from .drumify_train import follow_figures, hits_of
from .engine import Engine

GMD_VARIANTS = ("full", "kick+snare", "kick", "random 30-50 % of hit steps", "8th-note grid")
POP909 = "POP909 test melodies"
RANDOM_KEEP = (0.3, 0.5)


def gmd_variants(arrays: dict[str, np.ndarray], seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (taps [n, T, F], indices of the windows kept) for the GMD tap variants."""
    tokens, velocity, offset = arrays["tokens"], arrays["velocity"], arrays["offset"]
    n, classes = len(tokens), velocity.shape[-1]
    full = window_taps(tokens, velocity, offset)
    rng = np.random.default_rng(seed)
    made = {"full": full,
            "kick+snare": window_taps(tokens, velocity, offset, class_mask(n, (KICK, SNARE), classes)),
            "kick": window_taps(tokens, velocity, offset, class_mask(n, (KICK,), classes)),
            "random 30-50 % of hit steps": random_step_taps(full, rng.uniform(*RANDOM_KEEP, n), rng),
            "8th-note grid": eighth_grid_taps(full)}
    out = {}
    for name, taps in made.items():
        keep = np.flatnonzero((taps[..., ONSET] > 0).any(-1))
        out[name] = (taps[keep], keep)
    return out


def pop909_melody_taps(n_bars: int = 2, limit: int | None = None, seed: int = 0) -> np.ndarray:
    """Tap features [N, n_bars*16, F] of POP909 melody windows from the melody corpus' test songs
    (hop of ``n_bars``; onsets only: quantized, one velocity). ``limit``: a seeded random subset."""
    from latentcomposer.data.dataset import melody_corpus

    corpus = melody_corpus()
    test = set(corpus.tunes_in("test", ("pop909",)))
    wins, owner, _ = corpus.windows("test", n_bars, hop_bars=n_bars)
    wins = wins[np.isin(owner, sorted(test))]
    if limit is not None and len(wins) > limit:
        wins = wins[np.sort(np.random.default_rng(seed).choice(len(wins), limit, replace=False))]
    taps = np.zeros((*wins.shape, N_FEATURES), np.float32)
    taps[..., ONSET] = wins < 128  # a pitch token starts a note (128: note off, 129: no event)
    taps[..., HAS_VELOCITY] = 0.0
    taps[..., HAS_TIMING] = 0.0
    return taps[(taps[..., ONSET] > 0).any(-1)]


def off_tap_velocity_share(taps: np.ndarray, tokens: np.ndarray, velocity: np.ndarray | None) -> float:
    """Of the drum hits' summed velocity, the share on untapped steps (hits without velocity bins
    count as the middle bin)."""
    hits = hits_of(tokens)
    if velocity is None:
        vel = np.full(hits.shape, float(bin_to_velocity(VELOCITY_BINS // 2)))
    else:
        vel = bin_to_velocity(np.asarray(velocity, np.int64)).astype(np.float64)
    weight = np.where(hits, vel, 0.0)
    return float(weight[~taps].sum() / max(1e-9, weight.sum()))


def figures(taps: np.ndarray, tokens: np.ndarray, velocity: np.ndarray | None,
            truth: np.ndarray | None) -> dict[str, float]:
    onset = taps[..., ONSET] > 0 if taps.ndim == 3 else taps
    f = follow_figures(onset, tokens, truth if truth is not None else np.zeros_like(tokens))
    if truth is None:
        f.pop("hit_f1")
    f["off_tap_velocity_share"] = off_tap_velocity_share(onset, tokens, velocity)
    return f


def decode(drumify: Drumify, taps: np.ndarray, seed: int = 0, batch: int = 256
           ) -> tuple[np.ndarray, np.ndarray | None]:
    toks, vels = [], []
    for i in range(0, len(taps), batch):
        t, aux, _ = drumify.drum_windows(taps[i:i + batch], 0.0, seed)
        toks.append(t)
        vels.append(None if aux is None else aux.get("velocity"))
    return np.concatenate(toks), (None if any(v is None for v in vels) else np.concatenate(vels))  # type: ignore[arg-type]


def measure_variants(models: dict[str, Drumify], arrays: dict[str, np.ndarray], pop909: np.ndarray | None,
                     seed: int = 0, log: Any = print) -> dict[str, dict[str, dict[str, float]]]:
    """variant -> decoder input -> figures, for every model and the two baselines."""
    engine: Engine = next(iter(models.values())).engine
    truth = np.asarray(arrays["tokens"], np.int64)
    variants: dict[str, tuple[np.ndarray, np.ndarray | None]] = {
        k: (t, idx) for k, (t, idx) in gmd_variants(arrays, seed).items()}
    if pop909 is not None and len(pop909):
        variants[POP909] = (pop909, None)
    n_prior = max(len(t) for t, _ in variants.values())
    prior_tok, prior_aux = engine.decode_full(engine.sample_z(n_prior, seed).numpy(), 0.0, seed)
    prior_vel = None if prior_aux is None else prior_aux.get("velocity")
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, (taps, idx) in variants.items():
        t0 = time.monotonic()
        real = truth[idx] if idx is not None else None
        rows: dict[str, dict[str, float]] = {}
        for label, model in models.items():
            tok, vel = decode(model, taps, seed)
            rows[f"drumify {label}"] = figures(taps, tok, vel, real)
        onset = taps[..., ONSET] > 0
        rows["kick on every tap"] = figures(taps, onset.astype(np.int64), None, real)
        pick = np.arange(len(taps))
        rows["drums_2bar prior sample"] = figures(taps, prior_tok[pick],
                                                  None if prior_vel is None else prior_vel[pick], real)
        for r in rows.values():
            r["windows"] = float(len(taps))
        out[name] = rows
        log(f"{name}: {len(taps)} windows, {time.monotonic() - t0:.0f} s")
    return out


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """A markdown table: one row per (variant, decoder input)."""
    lines = ["| taps | decoder input | taps with a hit | hits on taps (chance) | off-tap hits, velocity-weighted "
             "| hit F1 vs the real drums | hits per window |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for variant, rows in results.items():
        for label, f in rows.items():
            f1 = f"{f['hit_f1']:.3f}" if "hit_f1" in f else "-"
            lines.append(f"| {variant} ({int(f['windows'])}) | {label} | {f['taps_with_a_hit']:.3f} | "
                         f"{f['hits_on_taps']:.3f} ({f['tap_steps_share']:.2f}) | {f['off_tap_velocity_share']:.3f} "
                         f"| {f1} | {f['hits_per_window']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from latentcomposer.data.drum_dataset import drum_windows

    from .threads import limit_cpu_threads

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True, help="LABEL=FOLDER (repeatable)")
    ap.add_argument("--drums", default="drums_2bar")
    ap.add_argument("--windows", type=int, default=None, help="a seeded subset of the GMD test windows")
    ap.add_argument("--pop909", type=int, default=1000, help="POP909 test windows at most (0: none)")
    ap.add_argument("--decoding", default=None, choices=("search", "greedy"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    limit_cpu_threads(1)
    engine = Engine.load(args.drums, device="cpu")
    if args.decoding:
        engine.set_decoding(args.decoding)
    models = {}
    for spec in args.model:
        label, _, folder = spec.partition("=")
        models[label] = Drumify.load(Path(folder).expanduser(), device="cpu", engine=engine)
    test, _ = drum_windows("test", 2)
    if args.windows is not None and args.windows < len(test["tokens"]):
        pick = np.sort(np.random.default_rng(args.seed).choice(len(test["tokens"]), args.windows, replace=False))
        test = {k: v[pick] for k, v in test.items()}
    pop = pop909_melody_taps(limit=args.pop909, seed=args.seed) if args.pop909 else None
    results = measure_variants(models, test, pop, args.seed, log=lambda s: print(s, flush=True))
    doc = {"gmd_test_windows": len(test["tokens"]), "decoding": engine.decoding, "beam": engine.beam,
           "models": {k: str(v) for k, v in (s.partition("=")[::2] for s in args.model)}, "results": results}
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
