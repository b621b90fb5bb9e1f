"""Drum lanes (the rows of the piano roll's drum view) and the GM drum names, without Qt."""

from __future__ import annotations

import pytest

from latentcomposer.app import drum_lanes as dl
from latentcomposer.app.editing import EditError
from latentcomposer.app.instruments import GM_DRUM_NAMES, drum_name
from latentcomposer.core import DRUM_CHANNEL, Clip, Note
from latentcomposer.core.examples import example_drums
from latentcomposer.data.drums import CLASS_TO_PITCH, PITCH_TO_CLASS

CLASS_ROWS = ("Kick", "Snare", "Closed hi-hat", "Open hi-hat", "Low tom", "Mid tom", "High tom", "Crash", "Ride")


def drums(*notes: Note) -> Clip:
    return Clip(notes, is_drum=True, channel=DRUM_CHANNEL)


def test_gm_drum_names() -> None:
    assert drum_name(36) == "Bass Drum 1" and drum_name(37) == "Side Stick" and drum_name(44) == "Pedal Hi-Hat"
    assert drum_name(81) == "Open Triangle" and drum_name(87) == "Open Surdo"
    assert drum_name(90) == "Note 90 (F#6)"
    assert set(range(27, 88)) <= set(GM_DRUM_NAMES)


def test_an_empty_clip_has_the_nine_class_rows_in_order() -> None:
    lanes = dl.drum_lanes(drums())
    assert lanes.names == CLASS_ROWS
    assert lanes.pitches == (36, 38, 42, 46, 45, 48, 50, 49, 51) == CLASS_TO_PITCH
    assert all(lane.canonical for lane in lanes) and [lane.group for lane in lanes] == list(range(9))
    assert lanes.row_of(36) == 0 and lanes.row_of(51) == 8 and lanes.row_of(37) is None


def test_other_notes_get_their_own_rows_under_their_class() -> None:
    lanes = dl.drum_lanes(drums(Note(0, 37, 60), Note(0, 44, 60), Note(0, 35, 60), Note(0, 90, 60),
                                Note(0, 38, 60), Note(120, 37, 180), Note(0, 22, 60)))
    assert lanes.names == ("Kick", "Acoustic Bass Drum", "Snare", "Side Stick", "Closed hi-hat",
                           "Closed Hi-Hat Edge", "Pedal Hi-Hat", "Open hi-hat", "Low tom", "Mid tom",
                           "High tom", "Crash", "Ride", "Note 90 (F#6)")
    side_stick = lanes[lanes.row_of(37)]  # type: ignore[index]
    assert not side_stick.canonical and side_stick.group == 1 and side_stick.group_name == "Snare"
    assert lanes[len(lanes) - 1].group == dl.OTHER and lanes[len(lanes) - 1].group_name == "Other"


def test_every_pitch_has_exactly_one_row() -> None:
    clip = drums(*(Note(p, p, p + 1) for p in range(128)))
    lanes = dl.drum_lanes(clip)
    assert len(lanes) == 128 and sorted(lanes.pitches) == list(range(128))
    for pitch in range(128):
        row = lanes.row_of(pitch)
        assert row is not None and lanes.pitch_of(row) == pitch
        assert lanes[row].group == PITCH_TO_CLASS.get(pitch, dl.OTHER)


def test_the_example_beat_keeps_its_floor_tom_row() -> None:
    lanes = dl.drum_lanes(example_drums())
    assert lanes.names == ("Kick", "Snare", "Closed hi-hat", "Open hi-hat", "Low tom", "Low Floor Tom",
                           "Mid tom", "High tom", "Crash", "Ride")


def test_move_hits_changes_row_and_time_and_is_clamped() -> None:
    kick, rim = Note(0, 36, 60, 110), Note(480, 37, 540, 90)
    clip = drums(kick, rim, Note(960, 38, 1020))
    lanes = dl.drum_lanes(clip)  # Kick, Snare, Side Stick, Closed hi-hat, ...
    new, sel = dl.move_hits(clip, [kick], 240, 3, lanes)
    assert sel == {Note(240, 42, 300, 110)} and Note(240, 42, 300, 110) in new.notes and kick not in new.notes
    # with the kick on the top row and at tick 0, nothing can move up or earlier
    new, sel = dl.move_hits(clip, [rim, kick], -1000, -5, lanes)
    assert new == clip and sel == {kick, rim}
    new, sel = dl.move_hits(clip, [rim], -1000, -5, lanes)  # alone, the side stick goes to the kick row
    assert sel == {Note(0, 36, 60, 90)}
    new, sel = dl.move_hits(clip, [rim], 0, -1, lanes)  # one row up from the side stick: the snare
    assert sel == {Note(480, 38, 540, 90)}
    new, sel = dl.move_hits(clip, [rim], 0, 100, lanes)
    assert sel == {Note(480, lanes.pitches[-1], 540, 90)} and lanes.pitches[-1] == 51
    with pytest.raises(EditError):
        dl.move_hits(clip, [Note(5, 36, 10)], 0, 1, lanes)


def test_hits_in_rect_uses_the_cell_not_the_length() -> None:
    short, long_ = Note(0, 36, 30), Note(480, 36, 1920)
    clip = drums(short, long_, Note(0, 38, 30))
    assert dl.hits_in_rect(clip, 60, 100, {36}, 120) == {short}  # the 30-tick hit's cell reaches 120
    assert dl.hits_in_rect(clip, 700, 900, {36}, 120) == frozenset()  # inside the long note, past its cell
    assert dl.hits_in_rect(clip, 0, 500, {36, 38}, 120) == frozenset(clip.notes)
