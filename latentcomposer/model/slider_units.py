"""Calibrate a model's attribute sliders in musical units (issue 26).

A slider moves z by an abstract amount along an attribute vector (or one regularized dim:
:meth:`Engine.shift`). To label it in a composer's units ("5.2 notes a bar", "a 6th") we measure what
the amount does: a fixed, seeded set of held-out windows is encoded (posterior means), moved by each
amount along each attribute, decoded greedily, and the attribute measured on every decode; the
**median** per amount is the calibration curve. Beside it, the attribute's 5th-95th percentile on
training windows (the range the music spans) and Spearman's rho of the curve against the amount:
below :data:`MONOTONIC_RHO` the slider does not move the attribute monotonically and its labels are
approximate. ``scripts/slider_units.py`` writes the result as ``slider_units.json`` beside the model;
:mod:`latentcomposer.app.latent.units` reads it for the slider panel.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from latentcomposer.core.music_words import unit_for

from .attributes import spearman
from .engine import Engine, EngineError

MONOTONIC_RHO = 0.9  # Spearman of the median curve vs amount at or above this: "monotonic"
DECODE_BATCH = 256  # rows per decode call (16-bar decodes of 256 rows fit a few hundred MB)


MIN_TRAVEL = 0.5  # a slider always moves at least this far either side of 0


def _crossing(a0: float, a1: float, m0: float, m1: float, lo: float, hi: float) -> float:
    """Where the straight line from (a0, m0) (inside [lo, hi]) to (a1, m1) (outside) leaves the band."""
    edge = hi if m1 > hi else lo
    return a0 if m1 == m0 else a0 + (a1 - a0) * (edge - m0) / (m1 - m0)


def travel(amounts: np.ndarray, medians: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """The amounts around 0 whose (linearly interpolated) medians stay inside [lo, hi], contiguous from
    the amount nearest 0, rounded to 0.05 and at least :data:`MIN_TRAVEL` either side; the whole range
    when the median at 0 is outside."""
    zero = int(np.argmin(np.abs(amounts)))
    inside = (medians >= lo) & (medians <= hi)
    if not inside[zero]:
        return float(amounts[0]), float(amounts[-1])
    ends = []
    for step, last in ((-1, 0), (1, len(amounts) - 1)):
        k = zero
        while k != last and inside[k + step]:
            k += step
        end = float(amounts[k]) if k == last else _crossing(float(amounts[k]), float(amounts[k + step]),
                                                             float(medians[k]), float(medians[k + step]), lo, hi)
        ends.append(round(end * 20) / 20)
    left = min(ends[0], max(-MIN_TRAVEL, float(amounts[0])))
    right = max(ends[1], min(MIN_TRAVEL, float(amounts[-1])))
    return left, right


def calibrate(engine: Engine, windows: np.ndarray, train_windows: np.ndarray, amounts: np.ndarray,
              log: Any = None) -> dict[str, Any]:
    """The calibration of every attribute slider of ``engine`` whose definition has a musical unit.

    ``windows`` [N, T...]: held-out windows to move (validation, never test); ``train_windows``: the
    windows whose 5th-95th percentiles give the data's range; ``amounts``: the slider amounts, sorted.
    Greedy decoding at temperature 0 (deterministic). Returns the ``attributes`` block of
    ``slider_units.json`` plus timing."""
    if engine.attributes is None:
        raise EngineError(f"model {engine.name} ships no attribute files: run `latentcomposer attributes "
                          f"--model {engine.name}` first")
    amounts = np.asarray(sorted(float(a) for a in amounts), dtype=np.float64)
    table = engine.codec.attributes()
    t0 = time.perf_counter()
    mu = engine.encode_tokens(windows)[0].cpu().numpy()
    out: dict[str, Any] = {}
    for name in engine.attributes.names:
        if name not in table:
            continue
        fn, definition = table[name]
        unit = unit_for(definition)
        if unit is None:
            continue
        t1 = time.perf_counter()
        zs = np.concatenate([engine.shift(mu, name, float(a)) for a in amounts])  # [A * N, d]
        toks = np.concatenate([engine.decode_full(zs[i:i + DECODE_BATCH], 0.0, decoding="greedy")[0]
                               for i in range(0, len(zs), DECODE_BATCH)])
        values = np.array([fn(t) for t in toks], dtype=np.float64).reshape(len(amounts), len(windows))
        medians = np.median(values, axis=1)
        data = np.array([fn(w) for w in train_windows], dtype=np.float64)
        p5, p50, p95 = (float(v) for v in np.percentile(data, [5, 50, 95]))
        rho = spearman(amounts, medians)
        rho_out = None if not np.isfinite(rho) else round(rho, 4)
        lo, hi = travel(amounts, medians, p5, p95)
        out[name] = {"definition": definition, "unit": unit.as_dict(),
                     "medians": [round(float(m), 4) for m in medians],
                     "q25": [round(float(v), 4) for v in np.percentile(values, 25, axis=1)],
                     "q75": [round(float(v), 4) for v in np.percentile(values, 75, axis=1)],
                     "data_p5": round(p5, 4), "data_median": round(p50, 4), "data_p95": round(p95, 4),
                     "spearman": rho_out, "monotonic": bool(rho_out is not None and rho_out >= MONOTONIC_RHO),
                     "travel": [lo, hi]}
        if log is not None:
            log(f"  {name:<12} {medians[0]:8.2f} {medians[len(medians) // 2]:8.2f} {medians[-1]:8.2f}   "
                f"data {p5:.2f}..{p95:.2f}   rho {rho:+.2f}   travel {lo:+.1f}..{hi:+.1f}   "
                f"{time.perf_counter() - t1:5.1f} s")
    return {"amounts": [float(a) for a in amounts], "attributes": out,
            "seconds": round(time.perf_counter() - t0, 1)}
