"""Issue 26's latent-space figures as pure NumPy functions (``scripts/latent_space_eval.py`` runs them).

Three groups, each measured on decodes of held-out (test) windows:

- **Sliders**: a slider moves z over its travel; at each amount the attribute values of the decodes
  give a median curve per attribute. :func:`slider_figures` returns Spearman's rho of the slider's own
  attribute against the amount (median curve, as ``model/slider_units.py`` reads it, and the mean of
  the per-window rhos) and, for every *other* attribute, its **side effect**: the span (max - min) of
  its median curve over the travel in training-std units (target < 0.1 sigma).
- **Interpolation**: the steps from A to B are monotonic in distance from A when every step is at
  least as far from step 0 (A as the model reconstructs it) as the step before (:func:`is_monotonic`).
  Two distances: :func:`token_distance` (share of 16th steps whose token differs) and
  :func:`attribute_distance` (Euclidean distance of the attribute vectors in training-std units).
  :func:`middle_vs_ends` compares the in-key share of the middle steps with the ends'.
- **Targets**: :func:`verdict` says met / missed for a figure against its target.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .attributes import spearman

SPEARMAN_TARGET = 0.95  # the slider's own attribute along the slider
SIDE_EFFECT_TARGET = 0.1  # other attributes' change over the travel, training stds
ONE_KEY_TARGET = 0.90  # share of prior samples in one key
DATA_GAP_TARGET = 0.05  # syncopation and rests of prior samples against the data's
MONOTONIC_TARGET = 0.90  # share of interpolation pairs monotonic in distance from A
IN_KEY_GAP_TARGET = 0.01  # in-key share of the middle steps against the ends'


def is_monotonic(distances: Sequence[float] | np.ndarray, tol: float = 0.0) -> bool:
    """Whether ``distances`` (distance of each step from step 0) never falls by more than ``tol``."""
    d = np.asarray(distances, dtype=np.float64)
    return bool(len(d) < 2 or np.all(np.diff(d) >= -tol))


def reversals(distances: Sequence[float] | np.ndarray, tol: float = 0.0) -> int:
    """How many steps come nearer to step 0 than the step before them (by more than ``tol``)."""
    return int((np.diff(np.asarray(distances, dtype=np.float64)) < -tol).sum())


def token_distance(steps: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Share of time steps where each row of ``steps`` [S, T, ...] differs from ``reference`` [T, ...]
    (a step with extra token dims differs when any of them does): [S] in 0..1."""
    s = np.asarray(steps)
    diff = s != np.asarray(reference)[None]
    if diff.ndim > 2:
        diff = diff.reshape(diff.shape[0], diff.shape[1], -1).any(-1)
    return diff.mean(axis=1).astype(np.float64)


def attribute_distance(values: np.ndarray, reference: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Euclidean distance of attribute vectors ``values`` [S, A] from ``reference`` [A] with each
    attribute in units of its training std ``std`` [A] (a zero std counts as 1): [S]."""
    scale = np.where(np.asarray(std, np.float64) > 0, np.asarray(std, np.float64), 1.0)
    d = (np.asarray(values, np.float64) - np.asarray(reference, np.float64)[None]) / scale[None]
    return np.sqrt((d ** 2).sum(axis=1))


def middle_vs_ends(values: np.ndarray) -> tuple[float, float]:
    """Mean of ``values`` [pairs, S] over the middle steps (1..S-2) and over the two ends (0, S-1)."""
    v = np.asarray(values, np.float64)
    if v.ndim != 2 or v.shape[1] < 3:
        raise ValueError(f"need [pairs, steps >= 3] values, got shape {list(v.shape)}")
    return float(v[:, 1:-1].mean()), float(v[:, [0, -1]].mean())


def side_effect(curve: np.ndarray, std: float) -> float:
    """Span (max - min) of an attribute's curve over a slider's travel, in units of its training ``std``
    (NaN when the std is 0: the attribute does not vary in the data)."""
    c = np.asarray(curve, np.float64)
    return float((c.max() - c.min()) / std) if std > 0 else float("nan")


def per_window_spearman(amounts: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Mean Spearman's rho of ``values`` [amounts, windows] against ``amounts`` over the windows whose
    value changes at all, and the share of windows that change."""
    rhos = [spearman(amounts, values[:, w]) for w in range(values.shape[1])]
    finite = [r for r in rhos if np.isfinite(r)]
    return (float(np.mean(finite)) if finite else float("nan")), len(finite) / max(1, values.shape[1])


def slider_figures(amounts: np.ndarray, values: dict[str, np.ndarray], moved: str,
                   std: dict[str, float]) -> dict[str, object]:
    """Figures of the slider for attribute ``moved``: ``values`` {attribute: [amounts, windows]} of the
    decodes at each (sorted) amount of the slider's travel; ``std`` {attribute: training std}."""
    a = np.asarray(amounts, np.float64)
    medians = {k: np.median(v, axis=1) for k, v in values.items()}
    rho = spearman(a, medians[moved])
    rho_w, changed = per_window_spearman(a, values[moved])
    sides = {k: side_effect(m, std[k]) for k, m in medians.items() if k != moved}
    finite = {k: v for k, v in sides.items() if np.isfinite(v)}
    worst = max(finite, key=lambda k: finite[k]) if finite else None
    return {"amounts": [float(x) for x in a],
            "medians": {k: [round(float(x), 4) for x in m] for k, m in medians.items()},
            "spearman": None if not np.isfinite(rho) else round(float(rho), 4),
            "spearman_per_window": None if not np.isfinite(rho_w) else round(rho_w, 4),
            "changed_share": round(changed, 4),
            "side_effects": {k: None if not np.isfinite(v) else round(v, 4) for k, v in sides.items()},
            "worst_side": worst, "worst_side_sigma": None if worst is None else round(finite[worst], 4)}


def verdict(value: float | None, target: float, kind: Literal["min", "max", "gap"]) -> str:
    """"met" / "missed" for ``value`` against ``target``: ``min`` value >= target, ``max`` value <
    target, ``gap`` |value| <= target; "-" when there is no value."""
    if value is None or not np.isfinite(value):
        return "-"
    ok = {"min": value >= target, "max": value < target, "gap": abs(value) <= target}[kind]
    return "met" if ok else "missed"
