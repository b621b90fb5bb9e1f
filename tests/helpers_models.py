"""Tiny random models laid out like shipped ones (weights, config, attribute vectors), for fast tests.

The same recipe as ``tests/model/conftest.py::make_tiny_model``; GUI and app tests import it from here.
Importing this module imports torch (only tests that need a model should).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentcomposer.core.examples import NAMES, example_clip, example_drums
from latentcomposer.data.drums import clip_to_drum_steps
from latentcomposer.data.melody import clip_to_tokens
from latentcomposer.model.attributes import compute_attributes, save_attributes
from latentcomposer.model.checkpoint import build_model, save_model
from latentcomposer.model.config import get_config
from latentcomposer.model.engine import Engine

TINY_CONFIGS = ("tiny_2bar", "tiny_4bar_hier", "tiny_tvae", "tiny_drums")


def _windows(n_steps: int, representation: str = "melody") -> np.ndarray:
    if representation == "drums":
        toks = np.concatenate([clip_to_drum_steps(example_drums(b)).tokens for b in (2, 4, 3, 4)])
    else:
        toks = np.concatenate([clip_to_tokens(example_clip(n).transpose(k)) for n in NAMES for k in (-2, 0, 3)])
    return np.stack([toks[i:i + n_steps] for i in range(0, len(toks) - n_steps + 1, 16)])


def make_tiny_model(folder: Path, config: str = "tiny_2bar", seed: int = 0) -> Path:
    """A tiny random model with attribute vectors, as shipped models are laid out."""
    torch.manual_seed(seed)
    cfg = get_config(config).model
    model = build_model(cfg).eval()
    save_model(model, cfg, folder, meta={"note": "random tiny test model"})
    (folder / "MODEL_CARD.md").write_text(f"# {config}\n\nA tiny random model for tests.\n", encoding="utf-8")
    eng = Engine.load(folder, device="cpu", warmup=False)
    windows = _windows(cfg.n_steps, cfg.representation)
    save_attributes(folder, compute_attributes(eng, windows, n_components=4, n_reference=20),
                    eng.codec.attributes())
    return folder


def make_tiny_models(root: Path, configs: tuple[str, ...] = TINY_CONFIGS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for c in configs:
        make_tiny_model(root / c, c)
    return root


class RecordingEngine:
    """An engine whose method calls record (name, thread, args, kwargs): tests assert where they ran."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.calls: list[tuple[str, threading.Thread, tuple[Any, ...], dict[str, Any]]] = []
        self._lock = threading.Lock()
        self.delays: dict[str, float] = {}  # method -> seconds to sleep first (a real model's speed)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._engine, name)
        if not callable(attr) or isinstance(attr, type):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls.append((name, threading.current_thread(), args, kwargs))
            if name in self.delays:
                time.sleep(self.delays[name])
            return attr(*args, **kwargs)

        return call

    def called(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        with self._lock:
            return [(a, k) for n, _t, a, k in self.calls if n == name]

    def threads(self) -> set[threading.Thread]:
        with self._lock:
            return {t for _n, t, _a, _k in self.calls}


def recording_loader(engines: list[RecordingEngine]) -> Any:
    """A ModelService loader: loads on the CPU and keeps every engine it made in ``engines``."""

    def load(name: str, folder: Path) -> RecordingEngine:
        eng = RecordingEngine(Engine.load(folder, device="cpu", warmup=False))
        engines.append(eng)
        return eng

    return load


def make_tiny_chords_model(folder: Path, seed: int = 0) -> Path:
    """A tiny random melody-over-chords model (``tiny_mel_chords``) whose decoder leans hard on the chord
    condition, so the chords visibly steer its notes (no attribute vectors: its sliders are raw z dims)."""
    from latentcomposer.data.chord_melody_codec import CHORD_DIM

    cfg = get_config("tiny_mel_chords").model
    torch.manual_seed(seed)
    model = build_model(cfg).eval()
    with torch.no_grad():
        model.decoder.rnn.weight_ih_l0[:, -CHORD_DIM:] *= 40.0
    save_model(model, cfg, folder, meta={"note": "tiny chord-conditioned test model"})
    (folder / "MODEL_CARD.md").write_text("# tiny_mel_chords\n\nA tiny random model for tests.\n", encoding="utf-8")
    return folder


def make_tiny_poly_chords_model(folder: Path, seed: int = 0) -> Path:
    """A tiny random piano-over-chords model (``tiny_poly_chords``) whose bar decoder leans hard on the
    chord condition and decodes a few notes in most steps (a random one decodes silence or full steps)."""
    from latentcomposer.data.chord_melody_codec import CHORD_DIM
    from latentcomposer.data.poly import PAD
    from latentcomposer.model.poly_train import get_poly_config

    cfg = get_poly_config("tiny_poly_chords").model
    torch.manual_seed(seed)
    model = build_model(cfg).eval()
    with torch.no_grad():
        model.decoder.time_rnn.weight_ih_l0[:, -CHORD_DIM:] *= 40.0
        model.decoder.pitch_out.weight.mul_(3.0)
        model.decoder.pitch_out.bias[PAD] += 0.75
    save_model(model, cfg, folder, meta={"note": "tiny chord-conditioned piano test model"})
    return folder


def make_tiny_trio_model(folder_parent: Path) -> Path:
    """A tiny random trio model (``tiny_trio``: melody, bass, accompaniment) in ``folder_parent/tiny_trio``;
    its random piano decoder is nudged to end steps as music does (else it fills every step)."""
    from latentcomposer.model.trio_config import get_trio_config

    cfg = get_trio_config("tiny_trio").model
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    with torch.no_grad():
        model.dec_acc.pitch_out.bias[128] += 2.0
    folder = folder_parent / cfg.name
    save_model(model, cfg, folder, meta={"note": "tiny random trio model"})
    return folder


def add_tiny_bar_prior(folder: Path, steps: int = 30, seed: int = 0) -> Path:
    """Fit a tiny bar prior (model/bar_prior.py) beside a tiny per-bar model's weights (Continue, infill)."""
    from latentcomposer.model.continuation import fit_for_engine

    eng = Engine.load(folder, device="cpu", warmup=False)
    windows = _windows(eng.cfg.n_steps, eng.cfg.representation)
    fit_for_engine(eng, steps=steps, seed=seed, hidden=16, components=2, transpose_range=0, log=lambda *_: None,
                   train_windows=windows, valid_windows=windows)
    return folder
