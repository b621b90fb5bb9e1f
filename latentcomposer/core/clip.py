"""`Clip`: an immutable sequence of notes with the timing context needed to play or edit it.

Units are explicit: note times are integer ticks at ``ppq`` ticks per quarter note; ``tempo`` is in
quarter-note beats per minute; the 16th-note grid used by the models is ``steps_per_quarter = 4``.
Every edit returns a new Clip (cheap: notes are frozen), which keeps undo trivial and makes clips
safe to hand to worker threads.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar, Literal

from .errors import CoreError
from .note import PITCH_MAX, PITCH_MIN, Note

DEFAULT_PPQ = 480
DEFAULT_TEMPO = 120.0
DRUM_CHANNEL = 9  # MIDI channel 10, counted from 0
# The longest clip: 1,024 bars of 4/4 (34 min at 120 bpm; the longest file in the training data is 639
# bars). Everything that allocates per step (codecs, the piano roll, the engine) is bounded by it, and
# at the largest ppq (32767) every tick still fits a standard MIDI delta time (< 2**28).
MAX_CLIP_QUARTERS = 4096
MAX_CLIP_NOTES = 200_000  # 17x the densest file in the training data (11,513 notes)

MonoRule = Literal["highest", "last"]


@dataclass(frozen=True, slots=True)
class TimeSignature:
    numerator: int = 4
    denominator: int = 4

    def __post_init__(self) -> None:
        if not _is_int(self.numerator) or not 1 <= self.numerator <= 64:
            raise CoreError(f"time-signature numerator {self.numerator!r} must be 1-64")
        if not _is_int(self.denominator) or self.denominator not in (1, 2, 4, 8, 16, 32, 64):
            raise CoreError(f"time-signature denominator {self.denominator!r} must be a power of two 1-64")

    def quarters_per_bar(self) -> float:
        return self.numerator * 4 / self.denominator

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_int(value: object) -> int | None:
    """``value`` as an int if it is an integer (Python or NumPy, not bool), else None."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        return None


@dataclass(frozen=True, slots=True)
class TempoChange:
    """From ``tick`` on, ``bpm`` quarter notes per minute (a Clip checks: tick >= 0, bpm 1-1000)."""

    tick: int
    bpm: float


@dataclass(frozen=True, slots=True)
class TimeSignatureChange:
    tick: int
    time_signature: TimeSignature


@dataclass(frozen=True, slots=True)
class StepNote:
    """A note on a step grid (``steps_per_quarter`` steps per quarter note)."""

    pitch: int
    start: int
    end: int
    velocity: int = 100


def _check_tempo(bpm: object) -> float:
    """``bpm`` as a float in 1-1000; CoreError for anything else (text, NaN, 10**400, ...)."""
    try:
        if isinstance(bpm, bool | str | bytes):
            raise TypeError
        value = float(bpm)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise CoreError(f"tempo {bpm!r:.40} must be a number of beats per minute, 1-1000") from None
    if not 1.0 <= value <= 1000.0:
        raise CoreError(f"tempo {value:g} bpm is outside 1-1000")
    return value


@dataclass(frozen=True)
class Clip:
    """Notes plus ppq, tempo, time signature, name, program, drum flag and (optional) channel.

    ``length`` is an explicit length in ticks (0 = up to the last note end); it lets a clip end in
    rests. ``tempo_changes`` / ``time_signature_changes`` keep any changes after tick 0 that were read
    from a file; ``tempo`` and ``time_signature`` are the values in force at tick 0.
    """

    notes: tuple[Note, ...] = ()
    ppq: int = DEFAULT_PPQ
    tempo: float = DEFAULT_TEMPO
    time_signature: TimeSignature = field(default_factory=TimeSignature)
    name: str = ""
    program: int = 0
    is_drum: bool = False
    channel: int | None = None
    length: int = 0
    tempo_changes: tuple[TempoChange, ...] = ()
    time_signature_changes: tuple[TimeSignatureChange, ...] = ()
    # derived in __post_init__, per instance (not fields: equality and copies ignore them)
    _last_end: ClassVar[int]
    _pitches: ClassVar[tuple[int, int] | None]

    def __post_init__(self) -> None:
        notes = tuple(self.notes)
        if len(notes) > MAX_CLIP_NOTES:
            raise CoreError(f"a clip can hold up to {MAX_CLIP_NOTES:,} notes, not {len(notes):,}: "
                            "split it into several clips")
        last, lo, hi = 0, 128, -1
        for n in notes:
            if not isinstance(n, Note):
                raise CoreError(f"Clip notes must be Note objects, got {type(n).__name__}")
            if n.end > last:
                last = n.end
            if n.pitch < lo:
                lo = n.pitch
            if n.pitch > hi:
                hi = n.pitch
        object.__setattr__(self, "notes", tuple(sorted(notes)))
        # derived once (a 200k-note clip took 66 ms per end_tick, asked for ~15 times on open; issue 27)
        object.__setattr__(self, "_last_end", last)
        object.__setattr__(self, "_pitches", (lo, hi) if notes else None)
        if not _is_int(self.ppq) or not 1 <= self.ppq <= 32767:
            raise CoreError(f"ppq {self.ppq!r} must be an integer 1-32767")
        object.__setattr__(self, "tempo", _check_tempo(self.tempo))
        if not isinstance(self.time_signature, TimeSignature):
            raise CoreError(f"time_signature must be a TimeSignature, not {self.time_signature!r}")
        if not isinstance(self.name, str):
            raise CoreError(f"clip name must be text, not {self.name!r}")
        program, channel, length = _as_int(self.program), _as_int(self.channel), _as_int(self.length)
        if program is None or not 0 <= program <= 127:
            raise CoreError(f"program {self.program!r} must be 0-127")
        if self.is_drum not in (True, False):  # bool, NumPy bool, 0 or 1
            raise CoreError(f"is_drum must be True or False, not {self.is_drum!r}")
        if self.channel is not None and (channel is None or not 0 <= channel <= 15):
            raise CoreError(f"channel {self.channel!r} must be 0-15")
        if length is None or length < 0:
            raise CoreError(f"clip length {self.length!r} must be an integer >= 0 ticks")
        object.__setattr__(self, "program", program)
        object.__setattr__(self, "is_drum", bool(self.is_drum))
        object.__setattr__(self, "channel", channel)
        object.__setattr__(self, "length", length)
        if max(last, length) > MAX_CLIP_QUARTERS * self.ppq:
            quarters = max(last, length) // self.ppq
            said = f"{quarters:,}" if quarters < 10**12 else "over a trillion"
            raise CoreError(f"a clip can be up to {MAX_CLIP_QUARTERS:,} quarter notes long (1,024 bars of "
                            f"4/4), not {said}: split it into several clips")
        tempo_changes = tuple(self.tempo_changes)
        for tc in tempo_changes:
            if not isinstance(tc, TempoChange) or _as_int(tc.tick) is None or tc.tick < 0:
                raise CoreError(f"tempo change {tc!r} must be a TempoChange at a tick >= 0")
            _check_tempo(tc.bpm)
        sig_changes = tuple(self.time_signature_changes)
        for sc in sig_changes:
            if (not isinstance(sc, TimeSignatureChange) or _as_int(sc.tick) is None or sc.tick < 0
                    or not isinstance(sc.time_signature, TimeSignature)):
                raise CoreError(f"time-signature change {sc!r} must be a TimeSignatureChange at a tick >= 0")
        object.__setattr__(self, "tempo_changes", tempo_changes)
        object.__setattr__(self, "time_signature_changes", sig_changes)

    # --- derived values -------------------------------------------------------------------
    @property
    def bar_ticks(self) -> int:
        """Ticks in one bar of the clip's (initial) time signature (at least 1: ppq 1 in 1/64)."""
        return max(1, round(self.ppq * self.time_signature.quarters_per_bar()))

    @property
    def end_tick(self) -> int:
        """Where the clip ends: its explicit length, or the last note end if later."""
        return max(self.length, self._last_end)

    @property
    def n_bars(self) -> int:
        """Whole bars needed to hold the clip (a partial last bar counts)."""
        return -(-self.end_tick // self.bar_ticks) if self.end_tick else 0

    @property
    def duration_seconds(self) -> float:
        return self.ticks_to_seconds(self.end_tick)

    def ticks_to_seconds(self, tick: int) -> float:
        """Seconds at ``tick``, following tempo changes."""
        seconds, last_tick, bpm = 0.0, 0, self.tempo
        for change in self.tempo_changes:
            if change.tick >= tick:
                break
            seconds += (change.tick - last_tick) * 60.0 / (bpm * self.ppq)
            last_tick, bpm = change.tick, change.bpm
        return seconds + (tick - last_tick) * 60.0 / (bpm * self.ppq)

    def pitch_range(self) -> tuple[int, int] | None:
        pitches: tuple[int, int] | None = self._pitches
        return pitches

    def is_monophonic(self) -> bool:
        return all(a.end <= b.start for a, b in zip(self.notes, self.notes[1:], strict=False))

    # --- copying and editing -------------------------------------------------------------
    def copy(self, **changes: object) -> Clip:
        """A copy with some fields changed (notes are immutable, so sharing them is safe)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def with_notes(self, notes: Iterable[Note]) -> Clip:
        return replace(self, notes=tuple(notes))

    def transpose(self, semitones: int) -> Clip:
        """Every note moved by ``semitones``; raises CoreError if a note would leave 0-127."""
        if semitones == 0:
            return self
        lo_hi = self.pitch_range()
        if lo_hi and not (PITCH_MIN <= lo_hi[0] + semitones and lo_hi[1] + semitones <= PITCH_MAX):
            raise CoreError(f"transposing by {semitones:+d} would move notes outside MIDI 0-127")
        return self.with_notes(n.shifted(semitones=semitones) for n in self.notes)

    def quantize(self, steps_per_quarter: int = 4, *, quantize_ends: bool = True) -> Clip:
        """Snap starts (and, by default, ends) to the nearest grid line; each note keeps >= 1 step."""
        if not quantize_ends:
            return self._quantize_starts(steps_per_quarter)
        return Clip.from_steps(self.to_steps(steps_per_quarter), steps_per_quarter, template=self)

    def _quantize_starts(self, steps_per_quarter: int) -> Clip:
        step = self.ppq / steps_per_quarter
        out = []
        for n in self.notes:
            s = round(round(n.start / step) * step)
            out.append(Note(s, n.pitch, max(s + 1, s + n.duration), n.velocity))
        return self.with_notes(out)

    def to_steps(self, steps_per_quarter: int = 4) -> list[StepNote]:
        """The notes on a grid of ``steps_per_quarter`` steps per quarter (4 = 16th notes).

        Starts and ends round to the nearest step; a note shorter than half a step still gets one.
        """
        step = self.ppq / steps_per_quarter
        out = []
        for n in self.notes:
            s = int(round(n.start / step))
            e = max(s + 1, int(round(n.end / step)))
            out.append(StepNote(n.pitch, s, e, n.velocity))
        return out

    @classmethod
    def from_steps(
        cls,
        steps: Sequence[StepNote],
        steps_per_quarter: int = 4,
        *,
        template: Clip | None = None,
        n_steps: int | None = None,
        **fields: object,
    ) -> Clip:
        """Build a clip from grid notes (the inverse of :meth:`to_steps`).

        ``template`` supplies ppq/tempo/metre/name/program; ``n_steps`` sets the clip length.
        """
        base = template if template is not None else cls(**fields)  # type: ignore[arg-type]
        if template is not None and fields:
            base = replace(base, **fields)  # type: ignore[arg-type]
        step = base.ppq / steps_per_quarter
        notes = [
            Note(round(s.start * step), s.pitch, round(s.end * step), s.velocity) for s in steps
        ]
        length = round(n_steps * step) if n_steps is not None else (base.length if template else 0)
        return replace(base, notes=tuple(notes), length=length)

    def slice_bars(self, start_bar: int, stop_bar: int) -> Clip:
        """Bars ``[start_bar, stop_bar)`` as a new clip starting at tick 0.

        Notes crossing the slice edges are cut at the edges (a note held into the slice starts at its
        first tick). The result's length is exactly the slice's length.
        """
        if start_bar < 0 or stop_bar < start_bar:
            raise CoreError(f"bad bar range {start_bar}..{stop_bar}")
        lo, hi = start_bar * self.bar_ticks, stop_bar * self.bar_ticks
        out = []
        for n in self.notes:
            s, e = max(n.start, lo), min(n.end, hi)
            if e > s:
                out.append(Note(s - lo, n.pitch, e - lo, n.velocity))
        return replace(self, notes=tuple(out), length=hi - lo, tempo_changes=(), time_signature_changes=())

    def concatenate(self, other: Clip) -> Clip:
        """``other`` appended after this clip's last whole bar (other's notes rescaled to this ppq)."""
        offset = self.n_bars * self.bar_ticks
        scale = self.ppq / other.ppq
        moved = [
            Note(offset + round(n.start * scale), n.pitch, offset + max(round(n.start * scale) + 1,
                 round(n.end * scale)), n.velocity)
            for n in other.notes
        ]
        length = offset + round(other.end_tick * scale)
        return replace(self, notes=self.notes + tuple(moved), length=length)

    def monophonic(self, rule: MonoRule = "highest") -> Clip:
        """Reduce to one voice.

        * ``"highest"`` (skyline): a note sounds only if it is the highest note at its onset; when a
          higher note starts it cuts the sounding one off; lower notes starting under a held higher
          note are dropped.
        * ``"last"``: the most recent onset wins; each note is cut off by the next onset (among notes
          starting together the highest is kept).
        """
        if rule not in ("highest", "last"):
            raise CoreError(f"unknown monophonic rule {rule!r} (use 'highest' or 'last')")
        ordered = sorted(self.notes, key=lambda n: (n.start, -n.pitch))
        out: list[Note] = []
        for n in ordered:
            if out and out[-1].start == n.start:
                continue  # simultaneous onset: the highest (first in this order) already won
            if out and out[-1].end > n.start:
                if rule == "highest" and n.pitch < out[-1].pitch:
                    continue
                cur = out[-1]
                out[-1] = Note(cur.start, cur.pitch, n.start, cur.velocity)
            out.append(n)
        return self.with_notes(out)

    def merge(self, other: Clip) -> Clip:
        """Notes of both clips in one (``other`` rescaled to this ppq)."""
        scale = self.ppq / other.ppq
        moved = [
            Note(round(n.start * scale), n.pitch, max(round(n.start * scale) + 1, round(n.end * scale)),
                 n.velocity)
            for n in other.notes
        ]
        return self.with_notes(self.notes + tuple(moved))
