"""The polyphonic (piano) representation as a codec: per 16th step, up to 16 notes starting there,
each with pitch, duration and velocity (PianoTree; arrays [T, 16, 3], see :mod:`.poly`).

:class:`PolyChordsCodec` ("poly_chords") is the same piano arrays with the chord of every step as the
condition, exactly as the melody-over-chords codec gives it (data/chord_melody_codec.py: 37 floats a
step; a clip's chord lane, else the chords detected from its notes), for the chord-conditioned piano
model poly_2bar_chords; its corpus is POP909's PIANO tracks with their annotated chords
(data/poly_chords.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from latentcomposer.core import Clip

from . import poly
from .chord_melody_codec import CHORD_DIM, ChordCondition, chord_condition, clip_chords
from .codec_base import (
    CANNOT,
    NATURAL,
    REDUCED,
    AttributeTable,
    Augmenter,
    CodecError,
    Encoded,
    WindowSet,
    transpose_augmenter,
)

PIANO_WORDS = ("PIANO", "KEYS", "ACCOMP", "CHORD", "HARMONY")


def _stat(name: str) -> Any:
    def measure(window: np.ndarray) -> float:
        return float(poly.window_stats(np.asarray(window)[None])[name])
    return measure


def _activity(window: np.ndarray) -> float:
    """Share of steps where at least one note starts."""
    return float((np.asarray(window)[:, 0, poly.PITCH] < poly.PAD).mean())


ATTRIBUTES: AttributeTable = {
    "density": (_stat("density"), "notes per bar"),
    "polyphony": (_stat("notes_per_onset"), "notes per onset: how full the chords are"),
    "register": (_stat("register"), "mean MIDI pitch of the notes"),
    "range": (_stat("range"), "highest minus lowest pitch, semitones"),
    "activity": (_activity, "share of 16th steps where a note starts (rhythmic activity)"),
    "in-key": (_stat("in_key"), "share of notes inside the best-fitting major (or relative minor) scale"),
}


class PolyCodec:
    name = "poly"
    label = "Piano"
    vocab = poly.N_PITCH_CODES
    silent_token = poly.empty_arrays(1)[0].astype(np.int64)  # a silent step [16, 3]: every slot (PAD, 0, 0)
    aux_shapes: dict[str, tuple[int, ...]] = {}
    aux_class_names: tuple[str, ...] = ()
    condition_dim = 0
    pitched = True

    # --- clips ----------------------------------------------------------------------------------
    def fit(self, clip: Clip) -> int:
        if clip.is_drum:
            return CANNOT
        return REDUCED if clip.is_monophonic() else NATURAL

    def choose_clip(self, clips: Sequence[Clip]) -> tuple[Clip, str]:
        """A track named like a piano part; else the pitched tracks merged into one part."""
        pitched = [c for c in clips if not c.is_drum and c.notes]
        if not pitched:
            raise CodecError("no pitched (non-drum) notes")
        for c in pitched:
            if any(w in c.name.upper() for w in PIANO_WORDS):
                return c, f"track '{c.name}'"
        if len(pitched) == 1:
            return pitched[0], f"track '{pitched[0].name}'"
        merged = pitched[0]
        for c in pitched[1:]:
            merged = merged.merge(c)
        return merged.copy(name=pitched[0].name or "piano"), f"{len(pitched)} tracks merged into one part"

    def new_clip(self, tempo: float, name: str) -> Clip:
        return Clip(tempo=tempo, name=name)

    def encode(self, clip: Clip) -> Encoded:
        if clip.is_drum:
            raise CodecError(f"clip '{clip.name}' is drums; this is a piano model")
        arrays, warnings = poly.clip_to_arrays(clip)
        return Encoded(arrays.astype(np.int64), None, [f"clip '{clip.name}': {w}" for w in warnings])

    def fix_chunk_starts(self, chunks: np.ndarray) -> np.ndarray:
        return chunks  # notes are onsets with durations: a chunk never starts inside a token

    def decode(self, tokens: np.ndarray, aux: dict[str, np.ndarray] | None, template: Clip | None,
               velocity: int | None, name: str) -> Clip:
        a = np.array(tokens, copy=True)
        # a decoded note may be longer than what is left of the window: it ends with the clip
        left = len(a) - np.arange(len(a))[:, None]
        dur = a[..., poly.DURATION]
        a[..., poly.DURATION] = np.where(a[..., poly.PITCH] < poly.PAD, np.minimum(dur, left), dur)
        return poly.arrays_to_clip(a, template=template, velocity=velocity, name=name)

    def encode_condition(self, clip: Clip, n_steps: int) -> np.ndarray | None:
        return None

    # --- data -----------------------------------------------------------------------------------
    def corpus_windows(self, split: str, n_bars: int, hop_steps: int = poly.STEPS_PER_BAR) -> WindowSet:
        from latentcomposer.io.progress import ProgressBar

        from .poly_dataset import poly_corpus

        corpus = poly_corpus(progress=ProgressBar("building the piano cache"))
        starts, _, dropped = corpus.window_starts(split, n_bars, max(1, hop_steps // poly.STEPS_PER_BAR))
        wins = corpus.windows(starts, n_bars * poly.STEPS_PER_BAR)
        return WindowSet({"tokens": wins}, {"near empty": dropped},
                         f"POP909 piano + Bach chorales split '{split}'", {"songs": corpus.summary()})

    def clip_windows(self, clips: Sequence[Clip], n_bars: int) -> tuple[dict[str, np.ndarray], int, str]:
        length = n_bars * poly.STEPS_PER_BAR
        try:
            clip, _ = self.choose_clip(clips)
        except CodecError:
            return {"tokens": np.zeros((0, length, poly.MAX_NOTES, 3), np.int64)}, 0, "file has no pitched notes"
        arrays, _ = poly.clip_to_arrays(clip)
        keep, dropped = [], 0
        for s in range(0, len(arrays) - length + 1, poly.STEPS_PER_BAR):
            w = arrays[s:s + length]
            if poly.note_count(w) >= 2 * n_bars:
                keep.append(w)
            else:
                dropped += 1
        wins = np.stack(keep).astype(np.int64) if keep else np.zeros((0, length, poly.MAX_NOTES, 3), np.int64)
        return {"tokens": wins}, dropped, ""

    def augmenter(self, train: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> Augmenter | None:
        return transpose_augmenter(options, poly.transpose_batch)

    # --- attributes -----------------------------------------------------------------------------
    def attributes(self) -> AttributeTable:
        return ATTRIBUTES

    def summary(self, values: dict[str, np.ndarray]) -> dict[str, float]:
        return {"share in one key": float((values["in-key"] >= 0.9).mean())}


class PolyChordsCodec(ChordCondition, PolyCodec):
    """Piano arrays over chords: the chord of every step ([T, 37]) is the condition (see the module)."""

    name = "poly_chords"
    label = "Piano over chords"

    def corpus_windows(self, split: str, n_bars: int, hop_steps: int = poly.STEPS_PER_BAR) -> WindowSet:
        from latentcomposer.io.progress import ProgressBar

        from .poly_chords import chord_window_starts, poly_chords
        from .poly_dataset import poly_corpus

        corpus = poly_corpus(progress=ProgressBar("building the piano cache"))
        chords = poly_chords(corpus)
        starts, _, dropped = chord_window_starts(corpus, chords, split, n_bars,
                                                 max(1, hop_steps // poly.STEPS_PER_BAR))
        n = n_bars * poly.STEPS_PER_BAR
        return WindowSet({"tokens": corpus.windows(starts, n), "condition": chords.condition(starts, n)}, dropped,
                         f"POP909 piano with annotated chords, split '{split}'", {"songs": corpus.summary()})

    def clip_windows(self, clips: Sequence[Clip], n_bars: int) -> tuple[dict[str, np.ndarray], int, str]:
        """A file's piano windows over the chords detected from all its pitched tracks."""
        length = n_bars * poly.STEPS_PER_BAR
        empty: dict[str, np.ndarray] = {"tokens": np.zeros((0, length, poly.MAX_NOTES, 3), np.int64),
                                        "condition": np.zeros((0, length, CHORD_DIM), np.float32)}
        try:
            clip, _ = self.choose_clip(clips)
        except CodecError:
            return empty, 0, "file has no pitched notes"
        arrays, _ = poly.clip_to_arrays(clip)
        pitched = [c for c in clips if not c.is_drum and c.notes]
        merged = pitched[0]
        for c in pitched[1:]:
            merged = merged.merge(c)
        cond = chord_condition(clip_chords(merged, len(arrays)), len(arrays))
        starts = [s for s in range(0, len(arrays) - length + 1, poly.STEPS_PER_BAR)
                  if poly.note_count(arrays[s:s + length]) >= 2 * n_bars]
        dropped = len(range(0, len(arrays) - length + 1, poly.STEPS_PER_BAR)) - len(starts)
        if not starts:
            return empty, dropped, ""
        return ({"tokens": np.stack([arrays[s:s + length] for s in starts]).astype(np.int64),
                 "condition": np.stack([cond[s:s + length] for s in starts])}, dropped, "")

    def augmenter(self, train: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> Augmenter | None:
        """Each window moved with its chords by a random shift in [-r, r] (``transpose_range``); with
        ``encoder_transpose`` the encoder's copy ("enc_tokens", "enc_condition") by another one."""
        from .poly_chords import transpose_with_chords

        r = int(options.get("transpose_range", 0))
        r_enc = int(options.get("encoder_transpose", 0))
        if not r and not r_enc:
            return None

        def transpose(batch: dict[str, np.ndarray], idx: np.ndarray, rng: np.random.Generator
                      ) -> dict[str, np.ndarray]:
            out = dict(batch)
            if r_enc:
                out["enc_tokens"], out["enc_condition"] = transpose_with_chords(
                    batch["tokens"], batch["condition"], rng.integers(-r_enc, r_enc + 1, len(idx)))
            if r:
                out["tokens"], out["condition"] = transpose_with_chords(
                    batch["tokens"], batch["condition"], rng.integers(-r, r + 1, len(idx)))
            return out

        return transpose
