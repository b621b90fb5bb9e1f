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
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from .config import ConfigError

if TYPE_CHECKING:
    import torch


class ModelShape(Protocol):
    """What the engine and the app read from any architecture's config (ModelConfig, PolyConfig)."""

    @property
    def name(self) -> str: ...

    @property
    def representation(self) -> str: ...

    @property
    def architecture(self) -> str: ...

    @property
    def n_bars(self) -> int: ...

    @property
    def steps_per_bar(self) -> int: ...

    @property
    def z_dim(self) -> int: ...

    @property
    def bar_z_dim(self) -> int: ...

    @property
    def condition_dim(self) -> int: ...

    @property
    def n_steps(self) -> int: ...

    def to_dict(self) -> dict[str, Any]: ...

    def to_doc(self) -> dict[str, Any]: ...


class DecoderRuntime(Protocol):
    """A model's inference decoder (weights prepared once per device): z -> tokens (+ per-step extras)."""

    def decode_full(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None,
                    use_numpy: bool = True, condition: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, dict[str, torch.Tensor] | None]: ...


class LatentModel(Protocol):
    """What every architecture offers the engine (and nothing else is asked of it): the token arrays
    are the codec's ([B, T] or [B, T, ...]); ``condition`` is the per-step condition of conditioned
    models ([B, T, condition_dim]) or None."""

    cfg: Any
    per_bar_latents: ClassVar[bool]  # z is one slot per bar (per-bar tools)
    supports_search: ClassVar[bool]  # search decoding (beam + encoder reranking) is defined

    @property
    def condition_dim(self) -> int: ...

    @property
    def kl_groups(self) -> int: ...

    @property
    def dynamics_heads(self) -> bool:
        """Velocity/timing heads that can humanize a given part."""
        ...

    def encode(self, x: torch.Tensor, condition: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]: ...

    def runtime(self, device: torch.device) -> DecoderRuntime: ...

    def search_decode_full(self, z: torch.Tensor, beam: int, condition: torch.Tensor | None = None
                           ) -> tuple[torch.Tensor, dict[str, torch.Tensor] | None]: ...

    def predict_dynamics(self, x: torch.Tensor, condition: torch.Tensor | None = None
                         ) -> dict[str, torch.Tensor]: ...

    def evaluate(self, windows: Any, device: torch.device | str = "cpu", aux: dict[str, Any] | None = None,
                 search_beam: int = 0) -> Any:
        """Reconstruction figures on windows (an object with ``lines()``, ``as_dict()``, ``skipped``)."""
        ...

    def eval(self) -> Any: ...

    def to(self, device: torch.device) -> Any: ...

ARCHITECTURES: dict[str, str] = {
    "musicvae": "latentcomposer.model.vae:MusicVAE",
    "tvae": "latentcomposer.model.transformer_vae:TransformerVAE",
    "pianotree": "latentcomposer.model.pianotree:PianoTreeVAE",
    "pianotree_bars": "latentcomposer.model.pianotree:PianoTreeVAE",
    "trio": "latentcomposer.model.trio:TrioVAE",
}
# each architecture's config class (torch-free modules: the registry reads config.json without torch)
CONFIG_CLASSES: dict[str, str] = {
    "musicvae": "latentcomposer.model.config:ModelConfig",
    "tvae": "latentcomposer.model.config:ModelConfig",
    "pianotree": "latentcomposer.model.poly_config:PolyConfig",
    "pianotree_bars": "latentcomposer.model.poly_config:PolyConfig",
    "trio": "latentcomposer.model.trio_config:TrioConfig",
}


def register_architecture(name: str, path: str, config_path: str = "latentcomposer.model.config:ModelConfig"
                          ) -> None:
    """Add an architecture as ``"module:Class"`` with its config class (tests and plug-ins; built-in
    ones are in :data:`ARCHITECTURES`)."""
    ARCHITECTURES[name] = path
    CONFIG_CLASSES[name] = config_path


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def config_class(name: str) -> Any:
    """The config class of architecture ``name`` (``from_doc(data, fmt)``, ``to_doc()``)."""
    check_architecture(name)
    return _load(CONFIG_CLASSES[name])


def check_architecture(name: str) -> None:
    """ConfigError unless ``name`` is a registered architecture (imports nothing)."""
    if name not in ARCHITECTURES:
        raise ConfigError(f"unknown architecture {name!r} (known: {', '.join(ARCHITECTURES)})")


def architecture_class(name: str) -> Any:
    check_architecture(name)
    return _load(ARCHITECTURES[name])


def build_model(cfg: ModelShape) -> Any:
    """The (untrained) model of ``cfg``: an instance of its architecture's class (a LatentModel)."""
    return architecture_class(cfg.architecture)(cfg)
