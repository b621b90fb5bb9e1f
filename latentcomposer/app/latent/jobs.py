"""Every engine call the GUI makes, as jobs for the worker thread (never the UI thread).

Each function takes the :class:`~latentcomposer.model.engine.Engine` and plain values and returns plain
values; the caller hands it to a lane (:class:`latentcomposer.ui.decode_worker.EngineWorker` in the GUI)
as ``lambda: job(engine, ...)``. The slider panel, the latent map, the interpolation timeline and the
Bars tab all call the engine through here, so this file is the whole GUI-side engine seam. The engine's
subject arguments (clips, z, a bar) are passed by position, every option by keyword.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from latentcomposer.core import Clip, Note
from latentcomposer.core.chords import ChordTrack
from latentcomposer.core.harmony import Key, snap_to_key

from .locks import apply_lock

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine


# --- set-up ----------------------------------------------------------------------------------------
def limit_cpu_threads(engine: Engine, threads: int = 1) -> list[str]:
    """Decode on ``threads`` CPU threads, set from the calling (worker) thread (see
    :func:`latentcomposer.model.threads.limit_cpu_threads`): batch-1 decoding gains nothing from more
    threads on a small machine, and a BLAS that spins on every core starves the UI: on 2 busy cores the
    live-slider decode of the 2-bar model took ~65 ms with the defaults and ~10 ms with one thread
    (benchmarks/gui_slider.py). Returns what was limited (nothing on a GPU; never raises)."""
    from latentcomposer.app.model_service import engine_device

    if not engine_device(engine).startswith("cpu"):
        return []
    from latentcomposer.model.threads import limit_cpu_threads as limit  # torch-side: on the worker only

    return limit(threads)


def set_decoding(engine: Engine, mode: str) -> None:
    """``"search"`` or ``"greedy"`` for the temperature-0 decodes that follow (on the same lane)."""
    engine.set_decoding(mode)


# --- the slider panel ----------------------------------------------------------------------------
@dataclass
class EncodeOutcome:
    uid: str
    clip: Clip
    mu: np.ndarray  # [chunks, d]
    sigma: np.ndarray
    n_steps: int
    warnings: list[str]
    model: str


def lane_condition(engine: Engine, chords: ChordTrack | None, n_steps: int) -> np.ndarray | None:
    """The chord lane as the model's condition (None: the model reads no chords, or there is no lane,
    and the engine uses the clip's own detected chords)."""
    return engine.chords_condition(chords, n_steps) if chords else None


def in_key(clip: Clip, key: Key | None) -> Clip:
    """The key lock: notes outside ``key`` moved into it (a post-process; None: unchanged)."""
    return clip if key is None else snap_to_key(clip, key)


def encode_clip(engine: Engine, uid: str, clip: Clip, seed: int = 0, chords: ChordTrack | None = None
                ) -> EncodeOutcome:
    """The clip's posterior (a chord-conditioned model reads ``chords``, its lane, when given)."""
    code = engine.encode([clip], seed=seed, condition=lane_condition(engine, chords, engine.clip_steps(clip)))
    return EncodeOutcome(uid, clip, np.asarray(code.mu, np.float32), np.asarray(code.sigma, np.float32),
                         int(engine.clip_steps(clip)), list(code.warnings), engine.name)


def compose(engine: Engine, base: np.ndarray, sliders: Mapping[str, float], offset: np.ndarray | None) -> np.ndarray:
    """base z moved along every non-zero slider (attribute vectors, principal directions, raw dims)
    plus the latent map's offset vector."""
    z = np.array(base, dtype=np.float32)
    for key, amount in sliders.items():
        if not amount:
            continue
        if key.startswith("z") and key[1:].isdigit():
            z[..., int(key[1:]) - 1] += amount
        else:
            z = engine.shift(z, key, amount=float(amount))
    if offset is not None:
        z = z + offset
    return np.asarray(z, np.float32)


@dataclass(frozen=True)
class PreviewRequest:
    uid: str
    base: np.ndarray
    sliders: tuple[tuple[str, float], ...]
    offset: np.ndarray | None
    temperature: float
    seed: int
    lock: str
    reference: Clip | None
    template: Clip
    n_steps: int
    model: str
    chords: ChordTrack | None = None  # the clip's chord lane (what a chord-conditioned model decodes over)
    key: Key | None = None  # the key lock: keep the result in this key (a post-process)


@dataclass
class PreviewResult:
    request: PreviewRequest
    clip: Clip
    z: np.ndarray


def decode_preview(engine: Engine, req: PreviewRequest, decoding: str | None = None) -> PreviewResult:
    """The preview of ``req``; ``decoding``: this decode's temperature-0 decoding ("greedy" for the
    quick first result of a progressive preview; default: the engine's)."""
    z = compose(engine, req.base, dict(req.sliders), req.offset)
    rows = len(z) if np.ndim(z) > 1 else 1
    condition = lane_condition(engine, req.chords, rows * engine.cfg.n_steps)  # one window per row of z
    clip = engine.decode(z, temperature=req.temperature, seed=req.seed, template=req.template,
                         name=req.template.name, join=True, n_steps=req.n_steps,
                         condition=None if condition is None else condition[:rows], decoding=decoding)[0]
    return PreviewResult(req, in_key(apply_lock(req.reference, clip, req.lock), req.key), z)


STEPS_PER_QUARTER = 4  # the models' grid: 16th-note steps


def ticks_slice(clip: Clip, lo: int, hi: int) -> Clip:
    """Ticks ``[lo, hi)`` of ``clip`` as a clip starting at 0 (notes cut at the edges)."""
    notes = tuple(Note(max(n.start, lo) - lo, n.pitch, min(n.end, hi) - lo, n.velocity)
                  for n in clip.notes if n.start < hi and n.end > lo and min(n.end, hi) > max(n.start, lo))
    return clip.copy(notes=notes, length=hi - lo, tempo_changes=(), time_signature_changes=())


def window_ticks(engine: Engine, clip: Clip) -> float:
    """Ticks of ``clip`` (its ppq) in one model window."""
    return engine.cfg.n_steps * clip.ppq / STEPS_PER_QUARTER


def decode_windows(engine: Engine, req: PreviewRequest, first: int, last: int, decoding: str | None = None
                   ) -> PreviewResult:
    """Windows ``first..last-1`` of ``req``'s preview, their notes at their place in the clip (a long
    clip's preview decodes the windows in view first, the rest in blocks: issue 27, defect 4). The
    result's ``z`` holds those windows' rows only. Sampling (temperature > 0) seeds each block apart,
    so a block-wise preview differs from a whole decode at temperature > 0 (not at 0)."""
    rows, window = len(req.base), engine.cfg.n_steps
    z = compose(engine, np.asarray(req.base)[first:last], dict(req.sliders), req.offset)
    condition = lane_condition(engine, req.chords, rows * window)
    if condition is None and engine.condition_dim and req.template.notes:  # the clip's own, as a whole decode
        own = engine.clip_condition(req.template)
        if own is not None:
            condition = np.zeros((rows, *own.shape[1:]), np.float32)
            condition[: min(rows, len(own))] = own[:rows]
    lo, hi = round(first * window_ticks(engine, req.template)), round(last * window_ticks(engine, req.template))
    n_steps = max(1, min(req.n_steps - first * window, (last - first) * window))
    clip = engine.decode(z, temperature=req.temperature, seed=req.seed + first, template=req.template,
                         name=req.template.name, join=True, n_steps=n_steps,
                         condition=None if condition is None else condition[first:last], decoding=decoding)[0]
    reference = ticks_slice(req.reference, lo, hi) if req.reference is not None else None
    clip = in_key(apply_lock(reference, clip, req.lock), req.key)
    moved = tuple(Note(n.start + lo, n.pitch, n.end + lo, n.velocity) for n in clip.notes)
    return PreviewResult(req, clip.copy(notes=moved, length=lo + clip.end_tick), z)


def join_windows(req: PreviewRequest, parts: Sequence[PreviewResult]) -> PreviewResult:
    """Block results (:func:`decode_windows`) as one preview: their notes together, their rows in order
    (parts must be given in window order for ``z`` to be the whole code's)."""
    notes = tuple(n for p in parts for n in p.clip.notes)
    base = parts[0].clip
    length = max(max(p.clip.end_tick for p in parts), req.template.end_tick)
    z = np.concatenate([np.asarray(p.z) for p in parts]) if len(parts) > 1 else parts[0].z
    return PreviewResult(req, base.copy(notes=notes, length=length), z)


# --- the latent map ------------------------------------------------------------------------------
def encode_means(engine: Engine, clips: Sequence[tuple[str, Clip]]) -> dict[str, np.ndarray]:
    """uid -> posterior means [chunks, d] of every clip the model can read (the others are left out)."""
    out = {}
    for uid, clip in clips:
        try:
            out[uid] = np.asarray(engine.encode([clip]).mu)
        except Exception:  # a clip this model cannot read has no point
            continue
    return out


# --- the interpolation timeline ----------------------------------------------------------------
@dataclass
class InterpolationResult:
    clips: list[Clip]
    warnings: list[str]
    z: np.ndarray | None  # [steps, chunks, d]
    seed: int


def interpolate(engine: Engine, a: Clip, b: Clip, between: int, method: str, temperature: float,
                seed: int, chords: ChordTrack | None = None, key: Key | None = None,
                decoding: str | None = None) -> InterpolationResult:
    """``between`` steps plus both endpoints (all decoded in one batch by the engine); a chord-conditioned
    model decodes every step over ``chords`` (A's lane) when given, and ``key`` locks the results."""
    n_steps = max(engine.clip_steps(a), engine.clip_steps(b))
    gen = engine.interpolate(a, b, steps=between + 2, method="lerp" if method == "lerp" else "slerp",
                             temperature=temperature, seed=seed, condition=lane_condition(engine, chords, n_steps),
                             decoding=decoding)
    return InterpolationResult([in_key(c, key) for c in gen.clips], list(gen.warnings), gen.z, seed)


def join_clips(clips: Sequence[Clip], name: str) -> Clip:
    """Clips one after another (each on whole bars) as one clip."""
    if not clips:
        raise ValueError("nothing to join")
    out = clips[0].copy(name=name, length=max(clips[0].end_tick, clips[0].n_bars * clips[0].bar_ticks))
    for c in clips[1:]:
        out = out.concatenate(c.copy(length=max(c.end_tick, c.n_bars * c.bar_ticks)))
    return out.copy(name=name)


# --- the Bars tab (per-bar models) ---------------------------------------------------------------
@dataclass
class BarsResult:
    clip: Clip
    warnings: list[str]


def encode_bar_pair(engine: Engine, a: Clip, b: Clip) -> tuple[np.ndarray, np.ndarray]:
    """Per-bar posterior means of clips A and B: ([bars_a, bar_z], [bars_b, bar_z])."""
    return engine.encode_bars(a), engine.encode_bars(b)


def transfer_bars(engine: Engine, a: Clip, b: Clip, bars_from_a: list[int], seed: int) -> BarsResult:
    """B with the listed bars (0-based) taken from A, decoded in B's flow (context transfer)."""
    gen = engine.context_transfer(a, b, bars_from_x1=bars_from_a, seed=seed)
    return BarsResult(gen.clips[0], list(gen.warnings))


def resample_bar(engine: Engine, clip: Clip, bar: int, seed: int, toward: Clip | None = None) -> BarsResult:
    """One bar re-drawn from the prior (``toward`` None), or moved halfway toward ``toward``'s bar."""
    if toward is not None:
        gen = engine.resample_bar(clip, bar, seed=seed, toward=toward, amount=0.5)
    else:
        gen = engine.resample_bar(clip, bar, temperature=1.0, seed=seed)
    return BarsResult(gen.clips[0], list(gen.warnings))


def continue_clip(engine: Engine, clip: Clip, bars: int, seed: int) -> BarsResult:
    """The clip extended by ``bars`` bars in its style (per-bar model + bar prior); its bars unchanged."""
    gen = engine.continue_clip(clip, bars=bars, seed=seed)
    return BarsResult(gen.clips[0], list(gen.warnings))


def infill_bars(engine: Engine, clip: Clip, first: int, last: int, seed: int) -> BarsResult:
    """Bars ``first..last`` (0-based, inclusive) regenerated given the bars on both sides."""
    gen = engine.infill(clip, (first, last + 1), seed=seed)
    return BarsResult(gen.clips[0], list(gen.warnings))


def shift_bar(engine: Engine, clip: Clip, bar: int, attribute: str, amount: float) -> BarsResult:
    """Bar ``bar`` (0-based) moved along its per-bar attribute vector (per-bar slider); others unchanged."""
    gen = engine.shift_bar(clip, bar, attribute, amount)
    return BarsResult(gen.clips[0], list(gen.warnings))
