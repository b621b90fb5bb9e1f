"""Session: clips, current clip, selection, undoable edits, listeners, latent and playback state."""

from __future__ import annotations

import pytest

from latentcomposer.app.editing import EditError
from latentcomposer.app.session import Session, empty_clip
from latentcomposer.app.state import InterpolationSettings
from latentcomposer.core import Clip, Note
from latentcomposer.core.examples import example_clip


@pytest.fixture
def session() -> Session:
    return Session([example_clip("twinkle")])


def test_new_session_has_one_empty_clip() -> None:
    s = Session()
    assert len(s.items) == 1
    assert s.current_clip.notes == ()
    assert s.current_clip.n_bars == 4
    assert not s.modified and not s.undo_stack.can_undo


def test_add_note_undo_redo_restores_clip_and_selection(session: Session) -> None:
    before = session.current_clip
    note = Note(0, 72, 240, 90)
    session.add_notes([note])
    assert note in session.current_clip.notes and session.selection == {note}
    assert session.modified and session.undo_stack.undo_label == "Add note"
    session.undo()
    assert session.current_clip == before and session.selection == frozenset()
    session.redo()
    assert note in session.current_clip.notes and session.selection == {note}


def test_move_then_undo_twice(session: Session) -> None:
    original = session.current_clip
    note = Note(0, 72, 240, 90)
    session.add_notes([note])
    session.move_notes([note], 480, 2)
    moved = Note(480, 74, 720, 90)
    assert moved in session.current_clip.notes and note not in session.current_clip.notes
    assert session.selection == {moved}
    session.undo()
    assert note in session.current_clip.notes and session.selection == {note}
    session.undo()
    assert session.current_clip == original
    assert not session.modified  # back at the clean state


def test_listeners_get_one_event_per_command(session: Session) -> None:
    events: list[frozenset[str]] = []
    session.listen(events.append)
    session.add_notes([Note(0, 90, 120)])  # (Twinkle has a note at pitch 60, tick 0: that would merge)
    assert len(events) == 1
    assert {"clip", "selection", "undo", "modified"} <= events[0]


def test_edit_error_changes_nothing(session: Session) -> None:
    before = session.current_clip
    session.select(n for n in before.notes if n.pitch == 69)  # the top notes (A4)
    with pytest.raises(EditError):
        session.transpose_selection(127)
    assert session.current_clip == before and not session.undo_stack.can_undo


def test_clip_list_add_remove_rename_undo(session: Session) -> None:
    first = session.current_uid
    item = session.add_clip(example_clip("mary"), origin="generated", source="test")
    assert session.current_uid == item.uid and len(session.items) == 2
    session.rename_clip(item.uid, "  Mary 2 ")
    assert session.current_clip.name == "Mary 2"
    session.remove_clip(item.uid)
    assert len(session.items) == 1 and session.current_uid == first
    session.undo()
    assert session.current_uid == item.uid and session.current_clip.name == "Mary 2"
    session.undo()
    assert session.current_clip.name == "Mary"
    session.undo()
    assert [i.uid for i in session.items] == [first]
    session.redo()
    assert session.current_uid == item.uid


def test_removing_the_last_clip_leaves_an_empty_one(session: Session) -> None:
    uid = session.current_uid
    session.remove_clip(uid)
    assert len(session.items) == 1 and session.current_clip.notes == ()
    session.undo()
    assert session.current_uid == uid and len(session.current_clip.notes) == 28
    assert len(session.items) == 1


def test_add_clips_is_one_step_and_first_is_current(session: Session) -> None:
    items = session.add_clips([example_clip("mary"), example_clip("ode_to_joy")], origin="imported")
    assert len(session.items) == 3 and session.current_uid == items[0].uid
    session.undo()
    assert len(session.items) == 1


def test_undo_switches_to_the_clip_it_changes(session: Session) -> None:
    a = session.current_uid
    session.add_notes([Note(0, 90, 100)])
    session.add_clip(empty_clip("B"))
    session.undo()  # removes B
    session.set_current(a)
    session.add_clip(empty_clip("C"))
    session.set_current(a)
    session.undo()  # undoes "add C", focus returns to a
    session.undo()  # undoes the note in a
    assert session.current_uid == a and Note(0, 90, 100) not in session.current_clip.notes


def test_replace_clip_for_generated_results(session: Session) -> None:
    new = session.current_clip.transpose(2).copy(name="Generated")
    session.replace_clip(new, "Generate")
    assert session.current_clip == new and session.undo_stack.undo_label == "Generate"
    session.undo()
    assert session.current_clip.name == "Twinkle"


def test_merge_key_folds_steps(session: Session) -> None:
    notes = frozenset(session.current_clip.notes[:2])
    session.set_velocity(notes, lambda n: n.velocity + 4, merge_key="wheel")
    session.set_velocity(session.selection, lambda n: n.velocity + 4, merge_key="wheel")
    assert len(session.undo_stack) == 1
    assert {n.velocity for n in session.selection} == {98}
    session.undo()
    assert {n.velocity for n in session.current_clip.notes} == {90}


def test_no_merge_into_saved_state(session: Session, tmp_path) -> None:
    session.set_tempo(100)
    session.mark_saved(tmp_path / "x.lcproj")
    session.set_tempo(101)
    assert len(session.undo_stack) == 2 and session.modified
    session.undo()
    assert not session.modified and session.current_clip.tempo == 100


def test_clipboard_copy_cut_paste(session: Session) -> None:
    first_two = session.current_clip.notes[:2]
    session.select(first_two)
    assert session.copy_selection() == 2
    session.paste(1920 * 8)
    pasted = sorted(session.selection)
    assert [n.start for n in pasted] == [1920 * 8, 1920 * 8 + 480]
    assert session.current_clip.end_tick == 1920 * 8 + 960
    session.cut_selection()
    assert len(session.current_clip.notes) == 28
    with pytest.raises(EditError):
        Session().paste(0)


def test_selection_only_holds_notes_of_the_current_clip(session: Session) -> None:
    session.select([Note(0, 1, 2)])
    assert session.selection == frozenset()
    session.select_all()
    assert len(session.selection) == 28
    session.add_clip(Clip())
    assert session.selection == frozenset()


def test_latent_state_and_slots(session: Session) -> None:
    events: list[frozenset[str]] = []
    session.listen(events.append)
    uid = session.current_uid
    session.update_latent(model="melody_2bar", codes={uid: [0.1, -0.2]}, sliders={"z0": 0.5})
    session.set_slot("a", uid)
    assert session.latent.interpolation.slot_a == uid and session.modified
    assert "latent" in events[0]
    with pytest.raises(KeyError):
        session.set_slot("b", "nope")
    with pytest.raises(AttributeError):
        session.update_latent(colour="red")
    assert isinstance(session.latent.interpolation, InterpolationSettings)


def test_revision_bumps_on_content_not_selection(session: Session) -> None:
    r = session.revision
    session.select_all()
    assert session.revision == r
    session.delete_selection()
    assert session.revision > r


def three_clip_session() -> Session:
    return Session([example_clip("twinkle"), example_clip("mary"), example_clip("ode_to_joy")])


def test_deleting_a_clip_empties_the_slots_that_hold_it_and_undo_puts_it_back() -> None:
    s = three_clip_session()
    a, b, c = (i.uid for i in s.items)
    s.set_slot("a", a)
    s.set_slot("b", b)
    events: list[frozenset[str]] = []
    s.listen(events.append)
    s.remove_clip(a)
    st = s.latent.interpolation
    assert st.slot_a is None and st.slot_b == b  # never a uid that is not in the session
    assert "latent" in events[-1]
    s.undo()
    assert s.has(a) and st.slot_a == a and st.slot_b == b
    s.redo()
    assert st.slot_a is None
    s.undo()
    # a clip in both slots empties both; deleting the last clip (a macro) does too
    s.set_slot("b", a)
    s.remove_clip(a)
    assert (st.slot_a, st.slot_b) == (None, None)
    s.undo()
    assert (st.slot_a, st.slot_b) == (a, a)
    for uid in (b, c):
        s.remove_clip(uid)
    s.remove_clip(a)
    assert (st.slot_a, st.slot_b) == (None, None) and len(s.items) == 1
    s.undo()
    assert (st.slot_a, st.slot_b) == (a, a)


def test_undoing_a_delete_does_not_override_a_later_slot_choice() -> None:
    s = three_clip_session()
    a, _b, c = (i.uid for i in s.items)
    s.set_slot("a", a)
    s.remove_clip(a)
    s.set_slot("a", c)  # the user filled the emptied slot with another clip meanwhile
    s.undo()
    assert s.has(a) and s.latent.interpolation.slot_a == c


def test_undoing_the_addition_of_a_slotted_clip_empties_the_slot() -> None:
    s = three_clip_session()
    item = s.add_clip(example_clip("mary"), origin="imported", label="Open mary.mid")
    s.set_slot("b", item.uid)  # what opening a file into slot B does
    s.undo()
    assert not s.has(item.uid) and s.latent.interpolation.slot_b is None
    s.redo()
    assert s.latent.interpolation.slot_b == item.uid


def test_stale_slot_uids_from_a_project_are_dropped_on_reset() -> None:
    from latentcomposer.app.state import ClipItem, LatentState

    latent = LatentState(interpolation=InterpolationSettings(slot_a="gone0000000", slot_b="keep00000000"))
    s = Session()
    s.reset([ClipItem("keep00000000", example_clip("mary"))], latent=latent)
    assert s.latent.interpolation.slot_a is None and s.latent.interpolation.slot_b == "keep00000000"
    assert not s.modified


def test_transposing_drums_is_refused_without_an_undo_step() -> None:
    from latentcomposer.core.examples import example_drums

    s = Session([example_drums(2)])
    before = s.current_clip
    s.select_all()
    with pytest.raises(EditError, match="Drums can't be transposed"):
        s.transpose_selection(2)
    s.clear_selection()
    with pytest.raises(EditError, match="move hits between lanes"):
        s.transpose_selection(-1)  # nothing selected: would transpose the whole clip
    assert s.current_clip == before and not s.undo_stack.can_undo and not s.modified


def test_pasting_between_melody_and_drums_keeps_the_notes_and_says_so() -> None:
    from latentcomposer.core.examples import example_drums

    s = Session([example_clip("twinkle"), example_drums(2)])
    melody, beat = (i.uid for i in s.items)
    s.select(s.current_clip.notes[:3])
    s.copy_selection()
    assert s.paste(1920 * 8) is None  # melody into melody: nothing to say
    s.set_current(beat)
    n = len(s.current_clip.notes)
    note = s.paste(1920 * 2)
    assert note is not None and "melodic notes" in note and "drum" in note
    assert len(s.current_clip.notes) == n + 3 and {p.pitch for p in s.selection} == {60, 67}
    s.select(s.current_clip.notes[:2])
    s.copy_selection()
    s.set_current(melody)
    note = s.paste(0)
    assert note is not None and "drum hits" in note and "melod" in note
    assert len(s.selection) == 2


def test_moving_or_pasting_onto_a_note_merges_the_duplicate_in_the_same_step() -> None:
    s = Session([Clip((Note(0, 60, 480, 80), Note(960, 60, 1080, 100)), length=1920)])
    before = s.current_clip
    s.move_notes([Note(960, 60, 1080, 100)], -960, 0)  # exactly onto the first note
    assert s.current_clip.notes == (Note(0, 60, 480, 80),)  # the longer one stays
    assert s.selection == {Note(0, 60, 480, 80)} and len(s.undo_stack) == 1
    s.undo()
    assert s.current_clip == before
    s.select(before.notes)
    s.copy_selection()
    s.paste(0)  # the same notes again at the same place
    assert s.current_clip == before and not s.undo_stack.can_undo  # nothing changed: no undo step
    s.add_notes([Note(960, 60, 1200, 90)])  # drawn over a shorter note
    assert s.current_clip.notes == (Note(0, 60, 480, 80), Note(960, 60, 1200, 90))
    s.undo()
    assert s.current_clip == before
