"""Three streams of a POP909 song on its annotated beat grid: melody, bass and accompaniment (issue 24).

* **melody**: the MELODY track, its highest voice (:func:`corpora.read_pop909_track`, as the melody
  corpus reads it), as melody tokens (:mod:`.melody`, 130 per step);
* **bass**: the PIANO track's lowest notes (:func:`split_bass`), as melody tokens;
* **accompaniment**: the rest of the PIANO track, as piano arrays (:mod:`.poly`, ``[T, 16, 3]``).

Every note goes on the grid exactly as the piano corpus places it (:func:`corpora.clip_step_notes`).

:func:`split_bass` partitions the piano's notes: nothing is lost or doubled (bass + accompaniment
are the piano's notes). A note is bass when it is the lowest of the notes starting on its step and no
note still held from earlier steps is lower; so whenever a bass note sounds no piano note sounds
below it -- once the bass line is read as one voice, in which a bass note ends where the next one
starts (a held bass note under a new, lower one is cut there: the one reduction, as any melody).

The model's per-step array packs the streams (:mod:`.trio_codec`); this module holds the corpus:
one compressed npz in the user cache (:mod:`.npz_cache` format), the songs' packed arrays, split by
song with :func:`dataset.split_of` (the same split as the melody, chord-melody and piano corpora for
the same POP909 songs), windows of any length indexed in a second, and transposition of all streams
together. It also keeps each step's annotated chord root (``chord_midi.txt``) for the cross-stream
figure :func:`bass_root_share` (how often the bass plays the chord's root).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from latentcomposer.core import StepNote

from . import melody, poly
from .corpora import SkipCounter, pop909_fingerprint, pop909_song_dirs, read_pop909_track
from .dataset import SPLITS, split_of
from .npz_cache import load_fresh, write_npz
from .paths import cache_dir, shared_data_dir
from .poly_dataset import full_windows

STREAMS = ("melody", "bass", "accompaniment")
TRIO_CORPUS_VERSION = 2  # 2: the annotated chord root of every step
MONO_ROWS = {"melody": 0, "bass": 1}  # token streams: one row of the packed step (the token in column 0)
ACC_ROWS = slice(2, 2 + poly.MAX_NOTES)  # the accompaniment's 16 note slots
STEP_ROWS = 2 + poly.MAX_NOTES
PITCH_LIMIT = 128  # in column 0 of every row a value below this is a pitch (note-on / note slot)
# windows: at least this many notes per bar (accompaniment) and note onsets per bar (melody, bass)
MIN_ACC_NOTES_PER_BAR = 2.0
MIN_MONO_ONSETS_PER_BAR = 0.5


class _Timed(Protocol):
    @property
    def pitch(self) -> int: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


N = TypeVar("N", bound=_Timed)


def split_bass(notes: Sequence[N]) -> tuple[list[N], list[N]]:
    """(bass, accompaniment): a partition of ``notes`` (StepNotes or Notes, any time unit); see the
    module doc. Each list in time order (start, then pitch)."""
    order = sorted(range(len(notes)), key=lambda i: (notes[i].start, notes[i].pitch))
    held: list[tuple[int, int]] = []  # (pitch, end) of the notes started on earlier onsets, still sounding
    bass: list[N] = []
    acc: list[N] = []
    i = 0
    while i < len(order):
        t = notes[order[i]].start
        j = i
        while j < len(order) and notes[order[j]].start == t:
            j += 1
        held = [(p, e) for p, e in held if e > t]
        lowest = notes[order[i]].pitch
        is_bass = all(p >= lowest for p, _ in held)
        for k in range(i, j):
            n = notes[order[k]]
            (bass if is_bass and k == i else acc).append(n)
            held.append((n.pitch, n.end))
        i = j
    return bass, acc


# --- packing --------------------------------------------------------------------------------------
def silent_step() -> np.ndarray:
    """One silent packed step [STEP_ROWS, 3] (uint8)."""
    out = np.zeros((STEP_ROWS, 3), np.uint8)
    out[:, 0] = poly.PAD
    out[0, 0] = out[1, 0] = melody.NO_EVENT
    return out


def pack(melody_tokens: np.ndarray, bass_tokens: np.ndarray, accompaniment: np.ndarray) -> np.ndarray:
    """[T] + [T] + [T, 16, 3] -> [T, STEP_ROWS, 3] (dtype of the accompaniment's arrays, widened if needed)."""
    t = len(accompaniment)
    out = np.zeros((t, STEP_ROWS, 3), np.result_type(accompaniment.dtype, melody_tokens.dtype, bass_tokens.dtype))
    out[:, 0, 0] = melody_tokens
    out[:, 1, 0] = bass_tokens
    out[:, ACC_ROWS] = accompaniment
    return out


def unpack(packed: np.ndarray) -> dict[str, np.ndarray]:
    """[..., T, STEP_ROWS, 3] -> {"melody": [..., T], "bass": [..., T], "accompaniment": [..., T, 16, 3]}."""
    a = np.asarray(packed)
    return {"melody": a[..., 0, 0], "bass": a[..., 1, 0], "accompaniment": a[..., ACC_ROWS, :]}


def fix_window_starts(windows: np.ndarray) -> np.ndarray:
    """A window cannot start by ending a note it does not hold: the token streams' leading NOTE_OFF
    becomes a rest (in place; returned)."""
    for row in MONO_ROWS.values():
        first = windows[..., 0, row, 0]
        first[...] = np.where(first == melody.NOTE_OFF, melody.NO_EVENT, first)
    return windows


def pitch_bounds(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest pitch of each packed window [..., T, STEP_ROWS, 3] over all streams
    (int16; a window without notes gets (128, -1))."""
    p = np.asarray(windows)[..., 0].astype(np.int16)
    flat = p.reshape(*p.shape[:-2], -1)
    notes = flat < PITCH_LIMIT
    return np.where(notes, flat, PITCH_LIMIT).min(-1), np.where(notes, flat, -1).max(-1)


def transpose_windows(windows: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Packed windows [N, T, STEP_ROWS, 3], every stream of window i moved by ``shifts[i]`` semitones
    (clamped per window so that every note stays on the piano, 21-108: :func:`poly.allowed_shift`)."""
    lo, hi = pitch_bounds(windows)
    s = poly.allowed_shift(lo, hi, shifts).reshape(-1, 1, 1)
    p = windows[..., 0].astype(np.int16)
    out = np.array(windows, copy=True)
    out[..., 0] = np.where(p < PITCH_LIMIT, p + s, p).astype(windows.dtype)
    return out


def stream_counts(windows: np.ndarray) -> dict[str, np.ndarray]:
    """Note onsets per stream of packed windows [..., T, STEP_ROWS, 3] -> {stream: [...]}."""
    parts = unpack(windows)
    return {"melody": (parts["melody"] < melody.NOTE_OFF).sum(-1), "bass": (parts["bass"] < melody.NOTE_OFF).sum(-1),
            "accompaniment": poly.note_count(parts["accompaniment"])}


# --- songs ----------------------------------------------------------------------------------------
@dataclass
class TrioSong:
    tune_id: str
    melody: list[StepNote]  # the melody's notes on the grid (its highest voice)
    bass: list[StepNote]  # the piano's bass notes (split_bass)
    accompaniment: list[StepNote]  # the rest of the piano's notes
    n_steps: int  # whole bars covering every onset

    def packed(self) -> tuple[np.ndarray, list[str]]:
        """[n_steps, STEP_ROWS, 3] uint8 and what the grid reduced (the accompaniment's warnings)."""
        mel = melody.steps_to_tokens(self.melody, self.n_steps)
        bass = melody.steps_to_tokens(self.bass, self.n_steps)
        acc, warnings = poly.steps_to_arrays(self.accompaniment, self.n_steps)
        return pack(mel, bass, acc).astype(np.uint8), warnings


def read_trio_song(song_dir: Path, skipped: SkipCounter) -> TrioSong | None:
    """One POP909 song's three streams on its beat grid (None, with the reason counted, when its
    MELODY or PIANO track is missing or it is not in 4/4)."""
    mel = read_pop909_track(song_dir, skipped, "MELODY", monophonic=True)
    if mel is None:
        return None
    piano = read_pop909_track(song_dir, skipped, "PIANO")
    if piano is None:
        return None
    if not mel or not piano:
        skipped.skip("pop909 no notes")
        return None
    end = max(s.start for s in [*mel, *piano]) + 1
    bass, acc = split_bass(piano)
    return TrioSong(song_dir.name, mel, bass, acc, -(-end // poly.STEPS_PER_BAR) * poly.STEPS_PER_BAR)


# --- the corpus -----------------------------------------------------------------------------------
@dataclass
class TrioCorpus:
    arrays: np.ndarray  # uint8 [total steps, STEP_ROWS, 3], all songs concatenated
    offsets: np.ndarray  # int64 [n_songs + 1]
    tune_ids: list[str]
    splits: list[str]
    skipped: dict[str, int]
    roots: np.ndarray  # int8 [total steps]: the annotated chord's root (pitch class), -1 = no chord

    def __len__(self) -> int:
        return len(self.tune_ids)

    def song(self, i: int) -> np.ndarray:
        return self.arrays[self.offsets[i]:self.offsets[i + 1]]

    def songs_in(self, split: str) -> list[int]:
        return [i for i, s in enumerate(self.splits) if s == split]

    def window_starts(self, split: str, n_bars: int, hop_bars: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
        """Windows of ``n_bars`` bars (hop ``hop_bars``) in the songs of ``split`` that have at least
        :data:`MIN_ACC_NOTES_PER_BAR` accompaniment notes and :data:`MIN_MONO_ONSETS_PER_BAR` melody
        and bass onsets per bar: (start index into :attr:`arrays` [N], song index [N], windows dropped)."""
        per_step = stream_counts(self.arrays[:, None])
        need = {"melody": MIN_MONO_ONSETS_PER_BAR, "bass": MIN_MONO_ONSETS_PER_BAR,
                "accompaniment": MIN_ACC_NOTES_PER_BAR}
        return full_windows(self.offsets, self.songs_in(split), n_bars, hop_bars,
                            [(v, need[k]) for k, v in per_step.items()])

    def windows(self, starts: np.ndarray, n_steps: int) -> np.ndarray:
        """Packed windows [N, n_steps, STEP_ROWS, 3] (uint8) starting at ``starts``."""
        idx = np.asarray(starts, np.int64)[:, None] + np.arange(n_steps)
        return fix_window_starts(self.arrays[idx])

    def window_roots(self, starts: np.ndarray, n_steps: int) -> np.ndarray:
        """The annotated chord roots [N, n_steps] (int8, -1 = no chord) of the windows at ``starts``."""
        return self.roots[np.asarray(starts, np.int64)[:, None] + np.arange(n_steps)]

    def summary(self) -> dict[str, Any]:
        by = {s: 0 for s in SPLITS}
        for sp in self.splits:
            by[sp] += 1
        counts = stream_counts(self.arrays[None])
        return {"songs": len(self), "by_split": by, "skipped": self.skipped, "steps": int(len(self.arrays)),
                "notes": {k: int(v.sum()) for k, v in counts.items()}}


def build_trio_corpus(data_root: Path | None = None, progress: Callable[[int, int, str], None] | None = None,
                      max_songs: int | None = None) -> TrioCorpus:
    data_root = data_root or shared_data_dir()
    pop = data_root / "pop909"
    dirs = pop909_song_dirs(pop) if pop.is_dir() else []
    dirs = dirs[:max_songs] if max_songs is not None else dirs
    skipped = SkipCounter()
    arrays: list[np.ndarray] = []
    roots: list[np.ndarray] = []
    ids: list[str] = []
    for k, d in enumerate(dirs):
        song = read_trio_song(d, skipped)
        if song is not None:
            packed, warnings = song.packed()
            for w in warnings:
                skipped.kept("accompaniment: " + w.split(" ", 1)[1])
            arrays.append(packed)
            roots.append(_song_roots(d, len(packed), skipped))
            ids.append(song.tune_id)
        if progress:
            progress(k + 1, len(dirs), f"pop909/{d.name}")
    lengths = np.array([len(a) for a in arrays], np.int64)
    return TrioCorpus(np.concatenate(arrays) if arrays else np.zeros((0, STEP_ROWS, 3), np.uint8),
                      np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), ids,
                      [split_of("pop909", i) for i in ids], skipped.as_dict(),
                      np.concatenate(roots) if roots else np.zeros(0, np.int8))


def _song_roots(song_dir: Path, n_steps: int, skipped: SkipCounter) -> np.ndarray:
    from .chord_melody_codec import track_arrays
    from .pop909_chords import AnnotationError, chord_track

    try:
        return track_arrays(chord_track(song_dir), n_steps)[0]
    except (AnnotationError, OSError, ValueError):
        skipped.kept("pop909 chord annotation unreadable (no roots)")
        return np.full(n_steps, -1, np.int8)


def bass_root_share(windows: np.ndarray, roots: np.ndarray) -> float:
    """Cross-stream coherence: the share of bass onsets (in steps with an annotated chord) whose pitch
    class is the chord's root. ``windows`` packed [N, T, STEP_ROWS, 3], ``roots`` [N, T] (-1: no chord)."""
    bass = np.asarray(windows)[..., MONO_ROWS["bass"], 0].astype(np.int64)
    r = np.asarray(roots).astype(np.int64)
    on = (bass < melody.NOTE_OFF) & (r >= 0)
    return float((bass[on] % 12 == r[on]).mean()) if on.any() else float("nan")


def _fingerprint(data_root: Path) -> str:
    return pop909_fingerprint(data_root, f"trio={TRIO_CORPUS_VERSION}")


def trio_corpus_path() -> Path:
    return cache_dir() / "trio" / "trio_corpus.npz"


def save_trio_corpus(corpus: TrioCorpus, path: Path, fingerprint: str) -> None:
    meta = {"fingerprint": fingerprint, "tune_ids": corpus.tune_ids, "splits": corpus.splits,
            "skipped": corpus.skipped, "version": TRIO_CORPUS_VERSION}
    write_npz(path, {"arrays": corpus.arrays, "offsets": corpus.offsets, "roots": corpus.roots}, meta)


def _trio_corpus_from_npz(z: dict[str, np.ndarray], meta: dict[str, Any]) -> TrioCorpus:
    return TrioCorpus(z["arrays"], z["offsets"], meta["tune_ids"], meta["splits"], meta["skipped"], z["roots"])


def trio_corpus(data_root: Path | None = None, *, rebuild: bool = False,
                progress: Callable[[int, int, str], None] | None = None) -> TrioCorpus:
    """The cached corpus, (re)built when missing, stale (names and sizes of the files) or ``rebuild``."""
    data_root = data_root or shared_data_dir()
    fp = _fingerprint(data_root)
    path = trio_corpus_path()
    corpus = load_fresh(path, fp, _trio_corpus_from_npz, rebuild)
    if corpus is None:
        corpus = build_trio_corpus(data_root, progress)
        save_trio_corpus(corpus, path, fp)
    return corpus
