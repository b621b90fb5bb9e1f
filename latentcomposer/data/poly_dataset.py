"""The polyphonic corpus: POP909 piano accompaniments and the Bach chorales of the music21 corpus,
as :mod:`latentcomposer.data.poly` arrays, cached as one compressed npz.

* **POP909** (Wang et al., ISMIR 2020; MIT): the PIANO track of each song, every note placed on the
  annotated beat grid (``beat_midi.txt``) exactly as :func:`corpora.read_pop909_song` places the
  melody (seconds -> beats by interpolating the beat times, 16th steps, step 0 = the first annotated
  downbeat); songs whose downbeats are not every 4 beats are skipped.
* **Bach chorales** (music21 corpus, ``corpus.getComposer('bach')``; the scores are public domain):
  the four voices (Soprano, Alto, Tenor, Bass; every part when they are not named so) merged into
  one piano part, ties merged, velocity :data:`CHORALE_VELOCITY` (the scores have none). 4/4 only; a
  pickup gets a bar of its own so that step 0 of every later bar is a downbeat; chorales with notes
  off the 16th grid are skipped. Repeats are not expanded.

The cache stores each song's whole array (not windows); :meth:`PolyCorpus.window_starts` indexes
windows of any length in a second. Split by song / chorale with :func:`dataset.split_of`
(90/5/5, the melody corpus's split for the same POP909 songs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from latentcomposer.core import StepNote

from .corpora import SkipCounter, music21_corpus_root, pop909_song_dirs, read_pop909_track
from .dataset import SPLITS, split_of
from .npz_cache import load_fresh, write_npz
from .paths import cache_dir, shared_data_dir
from .poly import MAX_NOTES, PITCH, STEPS_PER_BAR, empty_arrays, pitch_bounds, steps_to_arrays

POLY_CONVERTER_VERSION = 1
CHORALE_VELOCITY = 80
MIN_NOTES_PER_BAR = 2.0  # windows with fewer notes than this per bar (on average) are "near empty"
SATB = ("soprano", "alto", "tenor", "bass")


@dataclass
class PolySong:
    source: str  # "pop909" or "chorale"
    tune_id: str
    arrays: np.ndarray  # uint8 [T, MAX_NOTES, 3], T a multiple of 16
    warnings: list[str]


# --- POP909 ---------------------------------------------------------------------------------------
def read_pop909_piano(song_dir: Path, skipped: SkipCounter, track: str = "PIANO") -> PolySong | None:
    """One POP909 song's ``track`` (all its notes) on the annotated beat grid."""
    steps = read_pop909_track(song_dir, skipped, track)
    if steps is None:
        return None
    if not steps:
        skipped.skip("pop909 no notes")
        return None
    return _song("pop909", song_dir.name, steps, skipped)


def _song(source: str, tune_id: str, steps: list[StepNote], skipped: SkipCounter) -> PolySong:
    end = max(s.start for s in steps) + 1
    n = -(-end // STEPS_PER_BAR) * STEPS_PER_BAR
    arrays, warnings = steps_to_arrays(steps, n)
    for w in warnings:  # "12 note(s) ...": count the kind once per song
        skipped.kept(f"{source}: " + w.split(" ", 1)[1])
    return PolySong(source, tune_id, arrays, warnings)


# --- Bach chorales --------------------------------------------------------------------------------
def chorale_files() -> list[Path]:
    root = music21_corpus_root() / "bach"
    return sorted(p for p in root.iterdir() if p.suffix in (".mxl", ".xml", ".musicxml", ".krn"))


def read_chorale(path: Path, skipped: SkipCounter) -> PolySong | None:
    from music21 import converter

    tune_id = f"bach/{path.stem}"
    try:
        score: Any = converter.parse(str(path))
    except Exception:  # music21 raises many kinds on odd files; count, don't crash the build
        skipped.skip("chorale failed to parse")
        return None
    try:
        return _chorale_to_song(score, tune_id, skipped)
    except Exception:
        skipped.skip("chorale failed to convert")
        return None


def _chorale_to_song(score: Any, tune_id: str, skipped: SkipCounter) -> PolySong | None:
    parts = list(getattr(score, "parts", []))
    if not parts:
        skipped.skip("chorale has no parts")
        return None
    named = [p for p in parts if any(str(p.partName or "").lower().startswith(v) for v in SATB)]
    if len(named) >= 4:
        parts = named
    elif len(parts) != 4:
        skipped.kept("chorale: parts not named S/A/T/B, all merged")
    sigs = {ts.ratioString for ts in score.recurse().getElementsByClass("TimeSignature")}
    if sigs != {"4/4"}:
        skipped.skip("chorale metre " + ("changes" if len(sigs) > 1 else (next(iter(sigs)) if sigs else "none")))
        return None
    measures = list(parts[0].getElementsByClass("Measure"))
    pickup = 0.0
    if measures and float(measures[0].duration.quarterLength) < 4.0 - 1e-6:
        pickup = float(measures[0].duration.quarterLength)
    # onsets in quarters from the score start; the first full bar starts at `pickup`
    offset_steps = STEPS_PER_BAR if pickup > 0 else 0
    steps: list[StepNote] = []
    for part in parts:
        for el in part.stripTies().flatten().notes:
            if el.duration.isGrace or el.quarterLength == 0:
                continue
            start_q = float(el.offset)
            start, dur = (start_q - pickup) * 4 + offset_steps, float(el.quarterLength) * 4
            if abs(start - round(start)) > 1e-6 or abs(dur - round(dur)) > 1e-6:
                skipped.skip("chorale notes off the 16th grid")
                return None
            for p in el.pitches:
                s = round(start)
                if s >= 0:
                    steps.append(StepNote(int(p.midi), s, s + max(1, round(dur)), CHORALE_VELOCITY))
    if not steps:
        skipped.skip("chorale has no notes")
        return None
    return _song("chorale", tune_id, steps, skipped)


def _read_chorale_worker(path: str) -> tuple[tuple[str, str, bytes, int, list[str]] | None, dict[str, int]]:
    sk = SkipCounter()
    song = read_chorale(Path(path), sk)
    if song is None:
        return None, sk.as_dict()
    return (song.source, song.tune_id, song.arrays.tobytes(), len(song.arrays), song.warnings), sk.as_dict()


# --- the corpus -----------------------------------------------------------------------------------
def full_windows(offsets: np.ndarray, songs: list[int], n_bars: int, hop_bars: int,
                 needs: list[tuple[np.ndarray, float]]) -> tuple[np.ndarray, np.ndarray, int]:
    """Windows of ``n_bars`` bars (hop ``hop_bars``) in ``songs`` of a concatenated corpus (song i at
    ``offsets[i]:offsets[i + 1]``) that are not near empty: for every ``(count per step, minimum per
    bar)`` in ``needs`` the window's count reaches the minimum times ``n_bars``. Returns (start index
    [N] int64, song index [N], number of windows dropped)."""
    length, hop = n_bars * STEPS_PER_BAR, hop_bars * STEPS_PER_BAR
    csums = [(np.concatenate([[0], np.cumsum(c.astype(np.int64))]), need) for c, need in needs]
    starts: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    dropped = 0
    for i in songs:
        a, b = int(offsets[i]), int(offsets[i + 1])
        if b - a < length:
            continue
        s = np.arange(a, b - length + 1, hop, dtype=np.int64)
        keep = np.ones(len(s), bool)
        for csum, need in csums:
            keep &= (csum[s + length] - csum[s]) >= need * n_bars
        dropped += int((~keep).sum())
        starts.append(s[keep])
        owners.append(np.full(int(keep.sum()), i, np.int64))
    if not starts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), dropped
    return np.concatenate(starts), np.concatenate(owners), dropped


@dataclass
class PolyCorpus:
    arrays: np.ndarray  # uint8 [total steps, MAX_NOTES, 3], all songs concatenated
    offsets: np.ndarray  # int64 [n_songs + 1]
    sources: list[str]
    tune_ids: list[str]
    splits: list[str]
    skipped: dict[str, int]

    def __len__(self) -> int:
        return len(self.tune_ids)

    def song(self, i: int) -> np.ndarray:
        return self.arrays[self.offsets[i]:self.offsets[i + 1]]

    def songs_in(self, split: str, source: str | None = None) -> list[int]:
        return [i for i, s in enumerate(self.splits) if s == split and (source is None or self.sources[i] == source)]

    def window_starts(self, split: str, n_bars: int, hop_bars: int = 1, source: str | None = None,
                      min_notes_per_bar: float = MIN_NOTES_PER_BAR) -> tuple[np.ndarray, np.ndarray, int]:
        """Windows of ``n_bars`` bars (hop ``hop_bars``) in the songs of ``split``: (start index into
        :attr:`arrays` [N] int64, song index [N], number of near-empty windows dropped)."""
        notes_per_step = (self.arrays[..., PITCH] < 128).sum(-1)
        return full_windows(self.offsets, self.songs_in(split, source), n_bars, hop_bars,
                            [(notes_per_step, min_notes_per_bar)])

    def windows(self, starts: np.ndarray, n_steps: int) -> np.ndarray:
        """The windows ``[N, n_steps, MAX_NOTES, 3]`` starting at ``starts``."""
        idx = np.asarray(starts, np.int64)[:, None] + np.arange(n_steps)
        return self.arrays[idx]

    def summary(self) -> dict[str, Any]:
        by: dict[str, dict[str, int]] = {}
        for src, sp in zip(self.sources, self.splits, strict=True):
            by.setdefault(src, {s: 0 for s in SPLITS})[sp] += 1
        return {"songs": len(self), "by_source_and_split": by, "skipped": self.skipped,
                "steps": int(len(self.arrays)), "notes": int((self.arrays[..., PITCH] < 128).sum())}


def _fingerprint(data_root: Path) -> str:
    h = hashlib.sha1(f"poly={POLY_CONVERTER_VERSION}".encode())
    for f in chorale_files():
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    pop = data_root / "pop909"
    if pop.is_dir():
        for d in pop909_song_dirs(pop):
            for name in (f"{d.name}.mid", "beat_midi.txt"):
                p = d / name
                h.update(f"{d.name}/{name}:{p.stat().st_size if p.exists() else -1}".encode())
    return h.hexdigest()[:16]


def build_poly_corpus(data_root: Path | None = None, progress: Callable[[int, int, str], None] | None = None,
                      workers: int = 2, chorales: bool = True, max_songs: int | None = None) -> PolyCorpus:
    data_root = data_root or shared_data_dir()
    skipped = SkipCounter()
    songs: list[PolySong] = []
    pop_dirs = pop909_song_dirs(data_root / "pop909") if (data_root / "pop909").is_dir() else []
    files = chorale_files() if chorales else []
    if max_songs is not None:
        pop_dirs, files = pop_dirs[:max_songs], files[:max_songs]
    total, done = len(pop_dirs) + len(files), 0
    for d in pop_dirs:
        s = read_pop909_piano(d, skipped)
        if s is not None:
            songs.append(s)
        done += 1
        if progress:
            progress(done, total, f"pop909/{d.name}")
    if files:
        with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
            for f, (item, sk) in zip(files, pool.map(_read_chorale_worker, [str(f) for f in files]), strict=True):
                skipped.counts.update(sk)
                if item is not None:
                    src, tid, raw, n, warns = item
                    arr = np.frombuffer(raw, dtype=np.uint8).reshape(n, MAX_NOTES, 3).copy()
                    songs.append(PolySong(src, tid, arr, warns))
                done += 1
                if progress:
                    progress(done, total, f.name)
    lengths = np.array([len(s.arrays) for s in songs], dtype=np.int64)
    return PolyCorpus(
        arrays=np.concatenate([s.arrays for s in songs]) if songs else empty_arrays(0),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        sources=[s.source for s in songs], tune_ids=[s.tune_id for s in songs],
        splits=[split_of(s.source, s.tune_id) for s in songs], skipped=skipped.as_dict())


def save_poly_corpus(corpus: PolyCorpus, path: Path, fingerprint: str) -> None:
    meta = {"fingerprint": fingerprint, "sources": corpus.sources, "tune_ids": corpus.tune_ids,
            "splits": corpus.splits, "skipped": corpus.skipped, "converter_version": POLY_CONVERTER_VERSION}
    write_npz(path, {"arrays": corpus.arrays, "offsets": corpus.offsets}, meta)


def _poly_corpus_from_npz(z: dict[str, np.ndarray], meta: dict[str, Any]) -> PolyCorpus:
    return PolyCorpus(z["arrays"], z["offsets"], meta["sources"], meta["tune_ids"], meta["splits"], meta["skipped"])


def poly_corpus_path() -> Path:
    return cache_dir() / "poly" / "poly_corpus.npz"


def poly_corpus(data_root: Path | None = None, *, rebuild: bool = False,
                progress: Callable[[int, int, str], None] | None = None, workers: int = 2) -> PolyCorpus:
    """The cached corpus, (re)built when missing, stale (fingerprint of the files) or ``rebuild``."""
    data_root = data_root or shared_data_dir()
    fp = _fingerprint(data_root)
    path = poly_corpus_path()
    corpus = load_fresh(path, fp, _poly_corpus_from_npz, rebuild)
    if corpus is None:
        corpus = build_poly_corpus(data_root, progress, workers=workers)
        save_poly_corpus(corpus, path, fp)
    return corpus


def window_pitch_bounds(corpus: PolyCorpus, starts: np.ndarray, n_steps: int,
                        chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Lowest/highest pitch of each window (for transposition that keeps notes on the piano)."""
    los, his = [], []
    for i in range(0, len(starts), chunk):
        lo, hi = pitch_bounds(corpus.windows(starts[i:i + chunk], n_steps))
        los.append(lo)
        his.append(hi)
    if not los:
        return np.zeros(0, np.int16), np.zeros(0, np.int16)
    return np.concatenate(los), np.concatenate(his)
