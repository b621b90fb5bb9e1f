"""Shipped weights: ``models/<name>/model.safetensors`` + ``config.json`` (+ MODEL_CARD.md).

Weights load from safetensors only (no pickle). ``config.json`` (read torch-free by model/registry.py)
holds ``{"format": 2, "model": {...}, "training": {...}, "meta": {...}}``; a config this code cannot
build, or weights that do not fit it, raise :class:`CheckpointError` with a message saying what is wrong.
"""

from __future__ import annotations

import json
import os
import stat
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

MAX_PARAMETERS = 500_000_000  # 2 GB of float32: far above any model here, far below the machine

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
    with torch.device("meta"):  # count the parameters before allocating any
        n_params = sum(p.numel() for p in build_model(cfg).parameters())
    if n_params > MAX_PARAMETERS:
        raise CheckpointError(f"{folder}: config.json describes a model of {n_params / 1e6:,.0f} M parameters; "
                              f"this version loads at most {MAX_PARAMETERS // 10**6} M")
    model = build_model(cfg)
    wpath = folder / "model.safetensors"
    try:
        st = os.stat(wpath)
    except FileNotFoundError:
        raise CheckpointError(f"{folder}: model.safetensors is missing") from None
    except OSError as exc:
        raise CheckpointError(f"{wpath}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block the loader forever, a device never end
        raise CheckpointError(f"{wpath}: not a regular file; a model's weights are a .safetensors file")
    if st.st_size > 8 * MAX_PARAMETERS:
        raise CheckpointError(f"{wpath}: {st.st_size / 1e9:.1f} GB is far more than the config's model needs")
    try:
        tensors = load_file(str(wpath))
    except Exception as exc:  # safetensors raises its own error types on damaged files
        raise CheckpointError(f"{wpath}: damaged weights file ({exc})") from None
    bad = sorted(k for k, v in tensors.items() if v.is_floating_point() and not bool(torch.isfinite(v).all()))
    if bad:
        raise CheckpointError(f"{wpath}: weights hold NaN or infinite values ({bad[:3]}); the file is damaged "
                              "or the training diverged")
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
