"""Seeded generators of hostile MIDI files: structured mutations of real files, and crafted extremes.

Used by the test suite (a few hundred cases) and by ``benchmarks/hostile_input.py`` (10,000). Each
mutation knows the file's structure (header fields, chunk lengths, where each event's delta time
starts), so the cases reach deep into the parser instead of failing at the header.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path


def vlq(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def chunk(tag: bytes, data: bytes) -> bytes:
    return tag + struct.pack(">I", len(data)) + data


def smf(tracks: list[bytes], ppq: int = 480, fmt: int = 1) -> bytes:
    return chunk(b"MThd", struct.pack(">HHH", fmt, len(tracks), ppq)) + b"".join(chunk(b"MTrk", t) for t in tracks)


END = b"\x00\xff\x2f\x00"
MAX_CASE_BYTES = 16 * 2**20  # read_midi's cap: a bigger file is refused before it is parsed


def note(pitch: int = 60, length: int = 96, vel: int = 64, ch: int = 0, delta: int = 0) -> bytes:
    return vlq(delta) + bytes([0x90 | ch, pitch, vel]) + vlq(length) + bytes([0x80 | ch, pitch, 0])


@dataclass
class Layout:
    """Where things are in a (valid) seed file."""

    tracks: list[tuple[int, int]]  # (chunk header offset, chunk end)
    events: list[int]  # offsets where a delta time starts
    tempos: list[int]  # offsets of a set_tempo's 3 data bytes
    metas: list[int]  # offsets of a meta/sysex length byte


def layout(data: bytes) -> Layout:
    """Event boundaries of a valid file (a small walker for seeds; not the parser under test)."""
    lay = Layout([], [], [], [])
    pos = 8 + int.from_bytes(data[4:8], "big")
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos + 4:pos + 8], "big")
        start, end = pos + 8, min(pos + 8 + size, len(data))
        lay.tracks.append((pos, end))
        p, status = start, 0
        while p < end:
            lay.events.append(p)
            while data[p] & 0x80:
                p += 1
            p += 1
            b = data[p]
            if b in (0xFF, 0xF0, 0xF7):
                p += 2 if b == 0xFF else 1
                lay.metas.append(p - 1 if b != 0xFF else p)
                length = 0
                while True:
                    length = (length << 7) | (data[p] & 0x7F)
                    p += 1
                    if not data[p - 1] & 0x80:
                        break
                if b == 0xFF and data[lay.metas[-1] - 1] == 0x51:
                    lay.tempos.append(p)
                p += length
                continue
            if b & 0x80:
                status, p = b, p + 1
            p += 1 if status >> 4 in (0xC, 0xD) else 2
        pos = end
    return lay


Mutation = Callable[[random.Random, bytearray, Layout], None]


def _pick(rng: random.Random, xs: list[int], fallback: int) -> int:
    return rng.choice(xs) if xs else fallback


def m_tempo(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """A set_tempo of 0, 1, the maximum, or random (tempo 0 divided by zero in the old reader)."""
    p = _pick(rng, lay.tempos, 0)
    if p + 3 <= len(d):
        d[p:p + 3] = rng.choice([0, 1, 0xFFFFFF, rng.randrange(1 << 24)]).to_bytes(3, "big")


def m_vlq_run(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """A run of 0xFF bytes where a delta time starts (quadratic in the old reader)."""
    p = _pick(rng, lay.events, len(d) // 2)
    d[p:p] = b"\xff" * rng.choice([4, 5, 64, 1000, rng.randrange(1, 20_000)])


def m_huge_delta(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """The largest legal delta (0x0FFFFFFF ticks) before an event."""
    p = _pick(rng, lay.events, len(d) // 2)
    d[p:p] = b"\xff\xff\xff"  # prefixes the existing delta: a 4-byte (or longer) quantity
    _fix_lengths(d, lay, p, 3)


def m_truncate(rng: random.Random, d: bytearray, lay: Layout) -> None:
    del d[rng.randrange(len(d)):]


def m_chunk_length(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """A track chunk whose length lies (0, 1 byte short, huge, random)."""
    if lay.tracks:
        pos, end = rng.choice(lay.tracks)
        size = end - pos - 8
        value = rng.choice([0, max(0, size - 1), size + 1, 0xFFFFFFFF, rng.randrange(1 << 32)])
        d[pos + 4:pos + 8] = value.to_bytes(4, "big")


def m_meta_length(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """A meta/sysex length that lies, or becomes an over-long quantity."""
    p = _pick(rng, lay.metas, len(d) // 2)
    if p < len(d):
        d[p:p + 1] = rng.choice([b"\x7f", b"\x00", b"\x8f\xff\xff\x7f", b"\xff" * rng.randrange(1, 50)])


def m_sysex(rng: random.Random, d: bytearray, lay: Layout) -> None:
    p = _pick(rng, lay.events, len(d) // 2)
    body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
    declared = rng.choice([len(body), len(body) + rng.randrange(1, 1000), 0])
    ev = b"\x00" + bytes([rng.choice([0xF0, 0xF7])]) + vlq(declared) + body
    d[p:p] = ev
    _fix_lengths(d, lay, p, len(ev))


def m_track_count(rng: random.Random, d: bytearray, lay: Layout) -> None:
    d[10:12] = rng.choice([0, 1, 2, 4096, 4097, 0xFFFF, rng.randrange(1 << 16)]).to_bytes(2, "big")


def m_division(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """Absurd ppq: 0, 1, 32767, SMPTE, random."""
    d[12:14] = rng.choice([0, 1, 2, 0x7FFF, 0x8000, 0xE728, rng.randrange(1 << 16)]).to_bytes(2, "big")


def m_format(rng: random.Random, d: bytearray, lay: Layout) -> None:
    d[8:10] = rng.choice([0, 1, 2, 3, 0xFFFF]).to_bytes(2, "big")


def m_running_status(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """Garbage data bytes where an event starts, or a status byte removed (running status abuse)."""
    p = _pick(rng, lay.events, len(d) // 2)
    junk = bytes(rng.randrange(128) for _ in range(rng.randrange(1, 12)))
    if rng.random() < 0.5:
        d[p:p] = junk
        _fix_lengths(d, lay, p, len(junk))
    else:
        q = p
        while q < len(d) and d[q] & 0x80:
            q += 1
        if q + 1 < len(d) and d[q + 1] & 0x80:
            del d[q + 1]
            _fix_lengths(d, lay, p, -1)


def m_status(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """An undefined or system status byte (0xF1-0xFE) where an event starts."""
    p = _pick(rng, lay.events, len(d) // 2)
    ev = b"\x00" + bytes([rng.randrange(0xF1, 0xFF)]) + bytes(rng.randrange(256) for _ in range(2))
    d[p:p] = ev
    _fix_lengths(d, lay, p, len(ev))


def m_many_tracks(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """A track repeated many times (and the header told so, or not)."""
    if lay.tracks:
        pos, end = rng.choice(lay.tracks)
        k = min(rng.choice([10, 100, 1000, 5000]), MAX_CASE_BYTES // max(1, end - pos))
        d.extend(bytes(d[pos:end]) * k)
        if rng.random() < 0.7:
            d[10:12] = min(0xFFFF, len(lay.tracks) + k).to_bytes(2, "big")


def m_many_notes(rng: random.Random, d: bytearray, lay: Layout) -> None:
    """A burst of notes (or note-ons without offs) in the first note track."""
    if len(lay.tracks) > 0:
        pos, end = lay.tracks[-1]
        burst = (note(rng.randrange(128), rng.randrange(1, 500)) if rng.random() < 0.5
                 else b"\x00" + bytes([0x90, rng.randrange(128), 100]))
        body = burst * rng.choice([10, 1000, 50_000])
        d[end - 4:end - 4] = body
        size = int.from_bytes(d[pos + 4:pos + 8], "big") + len(body)
        d[pos + 4:pos + 8] = min(size, 0xFFFFFFFF).to_bytes(4, "big")


def m_flip(rng: random.Random, d: bytearray, lay: Layout) -> None:
    for _ in range(rng.randrange(1, 8)):
        d[rng.randrange(len(d))] = rng.randrange(256)


def m_insert(rng: random.Random, d: bytearray, lay: Layout) -> None:
    p = rng.randrange(len(d) + 1)
    d[p:p] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 30)))


def m_delete(rng: random.Random, d: bytearray, lay: Layout) -> None:
    p = rng.randrange(len(d))
    del d[p:p + rng.randrange(1, 40)]


def _fix_lengths(d: bytearray, lay: Layout, at: int, grew: int) -> None:
    """Keep the enclosing chunk's length honest after an insertion (so the event is reached)."""
    for pos, end in lay.tracks:
        if pos + 8 <= at <= end and pos + 8 <= len(d):
            size = int.from_bytes(d[pos + 4:pos + 8], "big") + grew
            d[pos + 4:pos + 8] = min(max(0, size), 0xFFFFFFFF).to_bytes(4, "big")
            return


MUTATIONS: dict[str, Mutation] = {
    "tempo": m_tempo, "vlq_run": m_vlq_run, "huge_delta": m_huge_delta, "truncate": m_truncate,
    "chunk_length": m_chunk_length, "meta_length": m_meta_length, "sysex": m_sysex,
    "track_count": m_track_count, "division": m_division, "format": m_format,
    "running_status": m_running_status, "status": m_status, "many_tracks": m_many_tracks,
    "many_notes": m_many_notes, "flip": m_flip, "insert": m_insert, "delete": m_delete,
}


def mutate(seed_file: bytes, rng: random.Random, max_mutations: int = 3) -> tuple[bytes, list[str]]:
    """``seed_file`` with 1..max_mutations structured mutations; returns the bytes and their names.
    Cases stay under :data:`MAX_CASE_BYTES` (read_midi refuses bigger files before parsing)."""
    d = bytearray(seed_file)
    names = []
    for _ in range(rng.randrange(1, max_mutations + 1)):
        if not d or len(d) > MAX_CASE_BYTES:
            break
        try:
            lay = layout(bytes(d))
        except IndexError:  # an earlier mutation broke the structure: byte-level mutations still work
            lay = Layout([], [], [], [])
        name = rng.choice(list(MUTATIONS))
        MUTATIONS[name](rng, d, lay)
        names.append(name)
    return bytes(d), names


def cases(seeds: list[bytes], n: int, seed: int = 0, max_mutations: int = 3) -> Iterator[tuple[bytes, list[str]]]:
    rng = random.Random(seed)
    for _ in range(n):
        yield mutate(rng.choice(seeds), rng, max_mutations)


def seed_files(extra: list[Path] | None = None) -> list[bytes]:
    """Real files from the repo (and ``extra``), plus files written from the example clips."""
    from latentcomposer.core.examples import example_clip
    from latentcomposer.io.midifile import midi_bytes

    here = Path(__file__).resolve().parents[1] / "data" / "midi"
    out = [p.read_bytes() for p in sorted(here.glob("*.mid"))]
    out.append(midi_bytes([example_clip("ode_to_joy"), example_clip("twinkle").copy(channel=3)]))
    out.append(midi_bytes([example_clip("mary").copy(tempo=97.0)]))
    out.extend(p.read_bytes() for p in extra or [])
    return out
