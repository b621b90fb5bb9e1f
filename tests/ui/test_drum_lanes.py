"""The piano roll's drum lane view: it follows the current clip, names its rows, and edits hits."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from latentcomposer.app.session import Session
from latentcomposer.core import DRUM_CHANNEL, Clip, Note
from latentcomposer.core.examples import example_drums
from latentcomposer.ui.main_window import MainWindow
from latentcomposer.ui.piano_roll import PianoRoll, style

LEFT = Qt.MouseButton.LeftButton
RIGHT = Qt.MouseButton.RightButton
NONE = Qt.KeyboardModifier.NoModifier
ALT = Qt.KeyboardModifier.AltModifier
CLASS_ROWS = ["Kick", "Snare", "Closed hi-hat", "Open hi-hat", "Low tom", "Mid tom", "High tom", "Crash", "Ride"]


def drums(*notes: Note) -> Clip:
    return Clip(notes, is_drum=True, channel=DRUM_CHANNEL, name="beat", length=2 * 1920)


def click(qtbot: Any, widget: Any, pos: QPoint, button: Qt.MouseButton = LEFT) -> None:
    qtbot.mousePress(widget, button, NONE, pos)
    qtbot.mouseRelease(widget, button, NONE, pos)


def drag(qtbot: Any, widget: Any, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(widget, LEFT, NONE, start)
    for k in range(1, 5):
        qtbot.mouseMove(widget, QPoint(start.x() + (end.x() - start.x()) * k // 4,
                                       start.y() + (end.y() - start.y()) * k // 4))
    qtbot.mouseRelease(widget, LEFT, NONE, end)


def notes(session: Session) -> list[Note]:
    return list(session.current_clip.notes)


def show(roll: PianoRoll, clip: Clip, session: Session) -> None:
    """Make ``clip`` the current clip and set a known zoom: 0.1 px per tick, 20 px lanes, no scroll."""
    session.replace_clip(clip, "setup")
    session.clear_selection()
    roll.view.px_per_beat = 48.0
    roll.view.lane_height = 20.0
    roll.view.set_scroll(0, 0)
    roll.set_snap("1/16")
    roll.update_all()


def close(a: QColor, b: QColor, tol: int = 2) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


@pytest.fixture
def roll(window: MainWindow) -> PianoRoll:
    return window.roll


def test_lane_view_follows_the_current_clip(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    header = roll.findChild(QWidget, "drumLanes")
    assert header is roll.lane_header and roll.objectName() == "pianoRoll"
    assert not roll.drum_mode and roll.keyboard.isVisible() and not header.isVisible()

    beat = s.add_clip(example_drums())
    assert roll.drum_mode and header.isVisible() and not roll.keyboard.isVisible()
    # named rows: the nine classes, kick at the top, plus the fill's floor tom (41) under Low tom
    labels = [header.label(r) for r in range(roll.view.n_rows)]
    assert labels == CLASS_ROWS[:5] + ["Low Floor Tom"] + CLASS_ROWS[5:]
    ys = [roll.view.pitch_to_y(p) for p in (36, 38, 42, 46, 45, 41, 48, 50, 49, 51)]
    assert ys == sorted(ys) and ys[0] == 0 and ys[1] - ys[0] == roll.view.row_height
    assert roll.view.y_to_pitch(header.point_for(41).y()) == 41
    # the lanes are fitted to the view and the header is as tall as the grid
    assert 16 <= roll.view.lane_height <= 36 and header.height() == roll.canvas.height()

    s.set_current(s.items[0].uid)  # the empty melody clip
    assert not roll.drum_mode and roll.keyboard.isVisible() and not header.isVisible()
    assert roll.view.n_rows == 128 and roll.view.y_to_pitch(roll.view.pitch_to_y(60) + 1) == 60
    s.set_current(beat.uid)
    assert roll.drum_mode
    s.undo()  # undoing "Add clip" leaves the melody current
    assert not roll.drum_mode and not header.isVisible()
    # a clip that becomes drums in place switches too
    s.replace_clip(s.current_clip.copy(is_drum=True, channel=DRUM_CHANNEL), "Make drums")
    assert roll.drum_mode and header.isVisible()


def test_click_on_a_cell_adds_a_hit(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    show(roll, drums(), s)
    roll.set_tool("draw")
    click(qtbot, roll.canvas, roll.point_at(960 + 40, 36))  # kick row, in the cell at beat 3
    assert notes(s) == [Note(960, 36, 1080, 100)]
    click(qtbot, roll.canvas, roll.point_at(480 + 60, 38))  # snare row, cell at beat 2
    click(qtbot, roll.canvas, roll.point_at(1920 + 5, 42))  # closed hi-hat, bar 2
    click(qtbot, roll.canvas, roll.point_at(240 + 5, 51))  # ride (bottom row)
    assert notes(s) == [Note(240, 51, 360, 100), Note(480, 38, 600, 100), Note(960, 36, 1080, 100),
                        Note(1920, 42, 2040, 100)]
    assert s.undo_stack.undo_label == "Add note"
    # below the last lane there is nothing to draw on
    below = QPoint(roll.point_at(1440, 36).x(), round(roll.view.content_height) + 30)
    assert below.y() < roll.canvas.height()
    click(qtbot, roll.canvas, below)
    assert len(notes(s)) == 4
    # a coarser grid places hits on it (one grid cell long), drawn one 16th wide
    roll.set_snap("1/8")
    click(qtbot, roll.canvas, roll.point_at(1300, 46))
    assert Note(1200, 46, 1440, 100) in notes(s) and roll.view.cell_ticks == 120
    for _ in range(5):
        s.undo()
    assert notes(s) == []


def test_draw_click_on_a_hit_toggles_it_off(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    snare, kick = Note(480, 38, 540, 90), Note(0, 36, 60, 110)
    show(roll, drums(kick, snare), s)
    roll.set_tool("draw")
    click(qtbot, roll.canvas, roll.point_at(480, 38, dx=5))
    assert notes(s) == [kick] and s.undo_stack.undo_label == "Delete note"
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert notes(s) == [kick, snare]
    # a click just after the hit's cell is an empty cell: a new hit, the old one stays
    click(qtbot, roll.canvas, roll.point_at(600, 38, dx=3))
    assert notes(s) == [kick, snare, Note(600, 38, 720, 100)]
    s.undo()
    # right-click deletes, as in the pitch view
    click(qtbot, roll.canvas, roll.point_at(0, 36, dx=5), RIGHT)
    assert notes(s) == [snare]
    s.undo()
    assert notes(s) == [kick, snare]


def test_non_canonical_notes_stay_visible_and_editable(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    rim, pedal = Note(480, 37, 540, 80), Note(960, 44, 1020, 70)
    show(roll, drums(Note(0, 38, 60), rim, pedal), s)
    header = roll.lane_header
    assert [header.label(r) for r in range(5)] == ["Kick", "Snare", "Side Stick", "Closed hi-hat", "Pedal Hi-Hat"]
    # the side stick is found and painted in its own row, shaded by its velocity
    found, _ = roll.canvas.note_at(QPointF(roll.point_at(480, 37, dx=5)))
    assert found == rim
    image = roll.canvas.grab().toImage()
    assert close(image.pixelColor(roll.point_at(480, 37, dx=5)), style.hit_color(80))
    assert close(image.pixelColor(roll.point_at(960, 44, dx=5)), style.hit_color(70))
    # drawing in its row adds another side stick
    roll.set_tool("draw")
    click(qtbot, roll.canvas, roll.point_at(1440 + 5, 37))
    assert Note(1440, 37, 1560, 100) in notes(s)
    s.undo()
    # moving it one row up makes it a snare; its row goes when its last hit leaves, undo brings it back
    roll.set_tool("select")
    drag(qtbot, roll.canvas, roll.point_at(480, 37, dx=5), roll.point_at(480 + 480, 38, dx=5))
    assert notes(s) == [Note(0, 38, 60), Note(960, 38, 1020, 80), pedal]
    assert "Side Stick" not in roll.view.lanes.names  # type: ignore[union-attr]
    s.undo()
    assert notes(s) == [Note(0, 38, 60), rim, pedal] and roll.view.lanes.row_of(37) == 2  # type: ignore[union-attr]


def test_moving_a_hit_to_another_row_changes_its_pitch(qtbot: Any, window: MainWindow, roll: PianoRoll,
                                                       backend: Any) -> None:
    s = window.session
    kick = Note(0, 36, 240, 110)  # longer than a cell: the length is kept
    show(roll, drums(kick), s)
    roll.set_tool("select")
    drag(qtbot, roll.canvas, roll.point_at(0, 36, dx=5), roll.point_at(480, 42, dx=5))
    assert notes(s) == [Note(480, 42, 720, 110)] and s.undo_stack.undo_label == "Move notes"
    heard = [m for m in backend.messages if m.type == "note_on"]
    assert heard[-1].note == 42 and heard[-1].channel == DRUM_CHANNEL
    # Up/Down move the selection a row
    roll.canvas.setFocus()
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Up)
    assert notes(s) == [Note(480, 38, 720, 110)]
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Down)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Down)
    assert notes(s) == [Note(480, 46, 720, 110)]
    # with the draw tool a drag from a hit moves it (a click would toggle it off)
    roll.set_tool("draw")
    drag(qtbot, roll.canvas, roll.point_at(480, 46, dx=5), roll.point_at(960, 51, dx=5))
    assert notes(s) == [Note(960, 51, 1200, 110)]
    for expected in ([Note(480, 46, 720, 110)], [Note(480, 42, 720, 110)], [Note(480, 38, 720, 110)],
                     [Note(480, 42, 720, 110)], [kick]):
        s.undo()
        assert notes(s) == expected


def test_hits_are_one_cell_wide_and_shaded_by_velocity(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    loud, soft = Note(0, 36, 960, 127), Note(480, 38, 500, 20)
    show(roll, drums(loud, soft), s)
    canvas = roll.canvas
    assert canvas.note_at(QPointF(roll.point_at(60, 36)))[0] == loud
    assert canvas.note_at(QPointF(roll.point_at(400, 36)))[0] is None  # inside its length, past its cell
    assert canvas.note_at(QPointF(roll.point_at(560, 38)))[0] == soft  # shorter than its cell
    image = canvas.grab().toImage()
    c_loud, c_soft = image.pixelColor(roll.point_at(60, 36)), image.pixelColor(roll.point_at(560, 38))
    assert close(c_loud, style.hit_color(127)) and close(c_soft, style.hit_color(20))
    assert c_loud.value() > c_soft.value() + 60
    assert close(image.pixelColor(roll.point_at(400, 36)), style.lane_row_color(0, True), tol=30)


def test_select_erase_and_velocity_work_in_lanes(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    k1, sn, hh, k2 = Note(0, 36, 60), Note(480, 38, 540), Note(960, 42, 1020), Note(1440, 36, 1500)
    show(roll, drums(k1, sn, hh, k2), s)
    roll.set_tool("select")
    # rubber band from an empty cell of the kick row to the start of the snare row
    drag(qtbot, roll.canvas, roll.point_at(1100, 36), QPoint(1, roll.point_at(0, 38).y()))
    assert s.selection == {k1, sn}
    # a band in the empty space under the last lane selects nothing (it is not the bottom row)
    below = round(roll.view.content_height) + 20
    drag(qtbot, roll.canvas, QPoint(1, below), QPoint(300, below + 30))
    assert s.selection == frozenset()
    # Alt+wheel over a hit: +4 velocity
    pos = QPointF(roll.point_at(960, 42, dx=5))
    event = QWheelEvent(pos, QPointF(roll.canvas.mapToGlobal(pos.toPoint())), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, ALT, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(roll.canvas, event)
    assert Note(960, 42, 1020, 104) in notes(s)
    s.undo()
    # the velocity lane: drag low across the first stem (the selection is k1 and sn: only they change)
    s.select([k1])
    lane = roll.velocity
    y = round(lane.y_for(20))
    drag(qtbot, lane, QPoint(round(roll.view.tick_to_x(0)) - 1, y), QPoint(round(roll.view.tick_to_x(0)) + 2, y))
    assert 15 <= s.current_clip.notes[0].velocity <= 25 and s.current_clip.notes[1].velocity == 100
    s.undo()
    # the eraser sweeps along the kick row
    roll.set_tool("erase")
    drag(qtbot, roll.canvas, roll.point_at(10, 36), roll.point_at(1450, 36))
    assert notes(s) == [sn, hh] and s.undo_stack.undo_label == "Delete notes"
    s.undo()
    assert notes(s) == [k1, sn, hh, k2]


def test_clicking_a_lane_name_auditions_the_drum(qtbot: Any, window: MainWindow, roll: PianoRoll,
                                                 backend: Any) -> None:
    s = window.session
    show(roll, drums(Note(0, 37, 60)), s)
    header = roll.lane_header
    for pitch in (38, 37, 51):
        backend.clear()
        qtbot.mouseClick(header, LEFT, NONE, header.point_for(pitch).toPoint())
        on = [m for m in backend.messages if m.type == "note_on"]
        assert [(m.note, m.channel) for m in on] == [(pitch, DRUM_CHANNEL)]


def test_a_roll_opened_on_drums_starts_in_the_lane_view(qtbot: Any) -> None:
    roll = PianoRoll(Session([example_drums(), Clip((Note(0, 60, 480),))]))
    qtbot.addWidget(roll)
    roll.resize(900, 500)
    roll.show()
    qtbot.waitExposed(roll)
    assert roll.drum_mode and roll.lane_header.isVisible() and not roll.keyboard.isVisible()
    assert roll.lane_header.label(0) == "Kick" and roll.view.y_to_pitch(5) == 36
    roll.session.set_current(roll.session.items[1].uid)
    assert not roll.drum_mode and roll.keyboard.isVisible() and roll.view.y_to_pitch(roll.view.pitch_to_y(60)) == 60


def test_transpose_is_refused_for_drums_with_a_status_message(qtbot: Any, window: MainWindow, roll: PianoRoll,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from latentcomposer.ui import dialogs as dialogs_module

    asked: list[bool] = []
    monkeypatch.setattr(dialogs_module, "ask_semitones", lambda _parent: asked.append(True) or 3)
    s = window.session
    kick = Note(0, 36, 120, 100)
    show(roll, drums(kick), s)
    s.select_all()
    depth = len(s.undo_stack)
    window.action_map["transpose"].trigger()  # Ctrl+T / Edit ▸ Transpose…
    assert notes(s) == [kick] and len(s.undo_stack) == depth and not asked
    assert window.statusBar().currentMessage() == "Drums can't be transposed — move hits between lanes instead"
    # Up/Down still move the selection between rows
    roll.canvas.setFocus()
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Down)
    assert notes(s) == [Note(0, 38, 120, 100)]
    # a melodic clip still transposes
    s.add_clip(Clip((Note(0, 60, 120),), name="tune"))
    window.action_map["transpose"].trigger()
    assert asked and notes(s) == [Note(0, 63, 120)]


def test_paste_between_melody_and_drums_says_so(qtbot: Any, window: MainWindow, roll: PianoRoll) -> None:
    s = window.session
    s.replace_clip(Clip((Note(0, 60, 240), Note(480, 64, 720)), name="tune", length=1920), "setup")
    melody = s.current_uid
    s.select_all()
    window.action_map["copy"].trigger()
    beat = s.add_clip(drums(Note(0, 36, 120)))
    roll.set_playhead(960)
    window.action_map["paste"].trigger()
    assert notes(s) == [Note(0, 36, 120), Note(960, 60, 1200), Note(1440, 64, 1680)]  # nothing is lost
    assert "melodic notes" in window.statusBar().currentMessage()
    assert "drum" in window.statusBar().currentMessage()
    s.set_current(beat.uid)
    s.select([Note(0, 36, 120)])
    window.action_map["copy"].trigger()
    s.set_current(melody)
    roll.set_playhead(0)
    window.action_map["paste"].trigger()
    assert Note(0, 36, 120) in notes(s) and "drum hits" in window.statusBar().currentMessage()
