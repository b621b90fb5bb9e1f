"""Drumify's model folder, read without torch (the app's model scan and the GUI button ask here).

``models/drumify_2bar/``: ``tap_encoder.safetensors``, ``config.json`` (``{"format": 1, "kind":
"drumify", "model": {...DrumifyConfig}, "meta": {...}}``) and ``MODEL_CARD.md``. ``pairs_with`` names
the drum model whose latent space the tap encoder predicts. The folder is a companion of that model,
not a model of the registry (which lists only folders with ``model.safetensors``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from latentcomposer.data.taps import N_FEATURES
from latentcomposer.io.files import FileProblem, read_capped

from .registry import CheckpointError, model_roots

KIND = "drumify"
CONFIG_FILE, WEIGHTS_FILE = "config.json", "tap_encoder.safetensors"
DEFAULT_NAME = "drumify_2bar"
MAX_CONFIG_BYTES = 2**20
MAX_WEIGHTS_BYTES = 64 * 2**20


@dataclass(frozen=True)
class DrumifyConfig:
    name: str = DEFAULT_NAME
    pairs_with: str = "drums_2bar"  # the drum model whose latent space the encoder predicts
    n_steps: int = 32  # one window of the drum model (2 bars of 16 steps)
    features: int = N_FEATURES  # per-step tap features (data/taps.py)
    hidden: int = 768  # the MLP's width
    layers: int = 2  # residual blocks
    dropout: float = 0.1
    z_dim: int = 256  # the drum model's z

    @classmethod
    def from_doc(cls, data: object) -> DrumifyConfig:
        if not isinstance(data, dict):
            raise CheckpointError("the drumify config's 'model' is not an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CheckpointError(f"the drumify config has unknown keys {unknown} (a newer version's model?)")
        try:
            cfg = cls(**data)
        except TypeError as exc:
            raise CheckpointError(f"the drumify config does not read ({exc})") from None
        ints = ("n_steps", "features", "hidden", "layers", "z_dim")
        if not all(isinstance(getattr(cfg, k), int) and 0 < getattr(cfg, k) <= 4096 for k in ints):
            raise CheckpointError("the drumify config's sizes must be integers 1-4096")
        if cfg.features != N_FEATURES:
            raise CheckpointError(f"the drumify model reads {cfg.features} tap features; this version makes "
                                  f"{N_FEATURES}")
        return cfg


def read_drumify_config(folder: Path) -> tuple[DrumifyConfig, dict[str, Any]]:
    path = folder / CONFIG_FILE
    try:
        doc = json.loads(read_capped(path, MAX_CONFIG_BYTES, "a model config").decode("utf-8"))
    except FileProblem as exc:
        raise CheckpointError(f"{path} {exc.reason}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CheckpointError(f"{path}: unreadable ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND or doc.get("format") != 1:
        raise CheckpointError(f"{path}: not a Drumify model config (expected \"kind\": \"{KIND}\", format 1)")
    meta = doc.get("meta", {})
    return DrumifyConfig.from_doc(doc.get("model")), meta if isinstance(meta, dict) else {}


def is_drumify_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a Drumify companion model (reads only its config.json)."""
    try:
        read_drumify_config(folder)
    except CheckpointError:
        return False
    return (folder / WEIGHTS_FILE).is_file()


def find_drumify(name_or_path: str | os.PathLike[str] = DEFAULT_NAME, roots: list[Path] | None = None) -> Path:
    """The folder of a Drumify model: a path, or a name under ``roots`` (default: the model roots)."""
    p = Path(name_or_path)
    if p.is_dir():
        return p
    for root in roots if roots is not None else model_roots():
        if (Path(root) / str(name_or_path)).is_dir():
            return Path(root) / str(name_or_path)
    raise CheckpointError(f"no Drumify model named {str(name_or_path)!r} is installed (it ships as "
                          f"models/{DEFAULT_NAME}; reinstall, or train it: python -m latentcomposer.model.drumify_train)")


def is_companion(folder: Path) -> bool:
    """Whether ``folder`` is a companion model folder (Drumify's) rather than a model to choose: it
    has a tap encoder's weights (no config is parsed)."""
    return (Path(folder) / WEIGHTS_FILE).is_file()
