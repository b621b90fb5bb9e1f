"""A tiny Drumify model (tap encoder) trained for a few steps against a tiny drum model, laid out as
the shipped ``models/drumify_2bar`` is: for the model, CLI and GUI tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from latentcomposer.core.examples import example_drums
from latentcomposer.data.drums import clip_to_drum_steps
from latentcomposer.model.drumify import DrumifyConfig, TapEncoder, save_drumify
from latentcomposer.model.drumify_train import FitOptions, fit, posterior_means
from latentcomposer.model.engine import Engine
from tests.helpers_models import make_tiny_model


def drum_windows_of_examples(n_steps: int = 32) -> dict[str, np.ndarray]:
    """2-bar windows (tokens, velocity bins, offsets) of the example drum clips, a beat apart."""
    parts = [clip_to_drum_steps(example_drums(b)) for b in (2, 4, 3, 4)]
    tok = np.concatenate([p.tokens for p in parts])
    vel = np.concatenate([p.velocity for p in parts])
    off = np.concatenate([p.offset for p in parts])
    starts = range(0, len(tok) - n_steps + 1, 4)
    return {"tokens": np.stack([tok[s:s + n_steps] for s in starts]),
            "velocity": np.stack([vel[s:s + n_steps] for s in starts]),
            "offset": np.stack([off[s:s + n_steps] for s in starts])}


def train_tiny_drumify(engine: Engine, steps: int = 30, seed: int = 0) -> tuple[TapEncoder, dict[str, float]]:
    """A tap encoder for ``engine`` trained ``steps`` steps on the example drums (well under a second)."""
    torch.manual_seed(seed)
    windows = drum_windows_of_examples(engine.cfg.n_steps)
    targets = posterior_means(engine, windows["tokens"])
    cfg = DrumifyConfig(name="drumify_2bar", pairs_with=engine.name, n_steps=engine.cfg.n_steps, hidden=32,
                        layers=1, z_dim=engine.cfg.z_dim)
    encoder = TapEncoder(cfg)
    figures = fit(encoder, windows, targets, FitOptions(steps=steps, batch_size=16, eval_every=steps, seed=seed),
                  valid=(windows, targets))
    return encoder, figures


def make_tiny_drumify_root(root: Path, steps: int = 30) -> Path:
    """``root/tiny_drums`` (a tiny random drum model) and ``root/drumify_2bar`` paired with it."""
    drums = make_tiny_model(root / "tiny_drums", "tiny_drums")
    engine = Engine.load(drums, device="cpu", warmup=False)
    encoder, figures = train_tiny_drumify(engine, steps)
    save_drumify(encoder, root / "drumify_2bar", {"note": "tiny test model", "valid": figures})
    (root / "drumify_2bar" / "MODEL_CARD.md").write_text("# drumify (tiny)\n\nFor tests.\n", encoding="utf-8")
    return root
