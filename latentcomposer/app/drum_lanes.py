"""Drum lanes: the rows of the piano roll's drum view and the edits that move hits between them.

A drum clip (``clip.is_drum``, channel 10) is shown as one named row per drum class of the drum
models (:data:`latentcomposer.data.drums.CLASSES`), top to bottom in a fixed order: Kick, Snare,
Closed hi-hat, Open hi-hat, Low tom, Mid tom, High tom, Crash, Ride. A class row plays the class's
canonical General MIDI note (kick 36, snare 38, closed hi-hat 42, open hi-hat 46, toms 45/48/50,
crash 49, ride 51: :data:`~latentcomposer.data.drums.CLASS_TO_PITCH`), which is what a drawn hit gets.

**Non-canonical notes keep their own rows.** Every other distinct pitch present in the clip (a side
stick 37, a pedal hi-hat 44, a tambourine 54, ...) gets a row of its own, labelled with its GM drum
name and placed right under the row of the class the drum models map it to, so a class's rows form
a group. Pitches outside the drum mapping (say a stray 90) go to an "Other" group at the bottom, in
pitch order. Rows and the pitches present are therefore one-to-one: no note is merged, hidden or
re-pitched just by being shown; each stays visible and editable where it is, and only moving a hit
to another row changes its pitch (to that row's note). An extra row disappears when its last hit is
moved off or deleted (undo brings it back).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace

from latentcomposer.core import Clip, Note
from latentcomposer.data.drums import CLASS_TO_PITCH, CLASSES, PITCH_TO_CLASS

from .editing import EditError, Selection, clamp_move
from .instruments import drum_name

OTHER = len(CLASSES)  # the group of pitches outside the drum mapping
CLASS_NAMES: tuple[str, ...] = tuple(c[:1].upper() + c[1:] for c in CLASSES)  # "Kick", "Closed hi-hat"


@dataclass(frozen=True, slots=True)
class DrumLane:
    """One row: the note it plays, its label, its group (a class index, or :data:`OTHER`) and
    whether it is the group's canonical row."""

    pitch: int
    name: str
    group: int
    canonical: bool

    @property
    def group_name(self) -> str:
        return CLASS_NAMES[self.group] if self.group < OTHER else "Other"


@dataclass(frozen=True)
class DrumLanes:
    """The rows of a drum view, top to bottom (row 0 is the top row)."""

    lanes: tuple[DrumLane, ...]
    _rows: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rows = {lane.pitch: k for k, lane in enumerate(self.lanes)}
        if len(rows) != len(self.lanes):
            raise ValueError("each pitch may have only one drum lane")
        object.__setattr__(self, "_rows", rows)

    def __len__(self) -> int:
        return len(self.lanes)

    def __iter__(self) -> Iterator[DrumLane]:
        return iter(self.lanes)

    def __getitem__(self, row: int) -> DrumLane:
        return self.lanes[row]

    @property
    def pitches(self) -> tuple[int, ...]:
        return tuple(lane.pitch for lane in self.lanes)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(lane.name for lane in self.lanes)

    def row_of(self, pitch: int) -> int | None:
        """The row showing ``pitch`` (None if it has none)."""
        return self._rows.get(pitch)

    def pitch_of(self, row: int) -> int:
        """The note of ``row`` (clamped to the rows there are)."""
        return self.lanes[max(0, min(len(self.lanes) - 1, row))].pitch

    def clamp_rows(self, notes: Iterable[Note], rows: int) -> int:
        """The largest part of a move by ``rows`` (positive: down) that keeps every note on a row."""
        present = [r for r in (self.row_of(n.pitch) for n in notes) if r is not None]
        if not present:
            return 0
        return max(-min(present), min(rows, len(self.lanes) - 1 - max(present)))

    def moved(self, note: Note, ticks: int, rows: int) -> Note:
        """``note`` shifted by ``ticks`` and ``rows`` rows (a note on no row only moves in time)."""
        row = self.row_of(note.pitch)
        pitch = note.pitch if row is None else self.pitch_of(row + rows)
        return replace(note.shifted(ticks), pitch=pitch)


def lane_for(pitch: int) -> DrumLane:
    """The row ``pitch`` gets: its class's row if it is the canonical note, else a row of its own."""
    group = PITCH_TO_CLASS.get(pitch, OTHER)
    canonical = group < OTHER and CLASS_TO_PITCH[group] == pitch
    return DrumLane(pitch, CLASS_NAMES[group] if canonical else drum_name(pitch), group, canonical)


def drum_lanes(clip: Clip | Iterable[int] = ()) -> DrumLanes:
    """The rows for a drum clip (or for a set of pitches): the nine class rows always, plus one
    row per other pitch present, under its class's row (sorted by pitch within a group)."""
    pitches = {n.pitch for n in clip.notes} if isinstance(clip, Clip) else set(clip)
    extra = sorted((lane_for(p) for p in pitches - set(CLASS_TO_PITCH)), key=lambda ln: (ln.group, ln.pitch))
    lanes: list[DrumLane] = []
    for k, pitch in enumerate(CLASS_TO_PITCH):
        lanes.append(lane_for(pitch))
        lanes.extend(lane for lane in extra if lane.group == k)
    lanes.extend(lane for lane in extra if lane.group == OTHER)
    return DrumLanes(tuple(lanes))


def move_hits(clip: Clip, notes: Collection[Note], ticks: int, rows: int,
              lanes: DrumLanes) -> tuple[Clip, Selection]:
    """Move hits by ``ticks`` and by ``rows`` rows of ``lanes`` (each takes its new row's note);
    both are clamped so every hit stays at tick >= 0 and on a row."""
    chosen = set(notes)
    keep = [n for n in clip.notes if n not in chosen]
    picked = [n for n in clip.notes if n in chosen]
    if not picked:
        raise EditError("no notes selected")
    ticks = clamp_move(picked, ticks, 0)[0]
    rows = lanes.clamp_rows(picked, rows)
    moved = [lanes.moved(n, ticks, rows) for n in picked]
    return clip.with_notes(keep + moved), frozenset(moved)


def hits_in_rect(clip: Clip, t0: float, t1: float, pitches: Collection[int], cell: int) -> Selection:
    """Hits on ``pitches`` whose cell (``cell`` ticks from their start) overlaps ticks ``[t0, t1]``."""
    lo, hi = min(t0, t1), max(t0, t1)
    return frozenset(n for n in clip.notes if n.pitch in pitches and n.start <= hi and n.start + cell > lo)
