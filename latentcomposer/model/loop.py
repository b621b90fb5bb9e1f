"""One training loop for the note-tree models' trainers (piano: model/poly_train.py, trio:
model/trio_train.py): optimizer step with the learning-rate decay and KL warm-up, a log line a minute,
validation every ``eval_every_minutes`` appended to ``metrics.csv`` with the best weights exported,
a checkpoint (weights, optimizer, step, RNG states; ``weights_only`` load) every
``checkpoint_every_minutes`` and on SIGINT/SIGTERM. A trainer subclasses :class:`LoopTrainer` and
says how a batch is drawn (:meth:`~LoopTrainer.batch`), what validation measures
(:meth:`~LoopTrainer.validate`, :meth:`~LoopTrainer.valid_score`) and how weights are exported
(:meth:`~LoopTrainer.export`). The melody/drum trainer (model/train.py) keeps its own loop: it also
runs distributed, with its own data pipeline.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import torch

from latentcomposer.data.paths import cache_dir

from .checkpoint import models_dir
from .loop_config import LoopTrainConfig
from .train import append_validation, stop_on_signals


@dataclass
class LoopState:
    step: int = 0
    windows_seen: int = 0
    wall_seconds: float = 0.0
    best_valid: float = -1.0
    best_step: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LoopState:
        d = dict(d)
        if "best_valid_f1" in d:  # the piano trainer's checkpoints before the shared loop
            d["best_valid"] = d.pop("best_valid_f1")
        return cls(**d)


M = TypeVar("M", bound=torch.nn.Module)


class LoopTrainer(Generic[M]):
    """The shared part of a trainer; see the module doc. Subclasses set :attr:`model`-building in
    ``__init__`` (call ``super().__init__`` with the model) and implement the four hooks."""

    score_label: ClassVar[str] = "valid score"

    def __init__(self, cfg: Any, tcfg: LoopTrainConfig, model: M, out_dir: Path | None,
                 work_dir: Path | None, device: str | torch.device, log: Any) -> None:
        self.cfg, self.tcfg, self.log = cfg, tcfg, log
        self.device = torch.device(device)
        self.out_dir = out_dir or models_dir() / cfg.name
        self.work = work_dir or cache_dir() / "train" / cfg.name
        self.work.mkdir(parents=True, exist_ok=True)
        self.model: M = model.to(self.device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=tcfg.learning_rate)
        self.state = LoopState()
        self.rng = np.random.default_rng(tcfg.seed)
        self.gen = torch.Generator(device=self.device).manual_seed(tcfg.seed)
        self.data_info: dict[str, Any] = {}

    # --- the hooks --------------------------------------------------------------------------------
    def batch(self) -> torch.Tensor | dict[str, torch.Tensor]:
        """A training batch: the windows [B, ...], or ``{"x": windows, **extras}`` whose extras go to the
        model's loss as keyword arguments (a conditioned model's ``condition``, ``enc_x``)."""
        raise NotImplementedError

    def validate(self) -> dict[str, float]:
        raise NotImplementedError

    def valid_score(self, m: dict[str, float]) -> float:
        raise NotImplementedError

    def export(self, metrics: dict[str, float], folder: Path | None = None) -> None:
        raise NotImplementedError

    # --- schedule and one step --------------------------------------------------------------------
    def lr(self) -> float:
        t = self.tcfg
        return max(t.min_learning_rate, t.learning_rate * t.lr_decay ** self.state.step)

    def beta(self) -> float:
        return self.tcfg.beta * min(1.0, self.state.step / max(1, self.tcfg.kl_anneal_steps))

    def step(self) -> dict[str, float]:
        """One optimizer step on a fresh batch; the loss parts as floats."""
        for g in self.opt.param_groups:
            g["lr"] = self.lr()
        b = self.batch()
        x, extras = (b, {}) if isinstance(b, torch.Tensor) else (b["x"], {k: v for k, v in b.items() if k != "x"})
        loss: Any = self.model.loss  # every note-tree model's loss(x, beta, free_bits, generator, **extras)
        out = loss(x, self.beta(), self.tcfg.free_bits, self.gen, **extras)
        self.opt.zero_grad(set_to_none=True)
        out["loss"].backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.tcfg.grad_clip)
        self.opt.step()
        self.state.step += 1
        self.state.windows_seen += len(x)
        return {k: float(v.detach()) for k, v in out.items()}

    def export_meta(self, metrics: dict[str, float]) -> dict[str, Any]:
        """What an export's config.json records of the training."""
        return {"trained_steps": self.state.step, "windows_seen": self.state.windows_seen,
                "train_wall_seconds": round(self.state.wall_seconds), "device": self.device.type,
                "train_config": asdict(self.tcfg), "valid_metrics": metrics, "data": self.data_info}

    # --- checkpoints ------------------------------------------------------------------------------
    def save_checkpoint(self) -> None:
        tmp = self.work / "last.pt.tmp"
        torch.save({"model": self.model.state_dict(), "opt": self.opt.state_dict(), "state": asdict(self.state),
                    "config": self.cfg.to_dict(), "np_rng_state": json.dumps(self.rng.bit_generator.state),
                    "torch_gen": self.gen.get_state(), "torch_rng": torch.get_rng_state()}, tmp)
        tmp.replace(self.work / "last.pt")

    def load_checkpoint(self) -> bool:
        path = self.work / "last.pt"
        if not path.exists():
            return False
        ck = torch.load(path, map_location=self.device, weights_only=True)
        if dataclasses.replace(type(self.cfg).from_dict(ck["config"]), name=self.cfg.name) != self.cfg:
            raise RuntimeError(f"{path} was trained with a different config; delete it or use another --work-dir")
        self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["opt"])
        self.state = LoopState.from_dict(ck["state"])
        self.rng.bit_generator.state = json.loads(ck["np_rng_state"])
        self.gen.set_state(ck["torch_gen"].cpu())
        torch.set_rng_state(ck["torch_rng"].cpu())
        self.log(f"resumed from {path} at step {self.state.step}")
        return True

    def init_from(self, path: Path) -> list[str]:
        """Copy every tensor whose name and shape match from a ``last.pt`` or an exported model folder
        (its ``model.safetensors``; e.g. poly_8bar's encoder, conductor and bar decoder into the 2-bar
        poly_2bar, or a model's shipped weights into a fresh run on a GPU); a fresh optimizer and step 0.
        A bar-position table (``...pos``, [n_bars, d]) from a model with more bars gives its first rows.

        A *conditioned* model (``condition_dim`` > 0) may start from its unconditioned parent (poly_2bar_chords
        from poly_2bar), as model/train.py's ``Trainer.init_from`` widens: an input weight wider by exactly
        the condition's columns gets the parent's columns and zeros for the condition's (the condition is
        the last input), so the new model decodes exactly as its parent until it learns to read it."""
        if path.is_dir():
            from safetensors.torch import load_file

            tensors = load_file(str(path / "model.safetensors"))
        else:
            tensors = torch.load(path, map_location="cpu", weights_only=True)["model"]
        own = self.model.state_dict()
        take = {k: tensors[k] for k in own if k in tensors and tensors[k].shape == own[k].shape}
        widen = int(getattr(self.cfg, "condition_dim", 0))
        for k in own:
            if k in tensors and k not in take and _bar_table(k, tensors[k], own[k]):
                take[k] = tensors[k][:own[k].shape[0]]  # a longer model's bar positions: the first n_bars
            elif k in tensors and k not in take and widen and _narrower_by(tensors[k], own[k], widen):
                wide = torch.zeros(own[k].shape, dtype=tensors[k].dtype)
                wide[..., :tensors[k].shape[-1]] = tensors[k]  # the condition's columns start at zero
                take[k] = wide
        self.model.load_state_dict({**own, **{k: v.float().to(self.device) for k, v in take.items()}})
        self.log(f"initialised {len(take)} of {len(own)} tensors from {path}")
        return list(take)

    # --- the loop ---------------------------------------------------------------------------------
    def train(self, max_steps: int | None = None, max_minutes: float | None = None) -> LoopState:
        with stop_on_signals() as stop:
            return self._train(stop, max_steps, max_minutes)

    def _train(self, stop: threading.Event, max_steps: int | None, max_minutes: float | None) -> LoopState:
        max_steps = max_steps or self.tcfg.max_steps
        self.model.train()
        t_start = time.monotonic()
        last_ck = last_eval = last_log = t_start
        seg_wall = self.state.wall_seconds
        running: dict[str, float] = {}
        n_run = 0
        while self.state.step < max_steps and not stop.is_set():
            for k, v in self.step().items():
                running[k] = running.get(k, 0.0) + v
            n_run += 1
            now = time.monotonic()
            self.state.wall_seconds = seg_wall + (now - t_start)
            if now - last_log > 60:
                self.log(f"step {self.state.step} " + " ".join(f"{k} {v / n_run:.3f}" for k, v in running.items())
                         + f" beta {self.beta():.3f} lr {self.lr():.2e} | {n_run / (now - last_log):.3f} steps/s")
                running, n_run, last_log = {}, 0, now
            done = (max_minutes is not None and (now - t_start) / 60 >= max_minutes) or self.state.step >= max_steps
            if now - last_eval >= self.tcfg.eval_every_minutes * 60 or done:
                m = self.validate()
                self.model.train()
                last_eval = time.monotonic()
                append_validation(self.work / "metrics.csv", self.state, self.lr(), self.beta(), m, self.log)
                score = self.valid_score(m)
                if score > self.state.best_valid:
                    self.state.best_valid, self.state.best_step = score, self.state.step
                    self.export(m)
                    self.model.train()
                    self.log(f"  new best ({self.score_label} {score:.4f}) -> {self.out_dir}")
            if now - last_ck >= self.tcfg.checkpoint_every_minutes * 60 or done:
                self.save_checkpoint()
                last_ck = now
            if done:
                break
        if stop.is_set():
            self.log(f"stopping at step {self.state.step} (signal); writing a checkpoint")
        self.save_checkpoint()
        return self.state


def step_seconds(trainer: LoopTrainer, steps: int) -> float:
    """Median seconds per training step (``steps`` steps after one warm-up step) of a trainer with its
    corpus set: what ``speed`` prints."""
    times = []
    for i in range(steps + 1):
        t0 = time.perf_counter()
        trainer.step()
        if i:
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _bar_table(name: str, src: torch.Tensor, dst: torch.Tensor) -> bool:
    """Is ``src`` a longer model's per-bar position table for ``dst`` (same width, more bars)?"""
    return (name.split(".")[-1] == "pos" and src.dim() == 2 and dst.dim() == 2
            and src.shape[1] == dst.shape[1] and src.shape[0] > dst.shape[0])


def _narrower_by(src: torch.Tensor, dst: torch.Tensor, columns: int) -> bool:
    """Is ``src`` the unconditioned parent's input weight for ``dst`` (``columns`` fewer inputs)?"""
    return src.dim() == dst.dim() == 2 and src.shape[0] == dst.shape[0] and src.shape[1] + columns == dst.shape[1]
