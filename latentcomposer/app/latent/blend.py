"""The blend pad's arithmetic (Beat Blender): four clips at the corners of a square, a point in it
mixes their codes by bilinear weights, and the mix is decoded as a clip.

``x`` runs left (0) to right (1), ``y`` top (0) to bottom (1); corners are numbered top-left,
top-right, bottom-left, bottom-right. Codes are the clips' posterior means per window [chunks, d];
clips of different lengths mix over the windows they all have (the shortest). No Qt here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from latentcomposer.core import Clip

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine

CORNERS = ("top left", "top right", "bottom left", "bottom right")


def weights(x: float, y: float) -> np.ndarray:
    """Bilinear weights of the four corners at (x, y) in [0, 1]² (they sum to 1)."""
    x, y = min(1.0, max(0.0, float(x))), min(1.0, max(0.0, float(y)))
    return np.array([(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y], np.float32)


def mix(codes: Sequence[np.ndarray], w: np.ndarray) -> np.ndarray:
    """Σ w_i code_i over the windows all codes have: [chunks, d]."""
    n = min(len(c) for c in codes)
    return np.sum([wi * np.asarray(c[:n], np.float32) for wi, c in zip(w, codes, strict=True)], axis=0)


def encode_corners(engine: Engine, clips: Sequence[Clip]) -> list[np.ndarray]:
    """The corners' codes (posterior means [chunks, d]); a clip the model cannot read raises with
    the engine's message."""
    return [np.asarray(engine.encode([c]).mu, np.float32) for c in clips]


def decode_mix(engine: Engine, z: np.ndarray, template: Clip, temperature: float, seed: int,
               name: str = "Blend") -> Clip:
    """The mixed code as one clip (its windows joined), with the template's tempo and instrument."""
    n_steps = len(z) * engine.cfg.n_steps
    return engine.decode(z, temperature=temperature, seed=seed, template=template, name=name, join=True,
                         n_steps=n_steps)[0]
