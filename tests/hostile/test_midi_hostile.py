"""Hostile MIDI input (issue 31): every bad file is a MidiFileError with a message; nothing hangs or
exhausts memory. Work is bounded by structure (at most 4-byte quantities, counted notes, a length cap),
so these tests assert the structure (where the parser stopped, what was refused), not wall time."""

from __future__ import annotations

import os
import random
import tracemalloc
from pathlib import Path

import pytest

from latentcomposer.core import Clip, CoreError, Note, TimeSignature
from latentcomposer.core.clip import MAX_CLIP_NOTES, MAX_CLIP_QUARTERS
from latentcomposer.core.examples import example_clip
from latentcomposer.io import smf
from latentcomposer.io.midifile import (
    MAX_FILE_BYTES,
    CorruptMidiFile,
    EmptyMidiFile,
    MidiFileError,
    MidiFileTooLarge,
    MidiFileTooLong,
    MidiFileUnreadable,
    MidiWriteError,
    NotAMidiFile,
    midi_bytes,
    read_midi,
    read_midi_bytes,
    write_midi,
)

from .midi_gen import END, MUTATIONS, cases, layout, note, seed_files
from .midi_gen import smf as make_smf

TEMPO0 = make_smf([b"\x00\xff\x51\x03\x00\x00\x00" + note() + END])


# --- the reproduced findings ------------------------------------------------------------------
def test_tempo_zero_is_ignored_not_a_crash() -> None:
    (clip,) = read_midi_bytes(TEMPO0)
    assert clip.tempo == 120.0 and clip.notes == (Note(0, 60, 96, 64),)
    assert clip.duration_seconds == pytest.approx(0.1)  # finite: the info command prints it


@pytest.mark.parametrize("run", [5, 1000, 300_000])
def test_overlong_delta_time_is_refused_where_it_starts(run: int) -> None:
    data = make_smf([b"\x00\x90\x3c\x40" + b"\xff" * run + b"\x7f\x80\x3c\x00" + END])
    with pytest.raises(CorruptMidiFile, match=r"delta time longer than 4 bytes \(track 1, byte 26\)"):
        read_midi_bytes(data)  # byte 26 whatever the run's length: the parser stops at the 5th byte


def test_overlong_meta_length_is_refused() -> None:
    data = make_smf([b"\x00\xff\x01" + b"\xff" * 100 + b"\x00" + note() + END])
    with pytest.raises(CorruptMidiFile, match="event length longer than 4 bytes"):
        read_midi_bytes(data)


def test_huge_legal_ticks_are_refused_with_their_length_in_bars() -> None:
    data = make_smf([b"".join(note(length=0x0FFFFFFF) for _ in range(10)) + END])  # 140 bytes
    with pytest.raises(MidiFileTooLong) as info:
        read_midi_bytes(data, path="long.mid")
    err = info.value
    assert err.bars == 1_398_102 and err.max_bars == 1024
    assert str(err) == ("long.mid: is 1,398,102 bars long (4/4); latentcomposer reads up to 1,024 bars of "
                        "4/4 (4,096 quarter notes): open its first 1,024 bars, or split it in a MIDI editor")


def test_first_bars_opens_the_beginning_of_a_long_file() -> None:
    bar = 4 * 480
    body = b"".join(note(60 + k % 12, bar // 2, delta=bar // 2) for k in range(3000))  # 3,000 bars
    data = make_smf([b"\x00\xff\x58\x04\x03\x02\x18\x08" + body + END])  # in 3/4: 4,000 bars
    with pytest.raises(MidiFileTooLong) as info:
        read_midi_bytes(data)
    assert (info.value.bars, info.value.max_bars) == (4000, 1365)  # 1,365 bars of 3/4 = 4,095 quarters
    (clip,) = read_midi_bytes(data, first_bars=info.value.max_bars)
    assert clip.time_signature == TimeSignature(3, 4)
    assert clip.end_tick <= 1365 * 3 * 480 and clip.n_bars == 1365
    (short,) = read_midi_bytes(data, first_bars=2)
    assert short.end_tick == 2 * 3 * 480 and short.n_bars == 2  # the clip is the 2 bars asked for
    assert [(n.start, n.end) for n in short.notes] == [(960, 1920)]
    (cut,) = read_midi_bytes(data, first_bars=5)
    assert cut.notes[-1] == Note(6720, 63, 7200, 64)  # the note crossing the cut is shortened to it
    with pytest.raises(EmptyMidiFile, match="first 1 bar"):
        read_midi_bytes(make_smf([note(delta=5000) + END]), first_bars=1)
    with pytest.raises(MidiFileTooLarge, match="whole number of bars"):
        read_midi_bytes(data, first_bars=0)


def test_too_many_notes_stops_counting_at_the_limit() -> None:
    many = b"".join(note(60, 1) for _ in range(smf.MAX_NOTES + 1))
    with pytest.raises(MidiFileTooLarge, match=f"more than {smf.MAX_NOTES:,} notes"):
        read_midi_bytes(make_smf([many + END]))
    unreleased = b"\x00\x90\x3c\x40" * (smf.MAX_NOTES + 1)  # running status: 3 bytes each
    with pytest.raises(MidiFileTooLarge, match="notes"):
        read_midi_bytes(make_smf([unreleased + END]))


def test_too_many_tempo_changes() -> None:
    tempos = b"\x00\xff\x51\x03\x07\xa1\x20" * (smf.MAX_CHANGES + 1)
    with pytest.raises(CorruptMidiFile, match="tempo and time-signature changes"):
        read_midi_bytes(make_smf([tempos + note() + END]))


@pytest.mark.parametrize("data, kind, words", [
    (make_smf([b"\x00\x3c\x40" + END]), CorruptMidiFile, "running status with no status"),
    (make_smf([b"\x00\xf4" + END]), CorruptMidiFile, "undefined status byte 0xF4"),
    (make_smf([b"\x00\x90\x3c"]), CorruptMidiFile, "runs past the end of its track"),
    (make_smf([b"\x00\xff\x03\x40ab" + END]), CorruptMidiFile, "runs past the end of its track"),
    (make_smf([b"\x00\xf0\x7f\x01"]), CorruptMidiFile, "runs past the end"),
    (make_smf([b"\x81"]), CorruptMidiFile, "ends inside a delta time"),
    (make_smf([b"\x00"]), CorruptMidiFile, "before its event"),
    (make_smf([note() + END])[:-3], CorruptMidiFile, "truncated"),
    (make_smf([note() + END])[:20], CorruptMidiFile, "truncated"),
    (make_smf([note() + END], ppq=0), CorruptMidiFile, "time division of 0"),
    (make_smf([note() + END], ppq=0xE728), CorruptMidiFile, "SMPTE"),
    (make_smf([note() + END], fmt=2), CorruptMidiFile, "type-2"),
    (make_smf([note() + END], fmt=7), CorruptMidiFile, "format 7"),
    (b"MThd\x00\x00\x00\x06\x00\x01\xff\xff\x01\xe0", CorruptMidiFile, "claims 65,535 tracks"),
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x03\x01\xe0", CorruptMidiFile, "promises 3 track"),
    (b"MThd\x7f\xff\xff\xff\x00\x01\x00\x01\x01\xe0", CorruptMidiFile, "absurd header length"),
    (b"RIFF" + make_smf([note() + END])[4:], NotAMidiFile, "MThd"),
    (make_smf([END]), EmptyMidiFile, "no notes"),
])
def test_each_damage_has_its_message(data: bytes, kind: type, words: str) -> None:
    with pytest.raises(kind, match=words) as info:
        read_midi_bytes(data, path="x.mid")
    assert str(info.value).startswith("x.mid: ")


def test_lenient_where_nothing_is_lost() -> None:
    """Unknown chunks are skipped, short metas ignored, data bytes over 127 clipped, running status
    kept across meta events; the notes come through."""
    track = (b"\x00\xff\x51\x02\x07\xa1" + b"\x00\xff\x58\x01\x04" + b"\x00\xff\x58\x04\x03\x09\x18\x08"
             + b"\x00\x90\x3c\xff" + b"\x00\xff\x01\x01a" + b"\x60\x3c\x00" + END)
    data = make_smf([track])
    data = data[:14] + b"XFIH\x00\x00\x00\x03abc" + data[14:]  # an unknown chunk between header and track
    (clip,) = read_midi_bytes(data)
    assert clip.notes == (Note(0, 60, 96, 127),)
    assert clip.tempo == 120.0 and clip.time_signature == TimeSignature(4, 4)


def test_extreme_but_legal_ppq() -> None:
    for ppq in (1, 32767):
        data = make_smf([b"\x00\xff\x58\x04\x01\x06\x18\x08" + note(length=ppq) + END], ppq=ppq)  # 1/64
        (clip,) = read_midi_bytes(data)
        assert clip.ppq == ppq and clip.bar_ticks >= 1 and clip.n_bars >= 1


def test_declared_tracks_beyond_what_is_read_are_ignored() -> None:
    one = make_smf([note() + END])
    data = one + b"MTrk\x00\x00\x00\x08" + note() * 0 + b"\x00\x90\x3c\x40" + END  # an undeclared chunk
    assert len(read_midi_bytes(data)) == 1


# --- files that are not files ---------------------------------------------------------------
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_devices_are_refused_without_reading() -> None:
    with pytest.raises(MidiFileUnreadable, match="is a device"):
        read_midi("/dev/zero")  # used to read without limit: st_size is 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "song.mid"
    os.mkfifo(fifo)
    with pytest.raises(MidiFileUnreadable, match="pipe"):
        read_midi(fifo)  # used to block forever waiting for a writer


def test_symlinked_file_is_read(tmp_path: Path) -> None:
    real = write_midi(tmp_path / "real.mid", [example_clip("twinkle")])
    (tmp_path / "link.mid").symlink_to(real)
    assert read_midi(tmp_path / "link.mid")[0].notes == example_clip("twinkle").notes


def test_byte_cap_holds_even_when_the_size_lies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from latentcomposer.io import files

    assert MAX_FILE_BYTES == 16 * 2**20
    with pytest.raises(MidiFileTooLarge, match="refusing files over 16 MB"):
        read_midi_bytes(b"MThd" + bytes(MAX_FILE_BYTES))  # data in memory: the same cap
    big = tmp_path / "big.mid"
    big.write_bytes(b"MThd" + bytes(200))
    monkeypatch.setattr("latentcomposer.io.midifile.MAX_FILE_BYTES", 100)
    with pytest.raises(MidiFileTooLarge, match="refusing files over"):
        read_midi(big)
    real_stat = os.stat  # a file that grows after stat(), or a size the file system gets wrong
    monkeypatch.setattr(files.os, "stat", lambda p: os.stat_result((*real_stat(p)[:6], 10, *real_stat(p)[7:])))
    with pytest.raises(files.FileProblem, match="over 0 MB") as info:
        files.read_capped(big, 100, "a MIDI file")
    assert info.value.too_large


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_writing_refuses_devices_folders_and_pipes(tmp_path: Path) -> None:
    clip = example_clip("twinkle")
    targets = ["/dev/null", str(tmp_path)]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.mid")
        targets.append(str(tmp_path / "pipe.mid"))
    for target in targets:
        mode = os.stat(target).st_mode
        with pytest.raises(MidiWriteError, match=r"cannot be written \(is a"):
            write_midi(target, [clip])
        assert os.stat(target).st_mode == mode  # untouched: still a device / folder / pipe


def test_writing_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.mid"
    real.write_bytes(b"old")
    link = tmp_path / "link.mid"
    link.symlink_to(real)
    write_midi(link, [example_clip("twinkle")])
    assert link.is_symlink() and read_midi(real)[0].notes == example_clip("twinkle").notes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


# --- the limits hold for every clip ---------------------------------------------------------
def test_core_refuses_clips_past_the_limits() -> None:
    with pytest.raises(CoreError, match="4,096 quarter notes"):
        Clip(notes=(Note(0, 60, MAX_CLIP_QUARTERS * 480 + 1),))
    with pytest.raises(CoreError, match="4,096 quarter notes"):
        Clip(length=10**30)
    Clip(notes=(Note(0, 60, MAX_CLIP_QUARTERS * 480),))  # exactly at the limit: fine
    notes = [Note(k % 1000, 60, k % 1000 + 1) for k in range(MAX_CLIP_NOTES + 1)]
    with pytest.raises(CoreError, match="200,000 notes"):
        Clip(notes=tuple(notes))


def test_every_clip_at_the_limit_writes_a_standard_file() -> None:
    """At ppq 32767 the longest clip's ticks still fit a 4-byte delta time (< 2**28)."""
    assert MAX_CLIP_QUARTERS * 32767 < 0x0FFFFFFF
    clip = Clip(notes=(Note(0, 60, 1), Note(MAX_CLIP_QUARTERS * 32767 - 1, 61, MAX_CLIP_QUARTERS * 32767)),
                ppq=32767)
    assert read_midi_bytes(midi_bytes([clip]))[0].notes == clip.notes


@pytest.mark.parametrize("bad", [{"tempo": "fast"}, {"tempo": 10**400}, {"tempo": float("nan")},
                                 {"program": "1"}, {"channel": 2.5}, {"length": -1}, {"length": 10**400}, {"ppq": True},
                                 {"name": None}, {"is_drum": "yes"}, {"time_signature": (4, 4)},
                                 {"tempo_changes": ((0, 120.0),)}])
def test_clip_fields_are_checked(bad: dict) -> None:
    with pytest.raises(CoreError):
        Clip(**bad)


# --- generated cases ------------------------------------------------------------------------
N_FUZZ = 400  # about 5 s here; benchmarks/hostile_input.py runs 10,000


def test_generators_reach_every_mutation() -> None:
    seen = {name for _, names in cases(seed_files(), N_FUZZ, seed=1) for name in names}
    assert seen == set(MUTATIONS)
    lay = layout(seed_files()[0])
    assert lay.tracks and lay.events and lay.tempos


def test_fuzzed_files_raise_only_midifileerror_in_bounded_memory() -> None:
    outcomes: dict[str, int] = {}
    rng = random.Random(7)
    for k, (data, names) in enumerate(cases(seed_files(), N_FUZZ, seed=31)):
        measure = k % 20 == 0  # tracemalloc slows the parser ~10x: a sample of the cases
        if measure:
            tracemalloc.start()
        try:
            clips = read_midi_bytes(data, path="fuzz.mid", first_bars=rng.choice([None, None, 4]))
        except MidiFileError as exc:
            assert str(exc).startswith("fuzz.mid: ") and len(str(exc)) < 400, names
            outcome = type(exc).__name__
        except BaseException as exc:  # noqa: BLE001 - the point of the test
            pytest.fail(f"case {k} ({names}) escaped as {type(exc).__name__}: {exc}")
        else:
            assert clips and all(c.notes and c.end_tick <= MAX_CLIP_QUARTERS * c.ppq for c in clips)
            for c in clips:
                c.duration_seconds  # noqa: B018 - must be finite and not raise
            outcome = "read"
        if measure:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak < 64 * 2**20 + 60 * len(data), (k, names, peak)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes.get("read", 0) > N_FUZZ // 10 and outcomes.get("CorruptMidiFile", 0) > N_FUZZ // 10
