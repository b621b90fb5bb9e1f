"""The architecture registry: a config's ``architecture`` name -> the model class that builds it.

Capabilities are properties of the class, asked for, not inferred from names: ``per_bar_latents``
(z is one slot per bar that the engine's per-bar tools edit), ``decodes_by_bar`` (bars decoded as one
batch, each from its own conditioning vector), ``kl_groups`` (free bits per bar or per window),
``condition_dim`` (width of the per-step condition a conditioned decoder reads; 0 = none).
A new architecture is a :class:`~.vae.LatentVAE` subclass and one line in :data:`ARCHITECTURES`.
"""

from __future__ import annotations

from .config import ConfigError, ModelConfig
from .transformer_vae import TransformerVAE
from .vae import LatentVAE, MusicVAE

ARCHITECTURES: dict[str, type[LatentVAE]] = {"musicvae": MusicVAE, "tvae": TransformerVAE}


def register_architecture(name: str, cls: type[LatentVAE]) -> None:
    """Add an architecture (tests and plug-ins; built-in ones are listed in :data:`ARCHITECTURES`)."""
    ARCHITECTURES[name] = cls


def architecture_class(name: str) -> type[LatentVAE]:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ConfigError(f"unknown architecture {name!r} (known: {', '.join(ARCHITECTURES)})") from None


def build_model(cfg: ModelConfig) -> LatentVAE:
    return architecture_class(cfg.architecture)(cfg)
