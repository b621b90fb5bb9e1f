"""POP909's annotated chords on the piano corpus's steps, for the chord-conditioned piano model
(poly_2bar_chords, issue 25; the codec is data/poly_codec.py's :class:`~.poly_codec.PolyChordsCodec`).

Each POP909 song of :func:`.poly_dataset.poly_corpus` gets its ``chord_midi.txt`` chords on the same
beat grid its PIANO notes were placed on (:func:`.pop909_chords.chord_track`, the reader the melody
chord corpus uses), as the compact per-step arrays of :func:`.chord_melody_codec.track_arrays` (root,
pitch-class mask, bass) aligned with :attr:`PolyCorpus.arrays`; the chorales have none (every step
"no chord"). The conditioned model trains on POP909 windows only, split by song exactly as the
unconditioned piano models (:func:`.dataset.split_of`), and transposition moves notes and chords
together (:func:`transpose_with_chords`). Cached beside the piano corpus (``poly/poly_chords.npz``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chord_melody_codec import arrays_condition, track_arrays, transpose_condition
from .corpora import SkipCounter, pop909_fingerprint
from .npz_cache import load_fresh, write_npz
from .paths import cache_dir, shared_data_dir
from .poly import STEPS_PER_BAR, allowed_shift, pitch_bounds, transpose_batch
from .poly_dataset import PolyCorpus
from .pop909_chords import AnnotationError, chord_track

POLY_CHORDS_VERSION = 1
MIN_CHORD_SHARE = 0.5  # windows with a chord on fewer of their steps are dropped (intros, outros)


@dataclass
class PolyChords:
    """Per-step chords aligned with a :class:`PolyCorpus` (``root``/``bass`` -1 where there is none)."""

    root: np.ndarray  # int8 [S]
    pcs: np.ndarray  # uint16 [S], bit k = pitch class k
    bass: np.ndarray  # int8 [S]
    skipped: dict[str, int]

    def condition(self, starts: np.ndarray, n_steps: int) -> np.ndarray:
        """The condition [N, n_steps, 37] (float32) of the windows starting at ``starts``."""
        idx = np.asarray(starts, np.int64)[:, None] + np.arange(n_steps)
        return arrays_condition(self.root[idx], self.pcs[idx], self.bass[idx])

    def chord_share(self, starts: np.ndarray, n_steps: int) -> np.ndarray:
        """Share of each window's steps that have a chord."""
        csum = np.concatenate([[0], np.cumsum(self.root >= 0, dtype=np.int64)])
        s = np.asarray(starts, np.int64)
        return (csum[s + n_steps] - csum[s]) / n_steps


def build_poly_chords(corpus: PolyCorpus, data_root: Path | None = None) -> PolyChords:
    """Read every POP909 song's chords of ``corpus`` (``data_root/pop909/<id>/chord_midi.txt``)."""
    data_root = data_root or shared_data_dir()
    n = len(corpus.arrays)
    root, pcs, bass = np.full(n, -1, np.int8), np.zeros(n, np.uint16), np.full(n, -1, np.int8)
    skipped = SkipCounter()
    for i, (src, tune) in enumerate(zip(corpus.sources, corpus.tune_ids, strict=True)):
        if src != "pop909":
            continue
        a, b = int(corpus.offsets[i]), int(corpus.offsets[i + 1])
        try:
            track = chord_track(data_root / "pop909" / tune)
        except AnnotationError:
            skipped.skip("pop909 chord annotation unreadable")
            continue
        root[a:b], pcs[a:b], bass[a:b] = track_arrays(track, b - a)
    return PolyChords(root, pcs, bass, skipped.as_dict())


def _fingerprint(corpus: PolyCorpus, data_root: Path) -> str:
    h = hashlib.sha1(pop909_fingerprint(data_root, f"poly_chords={POLY_CHORDS_VERSION}").encode())
    h.update("\n".join(corpus.tune_ids).encode())
    h.update(np.asarray(corpus.offsets, np.int64).tobytes())
    return h.hexdigest()[:16]


def poly_chords(corpus: PolyCorpus, data_root: Path | None = None, *, rebuild: bool = False) -> PolyChords:
    """The cached chords of ``corpus`` (the piano corpus), (re)built when missing or stale."""
    data_root = data_root or shared_data_dir()
    fp = _fingerprint(corpus, data_root)
    path = cache_dir() / "poly" / "poly_chords.npz"
    cached = load_fresh(path, fp, lambda z, meta: PolyChords(z["root"], z["pcs"], z["bass"], meta["skipped"]),
                        rebuild)
    if cached is not None:
        return cached
    chords = build_poly_chords(corpus, data_root)
    write_npz(path, {"root": chords.root, "pcs": chords.pcs, "bass": chords.bass},
              {"fingerprint": fp, "skipped": chords.skipped, "version": POLY_CHORDS_VERSION})
    return chords


def chord_window_starts(corpus: PolyCorpus, chords: PolyChords, split: str, n_bars: int, hop_bars: int = 1
                        ) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """POP909 windows of ``split`` (bar-aligned, hop ``hop_bars``) that are not near empty and have a
    chord on at least :data:`MIN_CHORD_SHARE` of their steps: (starts [N], song index [N], dropped
    counts by reason)."""
    starts, owners, empty = corpus.window_starts(split, n_bars, hop_bars, source="pop909")
    keep = chords.chord_share(starts, n_bars * STEPS_PER_BAR) >= MIN_CHORD_SHARE
    return starts[keep], owners[keep], {"near empty": empty, "mostly no chord": int((~keep).sum())}


def transpose_with_chords(windows: np.ndarray, condition: np.ndarray, shifts: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Windows [N, T, 16, 3] and their condition [N, T, 37] moved together by ``shifts`` [N] semitones
    (clamped per window so the notes stay on the piano; the chords move by the same clamped shift)."""
    lo, hi = pitch_bounds(windows)
    s = allowed_shift(lo, hi, shifts)
    return transpose_batch(windows, s), transpose_condition(condition, s)
