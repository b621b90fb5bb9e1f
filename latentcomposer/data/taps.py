"""Taps: the onset pattern of any part, the input of Drumify (GrooVAE's tap-to-drums idea).

Per 16th-note step, :data:`N_FEATURES` numbers:

====  =====================================================================================
0     onset: 1 where at least one note (or drum hit) starts on the step, else 0
1     velocity of the loudest onset on the step, as the centre of its drum velocity bin / 127
      (the drum model's 8 bins; 0 without an onset or when the part has no dynamics)
2     microtiming of that onset: its distance from the grid in steps, in [-0.5, 0.5)
      (0 without an onset or when the part is quantized)
3     1 when the part's velocities vary (the velocity column is meaningful), else 0
4     1 when the part is played off the grid (the microtiming column is meaningful), else 0
====  =====================================================================================

A melody, a piano part and a drum part all reduce to this, so one encoder serves them all. The same
features are computed from GMD drum windows (:func:`window_taps`) for training, from the union of
all drum classes, with the velocity and offset quantized the way the drum cache stores them.
"""

from __future__ import annotations

import numpy as np

from latentcomposer.core import Clip

from .drums import N_CLASSES, bin_to_velocity, velocity_to_bin
from .melody import STEPS_PER_BAR, STEPS_PER_QUARTER

N_FEATURES = 5
ONSET, VELOCITY, OFFSET, HAS_VELOCITY, HAS_TIMING = range(N_FEATURES)
TIMING_THRESHOLD = 0.02  # steps: onsets closer than this to the grid count as quantized


def clip_taps(clip: Clip, n_steps: int | None = None) -> np.ndarray:
    """The clip's tap features [T, N_FEATURES] (T: whole bars covering the clip, or ``n_steps``)."""
    step = clip.ppq / STEPS_PER_QUARTER
    if n_steps is None:
        total = int(np.ceil(clip.end_tick / step - 0.5))
        n_steps = max(STEPS_PER_BAR, -(-total // STEPS_PER_BAR) * STEPS_PER_BAR)
    out = np.zeros((n_steps, N_FEATURES), np.float32)
    loudest = np.zeros(n_steps, np.int64)
    velocities: set[int] = set()
    for n in clip.notes:
        pos = n.start / step
        s = int(np.floor(pos + 0.5))
        if not 0 <= s < n_steps:
            continue
        velocities.add(n.velocity)
        if out[s, ONSET] and n.velocity <= loudest[s]:
            continue
        out[s, ONSET] = 1.0
        loudest[s] = n.velocity
        out[s, VELOCITY] = float(bin_to_velocity(velocity_to_bin(n.velocity))) / 127.0
        out[s, OFFSET] = pos - s
    on = out[:, ONSET] > 0
    has_velocity = len(velocities) > 1
    has_timing = bool(on.any() and np.abs(out[on, OFFSET]).max() > TIMING_THRESHOLD)
    return _flags(out, has_velocity, has_timing)


def _flags(out: np.ndarray, has_velocity: bool, has_timing: bool) -> np.ndarray:
    if not has_velocity:
        out[..., VELOCITY] = 0.0
    if not has_timing:
        out[..., OFFSET] = 0.0
    out[..., HAS_VELOCITY] = float(has_velocity)
    out[..., HAS_TIMING] = float(has_timing)
    return out


def window_taps(tokens: np.ndarray, velocity: np.ndarray, offset: np.ndarray,
                classes: np.ndarray | None = None) -> np.ndarray:
    """Tap features [N, T, N_FEATURES] of drum windows: tokens [N, T] (9-bit hit masks), velocity
    bins [N, T, 9], offsets [N, T, 9] (as :mod:`.drum_dataset` caches them). ``classes`` [N, 9] bool
    (optional): the drum classes each window's taps are made of (default: all of them)."""
    tokens = np.asarray(tokens, np.int64)
    hits = ((tokens[..., None] >> np.arange(N_CLASSES)) & 1).astype(bool)  # [N, T, C]
    if classes is not None:
        hits &= np.asarray(classes, bool)[:, None, :]
    vel = np.where(hits, np.asarray(velocity, np.int64), -1)
    k = vel.argmax(-1)  # the loudest hit's class on each step
    on = hits.any(-1)
    top = np.take_along_axis(vel, k[..., None], -1)[..., 0]
    off = np.take_along_axis(np.asarray(offset, np.float32), k[..., None], -1)[..., 0]
    out = np.zeros((*tokens.shape, N_FEATURES), np.float32)
    out[..., ONSET] = on
    out[..., VELOCITY] = np.where(on, bin_to_velocity(np.maximum(top, 0)) / 127.0, 0.0)
    out[..., OFFSET] = np.where(on, off, 0.0)
    out[..., HAS_VELOCITY] = 1.0
    out[..., HAS_TIMING] = 1.0
    return out


def onsets(taps: np.ndarray) -> np.ndarray:
    """Which steps hold a tap, bool [..., T]."""
    return np.asarray(taps)[..., ONSET] > 0


# --- sparser taps: what a melody or a chord part taps, made from drum windows -----------------------
KICK, SNARE = 0, 1


def class_mask(n: int, classes: tuple[int, ...], n_classes: int = N_CLASSES) -> np.ndarray:
    """[n, n_classes] bool: the same drum classes for every window (``classes``: indices)."""
    mask = np.zeros((n, n_classes), bool)
    mask[:, list(classes)] = True
    return mask


def drop_steps(taps: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``taps`` [N, T, F] with the taps of the steps where ``keep`` [N, T] is False removed (the
    part's flags stay)."""
    out = np.array(taps, np.float32, copy=True)
    out[~np.asarray(keep, bool), :HAS_VELOCITY] = 0.0
    return out


def random_step_taps(taps: np.ndarray, share: np.ndarray | float, rng: np.random.Generator) -> np.ndarray:
    """Keep each tapped step with probability ``share`` (per window [N] or one number)."""
    share = np.broadcast_to(np.asarray(share, np.float32), taps.shape[:1])
    return drop_steps(taps, rng.random(taps.shape[:2]) < share[:, None])


def eighth_grid_taps(taps: np.ndarray) -> np.ndarray:
    """Only the taps on 8th-note steps (even 16th steps)."""
    keep = np.zeros(taps.shape[:2], bool)
    keep[:, ::2] = True
    return drop_steps(taps, keep)


def loudest_taps(taps: np.ndarray, share: np.ndarray | float) -> np.ndarray:
    """Only the loudest ``share`` of each window's tapped steps (by the velocity column; the accents)."""
    share = np.broadcast_to(np.asarray(share, np.float32), taps.shape[:1])
    on = np.asarray(taps)[..., ONSET] > 0
    vel = np.where(on, np.asarray(taps)[..., VELOCITY], -1.0)
    order = np.argsort(-vel, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(taps.shape[1])[None].repeat(len(taps), 0), axis=1)
    n_keep = np.maximum(1, np.round(on.sum(1) * share)).astype(np.int64)
    return drop_steps(taps, on & (rank < n_keep[:, None]))
