"""Models in a composer's words: plain names, baselines kept out of the way, the model that fits a clip.

Issue 27, defect 7: the model list showed ``mel_16bar_flat`` and ``tvae_16bar``. Every list shows
:func:`plain_titles` instead: the registry's label ("Melody · 16 bars"), with " (per-bar)" for a model
with one latent per bar (the Transformer VAE) and " (baseline)" for a *baseline* -- a flat-decoder model
shipped beside a hierarchical one of the same kind and length, kept for comparison. Baselines are
listed only behind the "advanced" switch (:func:`listed`). :func:`prefer_for_clip` orders models for a
clip: the largest window that the clip fills (a 4-bar tune goes to the 2-bar model, not the 16-bar
one), else the smallest; baselines and per-bar models after the others of the same length.

Nothing here imports torch: the configs are read by :mod:`latentcomposer.model.registry`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from latentcomposer.core import Clip

from .model_service import ModelInfo

REP_ORDER = ("melody", "melody_chords", "poly", "poly_chords", "drums")  # how lists group the models


@dataclass(frozen=True)
class Shape:
    """What the name of a model depends on."""

    representation: str
    n_bars: int
    architecture: str
    decoder: str


@functools.lru_cache(maxsize=64)
def _shape(folder: Path) -> Shape | None:
    from latentcomposer.model.registry import CheckpointError, read_entry

    try:
        cfg = read_entry(folder).cfg
    except (CheckpointError, TypeError, ValueError, KeyError, AttributeError):
        return None
    return Shape(str(cfg.representation), int(cfg.n_bars), str(getattr(cfg, "architecture", "musicvae")),
                 str(getattr(cfg, "decoder", "")))


def shape(info: ModelInfo) -> Shape | None:
    """The model's representation, length, architecture and decoder (None if its config is unreadable)."""
    return _shape(Path(info.folder)) if info.complete else None


def per_bar(info: ModelInfo) -> bool:
    s = shape(info)
    return s is not None and s.architecture == "tvae"


def is_baseline(info: ModelInfo, models: Sequence[ModelInfo]) -> bool:
    """A flat-decoder model shipped beside a hierarchical one of the same representation and length."""
    s = shape(info)
    if s is None or s.decoder != "flat" or s.architecture != "musicvae":
        return False
    return any((o := shape(m)) is not None and m.name != info.name and o.decoder == "hierarchical"
               and (o.representation, o.n_bars) == (s.representation, s.n_bars) for m in models)


def plain_titles(models: Sequence[ModelInfo]) -> dict[str, str]:
    """name -> a plain title ("Melody · 16 bars (per-bar)"); the folder name is added only where two
    models would still read the same."""
    titles = {}
    for m in models:
        title = m.title
        if per_bar(m):
            title += " (per-bar)"
        elif is_baseline(m, models):
            title += " (baseline)"
        titles[m.name] = title
    counts: dict[str, int] = {}
    for t in titles.values():
        counts[t] = counts.get(t, 0) + 1
    return {n: t if counts[t] == 1 or t == n else f"{t} ({n})" for n, t in titles.items()}


def listed(models: Sequence[ModelInfo], advanced: bool, keep: str | None = None) -> list[ModelInfo]:
    """The models a list shows: baselines only when ``advanced`` (or when it is ``keep``, the one in use);
    ordered by kind, then length."""
    shown = [m for m in models if advanced or m.name == keep or not is_baseline(m, models)]

    def key(m: ModelInfo) -> tuple[int, str, int, bool, bool, str]:
        s = shape(m)
        rep = m.representation or "~"
        return (REP_ORDER.index(rep) if rep in REP_ORDER else len(REP_ORDER), rep, s.n_bars if s else 0,
                per_bar(m), is_baseline(m, models), m.name)

    return sorted(shown, key=key)


def prefer_for_clip(clip: Clip, models: Sequence[ModelInfo]) -> list[ModelInfo]:
    """``models`` in the order to use them for ``clip``: by how its window fits the clip's length."""
    bars = max(1, clip.n_bars)

    def key(m: ModelInfo) -> tuple[int, int, bool, bool, str]:
        s = shape(m)
        n = s.n_bars if s else 10**6
        fits = n <= bars
        # windows the clip fills: the longest first; then windows longer than the clip: the shortest first
        return (0 if fits else 1, -n if fits else n, is_baseline(m, models), per_bar(m), m.name)

    return sorted(models, key=key)


def plain_model_message(message: str, models: Sequence[ModelInfo]) -> str:
    """A model service status ("loading mel_2bar…", "mel_2bar ready (cpu)") with the folder name
    replaced by the plain title ("loading Melody · 2 bars…")."""
    titles = plain_titles(models)
    for name in sorted(titles, key=len, reverse=True):  # mel_16bar_flat before mel_16bar
        if name in message:
            return message.replace(name, titles[name], 1)
    return message
