"""Training, evaluation and export of the polyphonic PianoTree models (poly_2bar, poly_8bar).

``python -m latentcomposer.model.poly_train train --config poly_2bar --resume`` trains (one CPU
thread by default) until ``--max-minutes``/``--max-steps`` or SIGINT/SIGTERM. Every
``checkpoint_every_minutes`` the weights, optimizer, step and RNG states go to
``<cache>/train/<name>/last.pt`` (``weights_only`` load); every ``eval_every_minutes`` validation
figures (greedy note F1, teacher-forced loss, KL) are appended to ``metrics.csv`` beside it, and the
best weights by validation F1 are exported to ``models/<name>/`` (float16 safetensors + config.json +
MODEL_CARD.md). ``eval`` prints test figures of an exported folder (greedy); ``prior`` compares prior
samples with the data; ``speed`` measures training steps per second.

Validation reads only the valid split; the test split is read by ``eval`` alone.

A conditioned config (poly_2bar_chords: ``condition_dim`` 37) trains on POP909 windows with their
annotated chords (data/poly_chords.py), notes and chords transposed together, the encoder reading its
own transposed copy (``encoder_transpose``); validation and ``eval`` decode over each window's chords.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentcomposer.data.poly import reconstruction_metrics, transpose_batch, window_stats
from latentcomposer.data.poly_chords import (
    PolyChords,
    chord_window_starts,
    poly_chords,
    transpose_with_chords,
)
from latentcomposer.data.poly_dataset import PolyCorpus, poly_corpus

from .loop import LoopState, LoopTrainer, step_seconds
from .loop_config import LoopTrainConfig
from .pianotree import PianoTreeVAE, PolyConfig, load_poly_model, save_poly_model

PolyTrainConfig = LoopTrainConfig  # the piano trainer's settings (model/loop_config.py)


@dataclass(frozen=True)
class PolyNamedConfig:
    model: PolyConfig
    train: PolyTrainConfig = field(default_factory=PolyTrainConfig)


POLY_CONFIGS: dict[str, PolyNamedConfig] = {
    # poly_8bar's form at 2 bars (z as one 256-dim slot per bar, Transformer bar encoder, conductor, the
    # bar decoder per bar): after 35 minutes the flat PianoTree (poly_2bar_flat) had valid F1 0.17 at
    # step 1.9 k while poly_8bar had 0.30 after as many bars seen. Started from poly_2bar_flat's 1.9 k
    # weights (step encoder, bar-level encoder GRU, bar decoder: init_from copies matching tensors)
    "poly_2bar": PolyNamedConfig(
        # since 2026-11-30 (fourth session): poly_8bar's layout at 2 bars (z slot of 128 a bar, z = 256,
        # 384 nats free a bar as poly_8bar), started from poly_8bar's weights (`--init-from
        # ~/.cache/latentcomposer/train/poly_8bar/last.pt`: every tensor, bar positions 1-2): the first
        # poly_2bar (slot 256, from scratch) had 399 steps and F1 0.287
        PolyConfig(name="poly_2bar", architecture="pianotree_bars", n_bars=2, z_dim=256, bar_z_dim=128),
        PolyTrainConfig(batch_size=64, free_bits=768.0, learning_rate=5e-4, kl_anneal_steps=1)),
    # PianoTree at 2 bars as published: 3.4 M parameters; batch 32: 0.5-1.4 s a step on one shared CPU
    # thread. Free bits 256 until step ~750, where the KL (236) reached the budget with valid F1 at 0.08:
    # a window of ~28 notes needs more, 768 from there (mel_2bar's lever): F1 0.17 at 1.9 k steps
    # (cache train/poly_2bar_flat)
    "poly_2bar_flat": PolyNamedConfig(
        PolyConfig(name="poly_2bar_flat", n_bars=2, z_dim=512),
        PolyTrainConfig(batch_size=32, free_bits=768.0)),
    # 8 bars: step encoder + BiGRU per bar + Transformer over bars, z slot of 128 per bar, conductor
    "poly_8bar": PolyNamedConfig(
        PolyConfig(name="poly_8bar", architecture="pianotree_bars", n_bars=8, z_dim=1024, bar_z_dim=128),
        # free bits 1024 (128 a bar) until step ~380, where the KL was already ~830: 3072 from there
        PolyTrainConfig(batch_size=16, free_bits=3072.0)),
    # issue 25's chord-conditioned piano model (Poly-dis style): poly_2bar's layout, the chord of every
    # step (37 floats, data/chord_melody_codec.py) read by the bar decoder's time GRU at that step; the
    # encoder reads its own randomly moved copy of each window (encoder_transpose 6), so z keeps the
    # texture, not where it sits in pitch, and the decoder must take that from the chords. POP909 windows
    # with annotated chords only. Warm start from poly_2bar (`--init-from ~/.cache/latentcomposer/train/
    # poly_2bar_w8/last.pt`, or a poly_2bar folder of this layout): the chord columns start at zero
    "poly_2bar_chords": PolyNamedConfig(
        PolyConfig(name="poly_2bar_chords", representation="poly_chords", architecture="pianotree_bars", n_bars=2,
                   z_dim=256, bar_z_dim=128, condition_dim=37),
        PolyTrainConfig(batch_size=64, free_bits=768.0, learning_rate=5e-4, kl_anneal_steps=1, encoder_transpose=6)),
    # tiny configs: tests and smoke runs only
    "tiny_poly_2bar": PolyNamedConfig(
        PolyConfig(name="tiny_poly_2bar", n_bars=2, pitch_embed=8, dur_embed=4, vel_embed=4, enc_note_hidden=8,
                   enc_time_hidden=8, z_dim=8, dec_cond=8, step_summary=8, dec_time_hidden=16,
                   dec_note_hidden=16),
        PolyTrainConfig(batch_size=4, free_bits=1.0, kl_anneal_steps=10, valid_windows=8)),
    "tiny_poly_8bar": PolyNamedConfig(
        PolyConfig(name="tiny_poly_8bar", architecture="pianotree_bars", n_bars=4, pitch_embed=8, dur_embed=4,
                   vel_embed=4, enc_note_hidden=8, enc_time_hidden=8, z_dim=16, bar_z_dim=4, d_model=16,
                   n_heads=2, tf_layers=1, conductor_hidden=8, dec_cond=8, step_summary=8, dec_time_hidden=16,
                   dec_note_hidden=16),
        PolyTrainConfig(batch_size=4, free_bits=1.0, kl_anneal_steps=10, valid_windows=8)),
    "tiny_poly_chords": PolyNamedConfig(
        PolyConfig(name="tiny_poly_chords", representation="poly_chords", architecture="pianotree_bars", n_bars=2,
                   pitch_embed=8, dur_embed=4, vel_embed=4, enc_note_hidden=8, enc_time_hidden=8, z_dim=8,
                   bar_z_dim=4, d_model=16, n_heads=2, tf_layers=1, conductor_hidden=8, dec_cond=8, step_summary=8,
                   dec_time_hidden=16, dec_note_hidden=16, condition_dim=37),
        PolyTrainConfig(batch_size=4, free_bits=1.0, kl_anneal_steps=10, valid_windows=8, encoder_transpose=6)),
}


def get_poly_config(name: str) -> PolyNamedConfig:
    try:
        return POLY_CONFIGS[name]
    except KeyError:
        raise KeyError(f"no poly config named {name!r}; known: {', '.join(POLY_CONFIGS)}") from None


def to_tensor(windows: np.ndarray, device: torch.device | None = None) -> torch.Tensor:
    return torch.as_tensor(np.asarray(windows).astype(np.int64), device=device)


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


# --- evaluation -------------------------------------------------------------------------------------
@torch.no_grad()
def decode_windows(model: PianoTreeVAE, windows: np.ndarray, batch: int = 128, temperature: float = 0.0,
                   seed: int = 0, condition: np.ndarray | None = None) -> np.ndarray:
    """Encode (z = mu) and decode ``windows`` [N, T, 16, 3] (over ``condition`` [N, T, Cs] for a
    conditioned model); greedy at temperature 0."""
    model.eval()
    dev = _device(model)
    gen = torch.Generator(device=dev).manual_seed(seed)
    out = []
    for i in range(0, len(windows), batch):
        mu, _ = model.encode(to_tensor(windows[i:i + batch], dev))
        c = _cond(condition, i, batch, dev)
        out.append(model.decode(mu, temperature, gen, c).cpu().numpy().astype(np.uint8))
    return np.concatenate(out) if out else np.zeros_like(windows)


@torch.no_grad()
def teacher_forced(model: PianoTreeVAE, windows: np.ndarray, batch: int = 128,
                   condition: np.ndarray | None = None) -> dict[str, float]:
    """Mean teacher-forced losses (z = mu) and KL of ``windows`` (over ``condition``)."""
    model.eval()
    sums = dict.fromkeys(("tf_recon", "kl", "pitch_correct", "pitch_total", "dur_correct", "notes_total"), 0.0)
    n = 0
    for i in range(0, len(windows), batch):
        x = to_tensor(windows[i:i + batch], _device(model))
        mu, sigma = model.encode(x)
        r = model.reconstruction(mu, x, _cond(condition, i, batch, x.device))
        kl = 0.5 * (mu.pow(2) + sigma.pow(2) - 2 * torch.log(sigma) - 1).sum(-1)
        sums["tf_recon"] += float((r["pitch"] + r["duration"] + r["velocity"]).sum())
        sums["kl"] += float(kl.sum())
        for k in ("pitch_correct", "pitch_total", "dur_correct", "notes_total"):
            sums[k] += float(r[k])
        n += len(x)
    return {"tf_recon": sums["tf_recon"] / max(1, n), "kl": sums["kl"] / max(1, n),
            "tf_pitch_acc": sums["pitch_correct"] / max(1.0, sums["pitch_total"]),
            "tf_dur_acc": sums["dur_correct"] / max(1.0, sums["notes_total"])}


def evaluate(model: PianoTreeVAE, windows: np.ndarray, prefix: str = "", condition: np.ndarray | None = None
             ) -> dict[str, float]:
    m = {f"{prefix}{k}": v for k, v in teacher_forced(model, windows, condition=condition).items()}
    rec = reconstruction_metrics(windows, decode_windows(model, windows, condition=condition))
    m.update({f"{prefix}{k}": v for k, v in rec.items()})
    return m


def _cond(condition: np.ndarray | None, i: int, batch: int, dev: torch.device) -> torch.Tensor | None:
    if condition is None:
        return None
    return torch.as_tensor(np.asarray(condition[i:i + batch], np.float32), device=dev)


# --- the trainer ------------------------------------------------------------------------------------
class PolyTrainer(LoopTrainer[PianoTreeVAE]):
    """The piano models' trainer: the shared loop (model/loop.py) over piano windows, best by
    validation note F1."""

    score_label = "valid F1"

    def __init__(self, named: PolyNamedConfig, out_dir: Path | None = None, work_dir: Path | None = None,
                 log: Any = print, device: str | torch.device = "cpu") -> None:
        self.named = named
        self.chords: PolyChords | None = None  # a conditioned model's chords (set_corpus)
        self.valid_condition: np.ndarray | None = None
        torch.manual_seed(named.train.seed)
        super().__init__(named.model, named.train, PianoTreeVAE(named.model), out_dir, work_dir, device, log)

    def set_corpus(self, corpus: PolyCorpus, chords: PolyChords | None = None) -> None:
        """The training and validation windows; a conditioned model's come with their chords
        (``chords``, else the cached POP909 annotations of ``corpus``: POP909 windows only)."""
        n_bars, t = self.cfg.n_bars, self.cfg.n_steps
        self.corpus = corpus
        if self.cfg.condition_dim:
            self.chords = chords if chords is not None else poly_chords(corpus)
            self.train_starts, _, drops = chord_window_starts(corpus, self.chords, "train", n_bars)
            vs, _, vdrops = chord_window_starts(corpus, self.chords, "valid", n_bars)
            dropped, vdropped = drops["near empty"], vdrops["near empty"]
            self.data_info["windows_without_chords_dropped"] = {"train": drops["mostly no chord"],
                                                                "valid": vdrops["mostly no chord"]}
        else:
            self.train_starts, _, dropped = corpus.window_starts("train", n_bars)
            vs, _, vdropped = corpus.window_starts("valid", n_bars)
        sel = np.sort(np.random.default_rng(1).permutation(len(vs))[:self.tcfg.valid_windows])
        self.valid = corpus.windows(vs[sel], t)
        if self.chords is not None:
            self.valid_condition = self.chords.condition(vs[sel], t)
        summary = corpus.summary()
        self.data_info = {**self.data_info,
            "songs": summary["by_source_and_split"], "skipped": summary["skipped"],
            "train_windows": int(len(self.train_starts)), "valid_windows": int(len(vs)),
            "valid_windows_used_for_checks": int(len(sel)), "near_empty_windows_dropped_train": dropped,
            "near_empty_windows_dropped_valid": vdropped,
            "train_windows_by_source": {
                src: int(np.isin(_owners(corpus, self.train_starts), corpus.songs_in("train", src)).sum())
                for src in ("pop909", "chorale")},
        }
        self.log(f"data: {len(self.train_starts)} train windows, {len(vs)} validation windows "
                 f"({len(sel)} used for checks)")

    def batch(self) -> torch.Tensor | dict[str, torch.Tensor]:
        idx = self.rng.integers(0, len(self.train_starts), self.tcfg.batch_size)
        starts = self.train_starts[idx]
        w = self.corpus.windows(starts, self.cfg.n_steps)
        r, r_enc = self.tcfg.transpose_range, self.tcfg.encoder_transpose
        if self.chords is None:
            if r:
                w = transpose_batch(w, self.rng.integers(-r, r + 1, len(w)))
            return to_tensor(w, self.device)
        # conditioned: notes and chords move together; the encoder's copy by its own shift
        enc = transpose_batch(w, self.rng.integers(-r_enc, r_enc + 1, len(w))) if r_enc else None
        cond = self.chords.condition(starts, self.cfg.n_steps)
        if r:
            w, cond = transpose_with_chords(w, cond, self.rng.integers(-r, r + 1, len(w)))
        out = {"x": to_tensor(w, self.device), "condition": torch.as_tensor(cond, device=self.device)}
        if enc is not None:
            out["enc_x"] = to_tensor(enc, self.device)
        return out

    def export(self, metrics: dict[str, float], folder: Path | None = None) -> None:
        folder = folder or self.out_dir
        save_poly_model(self.model, folder, self.export_meta(metrics))
        write_model_card(folder)
        self.model.train()

    def validate(self) -> dict[str, float]:
        m = evaluate(self.model, self.valid, "valid_", self.valid_condition)
        self.model.train()
        return m

    def valid_score(self, m: dict[str, float]) -> float:
        return m["valid_f1"]


def _owners(corpus: PolyCorpus, starts: np.ndarray) -> np.ndarray:
    return np.searchsorted(corpus.offsets, starts, side="right") - 1


# --- test figures, prior samples, the card ---------------------------------------------------------
def test_windows(corpus: PolyCorpus, n_bars: int, source: str | None, limit: int | None = None,
                 seed: int = 2) -> np.ndarray:
    starts, _, _ = corpus.window_starts("test", n_bars, source=source)
    if limit is not None and len(starts) > limit:
        starts = starts[np.sort(np.random.default_rng(seed).permutation(len(starts))[:limit])]
    return corpus.windows(starts, n_bars * 16)


def test_chord_windows(corpus: PolyCorpus, chords: PolyChords, n_bars: int, limit: int | None = None,
                       seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """POP909 test windows with their chords (the conditioned model's test set: windows [N, T, 16, 3],
    condition [N, T, 37]), ``limit`` of them by a seeded choice."""
    starts, _, _ = chord_window_starts(corpus, chords, "test", n_bars)
    if limit is not None and len(starts) > limit:
        starts = starts[np.sort(np.random.default_rng(seed).permutation(len(starts))[:limit])]
    return corpus.windows(starts, n_bars * 16), chords.condition(starts, n_bars * 16)


def eval_model(folder: Path, limit: int | None = 2048, corpus: PolyCorpus | None = None,
               log: Any = print, chords: PolyChords | None = None) -> dict[str, dict[str, float]]:
    """Greedy test figures of an exported model per source (``limit`` windows each, seeded choice);
    written to ``eval_test.json`` in the folder. A conditioned model: POP909 windows with chords, each
    decoded over its own chords."""
    model, cfg, _ = load_poly_model(folder)
    corpus = corpus or poly_corpus()
    res: dict[str, dict[str, float]] = {}
    for src in ("pop909",) if cfg.condition_dim else ("pop909", "chorale"):
        cond = None
        if cfg.condition_dim:
            w, cond = test_chord_windows(corpus, chords or poly_chords(corpus), cfg.n_bars, limit)
        else:
            w = test_windows(corpus, cfg.n_bars, src, limit)
        if not len(w):
            continue
        m = evaluate(model, w, condition=cond)
        m["windows"] = float(len(w))
        res[src] = m
        log(f"{cfg.name} test {src} ({len(w)} windows): " + " ".join(f"{k}={v:.4f}" for k, v in m.items()))
    (folder / "eval_test.json").write_text(json.dumps(res, indent=2) + "\n")
    return res


@torch.no_grad()
def prior_stats(folder: Path, n: int = 256, temperatures: tuple[float, ...] = (0.5, 1.0), seed: int = 0,
                corpus: PolyCorpus | None = None) -> dict[str, dict[str, float]]:
    """Window statistics (data.poly.window_stats) of z ~ N(0, I) decodes at each decoding temperature,
    next to the POP909 test windows' (a conditioned model decodes over the test windows' chords)."""
    model, cfg, _ = load_poly_model(folder)
    corpus = corpus or poly_corpus()
    cond: torch.Tensor | None = None
    if cfg.condition_dim:
        data, test_cond = test_chord_windows(corpus, poly_chords(corpus), cfg.n_bars, 2048)
        cond = torch.as_tensor(test_cond[np.arange(n) % len(test_cond)])
    else:
        data = test_windows(corpus, cfg.n_bars, "pop909", 2048)
    out = {"test data (pop909)": window_stats(data)}
    gen = torch.Generator().manual_seed(seed)
    for t in temperatures:
        z = torch.randn((n, cfg.z_dim), generator=gen)
        arrays = np.concatenate([model.decode(z[i:i + 64], t, gen, None if cond is None else cond[i:i + 64]).numpy()
                                 for i in range(0, n, 64)])
        out[f"N(0, I), t={t}"] = window_stats(arrays)
    return out


def write_model_card(folder: Path) -> None:
    doc = json.loads((folder / "config.json").read_text())
    cfg, meta = doc["model"], doc.get("meta", {})
    tc = meta.get("train_config", {})
    data = meta.get("data", {})
    vm = meta.get("valid_metrics", {})
    n_params = None
    with contextlib.suppress(Exception):
        from safetensors import safe_open

        with safe_open(str(folder / "model.safetensors"), "pt") as fh:
            n_params = sum(int(np.prod(fh.get_slice(k).get_shape())) for k in fh.keys())
    size_mb = (folder / "model.safetensors").stat().st_size / 1e6
    bars = cfg["architecture"] == "pianotree_bars"
    lines = [f"# {cfg['name']}", "",
             f"A polyphonic PianoTree-style VAE (Wang et al., ISMIR 2020) over {cfg['n_bars']} bars of piano "
             "(16th-note grid), for latentcomposer's piano clips.", "",
             "## Representation", "",
             "Per 16th step up to 16 notes starting there, low to high, each (pitch 0-127, duration 1-32 steps, "
             f"velocity); pitch code 128 ends a step. Velocity is predicted in {cfg['velocity_bins']} equal bins "
             "(decoded as the bin centre). `latentcomposer/data/poly.py` documents what is reduced (more than 16 "
             "onsets a step, off-grid notes, same-pitch overlaps, durations over 32).", "",
             *([f"**Chord condition**: the chord of every step ({cfg['condition_dim']} floats: no-chord bit, root, "
                "pitch classes, bass; data/chord_melody_codec.py) is read by the bar decoder's time GRU at that step; "
                "the encoder reads the notes only, in training a copy moved by its own random shift (up to "
                f"+-{tc.get('encoder_transpose', 0)}), so z holds the texture and the chords place it. Trained on "
                "POP909 windows with their annotated chords (`chord_midi.txt`).", ""]
               if cfg.get("condition_dim") else []),
             "## Architecture", "",
             f"- Step encoder: note embedding (pitch {cfg['pitch_embed']}, duration {cfg['dur_embed']}, velocity "
             f"{cfg['vel_embed']}) -> note-level GRU {cfg['enc_note_hidden']} per step.",
             (f"- Bidirectional GRU {cfg['enc_time_hidden']} inside each bar -> Transformer over bar vectors "
              f"(d_model {cfg['d_model']}, {cfg['tf_layers']} layers) -> z slot of {cfg['bar_z_dim']} per bar "
              f"(z = {cfg['z_dim']}); conductor GRU {cfg['conductor_hidden']} fed each slot, then the bar "
              "decoder over every bar's 16 steps, all bars as one batch." if bars else
              f"- Bidirectional GRU {cfg['enc_time_hidden']} over the {cfg['n_bars'] * 16} steps -> z = {cfg['z_dim']}."),
             f"- Bar decoder: time-level GRU {cfg['dec_time_hidden']} over steps (input: conditioning "
             f"{cfg['dec_cond']} + summary of the previous step {cfg['step_summary']}"
             + (f" + the step's chord {cfg['condition_dim']}" if cfg.get("condition_dim") else "") + "); per step a note-level GRU "
             f"{cfg['dec_note_hidden']} emitting rising pitches until end-of-step, a 32-way duration head and a "
             "velocity-bin head per note.",
             f"- Weights: {size_mb:.1f} MB (float16 safetensors; computed in float32)"
             + (f", {n_params / 1e6:.2f} M parameters." if n_params else "."), "",
             "## Data and split", "",
             "- **POP909** (Wang, Chen, Jiang, Zhang, Xu, Dai, Bin, Xia, ISMIR 2020; MIT licence): the PIANO "
             "(accompaniment) track of each song on the annotated beat grid (`beat_midi.txt`), 4/4 songs only.",
             "- **Bach chorales** from the `music21` corpus (the scores are public domain; music21 is BSD): "
             "soprano, alto, tenor and bass merged into one piano part, velocity 80, 4/4 only, pickups given "
             "a bar of their own, repeats not expanded.", "",
             "| source | train | valid | test |", "| --- | --- | --- | --- |"]
    for src, counts in data.get("songs", {}).items():
        lines.append(f"| {src} | {counts.get('train', 0)} | {counts.get('valid', 0)} | {counts.get('test', 0)} |")
    skipped = {k: v for k, v in data.get("skipped", {}).items() if not k.startswith("kept")}
    lines += ["", "Split by song / chorale (a hash of source and id: 90/5/5, `data.dataset.split_of`); "
              "no training run reads the test split.", "",
              f"Skipped while reading: {', '.join(f'{k} {v}' for k, v in skipped.items()) or 'none'}.", "",
              f"Windows of {cfg['n_bars']} bars, hop one bar; windows with fewer than 2 notes a bar are dropped; "
              f"random transposition of up to +-{tc.get('transpose_range', 5)} semitones while training (kept "
              f"on the piano, 21-108). Training windows: {data.get('train_windows', '?')} "
              f"({data.get('train_windows_by_source', {})}); validation windows: {data.get('valid_windows', '?')}.",
              "", "## Training", "",
              f"- Loss: summed cross-entropy of pitches (with end-of-step), durations and velocity bins + beta * "
              f"max(KL - free bits, 0), beta {tc.get('beta')} (annealed over {tc.get('kl_anneal_steps')} steps), "
              f"free bits {tc.get('free_bits')} nats.",
              f"- Adam, learning rate {tc.get('learning_rate')} x{tc.get('lr_decay')} per step; batch "
              f"{tc.get('batch_size')}; gradient clip {tc.get('grad_clip')}.",
              f"- Steps: {meta.get('trained_steps')} ({meta.get('windows_seen')} windows seen), "
              f"{meta.get('train_wall_seconds', 0) / 3600:.2f} h on one CPU thread (shared machine).",
              f"- Resume: `python -m latentcomposer.model.poly_train train --config {cfg['name']} --resume` "
              "(checkpoint in the user cache).", "",
              "## Validation (greedy, z = mu; the checks' fixed subset)", "",
              "| F1 | precision | recall | duration acc | step exact (non-empty) | velocity MAE | KL |",
              "| --- | --- | --- | --- | --- | --- | --- |",
              f"| {vm.get('valid_f1', 0):.4f} | {vm.get('valid_precision', 0):.4f} | {vm.get('valid_recall', 0):.4f} "
              f"| {vm.get('valid_duration_acc', 0):.4f} | {vm.get('valid_step_exact_nonempty', 0):.4f} | "
              f"{vm.get('valid_velocity_mae', 0):.1f} | {vm.get('valid_kl', 0):.1f} |"]
    test_path = folder / "eval_test.json"
    if test_path.exists():
        res = json.loads(test_path.read_text())
        lines += ["", "## Results on the test split (greedy, z = mu)", "",
                  "| source | windows | F1 | precision | recall | duration acc | step exact | step exact (non-empty) "
                  "| velocity MAE |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for src, m in res.items():
            lines.append(f"| {src} | {int(m['windows'])} | {m['f1']:.4f} | {m['precision']:.4f} | {m['recall']:.4f} "
                         f"| {m['duration_acc']:.4f} | {m['step_exact']:.4f} | {m['step_exact_nonempty']:.4f} "
                         f"| {m['velocity_mae']:.1f} |")
        lines += ["", "A note matches when onset step and pitch are exact. 'step exact' counts every step "
                  "(silent ones too); the non-empty column only steps where the truth or the decode has an "
                  "onset. The Herrmann thesis's 98.1 % on chorales is a token accuracy of a quantized "
                  "autoencoder, not a note F1."]
    prior_path = folder / "prior_stats.json"
    if prior_path.exists():
        res = json.loads(prior_path.read_text())
        cols = list(res)
        names = list(next(iter(res.values())))
        lines += ["", "## Samples from the prior", "",
                  "Window statistics of 256 decodes of z ~ N(0, I) at each decoding temperature (seeded; "
                  "`poly_train prior`) next to the POP909 test windows' (notes per onset step, notes sounding "
                  "per sounding step, notes per bar, mean pitch, range, share of notes in the best major scale):",
                  "", "| statistic | " + " | ".join(cols) + " |", "| --- |" + " --- |" * len(cols)]
        for n in names:
            lines.append(f"| {n} | " + " | ".join(f"{res[c][n]:.3f}" for c in cols) + " |")
    target = 0.95 if cfg["n_bars"] <= 2 else 0.90
    lines += ["", f"Target (issue 23): POP909 test note F1 >= {target}.", ""]
    notes = folder / "card_notes.md"  # hand-written history and status, kept across exports
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    (folder / "MODEL_CARD.md").write_text("\n".join(lines))


# --- entry ------------------------------------------------------------------------------------------
def measure_speed(config: str, batch_sizes: tuple[int, ...], steps: int = 4) -> dict[int, float]:
    """Seconds per training step (after one warm-up step) at each batch size, on real windows."""
    named = get_poly_config(config)
    corpus = poly_corpus()
    out = {}
    for b in batch_sizes:
        tr = PolyTrainer(PolyNamedConfig(named.model, PolyTrainConfig(**{**asdict(named.train), "batch_size": b})),
                         work_dir=Path("/tmp") / f"poly_speed_{config}", log=lambda *_: None)
        tr.set_corpus(corpus)
        out[b] = step_seconds(tr, steps)
        print(f"{config} batch {b}: {out[b]:.3f} s/step, {b / out[b]:.1f} windows/s")
    return out


def run_poly_training(config: str, resume: bool = True, max_steps: int | None = None,
                      max_minutes: float | None = None, threads: int | None = None, out: Path | None = None,
                      work_dir: Path | None = None, init_from: Path | None = None, device: str = "cpu") -> LoopState:
    """``latentcomposer train --config poly_2bar``: train (resuming from the last checkpoint) a piano
    config; the best weights by validation note F1 go to ``models/<name>/`` (or ``out``)."""
    torch.set_num_threads(threads or 1)
    tr = PolyTrainer(get_poly_config(config), out_dir=out, work_dir=work_dir, device=device)
    tr.set_corpus(poly_corpus())
    if not (resume and tr.load_checkpoint()) and init_from is not None:
        tr.init_from(init_from)
    tr.train(max_steps, max_minutes)
    return tr.state


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="poly_train", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--config", required=True)
    t.add_argument("--resume", action="store_true")
    t.add_argument("--max-steps", type=int)
    t.add_argument("--max-minutes", type=float)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--out", type=Path)
    t.add_argument("--work-dir", type=Path)
    t.add_argument("--device", default="cpu", help="cpu or cuda")
    t.add_argument("--init-from", type=Path, help="last.pt or model folder to copy matching tensors from "
                   "(only when no checkpoint is resumed)")
    e = sub.add_parser("eval", help="test figures (greedy) of an exported model folder")
    e.add_argument("folder", type=Path)
    e.add_argument("--limit", type=int, default=2048)
    p = sub.add_parser("prior", help="prior-sample statistics against the data")
    p.add_argument("folder", type=Path)
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--write", action="store_true", help="store prior_stats.json in the folder and update its card")
    x = sub.add_parser("export", help="export the checkpoint last.pt (not the best) to a folder")
    x.add_argument("--config", required=True)
    x.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("speed")
    s.add_argument("--config", required=True)
    s.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32, 64])
    a = ap.parse_args(argv)
    torch.set_num_threads(getattr(a, "threads", 1) or 1)
    if a.cmd == "train":
        run_poly_training(a.config, a.resume, a.max_steps, a.max_minutes, a.threads, a.out, a.work_dir, a.init_from,
                          a.device)
    elif a.cmd == "eval":
        eval_model(a.folder, a.limit)
        write_model_card(a.folder)
    elif a.cmd == "prior":
        stats = prior_stats(a.folder, a.n)
        for k, v in stats.items():
            print(f"{k:22s} " + " ".join(f"{n}={val:.3f}" for n, val in v.items()))
        if a.write:
            (a.folder / "prior_stats.json").write_text(json.dumps(stats, indent=2) + "\n")
            write_model_card(a.folder)
    elif a.cmd == "export":
        tr = PolyTrainer(get_poly_config(a.config))
        tr.set_corpus(poly_corpus())
        if not tr.load_checkpoint():
            raise SystemExit(f"no checkpoint in {tr.work}")
        tr.export(tr.validate(), a.out)
    elif a.cmd == "speed":
        measure_speed(a.config, tuple(a.batch_sizes))


if __name__ == "__main__":
    main()
