"""Pure note edits."""

from __future__ import annotations

import pytest

from latentcomposer.app import editing as ed
from latentcomposer.core import Clip, Note


def clip(*notes: Note) -> Clip:
    return Clip(notes)


def test_grid_and_snap() -> None:
    assert ed.grid_ticks(480, 16) == 120 and ed.grid_ticks(480, 4) == 480 and ed.grid_ticks(480, None) == 1
    assert ed.snap(170, 120) == 120 and ed.snap(190, 120) == 240
    assert ed.snap(130, 120, "floor") == 120 and ed.snap(130, 120, "ceil") == 240
    assert ed.snap(130.4, 1) == 130


def test_move_is_clamped_to_range() -> None:
    c = clip(Note(100, 126, 200), Note(300, 60, 400))
    new, sel = ed.move_notes(c, c.notes, -500, 5)
    assert sorted(n.start for n in new.notes) == [0, 200] and max(n.pitch for n in new.notes) == 127
    assert sel == frozenset(new.notes)


def test_transpose_refuses_out_of_range() -> None:
    c = clip(Note(0, 120, 10))
    with pytest.raises(ed.EditError):
        ed.transpose_notes(c, c.notes, 12)
    new, _ = ed.transpose_notes(c, c.notes, -12)
    assert new.notes[0].pitch == 108


def test_resize_keeps_a_minimum() -> None:
    c = clip(Note(0, 60, 100), Note(0, 62, 400))
    new, _ = ed.resize_notes(c, c.notes, -200, min_length=30)
    assert sorted(n.end for n in new.notes) == [30, 200]


def test_velocity_is_clamped() -> None:
    c = clip(Note(0, 60, 100, 120), Note(0, 62, 100, 5))
    new, _ = ed.set_velocity(c, c.notes, lambda n: n.velocity + 20)
    assert sorted(n.velocity for n in new.notes) == [25, 127]
    new, _ = ed.set_velocity(c, c.notes, -3)
    assert {n.velocity for n in new.notes} == {1}


def test_quantize_and_duplicate() -> None:
    c = clip(Note(50, 60, 170), Note(250, 62, 260))
    new, _ = ed.quantize_notes(c, c.notes, 120)
    assert [(n.start, n.end) for n in new.notes] == [(0, 120), (240, 360)]
    dup, sel = ed.duplicate_notes(new, new.notes, 120)
    assert len(dup.notes) == 4 and sorted(n.start for n in sel) == [360, 600]


def test_paste_rescales_ppq() -> None:
    rel = ed.relative_notes([Note(960, 60, 1200), Note(1440, 64, 1920)])
    assert rel[0].start == 0
    target = Clip(ppq=96)
    new, sel = ed.paste_notes(target, rel, 96, source_ppq=480)
    assert sorted((n.start, n.end) for n in sel) == [(96, 144), (192, 288)]


def test_notes_in_rect_and_errors() -> None:
    c = clip(Note(0, 60, 100), Note(200, 70, 300))
    assert ed.notes_in_rect(c, 50, 150, 55, 65) == {Note(0, 60, 100)}
    assert ed.notes_in_rect(c, 150, 0, 75, 55) == {Note(0, 60, 100)}
    with pytest.raises(ed.EditError):
        ed.delete_notes(c, [])
    with pytest.raises(ed.EditError):
        ed.move_notes(c, [Note(1, 1, 2)], 1, 1)


def test_merge_duplicates_keeps_the_longer_note_then_the_louder() -> None:
    short_loud, long_soft, other = Note(0, 60, 120, 127), Note(0, 60, 480, 40), Note(0, 64, 120)
    c = clip(short_loud, long_soft, other, Note(480, 60, 600))
    new, sel = ed.merge_duplicates(c, [short_loud])
    assert new.notes == (long_soft, other, Note(480, 60, 600)) and sel == {long_soft}
    # equally long: the louder one stays
    a, b = Note(0, 60, 120, 70), Note(0, 60, 120, 90)
    new, sel = ed.merge_duplicates(clip(a, b), [a])
    assert new.notes == (b,) and sel == {b}
    # the same note twice (a paste at the same place) becomes one
    new, sel = ed.merge_duplicates(clip(a, a, b), [b])
    assert new.notes == (b,) and sel == {b}


def test_merge_duplicates_in_drums_keeps_the_louder_hit() -> None:
    soft_long, loud_short = Note(0, 36, 240, 50), Note(0, 36, 60, 120)
    beat = Clip((soft_long, loud_short, Note(0, 38, 60)), is_drum=True)
    new, sel = ed.merge_duplicates(beat, [soft_long])
    assert new.notes == (loud_short, Note(0, 38, 60)) and sel == {loud_short}


def test_merge_duplicates_only_touches_groups_with_an_edited_note() -> None:
    a, b = Note(0, 60, 120), Note(0, 60, 240)  # a duplicate already in the file
    moved = Note(480, 62, 600)
    c = clip(a, b, moved)
    new, sel = ed.merge_duplicates(c, [moved])
    assert new is c and sel == {moved}  # nothing to merge: the very same clip
    # different start or pitch is not a duplicate
    near = clip(Note(0, 60, 120), Note(1, 60, 120), Note(0, 61, 120))
    assert ed.merge_duplicates(near, near.notes)[0] is near
