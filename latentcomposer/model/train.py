"""Training: ``latentcomposer train --config NAME [--device] [--resume]``.

Resumable across sessions: every ``checkpoint_every_minutes`` the weights, optimizer, step and RNG
state go to ``<cache>/train/<name>/last.pt`` (loaded with ``weights_only=True``). Validation metrics go
to ``metrics.csv`` beside it with a training-curve PNG, and the best weights so far (by validation
sampled accuracy) are exported to ``models/<name>/`` (or ``--out``) as safetensors + config.json.

Data parallel (``torchrun --nproc_per_node N -m latentcomposer train --config NAME``, model/distributed.py):
each of the N processes draws ``batch_size / N`` windows per step from its own shard of the training
windows (every N-th window), DistributedDataParallel averages the gradients, so a step is one step of
the config's global batch, and the schedules (learning rate, KL, sampling) run on the same step count.
Rank 0 alone logs, validates, exports and writes ``last.pt``; the checkpoint holds the model, the
optimizer and rank 0's random state, so it resumes with any number of processes (the other ranks draw
fresh random streams from the seed, their rank and the step). One process is the code path as before.

``--data FOLDER`` trains on a folder of the user's MIDI files instead of the built-in corpus: it is
indexed once into the window cache (data/folder_index.py: parallel workers, a progress bar, bad files
skipped and counted).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import math
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentcomposer.data.codec_base import Augmenter, WindowSet
from latentcomposer.data.codecs import codec_for, model_arrays
from latentcomposer.data.paths import cache_dir

from . import distributed
from .ar_reg import ARRegularizer
from .checkpoint import build_model, models_dir, save_model
from .config import ModelConfig, NamedConfig, get_config
from .distributed import SINGLE, DistInfo
from .evaluate import evaluate_windows
from .vae import aux_loss, vae_loss


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda asked for, but no CUDA GPU is available")
    return torch.device(name)


@dataclass
class TrainState:
    step: int = 0
    windows_seen: int = 0
    wall_seconds: float = 0.0
    best_valid_sampled: float = -1.0
    best_step: int = 0


class _LossStep(torch.nn.Module):
    """The trainer's loss as one module's forward, so DistributedDataParallel sees the whole step (the
    loss calls the model's encode/decode methods, which DDP alone would not track)."""

    _trainer: Trainer

    def __init__(self, trainer: Trainer) -> None:
        super().__init__()
        self.model = trainer.model
        object.__setattr__(self, "_trainer", trainer)  # not a submodule

    def forward(self, b: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return self._trainer.step_losses(b)


class Trainer:
    def __init__(self, named: NamedConfig, device: torch.device, out_dir: Path | None = None,
                 work_dir: Path | None = None, log: Any = print, dist: DistInfo = SINGLE,
                 data_folder: Path | None = None, index_workers: int | None = None) -> None:
        self.named = named
        self.cfg = named.model
        self.tcfg = named.train
        self.device = device
        self.dist = dist
        self.log = log if dist.main else (lambda *_: None)
        self.data_folder = data_folder
        self.index_workers = index_workers
        if self.tcfg.batch_size % dist.world:
            raise RuntimeError(f"{self.cfg.name}'s batch of {self.tcfg.batch_size} windows does not split over "
                               f"{dist.world} processes; use a process count that divides it")
        self.rank_batch = self.tcfg.batch_size // dist.world
        self.out_dir = out_dir or models_dir() / self.cfg.name
        self.work = work_dir or cache_dir() / "train" / self.cfg.name
        self.work.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(self.tcfg.seed)
        self.codec = codec_for(self.cfg.representation)
        self.augment: Augmenter | None = None
        self.ar = (ARRegularizer(self.tcfg.ar_dims, self.codec.attributes(), self.cfg.z_dim, self.tcfg.ar_weight,
                                 self.tcfg.ar_delta) if self.tcfg.ar_weight > 0 and self.tcfg.ar_dims else None)
        self.model = build_model(self.cfg).to(device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=self.tcfg.learning_rate)
        self.state = TrainState()
        self.rng = np.random.default_rng(self.tcfg.seed)
        self.gen = torch.Generator(device=device)
        self.gen.manual_seed(self.tcfg.seed)
        self.shard: np.ndarray | None = None  # this rank's training windows (None: all of them)
        self.ddp: torch.nn.Module | None = None
        if dist.active and not dist.main:
            self._reseed(0)

    def _reseed(self, step: int) -> None:
        """A rank other than 0: its own random streams, from the seed, the rank and the step."""
        seq = [self.tcfg.seed, self.dist.rank, step]
        self.rng = np.random.default_rng(seq)
        self.gen.manual_seed(int(np.random.SeedSequence(seq).generate_state(1)[0]))

    # --- data -------------------------------------------------------------------------------
    def load_data(self, max_valid: int = 2048) -> dict[str, Any]:
        # rank 0 first: it builds the caches; the others then read them
        if not self.dist.main:
            distributed.barrier(self.dist)
        train, valid = self._windows()
        if self.dist.main:
            distributed.barrier(self.dist)
        info = dict(train.info)
        info.update(self.set_data(train.arrays, valid.arrays, max_valid))
        info["dropped_train"] = train.dropped
        return info

    def _windows(self) -> tuple[WindowSet, WindowSet]:
        n_bars = self.cfg.n_bars
        if self.data_folder is None:
            return (self.codec.corpus_windows("train", n_bars, hop_steps=self.tcfg.hop_steps),
                    self.codec.corpus_windows("valid", n_bars))
        from latentcomposer.data.folder_index import ProgressBar, index_folder

        index = index_folder(self.data_folder, self.cfg.representation, n_bars, workers=self.index_workers,
                             progress=ProgressBar() if self.dist.main else None)
        self.log(index.summary())
        train, valid = index.window_set("train"), index.window_set("valid")
        if len(train) == 0:
            raise RuntimeError(f"{self.data_folder}: no {n_bars}-bar {self.codec.label.lower()} windows to train "
                               f"on ({index.skipped_files} of {index.files} MIDI files skipped: {index.skipped})")
        if len(valid) == 0:
            self.log("  the folder is too small for a validation split (5 % of its files): validating on "
                     "training windows")
            valid = train
        return train, valid

    def set_data(self, train: dict[str, np.ndarray], valid: dict[str, np.ndarray], max_valid: int = 2048
                 ) -> dict[str, int]:
        """Use these windows ({"tokens": [N, T]} plus the codec's extras, e.g. drums' "velocity", "offset")."""
        n_valid = len(valid["tokens"])
        sel = np.sort(np.random.default_rng(1).permutation(n_valid)[:max_valid])
        self.valid = {k: v[sel] for k, v in valid.items()}
        self.train_data = {k: np.asarray(v).astype(np.float32) if v.dtype == np.float16 else np.asarray(v)
                           for k, v in train.items()}
        self.n_train = len(train["tokens"])
        if self.dist.active:
            self.shard = np.arange(self.dist.rank, self.n_train, self.dist.world)
            if len(self.shard) == 0:
                raise RuntimeError(f"{self.n_train} training windows are too few for {self.dist.world} processes")
        self.augment = self.codec.augmenter(self.train_data, asdict(self.tcfg))
        self.log(f"data: {self.n_train} train windows, {n_valid} validation windows ({len(sel)} used for checks)")
        return {"train_windows": int(self.n_train), "valid_windows": int(n_valid),
                "valid_windows_used_for_checks": int(len(sel))}

    def batch(self) -> dict[str, torch.Tensor]:
        if self.shard is None:
            idx = self.rng.integers(0, self.n_train, self.tcfg.batch_size)
        else:  # this rank's share of the global batch, from its shard
            idx = self.shard[self.rng.integers(0, len(self.shard), self.rank_batch)]
        out = {k: v[idx] for k, v in self.train_data.items()}
        if self.augment is not None:
            out = self.augment(out, idx, self.rng)
        out = model_arrays(self.codec, out)  # the model's own form (the chord-relative melody)
        tensors = {k: torch.as_tensor(v) for k, v in out.items()}
        tensors["tokens"] = tensors["tokens"].long()
        if "enc_tokens" in tensors:
            tensors["enc_tokens"] = tensors["enc_tokens"].long()
        if "velocity" in tensors:
            tensors["velocity"] = tensors["velocity"].long()
        return {k: v.to(self.device, non_blocking=True) for k, v in tensors.items()}

    def step_losses(self, b: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        out = self._step_losses(b)
        if self.ar is not None:  # attribute-regularized dims (model/ar_reg.py), on the posterior means
            weighted, term = self.ar.loss(out.pop("_mu"), b["tokens"])
            out["loss"] = out["loss"] + weighted
            out["ar"] = term
        out.pop("_mu", None)
        return out

    def _step_losses(self, b: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        x = b["tokens"]
        cond = b["condition"].float() if "condition" in b else None  # conditioned models' per-step input
        rate = self.sampling_rate()
        parallel = self.tcfg.parallel_sampling or self.model.decoder.aux is not None
        if rate > 0 and not parallel and "enc_tokens" not in b:
            logits, mu, sigma = self.model(x, rate, self.gen, cond)
            return {**vae_loss(logits, x, mu, sigma, self.beta(), self.tcfg.free_bits, self.model.kl_groups),
                    "_mu": mu}
        if "enc_tokens" in b:  # encoder_transpose: the encoder reads its own, differently moved copy
            mu, sigma = self.model.encode(b["enc_tokens"], b["enc_condition"].float())
        else:
            mu, sigma = self.model.encode(x, cond)
        z = mu + sigma * torch.randn(mu.shape, device=mu.device, generator=self.gen)
        inputs = self.model.sampled_inputs(z, x, rate, self.gen, cond)  # x itself when rate is 0
        logits, hidden = self.model.decode_hidden(z, inputs, self.tcfg.input_dropout, self.gen,
                                                  self.tcfg.dec_dropout, cond)
        out = {**vae_loss(logits, x, mu, sigma, self.beta(), self.tcfg.free_bits, self.model.kl_groups), "_mu": mu}
        if self.model.decoder.aux is None:
            return out
        aux = aux_loss(self.model.decoder, hidden, x, b["velocity"], b["offset"])
        out["loss"] = out["loss"] + aux["velocity_loss"] + aux["offset_loss"]
        return {**out, **aux}

    # --- schedule ---------------------------------------------------------------------------
    def lr(self) -> float:
        t = self.tcfg
        return max(t.min_learning_rate, t.learning_rate * t.lr_decay ** self.state.step)

    def beta(self) -> float:
        t = self.tcfg
        return t.beta * min(1.0, self.state.step / max(1, t.kl_anneal_steps))

    def sampling_rate(self) -> float:
        t = self.tcfg
        steps = self.state.step - t.sampling_start
        if t.scheduled_sampling <= 0 or steps <= 0:
            return 0.0
        if t.sampling_ramp > 0:
            return t.scheduled_sampling * min(1.0, steps / t.sampling_ramp)
        k = 1000.0  # MusicVAE's inverse sigmoid
        return t.scheduled_sampling * (1.0 - k / (k + math.exp(min(steps / k, 50.0))))

    # --- checkpoints ------------------------------------------------------------------------
    def save_checkpoint(self) -> None:
        if not self.dist.main:
            return
        tmp = self.work / "last.pt.tmp"
        ck = {"model": self.model.state_dict(), "opt": self.opt.state_dict(),
              "state": asdict(self.state), "config": self.cfg.to_dict(),
              "rng": self.rng.bit_generator.state["state"],
              "np_rng_state": json.dumps(self.rng.bit_generator.state),
              "torch_gen": self.gen.get_state()}
        if self.dist.active:
            ck["processes"] = self.dist.world  # for the record; any process count resumes it
        torch.save(ck, tmp)
        tmp.replace(self.work / "last.pt")

    def load_checkpoint(self) -> bool:
        path = self.work / "last.pt"
        if not path.exists():
            return False
        ck = torch.load(path, map_location=self.device, weights_only=True)
        if ModelConfig.from_dict(ck["config"]) != self.cfg:
            raise RuntimeError(f"{path} was trained with a different config; delete it or use another --work-dir")
        self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["opt"])
        self.state = TrainState(**ck["state"])
        if self.dist.main:
            self.rng.bit_generator.state = json.loads(ck["np_rng_state"])
            self.gen.set_state(ck["torch_gen"].cpu() if self.device.type == "cpu" else ck["torch_gen"])
        else:
            self._reseed(self.state.step)
        was = int(ck.get("processes", 1))
        self.log(f"resumed from {path} at step {self.state.step}"
                 + (f" (written by {was} processes, now {self.dist.world})" if was != self.dist.world else ""))
        return True

    def init_from(self, folder: Path) -> None:
        """Start from shipped weights (a fresh optimizer). The same config continues its step count
        (and so its learning-rate and KL schedules) from the weights' recorded steps; for machines
        without the checkpoint, e.g. a lent GPU that only has the repo.

        A *conditioned* config may start from its unconditioned parent (mel_2bar_chords from mel_2bar):
        every tensor is copied, and the decoder's input weights, wider by the condition's columns, get
        the parent's columns and zeros for the condition -- so the new model starts out decoding exactly
        as the parent does and learns to use the condition (its step count starts at 0). Likewise a
        config whose encoder reads the condition (``encoder_condition``) from one whose encoder does not:
        the encoder's input weights widen the same way."""
        from .checkpoint import load_model

        model, cfg, meta = load_model(folder, self.device)
        assert isinstance(model, torch.nn.Module)  # this trainer's models are LatentVAEs
        same = cfg == self.cfg
        # a parent: the same model without the condition, or without the encoder's share of it
        parents = [dataclasses.replace(self.cfg, name=cfg.name, representation=cfg.representation, condition_dim=c,
                                       encoder_condition=e)
                   for c in {0, self.cfg.condition_dim} for e in {False, self.cfg.encoder_condition}
                   if not (e and not c)]
        if not same and cfg not in parents:
            raise RuntimeError(f"{folder} holds a {cfg.name} model, not {self.cfg.name} (nor its unconditioned "
                               "parent)")
        own = self.model.state_dict()
        src = model.state_dict()
        for key, value in src.items():
            target = own[key]
            if target.shape == value.shape:
                target.copy_(value)
            elif target.shape[:-1] == value.shape[:-1] and target.shape[-1] > value.shape[-1]:
                target.zero_()
                target[..., :value.shape[-1]] = value  # the condition's input columns start at zero
            else:
                raise RuntimeError(f"{folder}: {key} has shape {list(value.shape)}, {self.cfg.name} needs "
                                   f"{list(target.shape)}")
        self.model.load_state_dict(own)
        if same:
            self.state.step = int(meta.get("trained_steps", 0))
            self.state.windows_seen = int(meta.get("windows_seen", 0))
            self.state.wall_seconds = float(meta.get("train_wall_seconds", 0))
            best = meta.get("valid_metrics", {}).get("valid_sampled_acc")
            self.state.best_valid_sampled = float(best) if best is not None else -1.0
        self.log(f"initialised from {folder} (step {self.state.step})")

    def export_best(self, metrics: dict[str, float], data_info: dict[str, Any]) -> None:
        meta = {"trained_steps": self.state.step, "windows_seen": self.state.windows_seen,
                "train_wall_seconds": round(self.state.wall_seconds), "device": str(self.device),
                "valid_metrics": metrics, "data": data_info}
        if self.dist.active:
            meta["processes"] = self.dist.world
        save_model(self.model, self.cfg, self.out_dir, meta, dtype=torch.float16, training=self.tcfg)

    # --- the loop ---------------------------------------------------------------------------
    def validate(self) -> dict[str, float]:
        res = evaluate_windows(self.model, self.valid["tokens"], device=self.device,
                               aux={k: v for k, v in self.valid.items() if k != "tokens"} or None)
        self.model.train()
        m = {"valid_tf_acc": res.teacher_forced_accuracy, "valid_sampled_acc": res.sampled_accuracy,
             "valid_kl": res.kl, "valid_event_acc": res.sampled_event_accuracy}
        if res.velocity_accuracy is not None:
            m.update({"valid_velocity_acc": res.velocity_accuracy, "valid_offset_mae": res.offset_mae or 0.0})
        return m

    def train(self, max_steps: int | None = None, max_minutes: float | None = None) -> TrainState:
        """Train until ``max_steps``/``max_minutes``, or until SIGINT/SIGTERM (Ctrl+C, ``kill``): the
        step in progress finishes, a checkpoint is written and the method returns (``self.stopped``)."""
        with stop_on_signals() as stop:
            return self._train(stop, max_steps, max_minutes)

    def _train(self, stop: threading.Event, max_steps: int | None, max_minutes: float | None) -> TrainState:
        data_info = self.load_data() if not hasattr(self, "train_data") else {"windows": "given"}
        max_steps = max_steps or self.tcfg.max_steps
        self.model.train()
        if self.dist.active and self.ddp is None:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            # some configs leave parameters out of a step (e.g. heads a representation does not use)
            self.ddp = DistributedDataParallel(_LossStep(self), device_ids=ids, find_unused_parameters=True)
            data_info = {**data_info, "processes": self.dist.world}
        step_losses = self.ddp if self.ddp is not None else self.step_losses
        csv_path = self.work / "metrics.csv"
        t_start = time.monotonic()
        last_ck = last_eval = last_log = t_start
        seg_start_wall = self.state.wall_seconds
        running: dict[str, float] = {}
        n_run = 0
        agreed_stop = False  # with several processes, a stop every rank has agreed on
        while self.state.step < max_steps:
            if agreed_stop if self.dist.active else stop.is_set():
                self.stopped = True
                self.log(f"stopping at step {self.state.step} (signal); writing a checkpoint")
                break
            for g in self.opt.param_groups:
                g["lr"] = self.lr()
            b = self.batch()
            out = step_losses(b)
            self.opt.zero_grad(set_to_none=True)
            out["loss"].backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.tcfg.grad_clip)
            self.opt.step()
            self.state.step += 1
            self.state.windows_seen += len(b["tokens"]) * self.dist.world
            for k, v in out.items():
                running[k] = running.get(k, 0.0) + float(v.detach())
            n_run += 1
            now = time.monotonic()
            self.state.wall_seconds = seg_start_wall + (now - t_start)
            if now - last_log > 30:
                avg = {k: v / n_run for k, v in running.items()}
                rate = self.state.windows_seen / max(1.0, self.state.wall_seconds) * 3600
                sampling = self.sampling_rate()
                self.log(f"step {self.state.step} loss {avg['loss']:.2f} recon {avg['recon']:.2f} "
                         f"kl {avg['kl']:.1f} acc {avg['accuracy']:.3f} beta {self.beta():.3f} "
                         f"lr {self.lr():.2e}" + (f" sampling {sampling:.2f}" if sampling else "")
                         + (f" ar {avg['ar']:.3f}" if "ar" in avg else "")
                         + f" | {rate / 1000:.0f}k windows/h")
                running, n_run, last_log = {}, 0, now
            done = max_minutes is not None and (now - t_start) / 60 >= max_minutes
            evaluate = now - last_eval >= self.tcfg.eval_every_minutes * 60 or done or self.state.step >= max_steps
            checkpoint = now - last_ck >= self.tcfg.checkpoint_every_minutes * 60 or done
            if self.dist.active:  # every rank takes these decisions at the same step
                done, evaluate, checkpoint, agreed_stop = distributed.agree(
                    self.dist, [done, evaluate, checkpoint, stop.is_set()], self.device)
            if evaluate:
                if self.dist.main:
                    m = self.validate()
                    self._log_metrics(csv_path, m)
                    if m["valid_sampled_acc"] > self.state.best_valid_sampled:
                        self.state.best_valid_sampled = m["valid_sampled_acc"]
                        self.state.best_step = self.state.step
                        self.export_best(m, data_info)
                        self.log(f"  new best -> {self.out_dir}")
                last_eval = time.monotonic()
            if checkpoint:
                self.save_checkpoint()
                last_ck = now
            if done:
                break
        self.save_checkpoint()
        return self.state

    stopped = False

    def _log_metrics(self, path: Path, m: dict[str, float]) -> None:
        append_validation(path, self.state, self.lr(), self.beta(), m, self.log)
        plot_curves(path, self.work / "curves.png", self.cfg.name)


def append_validation(path: Path, state: Any, lr: float, beta: float, m: dict[str, float],
                      log: Callable[[str], None]) -> None:
    """One validation row (step, windows seen, wall seconds, lr, beta, the metrics) appended to the
    trainer's metrics.csv (header on a new file), and logged. ``state``: any trainer's state (``step``,
    ``windows_seen``, ``wall_seconds``); the piano and trio trainers write the same file."""
    new = not path.exists()
    row = {"step": state.step, "windows_seen": state.windows_seen, "wall_seconds": round(state.wall_seconds),
           "lr": lr, "beta": beta, **m}
    with path.open("a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        if new:
            w.writeheader()
        w.writerow(row)
    log("  valid: " + " ".join(f"{k}={v:.4f}" for k, v in m.items()))


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT/SIGTERM while the block runs (handlers restored after); outside the
    main thread no handler can be installed and the event is never set."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():  # a second Ctrl+C: stop now
            raise KeyboardInterrupt
        stop.set()

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, h in previous.items():
            signal.signal(sig, h)


def plot_curves(csv_path: Path, png: Path, title: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    rows = list(csv.DictReader(csv_path.open()))
    if not rows:
        return
    steps = [int(r["step"]) for r in rows]
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    for key in ("valid_tf_acc", "valid_sampled_acc", "valid_event_acc"):
        ax[0].plot(steps, [float(r[key]) for r in rows], label=key)
    ax[0].set_xlabel("step")
    ax[0].set_title(f"{title}: validation accuracy")
    ax[0].legend()
    ax[1].plot(steps, [float(r["valid_kl"]) for r in rows])
    ax[1].set_xlabel("step")
    ax[1].set_title("KL (nats)")
    fig.tight_layout()
    fig.savefig(png, dpi=80)
    plt.close(fig)


def run_training(config: str, device: str = "auto", resume: bool = True, max_steps: int | None = None,
                 max_minutes: float | None = None, threads: int | None = None,
                 out: Path | None = None, work_dir: Path | None = None,
                 init_from: Path | None = None, data: Path | None = None,
                 index_workers: int | None = None) -> TrainState:
    """Train ``config``; under ``torchrun`` (``WORLD_SIZE`` > 1) as one rank of a data-parallel group."""
    if threads:
        torch.set_num_threads(threads)
    random.seed(0)
    dist = distributed.from_env()
    dev = distributed.device_for(dist, pick_device(device))
    distributed.init(dist, dev)
    try:
        trainer = Trainer(get_config(config), dev, out_dir=out, work_dir=work_dir, dist=dist, data_folder=data,
                          index_workers=index_workers)
        if not (resume and trainer.load_checkpoint()) and init_from is not None:
            trainer.init_from(init_from)
        return trainer.train(max_steps=max_steps, max_minutes=max_minutes)
    finally:
        distributed.shutdown()
