"""A composer's own music for personalizing a model: what a folder of MIDI files (or a project's clips)
holds for one representation, file by file, and the split into files to learn from and held-out files.

Nothing here imports torch: the GUI shows a :class:`StyleScan` ("12 files, 11 used, 184 bars; skipped:
drums only (1)") before anything trains. Track choice is the codec's, as when a file is opened for a
model (``Codec.choose_clip``: the melody track for melody models, the channel-10 tracks for drums).

The split is **by file** (never by window: the windows of one file overlap by all but a bar and share
its motifs, so holding out windows would measure memory, not style): with at least two usable files,
``held_out`` of them (at least one) are set aside, chosen by a seeded shuffle.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.core.errors import UserFacingError
from latentcomposer.io.midifile import MidiFileError, read_midi

from .codec_base import Codec, CodecError

MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")
FILE_METRES = {(4, 4), (2, 4), (2, 2)}  # bars of 16 sixteenths (as data.codecs.file_windows)
MAX_FILES = 2000  # a folder with more is most likely the wrong folder (the scan would take minutes)


class StyleDataError(UserFacingError, ValueError):
    """The composer's files hold nothing (or too little) that the model can learn from."""


@dataclass(frozen=True)
class FoundFile:
    """One file (or project clip) as the model would read it."""

    name: str  # the file's path relative to the folder, or the clip's name
    how: str  # which track(s), in words ("track 'Soprano'", "2 drum tracks merged"); "" when skipped
    bars: int  # bars of music the model reads
    windows: int  # training windows cut from it
    skipped: str = ""  # why nothing of it is used ("" when used)
    drums_only: bool = False  # it holds only channel-10 drums (for the "wrong kind of model" message)
    pitched_only: bool = False  # it holds no drums at all

    @property
    def used(self) -> bool:
        return not self.skipped


@dataclass
class StyleScan:
    """What a folder holds for one model: per file, and the windows of the files that are used."""

    source: str  # the folder, or "the project's clips"
    label: str  # the codec's label ("Melody", "Drums")
    n_bars: int
    files: list[FoundFile] = field(default_factory=list)
    arrays: list[dict[str, np.ndarray]] = field(default_factory=list)  # one per used file, in order

    @property
    def used(self) -> list[FoundFile]:
        return [f for f in self.files if f.used]

    @property
    def bars(self) -> int:
        return sum(f.bars for f in self.used)

    @property
    def windows(self) -> int:
        return sum(f.windows for f in self.used)

    def skipped_reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            if f.skipped:
                out[f.skipped] = out.get(f.skipped, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def summary(self) -> str:
        """One line: "14 files: 12 used (186 bars, 172 windows); skipped: not in 4/4 (2)"."""
        n = len(self.files)
        text = (f"{n} file{'s' if n != 1 else ''}: {len(self.used)} used ({self.bars} bars of "
                f"{self.label.lower()}, {self.windows} windows of {self.n_bars} bars)")
        skipped = self.skipped_reasons()
        if skipped:
            text += "; skipped: " + ", ".join(f"{why} ({k})" for why, k in skipped.items())
        return text

    def check_usable(self, model_name: str) -> None:
        """Raise :class:`StyleDataError` saying what was found when nothing is usable."""
        if self.used:
            return
        if not self.files:
            raise StyleDataError(f"{self.source}: no MIDI files found (looked for "
                                 f"{', '.join(MIDI_SUFFIXES)}, in subfolders too)")
        kind = self.label.lower()
        readable = [f for f in self.files if f.skipped != "unreadable"]
        if self.label != "Drums" and readable and all(f.drums_only for f in readable):
            raise StyleDataError(f"{self.source}: the {len(self.files)} MIDI file(s) hold only drums (MIDI "
                                 f"channel 10); {model_name} is a {kind} model -- choose a drum model (e.g. "
                                 "drums_2bar) or a folder with melodies")
        if self.label == "Drums" and readable and all(f.pitched_only for f in readable):
            raise StyleDataError(f"{self.source}: the {len(self.files)} MIDI file(s) hold no drums (MIDI "
                                 f"channel 10); {model_name} is a drum model -- choose a melody model or a "
                                 "folder of drum parts")
        raise StyleDataError(f"{self.source}: no usable {kind} in {len(self.files)} MIDI file(s) for "
                             f"{model_name} ({self.n_bars}-bar windows in 4/4); "
                             + ", ".join(f"{why}: {k}" for why, k in self.skipped_reasons().items()))


def midi_paths(folder: str | os.PathLike[str]) -> list[Path]:
    """The MIDI files under ``folder`` (subfolders too), sorted; a file is itself."""
    root = Path(folder)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise StyleDataError(f"{root}: no such folder")
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(Path(dirpath) / f for f in filenames
                   if f.lower().endswith(MIDI_SUFFIXES) and not f.startswith("."))
        if len(out) > MAX_FILES:
            raise StyleDataError(f"{root}: more than {MAX_FILES} MIDI files; choose the folder of your own "
                                 "pieces rather than a whole library")
    return sorted(out)


def _found(name: str, clips: Sequence[Clip], codec: Codec, n_bars: int) -> tuple[FoundFile, dict[str, np.ndarray]]:
    drums_only = bool(clips) and all(c.is_drum for c in clips if c.notes)
    pitched_only = not any(c.is_drum for c in clips if c.notes)
    empty: dict[str, np.ndarray] = {}
    if not any(c.notes for c in clips):
        return FoundFile(name, "", 0, 0, "no notes", drums_only=drums_only, pitched_only=pitched_only), empty
    ts = clips[0].time_signature
    if (ts.numerator, ts.denominator) not in FILE_METRES or clips[0].time_signature_changes:
        return FoundFile(name, "", 0, 0, "not in 4/4", drums_only=drums_only, pitched_only=pitched_only), empty
    try:
        chosen, how = codec.choose_clip(clips)
        bars = len(codec.encode(chosen).tokens) // 16
    except CodecError:
        what = "no drum track" if codec.label == "Drums" else f"no {codec.label.lower()} (only drums)" \
            if drums_only else f"no {codec.label.lower()}"
        return FoundFile(name, "", 0, 0, what, drums_only=drums_only, pitched_only=pitched_only), empty
    arrays, _dropped, why_none = codec.clip_windows(clips, n_bars)
    if why_none:
        return FoundFile(name, how, bars, 0, why_none, drums_only=drums_only, pitched_only=pitched_only), empty
    if len(arrays["tokens"]) == 0:
        why = f"shorter than {n_bars} bars" if bars < n_bars else "mostly rests"
        return FoundFile(name, how, bars, 0, why, drums_only=drums_only, pitched_only=pitched_only), empty
    return FoundFile(name, how, bars, len(arrays["tokens"]), drums_only=drums_only, pitched_only=pitched_only), arrays


def scan_sources(sources: Iterable[Path | tuple[str, Sequence[Clip]]], codec: Codec, n_bars: int,
                 source: str) -> StyleScan:
    """Scan MIDI files (paths) and/or named clip groups (a project's clips) for ``codec``'s windows."""
    scan = StyleScan(source, codec.label, n_bars)
    base = Path(source) if Path(source).is_dir() else None
    for item in sources:
        if isinstance(item, tuple):
            name, clips = item
        else:
            name = str(item.relative_to(base)) if base is not None and item.is_relative_to(base) else item.name
            try:
                clips = read_midi(item)
            except MidiFileError:
                scan.files.append(FoundFile(name, "", 0, 0, "unreadable"))
                continue
        found, arrays = _found(name, list(clips), codec, n_bars)
        scan.files.append(found)
        if found.used:
            scan.arrays.append(arrays)
    return scan


def scan_folder(folder: str | os.PathLike[str], codec: Codec, n_bars: int) -> StyleScan:
    """Every MIDI file under ``folder``, as :func:`scan_sources` reads it."""
    return scan_sources(midi_paths(folder), codec, n_bars, str(folder))


def scan_clips(clips: Sequence[Clip], codec: Codec, n_bars: int) -> StyleScan:
    """A project's clips, each as if it were a file of its own."""
    items = [(c.name or f"clip {i + 1}", [c]) for i, c in enumerate(clips)]
    return scan_sources(items, codec, n_bars, "the project's clips")


@dataclass(frozen=True)
class FileSplit:
    """Indices into ``StyleScan.used``: the files learned from and the held-out files."""

    train: tuple[int, ...]
    held_out: tuple[int, ...]


def split_files(n_files: int, held_out_share: float = 0.2, seed: int = 0) -> FileSplit:
    """A seeded split by file: ``held_out_share`` of the files (at least one when there are two or
    more, at most all but one) are held out; one file is all training (no held-out measure)."""
    if n_files < 2:
        return FileSplit(tuple(range(n_files)), ())
    k = min(n_files - 1, max(1, round(held_out_share * n_files)))
    order = np.random.default_rng(seed).permutation(n_files)
    return FileSplit(tuple(sorted(int(i) for i in order[k:])), tuple(sorted(int(i) for i in order[:k])))


def stack(arrays: Sequence[dict[str, np.ndarray]], n_steps: int) -> dict[str, np.ndarray]:
    """The windows of several files as one array set (empty ``tokens`` [0, n_steps] when none)."""
    if not arrays:
        return {"tokens": np.zeros((0, n_steps), np.int64)}
    return {k: np.concatenate([a[k] for a in arrays]) for k in arrays[0]}
