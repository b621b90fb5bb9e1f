"""The melody corpus cache and its windows.

The cache stores every tune's token sequence (not windows), its source and its split, in one npz
under the user cache dir; windows of any length are cut from it in a second. It is rebuilt when the
converter version or the data files change (a fingerprint of names and sizes).

Split: by tune (never by window), deterministic from a hash of ``source/tune_id``: 90 % train,
5 % validation, 5 % test. The test split is never used by training.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .corpora import (
    SkipCounter,
    Tune,
    folk_files,
    pop909_song_dirs,
    read_folk_file,
    read_pop909_song,
)
from .melody import NO_EVENT, NOTE_OFF, STEPS_PER_BAR, sounding_ratio
from .npz_cache import load_fresh, write_npz
from .paths import cache_dir, shared_data_dir

CONVERTER_VERSION = 4  # 4: folk repeats expanded
SPLITS = ("train", "valid", "test")
SPLIT_FRACTIONS = (0.90, 0.05, 0.05)
MIN_SOUNDING = 0.5  # windows where notes sound less than half the time are "mostly rests"


def split_of(source: str, tune_id: str) -> str:
    h = int.from_bytes(hashlib.sha1(f"{source}/{tune_id}".encode()).digest()[:8], "big") / 2**64
    if h < SPLIT_FRACTIONS[0]:
        return "train"
    return "valid" if h < SPLIT_FRACTIONS[0] + SPLIT_FRACTIONS[1] else "test"


@dataclass
class MelodyCorpus:
    tokens: np.ndarray  # uint8, all tunes concatenated
    offsets: np.ndarray  # int64 [n_tunes + 1]
    sources: list[str]
    tune_ids: list[str]
    splits: list[str]
    skipped: dict[str, int]

    def __len__(self) -> int:
        return len(self.tune_ids)

    def tune_tokens(self, i: int) -> np.ndarray:
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]

    def tunes_in(self, split: str, sources: tuple[str, ...] | None = None) -> list[int]:
        return [i for i, s in enumerate(self.splits)
                if s == split and (sources is None or any(self.sources[i].startswith(p) for p in sources))]

    def windows(self, split: str, n_bars: int, hop_bars: int = 1, *, dedupe: bool = True,
                min_sounding: float = MIN_SOUNDING) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """Windows of ``n_bars`` bars (hop ``hop_bars``) from the tunes of ``split``.

        Returns (windows uint8 [N, n_bars*16], tune index of each window, counts of dropped windows).
        A window may not start with a held note (its first step is made NO_EVENT -> a rest).
        """
        length = n_bars * STEPS_PER_BAR
        hop = hop_bars * STEPS_PER_BAR
        out: list[np.ndarray] = []
        owner: list[int] = []
        dropped = {"mostly rests": 0, "duplicate": 0}
        for i in self.tunes_in(split):
            toks = self.tune_tokens(i)
            if len(toks) < length:
                continue
            starts = np.arange(0, len(toks) - length + 1, hop)
            wins = np.stack([toks[s:s + length] for s in starts])
            wins[:, 0] = np.where(wins[:, 0] == NOTE_OFF, NO_EVENT, wins[:, 0])
            keep = sounding_ratio(wins) >= min_sounding
            dropped["mostly rests"] += int((~keep).sum())
            wins = wins[keep]
            if dedupe and len(wins):
                _, first = np.unique(wins, axis=0, return_index=True)
                dropped["duplicate"] += len(wins) - len(first)
                wins = wins[np.sort(first)]
            out.append(wins)
            owner.extend([i] * len(wins))
        if not out:
            return np.zeros((0, length), np.uint8), np.zeros(0, np.int64), dropped
        return np.concatenate(out), np.asarray(owner, np.int64), dropped

    def summary(self) -> dict[str, object]:
        by: dict[str, dict[str, int]] = {}
        for src, sp in zip(self.sources, self.splits, strict=True):
            key = src.split(":")[0]
            by.setdefault(key, {s: 0 for s in SPLITS})[sp] += 1
        return {"tunes": len(self), "by_source_and_split": by, "skipped": self.skipped,
                "steps": int(len(self.tokens))}


def _fingerprint(data_root: Path) -> str:
    h = hashlib.sha1(f"converter={CONVERTER_VERSION}".encode())
    for f in folk_files():
        h.update(f"{f.parent.name}/{f.name}:{f.stat().st_size}".encode())
    pop = data_root / "pop909"
    if pop.is_dir():
        for d in pop909_song_dirs(pop):
            for name in (f"{d.name}.mid", "beat_midi.txt"):
                p = d / name
                h.update(f"{d.name}/{name}:{p.stat().st_size if p.exists() else -1}".encode())
    return h.hexdigest()[:16]


def _read_folk_worker(path: str) -> tuple[list[tuple[str, str, str, bytes]], dict[str, int]]:
    sk = SkipCounter()
    tunes = [(t.source, t.tune_id, t.title, t.tokens.tobytes()) for t in read_folk_file(Path(path), sk)]
    return tunes, sk.as_dict()


def build_corpus(data_root: Path | None = None, progress: Callable[[int, int, str], None] | None = None,
                 workers: int = 2) -> MelodyCorpus:
    """Parse every source (folk via music21 in ``workers`` processes, POP909 here)."""
    data_root = data_root or shared_data_dir()
    skipped = SkipCounter()
    tunes: list[Tune] = []
    files = folk_files()
    pop_dirs = pop909_song_dirs(data_root / "pop909") if (data_root / "pop909").is_dir() else []
    total = len(files) + len(pop_dirs)
    done = 0
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        for f, (items, sk) in zip(files, pool.map(_read_folk_worker, [str(f) for f in files]), strict=True):
            for src, tid, title, raw in items:
                tunes.append(Tune(src, tid, title, np.frombuffer(raw, dtype=np.uint8).copy()))
            skipped.counts.update(sk)
            done += 1
            if progress:
                progress(done, total, f.name)
    for d in pop_dirs:
        t = read_pop909_song(d, skipped)
        if t is not None:
            tunes.append(t)
        done += 1
        if progress:
            progress(done, total, f"pop909/{d.name}")
    lengths = np.array([len(t.tokens) for t in tunes], dtype=np.int64)
    return MelodyCorpus(
        tokens=np.concatenate([t.tokens for t in tunes]) if tunes else np.zeros(0, np.uint8),
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
        sources=[t.source for t in tunes], tune_ids=[t.tune_id for t in tunes],
        splits=[split_of(t.source, t.tune_id) for t in tunes], skipped=skipped.as_dict())


def save_corpus(corpus: MelodyCorpus, path: Path, fingerprint: str) -> None:
    meta = {"fingerprint": fingerprint, "sources": corpus.sources, "tune_ids": corpus.tune_ids,
            "splits": corpus.splits, "skipped": corpus.skipped, "converter_version": CONVERTER_VERSION}
    write_npz(path, {"tokens": corpus.tokens, "offsets": corpus.offsets}, meta)


def _corpus_from_npz(z: dict[str, np.ndarray], meta: dict[str, Any]) -> MelodyCorpus:
    return MelodyCorpus(z["tokens"], z["offsets"], meta["sources"], meta["tune_ids"], meta["splits"],
                        meta["skipped"])


def melody_corpus(data_root: Path | None = None, *, rebuild: bool = False,
                  progress: Callable[[int, int, str], None] | None = None) -> MelodyCorpus:
    """The cached corpus, (re)built when missing, stale (fingerprint) or ``rebuild``."""
    data_root = data_root or shared_data_dir()
    fp = _fingerprint(data_root)
    path = cache_dir() / "data" / "melody_corpus.npz"
    corpus = load_fresh(path, fp, _corpus_from_npz, rebuild)
    if corpus is None:
        corpus = build_corpus(data_root, progress)
        save_corpus(corpus, path, fp)
    return corpus
