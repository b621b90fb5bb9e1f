"""Attribute values in a composer's words (core.music_words): intervals, pitch names, units read from
the codecs' attribute definitions, and the slider label texts."""

from __future__ import annotations

import math

import pytest

from latentcomposer.core.music_words import (
    MOTION,
    PITCH,
    RATE,
    SHARE,
    SPAN,
    Unit,
    describe,
    interval_name,
    motion_words,
    pitch_name,
    unit_for,
)
from latentcomposer.data.attributes import ATTRIBUTES, DRUM_ATTRIBUTES


@pytest.mark.parametrize(("semitones", "words", "short"), [
    (0, "a unison", "unison"), (1, "a semitone", "semitone"), (2, "a 2nd", "2nd"), (3, "a 3rd", "3rd"),
    (4, "a 3rd", "3rd"), (5, "a 4th", "4th"), (6, "a tritone", "tritone"), (7, "a 5th", "5th"),
    (9, "a 6th", "6th"), (11, "a 7th", "7th"), (12, "an octave", "octave"),
    (16, "an octave and a 3rd", "octave+3rd"), (19, "an octave and a 5th", "octave+5th"),
    (24, "two octaves", "2 octaves"), (26, "two octaves and a 2nd", "2 octaves+2nd"),
    (120, "ten octaves", "10 octaves"), (132, "11 octaves", "11 octaves"),
])
def test_intervals_are_named_as_a_composer_names_them(semitones: int, words: str, short: str) -> None:
    assert interval_name(semitones) == words
    assert interval_name(semitones, short=True) == short


def test_interval_rounding_sign_and_nan() -> None:
    assert interval_name(6.6) == "a 5th" and interval_name(11.5) == "an octave"  # rounds to the nearest
    assert interval_name(-7) == "a 5th"  # a span has no direction
    assert interval_name(math.nan) == "?" and interval_name(math.inf) == "?"


@pytest.mark.parametrize(("midi", "name"), [(60, "C4"), (61, "C#4"), (58, "Bb3"), (72, "C5"), (71, "B4"),
                                            (21, "A0"), (0, "C-1"), (127, "G9"), (70.6, "B4"), (59.5, "C4")])
def test_pitch_names_in_scientific_notation(midi: float, name: str) -> None:
    assert pitch_name(midi) == name


def test_motion_words_grow_with_the_mean_interval() -> None:
    words = [motion_words(v) for v in (0.5, 2.0, 4.0, 6.0, 12.0)]
    assert words == ["repeated notes", "steps", "steps and skips", "leaps", "wide leaps"]
    assert motion_words(math.nan) == "repeated notes"
    assert [motion_words(v, short=True) for v in (0.5, 2.0, 4.0, 12.0)] == ["repeats", "steps", "skips", "wide leaps"]


def test_every_shipped_attribute_definition_has_a_unit() -> None:
    melody = {n: unit_for(d) for n, (_, d) in ATTRIBUTES.items()}
    assert melody == {"density": Unit(RATE, "notes", "bar"), "range": Unit(SPAN), "register": Unit(PITCH),
                      "interval": Unit(MOTION), "syncopation": Unit(SHARE), "rests": Unit(SHARE),
                      "in-key": Unit(SHARE)}
    drums = {n: unit_for(d) for n, (_, d) in DRUM_ATTRIBUTES.items()}
    assert drums["density"] == Unit(RATE, "hits", "bar")
    assert all(drums[n] == Unit(SHARE) for n in ("kick", "snare", "hihat", "syncopation", "fill"))
    assert unit_for("notes per onset: how full the chords are") == Unit(RATE, "notes", "onset")
    assert unit_for("a score of how pleasant it sounds") is None  # no musical unit: the slider stays abstract


def test_describe_long_and_short() -> None:
    assert describe(5.23, Unit(RATE, "notes", "bar")) == "5.2 notes a bar"
    assert describe(5.23, Unit(RATE, "notes", "bar"), short=True) == "5.2"
    assert describe(2.0, Unit(RATE, "notes", "onset")) == "2.0 notes an onset"
    assert describe(7.2, Unit(SPAN)) == "a 5th" and describe(24, Unit(SPAN), short=True) == "2 octaves"
    assert describe(72.3, Unit(PITCH)) == "around C5" and describe(72.3, Unit(PITCH), short=True) == "C5"
    assert describe(2.14, Unit(MOTION)) == "steps (2.1 semitones)"
    assert describe(2.14, Unit(MOTION), short=True) == "steps"
    assert describe(4.0, Unit(MOTION)) == "steps and skips (4.0 semitones)"
    assert describe(4.0, Unit(MOTION), short=True) == "skips"
    assert describe(0.125, Unit(SHARE)) == "12 %" and describe(1.0, Unit(SHARE), short=True) == "100 %"
    assert describe(math.nan, Unit(SHARE)) == "?"


def test_units_round_trip_and_reject_unknown_kinds() -> None:
    u = Unit(RATE, "hits", "bar")
    assert Unit.from_dict(u.as_dict()) == u
    with pytest.raises(ValueError, match="unknown unit kind"):
        Unit.from_dict({"kind": "decibels"})
