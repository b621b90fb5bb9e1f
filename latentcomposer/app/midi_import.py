"""Importing a MIDI file: the one place for what the Open dialog, the interpolation slots and the CLI
decide about a file's tracks.

* :func:`read_tracks` reads every track (file IO and parsing: the GUI runs it off the UI thread, since
  a 200k-note file takes seconds). It raises only :class:`~latentcomposer.io.midifile.MidiFileError`,
  whose message is for the user.
* :meth:`MidiTracks.choose`: the tracks the user picked become clips -- named (an unnamed track takes
  the file's name and its number, or "drums"), merged into one clip when asked, with a source line and
  an undo label.
* :meth:`MidiTracks.for_model`: the clip a model reads -- the track asked for (the CLI's ``--track``),
  else its representation's choice (:meth:`Codec.choose_clip <latentcomposer.data.codec_base.Codec.
  choose_clip>`: the melody for melody models, the drum tracks for drum models).
* :meth:`MidiTracks.for_slot`: the clip an interpolation slot takes -- a one-track file's track; of
  several, the loaded model's choice (else the first).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from latentcomposer.core import Clip
from latentcomposer.core.errors import UserFacingError
from latentcomposer.io.midifile import read_midi
from latentcomposer.io.smf import Progress

if TYPE_CHECKING:
    from latentcomposer.data.codec_base import Codec

MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")


class ImportProblem(UserFacingError, ValueError):
    """A file that was read but holds nothing to use as asked (no such track, ...)."""


@dataclass(frozen=True)
class Imported:
    """Clips ready to join a session."""

    clips: tuple[Clip, ...]
    source: str  # where they came from: "song.mid" or "song.mid, track 2"
    label: str  # the undo step's name


@dataclass(frozen=True)
class Chosen:
    """The clip a model (or a slot) takes from a file, and how it was chosen, in words."""

    clip: Clip
    how: str


@dataclass(frozen=True)
class MidiTracks:
    """A MIDI file's tracks as read: one clip per (track, channel) with notes."""

    path: Path
    clips: tuple[Clip, ...]
    first_bars: int | None = None  # only the file's first N bars were read (it is longer than the app reads)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def several(self) -> bool:
        return len(self.clips) > 1

    def named(self, row: int) -> Clip:
        """Track ``row``; an unnamed one is called after the file ("song 2", "song drums")."""
        clip = self.clips[row]
        if clip.name:
            return clip
        return clip.copy(name=f"{self.path.stem} {'drums' if clip.is_drum else row + 1}")

    def choose(self, rows: Sequence[int] | None = None, merge: bool = False) -> Imported:
        """The tracks ``rows`` (default: all) as clips, or merged into one clip named after the file."""
        rows = list(range(len(self.clips))) if rows is None else list(rows)
        if not rows:
            raise ImportProblem(f"{self.name}: no track chosen")
        for r in rows:
            self._check(r)
        chosen = [self.named(r) for r in rows]
        if merge and len(chosen) > 1:
            merged = chosen[0]
            for c in chosen[1:]:
                merged = merged.merge(c)
            chosen = [merged.copy(name=self.path.stem, length=max(c.end_tick for c in chosen))]
        source = self.name + (f", track {rows[0] + 1}" if len(rows) == 1 and self.several else "")
        return Imported(tuple(chosen), source, f"Open {self.name}")

    def for_model(self, codec: Codec, track: int | None = None) -> Chosen:
        """The clip a model of ``codec``'s representation reads: track ``track`` (0-based) when given,
        else the codec's choice. Raises :class:`ImportProblem` for a missing track and the codec's
        ``CodecError`` when no track fits (both user-facing)."""
        if track is not None:
            self._check(track)
            return Chosen(self.clips[track], f"track {track}")
        clip, how = codec.choose_clip(self.clips)
        return Chosen(clip, how)

    def for_slot(self, codec: Codec | None) -> Chosen:
        """The clip an interpolation slot takes (named after the file when the track has no name)."""
        row = 0
        how = "its only track" if not self.several else "its first track"
        if self.several and codec is not None:
            try:
                picked, how = codec.choose_clip(self.clips)
            except UserFacingError:  # nothing the model reads: the first track, as without a model
                picked = None
            if picked is not None:
                if picked in self.clips:
                    row = self.clips.index(picked)
                else:  # the codec made it (merged tracks, a highest voice): it takes the file's name
                    return Chosen(picked if picked.name else picked.copy(name=self.path.stem), how)
        clip = self.clips[row]
        return Chosen(clip if clip.name else clip.copy(name=self.path.stem), how)

    def _check(self, track: int) -> None:
        if not 0 <= track < len(self.clips):
            n = len(self.clips)
            raise ImportProblem(f"{self.path}: no track {track} (it has {n}: 0..{n - 1})")


def read_tracks(path: str | os.PathLike[str], progress: Progress | None = None,
                first_bars: int | None = None) -> MidiTracks:
    """Read a MIDI file's tracks (slow for huge files: keep it off the UI thread). ``progress(fraction)``
    is called now and then; what it raises (:class:`~latentcomposer.io.midifile.ReadCancelled`) stops
    the reading. ``first_bars``: only the first N bars (a file longer than the app reads raises
    :class:`~latentcomposer.io.midifile.MidiFileTooLong` without it)."""
    return MidiTracks(Path(path), tuple(read_midi(path, first_bars=first_bars, progress=progress)), first_bars)
