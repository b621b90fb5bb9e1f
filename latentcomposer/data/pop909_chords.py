"""POP909's harmony annotations on the corpus's 16th-step grid.

Each song folder holds (Wang et al., ISMIR 2020):

- ``chord_midi.txt``: ``start_sec end_sec label`` per chord, in the MIDI file's seconds, labels in
  Harte's syntax (``C:maj``, ``A:min7``, ``F#:maj7/5``, ``Bb:sus4(b7)``, ``D:hdim7``, ``N``); the
  bass after ``/`` is a scale degree above the root (``/3``, ``/b7``). Chord boundaries fall on the
  annotated beats.
- ``beat_midi.txt``: ``time_sec is_beat is_downbeat`` per beat (the MIDI file's beats; 4/4 songs
  have a downbeat every 4 beats).
- ``key_audio.txt``: ``start_sec end_sec label`` (``Gb:maj``, ``C:min``) per key region, one or
  more. These times are the *audio recording's* seconds, not the MIDI file's, so only the key, not
  where it changes, is comparable with the MIDI; a song's key here is the label held longest.

Steps are placed exactly as :func:`.corpora.read_pop909_song` places the melody: seconds -> beat
position by interpolating the annotated beat times, step 0 = the first downbeat, 4 steps a beat.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from latentcomposer.core import Clip, StepNote
from latentcomposer.core.chords import Chord, ChordEvent, ChordTrack, read_note_name
from latentcomposer.core.errors import CoreError
from latentcomposer.core.harmony import Key
from latentcomposer.io.midifile import MidiFileError, read_midi

from .corpora import BeatGrid, NotFourFour, clip_step_notes

TRACKS = ("MELODY", "BRIDGE", "PIANO")

# Harte's shorthands -> the chord table's qualities (core/chords.py QUALITIES)
HARTE_QUALITIES = {
    "maj": "maj", "min": "min", "7": "7", "maj7": "maj7", "min7": "m7", "dim": "dim", "aug": "aug",
    "sus4": "sus4", "sus2": "sus2", "dim7": "dim7", "hdim7": "m7b5", "maj6": "6", "min6": "m6", "9": "9",
    "sus4(b7)": "7sus4", "minmaj7": "mmaj7", "maj9": "maj9", "min9": "m9", "5": "5", "": "maj",
}
# Harte's bass degrees -> semitones above the root
DEGREES = {"1": 0, "b2": 1, "2": 2, "b3": 3, "3": 4, "4": 5, "#4": 6, "b5": 6, "5": 7, "#5": 8, "b6": 8,
           "6": 9, "bb7": 9, "b7": 10, "7": 11, "9": 2, "b9": 1, "#9": 3, "11": 5, "#11": 6, "13": 9, "b13": 8}


class AnnotationError(CoreError):
    """A POP909 annotation file that cannot be read."""


def parse_harte(label: str) -> Chord:
    """A Harte chord label (``C:maj``, ``A:min7``, ``F#:maj7/5``, ``N``) -> :class:`Chord`."""
    text = label.strip()
    if text in ("N", "X", ""):
        return Chord.none()
    root_text, _, rest = text.partition(":")
    head = read_note_name(root_text)
    if head is None or head[2]:
        raise AnnotationError(f"unknown chord root in {label!r}")
    quality_text, _, bass_text = rest.partition("/")
    quality = HARTE_QUALITIES.get(quality_text)
    if quality is None:
        raise AnnotationError(f"unknown chord quality {quality_text!r} in {label!r}")
    root = head[0]
    bass = None
    if bass_text:
        if bass_text not in DEGREES:
            raise AnnotationError(f"unknown bass degree {bass_text!r} in {label!r}")
        bass = (root + DEGREES[bass_text]) % 12
    return Chord(root, quality, bass, head[1])


def parse_harte_key(label: str) -> Key:
    """``Gb:maj`` / ``C:min`` -> :class:`Key`."""
    root_text, _, mode = label.strip().partition(":")
    head = read_note_name(root_text)
    if head is None or head[2] or mode not in ("maj", "min"):
        raise AnnotationError(f"unknown key label {label!r}")
    return Key(head[0], "major" if mode == "maj" else "minor")


def _rows(path: Path) -> list[tuple[float, float, str]]:
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise AnnotationError(f"cannot read {path}: {exc}") from None
    out = []
    for n, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise AnnotationError(f"{path}:{n}: expected 'start end label', got {line!r}")
        out.append((float(parts[0]), float(parts[1]), parts[2]))
    return out


def read_chord_labels(song_dir: Path) -> list[tuple[float, float, Chord]]:
    """``chord_midi.txt`` as (start s, end s, chord) rows (MIDI seconds)."""
    return [(a, b, parse_harte(lab)) for a, b, lab in _rows(song_dir / "chord_midi.txt")]


def read_keys(song_dir: Path) -> list[tuple[float, float, Key]]:
    """``key_audio.txt`` as (start s, end s, key) rows (audio seconds, see the module doc)."""
    return [(a, b, parse_harte_key(lab)) for a, b, lab in _rows(song_dir / "key_audio.txt")]


def song_key(song_dir: Path) -> Key:
    """The annotated key held longest."""
    total: dict[Key, float] = {}
    for a, b, k in read_keys(song_dir):
        total[k] = total.get(k, 0.0) + (b - a)
    if not total:
        raise AnnotationError(f"{song_dir / 'key_audio.txt'} has no key")
    return max(total, key=lambda k: total[k])


def read_grid(song_dir: Path) -> BeatGrid:
    """The song's annotated beat grid (:class:`~.corpora.BeatGrid`), as an AnnotationError if unusable."""
    try:
        return BeatGrid.read(song_dir)
    except NotFourFour as exc:
        raise AnnotationError(str(exc)) from None
    except (OSError, ValueError, IndexError) as exc:
        raise AnnotationError(f"cannot read {song_dir / 'beat_midi.txt'}: {exc}") from None


def read_song_notes(song_dir: Path, grid: BeatGrid, tracks: tuple[str, ...] = TRACKS) -> list[StepNote]:
    """Every note of ``tracks`` on the grid (notes before the first downbeat dropped)."""
    try:
        clips: list[Clip] = list(read_midi(song_dir / f"{song_dir.name}.mid"))
    except MidiFileError as exc:
        raise AnnotationError(f"cannot read {song_dir.name}.mid: {exc}") from None
    out: list[StepNote] = []
    for clip in clips:
        if clip.name.upper() not in tracks or not clip.notes:
            continue
        out += clip_step_notes(clip, grid)
    return out


def chord_track(song_dir: Path, grid: BeatGrid | None = None) -> ChordTrack:
    """``chord_midi.txt`` as a :class:`ChordTrack` on the song's step grid."""
    grid = grid or read_grid(song_dir)
    rows = read_chord_labels(song_dir)
    if not rows:
        return ChordTrack()
    starts = grid.steps(np.array([r[0] for r in rows]))
    ends = grid.steps(np.array([r[1] for r in rows]))
    events: list[ChordEvent] = []
    last = 0
    for (_, _, chord), s, e in zip(rows, starts.tolist(), ends.tolist(), strict=True):
        s = max(s, last, 0)
        if e > s and not chord.is_none:
            events.append(ChordEvent(s, e, chord))
            last = e
    return ChordTrack(tuple(events))
