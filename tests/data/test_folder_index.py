"""A user's MIDI folder indexed into the window cache: bad files counted, split by file, read back from
the cache, re-indexed when a file changes."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.data.dataset import split_of
from latentcomposer.data.folder_index import ProgressBar, index_folder
from latentcomposer.io.midifile import write_midi

CORRUPT = Path(__file__).resolve().parent / "corrupt"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LATENTCOMPOSER_CACHE_DIR", str(tmp_path / "cache"))
    songs = tmp_path / "songs"
    (songs / "sub").mkdir(parents=True)
    for i in range(24):
        name = NAMES[i % len(NAMES)]
        write_midi(songs / ("sub" if i % 2 else "") / f"{name}_{i}.mid", [example_clip(name).transpose(i % 5)])
    for bad in ("random_bytes.mid", "truncated_track.mid", "text_file.mid"):
        shutil.copy(CORRUPT / bad, songs / bad)
    return songs


def test_index_counts_bad_files_splits_by_file_and_caches(folder: Path) -> None:
    out = io.StringIO()
    index = index_folder(folder, "melody", 2, workers=2, progress=ProgressBar(stream=out))
    assert (index.files, index.used, index.skipped_files) == (27, 24, 3)
    assert sum(v for k, v in index.skipped.items() if k.startswith("file unreadable")) == 3
    assert "27/27 files  3 skipped" in out.getvalue()
    sizes = {s: len(a["tokens"]) for s, a in index.splits.items()}
    assert sizes["train"] > 0 and index.splits["train"]["tokens"].dtype == np.uint8
    assert index.splits["train"]["tokens"].shape[1] == 32
    # every file's windows sit in the split its path hashes to
    expected = {split_of("folder", p.relative_to(folder).as_posix()) for p in folder.rglob("*_*.mid")}
    assert {s for s, n in sizes.items() if n} == expected

    again = index_folder(folder, "melody", 2, workers=2)
    assert again.from_cache and {s: len(a["tokens"]) for s, a in again.splits.items()} == sizes
    assert again.skipped == index.skipped

    (folder / "random_bytes.mid").unlink()  # a change: indexed again
    third = index_folder(folder, "melody", 2, workers=1)
    assert not third.from_cache and third.files == 26 and third.skipped_files == 2
    assert index_folder(folder, "melody", 4, workers=1).splits["train"]["tokens"].shape[1] == 64  # own cache


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        index_folder(tmp_path / "nope", "melody", 2)
