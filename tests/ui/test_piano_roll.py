"""Drive the piano roll with the mouse and keyboard; every edit is checked, undone and redone."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from latentcomposer.app.session import Session
from latentcomposer.core import Clip, Note
from latentcomposer.ui.main_window import MainWindow
from latentcomposer.ui.piano_roll import PianoRoll

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def roll(window: MainWindow) -> PianoRoll:
    """The window's roll at a known zoom: 48 px per beat (0.1 px per tick), 12 px rows, C4 on screen."""
    r = window.roll
    r.view.px_per_beat = 48.0
    r.view.key_height = 12.0
    r.view.set_scroll(0, (127 - 72) * 12)
    r.set_snap("1/16")
    r.update_all()
    return r


def drag(qtbot: Any, widget: Any, start: QPoint, end: QPoint, mods: Qt.KeyboardModifier = NONE) -> None:
    qtbot.mousePress(widget, LEFT, NONE, start)
    steps = 4
    for k in range(1, steps + 1):
        qtbot.mouseMove(widget, QPoint(start.x() + (end.x() - start.x()) * k // steps,
                                       start.y() + (end.y() - start.y()) * k // steps))
    qtbot.mouseRelease(widget, LEFT, mods, end)


def click(qtbot: Any, widget: Any, pos: QPoint, mods: Qt.KeyboardModifier = NONE) -> None:
    qtbot.mousePress(widget, LEFT, mods, pos)
    qtbot.mouseRelease(widget, LEFT, mods, pos)


def notes(session: Session) -> list[Note]:
    return list(session.current_clip.notes)


def test_draw_move_resize_delete_with_undo_redo(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    canvas = roll.canvas
    assert notes(s) == []

    # draw: a click in the cell at beat 3 (tick 960) on E4 makes a 1/16 note there
    roll.set_tool("draw")
    click(qtbot, canvas, roll.point_at(960 + 40, 64))
    drawn = Note(960, 64, 1080, 100)
    assert notes(s) == [drawn] and s.selection == {drawn}

    # move: drag the body right by a beat (48 px) and up two semitones (24 px)
    roll.set_tool("select")
    drag(qtbot, canvas, roll.point_at(1000, 64), roll.point_at(1000 + 480, 66))
    moved = Note(1440, 66, 1560, 100)
    assert notes(s) == [moved]

    # resize: drag the right end by 24 px = 240 ticks
    end_x = round(roll.view.tick_to_x(moved.end)) - 2
    y = roll.point_at(moved.start, 66).y()
    drag(qtbot, canvas, QPoint(end_x, y), QPoint(end_x + 24, y))
    resized = Note(1440, 66, 1800, 100)
    assert notes(s) == [resized]

    # delete with the Delete key (the Edit menu's shortcut)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert notes(s) == []

    # undo each step with Ctrl+Z, redo with Ctrl+Shift+Z and Ctrl+Y
    for expected in ([resized], [moved], [drawn], []):
        qtbot.keyClick(canvas, Qt.Key.Key_Z, CTRL)
        assert notes(s) == expected
    assert not window.action_map["undo"].isEnabled()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, CTRL | SHIFT)
    assert notes(s) == [drawn]
    qtbot.keyClick(canvas, Qt.Key.Key_Y, CTRL)
    assert notes(s) == [moved]
    window.action_map["redo"].trigger()
    window.action_map["redo"].trigger()
    assert notes(s) == []
    assert window.action_map["undo"].text() == "&Undo Delete notes"


def test_draw_drag_sets_length_and_alt_disables_snap(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    roll.set_tool("draw")
    drag(qtbot, roll.canvas, roll.point_at(0, 60), roll.point_at(1400, 60))
    assert notes(s) == [Note(0, 60, 1440, 100)]
    roll.set_tool("select")
    start = roll.point_at(100, 60)
    drag(qtbot, roll.canvas, start, QPoint(start.x() + 37, start.y()), mods=ALT)
    assert notes(s) == [Note(370, 60, 1810, 100)]  # 37 px = 370 ticks, off the grid
    s.undo()
    drag(qtbot, roll.canvas, start, QPoint(start.x() + 37, start.y()))
    assert notes(s) == [Note(360, 60, 1800, 100)]  # snapped to 1/16 (120 ticks)


def test_select_rubber_band_shift_and_keys(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    clip = Clip((Note(0, 60, 240), Note(480, 62, 720), Note(960, 64, 1200), Note(1440, 72, 1680)), length=1920 * 2)
    s.replace_clip(clip, "setup")
    roll.set_tool("select")
    # rubber band over the first three notes
    drag(qtbot, roll.canvas, roll.point_at(0, 66, dx=-1), roll.point_at(1100, 59))
    assert s.selection == set(clip.notes[:3])
    # shift-click adds the fourth, shift-click again removes it
    click(qtbot, roll.canvas, roll.point_at(1500, 72), SHIFT)
    assert len(s.selection) == 4
    click(qtbot, roll.canvas, roll.point_at(1500, 72), SHIFT)
    assert s.selection == set(clip.notes[:3])
    # Up: a semitone; Shift+Up: an octave; Right: one grid cell
    roll.canvas.setFocus()
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Up)
    assert sorted(n.pitch for n in s.selection) == [61, 63, 65]
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Down, SHIFT)
    assert sorted(n.pitch for n in s.selection) == [49, 51, 53]
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Right)
    assert sorted(n.start for n in s.selection) == [120, 600, 1080]
    # Ctrl+D duplicates after the selection; Escape clears it
    qtbot.keyClick(roll.canvas, Qt.Key.Key_D, CTRL)
    assert len(s.current_clip.notes) == 7 and sorted(n.start for n in s.selection) == [1320, 1800, 2280]
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Escape)
    assert s.selection == frozenset()
    # Ctrl+A then Q quantizes everything to the grid; undo brings the old timing back
    qtbot.keyClick(roll.canvas, Qt.Key.Key_A, CTRL)
    assert len(s.selection) == 7
    window.snap_combo.setCurrentText("1/4")
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Q)
    assert all(n.start % 480 == 0 and n.end % 480 == 0 for n in s.current_clip.notes)
    assert s.undo_stack.undo_label == "Quantize"
    for _ in range(5):
        s.undo()
    assert s.current_clip == clip


def test_erase_tool_and_right_click(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    clip = Clip((Note(0, 60, 240), Note(480, 60, 720), Note(960, 60, 1200)), length=1920)
    s.replace_clip(clip, "setup")
    roll.set_tool("erase")
    drag(qtbot, roll.canvas, roll.point_at(10, 60), roll.point_at(500, 60))  # sweeps over two notes
    assert notes(s) == [Note(960, 60, 1200)]
    assert s.undo_stack.undo_label == "Delete notes"
    s.undo()
    roll.set_tool("draw")
    qtbot.mouseClick(roll.canvas, Qt.MouseButton.RightButton, NONE, roll.point_at(500, 60))
    assert notes(s) == [Note(0, 60, 240), Note(960, 60, 1200)]


def test_velocity_lane_and_alt_wheel(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    clip = Clip((Note(0, 60, 240, 100), Note(480, 62, 720, 100), Note(960, 64, 1200, 100)), length=1920)
    s.replace_clip(clip, "setup")
    lane = roll.velocity
    # drag across the first two stems near the bottom: they get a low velocity
    y = round(lane.y_for(20))
    drag(qtbot, lane, QPoint(round(roll.view.tick_to_x(0)) - 1, y), QPoint(round(roll.view.tick_to_x(480)) + 2, y))
    vels = [n.velocity for n in s.current_clip.notes]
    assert vels[0] == vels[1] and 15 <= vels[0] <= 25 and vels[2] == 100
    s.undo()
    assert s.current_clip == clip
    # Alt+wheel over a note: +4 per notch, several notches are one undo step
    pos = QPointF(roll.point_at(1000, 64))
    for _ in range(3):
        event = QWheelEvent(pos, QPointF(roll.canvas.mapToGlobal(pos.toPoint())), QPoint(), QPoint(0, 120),
                            Qt.MouseButton.NoButton, ALT, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(roll.canvas, event)
    assert s.current_clip.notes[2].velocity == 112
    s.undo()
    assert s.current_clip == clip


def test_ctrl_wheel_zooms_and_keys_zoom(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    before = roll.view.px_per_beat
    pos = QPointF(200, 100)
    event = QWheelEvent(pos, QPointF(roll.canvas.mapToGlobal(pos.toPoint())), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, CTRL, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(roll.canvas, event)
    assert roll.view.px_per_beat > before
    window.action_map["zoomOut"].trigger()
    window.action_map["zoomOut"].trigger()
    assert roll.view.px_per_beat < before
    y0 = roll.view.scroll_y
    event = QWheelEvent(pos, QPointF(roll.canvas.mapToGlobal(pos.toPoint())), QPoint(), QPoint(0, -120),
                        Qt.MouseButton.NoButton, NONE, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(roll.canvas, event)
    assert roll.view.scroll_y == y0 + 120 and roll.vbar.value() == round(roll.view.scroll_y)


def test_keyboard_and_moves_audition(qtbot: Any, window: MainWindow, roll: PianoRoll, backend: Any) -> None:
    qtbot.mouseClick(roll.keyboard, LEFT, NONE, roll.keyboard.point_for(67).toPoint())
    assert any(m.type == "note_on" and m.note == 67 for m in backend.messages)
    backend.clear()
    s = window.session
    s.replace_clip(Clip((Note(0, 60, 480),), length=1920), "setup")
    roll.set_tool("select")
    drag(qtbot, roll.canvas, roll.point_at(100, 60), roll.point_at(100, 63))
    played = [m.note for m in backend.messages if m.type == "note_on"]
    assert played[0] == 60 and played[-1] == 63  # heard on grab and at the new pitch
    assert notes(s) == [Note(0, 63, 480)]


def test_ruler_seeks_and_sets_loop(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    ruler = roll.ruler
    x = round(roll.view.tick_to_x(1920)) + 1
    click(qtbot, ruler, QPoint(x, 10))
    assert roll.view.playhead == 1920 and window.playback_ui.service.position_tick == 1920
    drag(qtbot, ruler, QPoint(round(roll.view.tick_to_x(480)), 10), QPoint(round(roll.view.tick_to_x(2400)), 10))
    assert window.session.playback.loop == (480, 2400) and window.session.playback.loop_enabled
    assert window.playback_ui.service.sequencer.loop == (480, 2400)
    assert window.action_map["loop"].isChecked()
    qtbot.mouseDClick(ruler, LEFT, NONE, QPoint(x, 10))
    assert window.session.playback.loop is None and window.playback_ui.service.sequencer.loop is None


def test_ten_thousand_notes_paint_and_edit(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    import random

    rng = random.Random(7)
    many = [Note(t * 60, rng.randint(36, 96), t * 60 + rng.randint(30, 480), rng.randint(1, 127))
            for t in range(10_000)]
    s = window.session
    s.replace_clip(Clip(tuple(many)), "big")
    roll.zoom_fit()
    image = roll.grab()
    assert not image.isNull()
    roll.view.px_per_beat = 48.0
    roll.view.set_scroll(0, 0)
    target = s.current_clip.notes[5000]
    roll.ensure_visible(target.start, target.pitch)
    found, zone = roll.canvas.note_at(QPointF(roll.point_at(target.start, target.pitch)))
    assert found is not None and found.pitch == target.pitch
    s.select([target])
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Up)
    assert target.shifted(semitones=1) in s.current_clip.notes and len(s.current_clip.notes) == 10_000


def test_dragging_a_note_onto_an_equal_one_leaves_one_note(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    long_one, short_one = Note(0, 60, 480, 80), Note(960, 62, 1080, 110)
    clip = Clip((long_one, short_one), length=1920)
    s.replace_clip(clip, "setup")
    roll.set_tool("select")
    depth = len(s.undo_stack)
    # drag the short note a half note left and two semitones down: exactly onto the long one
    drag(qtbot, roll.canvas, roll.point_at(960, 62, dx=4), roll.point_at(0, 60, dx=4))
    assert notes(s) == [long_one] and s.selection == {long_one}
    assert len(s.undo_stack) == depth + 1 and s.undo_stack.undo_label == "Move notes"
    s.undo()
    assert s.current_clip == clip
    # drum lanes: a hit moved onto another hit of its row leaves one (the louder)
    beat = Clip((Note(0, 36, 120, 60), Note(480, 36, 600, 120)), is_drum=True, channel=9, length=1920)
    s.replace_clip(beat, "setup drums")
    roll.view.lane_height = 20.0
    roll.view.set_scroll(0, 0)
    roll.update_all()
    drag(qtbot, roll.canvas, roll.point_at(480, 36, dx=4), roll.point_at(0, 36, dx=4))
    assert notes(s) == [Note(0, 36, 120, 120)]
    s.undo()
    assert s.current_clip == beat
