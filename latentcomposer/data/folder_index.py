"""A folder of the user's own MIDI files as training windows, indexed once into the window cache.

``index_folder(folder, "melody", 2)`` reads every ``.mid``/``.midi`` file under ``folder`` in parallel
worker processes (chunks of files, so tens of thousands of files cost a few hundred tasks), cuts each
file into the codec's windows (:func:`latentcomposer.data.codecs.file_windows`, the same rule as
``latentcomposer eval`` on files) and writes one ``.npz`` to ``<cache>/data/folders/``. A second call
with the same files (names, sizes, modification times), codec and window length reads that file back
in a second; any change re-indexes. Files that cannot be read, are not in 4/4 or hold nothing of the
codec's kind are skipped and counted by reason -- one bad file never stops the run.

Split: by file, never by window, from a hash of the file's path inside the folder (the corpus rule of
:func:`latentcomposer.data.dataset.split_of`): 90 % train, 5 % validation, 5 % test.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .codec_base import WindowSet
from .dataset import SPLITS, split_of
from .midi_windows import expand_paths
from .npz_cache import load_fresh, write_npz
from .paths import cache_dir

INDEX_VERSION = 1
CHUNK_FILES = 64  # files per worker task
BAD_FILE = "file unreadable"

Progress = Callable[[int, int, int], None]  # (files done, files in all, files skipped so far)


@dataclass
class FolderIndex:
    folder: Path
    codec: str
    n_bars: int
    splits: dict[str, dict[str, np.ndarray]]  # split -> {"tokens": [N, T], extras}
    skipped: dict[str, int]  # reason -> files
    files: int  # MIDI files found
    used: int  # files that gave windows
    path: Path  # the cache file
    from_cache: bool = False
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def skipped_files(self) -> int:
        return self.files - self.used

    def window_set(self, split: str) -> WindowSet:
        arrays = self.splits[split]
        return WindowSet(arrays, {}, f"{self.used} MIDI files of {self.folder}",
                         {"folder": str(self.folder), "files": self.files, "files_used": self.used,
                          "files_skipped": self.skipped, f"{split}_windows": int(len(arrays["tokens"]))})

    def summary(self) -> str:
        counts = ", ".join(f"{s} {len(self.splits[s]['tokens'])}" for s in SPLITS)
        skipped = "; ".join(f"{k}: {v}" for k, v in self.skipped.items())
        how = "read from the cache" if self.from_cache else f"indexed in {self.seconds:.0f} s"
        return (f"{self.folder}: {self.files} MIDI files, {self.used} used, {self.skipped_files} skipped"
                + (f" ({skipped})" if skipped else "") + f"; windows: {counts} ({how})")


def cache_path(folder: Path, codec: str, n_bars: int) -> Path:
    folder = folder.resolve()
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", folder.name)[:40] or "folder"
    key = hashlib.sha1(str(folder).encode()).hexdigest()[:10]
    return cache_dir() / "data" / "folders" / f"{slug}-{key}-{codec}-{n_bars}bar.npz"


def fingerprint(folder: Path, files: Sequence[Path], codec: str, n_bars: int) -> str:
    h = hashlib.sha1(f"index={INDEX_VERSION} codec={codec} bars={n_bars}".encode())
    for f in files:
        try:
            st = f.stat()
            h.update(f"{f.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{f.relative_to(folder)}:gone\n".encode())
    return h.hexdigest()[:16]


def _index_chunk(codec_name: str, n_bars: int, paths: list[str]
                 ) -> tuple[list[tuple[int, dict[str, np.ndarray]]], dict[str, int]]:
    """In a worker: (position in ``paths`` and windows of each file that gave some, skip reasons)."""
    from .codecs import codec_for, file_windows

    codec = codec_for(codec_name)
    skipped: Counter[str] = Counter()
    out: list[tuple[int, dict[str, np.ndarray]]] = []
    for i, path in enumerate(paths):
        try:
            arrays, sk, used = file_windows([path], n_bars, codec)
        except Exception as exc:  # noqa: BLE001  a file that breaks a reader in a way nobody foresaw
            skipped[f"{BAD_FILE} ({type(exc).__name__})"] += 1
            continue
        skipped.update(sk.counts)
        if used:
            out.append((i, {k: _compact(v) for k, v in arrays.items()}))
    return out, dict(skipped)


def _compact(a: np.ndarray) -> np.ndarray:
    """Integer arrays in the smallest type that holds them (the cache and the trainer's RAM)."""
    if a.dtype.kind in "iu" and a.size:
        for t in (np.uint8, np.uint16, np.int16, np.int32):
            info = np.iinfo(t)
            if a.min() >= info.min and a.max() <= info.max:
                return a.astype(t)
    return a


class ProgressBar:
    """``indexing  [#########.........]  4,096/20,000 files  12 skipped  41 files/s`` on stderr: redrawn
    in place on a terminal (at most 5 times a second), one line per 10 % otherwise."""

    def __init__(self, label: str = "indexing", stream: Any = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.monotonic()
        self.last = 0.0
        self.last_tenth = -1

    def __call__(self, done: int, total: int, skipped: int) -> None:
        now = time.monotonic()
        tenth = 10 * done // max(1, total)
        if self.tty:
            if now - self.last < 0.2 and done < total:
                return
        elif tenth == self.last_tenth and done < total:
            return
        self.last, self.last_tenth = now, tenth
        width = 30
        filled = width * done // max(1, total)
        rate = done / max(1e-6, now - self.t0)
        line = (f"{self.label}  [{'#' * filled}{'.' * (width - filled)}]  {done:,}/{total:,} files  "
                f"{skipped:,} skipped  {rate:.0f} files/s")
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def index_folder(folder: str | os.PathLike[str], codec: str, n_bars: int, *, workers: int | None = None,
                 rebuild: bool = False, progress: Progress | None = None) -> FolderIndex:
    """The folder's windows for ``codec`` (a representation name) and ``n_bars``, from the cache when the
    files have not changed; otherwise indexed by ``workers`` processes (default: the CPU count)."""
    root = Path(folder).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    t0 = time.monotonic()
    files = expand_paths([root])
    fp = fingerprint(root, files, codec, n_bars)
    path = cache_path(root, codec, n_bars)
    cached = load_fresh(path, fp, lambda z, meta: _from_npz(root, codec, n_bars, z, meta, path, time.monotonic() - t0),
                        rebuild)
    if cached is not None:  # else missing, damaged or from another version: index again
        return cached
    per_file: dict[int, dict[str, np.ndarray]] = {}
    skipped: Counter[str] = Counter()
    chunks = [files[i:i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(chunks)))
    done = used = 0
    if progress:
        progress(0, len(files), 0)
    # spawned workers: the trainer may already hold torch threads or a process group, which fork would copy
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_index_chunk, codec, n_bars, [str(p) for p in chunk]): c
                   for c, chunk in enumerate(chunks)}
        for fut in as_completed(futures):
            c = futures[fut]
            got, sk = fut.result()
            for i, arrays in got:
                per_file[c * CHUNK_FILES + i] = arrays
            skipped.update(sk)
            done += len(chunks[c])
            used += len(got)
            if progress:
                progress(done, len(files), done - used)
    index = _assemble(root, codec, n_bars, files, per_file, skipped, path)
    index.seconds = time.monotonic() - t0
    meta = {"fingerprint": fp, "folder": str(root), "codec": codec, "n_bars": n_bars, "files": index.files,
            "used": index.used, "skipped": index.skipped, "index_version": INDEX_VERSION}
    write_npz(path, {f"{s}.{k}": v for s, arrays in index.splits.items() for k, v in arrays.items()}, meta)
    return index


def _assemble(root: Path, codec: str, n_bars: int, files: Sequence[Path],
              per_file: dict[int, dict[str, np.ndarray]], skipped: Counter[str], path: Path) -> FolderIndex:
    """Concatenate the files' windows (in file order) into the three splits."""
    parts: dict[str, list[dict[str, np.ndarray]]] = {s: [] for s in SPLITS}
    for i in sorted(per_file):
        parts[split_of("folder", files[i].relative_to(root).as_posix())].append(per_file[i])
    template = next(iter(per_file.values()), None)
    splits: dict[str, dict[str, np.ndarray]] = {}
    for s in SPLITS:
        if parts[s]:
            splits[s] = {k: np.concatenate([p[k] for p in parts[s]]) for k in parts[s][0]}
        elif template is not None:
            splits[s] = {k: v[:0] for k, v in template.items()}
        else:
            splits[s] = {"tokens": np.zeros((0, n_bars * 16), np.uint8)}
    return FolderIndex(root, codec, n_bars, splits, dict(sorted(skipped.items())), len(files), len(per_file), path)


def _from_npz(root: Path, codec: str, n_bars: int, z: dict[str, np.ndarray], meta: dict[str, Any], path: Path,
              seconds: float) -> FolderIndex:
    splits: dict[str, dict[str, np.ndarray]] = {s: {} for s in SPLITS}
    for key, value in z.items():
        split, _, name = key.partition(".")
        splits[split][name] = value
    return FolderIndex(root, codec, n_bars, splits, meta["skipped"], int(meta["files"]), int(meta["used"]), path,
                       from_cache=True, seconds=seconds)
