"""The melody representation as a codec: 130 tokens per 16th step (MusicVAE's monophonic melody)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from latentcomposer.core import Clip

from . import melody
from .attributes import ATTRIBUTES
from .codec_base import (
    NATURAL,
    REDUCED,
    AttributeTable,
    Augmenter,
    CodecError,
    Encoded,
    WindowSet,
    template_velocity,
)

PITCH_LO, PITCH_HI = 21, 108  # transposition keeps melodies on a piano
# melodies whose notes are at least this share inside one major scale count as "in one key"
IN_KEY_THRESHOLD = 0.9


def pitch_bounds(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest note of every window [N, T] (lo > hi for a window without notes)."""
    notes = windows < melody.NOTE_OFF
    lo = np.where(notes, windows, 255).min(axis=1).astype(np.int16)
    hi = np.where(notes, windows, 0).max(axis=1).astype(np.int16)
    return lo, hi


def random_shifts(lo: np.ndarray, hi: np.ndarray, span: int, rng: np.random.Generator) -> np.ndarray:
    """One random number of semitones in [-span, span] per window that keeps the window (lowest note
    ``lo``, highest ``hi``) on a piano; 0 for a window without notes (lo > hi)."""
    down = np.minimum(span, np.maximum(0, lo - PITCH_LO))
    up = np.minimum(span, np.maximum(0, PITCH_HI - hi))
    shift = np.floor(rng.random(len(lo)) * (down + up + 1)).astype(np.int16) - down
    return np.where(lo > hi, 0, shift)


def shift_tokens(tokens: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Melody tokens [N, T] moved by ``shift`` [N] semitones (note-offs and rests stay)."""
    x = tokens.astype(np.int16)
    return np.where(x < melody.NOTE_OFF, x + shift[:, None], x)


class MelodyCodec:
    name = "melody"
    label = "Melody"
    vocab = melody.VOCAB
    silent_token = melody.NO_EVENT
    aux_shapes: dict[str, tuple[int, ...]] = {}
    aux_class_names: tuple[str, ...] = ()
    condition_dim = 0
    pitched = True

    # --- clips ----------------------------------------------------------------------------------
    def fit(self, clip: Clip) -> int:
        if clip.is_drum:
            return 0
        return NATURAL if clip.is_monophonic() else REDUCED

    def choose_clip(self, clips: Sequence[Clip]) -> tuple[Clip, str]:
        from .midi_windows import choose_melody

        try:
            return choose_melody(clips)
        except ValueError as exc:
            raise CodecError(f"no melody to read: {exc}") from None

    def new_clip(self, tempo: float, name: str) -> Clip:
        return Clip(tempo=tempo, name=name)

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

    def encode_condition(self, clip: Clip, n_steps: int) -> np.ndarray | None:
        return None

    # --- data -----------------------------------------------------------------------------------
    def corpus_windows(self, split: str, n_bars: int, hop_steps: int = melody.STEPS_PER_BAR) -> WindowSet:
        from latentcomposer.io.progress import ProgressBar

        from .dataset import melody_corpus

        corpus = melody_corpus(progress=ProgressBar("building the melody cache"))
        wins, _, dropped = corpus.windows(split, n_bars, max(1, hop_steps // melody.STEPS_PER_BAR))
        return WindowSet({"tokens": wins}, dropped, f"built-in split '{split}'", {"tunes": corpus.summary()})

    def clip_windows(self, clips: Sequence[Clip], n_bars: int) -> tuple[dict[str, np.ndarray], int, str]:
        from .midi_windows import windows_from_tokens

        try:
            mel, _ = self.choose_clip(clips)
        except CodecError:
            return {"tokens": np.zeros((0, n_bars * melody.STEPS_PER_BAR), np.int64)}, 0, "file has no pitched notes"
        wins, dropped = windows_from_tokens(melody.clip_to_tokens(mel), n_bars)
        return {"tokens": wins.astype(np.int64)}, dropped, ""

    def augmenter(self, train: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> Augmenter | None:
        r = int(options.get("transpose_range", 0))
        if not r:
            return None
        lo_all, hi_all = pitch_bounds(np.asarray(train["tokens"]))

        def transpose(batch: dict[str, np.ndarray], idx: np.ndarray, rng: np.random.Generator
                      ) -> dict[str, np.ndarray]:
            """Each window moved by a random number of semitones in [-r, r] that keeps it on a piano."""
            return {**batch, "tokens": shift_tokens(batch["tokens"], random_shifts(lo_all[idx], hi_all[idx], r, rng))}

        return transpose

    # --- attributes -----------------------------------------------------------------------------
    def attributes(self) -> AttributeTable:
        return ATTRIBUTES

    def summary(self, values: dict[str, np.ndarray]) -> dict[str, float]:
        return {"share in one key": float((values["in-key"] >= IN_KEY_THRESHOLD).mean())}
