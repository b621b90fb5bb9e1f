"""The architecture registry: a config's ``architecture`` name -> the model class that builds it.

Entries are ``"module:Class"`` paths, imported when a model is built, so the registry itself imports no
torch: the app's model scan and ``latentcomposer models`` check names against it without loading it.

Capabilities are properties of the class, asked for, not inferred from names: ``per_bar_latents``
(z is one slot per bar that the engine's per-bar tools edit), ``decodes_by_bar`` (bars decoded as one
batch, each from its own conditioning vector), ``kl_groups`` (free bits per bar or per window),
``condition_dim`` (width of the per-step condition a conditioned decoder reads; 0 = none).
A new architecture is a :class:`~.vae.LatentVAE` subclass and one line in :data:`ARCHITECTURES`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .config import ConfigError, ModelConfig

if TYPE_CHECKING:
    from .vae import LatentVAE

ARCHITECTURES: dict[str, str] = {
    "musicvae": "latentcomposer.model.vae:MusicVAE",
    "tvae": "latentcomposer.model.transformer_vae:TransformerVAE",
}


def register_architecture(name: str, path: str) -> None:
    """Add an architecture as ``"module:Class"`` (tests and plug-ins; built-in ones are in
    :data:`ARCHITECTURES`)."""
    ARCHITECTURES[name] = path


def check_architecture(name: str) -> None:
    """ConfigError unless ``name`` is a registered architecture (imports nothing)."""
    if name not in ARCHITECTURES:
        raise ConfigError(f"unknown architecture {name!r} (known: {', '.join(ARCHITECTURES)})")


def architecture_class(name: str) -> type[LatentVAE]:
    check_architecture(name)
    module, _, cls = ARCHITECTURES[name].partition(":")
    found: type[LatentVAE] = getattr(importlib.import_module(module), cls)
    return found


def build_model(cfg: ModelConfig) -> LatentVAE:
    return architecture_class(cfg.architecture)(cfg)
