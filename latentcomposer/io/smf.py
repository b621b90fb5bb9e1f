"""A bounded, linear-time Standard MIDI File parser: the reading half of :mod:`.midifile`.

mido's reader trusts its input: a run of 0xFF bytes is read as one variable-length number whose
parsing time grows with the square of the run (300 KB: 34 s), a message may run past its chunk into
the next, and every event becomes a validated Python object (a 1e6-note file: 27 s, 730 MB). This
parser keeps only what a :class:`~latentcomposer.core.Clip` needs (notes, programs, tempo and metre
changes, track names) and enforces the rules that bound its work:

* variable-length quantities (delta times, meta and sysex lengths) are at most 4 bytes, as the
  standard says, so every number is below 2**28 and each byte is looked at once;
* a message never runs past the end of its chunk; a chunk never runs past the end of the data;
* stored notes and tempo/metre changes are counted and refused past :data:`MAX_NOTES` /
  :data:`MAX_CHANGES` (memory is bounded by these, not by the tick values, which stay integers).

Unknown chunks, sysex, controllers and unknown meta events are skipped. Data bytes above 127 are
clipped to 127 (as mido's ``clip=True``). Malformed meta payloads (a 2-byte tempo, a time signature
whose denominator is not 1-64) are ignored rather than fatal. Every problem raises :class:`SmfError`
with a message that names it; nothing else escapes :func:`parse_smf`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_TRACKS = 4096  # a track costs little, but a header claiming 65,535 of them is damage, not music
MAX_NOTES = 200_000  # per file; 17x the largest file in the training data (POP909/Groove: 11,513)
MAX_CHANGES = 100_000  # tempo + time-signature changes per file (each is stored)
VLQ_MAX_BYTES = 4  # the standard's limit: values up to 0x0FFFFFFF

# data bytes after a channel status byte (high nibble 0x8-0xE)
_CHANNEL_DATA = {0x8: 2, 0x9: 2, 0xA: 2, 0xB: 2, 0xC: 1, 0xD: 1, 0xE: 2}
# data bytes after a system common / real-time status byte (0xF4, 0xF5, 0xF9, 0xFD are undefined)
_SYSTEM_DATA = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0, 0xF8: 0, 0xFA: 0, 0xFB: 0, 0xFC: 0, 0xFE: 0}


class SmfError(Exception):
    """The data is not a readable Standard MIDI File; ``str(err)`` follows the file's name.

    ``kind`` is ``"not-midi"`` (no MIDI header at all), ``"too-many-notes"`` or ``"corrupt"``.
    """

    def __init__(self, problem: str, kind: str = "corrupt") -> None:
        super().__init__(problem)
        self.problem, self.kind = problem, kind


@dataclass
class RawTrack:
    """One MTrk chunk: notes per channel as (start, pitch, end, velocity) ticks, programs, name."""

    name: str = ""
    notes: dict[int, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    programs: dict[int, int] = field(default_factory=dict)
    end: int = 0  # tick of the last event


@dataclass
class RawSong:
    format: int
    ppq: int
    tracks: list[RawTrack]
    tempos: list[tuple[int, int]]  # (tick, microseconds per quarter), in file order
    time_signatures: list[tuple[int, int, int]]  # (tick, numerator, denominator)
    n_notes: int


Progress = Callable[[float], None]  # told the fraction done now and then; may raise to stop the work
PROGRESS_NOTES = 8192  # the parser reports its progress every this many notes


def parse_smf(data: bytes, progress: Progress | None = None) -> RawSong:
    """Parse ``data``; raises only :class:`SmfError` (and whatever ``progress`` raises: it is called
    with the fraction of the bytes parsed every :data:`PROGRESS_NOTES` notes, and may raise to stop).
    Time and memory are linear in ``len(data)``."""
    if len(data) == 0:
        raise SmfError("is empty (zero bytes)", "not-midi")
    if data[:4] != b"MThd":
        raise SmfError("is not a MIDI file (no 'MThd' header)", "not-midi")
    if len(data) < 14:
        raise SmfError("is truncated inside the MIDI header")
    header_len = int.from_bytes(data[4:8], "big")
    fmt = int.from_bytes(data[8:10], "big")
    n_tracks = int.from_bytes(data[10:12], "big")
    division = int.from_bytes(data[12:14], "big")
    if header_len < 6 or 8 + header_len > len(data):
        raise SmfError(f"has an absurd header length ({header_len:,} bytes; the standard's is 6)")
    if fmt > 2:
        raise SmfError(f"declares MIDI file format {fmt}; only formats 0 and 1 exist in practice")
    if fmt == 2:
        raise SmfError("is a type-2 (sequential songs) file, which is not supported")
    if n_tracks > MAX_TRACKS:
        raise SmfError(f"claims {n_tracks:,} tracks; latentcomposer reads up to {MAX_TRACKS:,}")
    if division & 0x8000:
        raise SmfError("uses SMPTE time division, which is not supported; re-save it with "
                       "ticks per quarter note in a MIDI editor")
    if division == 0:
        raise SmfError("has a time division of 0 ticks per quarter note")
    song = RawSong(fmt, division, [], [], [], 0)
    pos = 8 + header_len
    while len(song.tracks) < n_tracks:
        if pos + 8 > len(data):
            raise SmfError(f"is truncated: the header promises {n_tracks} track(s) but the data "
                           f"ends after {len(song.tracks)}")
        tag = data[pos:pos + 4]
        size = int.from_bytes(data[pos + 4:pos + 8], "big")
        start, end = pos + 8, pos + 8 + size
        if end > len(data):
            raise SmfError(f"is truncated (track {len(song.tracks) + 1} is {size:,} bytes long but only "
                           f"{len(data) - start:,} are left)")
        if tag == b"MTrk":
            song.tracks.append(_parse_track(data, start, end, len(song.tracks) + 1, song, progress))
        pos = end  # any other chunk type is skipped, as the standard asks
    return song


def _parse_track(data: bytes, pos: int, end: int, number: int, song: RawSong,
                 progress: Progress | None = None) -> RawTrack:
    """One track's events. Written as one flat loop: this is where a big file's time goes."""
    track = RawTrack()
    notes = track.notes
    open_notes: dict[int, deque[tuple[int, int]]] = {}
    tick = 0
    status = 0  # running status (0: none yet)
    n_notes = song.n_notes

    def fail(problem: str, at: int) -> SmfError:
        return _damaged(problem, number, at)

    while pos < end:
        # delta time: a variable-length quantity of at most 4 bytes
        b = data[pos]
        pos += 1
        delta = b & 0x7F
        n = 1
        while b & 0x80:
            if n == VLQ_MAX_BYTES:
                raise fail("a delta time longer than 4 bytes", pos - n)
            if pos >= end:
                raise fail("the track ends inside a delta time", pos)
            b = data[pos]
            pos += 1
            delta = (delta << 7) | (b & 0x7F)
            n += 1
        tick += delta
        if pos >= end:
            raise fail("the track ends after a delta time, before its event", pos)
        b = data[pos]
        if b & 0x80:
            pos += 1
            if b == 0xFF or b == 0xF0 or b == 0xF7:
                pos = _meta_or_sysex(data, pos, end, b, tick, track, song, number)
                continue
            if b >= 0xF0:  # system common / real time: no running status
                size = _SYSTEM_DATA.get(b)
                if size is None:
                    raise fail(f"undefined status byte 0x{b:02X}", pos - 1)
                status = 0
                if pos + size > end:
                    raise fail("a message runs past the end of its track", pos)
                pos += size
                continue
            status = b
        elif not status:
            raise fail(f"a data byte (0x{b:02X}) where an event should start (running status "
                       "with no status before it)", pos)
        kind = status >> 4
        size = _CHANNEL_DATA[kind]
        if pos + size > end:
            raise fail("a message runs past the end of its track", pos)
        if kind == 0x9 or kind == 0x8:
            ch = status & 0x0F
            pitch = min(data[pos], 127)
            vel = min(data[pos + 1], 127)
            key = ch << 7 | pitch
            if kind == 0x9 and vel > 0:
                n_notes += 1
                if n_notes > MAX_NOTES:
                    raise SmfError(f"holds more than {MAX_NOTES:,} notes; latentcomposer reads up to "
                                   f"{MAX_NOTES:,} per file: split it in a MIDI editor", "too-many-notes")
                if progress is not None and not n_notes % PROGRESS_NOTES:
                    progress(pos / len(data))
                queue = open_notes.get(key)
                if queue is None:
                    queue = open_notes[key] = deque()
                queue.append((tick, vel))
            else:
                queue = open_notes.get(key)
                if queue:  # overlapping same-pitch notes: first on is closed by the first off
                    start, v = queue.popleft()
                    notes.setdefault(ch, []).append((start, pitch, tick if tick > start else start + 1, v))
        elif kind == 0xC:
            ch = status & 0x0F
            if ch not in track.programs or not notes.get(ch):
                track.programs[ch] = min(data[pos], 127)
        pos += size
    for key, queue in open_notes.items():  # notes never released end with the track
        for start, v in queue:
            notes.setdefault(key >> 7, []).append((start, key & 0x7F, max(tick, start + 1), v))
    track.end = tick
    song.n_notes = n_notes
    return track


def _damaged(problem: str, number: int, at: int) -> SmfError:
    return SmfError(f"is damaged: {problem} (track {number}, byte {at:,})")


def _meta_or_sysex(data: bytes, pos: int, end: int, status: int, tick: int, track: RawTrack,
                   song: RawSong, number: int) -> int:
    """Skip (or read) a meta event (0xFF) or sysex (0xF0/0xF7) starting after its status byte."""

    def fail(problem: str, at: int) -> SmfError:
        return _damaged(problem, number, at)

    meta_type = -1
    if status == 0xFF:
        if pos >= end:
            raise fail("the track ends inside a meta event", pos)
        meta_type = data[pos]
        pos += 1
    length, n = 0, 0
    while True:
        if pos >= end:
            raise fail("the track ends inside an event length", pos)
        b = data[pos]
        pos += 1
        n += 1
        length = (length << 7) | (b & 0x7F)
        if not b & 0x80:
            break
        if n == VLQ_MAX_BYTES:
            raise fail("an event length longer than 4 bytes", pos - n)
    if pos + length > end:
        raise fail(f"an event of {length:,} bytes runs past the end of its track", pos)
    payload = data[pos:pos + length] if meta_type in (0x03, 0x51, 0x58) else b""
    if meta_type == 0x51 and len(payload) >= 3:
        tempo = int.from_bytes(payload[:3], "big")
        if tempo > 0:  # a tempo of 0 microseconds per quarter is meaningless: ignored
            _count_change(song)
            song.tempos.append((tick, tempo))
    elif meta_type == 0x58 and len(payload) >= 2:
        numerator, power = payload[0], payload[1]
        if 1 <= numerator <= 64 and power <= 6:  # the range a Clip's TimeSignature accepts
            _count_change(song)
            song.time_signatures.append((tick, numerator, 1 << power))
    elif meta_type == 0x03 and not track.name:
        track.name = payload.decode("latin-1").replace("\x00", "").strip()
    return pos + length


def _count_change(song: RawSong) -> None:
    if len(song.tempos) + len(song.time_signatures) >= MAX_CHANGES:
        raise SmfError(f"holds more than {MAX_CHANGES:,} tempo and time-signature changes; "
                       f"latentcomposer reads up to {MAX_CHANGES:,}")
