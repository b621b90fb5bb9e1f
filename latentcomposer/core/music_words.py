"""Attribute values in a composer's words: "a 5th", "two octaves", "C5", "5.2 notes a bar", "12 %".

The slider panel labels its attribute sliders with these (issue 26). A :class:`Unit` says how one
attribute is measured; :func:`unit_for` reads it from the attribute's shipped definition (the codecs'
attribute tables, e.g. "note onsets per bar", "highest minus lowest pitch, semitones"), so no code here
asks which representation a model holds. Pitches are named in scientific pitch notation: MIDI 60
(middle C) is C4, 72 is C5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .chords import DEFAULT_NAMES

# unit kinds
RATE = "rate"  # events per bar (or per onset): "5.2 notes a bar"
SPAN = "span"  # a distance in semitones between two pitches: "a 6th", "an octave and a 3rd"
MOTION = "motion"  # a mean interval between successive notes, semitones: "steps (2.1 semitones)"
PITCH = "pitch"  # a (mean) MIDI pitch: "around C5"
SHARE = "share"  # a share 0..1: "12 %"
KINDS = (RATE, SPAN, MOTION, PITCH, SHARE)

# 0..11 semitones as a composer names the span (quality left out: a median range of 8.4 is "a 6th")
SIMPLE_INTERVALS = ("a unison", "a semitone", "a 2nd", "a 3rd", "a 3rd", "a 4th", "a tritone", "a 5th",
                    "a 6th", "a 6th", "a 7th", "a 7th")
OCTAVES = ("", "an octave", "two octaves", "three octaves", "four octaves", "five octaves", "six octaves",
           "seven octaves", "eight octaves", "nine octaves", "ten octaves")
# mean |interval| (semitones) -> how the line moves: (upper bound, words)
MOTIONS = ((1.0, "repeated notes"), (3.0, "steps"), (5.0, "steps and skips"), (8.0, "leaps"),
           (math.inf, "wide leaps"))
SHORT_MOTIONS = {"repeated notes": "repeats", "steps and skips": "skips"}  # a slider's ends


@dataclass(frozen=True)
class Unit:
    """How an attribute is measured: ``kind`` (one of :data:`KINDS`) and, for rates, what is counted
    per what ("notes" a "bar", "hits" a "bar", "notes" an "onset")."""

    kind: str
    noun: str = ""
    per: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "noun": self.noun, "per": self.per}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Unit:
        kind = str(d.get("kind", ""))
        if kind not in KINDS:
            raise ValueError(f"unknown unit kind {kind!r} (known: {', '.join(KINDS)})")
        return cls(kind, str(d.get("noun", "")), str(d.get("per", "")))


def unit_for(definition: str) -> Unit | None:
    """The unit of an attribute from its definition in words (None: no musical unit known, e.g. a
    score without a scale). Reads the phrases the codecs' attribute tables use."""
    d = definition.lower()
    if "midi pitch" in d:
        return Unit(PITCH)
    if "interval between successive" in d and "semitone" in d:
        return Unit(MOTION)
    if "semitone" in d:
        return Unit(SPAN)
    if "share" in d:
        return Unit(SHARE)
    for per in ("bar", "onset"):
        if f"per {per}" in d:
            noun = "hits" if "hit" in d else "notes" if "note" in d else "events"
            return Unit(RATE, noun, per)
    return None


def interval_name(semitones: float, short: bool = False) -> str:
    """A span in words, rounded to whole semitones: 7 -> "a 5th", 12 -> "an octave", 16 -> "an
    octave and a 3rd", 24 -> "two octaves" (the sign is ignored; NaN -> "?"). ``short`` (a slider's
    ends): "5th", "octave", "octave+3rd", "2 octaves"."""
    if not math.isfinite(semitones):
        return "?"
    n = int(round(abs(semitones)))
    octaves, rest = divmod(n, 12)
    simple = SIMPLE_INTERVALS[rest].split(" ", 1)[1] if short else SIMPLE_INTERVALS[rest]
    if octaves == 0:
        return simple
    if short:
        head = "octave" if octaves == 1 else f"{octaves} octaves"
        return head if rest == 0 else f"{head}+{simple}"
    head = OCTAVES[octaves] if octaves < len(OCTAVES) else f"{octaves} octaves"
    return head if rest == 0 else f"{head} and {simple}"


def pitch_name(midi: float) -> str:
    """A MIDI pitch (rounded) in scientific notation: 60 -> "C4" (middle C), 73 -> "C#5", 58 -> "Bb3"."""
    if not math.isfinite(midi):
        return "?"
    p = int(round(midi))
    return f"{DEFAULT_NAMES[p % 12]}{p // 12 - 1}"


def motion_words(semitones: float, short: bool = False) -> str:
    """A mean interval between successive notes in words: 2.1 -> "steps", 4 -> "steps and skips"
    (``short``: "skips"), 6 -> "leaps"."""
    v = abs(semitones) if math.isfinite(semitones) else 0.0
    words = next(words for bound, words in MOTIONS if v < bound)
    return SHORT_MOTIONS.get(words, words) if short else words


def describe(value: float, unit: Unit, short: bool = False) -> str:
    """``value`` in ``unit``, in words: the slider's label (``short=False``: "5.2 notes a bar",
    "a 6th", "around C5", "steps (2.1 semitones)", "12 %") or the slider's ends (``short=True``:
    "5.2", "6th", "C5", "steps", "12 %")."""
    if not math.isfinite(value):
        return "?"
    if unit.kind == RATE:
        article = "an" if unit.per[:1] in "aeiou" and unit.per else "a"
        return f"{value:.1f}" if short else f"{value:.1f} {unit.noun} {article} {unit.per}"
    if unit.kind == SPAN:
        return interval_name(value, short)
    if unit.kind == PITCH:
        return pitch_name(value) if short else f"around {pitch_name(value)}"
    if unit.kind == MOTION:
        return motion_words(value, short) if short else f"{motion_words(value)} ({value:.1f} semitones)"
    if unit.kind == SHARE:
        return f"{100 * value:.0f} %"
    raise ValueError(f"unknown unit kind {unit.kind!r}")
