"""The drum representation as a codec: 9-class hit masks per 16th step (512 tokens, MusicVAE drums),
plus a velocity bin and a microtiming offset per step and class (GrooVAE)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from latentcomposer.core import DRUM_CHANNEL, Clip

from . import drums
from .attributes import DRUM_ATTRIBUTES
from .codec_base import (
    CANNOT,
    NATURAL,
    AttributeTable,
    Augmenter,
    CodecError,
    Encoded,
    WindowSet,
    template_velocity,
)

STEPS_PER_BAR = 16


def swap_drum_classes(batch: dict[str, np.ndarray], rows: np.ndarray, a: int, b: int) -> dict[str, np.ndarray]:
    """Drum windows where ``rows`` [B] is true get classes ``a`` and ``b`` exchanged: token bits and the
    per-class velocity/offset channels."""
    x = batch["tokens"]
    bit_a, bit_b = (x >> a) & 1, (x >> b) & 1
    swapped = (x & ~((1 << a) | (1 << b))) | (bit_a << b) | (bit_b << a)
    out = {"tokens": np.where(rows[:, None], swapped, x)}
    perm = np.arange(drums.N_CLASSES)
    perm[a], perm[b] = b, a
    for key in ("velocity", "offset"):
        if key in batch:
            v = batch[key]
            out[key] = np.where(rows[:, None, None], v[..., perm], v)
    return {**batch, **out}


def augment_drums(batch: dict[str, np.ndarray], rng: np.random.Generator, kit_swap: float = 0.0,
                  tom_shuffle: float = 0.0, ghost_drop: float = 0.0) -> dict[str, np.ndarray]:
    """Hi-hat/ride swap (``kit_swap``), tom permutation (``tom_shuffle``), ghost-note removal
    (``ghost_drop``), each with its probability per window."""
    n = len(batch["tokens"])
    if kit_swap > 0:
        swap = rng.random(n) < kit_swap
        batch = swap_drum_classes(batch, swap, drums.CLASSES.index("closed hi-hat"), drums.CLASSES.index("ride"))
    if tom_shuffle > 0:  # three random transpositions of a shuffled window: any of the 6 orders
        shuffle = rng.random(n) < tom_shuffle
        toms = [drums.CLASSES.index(c) for c in ("low tom", "mid tom", "high tom")]
        for a, b in ((0, 1), (1, 2), (0, 2)):
            rows = shuffle & (rng.random(n) < 0.5)
            batch = swap_drum_classes(batch, rows, toms[a], toms[b])
    if ghost_drop > 0 and "velocity" in batch:
        rows = (rng.random(n) < ghost_drop)[:, None, None]
        soft = (batch["velocity"] < 2) & rows  # [B, T, C]; where there is no hit nothing changes
        clear = (soft.astype(np.int64) << np.arange(drums.N_CLASSES)).sum(-1)
        batch = {**batch, "tokens": batch["tokens"] & ~clear}
    return batch


class DrumCodec:
    name = "drums"
    label = "Drums"
    vocab = drums.VOCAB
    silent_token = 0
    aux_shapes: dict[str, tuple[int, ...]] = {"velocity": (drums.N_CLASSES,), "offset": (drums.N_CLASSES,)}
    aux_class_names: tuple[str, ...] = drums.CLASSES
    condition_dim = 0
    pitched = False

    # --- clips ----------------------------------------------------------------------------------
    def fit(self, clip: Clip) -> int:
        return NATURAL if clip.is_drum else CANNOT

    def choose_clip(self, clips: Sequence[Clip]) -> tuple[Clip, str]:
        found = [c for c in clips if c.is_drum and c.notes]
        if not found:
            raise CodecError("no drum track (MIDI channel 10)")
        if len(found) == 1:
            return found[0], f"drum track '{found[0].name}'"
        merged = found[0]
        for c in found[1:]:
            merged = merged.merge(c)
        return merged, f"{len(found)} drum tracks merged"

    def new_clip(self, tempo: float, name: str) -> Clip:
        return Clip(tempo=tempo, name=name, is_drum=True, channel=DRUM_CHANNEL)

    def encode(self, clip: Clip) -> Encoded:
        if not clip.is_drum:
            raise CodecError(f"clip '{clip.name}' is not drums (channel 10); this is a drum model")
        ds = drums.clip_to_drum_steps(clip)
        warnings = []
        unmapped = sum(1 for n in clip.notes if n.pitch not in drums.PITCH_TO_CLASS)
        if unmapped:
            warnings.append(f"clip '{clip.name}': {unmapped} note(s) are not General MIDI drums and were left out")
        return Encoded(ds.tokens, {"velocity": ds.velocity, "offset": ds.offset}, warnings)

    def fix_chunk_starts(self, chunks: np.ndarray) -> np.ndarray:
        return chunks

    def decode(self, tokens: np.ndarray, aux: dict[str, np.ndarray] | None, template: Clip | None,
               velocity: int | None, name: str) -> Clip:
        hits = drums.tokens_to_hits(tokens)
        if aux is not None and velocity is None:
            vel = np.asarray(aux["velocity"])
            off = np.asarray(aux["offset"], dtype=np.float32)
        else:
            v = velocity if velocity is not None else template_velocity(template)
            vel = np.full(hits.shape, int(drums.velocity_to_bin(v)))
            off = np.zeros(hits.shape, np.float32) if aux is None else np.asarray(aux["offset"], np.float32)
        ds = drums.DrumSteps(hits, np.where(hits, vel, 0), np.where(hits, off, 0.0))
        return drums.drum_steps_to_clip(ds, template=template, name=name)

    def encode_condition(self, clip: Clip, n_steps: int) -> np.ndarray | None:
        return None

    # --- data -----------------------------------------------------------------------------------
    def corpus_windows(self, split: str, n_bars: int, hop_steps: int = STEPS_PER_BAR) -> WindowSet:
        from .drum_dataset import drum_windows

        arrays, dropped = drum_windows(split, n_bars, hop_steps=hop_steps)
        return WindowSet(arrays, dropped, f"Groove MIDI Dataset split '{split}'",
                         {"source": "Groove MIDI Dataset v1.0.0 (4/4 beats and fills), official split"})

    def clip_windows(self, clips: Sequence[Clip], n_bars: int) -> tuple[dict[str, np.ndarray], int, str]:
        length = n_bars * STEPS_PER_BAR
        try:
            clip, _ = self.choose_clip(clips)
        except CodecError:
            return {"tokens": np.zeros((0, length), np.int64)}, 0, "file has no drum track (channel 10)"
        ds = drums.clip_to_drum_steps(clip)
        keep: list[int] = []
        dropped = 0
        for s in range(0, len(ds.tokens) - length + 1, STEPS_PER_BAR):
            if (ds.tokens[s:s + length].reshape(n_bars, STEPS_PER_BAR) != 0).any(1).mean() < 0.5:
                dropped += 1
            else:
                keep.append(s)

        def cut(a: np.ndarray, dtype: Any) -> np.ndarray:
            if not keep:
                return np.zeros((0, length, *a.shape[1:]), dtype)
            return np.stack([a[s:s + length] for s in keep]).astype(dtype)

        return ({"tokens": cut(ds.tokens, np.int64), "velocity": cut(ds.velocity, np.int64),
                 "offset": cut(ds.offset, np.float32)}, dropped, "")

    def augmenter(self, train: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> Augmenter | None:
        kit, toms, ghost = (float(options.get(k, 0.0)) for k in ("kit_swap", "tom_shuffle", "ghost_drop"))
        if not (kit or toms or ghost):
            return None

        def augment(batch: dict[str, np.ndarray], idx: np.ndarray, rng: np.random.Generator
                    ) -> dict[str, np.ndarray]:
            return augment_drums(batch, rng, kit, toms, ghost)

        return augment

    # --- attributes -----------------------------------------------------------------------------
    def attributes(self) -> AttributeTable:
        return DRUM_ATTRIBUTES

    def summary(self, values: dict[str, np.ndarray]) -> dict[str, float]:
        return {}
