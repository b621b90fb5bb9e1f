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
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentcomposer.data.trio import TrioCorpus, transpose_windows, trio_corpus

from .checkpoint import save_model
from .loop import LoopState, LoopTrainer, step_seconds
from .trio import TrioVAE
from .trio_config import TrioConfig, TrioNamedConfig, get_trio_config


def valid_score(m: dict[str, float]) -> float:
    """What 'best' means: the mean of melody and bass sampled accuracy and accompaniment note F1."""
    return (m["valid_melody_sampled_acc"] + m["valid_bass_sampled_acc"] + m["valid_accompaniment_f1"]) / 3


class TrioTrainer(LoopTrainer[TrioVAE]):
    """The trio's trainer: the shared loop (model/loop.py) over packed trio windows, best by
    :meth:`valid_score`."""

    def __init__(self, named: TrioNamedConfig, out_dir: Path | None = None, work_dir: Path | None = None,
                 device: str | torch.device = "cpu", log: Any = print) -> None:
        self.named = named
        torch.manual_seed(named.train.seed)
        super().__init__(named.model, named.train, TrioVAE(named.model), out_dir, work_dir, device, log)

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

    def valid_score(self, m: dict[str, float]) -> float:
        return valid_score(m)

    def export(self, metrics: dict[str, float], folder: Path | None = None) -> None:
        folder = folder or self.out_dir
        meta = self.export_meta(metrics)
        save_model(self.model, self.cfg, folder, meta, dtype=torch.float16)
        write_trio_card(folder, self.cfg, meta)
        self.model.train()

    def validate(self) -> dict[str, float]:
        res = self.model.evaluate(self.valid, device=self.device)
        self.model.train()
        return {f"valid_{k}": v for k, v in res.figures.items() if not k.endswith(("_true", "_pred"))} | \
            {"valid_kl": res.kl}


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
        out[b] = step_seconds(tr, steps)
        print(f"{config} batch {b}: {out[b]:.2f} s/step ({1 / out[b]:.3f} steps/s, {b / out[b]:.1f} windows/s)")
    return out


def run_trio_training(config: str, resume: bool = True, max_steps: int | None = None,
                      max_minutes: float | None = None, threads: int | None = None, out: Path | None = None,
                      work_dir: Path | None = None, device: str = "cpu", init_from: Path | None = None
                      ) -> LoopState:
    """``latentcomposer train --config trio_16bar``: train (resuming from the last checkpoint, else
    starting from ``init_from``'s matching tensors when given); the best weights by validation score go
    to ``models/<name>/`` (or ``out``)."""
    torch.set_num_threads(threads or 1)
    tr = TrioTrainer(get_trio_config(config), out_dir=out, work_dir=work_dir, device=device)
    tr.set_corpus(trio_corpus())
    if not (resume and tr.load_checkpoint()) and init_from is not None:
        tr.init_from(init_from)
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
    t.add_argument("--init-from", type=Path, help="last.pt or model folder to copy matching tensors from")
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
                          a.device, a.init_from)
    else:
        measure_speed(a.config, tuple(a.batch_sizes), a.steps, a.device)


if __name__ == "__main__":
    main()
