"""Variations: "Generate 8" -- eight takes on the current sound, or eight fresh ideas, at once.

``"around"``: the current slider position (sliders, map offset, lock, key, temperature all kept) with
eight new draws of the code around the clip: the posterior (mu + sigma * eps) for an encoded clip, the
sampled code nudged by :data:`SPREAD` otherwise -- eight Re-rolls in one go. ``"fresh"``: eight codes
from the model's prior, like pressing Sample eight times. ``"continue"``: the clip extended by
:data:`CONTINUE_BARS` bars, eight times with eight seeds (the per-bar model's bar prior,
:meth:`~latentcomposer.model.engine.Engine.continue_clip`). The codes are drawn here (numpy, seeded);
:func:`decode_variations` decodes them on the worker through the same path as a slider preview. No Qt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from latentcomposer.core import Clip

from . import jobs

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine

    from .panel import PanelModel

MODES = {"around": "Around the current sound", "fresh": "Fresh ideas (like Sample)",
         "continue": "Continue the clip (+4 bars)"}
CONTINUE_BARS = 4
COUNT = 8
SPREAD = 0.35  # how far a sampled code is nudged for "around" (in prior std units)


def variation_bases(panel: PanelModel, mode: str, n: int = COUNT, seed: int = 0) -> list[np.ndarray]:
    """``n`` base codes [chunks, d] for the panel's current code; raises ValueError without one."""
    code, info = panel.code, panel.info
    if code is None or info is None:
        raise ValueError("Encode a clip or Sample first: variations start from the current sound")
    if mode not in ("around", "fresh"):
        raise ValueError(f"unknown variation mode {mode!r}")
    out = []
    for k in range(n):
        rng = np.random.default_rng(seed * 1000 + k)
        if mode == "fresh":
            out.append(info.sample_prior(len(code.base), rng))
        elif code.mu is not None and code.sigma is not None:
            out.append((code.mu + code.sigma * rng.standard_normal(code.mu.shape)).astype(np.float32))
        else:
            out.append((code.base + SPREAD * rng.standard_normal(code.base.shape)).astype(np.float32))
    return out


def decode_variations(engine: Engine, request: jobs.PreviewRequest, bases: Sequence[np.ndarray], seed: int
                      ) -> list[Clip]:
    """One clip per base code, decoded as the slider preview would be (sliders, lock and key applied)."""
    clips = []
    for k, base in enumerate(bases):
        req = dataclasses.replace(request, base=np.asarray(base, np.float32), seed=seed + k)
        clip = jobs.decode_preview(engine, req).clip
        clips.append(clip.copy(name=f"{request.template.name or 'clip'} variation {k + 1}".strip()))
    return clips


def continue_variations(engine: Engine, clip: Clip, n: int, seed: int, temperature: float) -> list[Clip]:
    """``n`` continuations of ``clip`` (each: the clip's own bars, then :data:`CONTINUE_BARS` new ones)."""
    out = []
    for k in range(n):
        extended = engine.continue_clip(clip, CONTINUE_BARS, temperature=temperature, seed=seed + k).clips[0]
        out.append(extended.copy(name=f"{clip.name or 'clip'} continued {k + 1}".strip()))
    return out
