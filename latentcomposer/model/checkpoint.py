"""Shipped weights: ``models/<name>/model.safetensors`` + ``config.json`` (+ MODEL_CARD.md).

Weights load from safetensors only (no pickle). ``config.json`` holds ``{"format", "model": {...},
"meta": {...}}``; a config this code cannot build, or weights that do not fit it, raise
:class:`CheckpointError` with a message saying what is wrong.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from latentcomposer.core.errors import UserFacingError
from latentcomposer.data.codecs import CodecError, codec_for
from latentcomposer.paths import models_dir

from .architectures import architecture_class, build_model
from .config import CONFIG_FORMAT, ConfigError, ModelConfig
from .vae import LatentVAE

VAEModel = LatentVAE  # every architecture's base class (model/architectures.py)

__all__ = ["CheckpointError", "VAEModel", "build_model", "installed_models", "load_model", "models_dir",
           "read_config", "resolve_model_dir", "save_model"]

class CheckpointError(UserFacingError):
    """A model folder is missing, incomplete, or does not match this version's code."""


def resolve_model_dir(name_or_path: str | os.PathLike[str]) -> Path:
    p = Path(name_or_path)
    if p.is_dir():
        return p
    candidate = models_dir() / str(name_or_path)
    if candidate.is_dir():
        return candidate
    known = ", ".join(installed_models()) or "none"
    raise CheckpointError(f"no model named {str(name_or_path)!r} (installed: {known})")


def installed_models() -> list[str]:
    root = models_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "config.json").exists()
                  and (p / "model.safetensors").exists())


def save_model(model: torch.nn.Module, cfg: ModelConfig, folder: Path, meta: dict[str, Any] | None = None,
               dtype: torch.dtype = torch.float32) -> None:
    """Write weights (as ``dtype``) and config atomically into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    tmp = folder / ".model.safetensors.tmp"
    save_file(tensors, str(tmp), metadata={"format": str(CONFIG_FORMAT), "name": cfg.name})
    tmp.replace(folder / "model.safetensors")
    doc = {"format": CONFIG_FORMAT, "model": cfg.to_dict(), "meta": meta or {}}
    tmpj = folder / ".config.json.tmp"
    tmpj.write_text(json.dumps(doc, indent=2) + "\n")
    tmpj.replace(folder / "config.json")


def read_config(folder: Path) -> tuple[ModelConfig, dict[str, Any]]:
    path = folder / "config.json"
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{folder}: config.json is missing") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}: unreadable ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != CONFIG_FORMAT or "model" not in doc:
        raise CheckpointError(f"{path}: not a latentcomposer model config (format "
                              f"{doc.get('format') if isinstance(doc, dict) else '?'}, expected {CONFIG_FORMAT})")
    try:
        cfg = ModelConfig.from_dict(doc["model"])
        architecture_class(cfg.architecture)
        codec_for(cfg.representation)
    except (ConfigError, CodecError) as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    return cfg, doc.get("meta", {})


def load_model(name_or_path: str | os.PathLike[str], device: str | torch.device = "cpu"
               ) -> tuple[VAEModel, ModelConfig, dict[str, Any]]:
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
