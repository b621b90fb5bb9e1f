"""Pure note edits: each takes a clip and the notes to act on, returns ``(new_clip, new_selection)``.

Notes are values (frozen dataclasses), so a selection is a set of notes; an edit returns the edited
notes as the new selection. Nothing here knows about undo or the GUI. A user mistake (moving notes
out of the MIDI range, nothing selected) raises :class:`EditError` with a message for the status bar.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace

from latentcomposer.core import Clip, Note
from latentcomposer.core.errors import UserFacingError
from latentcomposer.core.note import PITCH_MAX, PITCH_MIN, VELOCITY_MAX, VELOCITY_MIN

Selection = frozenset[Note]
SNAP_DIVISIONS: dict[str, int | None] = {"1/4": 4, "1/8": 8, "1/16": 16, "1/32": 32, "off": None}


DRUMS_NO_TRANSPOSE = "Drums can't be transposed — move hits between lanes instead"


class EditError(UserFacingError, ValueError):
    """An edit that cannot be done; ``str(err)`` is a message for the user."""


def grid_ticks(ppq: int, division: int | None) -> int:
    """Ticks in one grid cell: ``division`` 16 = a 16th note; None (snap off) = 1 tick."""
    if division is None:
        return 1
    return max(1, round(ppq * 4 / division))


def snap(tick: float, grid: int, mode: str = "round") -> int:
    """``tick`` on the grid (``round``, ``floor`` or ``ceil``); grid 1 just rounds to a tick."""
    if grid <= 1:
        return int(round(tick))
    q = tick / grid
    if mode == "floor":
        return int(math.floor(q)) * grid
    if mode == "ceil":
        return int(math.ceil(q)) * grid
    return int(round(q)) * grid


def clamp_velocity(v: float) -> int:
    return int(min(VELOCITY_MAX, max(VELOCITY_MIN, round(v))))


def _split(clip: Clip, notes: Iterable[Note]) -> tuple[list[Note], list[Note]]:
    chosen = set(notes)
    keep: list[Note] = []
    picked: list[Note] = []
    for n in clip.notes:
        (picked if n in chosen else keep).append(n)
    return keep, picked


def add_notes(clip: Clip, new: Sequence[Note]) -> tuple[Clip, Selection]:
    return clip.with_notes(clip.notes + tuple(new)), frozenset(new)


def delete_notes(clip: Clip, notes: Collection[Note]) -> tuple[Clip, Selection]:
    if not notes:
        raise EditError("no notes selected")
    keep, _ = _split(clip, notes)
    return clip.with_notes(keep), frozenset()


def clamp_move(notes: Collection[Note], dt: int, dp: int) -> tuple[int, int]:
    """The largest part of (dt, dp) that keeps every note at tick >= 0 and pitch 0-127."""
    if not notes:
        return 0, 0
    dt = max(dt, -min(n.start for n in notes))
    lo, hi = min(n.pitch for n in notes), max(n.pitch for n in notes)
    dp = min(max(dp, PITCH_MIN - lo), PITCH_MAX - hi)
    return dt, dp


def move_notes(clip: Clip, notes: Collection[Note], dt: int, dp: int) -> tuple[Clip, Selection]:
    """Shift notes by ``dt`` ticks and ``dp`` semitones (clamped to stay in range)."""
    keep, picked = _split(clip, notes)
    if not picked:
        raise EditError("no notes selected")
    dt, dp = clamp_move(picked, dt, dp)
    moved = [n.shifted(dt, dp) for n in picked]
    return clip.with_notes(keep + moved), frozenset(moved)


def transpose_notes(clip: Clip, notes: Collection[Note], semitones: int) -> tuple[Clip, Selection]:
    """Transpose; refuses (EditError) rather than squash notes at the edge of the MIDI range."""
    keep, picked = _split(clip, notes)
    if not picked:
        raise EditError("no notes selected")
    lo, hi = min(n.pitch for n in picked), max(n.pitch for n in picked)
    if lo + semitones < PITCH_MIN or hi + semitones > PITCH_MAX:
        raise EditError(f"transposing by {semitones:+d} would move notes outside MIDI 0-127")
    moved = [n.shifted(semitones=semitones) for n in picked]
    return clip.with_notes(keep + moved), frozenset(moved)


def resize_notes(clip: Clip, notes: Collection[Note], d_end: int, min_length: int = 1) -> tuple[Clip, Selection]:
    """Move every note's end by ``d_end`` ticks; a note keeps at least ``min_length`` ticks."""
    keep, picked = _split(clip, notes)
    if not picked:
        raise EditError("no notes selected")
    out = [replace(n, end=max(n.start + max(1, min_length), n.end + d_end)) for n in picked]
    return clip.with_notes(keep + out), frozenset(out)


def set_velocity(clip: Clip, notes: Collection[Note], velocity: int | Callable[[Note], float]
                 ) -> tuple[Clip, Selection]:
    """Set each note's velocity to ``velocity`` (or ``velocity(note)``), clamped to 1-127."""
    keep, picked = _split(clip, notes)
    if not picked:
        raise EditError("no notes selected")
    fn = velocity if callable(velocity) else (lambda _n, v=velocity: v)
    out = [n.with_velocity(clamp_velocity(fn(n))) for n in picked]
    return clip.with_notes(keep + out), frozenset(out)


def quantize_notes(clip: Clip, notes: Collection[Note], grid: int, ends: bool = True) -> tuple[Clip, Selection]:
    """Snap starts (and ends) to ``grid`` ticks; every note keeps at least one grid cell."""
    keep, picked = _split(clip, notes)
    if not picked:
        raise EditError("no notes to quantize")
    grid = max(1, grid)
    out = []
    for n in picked:
        s = snap(n.start, grid)
        e = snap(n.end, grid) if ends else s + n.duration
        out.append(replace(n, start=s, end=max(s + (grid if ends else 1), e)))
    return clip.with_notes(keep + out), frozenset(out)


def duplicate_notes(clip: Clip, notes: Collection[Note], grid: int) -> tuple[Clip, Selection]:
    """Copies of the notes placed right after them (the span rounded up to ``grid``)."""
    _, picked = _split(clip, notes)
    if not picked:
        raise EditError("no notes selected")
    start = min(n.start for n in picked)
    span = max(n.end for n in picked) - start
    offset = max(grid, snap(span, grid, "ceil"))
    copies = [n.shifted(offset) for n in picked]
    return clip.with_notes(clip.notes + tuple(copies)), frozenset(copies)


def relative_notes(notes: Collection[Note]) -> tuple[Note, ...]:
    """Notes shifted so the earliest starts at tick 0 (the clipboard form)."""
    if not notes:
        return ()
    start = min(n.start for n in notes)
    return tuple(sorted(n.shifted(-start) for n in notes))


def paste_notes(clip: Clip, relative: Sequence[Note], at_tick: int, source_ppq: int) -> tuple[Clip, Selection]:
    """Insert clipboard notes (relative to 0, at ``source_ppq``) starting at ``at_tick``."""
    if not relative:
        raise EditError("the clipboard is empty")
    scale = clip.ppq / source_ppq
    out = []
    for n in relative:
        s = at_tick + round(n.start * scale)
        out.append(Note(s, n.pitch, max(s + 1, at_tick + round(n.end * scale)), n.velocity))
    return clip.with_notes(clip.notes + tuple(out)), frozenset(out)


def merge_duplicates(clip: Clip, touched: Collection[Note]) -> tuple[Clip, Selection]:
    """Merge exact duplicates (same pitch and same start tick) that an edit made.

    Only groups holding one of the ``touched`` notes (the notes just drawn, moved or pasted) are
    merged, so duplicates already in an imported file stay as they were. One note of each group
    stays: in a melodic clip the longest (then the loudest), in a drum clip, where a hit's length
    does not matter, the loudest (then the longest). Returns the clip (the very same object when
    nothing was merged) and ``touched`` with each merged note replaced by the one that stayed.
    """
    chosen = set(touched)
    notes = clip.notes
    groups: dict[tuple[int, int], list[int]] = {}
    for i, n in enumerate(notes):
        groups.setdefault((n.pitch, n.start), []).append(i)
    dupes = [g for g in groups.values() if len(g) > 1 and any(notes[i] in chosen for i in g)]
    if not dupes:
        return clip, frozenset(chosen)

    def rank(i: int) -> tuple[int, int, bool]:
        n = notes[i]
        size = (n.velocity, n.duration) if clip.is_drum else (n.duration, n.velocity)
        return (*size, n in chosen)

    removed: set[int] = set()
    stayed: dict[Note, Note] = {}  # a merged-away note -> the note that stayed in its place
    for g in dupes:
        keep = max(g, key=rank)
        for i in g:
            if i != keep:
                removed.add(i)
                stayed[notes[i]] = notes[keep]
    out = [n for i, n in enumerate(notes) if i not in removed]
    return clip.with_notes(out), frozenset(stayed.get(n, n) for n in chosen)


def paste_kind_note(source_is_drum: bool, target_is_drum: bool) -> str | None:
    """What to tell the user when notes were pasted across kinds (melody <-> drums), else None.

    The notes are pasted as they are (a drum clip plays each pitch as the drum of that note number, a
    melodic clip plays drum hits as pitches): nothing is converted or dropped, the user is only told.
    """
    if source_is_drum == target_is_drum:
        return None
    if target_is_drum:
        return "Pasted melodic notes into a drum clip: each pitch plays as the drum of that note number"
    return "Pasted drum hits into a melodic clip: they play as pitched notes"


def notes_in_rect(clip: Clip, t0: float, t1: float, p0: int, p1: int) -> Selection:
    """Notes overlapping ticks ``[t0, t1]`` on pitches ``p0..p1`` (inclusive)."""
    lo_t, hi_t = min(t0, t1), max(t0, t1)
    lo_p, hi_p = min(p0, p1), max(p0, p1)
    return frozenset(n for n in clip.notes
                     if lo_p <= n.pitch <= hi_p and n.start <= hi_t and n.end > lo_t)
