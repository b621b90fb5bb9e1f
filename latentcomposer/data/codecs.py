"""Codecs: how a representation turns clips into model tokens (plus per-step extras) and back.

The engine and the trainer talk to a codec, not to a representation's module, so drums are another
representation, not a special case. ``aux`` holds per-step extras a representation keeps beside its
tokens (drums: velocity bins and microtiming offsets per class); melodies have none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from latentcomposer.core import DEFAULT_VELOCITY, Clip

from . import drums, melody


class CodecError(ValueError):
    """A clip this representation cannot hold (drums for a melody model, ...)."""


@dataclass
class Encoded:
    tokens: np.ndarray  # int64 [T], T a multiple of 16
    aux: dict[str, np.ndarray] | None = None  # each [T, ...]
    warnings: list[str] = field(default_factory=list)


class MelodyCodec:
    name = "melody"
    vocab = melody.VOCAB
    silent_token = melody.NO_EVENT
    aux_shapes: dict[str, tuple[int, ...]] = {}

    def encode(self, clip: Clip) -> Encoded:
        if clip.is_drum:
            raise CodecError(f"clip '{clip.name}' is drums; this is a melody model")
        warnings = []
        if not clip.is_monophonic():
            warnings.append(f"clip '{clip.name}' is polyphonic: using its highest voice "
                            "(the highest note at each onset)")
        return Encoded(melody.clip_to_tokens(clip).astype(np.int64), None, warnings)

    def fix_chunk_starts(self, chunks: np.ndarray) -> np.ndarray:
        """A chunk cannot start by ending a note it does not hold: a leading NOTE_OFF becomes rest."""
        chunks[:, 0] = np.where(chunks[:, 0] == melody.NOTE_OFF, melody.NO_EVENT, chunks[:, 0])
        return chunks

    def decode(self, tokens: np.ndarray, aux: dict[str, np.ndarray] | None, template: Clip | None,
               velocity: int | None, name: str) -> Clip:
        vel = velocity if velocity is not None else template_velocity(template)
        return melody.tokens_to_clip(tokens, template=template, velocity=vel, name=name)


class DrumCodec:
    name = "drums"
    vocab = drums.VOCAB
    silent_token = 0
    aux_shapes = {"velocity": (drums.N_CLASSES,), "offset": (drums.N_CLASSES,)}

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


def template_velocity(template: Clip | None) -> int:
    if template is None or not template.notes:
        return DEFAULT_VELOCITY
    return int(round(float(np.median([n.velocity for n in template.notes]))))


CODECS: dict[str, MelodyCodec | DrumCodec] = {"melody": MelodyCodec(), "drums": DrumCodec()}


def codec_for(representation: str) -> MelodyCodec | DrumCodec:
    try:
        return CODECS[representation]
    except KeyError:
        raise CodecError(f"unknown representation {representation!r}") from None
