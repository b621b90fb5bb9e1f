"""Chord symbols, chord tracks, and chord/key detection from notes (core/chords.py, core/harmony.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from latentcomposer.core import (
    QUALITIES,
    Chord,
    ChordEvent,
    ChordTrack,
    Clip,
    CoreError,
    Key,
    NotEnoughNotes,
    StepNote,
    detect_chords,
    detect_key,
    parse_chord,
    parse_key,
)
from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.core.harmony import DETECT_QUALITIES, detect_chord, key_candidates

COMMON = ["C", "Cm", "C7", "Cmaj7", "Cm7", "Cdim", "Caug", "Csus4", "Csus2", "Cdim7", "Cm7b5", "C6", "Cm6", "C9",
          "C/E", "Bb", "F#m7b5", "C#m7/E", "Db", "Ebm", "Ab7/Gb", "G7sus4", "Am(maj7)", "Fmaj9", "Dm9", "Cadd9",
          "E5", "N"]


# --- symbols ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("symbol", COMMON)
def test_common_symbols_print_as_typed(symbol: str) -> None:
    assert str(parse_chord(symbol)) == symbol


@pytest.mark.parametrize(("alias", "canonical"), [
    ("CM7", "Cmaj7"), ("CΔ7", "Cmaj7"), ("C-7", "Cm7"), ("Cmin", "Cm"), ("C°", "Cdim"), ("C+", "Caug"),
    ("Csus", "Csus4"), ("Cø", "Cm7b5"), ("Cmaj", "C"), ("C(add9)", "Cadd9"), ("NC", "N"), ("N.C.", "N"),
    ("  Am7 ", "Am7"), ("Bbmaj7/D", "Bbmaj7/D"), ("C/C", "C"),
])
def test_aliases(alias: str, canonical: str) -> None:
    assert str(parse_chord(alias)) == canonical


def test_values_and_pitch_classes() -> None:
    c = parse_chord("C#m7/E")
    assert (c.root, c.quality, c.bass) == (1, "m7", 4)
    assert c.pitch_classes() == (1, 4, 8, 11)
    assert parse_chord("C/Bb").pitch_classes() == (0, 4, 7, 10)  # a bass outside the chord counts
    assert parse_chord("C9").pitch_classes() == (0, 2, 4, 7, 10)
    assert parse_chord("Db") == parse_chord("C#") and hash(parse_chord("Db")) == hash(parse_chord("C#"))
    assert str(parse_chord("Db").transpose(2)) == "Eb" and str(parse_chord("B").transpose(1)) == "C"
    assert Chord.none().is_none and Chord.none().pitch_classes() == () and str(Chord.none()) == "N"
    assert parse_chord("G7/B").bass_pitch_class == 11 and parse_chord("G7").bass_pitch_class == 7


@pytest.mark.parametrize("bad", ["H", "Cxyz", "C/H", "", "7", "Cmaj7/", "C/E/G", "Xm"])
def test_unknown_symbols_say_what_is_accepted(bad: str) -> None:
    with pytest.raises(CoreError) as err:
        parse_chord(bad)
    assert repr(bad) in str(err.value) and ("e.g." in str(err.value))


def test_invalid_values() -> None:
    with pytest.raises(CoreError, match="pitch class"):
        Chord(12, "maj")
    with pytest.raises(CoreError, match="unknown chord quality"):
        Chord(0, "mystery")
    with pytest.raises(CoreError, match="no chord"):
        Chord(None, "maj")


chords = st.one_of(st.just(Chord.none()), st.builds(
    Chord, st.integers(0, 11), st.sampled_from(sorted(QUALITIES)), st.one_of(st.none(), st.integers(0, 11)),
    st.sampled_from([None, True, False])))


@given(chords)
def test_print_parse_round_trip(chord: Chord) -> None:
    text = str(chord)
    again = parse_chord(text)
    assert again == chord
    assert str(again) == text  # the spelling survives too


@given(chords, st.integers(-30, 30))
def test_transposition_moves_every_pitch_class(chord: Chord, semitones: int) -> None:
    moved = chord.transpose(semitones)
    assert moved.pitch_classes() == tuple(sorted((p + semitones) % 12 for p in chord.pitch_classes()))
    assert moved.transpose(-semitones) == chord


# --- tracks ----------------------------------------------------------------------------------------
def test_track_reads_per_step_and_transposes() -> None:
    t = ChordTrack((ChordEvent(16, 32, parse_chord("F")), ChordEvent(0, 16, parse_chord("C")),
                    ChordEvent(40, 48, parse_chord("G7"))))
    assert [e.start_step for e in t] == [0, 16, 40] and t.end_step == 48
    assert str(t.at(0)) == "C" and str(t.at(31)) == "F" and t.at(35).is_none and t.at(100).is_none
    steps = t.per_step(44)
    assert len(steps) == 44 and str(steps[15]) == "C" and steps[33].is_none and str(steps[43]) == "G7"
    assert ChordTrack.from_per_step(t.per_step(48)) == t
    assert [s for _, _, s in t.transpose(-2).symbols()] == ["Bb", "Eb", "F7"]


def test_track_rejects_overlaps_and_drops_no_chord() -> None:
    with pytest.raises(CoreError, match="overlap"):
        ChordTrack((ChordEvent(0, 16, parse_chord("C")), ChordEvent(8, 24, parse_chord("G"))))
    with pytest.raises(CoreError):
        ChordEvent(8, 8, parse_chord("C"))
    assert len(ChordTrack((ChordEvent(0, 16, Chord.none()),))) == 0


def test_progressions_edits_and_storage() -> None:
    t = ChordTrack.from_symbols("C G Am F")
    assert t.symbols() == [(0, 16, "C"), (16, 32, "G"), (32, 48, "Am"), (48, 64, "F")]
    bars = ChordTrack.from_symbols("C G | Am | N | F C Dm G")
    assert bars.symbols()[:3] == [(0, 8, "C"), (8, 16, "G"), (16, 32, "Am")] and bars.at(40).is_none
    assert bars.symbols()[-1] == (60, 64, "G")
    with pytest.raises(CoreError, match="1, 2 or 4"):
        ChordTrack.from_symbols("C G Am | F")
    with pytest.raises(CoreError, match="'Q'"):
        ChordTrack.from_symbols("C Q")
    edited = t.with_chord(8, 24, "E7")
    assert edited.symbols() == [(0, 8, "C"), (8, 24, "E7"), (24, 32, "G"), (32, 48, "Am"), (48, 64, "F")]
    assert t.with_chord(16, 32, "N").at(20).is_none
    assert ChordTrack.from_data(t.to_data()) == t
    assert t.slice(8, 40).symbols() == [(0, 8, "C"), (8, 24, "G"), (24, 32, "Am")]
    cut, msg = t.fitted(40)
    assert cut.end_step == 40 and msg is not None and "cut" in msg
    same, msg = t.fitted(80)
    assert same == t and msg is not None and "N" in msg
    assert t.fitted(64) == (t, None)


# --- chord detection -------------------------------------------------------------------------------
def _block(chord: Chord, start: int, length: int, octave: int = 48, invert: int = 0) -> list[StepNote]:
    """The chord as a block of notes from ``start`` (``invert``: that many lowest tones moved up an octave)."""
    assert chord.root is not None
    pitches = [octave + chord.root + i for i in chord.intervals]
    for _ in range(invert):
        pitches = [*pitches[1:], pitches[0] + 12]
    return [StepNote(p, start, start + length) for p in pitches]


@pytest.mark.parametrize("quality", DETECT_QUALITIES)
def test_block_chords_in_root_position_on_every_root(quality: str) -> None:
    for root in range(12):
        chord = Chord(root, quality)
        assert detect_chord(_block(chord, 0, 16)) == chord


@pytest.mark.parametrize("symbol", ["C/E", "Am/C", "G/B", "Cm/Eb", "G7/B", "D7/F#", "F7/A"])
def test_inversions_are_slash_chords(symbol: str) -> None:
    chord = parse_chord(symbol)
    track = detect_chords(_block(chord.without_bass(), 0, 16, invert=1), "bar")
    assert track.symbols() == [(0, 16, symbol)]


def test_a_progression_over_a_melody_per_beat_and_per_bar() -> None:
    prog = [parse_chord(s) for s in ("C", "Am7", "Dm", "G7", "Em", "A7", "Fmaj7", "G")]
    notes = [n for i, c in enumerate(prog) for n in _block(c, 8 * i, 8)]
    melody = [StepNote(72 + (i % 3) * 2, 2 * i, 2 * i + 2) for i in range(32)]  # passing tones on top
    assert [str(detect_chords(notes, "beat").at(8 * i + 4)) for i in range(8)] == [str(c) for c in prog]
    track = detect_chords([*notes, *melody], "beat")
    assert [track.at(8 * i + 4).root for i in range(8)] == [c.root for c in prog]
    bars = detect_chords(notes, "bar")
    assert all(e.start_step % 16 == 0 and e.end_step % 16 == 0 for e in bars)


def test_silence_has_no_chord_and_a_short_rest_holds_it() -> None:
    c, g = parse_chord("C"), parse_chord("G")
    notes = _block(c, 16, 12) + _block(g, 32, 16)  # a bar of silence, then C with a beat's rest, then G
    track = detect_chords(notes, "beat", n_steps=64)
    assert track.at(0).is_none and track.at(12).is_none
    assert track.at(29) == c and track.at(40) == g and track.at(60).is_none


def test_clip_detection_follows_the_clip_grid() -> None:
    clip = Clip.from_steps(_block(parse_chord("F"), 0, 16) + _block(parse_chord("Bb"), 16, 16), ppq=96)
    assert detect_chords(clip, "bar").symbols() == [(0, 16, "F"), (16, 32, "Bb")]
    with pytest.raises(CoreError, match="drums"):
        detect_chords(clip.copy(is_drum=True))
    assert len(detect_chords(Clip())) == 0


# --- keys ------------------------------------------------------------------------------------------
def _scale_tune(tonic: int, steps: tuple[int, ...]) -> list[StepNote]:
    """Up and down the scale, then the tonic triad (the tonic longest)."""
    pitches = [60 + tonic + s for s in (*steps, 12, *reversed(steps))]
    notes = [StepNote(p, 2 * i, 2 * i + 2) for i, p in enumerate(pitches)]
    t = 2 * len(pitches)
    third = steps[2]
    return [*notes, StepNote(60 + tonic, t, t + 16), StepNote(60 + tonic + third, t, t + 8),
            StepNote(60 + tonic + 7, t, t + 8)]


@pytest.mark.parametrize("profile", ["krumhansl", "temperley"])
def test_keys_of_scales(profile: str) -> None:
    for tonic in range(12):
        assert detect_key(_scale_tune(tonic, (0, 2, 4, 5, 7, 9, 11)), profile) == Key(tonic, "major")
        assert detect_key(_scale_tune(tonic, (0, 2, 3, 5, 7, 8, 11)), profile) == Key(tonic, "minor")  # harmonic


@pytest.mark.parametrize("name", NAMES)
def test_example_melodies_are_in_c_major(name: str) -> None:
    assert detect_key(example_clip(name)) == Key(0, "major")
    assert str(detect_key(example_clip(name).transpose(3))) == "Eb major"


def test_key_values() -> None:
    assert str(Key(6, "major")) == "F# major" and str(Key(8, "minor")) == "G# minor"
    assert Key(9, "minor").scale_pitch_classes() == (0, 2, 4, 5, 7, 9, 11)
    assert Key(2, "major").scale_pitch_classes() == (1, 2, 4, 6, 7, 9, 11)
    assert Key(0, "major").relative == Key(9, "minor") and Key(9, "minor").relative == Key(0, "major")
    for text, key in (("C major", Key(0)), ("a minor", Key(9, "minor")), ("Bbm", Key(10, "minor")),
                      ("F#", Key(6)), ("Eb maj", Key(3))):
        assert parse_key(text) == key
        assert parse_key(str(key)) == key
    with pytest.raises(CoreError, match="major"):
        parse_key("C dorian")


def test_too_few_notes_for_a_key() -> None:
    with pytest.raises(NotEnoughNotes, match="not enough notes"):
        detect_key([StepNote(60, 0, 4), StepNote(64, 4, 8)])
    with pytest.raises(NotEnoughNotes):
        detect_key([StepNote(60, 4 * i, 4 * i + 4) for i in range(8)])  # one pitch class
    ranked = key_candidates(example_clip("twinkle"))
    assert len(ranked) == 24 and ranked[0][1] >= ranked[-1][1]
