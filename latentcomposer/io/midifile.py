"""Standard MIDI File reading and writing (via mido).

Reading returns one :class:`~latentcomposer.core.Clip` per (track, channel) that holds notes, with
channel 10 marked as drums. Any problem with the input becomes a :class:`MidiFileError` subclass whose
message names the file and the problem; no other exception escapes :func:`read_midi`.
"""

from __future__ import annotations

import io as _io
import os
from collections import defaultdict, deque
from collections.abc import Sequence
from pathlib import Path

import mido

from latentcomposer.core import (
    DRUM_CHANNEL,
    Clip,
    CoreError,
    Note,
    TempoChange,
    TimeSignature,
    TimeSignatureChange,
)
from latentcomposer.io.atomic import atomic_write_bytes
from latentcomposer.io.files import FileProblem, read_capped

MAX_FILE_BYTES = 64 * 1024 * 1024  # no real score is this big; refuse rather than exhaust memory
MAX_TRACKS = 4096


class MidiFileError(Exception):
    """A MIDI file could not be read or written. ``str(err)`` is a message for the user."""

    def __init__(self, path: str | os.PathLike[str] | None, problem: str) -> None:
        self.path = str(path) if path is not None else "<data>"
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class MidiFileUnreadable(MidiFileError):
    """The path does not exist, is a folder, or cannot be opened."""


class NotAMidiFile(MidiFileError):
    """The data does not start with a MIDI header."""


class CorruptMidiFile(MidiFileError):
    """The data is a MIDI file but damaged: truncated, absurd lengths, bad events."""


class EmptyMidiFile(MidiFileError):
    """The file is valid but holds no notes."""


class MidiWriteError(MidiFileError):
    """The clips could not be written."""


def _load_bytes(path: str | os.PathLike[str]) -> bytes:
    try:
        return read_capped(path, MAX_FILE_BYTES, "a MIDI file")
    except FileProblem as exc:
        raise (CorruptMidiFile if exc.too_large else MidiFileUnreadable)(path, exc.reason) from None


def _parse(data: bytes, path: str | os.PathLike[str] | None) -> mido.MidiFile:
    if len(data) == 0:
        raise NotAMidiFile(path, "is empty (zero bytes)")
    if data[:4] != b"MThd":
        raise NotAMidiFile(path, "is not a MIDI file (no 'MThd' header)")
    if len(data) < 14:
        raise CorruptMidiFile(path, "is truncated inside the MIDI header")
    header_len = int.from_bytes(data[4:8], "big")
    n_tracks = int.from_bytes(data[10:12], "big")
    division = int.from_bytes(data[12:14], "big")
    if header_len < 6 or header_len > len(data):
        raise CorruptMidiFile(path, f"has an absurd header length ({header_len})")
    if n_tracks > MAX_TRACKS:
        raise CorruptMidiFile(path, f"claims {n_tracks} tracks")
    if division & 0x8000:
        raise CorruptMidiFile(path, "uses SMPTE time division, which is not supported")
    if division == 0:
        raise CorruptMidiFile(path, "has a time division of 0 ticks per quarter note")
    try:
        return mido.MidiFile(file=_io.BytesIO(data), clip=True)
    except EOFError:
        raise CorruptMidiFile(path, "is truncated (ends in the middle of a track)") from None
    except Exception as exc:  # mido raises OSError/ValueError/KeyError/IndexError... on bad data
        raise CorruptMidiFile(path, f"is damaged ({type(exc).__name__}: {exc})") from None


def read_midi(path: str | os.PathLike[str]) -> list[Clip]:
    """Read every (track, channel) with notes into a Clip. Raises only :class:`MidiFileError`."""
    return read_midi_bytes(_load_bytes(path), path=path)


def read_midi_bytes(data: bytes, path: str | os.PathLike[str] | None = None) -> list[Clip]:
    """:func:`read_midi` for data already in memory."""
    mid = _parse(data, path)
    try:
        clips = _to_clips(mid, path)
    except MidiFileError:
        raise
    except (CoreError, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise CorruptMidiFile(path, f"holds invalid events ({exc})") from None
    if not clips:
        raise EmptyMidiFile(path, "holds no notes")
    return clips


def _to_clips(mid: mido.MidiFile, path: str | os.PathLike[str] | None) -> list[Clip]:
    ppq = mid.ticks_per_beat
    if mid.type == 2:
        raise CorruptMidiFile(path, "is a type-2 (sequential songs) file, which is not supported")
    tempos: list[tuple[int, float]] = []
    sigs: list[tuple[int, TimeSignature]] = []
    per_track: list[tuple[str, dict[int, list[Note]], dict[int, int], int]] = []
    for ti, track in enumerate(mid.tracks):
        tick = 0
        name = ""
        open_notes: dict[tuple[int, int], deque[tuple[int, int]]] = defaultdict(deque)
        notes: dict[int, list[Note]] = defaultdict(list)
        programs: dict[int, int] = {}
        for msg in track:
            tick += msg.time
            t = msg.type
            if t == "note_on" and msg.velocity > 0:
                open_notes[(msg.channel, msg.note)].append((tick, msg.velocity))
            elif t == "note_off" or (t == "note_on" and msg.velocity == 0):
                queue = open_notes.get((msg.channel, msg.note))
                if queue:  # overlapping same-pitch notes: first on is closed by the first off
                    start, vel = queue.popleft()
                    if tick > start:
                        notes[msg.channel].append(Note(start, msg.note, tick, vel))
                    else:  # zero-length note: keep it, one tick long
                        notes[msg.channel].append(Note(start, msg.note, start + 1, vel))
            elif t == "program_change":
                if msg.channel not in programs or not notes[msg.channel]:
                    programs[msg.channel] = msg.program
            elif t == "set_tempo":
                tempos.append((tick, mido.tempo2bpm(msg.tempo)))
            elif t == "time_signature":
                try:
                    ts = TimeSignature(msg.numerator, msg.denominator)
                except CoreError:
                    continue
                sigs.append((tick, ts))
            elif t == "track_name" and not name:
                name = msg.name.strip()
        for (ch, pitch), queue in open_notes.items():  # notes never released end with the track
            for start, vel in queue:
                notes[ch].append(Note(start, pitch, max(tick, start + 1), vel))
        per_track.append((name or f"Track {ti + 1}", notes, programs, tick))

    tempos.sort(key=lambda x: x[0])
    sigs.sort(key=lambda x: x[0])
    tempo0 = tempos[0][1] if tempos and tempos[0][0] == 0 else 120.0
    ts0 = sigs[0][1] if sigs and sigs[0][0] == 0 else TimeSignature(4, 4)
    tempo_changes = tuple(TempoChange(t, min(max(b, 1.0), 1000.0)) for t, b in tempos if t > 0)
    ts_changes = tuple(TimeSignatureChange(t, s) for t, s in sigs if t > 0)
    tempo0 = min(max(tempo0, 1.0), 1000.0)

    clips: list[Clip] = []
    for name, notes, programs, _end in per_track:
        channels = sorted(ch for ch, ns in notes.items() if ns)
        for ch in channels:
            label = name if len(channels) == 1 else f"{name} (ch {ch + 1})"
            clips.append(Clip(
                notes=tuple(notes[ch]), ppq=ppq, tempo=tempo0, time_signature=ts0, name=label,
                program=programs.get(ch, 0), is_drum=ch == DRUM_CHANNEL, channel=ch,
                tempo_changes=tempo_changes, time_signature_changes=ts_changes,
            ))
    return clips


def _assign_channels(clips: Sequence[Clip]) -> list[int]:
    used: set[int] = set()
    out: list[int] = []
    free = [c for c in range(16) if c != DRUM_CHANNEL]
    for clip in clips:
        if clip.is_drum:
            out.append(DRUM_CHANNEL)
            continue
        ch = clip.channel if clip.channel is not None and clip.channel != DRUM_CHANNEL else None
        if ch is None or ch in used:
            ch = next((c for c in free if c not in used), free[len(out) % len(free)])
        used.add(ch)
        out.append(ch)
    return out


def clips_to_midifile(clips: Sequence[Clip], markers: Sequence[tuple[int, str]] = ()) -> mido.MidiFile:
    """A type-1 :class:`mido.MidiFile`: a conductor track (tempo, metre, markers) + one track a clip.

    All clips are written at the first clip's ppq (others are rescaled). ``markers`` are
    (tick, text) pairs in that ppq.
    """
    if not clips:
        raise MidiWriteError(None, "nothing to write (no clips)")
    first = clips[0]
    ppq = first.ppq
    mid = mido.MidiFile(type=1, ticks_per_beat=ppq)
    conductor = mido.MidiTrack()
    events: list[tuple[int, int, mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(first.tempo))),
        (0, 1, mido.MetaMessage("time_signature", numerator=first.time_signature.numerator,
                                denominator=first.time_signature.denominator)),
    ]
    for tc in first.tempo_changes:
        events.append((tc.tick, 0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tc.bpm))))
    for sc in first.time_signature_changes:
        events.append((sc.tick, 1, mido.MetaMessage(
            "time_signature", numerator=sc.time_signature.numerator,
            denominator=sc.time_signature.denominator)))
    for tick, text in markers:
        events.append((tick, 2, mido.MetaMessage("marker", text=text)))
    events.sort(key=lambda e: (e[0], e[1]))
    _append_delta(conductor, [(t, m) for t, _, m in events])
    mid.tracks.append(conductor)

    for clip, ch in zip(clips, _assign_channels(clips), strict=True):
        scale = ppq / clip.ppq
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=clip.name or "Clip", time=0))
        timed: list[tuple[int, int, mido.Message]] = []
        # on channel 10 the program selects the drum kit (GM2/GS); 0 is the standard kit
        timed.append((0, 0, mido.Message("program_change", channel=ch, program=clip.program)))
        for n in clip.notes:
            s = round(n.start * scale)
            e = max(s + 1, round(n.end * scale))
            # at equal ticks: offs (1) before ons (2), so repeated notes re-articulate
            timed.append((s, 2, mido.Message("note_on", channel=ch, note=n.pitch, velocity=n.velocity)))
            timed.append((e, 1, mido.Message("note_off", channel=ch, note=n.pitch, velocity=0)))
        timed.sort(key=lambda e: (e[0], e[1]))
        _append_delta(track, [(t, m) for t, _, m in timed])
        mid.tracks.append(track)
    return mid


def _append_delta(track: mido.MidiTrack, events: list[tuple[int, mido.Message | mido.MetaMessage]]) -> None:
    last = 0
    for tick, msg in events:
        track.append(msg.copy(time=tick - last))
        last = tick
    track.append(mido.MetaMessage("end_of_track", time=0))


def write_midi(path: str | os.PathLike[str], clips: Sequence[Clip],
               markers: Sequence[tuple[int, str]] = ()) -> Path:
    """Write ``clips`` to a type-1 file atomically (temp file, fsync, rename). Returns the path."""
    data = midi_bytes(clips, markers)
    try:
        return atomic_write_bytes(path, data)
    except OSError as exc:
        raise MidiWriteError(path, f"cannot be written ({exc.strerror or exc})") from None


def midi_bytes(clips: Sequence[Clip], markers: Sequence[tuple[int, str]] = ()) -> bytes:
    buf = _io.BytesIO()
    clips_to_midifile(clips, markers).save(file=buf)
    return buf.getvalue()
