"""A clip's chords and key for the app (no Qt): detecting the chord lane, the key to show and lock to,
the chord track heard in playback and written into MIDI files, and reading one back from a file.

The chord lane lives on the clip's :class:`~latentcomposer.app.state.ClipItem` (``chords``, ``key``;
edits go through :meth:`Session.set_chords` / :meth:`Session.set_key`, undoable). The key lock is a
post-process (:func:`latentcomposer.core.harmony.snap_to_key`): notes a model decodes outside the key
are moved a semitone into it; the model itself knows nothing of the key.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from latentcomposer.core import Clip, Note
from latentcomposer.core.chords import ChordEvent, ChordTrack
from latentcomposer.core.harmony import (
    DEFAULT_DETECTOR,
    Key,
    NotEnoughNotes,
    detect_chords,
    detect_key,
    voicing,
)

from .state import ClipItem

if TYPE_CHECKING:
    from .midi_import import MidiTracks

STEPS_PER_QUARTER = 4
CHORD_TRACK_NAME = "Chords"
CHORD_CHANNEL = 14  # MIDI channel 15, counted from 0: a channel of its own, away from melodies and drums
PAD_PROGRAM = 89  # General MIDI "Pad 2 (warm)"
PIANO_PROGRAM = 0
KEY_LOCK = "key_lock"  # LatentState.extra key: keep generated melodies in the clip's key
Per = Literal["bar", "beat"]


def steps_of(clip: Clip) -> int:
    """The clip's length in 16th steps (whole bars, at least one)."""
    bar = max(1, round(clip.time_signature.quarters_per_bar() * STEPS_PER_QUARTER))
    return max(1, clip.n_bars) * bar


def bar_steps(clip: Clip) -> int:
    return max(1, round(clip.time_signature.quarters_per_bar() * STEPS_PER_QUARTER))


def detect_lane(clip: Clip, per: Per = "bar") -> ChordTrack:
    """The chords of ``clip``'s notes for its lane, one per bar or per beat. A melody line alone gets the
    plainer melody detector (major and minor triads of its key), a chordal clip the full one."""
    if clip.is_drum or not clip.notes:
        return ChordTrack()
    from latentcomposer.data.chord_melody_codec import MELODY_DETECTOR  # (the data readers load slowly)

    settings = MELODY_DETECTOR if clip.is_monophonic() else DEFAULT_DETECTOR
    return cut_at_bars(detect_chords(clip, per, n_steps=steps_of(clip), settings=settings), bar_steps(clip))


def cut_at_bars(track: ChordTrack, bar: int) -> ChordTrack:
    """A chord held over several bars as one block per bar (so each bar's chord is edited on its own)."""
    out = []
    for e in track:
        start = e.start_step
        while start < e.end_step:
            end = min(e.end_step, (start // bar + 1) * bar)
            out.append(ChordEvent(start, end, e.chord))
            start = end
    return ChordTrack(tuple(out))


@dataclass(frozen=True)
class KeyInfo:
    """The key a clip is in: ``key`` (None: not enough notes), whether the composer ``set`` it (else it
    was detected), and the text to show."""

    key: Key | None
    set: bool
    text: str


KEY_NOTES = 20_000  # a clip's key is read from its first 20,000 notes (a 200k-note clip took 2.4 s)
_keys: dict[int, Key | None] = {}  # id(clip) -> its detected key (None: not enough notes), while it lives


def detected_key(clip: Clip) -> Key:
    """``detect_key(clip)`` (from its first :data:`KEY_NOTES` notes), remembered for the clip object:
    the key button asks on every session event, and the file reader warms it off the UI thread."""
    got = _keys.get(id(clip), False)
    if got is False:
        part = clip if len(clip.notes) <= KEY_NOTES else clip.with_notes(clip.notes[:KEY_NOTES])
        try:
            got = detect_key(part)
        except NotEnoughNotes:
            got = None
        _keys[id(clip)] = got
        weakref.finalize(clip, _keys.pop, id(clip), None)
    if got is None:
        raise NotEnoughNotes("not enough notes to tell the key")
    assert isinstance(got, Key)
    return got


def warm_key(clip: Clip) -> None:
    """Work out ``clip``'s key now (off the UI thread: a file reader), so that showing it is instant."""
    if clip.notes and not clip.is_drum:
        with contextlib.suppress(NotEnoughNotes):
            detected_key(clip)


def key_of(item: ClipItem) -> KeyInfo:
    if item.key is not None:
        return KeyInfo(item.key, True, f"Key: {item.key}")
    clip = item.clip
    if clip.is_drum:
        return KeyInfo(None, False, "Key: none (drums)")
    try:
        key = detected_key(clip)
    except NotEnoughNotes:
        if item.chords:  # an empty clip over a typed progression: the chords tell the key
            try:
                key = detect_key(chord_clip(item.chords, clip))
            except NotEnoughNotes:
                return KeyInfo(None, False, "Key: not enough notes")
            return KeyInfo(key, False, f"Key: {key}")
        return KeyInfo(None, False, "Key: not enough notes")
    return KeyInfo(key, False, f"Key: {key}")


def chord_clip(track: ChordTrack, like: Clip, *, program: int = PAD_PROGRAM, velocity: int = 56,
               name: str = CHORD_TRACK_NAME) -> Clip:
    """The chord lane as notes (a soft block chord per chord, its bass an octave below) on its own
    channel, with ``like``'s timing, for playback and for a chord track in a MIDI file."""
    tick = like.ppq // STEPS_PER_QUARTER
    notes = []
    for e in track:
        a, b = e.start_step * tick, e.end_step * tick
        for p in voicing(e.chord):
            notes.append(Note(a, p, b, velocity))
    return Clip(tuple(notes), ppq=like.ppq, tempo=like.tempo, time_signature=like.time_signature, name=name,
                program=program, channel=CHORD_CHANNEL, length=max(like.length, like.end_tick))


def export_clips(items: Sequence[ClipItem]) -> list[Clip]:
    """The clips of ``items`` for a MIDI file, each followed by its chord track when it has a lane."""
    out: list[Clip] = []
    for item in items:
        out.append(item.clip)
        if item.chords:
            label = f"{CHORD_TRACK_NAME} ({item.clip.name})" if len(items) > 1 and item.clip.name else CHORD_TRACK_NAME
            out.append(chord_clip(item.chords, item.clip, program=PIANO_PROGRAM, name=label))
    return out


def is_chord_track(clip: Clip) -> bool:
    """A track this app wrote as a chord track (named "Chords ...")."""
    return clip.name.strip().lower().startswith(CHORD_TRACK_NAME.lower())


def read_chord_track(clip: Clip, per: Per = "bar") -> ChordTrack:
    """The chords a chord track's block chords spell (one per bar, or per beat)."""
    return detect_chords(clip, per, n_steps=steps_of(clip), settings=DEFAULT_DETECTOR)


def take_chord_track(tracks: MidiTracks) -> tuple[MidiTracks, ChordTrack | None]:
    """A file's chord track (as this app and ``latentcomposer chords --out`` write it) taken out of its
    tracks and read as a lane for the others; the file as it is when it has none (or nothing else)."""
    rest, chords = split_chord_tracks(tracks.clips)
    if not chords or not rest:
        return tracks, None
    return replace(tracks, clips=tuple(rest)), read_chord_track(chords[0]) or None


def split_chord_tracks(clips: Sequence[Clip]) -> tuple[list[Clip], list[Clip]]:
    """(a file's other tracks, its chord tracks)."""
    chords = [c for c in clips if is_chord_track(c) and not c.is_drum]
    return [c for c in clips if not any(c is x for x in chords)], chords


def lane_or_detected(item: ClipItem) -> ChordTrack:
    return item.chords if item.chords else detect_lane(item.clip)


def split_event(track: ChordTrack, event: ChordEvent, parts: int) -> ChordTrack:
    """``event`` cut into ``parts`` equal pieces holding the same chord (to edit beats of a bar)."""
    span = event.end_step - event.start_step
    if parts < 2 or span % parts:
        return track
    each = span // parts
    out = track
    for k in range(parts):
        out = out.with_chord(event.start_step + k * each, event.start_step + (k + 1) * each, event.chord)
    return out


__all__ = ["CHORD_CHANNEL", "CHORD_TRACK_NAME", "KEY_LOCK", "KeyInfo", "chord_clip", "detect_lane", "export_clips",
           "is_chord_track", "key_of", "lane_or_detected", "read_chord_track", "split_chord_tracks", "split_event",
           "steps_of", "take_chord_track"]
