"""Shipped weights: ``models/<name>/model.safetensors`` + ``config.json`` (+ MODEL_CARD.md).

Weights load from safetensors only (no pickle). ``config.json`` (read torch-free by model/registry.py)
holds ``{"format": 2, "model": {...}, "training": {...}, "meta": {...}}``; a config this code cannot
build, or weights that do not fit it, raise :class:`CheckpointError` with a message saying what is wrong.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from latentcomposer.paths import models_dir

from .architectures import LatentModel, ModelShape, build_model
from .config import CONFIG_FORMAT, TrainConfig
from .registry import CheckpointError, config_doc, installed_models, read_config, resolve_model_dir
from .vae import LatentVAE

VAEModel = LatentVAE  # every architecture's base class (model/architectures.py)

__all__ = ["CheckpointError", "VAEModel", "build_model", "installed_models", "load_model", "models_dir",
           "read_config", "resolve_model_dir", "save_model"]


def save_model(model: torch.nn.Module, cfg: ModelShape, folder: Path, meta: dict[str, Any] | None = None,
               dtype: torch.dtype = torch.float32, training: TrainConfig | None = None) -> None:
    """Write weights (as ``dtype``) and config atomically into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    tmp = folder / ".model.safetensors.tmp"
    save_file(tensors, str(tmp), metadata={"format": str(CONFIG_FORMAT), "name": cfg.name})
    tmp.replace(folder / "model.safetensors")
    doc = config_doc(cfg, meta, training)
    tmpj = folder / ".config.json.tmp"
    tmpj.write_text(json.dumps(doc, indent=2) + "\n")
    tmpj.replace(folder / "config.json")


def load_model(name_or_path: str | os.PathLike[str], device: str | torch.device = "cpu"
               ) -> tuple[LatentModel, ModelShape, dict[str, Any]]:
    """(model in eval mode, config, meta). Raises :class:`CheckpointError` on any mismatch."""
    folder = resolve_model_dir(name_or_path)
    cfg, meta = read_config(folder)
    model = build_model(cfg)
    wpath = folder / "model.safetensors"
    try:
        tensors = load_file(str(wpath))
    except FileNotFoundError:
        raise CheckpointError(f"{folder}: model.safetensors is missing") from None
    except Exception as exc:  # safetensors raises its own error types on damaged files
        raise CheckpointError(f"{wpath}: damaged weights file ({exc})") from None
    own = model.state_dict()
    missing = sorted(set(own) - set(tensors))
    extra = sorted(set(tensors) - set(own))
    bad_shape = sorted(k for k in set(own) & set(tensors) if own[k].shape != tensors[k].shape)
    if missing or extra or bad_shape:
        parts = []
        if missing:
            parts.append(f"missing {missing[:3]}")
        if extra:
            parts.append(f"unexpected {extra[:3]}")
        if bad_shape:
            parts.append(f"wrong shape {bad_shape[:3]}")
        raise CheckpointError(f"{wpath}: weights do not match config.json ({'; '.join(parts)})")
    model.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()})
    model.to(device)
    model.eval()
    return model, cfg, meta
