"""The installed models, without torch: each model folder's ``config.json`` read and checked against
the representation and architecture registries. The app's model list, the CLI's ``models`` verb and
``Engine.load`` (through model/checkpoint.py) all read model folders here.

``config.json`` is ``{"format": 2, "model": {name, representation, architecture, window, latent,
encoder, transformer, decoder, output}, "training": {...}, "meta": {...}}`` (model/config.py's
SECTIONS); format 1 (the flat ``"model"`` object the first shipped models have) still reads.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latentcomposer.core.errors import UserFacingError
from latentcomposer.data.codecs import codec_for
from latentcomposer.io.files import FileProblem, read_capped
from latentcomposer.paths import models_dir, user_models_dir

from .architectures import ModelShape, config_class
from .config import (
    CONFIG_FORMAT,
    READABLE_FORMATS,
    ConfigError,
    TrainConfig,
    train_from_dict,
)

CONFIG_FILE, WEIGHTS_FILE, CARD_FILE = "config.json", "model.safetensors", "MODEL_CARD.md"
MAX_CONFIG_BYTES = 2**20  # a config.json is a few kB


class CheckpointError(UserFacingError):
    """A model folder is missing, incomplete, or does not match this version's code."""


@dataclass(frozen=True)
class ModelEntry:
    """One installed model, as its files describe it."""

    name: str
    folder: Path
    cfg: ModelShape  # ModelConfig, or PolyConfig for the piano models (the architecture's config class)
    meta: dict[str, Any]
    training: TrainConfig | None

    @property
    def label(self) -> str:
        """In a composer's words: "Melody · 2 bars"."""
        return f"{codec_for(self.cfg.representation).label} · {self.cfg.n_bars} bars"

    @property
    def has_attributes(self) -> bool:
        return (self.folder / "attributes.json").is_file()

    def summary(self) -> str:
        """The first line of the model card's text (empty if there is none)."""
        try:
            lines = (self.folder / CARD_FILE).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return ""
        return next((ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")), "")


def config_doc(cfg: ModelShape, meta: dict[str, Any] | None = None, training: TrainConfig | None = None
               ) -> dict[str, Any]:
    """What ``config.json`` holds for a model (format 2)."""
    import dataclasses

    doc: dict[str, Any] = {"format": CONFIG_FORMAT, "model": cfg.to_doc()}
    if training is not None:
        doc["training"] = dataclasses.asdict(training)
    doc["meta"] = meta or {}
    return doc


def read_config(folder: Path) -> tuple[ModelShape, dict[str, Any]]:
    """(config, meta) of a model folder; :class:`CheckpointError` says what is wrong."""
    entry = read_entry(folder)
    return entry.cfg, entry.meta


def read_entry(folder: Path) -> ModelEntry:
    folder = Path(folder)
    path = folder / CONFIG_FILE
    try:
        doc = json.loads(read_capped(path, MAX_CONFIG_BYTES, "a model config").decode("utf-8"))
    except FileProblem as exc:
        if exc.reason == "no such file":
            raise CheckpointError(f"{folder}: config.json is missing") from None
        raise CheckpointError(f"{path} {exc.reason}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CheckpointError(f"{path}: unreadable ({exc})") from None
    fmt = doc.get("format") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or fmt not in READABLE_FORMATS or "model" not in doc:
        raise CheckpointError(f"{path}: not a latentcomposer model config (format "
                              f"{fmt if fmt is not None else '?'}, expected one of {READABLE_FORMATS})")
    data = doc["model"]
    try:
        arch = data.get("architecture", "musicvae") if isinstance(data, dict) else None
        if not isinstance(arch, str):
            raise ConfigError("the model config is not an object with an architecture name")
        cfg = config_class(arch).from_doc(data, int(fmt))
        codec_for(cfg.representation)
    except (UserFacingError, ValueError) as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    meta = doc.get("meta", {})
    meta = meta if isinstance(meta, dict) else {}
    training = train_from_dict(doc.get("training", meta.get("train_config")))
    return ModelEntry(folder.name, folder, cfg, meta, training)


def model_roots() -> list[Path]:
    """Where models are looked for, in order: the installed (shipped) models, then the user's own
    (``latentcomposer finetune``; a shipped name always wins)."""
    return [models_dir(), user_models_dir()]


def resolve_model_dir(name_or_path: str | os.PathLike[str]) -> Path:
    p = Path(name_or_path)
    if p.is_dir():
        return p
    for root in model_roots():
        candidate = root / str(name_or_path)
        if candidate.is_dir():
            return candidate
    known = ", ".join(installed_models()) or "none"
    raise CheckpointError(f"no model named {str(name_or_path)!r} (installed: {known})")


def installed_models() -> list[str]:
    """Names of the complete model folders (config.json + weights) in the models folder and the
    user's models folder."""
    names: set[str] = set()
    for root in model_roots():
        if root.is_dir():
            names.update(p.name for p in root.iterdir()
                         if not p.name.startswith(".") and (p / CONFIG_FILE).exists() and (p / WEIGHTS_FILE).exists())
    return sorted(names)


def scan_entries(root: Path | None = None) -> tuple[list[ModelEntry], dict[str, str]]:
    """Every complete model under ``root`` (default: every model root) that this version can read, and
    for the others why not."""
    roots = model_roots() if root is None else [Path(root)]
    entries: list[ModelEntry] = []
    problems: dict[str, str] = {}
    folders: list[Path] = []
    for r in roots:
        try:
            folders += sorted(p for p in r.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            continue
    for folder in folders:
        if not (folder / CONFIG_FILE).is_file() or not (folder / WEIGHTS_FILE).is_file():
            continue
        try:
            entries.append(read_entry(folder))
        except CheckpointError as exc:
            problems[folder.name] = str(exc)
    return entries, problems
