"""Personalize a model on a composer's own files: ``latentcomposer finetune`` and "Learn my style…".

Two levels:

* **style prior** (seconds): the weights stay; the composer's windows are encoded and the sampling
  prior (model/prior.py's mixture) is fitted to their posteriors, so Sample, Re-roll and the latent
  map live where the composer's music lies. Works from one file.
* **fine-tune** (minutes): training continues on the composer's windows with the source model's own
  music mixed into every batch (``source_share``; its training corpus when the data is there, else
  its decodes of the training latents it ships, "replay"), so it does not forget; early stopping on
  the **held-out files'** NLL per window; the full model (default: the only one that lowered the
  held-out NLL, docs/MODELS.md) or the decoder only (no forgetting). Then the attribute vectors and the prior are refitted.

The new model goes to the user's models folder (paths.user_models_dir) under a new name, written
into a hidden temporary folder and renamed into place at the end (nothing half-written); a shipped or
existing name is refused. Cancel (the GUI's button, Ctrl+C) stops training and keeps the best weights
so far. Figures and card: model/style_figures.py.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentcomposer.core.errors import UserFacingError
from latentcomposer.data.codecs import model_arrays
from latentcomposer.data.style_files import StyleScan, split_files, stack
from latentcomposer.paths import models_dir, shared_data_dir, user_models_dir

from . import style_figures
from .config import ModelConfig, TrainConfig
from .engine import Engine
from .registry import model_roots, read_entry
from .vae import LatentVAE, aux_loss, vae_loss

LEVELS = ("prior", "finetune")
PARTS = ("decoder", "full")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_TRAIN_WINDOWS = 16  # fewer windows to learn from than this: the style prior only
MAX_SOURCE_WINDOWS = 4000  # source windows mixed in (a random subset of its training split)
REPLAY_WINDOWS = 1000  # without the corpus: decodes of this many of the training latents a model ships


class PersonalizeError(UserFacingError):
    """A personalization that cannot start (bad name, existing model) or could not be written."""


@dataclass
class FinetuneOptions:
    level: str = "finetune"  # "prior" (seconds) or "finetune" (minutes; the prior is refitted too)
    # "full": every weight; "decoder": the encoder frozen. Measured (docs/MODELS.md, Bach on mel_2bar): only
    # "full" lowers the held-out NLL (694.8 -> 677.4; decoder-only: no step improved it), at a cost in
    # forgetting (its own music 0.974 -> 0.888 greedy); "decoder" leaves the source's music untouched
    part: str = "full"
    source_share: float = 0.25  # share of every batch taken from the source model's own music
    source_data: str = "auto"  # "corpus" (its training split), "replay" (its decodes), "auto", "none"
    held_out_share: float = 0.2  # of the files (at least one when there are two)
    max_minutes: float = 4.0
    max_steps: int = 1000
    batch_size: int = 32
    learning_rate: float = 3e-4
    eval_every: int = 20  # steps between held-out checks
    patience: int = 5  # checks without improvement before stopping
    seed: int = 0
    device: str = "auto"
    eval_windows: int = 128  # cap on held-out and source-test windows measured
    prior_samples: int = 128

    def check(self) -> None:
        if self.level not in LEVELS:
            raise PersonalizeError(f"unknown level {self.level!r} (prior or finetune)")
        if self.part not in PARTS:
            raise PersonalizeError(f"unknown part {self.part!r} (decoder or full)")
        if not 0.0 <= self.source_share < 1.0:
            raise PersonalizeError("the source share must be at least 0 and below 1")
        if not 0.0 < self.held_out_share < 1.0:
            raise PersonalizeError("the held-out share must be between 0 and 1")


@dataclass
class Progress:
    """What a running personalization reports (on its own thread; the GUI marshals it)."""

    phase: str  # preparing | measuring | training | fitting | writing | done
    message: str
    step: int = 0
    max_steps: int = 0
    fraction: float = 0.0  # of the whole job, 0..1
    seconds_left: float | None = None
    curve: list[tuple[int, float]] = field(default_factory=list)  # (step, held-out NLL per window)


@dataclass
class PersonalizeResult:
    name: str
    folder: Path
    level: str  # what was done ("prior" when a fine-tune fell back)
    info: dict[str, Any]  # the record in config.json's meta.personalized (figures before/after)
    notes: list[str]
    cancelled: bool = False


ProgressFn = Callable[[Progress], None]


def check_name(name: str) -> Path:
    """The folder a new model ``name`` goes to; :class:`PersonalizeError` for a bad or taken name."""
    if not NAME_RE.match(name or ""):
        raise PersonalizeError(f"model name {name!r}: use letters, digits, '_', '-' or '.' (up to 64, "
                               "starting with a letter or digit)")
    if (models_dir() / name).exists():
        raise PersonalizeError(f"{name!r} is a shipped model; choose another name for yours")
    for root in model_roots()[1:]:
        if (root / name).exists():
            raise PersonalizeError(f"a model named {name!r} exists already ({root / name}); choose another "
                                   "name, or delete that folder first")
    return user_models_dir() / name


def _emit(progress: ProgressFn | None, p: Progress) -> None:
    if progress is not None:
        progress(p)


def _subset(arrays: dict[str, np.ndarray], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    if len(arrays["tokens"]) <= n:
        return arrays
    sel = np.sort(rng.permutation(len(arrays["tokens"]))[:n])
    return {k: v[sel] for k, v in arrays.items()}


def _float(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in arrays.items()}


def source_windows(engine: Engine, kind: str, n: int, seed: int) -> tuple[dict[str, np.ndarray] | None,
                                                                           dict[str, np.ndarray] | None, str]:
    """(windows to mix in, windows to measure forgetting on, what they are in words)."""
    rng = np.random.default_rng(seed)
    if kind == "auto":
        kind = "corpus" if shared_data_dir().is_dir() else "replay"
    if kind == "none":
        return None, None, "nothing"
    if kind == "corpus":
        try:
            tr = engine.codec.corpus_windows("train", engine.cfg.n_bars)
            te = engine.codec.corpus_windows("test", engine.cfg.n_bars)
            return (_float(_subset(tr.arrays, n, rng)), _float(_subset(te.arrays, 512, rng)),
                    f"its training corpus ({tr.source}; forgetting on its test split)")
        except (OSError, ValueError, KeyError, UserFacingError):
            kind = "replay"  # no training data here: the model's own decodes
    ref = engine.attributes.reference_latents if engine.attributes is not None else None
    if ref is None or not len(ref):
        return None, None, "nothing (the source model ships no training latents)"
    ref = ref[rng.permutation(len(ref))[:REPLAY_WINDOWS]]
    decoding = engine.decoding
    engine.set_decoding("greedy")  # thousands of decodes: the fast way (search is ~3x slower)
    try:
        tokens, aux = engine.decode_full(ref, temperature=0.0)
    finally:
        engine.set_decoding(decoding)
    arrays: dict[str, np.ndarray] = {"tokens": tokens, **({} if aux is None else aux)}
    if "velocity" in arrays:
        arrays["velocity"] = arrays["velocity"].astype(np.int64)
    cut = max(1, len(tokens) // 5)
    return ({k: v[cut:] for k, v in arrays.items()}, {k: v[:cut] for k, v in arrays.items()},
            "its own decodes of the training latents it ships (replay)")


class _Tuner:
    """The fine-tune loop: composer batches with source windows mixed in, held-out early stopping."""

    def __init__(self, engine: Engine, train: dict[str, np.ndarray], held: dict[str, np.ndarray],
                 source: dict[str, np.ndarray] | None, tcfg: TrainConfig, opts: FinetuneOptions) -> None:
        model = engine.model
        assert isinstance(model, LatentVAE)
        self.model, self.engine, self.opts, self.tcfg = model, engine, opts, tcfg
        self.held = _subset(held, 256, np.random.default_rng(opts.seed))
        self.n_own = len(train["tokens"])
        both = [train] + ([source] if source is not None and opts.source_share > 0 else [])
        self.data = {k: np.concatenate([b[k] for b in both]) for k in train if all(k in b for b in both)}
        self.n_src = len(self.data["tokens"]) - self.n_own
        self.augment = engine.codec.augmenter(self.data, dataclasses.asdict(tcfg))
        self.rng = np.random.default_rng(opts.seed)
        self.gen = torch.Generator(device=engine.device).manual_seed(opts.seed)
        for name, p in model.named_parameters():
            p.requires_grad_(opts.part == "full" or not name.startswith("encoder."))
        params = [p for p in model.parameters() if p.requires_grad]
        self.opt = torch.optim.Adam(params, lr=opts.learning_rate)

    def batch(self) -> dict[str, torch.Tensor]:
        b = self.opts.batch_size
        n_src = int(round(self.opts.source_share * b)) if self.n_src else 0
        idx = np.concatenate([self.rng.integers(0, self.n_own, b - n_src),
                              self.n_own + self.rng.integers(0, max(1, self.n_src), n_src)])
        out = {k: v[idx] for k, v in self.data.items()}
        if self.augment is not None:
            out = self.augment(out, idx, self.rng)
        out = model_arrays(self.engine.codec, out)  # the model's own form (the chord-relative melody)
        t = {k: torch.as_tensor(np.asarray(v)) for k, v in out.items()}
        t["tokens"] = t["tokens"].long()
        if "velocity" in t:
            t["velocity"] = t["velocity"].long()
        return {k: v.to(self.engine.device) for k, v in t.items()}

    def step(self) -> float:
        model, tcfg = self.model, self.tcfg
        model.train()
        if self.opts.part == "decoder":
            model.encoder.eval()  # frozen: no dropout either, so the posteriors stay the source's
        b = self.batch()
        x = b["tokens"]
        cond = b["condition"].float() if "condition" in b else None
        mu, sigma = model.encode(x, cond)
        z = mu + sigma * torch.randn(mu.shape, device=mu.device, generator=self.gen)
        logits, hidden = model.decode_hidden(z, x, tcfg.input_dropout, self.gen, tcfg.dec_dropout, cond)
        out = vae_loss(logits, x, mu, sigma, tcfg.beta, tcfg.free_bits, model.kl_groups)
        loss = out["loss"]
        if model.decoder.aux is not None and "velocity" in b:
            aux = aux_loss(model.decoder, hidden, x, b["velocity"], b["offset"])
            loss = loss + aux["velocity_loss"] + aux["offset_loss"]
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], tcfg.grad_clip)
        self.opt.step()
        return float(loss.detach())

    def held_nll(self) -> float:
        return style_figures.window_nll(self.model, self.held, self.engine.device)

    def run(self, cancel: threading.Event, progress: ProgressFn | None, base: float, span: float
            ) -> dict[str, Any]:
        o = self.opts
        t0 = time.monotonic()
        best = self.held_nll()
        best_state = copy.deepcopy(self.model.state_dict())
        curve = [(0, best)]
        best_step, bad, step, stopped_by = 0, 0, 0, "the step limit"
        last_emit = 0.0
        while step < o.max_steps:
            if cancel.is_set():
                stopped_by = "cancel (the best weights so far kept)"
                break
            elapsed = time.monotonic() - t0
            if elapsed / 60 >= o.max_minutes:
                stopped_by = f"the time limit ({o.max_minutes:g} min)"
                break
            self.step()
            step += 1
            if step % o.eval_every == 0 or step == o.max_steps:
                nll = self.held_nll()
                curve.append((step, nll))
                if nll < best - 1e-3:
                    best, best_step, bad = nll, step, 0
                    best_state = copy.deepcopy(self.model.state_dict())
                else:
                    bad += 1
                    if bad >= o.patience:
                        stopped_by = f"early stopping (no better held-out NLL in {bad} checks)"
                        break
            now = time.monotonic()
            if now - last_emit > 0.5 or step % o.eval_every == 0:
                last_emit = now
                per_step = (now - t0) / step
                left = min((o.max_steps - step) * per_step, o.max_minutes * 60 - (now - t0))
                frac = max(step / o.max_steps, (now - t0) / (o.max_minutes * 60))
                _emit(progress, Progress("training", f"step {step}: held-out NLL {curve[-1][1]:.1f} "
                                         f"(best {best:.1f} at step {best_step})", step, o.max_steps,
                                         base + span * min(1.0, frac), max(0.0, left), list(curve)))
        self.model.load_state_dict(best_state)
        self.model.eval()
        for p in self.model.parameters():
            p.requires_grad_(True)
        return {"part": o.part, "steps": step, "best_step": best_step, "best_nll": best,
                "batch_size": o.batch_size, "learning_rate": o.learning_rate, "source_share":
                o.source_share if self.n_src else 0.0, "stopped_by": stopped_by,
                "seconds": time.monotonic() - t0, "device": str(self.engine.device), "curve": curve}


def _fit_prior_arrays(engine: Engine, tokens: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """The prior and map latents of the composer's windows (fewer windows: fewer clusters, lower rank)."""
    from .attributes import encode_posteriors
    from .prior import fit_prior

    mu, sigma = encode_posteriors(engine, tokens)
    k = max(1, min(8, len(mu) // 32))
    rank = max(1, min(64, len(mu) // 4))
    prior = fit_prior(mu, (sigma ** 2).mean(0), k, rank, seed)
    return {**prior.as_arrays(), "reference_latents": mu[:2000].astype(np.float32)}


def _attribute_arrays(engine: Engine, source_folder: Path, own: np.ndarray, source: np.ndarray | None,
                      fine_tuned: bool, seed: int) -> dict[str, np.ndarray]:
    """Attribute vectors and directions: the source's (same weights) or refitted after a fine-tune on
    the composer's and the source's windows together."""
    from safetensors.torch import load_file

    from .attributes import compute_attributes

    st = source_folder / "attributes.safetensors"
    if not fine_tuned and st.is_file():
        return {k: v.float().numpy() for k, v in load_file(str(st)).items()}
    windows = own if source is None else np.concatenate([own, source[:3000]])
    attrs, method = engine.attributes, None  # slider directions made as the source's, if it has them
    if attrs is not None and attrs.directions is not None and attrs.directions_info:
        method = attrs.directions_info.get("method")
    return compute_attributes(engine, windows, seed=seed, directions=method)


def _write(folder: Path, engine: Engine, cfg: Any, meta: dict[str, Any], training: TrainConfig | None,
           attrs: dict[str, np.ndarray], card: str) -> None:
    """Everything into a hidden sibling folder, synced, then renamed to ``folder`` (atomic)."""
    from .attributes import save_attributes
    from .checkpoint import save_model

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        save_model(engine.model, cfg, tmp, meta, dtype=torch.float16, training=training)  # type: ignore[arg-type]
        save_attributes(tmp, attrs, engine.codec.attributes(), {"personalized": True})
        (tmp / "MODEL_CARD.md").write_text(card, encoding="utf-8")
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        if folder.exists():
            raise PersonalizeError(f"{folder} appeared while training; your model is not written -- "
                                   "run it again with another name")
        os.rename(tmp, folder)
    except OSError as exc:
        raise PersonalizeError(f"could not write the model to {folder.parent}: {exc.strerror or exc} (nothing "
                               "was left half-written)") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def personalize(source: str | os.PathLike[str], scan: StyleScan, name: str,
                opts: FinetuneOptions | None = None, progress: ProgressFn | None = None,
                cancel: threading.Event | None = None, engine: Engine | None = None) -> PersonalizeResult:
    """Learn ``scan``'s music into a new model ``name`` (see the module docstring)."""
    opts = opts or FinetuneOptions()
    opts.check()
    cancel = cancel or threading.Event()
    target = check_name(name)
    t_start = time.monotonic()
    _emit(progress, Progress("preparing", f"loading {source}", fraction=0.01))
    if engine is None:
        engine = Engine.load(source, device=opts.device, warmup=False)
    assert engine.folder is not None
    entry = read_entry(engine.folder)
    source_name = engine.folder.name
    scan.check_usable(source_name)
    torch.manual_seed(opts.seed)
    used = scan.used
    split = split_files(len(used), opts.held_out_share, opts.seed)
    n_steps = engine.cfg.n_steps
    train = _float(stack([scan.arrays[i] for i in split.train], n_steps))
    held = _float(stack([scan.arrays[i] for i in split.held_out], n_steps))
    composer = style_figures.composer_attributes(engine, stack(scan.arrays, n_steps)["tokens"], seed=opts.seed)
    notes: list[str] = []
    level = opts.level
    if level == "finetune":
        why = ""
        if not isinstance(engine.cfg, ModelConfig) or not isinstance(engine.model, LatentVAE):
            why = f"fine-tuning {engine.codec.label.lower()} models is not supported yet"
        elif len(used) < 2:
            why = "one file: there is no file to hold out and measure a fine-tune on"
        elif len(train["tokens"]) < MIN_TRAIN_WINDOWS:
            why = (f"too little music for a fine-tune: {len(train['tokens'])} windows of {engine.cfg.n_bars} bars "
                   f"in the {len(split.train)} file(s) to learn from (at least {MIN_TRAIN_WINDOWS} needed; found "
                   f"{scan.summary()})")
        if why:
            notes.append(f"{why} -- fitted the style prior only")
            level = "prior"
    rng = np.random.default_rng(opts.seed)
    held_m = _subset(held, opts.eval_windows, rng)
    src_train: dict[str, np.ndarray] | None = None
    src_test: dict[str, np.ndarray] | None = None
    src_text = "nothing"
    if level == "finetune":
        _emit(progress, Progress("preparing", "reading the source model's own music", fraction=0.03))
        src_train, src_test, src_text = source_windows(engine, opts.source_data, MAX_SOURCE_WINDOWS, opts.seed)
        if src_test is not None:
            src_test = _subset(src_test, opts.eval_windows, rng)
    _emit(progress, Progress("measuring", "measuring the source model", fraction=0.05))
    before = style_figures.measure(engine, held_m, composer, src_test, opts.prior_samples, opts.seed)
    training: dict[str, Any] | None = None
    tcfg = entry.training or TrainConfig()
    if level == "finetune":
        tuner = _Tuner(engine, train, held, src_train, tcfg, opts)
        training = tuner.run(cancel, progress, 0.1, 0.75)
        training["source_data"] = src_text
    _emit(progress, Progress("fitting", "fitting attribute vectors and the style prior", fraction=0.87))
    engine.model.eval()
    attrs = _attribute_arrays(engine, engine.folder, train["tokens"],
                              None if src_train is None else src_train["tokens"], training is not None, opts.seed)
    attrs.update(_fit_prior_arrays(engine, train["tokens"], opts.seed))
    saved_attrs = engine.attributes
    engine.attributes = _as_attributes(attrs, engine, saved_attrs)
    _emit(progress, Progress("measuring", "measuring the new model", fraction=0.9))
    after = style_figures.measure(engine, held_m, composer, src_test, opts.prior_samples, opts.seed)
    info = {
        "name": name, "label": engine.codec.label, "source": source_name, "source_folder": str(engine.folder),
        "source_label": scan.source, "files_used": len(used), "scan_summary": scan.summary(),
        "level": level, "level_text": "fine-tuned, then the style prior" if level == "finetune" else
        "style prior only: the source model's weights", "seed": opts.seed,
        "train_files": [used[i].name for i in split.train], "held_out_files": [used[i].name for i in split.held_out],
        "prior_windows": int(len(train["tokens"])), "training": training, "notes": notes,
        "before": before, "after": after, "source_test_text": src_text,
        "options": dataclasses.asdict(opts), "seconds": time.monotonic() - t_start}
    card = style_figures.card_text(info)
    cfg = engine.cfg
    if dataclasses.is_dataclass(cfg) and hasattr(cfg, "name"):
        cfg = dataclasses.replace(cfg, name=name)  # type: ignore[type-var]
    meta = {**{k: v for k, v in entry.meta.items() if k in ("data",)},
            "trained_steps": int(entry.meta.get("trained_steps", 0)) + (training["steps"] if training else 0),
            "personalized": info}
    _emit(progress, Progress("writing", f"writing {target}", fraction=0.97))
    _write(target, engine, cfg, meta, entry.training, attrs, card)
    engine.attributes = saved_attrs
    _emit(progress, Progress("done", f"{name} written to {target}", fraction=1.0,
                             curve=list(training["curve"]) if training else []))
    return PersonalizeResult(name, target, level, info, notes, cancelled=cancel.is_set())


def _as_attributes(arrays: dict[str, np.ndarray], engine: Engine, old: Any) -> Any:
    """The engine's Attributes from freshly computed arrays (so the after-figures sample the new prior)."""
    from .engine import Attributes
    from .engine_types import DIRECTIONS_KEY
    from .prior import FittedPrior

    names = list(engine.codec.attributes())
    return Attributes(names=names, vectors=arrays["vectors"], definitions={},
                      pca_components=arrays.get("pca_components"), pca_std=arrays.get("pca_std"),
                      pca_mean=arrays.get("pca_mean"), reference_latents=arrays.get("reference_latents"),
                      prior=FittedPrior.from_arrays(arrays), directions=arrays.get(DIRECTIONS_KEY))
