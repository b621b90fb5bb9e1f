"""The trio's streams (issue 24) on real POP909 songs: the bass is the piano's lowest note, bass and
accompaniment are exactly the piano's notes, the packed arrays come back through the codec, the split
is the other POP909 corpora's, and a section survives a multi-track MIDI file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from latentcomposer.core import Clip, Note, StepNote
from latentcomposer.data import melody, poly
from latentcomposer.data.codecs import codec_for
from latentcomposer.data.corpora import SkipCounter, read_pop909_track
from latentcomposer.data.dataset import split_of
from latentcomposer.data.section_midi import read_section, write_section
from latentcomposer.data.trio import (
    STEP_ROWS,
    bass_root_share,
    build_trio_corpus,
    pack,
    read_trio_song,
    split_bass,
    transpose_windows,
    unpack,
)
from latentcomposer.data.trio_codec import TRIO, guess_mapping
from latentcomposer.io.midifile import read_midi

SONGS = ("001", "002", "017", "123", "456", "789")


@pytest.fixture(scope="module")
def songs(shared_data: Path) -> list[tuple[str, list[StepNote]]]:
    out = []
    for sid in SONGS:
        d = shared_data / "pop909" / sid
        piano = read_pop909_track(d, SkipCounter(), "PIANO")
        if piano:
            out.append((sid, piano))
    assert len(out) >= 4
    return out


def _key(n: StepNote) -> tuple[int, int, int, int]:
    return (n.start, n.pitch, n.end, n.velocity)


def test_split_bass_small_cases() -> None:
    held_low = [StepNote(40, 0, 16), StepNote(48, 4, 8)]  # E2 held, C3 above it: C3 is accompaniment
    assert split_bass(held_low) == ([held_low[0]], [held_low[1]])
    lower_later = [StepNote(48, 0, 16), StepNote(36, 8, 12)]  # a lower note under a held bass: new bass
    assert split_bass(lower_later) == (lower_later, [])
    chord = [StepNote(60, 0, 4), StepNote(52, 0, 4), StepNote(55, 0, 4)]
    assert split_bass(chord) == ([chord[1]], [chord[2], chord[0]])


def test_bass_and_accompaniment_are_the_piano_notes(songs: list[tuple[str, list[StepNote]]]) -> None:
    for sid, piano in songs:
        bass, acc = split_bass(piano)
        assert Counter(map(_key, bass + acc)) == Counter(map(_key, piano)), sid
        onsets = Counter((n.start, n.pitch) for n in piano)
        assert Counter((n.start, n.pitch) for n in bass) + Counter((n.start, n.pitch) for n in acc) == onsets
        assert len({n.start for n in bass}) == len(bass), f"{sid}: one bass note per onset step"


def test_bass_is_the_lowest_sounding_note(songs: list[tuple[str, list[StepNote]]]) -> None:
    for sid, piano in songs:
        bass, _ = split_bass(piano)
        n = max(x.end for x in piano) + 1
        lowest = np.full(n, 999)
        for x in piano:
            lowest[x.start:x.end] = np.minimum(lowest[x.start:x.end], x.pitch)
        for b in bass:  # at its onset no piano note sounds below it
            assert b.pitch == lowest[b.start], (sid, b)
        # the bass line as the model reads it (one voice): wherever it sounds, nothing sounds below it
        steps = melody.tokens_to_steps(melody.steps_to_tokens(bass, n))
        for s in steps:
            assert (lowest[s.start:s.end] >= s.pitch).all(), (sid, s)
        assert len(steps) == len(bass)


def test_song_streams_round_trip_through_the_codec(shared_data: Path) -> None:
    for sid in SONGS[:3]:
        song = read_trio_song(shared_data / "pop909" / sid, SkipCounter())
        assert song is not None
        packed, _ = song.packed()
        assert packed.shape == (song.n_steps, STEP_ROWS, 3) and song.n_steps % 16 == 0
        parts = unpack(packed)
        assert np.array_equal(pack(parts["melody"], parts["bass"], parts["accompaniment"]), packed)
        assert np.array_equal(TRIO.join(TRIO.split(packed)), packed)
        # the accompaniment holds every piano note that is not bass (up to the grid's documented reductions)
        acc_notes = poly.note_count(parts["accompaniment"])
        assert acc_notes >= 0.95 * len(song.accompaniment)
        assert (parts["melody"] < 128).sum() == len(song.melody)
        section = TRIO.decode_streams(packed.astype(np.int64), Clip(), None, sid)
        assert set(section) == {"melody", "bass", "accompaniment"}
        assert [section[s].program for s in ("melody", "bass", "accompaniment")] == [73, 33, 0]
        back = TRIO.encode_streams(section, n_steps=len(packed)).tokens
        expected = packed.astype(np.int64)  # a note running past the song's last bar ends with it
        left = len(expected) - np.arange(len(expected))[:, None]
        dur = expected[:, 2:, 1]
        expected[:, 2:, 1] = np.where(expected[:, 2:, 0] < 128, np.minimum(dur, left), dur)
        assert np.array_equal(back, expected), sid


def test_transposition_moves_every_stream_together(shared_data: Path) -> None:
    song = read_trio_song(shared_data / "pop909" / "001", SkipCounter())
    assert song is not None
    w = song.packed()[0][None, :256]
    up = transpose_windows(w, np.array([3]))
    notes = w[..., 0] < 128
    assert np.array_equal(up[..., 0][notes], w[..., 0][notes] + 3)
    assert np.array_equal(up[..., 0][~notes], w[..., 0][~notes]) and np.array_equal(up[..., 1:], w[..., 1:])
    far = transpose_windows(w, np.array([60]))  # clamped: every note stays on the piano
    assert far[..., 0][notes].max() <= 108


def test_corpus_split_and_windows(shared_data: Path) -> None:
    corpus = build_trio_corpus(shared_data, max_songs=12)
    assert corpus.splits == [split_of("pop909", sid) for sid in corpus.tune_ids]  # the poly / melody split
    starts, owners, _ = corpus.window_starts("train", 4)
    wins = corpus.windows(starts[:8], 64)
    assert wins.shape == (min(8, len(starts)), 64, STEP_ROWS, 3)
    assert not (wins[:, 0, :2, 0] == melody.NOTE_OFF).any()  # no window starts by ending a note
    assert corpus.roots.shape == (len(corpus.arrays),) and (corpus.roots >= 0).mean() > 0.5
    roots = corpus.window_roots(starts, 64)
    share = bass_root_share(corpus.windows(starts, 64), roots)
    assert 0.4 < share <= 1.0  # POP909's bass mostly plays the annotated root
    moved = transpose_windows(corpus.windows(starts, 64), np.full(len(starts), 7))
    assert bass_root_share(moved, roots) < share  # a bass off the annotated chords is not on their roots


def test_guess_mapping_on_a_pop909_file(shared_data: Path) -> None:
    clips = read_midi(shared_data / "pop909" / "001" / "001.mid")
    names = [c.name.upper() for c in clips]
    m = guess_mapping(clips)
    assert [names[i] for i in m.tracks["melody"]] == ["MELODY"]
    assert [names[i] for i in m.tracks["accompaniment"]] == ["PIANO"]
    assert m.tracks["bass"] == () and m.bass_from_accompaniment
    assert all("BRIDGE" not in names[i] for idx in m.tracks.values() for i in idx)
    section = TRIO.streams_from_tracks(clips, m)
    piano = clips[names.index("PIANO")]
    bass, acc = section["bass"], section["accompaniment"]
    assert bass is not None and acc is not None
    assert sorted(bass.notes + acc.notes) == sorted(piano.notes)


def test_multitrack_midi_round_trip(tmp_path: Path) -> None:
    mel = tuple(Note(i * 480, 72 + (i % 5), i * 480 + 400, 96) for i in range(16))
    bass = tuple(Note(i * 1920, 36 + i, i * 1920 + 1800, 80) for i in range(4))
    acc = tuple(Note(i * 960, p, i * 960 + 900, 64) for i in range(8) for p in (60, 64, 67))
    section = TRIO.decode_streams(TRIO.encode_streams({"melody": Clip(notes=mel), "bass": Clip(notes=bass),
                                                       "accompaniment": Clip(notes=acc)}).tokens, Clip(), None, "s")
    path = write_section(tmp_path / "section.mid", TRIO, section)
    clips = read_midi(path)
    assert [(c.name, c.program, c.channel) for c in clips] == [("Melody", 73, 0), ("Bass", 33, 1),
                                                               ("Accompaniment", 0, 2)]
    back = read_section(path, TRIO)
    assert back.mapping.tracks == {"melody": (0,), "bass": (1,), "accompaniment": (2,)}
    for s in TRIO.streams:
        got = back.section[s]
        assert got is not None
        assert [(n.start, n.pitch, n.end, n.velocity) for n in got.notes] == \
            [(n.start, n.pitch, n.end, n.velocity) for n in section[s].notes]
    # an edited mapping: the bass track read as part of the accompaniment, the bass taken out of it again
    from latentcomposer.data.trio_codec import StreamMapping

    edited = read_section(path, TRIO, StreamMapping({"melody": (0,), "bass": (), "accompaniment": (1, 2)}, True))
    assert edited.section["bass"] is not None and edited.section["bass"].notes == section["bass"].notes


def test_trio_codec_is_registered_and_reads_one_clip() -> None:
    codec = codec_for("trio")
    assert codec is TRIO
    piano = Clip(notes=tuple(Note(i * 480, p, i * 480 + 480, 70) for i in range(8) for p in (48, 60, 64)))
    enc = codec.encode(piano)
    assert enc.tokens.shape == (32, STEP_ROWS, 3) and "accompaniment" in enc.warnings[0]
    parts = TRIO.split(enc.tokens)
    assert (parts["melody"] == melody.NO_EVENT).all() and set(parts["bass"][parts["bass"] < 128]) == {48}
    merged = codec.decode(enc.tokens, None, piano, None, "back")
    assert sorted((n.start, n.pitch) for n in merged.notes) == sorted((n.start, n.pitch) for n in piano.notes)
