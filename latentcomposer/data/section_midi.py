"""Sections in MIDI files: one track per stream on writing (its GM program, channel and name), and on
reading a file's tracks mapped to streams by an editable guess (:func:`trio_codec.guess_mapping`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from latentcomposer.core import Clip
from latentcomposer.io.midifile import read_midi, write_midi

from .trio_codec import MultiStreamCodec, StreamMapping, guess_mapping


def section_tracks(codec: MultiStreamCodec, section: Mapping[str, Clip | None]) -> list[Clip]:
    """The section's clips in stream order, each named after its stream (its program and channel as
    the clip has them: the codec gives decoded streams their stream's, the app the user's)."""
    out = []
    for spec in codec.specs:
        clip = section.get(spec.name)
        if clip is None:
            clip = Clip(program=spec.program, channel=spec.channel)
        out.append(clip.copy(name=spec.label, is_drum=False))
    return out


def write_section(path: str | os.PathLike[str], codec: MultiStreamCodec, section: Mapping[str, Clip | None],
                  markers: Sequence[tuple[int, str]] = ()) -> Path:
    """A type-1 MIDI file with one track per stream (atomic write; MidiFileError on failure)."""
    return write_midi(path, section_tracks(codec, section), markers)


@dataclass(frozen=True)
class SectionFile:
    clips: list[Clip]  # the file's tracks (one clip per track and channel, as read_midi gives them)
    mapping: StreamMapping  # which tracks make which stream (guessed unless given)
    section: dict[str, Clip | None]  # the streams


def read_section(path: str | os.PathLike[str], codec: MultiStreamCodec,
                 mapping: StreamMapping | None = None) -> SectionFile:
    """A multi-track file as a section: its tracks, the mapping used (``mapping``, else the guess) and
    the streams it gives. MidiFileError when the file cannot be read."""
    clips = read_midi(path)
    mapping = mapping if mapping is not None else guess_mapping(clips)
    return SectionFile(clips, mapping, codec.streams_from_tracks(clips, mapping))
