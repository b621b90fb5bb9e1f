"""Training of the trio models (trio_16bar; tiny_trio for tests): ``latentcomposer train --config
trio_16bar`` (or ``python -m latentcomposer.model.trio_train train --config trio_16bar``).

Trains (one CPU thread by default) until ``--max-minutes``/``--max-steps`` or SIGINT/SIGTERM,
resuming from ``<cache>/train/<name>/last.pt`` (weights, optimizer, step, RNG states; ``weights_only``
load), written every ``checkpoint_every_minutes``. Every ``eval_every_minutes`` the per-stream
validation figures (model/trio.py's ``evaluate``: melody and bass token accuracy teacher-forced and
greedy-sampled, accompaniment note F1) are appended to ``metrics.csv`` beside it, and the best weights
by their mean (melody sampled + bass sampled + accompaniment F1) / 3 are exported to ``models/<name>/``
(float16 safetensors + config.json, read by the engine like any model). ``speed`` measures training
steps per second on real windows. Validation reads the valid split only; test is for ``eval``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentcomposer.data.paths import cache_dir
from latentcomposer.data.trio import TrioCorpus, transpose_windows, trio_corpus

from .checkpoint import models_dir, save_model
from .train import append_validation, stop_on_signals
from .trio import TrioVAE
from .trio_config import TrioConfig, TrioNamedConfig, get_trio_config


@dataclass
class TrioTrainState:
    step: int = 0
    windows_seen: int = 0
    wall_seconds: float = 0.0
    best_valid: float = -1.0
    best_step: int = 0


def valid_score(m: dict[str, float]) -> float:
    """What 'best' means: the mean of melody and bass sampled accuracy and accompaniment note F1."""
    return (m["valid_melody_sampled_acc"] + m["valid_bass_sampled_acc"] + m["valid_accompaniment_f1"]) / 3


class TrioTrainer:
    def __init__(self, named: TrioNamedConfig, out_dir: Path | None = None, work_dir: Path | None = None,
                 device: str | torch.device = "cpu", log: Any = print) -> None:
        self.named, self.cfg, self.tcfg = named, named.model, named.train
        self.log = log
        self.device = torch.device(device)
        self.out_dir = out_dir or models_dir() / self.cfg.name
        self.work = work_dir or cache_dir() / "train" / self.cfg.name
        self.work.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(self.tcfg.seed)
        self.model = TrioVAE(self.cfg).to(self.device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=self.tcfg.learning_rate)
        self.state = TrioTrainState()
        self.rng = np.random.default_rng(self.tcfg.seed)
        self.gen = torch.Generator(device=self.device).manual_seed(self.tcfg.seed)
        self.data_info: dict[str, Any] = {}

    def set_corpus(self, corpus: TrioCorpus) -> None:
        self.corpus = corpus
        self.train_starts, _, dropped = corpus.window_starts("train", self.cfg.n_bars)
        vs, _, vdropped = corpus.window_starts("valid", self.cfg.n_bars)
        sel = np.sort(np.random.default_rng(1).permutation(len(vs))[:self.tcfg.valid_windows])
        self.valid = corpus.windows(vs[sel], self.cfg.n_steps)
        self.data_info = {"songs": corpus.summary()["by_split"], "skipped": corpus.skipped,
                          "train_windows": int(len(self.train_starts)), "valid_windows": int(len(vs)),
                          "valid_windows_used_for_checks": int(len(sel)), "sparse_windows_dropped_train": dropped,
                          "sparse_windows_dropped_valid": vdropped}
        self.log(f"data: {len(self.train_starts)} train windows, {len(vs)} validation windows "
                 f"({len(sel)} used for checks)")
        if not len(self.train_starts):
            raise RuntimeError(f"no {self.cfg.n_bars}-bar training windows in the trio corpus")

    def batch(self) -> torch.Tensor:
        idx = self.rng.integers(0, len(self.train_starts), self.tcfg.batch_size)
        w = self.corpus.windows(self.train_starts[idx], self.cfg.n_steps)
        r = self.tcfg.transpose_range
        if r:
            w = transpose_windows(w, self.rng.integers(-r, r + 1, len(w)))
        return torch.as_tensor(w.astype(np.int64), device=self.device)

    def lr(self) -> float:
        t = self.tcfg
        return max(t.min_learning_rate, t.learning_rate * t.lr_decay ** self.state.step)

    def beta(self) -> float:
        return self.tcfg.beta * min(1.0, self.state.step / max(1, self.tcfg.kl_anneal_steps))

    def step(self) -> dict[str, float]:
        """One optimizer step on a fresh batch; the loss parts as floats."""
        for g in self.opt.param_groups:
            g["lr"] = self.lr()
        x = self.batch()
        out = self.model.loss(x, self.beta(), self.tcfg.free_bits, self.gen)
        self.opt.zero_grad(set_to_none=True)
        out["loss"].backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.tcfg.grad_clip)
        self.opt.step()
        self.state.step += 1
        self.state.windows_seen += len(x)
        return {k: float(v.detach()) for k, v in out.items()}

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
        if dataclasses.replace(TrioConfig.from_dict(ck["config"]), name=self.cfg.name) != self.cfg:
            raise RuntimeError(f"{path} was trained with a different config; delete it or use another --work-dir")
        self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["opt"])
        self.state = TrioTrainState(**ck["state"])
        self.rng.bit_generator.state = json.loads(ck["np_rng_state"])
        self.gen.set_state(ck["torch_gen"].cpu())
        torch.set_rng_state(ck["torch_rng"].cpu())
        self.log(f"resumed from {path} at step {self.state.step}")
        return True

    def export(self, metrics: dict[str, float], folder: Path | None = None) -> None:
        folder = folder or self.out_dir
        meta = {"trained_steps": self.state.step, "windows_seen": self.state.windows_seen,
                "train_wall_seconds": round(self.state.wall_seconds), "device": self.device.type,
                "train_config": asdict(self.tcfg), "valid_metrics": metrics, "data": self.data_info}
        save_model(self.model, self.cfg, folder, meta, dtype=torch.float16)
        write_trio_card(folder, self.cfg, meta)
        self.model.train()

    def validate(self) -> dict[str, float]:
        res = self.model.evaluate(self.valid, device=self.device)
        self.model.train()
        return {f"valid_{k}": v for k, v in res.figures.items() if not k.endswith(("_true", "_pred"))} | \
            {"valid_kl": res.kl}

    # --- the loop ---------------------------------------------------------------------------------
    def train(self, max_steps: int | None = None, max_minutes: float | None = None) -> TrioTrainState:
        with stop_on_signals() as stop:
            return self._train(stop, max_steps, max_minutes)

    def _train(self, stop: threading.Event, max_steps: int | None, max_minutes: float | None) -> TrioTrainState:
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
                last_eval = time.monotonic()
                self._log_metrics(self.work / "metrics.csv", m)
                if valid_score(m) > self.state.best_valid:
                    self.state.best_valid, self.state.best_step = valid_score(m), self.state.step
                    self.export(m)
                    self.log(f"  new best (valid score {valid_score(m):.4f}) -> {self.out_dir}")
            if now - last_ck >= self.tcfg.checkpoint_every_minutes * 60 or done:
                self.save_checkpoint()
                last_ck = now
            if done:
                break
        if stop.is_set():
            self.log(f"stopping at step {self.state.step} (signal); writing a checkpoint")
        self.save_checkpoint()
        return self.state

    def _log_metrics(self, path: Path, m: dict[str, float]) -> None:
        append_validation(path, self.state, self.lr(), self.beta(), m, self.log)


def write_trio_card(folder: Path, cfg: TrioConfig, meta: dict[str, Any]) -> None:
    """MODEL_CARD.md from the export's meta (data, training, validation figures); ``card_notes.md`` in
    the folder (hand-written history and test figures) is appended and kept across exports."""
    data, tc, vm = meta.get("data", {}), meta.get("train_config", {}), meta.get("valid_metrics", {})
    songs = data.get("songs", {})
    lines = [f"# {cfg.name}", "",
             f"A MusicVAE-style trio VAE over {cfg.n_bars} bars of melody, bass and piano accompaniment (POP909), "
             "for latentcomposer's sections.", "",
             "## Data", "",
             "POP909 (Wang et al., ISMIR 2020; MIT licence) on its annotated beat grid: melody = the MELODY track's "
             "highest voice, bass = the PIANO track's lowest notes, accompaniment = the rest of PIANO "
             "(latentcomposer/data/trio.py). POP909 has no drums. Split by song (the other POP909 models' split): "
             f"{songs.get('train', '?')} / {songs.get('valid', '?')} / {songs.get('test', '?')} songs; "
             f"{data.get('train_windows', '?')} training windows, random transposition of all streams together "
             f"by up to +-{tc.get('transpose_range', '?')} semitones.", "",
             "## Architecture", "",
             f"Per stream and bar a bidirectional GRU, the streams' bar vectors summed, a Transformer over bars -> z "
             f"= {cfg.z_dim} ({cfg.bar_z_dim} per bar); a conductor LSTM {cfg.conductor_hidden} shared by the "
             f"streams; melody and bass: LSTM bar decoders {cfg.dec_layers}x{cfg.dec_hidden}; accompaniment: "
             f"PianoTree's bar decoder (time GRU {cfg.dec_time_hidden}, note GRU {cfg.dec_note_hidden}). No search "
             "decoding: temperature 0 is greedy.", "",
             "## Training", "",
             f"Batch {tc.get('batch_size')}, Adam {tc.get('learning_rate')}, beta {tc.get('beta')}, free bits "
             f"{tc.get('free_bits')} nats; {meta.get('trained_steps')} steps "
             f"({meta.get('train_wall_seconds', 0) / 3600:.2f} h on {meta.get('device', 'cpu')}). Resume: "
             f"`latentcomposer train --config {cfg.name}`.", "",
             "## Validation (z = mu, greedy; the checks' fixed subset)", "",
             "| stream | teacher-forced | sampled | note F1 |", "| --- | --- | --- | --- |"]
    for s in ("melody", "bass"):
        lines.append(f"| {s} | {vm.get(f'valid_{s}_tf_acc', 0):.4f} | {vm.get(f'valid_{s}_sampled_acc', 0):.4f} | - |")
    lines += [f"| accompaniment | {vm.get('valid_accompaniment_tf_pitch_acc', 0):.4f} (pitch) | - | "
              f"{vm.get('valid_accompaniment_f1', 0):.4f} |", "",
              "Targets (issue 24): melody >= 0.753 and bass >= 0.773 sampled (MusicVAE's trio), accompaniment "
              "note F1 >= 0.85, on the test split (`latentcomposer eval --model DIR --data test --beam 0`).", ""]
    notes = folder / "card_notes.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    (folder / "MODEL_CARD.md").write_text("\n".join(lines))


# --- entry ------------------------------------------------------------------------------------------
def measure_speed(config: str, batch_sizes: tuple[int, ...], steps: int = 3, device: str = "cpu",
                  corpus: TrioCorpus | None = None) -> dict[int, float]:
    """Seconds per training step (median after one warm-up step) at each batch size, on real windows."""
    named = get_trio_config(config)
    corpus = corpus or trio_corpus()
    out = {}
    for b in batch_sizes:
        tr = TrioTrainer(TrioNamedConfig(named.model, dataclasses.replace(named.train, batch_size=b)),
                         work_dir=Path("/tmp") / f"trio_speed_{config}", device=device, log=lambda *_: None)
        tr.set_corpus(corpus)
        times = []
        for i in range(steps + 1):
            t0 = time.perf_counter()
            tr.step()
            if i:
                times.append(time.perf_counter() - t0)
        out[b] = float(np.median(times))
        print(f"{config} batch {b}: {out[b]:.2f} s/step ({1 / out[b]:.3f} steps/s, {b / out[b]:.1f} windows/s)")
    return out


def run_trio_training(config: str, resume: bool = True, max_steps: int | None = None,
                      max_minutes: float | None = None, threads: int | None = None, out: Path | None = None,
                      work_dir: Path | None = None, device: str = "cpu") -> TrioTrainState:
    """``latentcomposer train --config trio_16bar``: train (resuming from the last checkpoint); the best
    weights by validation score go to ``models/<name>/`` (or ``out``)."""
    torch.set_num_threads(threads or 1)
    tr = TrioTrainer(get_trio_config(config), out_dir=out, work_dir=work_dir, device=device)
    tr.set_corpus(trio_corpus())
    if resume:
        tr.load_checkpoint()
    tr.train(max_steps, max_minutes)
    return tr.state


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="trio_train", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--config", required=True)
    t.add_argument("--no-resume", action="store_true")
    t.add_argument("--max-steps", type=int)
    t.add_argument("--max-minutes", type=float)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--device", default="cpu")
    t.add_argument("--out", type=Path)
    t.add_argument("--work-dir", type=Path)
    s = sub.add_parser("speed")
    s.add_argument("--config", required=True)
    s.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32])
    s.add_argument("--steps", type=int, default=3)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--device", default="cpu")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads or 1)
    if a.cmd == "train":
        run_trio_training(a.config, not a.no_resume, a.max_steps, a.max_minutes, a.threads, a.out, a.work_dir,
                          a.device)
    else:
        measure_speed(a.config, tuple(a.batch_sizes), a.steps, a.device)


if __name__ == "__main__":
    main()
