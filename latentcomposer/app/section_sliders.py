"""Sliders on a whole section (issue 24): directions of the trio model's latent space and z moved
along them. No Qt, no torch at import; the functions take the loaded engine (call them on the worker).

What a slider moves, best first, as the loaded model offers it (``Engine.shift``):

* the model's **attribute vectors** (MusicVAE §5.3; "density", "pitch range", …) or AR-VAE dims;
* its **principal directions** (``"dim1"``…: the training latents' main axes, in units of their std);
* with neither (a trio model ships none so far), the **first latent dims** themselves, in prior units
  (the prior is N(0, 1) on each dim), labelled "Variation 1…N": they have no musical name.

A section's z is one row per window ([windows, z_dim], ``SectionTools.encode``); a slider moves every
row the same way, so the whole section changes together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

N_SLIDERS = 4
RANGE = 2.0  # a slider goes from -RANGE to +RANGE (std or prior units)


@dataclass(frozen=True)
class Direction:
    key: str  # what Engine.shift takes ("density", "dim1"), or "z3" (latent dim 3, 0-based)
    label: str
    tip: str


def directions(engine: Any, n: int = N_SLIDERS) -> list[Direction]:
    """Up to ``n`` directions the engine offers for a section's z (see the module's docstring)."""
    out: list[Direction] = []
    for name in list(getattr(engine, "ar_dims", {}) or {}):
        out.append(Direction(name, name.replace("_", " ").capitalize(), f"The model's {name} dimension"))
    attrs = getattr(engine, "attributes", None)
    if attrs is not None:
        for name in attrs.names:
            if name not in {d.key for d in out}:
                out.append(Direction(name, name.replace("_", " ").capitalize(),
                                     f"Along the model's '{name}' attribute vector"))
        if attrs.pca_components is not None:
            out += [Direction(f"dim{k + 1}", f"Direction {k + 1}",
                              f"The model's principal direction {k + 1} (in std of its training codes)")
                    for k in range(len(attrs.pca_components))]
    if not out:
        z_dim = int(engine.cfg.z_dim)
        out = [Direction(f"z{k}", f"Variation {k + 1}",
                         f"Moves the whole section one way the model learned (no musical name: try it and "
                         f"listen; number {k + 1} of the model's {z_dim})") for k in range(z_dim)]
    return out[:n]


def moved(engine: Any, z: np.ndarray, values: Mapping[str, float], dirs: Sequence[Direction]) -> np.ndarray:
    """``z`` ([windows, z_dim]) moved by each direction's slider value (0: not moved)."""
    out = np.array(z, dtype=np.float32)
    for d in dirs:
        amount = float(values.get(d.key, 0.0))
        if amount == 0.0:
            continue
        if d.key.startswith("z") and d.key[1:].isdigit():
            out[..., int(d.key[1:])] += amount
        else:
            out = np.asarray(engine.shift(out, d.key, amount), dtype=np.float32)
    return out
