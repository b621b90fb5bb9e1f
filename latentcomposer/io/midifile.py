"""Standard MIDI File reading and writing.

Reading returns one :class:`~latentcomposer.core.Clip` per (track, channel) that holds notes, with
channel 10 marked as drums. The bytes are parsed by :mod:`.smf` (linear time, bounded memory, strict
about lengths); writing uses mido. Any problem with the input becomes a :class:`MidiFileError`
subclass whose message names the file, the problem and what to do; no other exception escapes
:func:`read_midi` (a last-resort handler turns anything unforeseen into :class:`CorruptMidiFile`).

Limits (each refused with a message, never by running out of memory): files up to
:data:`MAX_FILE_BYTES`, regular files only (no devices or pipes); up to
:data:`~latentcomposer.io.smf.MAX_NOTES` notes and :data:`~latentcomposer.io.smf.MAX_TRACKS` tracks;
up to :data:`~latentcomposer.core.clip.MAX_CLIP_QUARTERS` quarter notes long (1,024 bars of 4/4) — a longer
file raises :class:`MidiFileTooLong`, and ``read_midi(path, first_bars=N)`` reads its first N bars.
"""

from __future__ import annotations

import io as _io
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import mido

from latentcomposer.core import (
    DRUM_CHANNEL,
    Clip,
    Note,
    TempoChange,
    TimeSignature,
    TimeSignatureChange,
)
from latentcomposer.core.clip import MAX_CLIP_QUARTERS
from latentcomposer.core.errors import UserFacingError
from latentcomposer.io.atomic import atomic_write_bytes
from latentcomposer.io.files import FileProblem, read_capped
from latentcomposer.io.smf import MAX_TRACKS, PROGRESS_NOTES, Progress, RawSong, SmfError, parse_smf

MAX_FILE_BYTES = 16 * 1024 * 1024  # 1,400x the largest file in the training data; parsed in ~3 s
__all__ = ["MAX_FILE_BYTES", "MAX_TRACKS", "CorruptMidiFile", "EmptyMidiFile", "MidiFileError",
           "MidiFileTooLarge", "MidiFileTooLong", "MidiFileUnreadable", "MidiWriteError", "NotAMidiFile", "ReadCancelled",
           "clips_to_midifile", "midi_bytes", "read_midi", "read_midi_bytes", "write_midi"]


class MidiFileError(UserFacingError):
    """A MIDI file could not be read or written. ``str(err)`` is a message for the user."""

    def __init__(self, path: str | os.PathLike[str] | None, problem: str) -> None:
        self.path = str(path) if path is not None else "<data>"
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class MidiFileUnreadable(MidiFileError):
    """The path does not exist, is a folder or a device, or cannot be opened."""


class NotAMidiFile(MidiFileError):
    """The data does not start with a MIDI header."""


class CorruptMidiFile(MidiFileError):
    """The data is a MIDI file but damaged: truncated, absurd lengths, bad events."""


class MidiFileTooLarge(MidiFileError):
    """The file may be valid but is beyond what the app reads (bytes, notes, length)."""


class MidiFileTooLong(MidiFileTooLarge):
    """Longer than :data:`~latentcomposer.core.clip.MAX_CLIP_QUARTERS`. ``bars`` is its length and
    ``max_bars`` the most that can be read, both in bars of its opening time signature; reading
    again with ``first_bars=max_bars`` opens the beginning."""

    def __init__(self, path: str | os.PathLike[str] | None, problem: str, bars: int, max_bars: int) -> None:
        super().__init__(path, problem)
        self.bars, self.max_bars = bars, max_bars


class ReadCancelled(Exception):
    """Raised by a ``progress`` callback to stop reading a file (the user cancelled); not an error."""


class EmptyMidiFile(MidiFileError):
    """The file is valid but holds no notes."""


class MidiWriteError(MidiFileError):
    """The clips could not be written."""


def _load_bytes(path: str | os.PathLike[str]) -> bytes:
    try:
        return read_capped(path, MAX_FILE_BYTES, "a MIDI file")
    except FileProblem as exc:
        raise (MidiFileTooLarge if exc.too_large else MidiFileUnreadable)(path, exc.reason) from None


def read_midi(path: str | os.PathLike[str], *, first_bars: int | None = None,
              progress: Progress | None = None) -> list[Clip]:
    """Read every (track, channel) with notes into a Clip. Raises only :class:`MidiFileError`.

    ``first_bars``: read only the first N bars (of the opening time signature); notes held past the
    cut are shortened to it, and a file that goes on past the cut gives clips exactly N bars long. Without it, a file longer than the limit raises :class:`MidiFileTooLong`.
    ``progress``: called now and then with the fraction read (0..1); whatever it raises (e.g.
    :class:`ReadCancelled`, when the user cancels) stops the reading and reaches the caller.
    """
    data = _load_bytes(path)
    if progress is not None:
        progress(0.05)
    return read_midi_bytes(data, path=path, first_bars=first_bars, progress=progress)


def read_midi_bytes(data: bytes, path: str | os.PathLike[str] | None = None, *,
                    first_bars: int | None = None, progress: Progress | None = None) -> list[Clip]:
    """:func:`read_midi` for data already in memory (the same byte cap applies)."""
    if len(data) > MAX_FILE_BYTES:
        raise MidiFileTooLarge(path, f"is {len(data) / 1e6:,.0f} MB; refusing files over {MAX_FILE_BYTES // 2**20} MB")
    try:
        song = parse_smf(data, None if progress is None else lambda f: progress(0.05 + 0.45 * f))
        clips = _to_clips(song, path, first_bars, None if progress is None else lambda f: progress(0.5 + 0.5 * f))
    except (MidiFileError, ReadCancelled):
        raise
    except SmfError as exc:
        kind = {"not-midi": NotAMidiFile, "too-many-notes": MidiFileTooLarge}.get(exc.kind, CorruptMidiFile)
        raise kind(path, exc.problem) from None
    except Exception as exc:  # the boundary: nothing unforeseen escapes as a traceback
        raise CorruptMidiFile(path, f"could not be read ({type(exc).__name__}: {exc}); the file is "
                                    "probably damaged") from None
    if not clips:
        if first_bars is not None:
            raise EmptyMidiFile(path, f"holds no notes in its first {first_bars:,} bar(s)")
        raise EmptyMidiFile(path, "holds no notes")
    return clips


def _bpm(microseconds: int) -> float:
    return min(max(60_000_000 / microseconds, 1.0), 1000.0)  # microseconds > 0 (smf drops 0)


def _to_clips(song: RawSong, path: str | os.PathLike[str] | None, first_bars: int | None,
              progress: Progress | None = None) -> list[Clip]:
    ppq = song.ppq
    tempos = sorted(song.tempos, key=lambda x: x[0])  # stable: file order among equal ticks
    sigs = sorted(song.time_signatures, key=lambda x: x[0])
    tempo0 = _bpm(tempos[0][1]) if tempos and tempos[0][0] == 0 else 120.0
    ts0 = TimeSignature(sigs[0][1], sigs[0][2]) if sigs and sigs[0][0] == 0 else TimeSignature(4, 4)
    bar_ticks = max(1, round(ppq * ts0.quarters_per_bar()))
    limit = MAX_CLIP_QUARTERS * ppq
    max_bars = limit // bar_ticks
    if first_bars is not None:
        if isinstance(first_bars, bool) or not isinstance(first_bars, int) or first_bars < 1:
            raise MidiFileTooLarge(path, f"cannot read the first {first_bars!r} bars: give a whole "
                                         "number of bars, 1 or more")
        limit = min(limit, first_bars * bar_ticks)
    end_tick = max((n[2] for t in song.tracks for ns in t.notes.values() for n in ns), default=0)
    if end_tick > limit and first_bars is None:
        bars = -(-end_tick // bar_ticks)
        raise MidiFileTooLong(
            path, f"is {bars:,} bars long ({ts0}); latentcomposer reads up to {max_bars:,} bars of {ts0} "
                  f"({MAX_CLIP_QUARTERS:,} quarter notes): open its first {max_bars:,} bars, or split it "
                  "in a MIDI editor", bars, max_bars)
    length = limit if end_tick > limit else 0  # cut: the clips are exactly the bars asked for
    tempo_changes = tuple(TempoChange(t, _bpm(us)) for t, us in tempos if 0 < t < limit)
    ts_changes = tuple(TimeSignatureChange(t, TimeSignature(n, d)) for t, n, d in sigs if 0 < t < limit)

    clips: list[Clip] = []
    total, done = max(1, song.n_notes), 0

    def told(n: int) -> None:  # notes made so far (the clips' sorting and checks: the last 10 %)
        nonlocal done
        done += n
        if progress is not None:
            progress(0.9 * min(1.0, done / total))

    for ti, track in enumerate(song.tracks):
        name = track.name or f"Track {ti + 1}"
        per_channel = {ch: _notes(ns, limit, told) for ch, ns in track.notes.items()}
        channels = sorted(ch for ch, ns in per_channel.items() if ns)
        for ch in channels:
            label = name if len(channels) == 1 else f"{name} (ch {ch + 1})"
            clips.append(Clip(
                notes=tuple(per_channel[ch]), ppq=ppq, tempo=tempo0, time_signature=ts0, name=label,
                program=track.programs.get(ch, 0), is_drum=ch == DRUM_CHANNEL, channel=ch,
                tempo_changes=tempo_changes, time_signature_changes=ts_changes, length=length,
            ))
    return clips


def _notes(raw: list[tuple[int, int, int, int]], limit: int, told: Callable[[int], None] | None = None
           ) -> list[Note]:
    """Notes starting before ``limit``, cut at it (the parser guarantees valid pitch, velocity, order);
    ``told(n)`` after every block of notes made."""
    out: list[Note] = []
    for k in range(0, len(raw), PROGRESS_NOTES):
        out += [Note(s, p, min(e, limit), v) for s, p, e, v in raw[k:k + PROGRESS_NOTES] if s < limit]
        if told is not None:
            told(min(PROGRESS_NOTES, len(raw) - k))
    return out


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
