"""Training and measuring Drumify's tap encoder (model/drumify.py) on the Groove MIDI Dataset.

Recipe: the drums_2bar VAE stays frozen. Every GMD training window (2 bars, hop of a beat, the drum
models' tune-level official split: ``data/drum_dataset.py``) is encoded once; its posterior mean is
the target (cached in the train folder). The tap encoder sees only the onset pattern of the window
(data/taps.py; the union of all drum classes) and regresses that mean (MSE), while a second head
learns the spread of the target around the prediction (Gaussian NLL on the detached prediction),
which Drumify's temperature samples from. Augmentation per window: taps from a random subset of the
drum classes (``subset``: melodies tap sparser than a drummer's hands), velocities and microtiming
hidden (``drop_dynamics``: quantized or flat-velocity parts), and optionally (``sparse``, the v2
recipe: ``--sparse 0.6 --select valid_mix``) melody-like taps: kick+snare or kick only, step dropout,
or the loudest steps only; the target stays the full pattern's code. Measured against the shipped
model on melody-like taps by ``model/drumify_eval.py``: it covers more taps but puts more hits
between them, so it was not shipped (models/drumify_2bar/MODEL_CARD.md). Optional second stage (``--finetune``):
the frozen decoder's teacher-forced cross-entropy of the full pattern, with z the predicted code.

The test split is read only by :func:`measure` (``--eval``) and ``model/drumify_eval.py``.

    python -m latentcomposer.model.drumify_train --steps 3000            # train, checkpoint, export
    python -m latentcomposer.model.drumify_train --eval --json figs.json  # GMD test figures
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from latentcomposer.data.taps import (
    HAS_TIMING,
    HAS_VELOCITY,
    KICK,
    OFFSET,
    ONSET,
    SNARE,
    VELOCITY,
    class_mask,
    loudest_taps,
    random_step_taps,
    window_taps,
)

from .drumify import DEFAULT_NAME, Drumify, DrumifyConfig, TapEncoder, load_encoder, save_drumify
from .engine import Engine


@dataclass
class FitOptions:
    steps: int = 3000
    batch_size: int = 256
    learning_rate: float = 2e-3
    min_learning_rate: float = 1e-4
    subset: float = 0.3  # share of windows whose taps come from a random subset of the drum classes
    drop_dynamics: float = 0.3  # share without velocity, and (independently) without microtiming
    sparse: float = 0.0  # share of windows with melody-like taps (SPARSE_MODES; the v2 recipe), target unchanged
    finetune_weight: float = 0.0  # > 0: add the frozen decoder's reconstruction loss (stage two)
    select: str = "valid_mse"  # the validation figure that picks the kept step ("valid_mix": full + sparse taps)
    eval_every: int = 250
    weight_decay: float = 0.01
    seed: int = 0


def posterior_means(engine: Engine, tokens: np.ndarray, batch: int = 512) -> np.ndarray:
    """The drum model's posterior means [N, z_dim] of drum windows [N, T]."""
    out = []
    for i in range(0, len(tokens), batch):
        mu, _ = engine.encode_tokens(np.asarray(tokens[i:i + batch], np.int64))
        out.append(mu.cpu().numpy().astype(np.float32))
    return np.concatenate(out) if out else np.zeros((0, engine.cfg.z_dim), np.float32)


# melody-like taps (v2): each sparse window draws one mode, with these weights
SPARSE_MODES = {"kick+snare": 0.3, "kick": 0.15, "step dropout": 0.35, "loudest": 0.2}
STEP_KEEP = (0.3, 0.7)  # step dropout keeps this share of the tapped steps (uniform)
LOUDEST_KEEP = (0.25, 0.6)  # "loudest" keeps this share of the tapped steps, the loudest first


def augmented_taps(arrays: dict[str, np.ndarray], idx: np.ndarray, rng: np.random.Generator,
                   opts: FitOptions) -> np.ndarray:
    """Tap features of windows ``idx`` with the training augmentation: a random half of the drum
    classes (``subset``), melody-like sparse taps (``sparse``: one of :data:`SPARSE_MODES` per window),
    velocities and microtiming hidden (``drop_dynamics``). The target stays the full drum part's code."""
    tokens = arrays["tokens"][idx]
    velocity, offset = arrays["velocity"][idx], arrays["offset"][idx]
    n, classes = len(idx), arrays["velocity"].shape[-1]
    mask = np.ones((n, classes), bool)
    sub = rng.random(n) < opts.subset
    mask[sub] = rng.random((int(sub.sum()), classes)) < 0.5
    mode = np.full(n, -1)
    if opts.sparse > 0:
        names = list(SPARSE_MODES)
        weights = np.array([SPARSE_MODES[k] for k in names])
        sparse = rng.random(n) < opts.sparse
        mode[sparse] = rng.choice(len(names), int(sparse.sum()), p=weights / weights.sum())
        mask[mode == names.index("kick+snare")] = class_mask(1, (KICK, SNARE), classes)
        mask[mode == names.index("kick")] = class_mask(1, (KICK,), classes)
        mask[mode >= names.index("step dropout")] = True
    taps = window_taps(tokens, velocity, offset, mask)
    if opts.sparse > 0:
        drop = mode == names.index("step dropout")
        taps[drop] = random_step_taps(taps[drop], rng.uniform(*STEP_KEEP, int(drop.sum())), rng)
        loud = mode == names.index("loudest")
        taps[loud] = loudest_taps(taps[loud], rng.uniform(*LOUDEST_KEEP, int(loud.sum())))
    empty = ~(taps[..., ONSET] > 0).any(-1)  # a subset that kept no hit: the full taps instead
    if empty.any():
        taps[empty] = window_taps(tokens[empty], velocity[empty], offset[empty])
    for col, flag in ((VELOCITY, HAS_VELOCITY), (OFFSET, HAS_TIMING)):
        drop = rng.random(n) < opts.drop_dynamics
        taps[drop, :, col] = 0.0
        taps[drop, :, flag] = 0.0
    return taps


def fit(encoder: TapEncoder, train: dict[str, np.ndarray], targets: np.ndarray, opts: FitOptions,
        engine: Engine | None = None, valid: tuple[dict[str, np.ndarray], np.ndarray] | None = None,
        log: Any = None, checkpoint: Path | None = None, start_step: int = 0,
        max_seconds: float | None = None, keep_best: bool = False) -> dict[str, float]:
    """Train ``encoder`` in place; returns the last validation figures (or the last losses). With
    ``keep_best``, ``checkpoint`` holds the step of the lowest validation ``opts.select`` (else the latest)."""
    rng = np.random.default_rng(opts.seed + start_step)
    torch.manual_seed(opts.seed + start_step)
    optim = torch.optim.AdamW(encoder.parameters(), lr=opts.learning_rate, weight_decay=opts.weight_decay)
    best = float("inf")
    decay = (opts.min_learning_rate / opts.learning_rate) ** (1 / max(1, opts.steps - start_step))
    tgt = torch.as_tensor(targets, dtype=torch.float32)
    model = engine.model if engine is not None else None
    if model is not None:
        for p in model.parameters():  # type: ignore[attr-defined]
            p.requires_grad_(False)
    figures: dict[str, float] = {}
    t0 = time.monotonic()
    for step in range(start_step, opts.steps):
        for group in optim.param_groups:
            group["lr"] = opts.learning_rate * decay ** (step - start_step)
        idx = rng.integers(0, len(targets), opts.batch_size)
        x = torch.from_numpy(augmented_taps(train, idx, rng, opts))
        encoder.train()
        mu, sigma = encoder(x)
        y = tgt[idx]
        mse = F.mse_loss(mu, y)
        nll = (torch.log(sigma) + 0.5 * ((y - mu.detach()) / sigma) ** 2).mean()
        loss = mse + 0.1 * nll
        ce = torch.zeros(())
        if opts.finetune_weight > 0 and model is not None:
            toks = torch.as_tensor(train["tokens"][idx], dtype=torch.long)
            logits = model.decode_logits(mu, toks)  # type: ignore[attr-defined]
            ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), toks.reshape(-1))
            loss = loss + opts.finetune_weight * ce
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(encoder.parameters(), 1.0)
        optim.step()
        figures = {"step": step + 1, "mse": mse.item(), "nll": nll.item(), "ce": ce.detach().item()}
        last = step + 1 == opts.steps or (max_seconds is not None and time.monotonic() - t0 > max_seconds)
        if valid is not None and ((step + 1) % opts.eval_every == 0 or last):
            figures.update(validate(encoder, *valid, engine=engine))
            figures["seconds"] = time.monotonic() - t0
            if log is not None:
                log.write(json.dumps(figures) + "\n")
                log.flush()
            if checkpoint is not None and (not keep_best or figures[opts.select] < best):
                best = figures[opts.select]
                save_drumify(encoder, checkpoint, {"trained_steps": step + 1, "valid": figures})
        if last:
            break
    encoder.eval()
    return figures


@torch.no_grad()
def validate(encoder: TapEncoder, arrays: dict[str, np.ndarray], targets: np.ndarray,
             engine: Engine | None = None, rows: int = 512) -> dict[str, float]:
    """Regression figures on windows with their full, unaugmented taps; with ``engine``, also the
    frozen decoder's teacher-forced cross-entropy and step accuracy of the real drums from the
    predicted code (first ``rows`` windows)."""
    encoder.eval()
    taps = torch.from_numpy(window_taps(arrays["tokens"], arrays["velocity"], arrays["offset"]))
    mu, _ = encoder(taps)
    y = torch.as_tensor(targets)
    mse = float(F.mse_loss(mu, y))
    base = float(F.mse_loss(y.mean(0, keepdim=True).expand_as(y), y))
    out = {"valid_mse": mse, "valid_r2": 1.0 - mse / max(base, 1e-9)}
    # melody-like taps of the same windows (fixed): kick+snare only, and half the tapped steps
    n = len(targets)
    sparse = np.concatenate([window_taps(arrays["tokens"], arrays["velocity"], arrays["offset"],
                                         class_mask(n, (KICK, SNARE), arrays["velocity"].shape[-1])),
                             random_step_taps(taps.numpy(), 0.5, np.random.default_rng(0))])
    smu, _ = encoder(torch.from_numpy(sparse))
    out["valid_sparse_mse"] = float(F.mse_loss(smu, y.repeat(2, 1)))
    out["valid_mix"] = 0.5 * (mse + out["valid_sparse_mse"])
    if engine is not None:
        toks = torch.as_tensor(arrays["tokens"][:rows], dtype=torch.long)
        engine.model.eval()  # type: ignore[attr-defined]
        logits = engine.model.decode_logits(mu[:rows], toks)  # type: ignore[attr-defined]
        out["valid_ce"] = float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), toks.reshape(-1)))
        out["valid_tf_acc"] = float((logits.argmax(-1) == toks).float().mean())
    return out


# --- measuring ---------------------------------------------------------------------------------------
def hits_of(tokens: np.ndarray, classes: int = 9) -> np.ndarray:
    return ((np.asarray(tokens, np.int64)[..., None] >> np.arange(classes)) & 1).astype(bool)


def follow_figures(taps: np.ndarray, got: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Rhythm following and accuracy of drum windows ``got`` [N, T] (tokens) for tap onsets ``taps``
    [N, T] (bool) and the real drums ``truth`` [N, T]: the share of taps with a hit on their step, the
    share of hits on tap steps, and hit F1 over all classes against the real drums."""
    g, t = hits_of(got), hits_of(truth)
    any_hit = g.any(-1)
    tp, fp, fn = (g & t).sum(), (g & ~t).sum(), (~g & t).sum()
    return {"taps_with_a_hit": float((any_hit & taps).sum() / max(1, taps.sum())),
            "hits_on_taps": float((g & taps[..., None]).sum() / max(1, g.sum())),
            "hit_f1": float(2 * tp / max(1, 2 * tp + fp + fn)),
            "hits_per_window": float(g.sum() / max(1, len(g))),
            "tap_steps_share": float(taps.mean())}  # chance level of hits_on_taps


def measure(drumify: Drumify, arrays: dict[str, np.ndarray], seed: int = 0, batch: int = 256
            ) -> dict[str, dict[str, float]]:
    """Drumify against its baselines on drum windows (taps = the union of all classes)."""
    taps = window_taps(arrays["tokens"], arrays["velocity"], arrays["offset"])
    onset = taps[..., ONSET] > 0
    truth = np.asarray(arrays["tokens"], np.int64)
    engine = drumify.engine

    def batched(fn: Any) -> np.ndarray:
        return np.concatenate([fn(i, min(len(truth), i + batch)) for i in range(0, len(truth), batch)])

    out = {"drumify": batched(lambda a, b: drumify.drum_windows(taps[a:b], 0.0, seed)[0])}
    out["drumify, temperature 1"] = batched(lambda a, b: drumify.drum_windows(taps[a:b], 1.0, seed + a)[0])
    out["kick on every tap"] = onset.astype(np.int64)  # bit 0 = kick
    prior_z = engine.sample_z(len(truth), seed).numpy()
    out["drums_2bar prior sample"] = batched(lambda a, b: engine.decode_full(prior_z[a:b], 0.0, seed)[0])
    out["drums_2bar reconstruction (sees the drums)"] = batched(
        lambda a, b: engine.decode_full(posterior_means(engine, truth[a:b]), 0.0, seed)[0])
    figures = {name: follow_figures(onset, got, truth) for name, got in out.items()}
    # sparser taps, as a melody's: only the kick and snare hits of each window
    mask = np.zeros((len(truth), arrays["velocity"].shape[-1]), bool)
    mask[:, :2] = True
    sparse = window_taps(arrays["tokens"], arrays["velocity"], arrays["offset"], mask)
    keep = (sparse[..., ONSET] > 0).any(-1)
    sparse, s_on, s_truth = sparse[keep], sparse[keep][..., ONSET] > 0, truth[keep]
    got = np.concatenate([drumify.drum_windows(sparse[i:i + batch], 0.0, seed)[0]
                          for i in range(0, len(sparse), batch)])
    figures["drumify, kick+snare taps"] = follow_figures(s_on, got, s_truth)
    figures["kick on every tap, kick+snare taps"] = follow_figures(s_on, s_on.astype(np.int64), s_truth)
    return figures


def latency(drumify: Drumify, repeats: int = 30) -> dict[str, float]:
    """Median seconds for one 2-bar Drumify at batch 1 on one thread (search and greedy decoding)."""
    from latentcomposer.core.examples import example_clip

    from .threads import limit_cpu_threads

    limit_cpu_threads(1)
    clip = example_clip("twinkle").slice_bars(0, 2)
    out = {}
    before = drumify.engine.decoding
    for mode in ("search", "greedy"):
        drumify.engine.set_decoding(mode)
        drumify.drumify(clip)
        times = []
        for i in range(repeats):
            t = time.perf_counter()
            drumify.drumify(clip, seed=i)
            times.append(time.perf_counter() - t)
        out[mode] = float(np.median(times))
    drumify.engine.set_decoding(before)
    return out


# --- the command line ----------------------------------------------------------------------------------
def _train_dir(name: str = DEFAULT_NAME) -> Path:
    from latentcomposer.data.paths import cache_dir

    return cache_dir() / "train" / name


def _targets(engine: Engine, split: str, arrays: dict[str, np.ndarray], name: str = DEFAULT_NAME) -> np.ndarray:
    path = _train_dir(name) / f"targets_{split}.npz"
    weights = Path(engine.folder or ".") / "model.safetensors"
    key = f"{engine.name}:{weights.stat().st_size if weights.exists() else 0}:{len(arrays['tokens'])}"
    if path.exists():
        z = np.load(path)
        if str(z["key"]) == key:
            return np.asarray(z["mu"])
    mu = posterior_means(engine, arrays["tokens"])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, mu=mu, key=np.array(key))
    return mu


def main(argv: list[str] | None = None) -> int:
    from latentcomposer.data.drum_dataset import drum_windows

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drums", default="drums_2bar")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--finetune-steps", type=int, default=0, help="then this many steps with the decoder loss")
    ap.add_argument("--finetune-weight", type=float, default=0.05)
    ap.add_argument("--max-minutes", type=float, default=25.0)
    ap.add_argument("--sparse", type=float, default=0.0,
                    help="share of training windows with melody-like taps (v2: 0.6)")
    ap.add_argument("--drop-dynamics", type=float, default=0.3)
    ap.add_argument("--select", default="valid_mse", choices=("valid_mse", "valid_mix"),
                    help="validation figure that picks the stage-1 step (valid_mix: full and sparse taps)")
    ap.add_argument("--work-dir", default=DEFAULT_NAME, help="folder under ~/.cache/latentcomposer/train")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--export", type=Path, default=None, help="write the model folder here when done")
    ap.add_argument("--eval", action="store_true", help="measure the model in --model on the GMD test split")
    ap.add_argument("--model", type=Path, default=None, help="Drumify folder for --eval")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    engine = Engine.load(args.drums, device="cpu")
    if args.eval:
        drumify = Drumify.load(args.model or DEFAULT_NAME, device="cpu", engine=engine)
        test, _ = drum_windows("test", 2)
        figures: dict[str, Any] = {"test_windows": len(test["tokens"]), "decoding": engine.decoding,
                                   "beam": engine.beam, **measure(drumify, test)}
        figures["latency_seconds"] = latency(drumify)
        print(json.dumps(figures, indent=2))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
        return 0
    train, _ = drum_windows("train", 2, hop_steps=4)
    valid, _ = drum_windows("valid", 2)
    t0 = time.monotonic()
    work = _train_dir(args.work_dir)
    y_train, y_valid = _targets(engine, "train", train, args.work_dir), _targets(engine, "valid", valid, args.work_dir)
    print(f"targets: {len(y_train)} train, {len(y_valid)} valid windows ({time.monotonic() - t0:.0f} s)", flush=True)
    folder = work / "ckpt"
    start = 0
    if args.resume and (folder / "tap_encoder.safetensors").exists():
        encoder, meta = load_encoder(folder)
        start = int(meta.get("trained_steps", 0))
    else:
        encoder = TapEncoder(DrumifyConfig(pairs_with=engine.name, z_dim=engine.cfg.z_dim, n_steps=engine.cfg.n_steps,
                                           dropout=0.3))
    budget = args.max_minutes * 60
    t1 = time.monotonic()
    with (work / "train.jsonl").open("a") as log:
        opts = FitOptions(steps=args.steps, sparse=args.sparse, drop_dynamics=args.drop_dynamics, select=args.select)
        if start < opts.steps:
            fit(encoder, train, y_train, opts, valid=(valid, y_valid), log=log, checkpoint=folder,
                start_step=start, max_seconds=budget, keep_best=True)
            encoder, meta = load_encoder(folder)  # the best step
            start = int(meta.get("trained_steps", opts.steps))
        if args.finetune_steps:
            left = budget - (time.monotonic() - t1)
            ft = FitOptions(steps=start + args.finetune_steps, learning_rate=5e-4, min_learning_rate=5e-5,
                            finetune_weight=args.finetune_weight, batch_size=64, eval_every=100,
                            sparse=args.sparse, drop_dynamics=args.drop_dynamics)
            log.write(json.dumps({"step": start, "before_finetune": True,
                                  **validate(encoder, valid, y_valid, engine=engine)}) + "\n")
            encoder.train()
            fit(encoder, train, y_train, ft, engine=engine, valid=(valid, y_valid), log=log,
                checkpoint=folder, start_step=start, max_seconds=max(60.0, left))
    print(f"trained in {time.monotonic() - t1:.0f} s", flush=True)
    if args.export:
        _, meta = load_encoder(folder)
        meta.update({"train_wall_seconds": round(time.monotonic() - t1), "device": "cpu, one thread",
                     "data": {"source": "Groove MIDI Dataset v1.0.0 (4/4 beats and fills), official split",
                              "train_windows": len(train["tokens"]), "valid_windows": len(valid["tokens"])}})
        save_drumify(encoder, args.export, meta)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
