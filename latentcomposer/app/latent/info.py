"""What the latent widgets know about a loaded model, read once from its attributes (no engine calls):
its slider directions, the latent map's plane, its window; and which installed model suits a clip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.data.codec_base import CANNOT

from .units import SliderUnits, read_slider_units

if TYPE_CHECKING:
    from latentcomposer.data.codec_base import Codec
    from latentcomposer.model.engine import Attributes, Engine
    from latentcomposer.model.kernel_prior import KernelPrior
    from latentcomposer.model.prior import FittedPrior

SLIDER_RANGE = 3.0  # attribute-vector units / principal-direction std
N_DIMS = 8  # principal directions shown as "Dim 1..N"
DEVICES = ("auto", "cpu", "cuda")
STEPS_PER_BAR = 16


def model_representation(folder: Path) -> str:
    """A model folder's representation ("melody", "drums", "poly", ...) as the model registry reads its
    config.json (no torch); "melody" if the folder cannot be read."""
    from latentcomposer.model.registry import CheckpointError, read_entry

    try:
        return str(read_entry(Path(folder)).cfg.representation)
    except (CheckpointError, TypeError, ValueError, KeyError, AttributeError):  # (odd types: issue 31)
        return "melody"


def model_for_clip(clip: Clip, current: str | None, current_rep: str | None,
                   models: Sequence[tuple[str, str]]) -> str | None:
    """The model to switch to for ``clip``, or None to keep the current one: switch only when an
    installed representation holds the clip strictly better than the current one (``Codec.fit``:
    CANNOT < REDUCED < NATURAL) -- a chord clip goes from a melody model (its top voice: REDUCED) to a
    piano model (NATURAL), a melody from a piano model (REDUCED) to a melody model, drums to a drum
    model; on a tie the current model stays. ``models``: (name, representation) of the installed
    models, in the order to prefer."""
    from latentcomposer.data.codecs import CODECS, best_codec_for_clip

    if not clip.notes:
        return None
    codec = CODECS.get(current_rep) if current_rep is not None else None
    current_fit = codec.fit(clip) if codec is not None else CANNOT
    best = best_codec_for_clip(clip, list(dict.fromkeys(rep for _, rep in models)))
    if best is None or CODECS[best].fit(clip) <= current_fit:
        return None
    fitting = [name for name, rep in models if rep == best]
    return fitting[0] if fitting else None


def can_read(info: EngineInfo, clip: Clip) -> bool:
    """Whether the loaded model's representation can read ``clip`` (its codec's ``fit``)."""
    return info.codec is not None and info.codec.fit(clip) > CANNOT


@dataclass(frozen=True)
class SliderSpec:
    key: str  # the engine's name: "density", "dim3", or "z3" (raw dimension, models without attributes)
    label: str
    tooltip: str
    kind: str  # attribute | dim | z
    # attribute sliders of a calibrated model: what each position means in musical units (.units)
    units: SliderUnits | None = field(default=None, compare=False)


@dataclass
class MapPlane:
    """The latent map's plane: ``(z - mean) . axes / scale`` (PCA of the training latents, in std units)."""

    mean: np.ndarray  # [d]
    axes: np.ndarray  # [2, d], unit rows
    scale: np.ndarray  # [2]
    reference: np.ndarray  # [M, 2] projected training means
    fitted: bool  # False: no principal directions shipped, the axes are z1, z2
    # what moving along each axis does, in a composer's words ("more density →"); "" when unknown
    labels: tuple[str, str] = ("", "")
    # per axis: (attribute, signed cosine with the axis), strongest first (for tooltips and tests)
    movers: tuple[tuple[tuple[str, float], ...], ...] = ((), ())

    def project(self, z: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(np.asarray(z, dtype=np.float32))
        return ((z - self.mean) @ self.axes.T) / self.scale

    def vector(self, dx: float, dy: float) -> np.ndarray:
        return (dx * self.scale[0] * self.axes[0] + dy * self.scale[1] * self.axes[1]).astype(np.float32)


def axis_movers(axes: np.ndarray, names: Sequence[str], vectors: np.ndarray | None
                ) -> tuple[tuple[tuple[str, float], ...], ...]:
    """Per map axis, the attributes whose vectors point along it: (name, cosine), by |cosine|, the
    weak ones (|cos| < 0.15) left out. Moving along an axis moves these attributes most."""
    out: list[tuple[tuple[str, float], ...]] = []
    vecs = np.asarray(vectors, np.float32) if vectors is not None and len(names) else np.zeros((0, axes.shape[1]))
    norms = np.linalg.norm(vecs, axis=1) if len(vecs) else np.zeros(0)
    for axis in axes[:2]:
        unit = axis / max(float(np.linalg.norm(axis)), 1e-9)
        cos = [(str(n), float(v @ unit / nv)) for n, v, nv in zip(names, vecs, norms, strict=False) if nv > 1e-9]
        out.append(tuple(sorted(((n, c) for n, c in cos if abs(c) >= 0.15), key=lambda t: -abs(t[1]))))
    while len(out) < 2:
        out.append(())
    return tuple(out)


def axis_label(movers: Sequence[tuple[str, float]], axis: str) -> str:
    """"less density ← → more density" (x) or "less density ↓ ↑ more density" (y): the attribute that
    moves most along the axis (the others are in the map's tooltip)."""
    if not movers:
        return ""
    name, c = movers[0]
    ups = f"{'more' if c > 0 else 'less'} {name}"
    downs = f"{'less' if c > 0 else 'more'} {name}"
    return f"{downs}  ←  →  {ups}" if axis == "x" else f"{downs}  ↓  ↑  {ups}"


def map_plane(attributes: Attributes | None, z_dim: int) -> MapPlane:
    comps = attributes.pca_components if attributes is not None else None
    if attributes is not None and comps is not None and len(comps) >= 2:
        mean = np.asarray(attributes.pca_mean if attributes.pca_mean is not None else np.zeros(z_dim), np.float32)
        std = attributes.pca_std if attributes.pca_std is not None else np.ones(len(comps))
        axes = np.asarray(comps[:2], np.float32)
        scale = np.maximum(np.asarray(std[:2], np.float32), 1e-6)
        plane = MapPlane(mean, axes, scale, np.zeros((0, 2), np.float32), True)
        plane.movers = axis_movers(axes, attributes.names, attributes.vectors)
        plane.labels = (axis_label(plane.movers[0], "x"), axis_label(plane.movers[1], "y"))
        ref = attributes.reference_latents
        if ref is not None and len(ref):
            plane.reference = plane.project(np.asarray(ref, np.float32))
        return plane
    axes = np.zeros((2, z_dim), np.float32)
    axes[0, 0] = 1.0
    axes[1, min(1, z_dim - 1)] = 1.0
    return MapPlane(np.zeros(z_dim, np.float32), axes, np.ones(2, np.float32), np.zeros((0, 2), np.float32), False)


def cannot_continue(engine: Engine) -> str:
    """Why Continue cannot extend clips with ``engine`` ('' when it can): it draws the next bars from a
    per-bar model's bar prior (model/continuation.py), which the piano and the per-window models lack."""
    what = engine.codec.label if engine.codec is not None else engine.name
    if not engine.per_bar:
        return (f"Continue needs a melody model with one latent per bar (Melody · 16 bars (per-bar)); this "
                f"{what.lower()} model has one latent per {engine.window_bars}-bar window")
    from latentcomposer.model.bar_prior import META, WEIGHTS  # (torch is loaded: an engine exists)

    folder = engine.folder
    if folder is None or not (folder / META).exists() or not (folder / WEIGHTS).exists():
        return (f"Continue draws the next bars from a bar prior, and this {what.lower()} model ships none "
                "(Melody · 16 bars (per-bar) has one)")
    return ""


def continue_from(info: EngineInfo, clip: Clip, bars: int) -> tuple[int, int] | None:
    """The bars of ``clip`` (1-based, first and last, in its own metre) that Continue continues from:
    the last ones the per-bar model reads (:func:`latentcomposer.model.continuation.heard_bars`); None
    when the model cannot continue or the clip is empty."""
    if not info.per_bar or info.cannot_continue or not clip.notes:
        return None
    from latentcomposer.model.continuation import heard_bars  # (torch is loaded: an engine exists)

    model_bar = STEPS_PER_BAR * clip.ppq / 4  # the model's bar: 16 sixteenth-note steps
    first, end = heard_bars(info.n_bars, max(1, -int(-clip.end_tick // model_bar)), bars)
    lo, hi = first * model_bar, min(end * model_bar, clip.end_tick)
    start = int(lo // clip.bar_ticks) + 1
    return start, max(start, -int(-hi // clip.bar_ticks))


def bars_words(first: int, last: int) -> str:
    """"bar 8" or "bars 6–8"."""
    return f"bar {first:,}" if first == last else f"bars {first:,}–{last:,}"


@dataclass(frozen=True)
class EngineInfo:
    """What the widgets need to know about a loaded engine (read from attributes, no engine calls)."""

    name: str
    representation: str
    architecture: str
    n_bars: int
    z_dim: int
    bar_z_dim: int
    per_bar: bool
    device: str
    specs: tuple[SliderSpec, ...]
    plane: MapPlane = field(compare=False)
    # what Sample draws from (``sample(n, rng)``, numpy): the model's kernel prior, else its fitted prior,
    # or None: N(0, I)
    prior: KernelPrior | FittedPrior | None = field(default=None, compare=False)
    # its representation's codec (plain Python): which clip of a file the model reads
    codec: Codec | None = field(default=None, compare=False)
    # whether "Best (search)" differs from "Fast (greedy)": beam search + reranking is defined for it
    search: bool = True
    # '' when Continue works (per-bar latents and a bar prior fitted to the weights), else why not, in words
    cannot_continue: str = ""

    @property
    def pitched(self) -> bool:
        """Whether the model's notes are pitches (its codec says; drums are not): the rhythm/pitch locks
        apply only then."""
        return self.codec.pitched if self.codec is not None else True

    @property
    def kind(self) -> str:
        """What the model makes, in a composer's words ("melody", "drums")."""
        return self.codec.label.lower() if self.codec is not None else self.representation

    @property
    def window_steps(self) -> int:
        return self.n_bars * STEPS_PER_BAR

    @classmethod
    def of(cls, engine: Engine) -> EngineInfo:
        from latentcomposer.app.model_service import engine_device  # (model_service imports app.latent)

        cfg = engine.cfg
        attrs = engine.attributes
        specs: list[SliderSpec] = []
        if attrs is not None:
            calibrated = read_slider_units(engine.folder, list(attrs.names))
            for name in attrs.names:
                definition = attrs.definitions.get(name, "")
                tip = f"{name}: {definition}".strip(": ")
                if name in engine.ar_dims:  # a regularized dim: the slider moves that one dim (model/ar_reg.py)
                    tip += f" -- moves latent dim {engine.ar_dims[name] + 1} alone (trained to follow it)"
                specs.append(SliderSpec(name, name.capitalize(), tip, "attribute", calibrated.get(name)))
            n = 0 if attrs.pca_components is None else min(N_DIMS, len(attrs.pca_components))
            for k in range(n):
                specs.append(SliderSpec(f"dim{k + 1}", f"Dim {k + 1}",
                                        f"Principal direction {k + 1} of the training latents, in units of "
                                        "their spread (std) along it", "dim"))
        if not specs:
            for k in range(min(N_DIMS, engine.z_dim)):
                specs.append(SliderSpec(f"z{k + 1}", f"z {k + 1}", f"Latent dimension {k + 1} (this model ships "
                                        "no attribute vectors or principal directions)", "z"))
        return cls(engine.name, cfg.representation, cfg.architecture, engine.window_bars, engine.z_dim,
                   int(cfg.bar_z_dim), bool(engine.per_bar), engine_device(engine), tuple(specs),
                   map_plane(attrs, engine.z_dim), engine.sampling_prior, engine.codec,
                   bool(engine.supports_search), cannot_continue(engine))

    def sample_prior(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` latents [n, z_dim]: from the kernel or fitted prior when the model ships one, else N(0, I)."""
        if self.prior is not None:
            return np.asarray(self.prior.sample(n, rng), dtype=np.float32)
        return rng.standard_normal((n, self.z_dim)).astype(np.float32)
