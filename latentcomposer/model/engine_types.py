"""What the engine (model/engine.py) returns and where it runs, without torch: its error type, the
device choice (asking torch only when a GPU may be there), the results of encode / generate calls,
the attribute vectors shipped beside a model's weights (read with NumPy), and slerp."""

from __future__ import annotations

import json
import math
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.core.errors import UserFacingError

from .prior import KEYS as PRIOR_KEYS
from .prior import FittedPrior
from .registry import CheckpointError

DIRECTIONS_KEY = "slider_directions"  # tensor in attributes.safetensors and field in attributes.json

if TYPE_CHECKING:
    import torch


class EngineError(UserFacingError):
    """A request the engine cannot serve (unknown attribute, bad device, empty clip, ...)."""


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    import torch

    return torch.device(device_name(device))


def cuda_possible() -> bool:
    """Whether a CUDA GPU may be there, without importing torch: an NVIDIA driver is installed (no
    driver, no CUDA; torch decides for real when there is one)."""
    if sys.platform == "darwin":
        return False
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def device_name(device: str | torch.device = "auto") -> str:
    """``"cpu"`` or ``"cuda..."`` for ``device`` (auto / cpu / cuda[:n]); imports torch only to ask it
    about a GPU that may be there."""
    name = str(device)
    if name not in ("cpu", "auto") and not name.startswith("cuda"):
        raise EngineError(f"unknown device {name!r} (use auto, cpu or cuda)")
    if name == "cpu" or (name == "auto" and not cuda_possible()):
        return "cpu"
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise EngineError("CUDA was asked for, but no CUDA GPU is available (use --device cpu or auto)")
    return name


class EncodeResult:
    """z [N, d] sampled from the posterior (seeded; drawn when first read, with torch's generator as
    always), mu, sigma [N, d], chunks (windows) per input clip (N = sum(chunks)), warnings."""

    def __init__(self, z: np.ndarray | Any, mu: np.ndarray, sigma: np.ndarray, chunks: list[int],
                 warnings: list[str] | None = None) -> None:
        self._z = z  # the array, or a function that draws it
        self.mu, self.sigma, self.chunks = mu, sigma, chunks
        self.warnings: list[str] = list(warnings or [])

    @property
    def z(self) -> np.ndarray:
        if callable(self._z):
            self._z = self._z()
        return self._z

    def __iter__(self):  # (z, mu, sigma) = engine.encode(...)
        return iter((self.z, self.mu, self.sigma))


@dataclass
class Generated:
    clips: list[Clip]
    warnings: list[str] = field(default_factory=list)
    z: np.ndarray | None = None
    followed: list[int] = field(default_factory=list)  # context transfer: bars that followed the new bar


@dataclass
class Attributes:
    names: list[str]
    vectors: np.ndarray  # [A, d]
    definitions: dict[str, str]
    pca_components: np.ndarray | None = None  # [K, d] unit rows
    pca_std: np.ndarray | None = None  # [K] std of the training latents along each component
    pca_mean: np.ndarray | None = None  # [d]
    reference_latents: np.ndarray | None = None  # [M, d] training means, for the latent map
    prior: FittedPrior | None = None  # where the training posteriors lie; sample() draws from it
    directions: np.ndarray | None = None  # [A, d] slider directions (model/directions.py), else the vectors
    directions_info: dict[str, Any] | None = None  # how they were made (attributes.json "slider_directions")

    @property
    def slider_vectors(self) -> np.ndarray:
        """[A, d] what an attribute slider moves z along: the stored slider directions when the
        attribute files have them (``slider_directions``), else the attribute vectors."""
        return self.directions if self.directions is not None else self.vectors


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation (MusicVAE); falls back to lerp for nearly parallel vectors."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return (1 - t) * a + t * b
    cos = float(np.clip(np.dot(a / na, b / nb), -1.0, 1.0))
    omega = math.acos(cos)
    if abs(math.sin(omega)) < 1e-6:
        return (1 - t) * a + t * b
    return (math.sin((1 - t) * omega) * a + math.sin(t * omega) * b) / math.sin(omega)


def load_attributes(folder: Path) -> Attributes | None:
    """``attributes.safetensors`` + ``attributes.json`` beside the weights, if shipped."""
    st, js = folder / "attributes.safetensors", folder / "attributes.json"
    if not st.exists() or not js.exists():
        return None
    try:
        from safetensors.numpy import load_file  # (no torch)

        t = {k: np.asarray(v, dtype=np.float32) for k, v in load_file(str(st)).items()}
        doc = json.loads(js.read_text())
    except Exception as exc:
        raise CheckpointError(f"{folder}: attribute files are damaged ({exc})") from None

    def opt(key: str) -> np.ndarray | None:
        return t[key] if key in t else None

    return Attributes(names=list(doc["names"]), vectors=t["vectors"],
                      definitions=dict(doc.get("definitions", {})), pca_components=opt("pca_components"),
                      pca_std=opt("pca_std"), pca_mean=opt("pca_mean"),
                      reference_latents=opt("reference_latents"),
                      prior=FittedPrior.from_arrays({k: t[k] for k in PRIOR_KEYS if k in t}),
                      directions=opt(DIRECTIONS_KEY), directions_info=doc.get(DIRECTIONS_KEY))


def weights_key(model: Any) -> tuple[object, ...]:
    """Identifies a torch model's current weights: a training step bumps a parameter's version."""
    return tuple((p.data_ptr(), p._version) for p in model.parameters())
