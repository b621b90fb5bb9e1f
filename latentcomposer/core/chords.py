"""Chord symbols on the 16th-step grid: :class:`Chord`, :class:`ChordEvent`, :class:`ChordTrack`.

A :class:`Chord` is a value: a root pitch class (0 = C ... 11 = B), a quality (a key of
:data:`QUALITIES`: its intervals above the root) and an optional bass pitch class (a slash chord,
``C/E``); ``Chord.none()`` is "N", no chord. :func:`parse_chord` reads common lead-sheet symbols
(``C``, ``Cm``, ``C7``, ``Cmaj7``, ``Cm7``, ``Cdim``, ``Caug``, ``Csus4``, ``C/E``, ``Bb``,
``F#m7b5`` and the aliases in :data:`QUALITIES`); ``str`` prints the canonical symbol, spelled with
the accidental it was typed with (``Db`` stays ``Db``, ``C#`` stays ``C#``; computed chords use
:data:`DEFAULT_NAMES`). Equality ignores spelling: ``parse_chord("Db") == parse_chord("C#")``.

A :class:`ChordTrack` holds sorted, non-overlapping :class:`ChordEvent` s (start/end in 16th steps,
end exclusive); a step no event covers has no chord ("N"), so the track never stores N events. It is
kept beside a clip (``Clip`` does not carry one), transposes with it and turns into one chord per step
(:meth:`ChordTrack.per_step`), the form the chord-conditioned models read.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from .errors import CoreError

STEPS_PER_BAR = 16  # 4/4 on the 16th grid (the models' bar)

# quality -> (intervals above the root in semitones, canonical suffix, other accepted suffixes)
QUALITIES: dict[str, tuple[tuple[int, ...], str, tuple[str, ...]]] = {
    "maj": ((0, 4, 7), "", ("maj", "M", "major", "Maj")),
    "min": ((0, 3, 7), "m", ("min", "mi", "-", "minor", "Min")),
    "7": ((0, 4, 7, 10), "7", ("dom7", "dom")),
    "maj7": ((0, 4, 7, 11), "maj7", ("M7", "Maj7", "ma7", "Δ", "Δ7", "^7")),
    "m7": ((0, 3, 7, 10), "m7", ("min7", "mi7", "-7", "Min7")),
    "dim": ((0, 3, 6), "dim", ("°", "o", "Dim", "mb5")),
    "aug": ((0, 4, 8), "aug", ("+", "Aug", "#5", "+5")),
    "sus4": ((0, 5, 7), "sus4", ("sus", "Sus4", "Sus")),
    "sus2": ((0, 2, 7), "sus2", ("Sus2",)),
    "dim7": ((0, 3, 6, 9), "dim7", ("°7", "o7", "Dim7")),
    "m7b5": ((0, 3, 6, 10), "m7b5", ("ø", "ø7", "min7b5", "-7b5", "hdim7", "m7(b5)")),
    "6": ((0, 4, 7, 9), "6", ("maj6", "M6", "add6")),
    "m6": ((0, 3, 7, 9), "m6", ("min6", "-6")),
    "9": ((0, 4, 7, 10, 14), "9", ("dom9",)),
    "7sus4": ((0, 5, 7, 10), "7sus4", ("7sus", "sus7")),
    "mmaj7": ((0, 3, 7, 11), "m(maj7)", ("mMaj7", "mM7", "minmaj7", "m(M7)", "-maj7")),
    "maj9": ((0, 4, 7, 11, 14), "maj9", ("M9", "Maj9", "Δ9")),
    "m9": ((0, 3, 7, 10, 14), "m9", ("min9", "-9")),
    "add9": ((0, 4, 7, 14), "add9", ("add2",)),
    "5": ((0, 7), "5", ("power",)),
}
NO_CHORD = "N"
NO_CHORD_SYMBOLS = ("N", "NC", "N.C.", "n.c.", "nc")

DEFAULT_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"#": 1, "♯": 1, "b": -1, "♭": -1}

_SUFFIXES: dict[str, str] = {}
for _q, (_iv, _canon, _aliases) in QUALITIES.items():
    for _s in (_canon, *_aliases):
        _SUFFIXES.setdefault(_s, _q)
        if _s and not _s.startswith("("):
            _SUFFIXES.setdefault(f"({_s})", _q)  # C(maj7), C(add9)

ACCEPTED_FORMS = ("a root A-G with an optional # or b, then a quality (nothing for major, or "
                  + ", ".join(c for _, c, _ in QUALITIES.values() if c)
                  + "), then an optional /bass note; or N for no chord (e.g. C, F#m7, Bb7/D, Csus4, N)")


def pitch_class_name(pc: int, flat: bool | None = None) -> str:
    """The name of pitch class ``pc``: with flats, with sharps, or (None) the usual lead-sheet name."""
    names = DEFAULT_NAMES if flat is None else FLAT_NAMES if flat else SHARP_NAMES
    return names[pc % 12]


def read_note_name(text: str) -> tuple[int, bool | None, str] | None:
    """(pitch class, spelled with flats / sharps / neither, rest of the text) of a leading note name."""
    if not text or text[0].upper() not in _LETTERS:
        return None
    pc, i, flat = _LETTERS[text[0].upper()], 1, None
    while i < len(text) and text[i] in _ACCIDENTALS:
        step = _ACCIDENTALS[text[i]]
        pc += step
        flat = step < 0
        i += 1
    return pc % 12, flat, text[i:]


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord symbol's value: ``root`` pitch class 0-11 (None: no chord), ``quality`` (a key of
    :data:`QUALITIES`, or "N"), ``bass`` pitch class of a slash chord (None: the root is the bass).
    ``flat`` only says how ``str`` spells it (flats, sharps, None: :data:`DEFAULT_NAMES`); equality and
    hashing ignore it."""

    root: int | None
    quality: str = "maj"
    bass: int | None = None
    flat: bool | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.root is None:
            if self.quality != NO_CHORD or self.bass is not None:
                raise CoreError(f"a chord without a root is 'N' (no chord), not {self.quality!r} "
                                f"with bass {self.bass!r}")
            return
        for name in ("root", "bass"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value <= 11):
                raise CoreError(f"chord {name} {value!r} must be a pitch class 0-11 (0 = C, 11 = B)")
        if self.quality not in QUALITIES:
            raise CoreError(f"unknown chord quality {self.quality!r} (known: {', '.join(QUALITIES)})")
        if self.bass == self.root:
            object.__setattr__(self, "bass", None)

    @classmethod
    def none(cls) -> Chord:
        """No chord ("N")."""
        return cls(None, NO_CHORD)

    @property
    def is_none(self) -> bool:
        return self.root is None

    @property
    def intervals(self) -> tuple[int, ...]:
        """Semitones above the root (empty for "N")."""
        return () if self.root is None else QUALITIES[self.quality][0]

    def tones(self) -> tuple[int, ...]:
        """The chord's pitch classes from the root up, in interval order (the bass not included)."""
        if self.root is None:
            return ()
        out: list[int] = []
        for i in self.intervals:
            pc = (self.root + i) % 12
            if pc not in out:
                out.append(pc)
        return tuple(out)

    def pitch_classes(self) -> tuple[int, ...]:
        """Every pitch class of the chord, its bass included, ascending from C (empty for "N")."""
        pcs = set(self.tones())
        if self.bass is not None:
            pcs.add(self.bass)
        return tuple(sorted(pcs))

    @property
    def bass_pitch_class(self) -> int | None:
        """The lowest note's pitch class: the slash bass, else the root (None for "N")."""
        return self.bass if self.bass is not None else self.root

    def transpose(self, semitones: int) -> Chord:
        """Moved by ``semitones`` (spelled with the usual names again)."""
        if self.root is None:
            return self
        bass = None if self.bass is None else (self.bass + semitones) % 12
        return Chord((self.root + semitones) % 12, self.quality, bass)

    def without_bass(self) -> Chord:
        return self if self.bass is None else replace(self, bass=None)

    def __str__(self) -> str:
        if self.root is None:
            return NO_CHORD
        text = pitch_class_name(self.root, self.flat) + QUALITIES[self.quality][1]
        if self.bass is not None:
            text += "/" + pitch_class_name(self.bass, self.flat)
        return text


def parse_chord(symbol: str) -> Chord:
    """A chord symbol -> :class:`Chord` (CoreError naming the symbol and the accepted forms).

    ``C`` ``Cm`` ``C7`` ``Cmaj7`` ``CM7`` ``Cm7`` ``C-7`` ``Cdim`` ``C°`` ``Caug`` ``C+`` ``Csus4``
    ``Csus2`` ``Cdim7`` ``Cm7b5`` ``Cø`` ``C6`` ``Cm6`` ``C9`` ``C7sus4`` ``Cm(maj7)`` ``Cmaj9`` ``Cm9``
    ``Cadd9`` ``C5``, any of them over a bass (``C/E``, ``Am7/G``), roots with ``#``/``b`` (``F#``,
    ``Bb``), and ``N`` / ``NC`` / ``N.C.`` for no chord.
    """
    if not isinstance(symbol, str):
        raise CoreError(f"a chord symbol is text, not {symbol!r}")
    text = symbol.strip()
    if text in NO_CHORD_SYMBOLS:
        return Chord.none()
    head = read_note_name(text)
    if head is None:
        raise CoreError(f"unknown chord symbol {symbol!r}: expected {ACCEPTED_FORMS}")
    root, flat, rest = head
    usual = text[:len(text) - len(rest)] == pitch_class_name(root)
    bass = None
    if "/" in rest:
        rest, bass_text = rest.rsplit("/", 1)
        b = read_note_name(bass_text.strip())
        if b is None or b[2]:
            raise CoreError(f"unknown bass note {bass_text!r} in chord symbol {symbol!r}: write the bass "
                            "as a note name A-G with an optional # or b, e.g. C/E, D7/F#")
        bass = b[0]
        usual = usual and bass_text.strip() == pitch_class_name(bass)
        if flat is None:
            flat = b[1]
    quality = _SUFFIXES.get(rest.strip())
    if quality is None:
        raise CoreError(f"unknown chord quality {rest!r} in chord symbol {symbol!r}: expected {ACCEPTED_FORMS}")
    return Chord(root, quality, bass, None if usual else flat)  # spelled as typed


def as_chord(value: Chord | str) -> Chord:
    return value if isinstance(value, Chord) else parse_chord(value)


@dataclass(frozen=True, slots=True)
class ChordEvent:
    """``chord`` from ``start_step`` (inclusive) to ``end_step`` (exclusive), in 16th steps."""

    start_step: int
    end_step: int
    chord: Chord

    def __post_init__(self) -> None:
        for name in ("start_step", "end_step"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise CoreError(f"ChordEvent.{name} must be an integer step, got {value!r}")
        if self.start_step < 0 or self.end_step <= self.start_step:
            raise CoreError(f"a chord needs 0 <= start < end (steps), not {self.start_step}..{self.end_step}")
        if not isinstance(self.chord, Chord):
            raise CoreError(f"ChordEvent.chord must be a Chord, not {self.chord!r}")

    @property
    def duration(self) -> int:
        return self.end_step - self.start_step


@dataclass(frozen=True)
class ChordTrack:
    """Sorted, non-overlapping chord events on the 16th-step grid; gaps are "N" (no chord), so events
    holding "N" are dropped. Immutable: every edit returns a new track."""

    events: tuple[ChordEvent, ...] = ()
    _starts: list[int] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        events = tuple(e for e in self.events if isinstance(e, ChordEvent) and not e.chord.is_none)
        bad = next((e for e in self.events if not isinstance(e, ChordEvent)), None)
        if bad is not None:
            raise CoreError(f"ChordTrack events must be ChordEvent objects, got {type(bad).__name__}")
        events = tuple(sorted(events, key=lambda e: e.start_step))
        for a, b in zip(events, events[1:], strict=False):
            if b.start_step < a.end_step:
                raise CoreError(f"chords overlap: {a.chord} at steps {a.start_step}-{a.end_step} and "
                                f"{b.chord} from step {b.start_step}")
        object.__setattr__(self, "events", events)
        object.__setattr__(self, "_starts", [e.start_step for e in events])

    # --- reading ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[ChordEvent]:
        return iter(self.events)

    @property
    def end_step(self) -> int:
        """Where the last chord ends (0 for an empty track)."""
        return self.events[-1].end_step if self.events else 0

    def at(self, step: int) -> Chord:
        """The chord sounding at ``step`` ("N" where no chord is)."""
        i = bisect.bisect_right(self._starts, step) - 1
        if i >= 0 and step < self.events[i].end_step:
            return self.events[i].chord
        return Chord.none()

    def per_step(self, n_steps: int) -> list[Chord]:
        """One chord per step for steps ``0 .. n_steps - 1`` ("N" where none; the track is cut or
        padded to that length)."""
        out = [Chord.none()] * max(0, n_steps)
        for e in self.events:
            for s in range(e.start_step, min(e.end_step, n_steps)):
                out[s] = e.chord
        return out

    def symbols(self) -> list[tuple[int, int, str]]:
        """(start step, end step, symbol) of every chord."""
        return [(e.start_step, e.end_step, str(e.chord)) for e in self.events]

    # --- editing ---------------------------------------------------------------------------------
    def transpose(self, semitones: int) -> ChordTrack:
        return ChordTrack(tuple(replace(e, chord=e.chord.transpose(semitones)) for e in self.events))

    def slice(self, start_step: int, stop_step: int) -> ChordTrack:
        """Steps ``[start_step, stop_step)`` as a track starting at step 0 (chords cut at the edges)."""
        if start_step < 0 or stop_step < start_step:
            raise CoreError(f"bad step range {start_step}..{stop_step}")
        out = []
        for e in self.events:
            s, t = max(e.start_step, start_step), min(e.end_step, stop_step)
            if t > s:
                out.append(ChordEvent(s - start_step, t - start_step, e.chord))
        return ChordTrack(tuple(out))

    def with_chord(self, start_step: int, end_step: int, chord: Chord | str) -> ChordTrack:
        """``chord`` over ``[start_step, end_step)``, replacing what was there ("N" clears it)."""
        new = ChordEvent(start_step, end_step, as_chord(chord))
        kept: list[ChordEvent] = []
        for e in self.events:
            if e.end_step <= start_step or e.start_step >= end_step:
                kept.append(e)
                continue
            if e.start_step < start_step:
                kept.append(ChordEvent(e.start_step, start_step, e.chord))
            if e.end_step > end_step:
                kept.append(ChordEvent(end_step, e.end_step, e.chord))
        return ChordTrack((*kept, new))

    def fitted(self, n_steps: int) -> tuple[ChordTrack, str | None]:
        """The track cut to ``n_steps`` (a shorter track is padded with "N"), and a sentence saying what
        was done (None when it already fitted)."""
        if self.end_step > n_steps:
            cut = self.slice(0, n_steps)
            return cut, (f"the chords run {self.end_step - n_steps} steps past the clip's {n_steps}: "
                         "the chords after its end were cut")
        if self.end_step < n_steps and self.events:
            return self, (f"the chords end at step {self.end_step} of the clip's {n_steps}: "
                          "the rest has no chord (N)")
        return self, None

    # --- building --------------------------------------------------------------------------------
    @classmethod
    def from_per_step(cls, chords: Sequence[Chord]) -> ChordTrack:
        """Runs of equal chords -> events ("N" runs become gaps)."""
        events: list[ChordEvent] = []
        start = 0
        for i in range(1, len(chords) + 1):
            if i == len(chords) or chords[i] != chords[start]:
                if not chords[start].is_none:
                    events.append(ChordEvent(start, i, chords[start]))
                start = i
        return cls(tuple(events))

    @classmethod
    def from_symbols(cls, text: str | Sequence[str], steps_each: int = STEPS_PER_BAR) -> ChordTrack:
        """A progression: ``"C G Am F"`` (one chord per ``steps_each`` steps, a bar by default) or, with
        bars separated by ``|``, ``"C G | Am F | F"`` (the chords of a bar share it equally: 1, 2 or 4
        chords in a 16-step bar). ``N`` leaves its span without a chord."""
        if isinstance(text, str) and "|" in text:
            events: list[ChordEvent] = []
            for bar, part in enumerate(text.split("|")):
                syms = part.split()
                if not syms:
                    continue
                if steps_each % len(syms):
                    raise CoreError(f"bar {bar + 1} ({part.strip()!r}) has {len(syms)} chords; a bar of "
                                    f"{steps_each} steps splits into 1, 2 or 4 equal parts")
                each = steps_each // len(syms)
                for j, s in enumerate(syms):
                    start = bar * steps_each + j * each
                    events.append(ChordEvent(start, start + each, parse_chord(s)))
            return cls(tuple(events))
        syms = text.split() if isinstance(text, str) else list(text)
        if steps_each < 1:
            raise CoreError(f"steps per chord must be at least 1, not {steps_each}")
        return cls(tuple(ChordEvent(i * steps_each, (i + 1) * steps_each, parse_chord(s))
                         for i, s in enumerate(syms)))

    def to_data(self) -> list[list[int | str]]:
        """A JSON-ready form: ``[[start, end, "symbol"], ...]`` (:meth:`from_data` reads it back)."""
        return [[e.start_step, e.end_step, str(e.chord)] for e in self.events]

    @classmethod
    def from_data(cls, data: Iterable[Sequence[object]]) -> ChordTrack:
        events = []
        for item in data:
            if len(item) != 3:
                raise CoreError(f"a stored chord is [start, end, symbol], not {item!r}")
            start, end, sym = item
            if not isinstance(sym, str):
                raise CoreError(f"a stored chord's symbol must be text, not {sym!r}")
            events.append(ChordEvent(start, end, parse_chord(sym)))  # type: ignore[arg-type]
        return cls(tuple(events))
