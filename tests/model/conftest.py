from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.core.examples import NAMES, example_clip, example_drums
from latentcomposer.data.drums import clip_to_drum_steps
from latentcomposer.data.melody import clip_to_tokens
from latentcomposer.model.attributes import compute_attributes, save_attributes
from latentcomposer.model.checkpoint import build_model, save_model
from latentcomposer.model.config import get_config
from latentcomposer.model.engine import Engine


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
    eng = Engine.load(folder, device="cpu", warmup=False)
    windows = _windows(cfg.n_steps, cfg.representation)
    save_attributes(folder, compute_attributes(eng, windows, n_components=4, n_reference=20),
                    representation=cfg.representation)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny_2bar")


@pytest.fixture(scope="session")
def tiny_hier_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny_4bar_hier", "tiny_4bar_hier")


@pytest.fixture(scope="session")
def tiny_tvae_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny_tvae", "tiny_tvae")


@pytest.fixture(scope="session")
def tiny_drums_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny_drums", "tiny_drums")
