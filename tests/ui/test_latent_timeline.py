"""The interpolation timeline and the Bars tab."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu

from latentcomposer.io.midifile import read_midi, write_midi

from .latent_rig import Rig, rig, tiny_models  # noqa: F401


def put_slots(r: Rig, a: int = 0, b: int = 1) -> None:
    s = r.session
    s.set_slot("a", s.items[a].uid)
    s.set_slot("b", s.items[b].uid)


def test_interpolation_fills_n_plus_2_thumbnails_matching_the_reconstructions(rig: Rig, qtbot) -> None:  # noqa: F811
    eng = rig.load()
    view = rig.timeline.interpolation
    assert not view.generate_button.isEnabled()
    put_slots(rig)
    assert view.slot_a.combo.currentText() == "Twinkle" and view.slot_b.combo.currentText() == "Mary"
    assert view.generate_button.isEnabled()
    view.steps.setValue(3)
    view.temperature.setValue(0.0)
    view.generate_button.click()
    assert view.progress.isVisible()  # a busy indicator while the batch decodes
    # (the quick greedy thumbnails come first; the search decode replaces them: issue 30)
    qtbot.waitUntil(lambda: len(view.thumbs) == 5 and not view.progress.isVisible())
    assert [t.objectName() for t in view.thumbs] == [f"thumb_{i}" for i in range(5)]
    assert view.thumbs[0].label.startswith("A") and view.thumbs[-1].label.startswith("B")
    call = eng.called("interpolate")[-1]
    assert call[1]["steps"] == 5 and call[1]["method"] == "slerp"
    raw = eng._engine
    a, b = rig.session.items[0].clip, rig.session.items[1].clip
    assert view.result.clips[0].notes == raw.reconstruct(a).clips[0].notes
    assert view.result.clips[-1].notes == raw.reconstruct(b).clips[0].notes
    assert rig.tools.path is not None and len(rig.tools.path) == 5  # the path on the map
    st = rig.session.latent.interpolation
    assert (st.steps, st.method, st.temperature) == (3, "slerp", 0.0)


def test_different_lengths_show_the_engines_warning(rig: Rig, qtbot) -> None:  # noqa: F811
    rig.load()
    put_slots(rig, 0, 3)  # 8 bars and 4 bars
    view = rig.timeline.interpolation
    view.generate()
    qtbot.waitUntil(lambda: view.result is not None)
    assert "padded with rests" in view.warning.text()
    assert all(c.n_bars == 8 for c in view.result.clips)
    assert any("padded" in m for m in rig.messages)


def test_steps_click_render_export_and_new_seed(rig: Rig, qtbot, tmp_path) -> None:  # noqa: F811
    eng = rig.load()
    put_slots(rig)
    view = rig.timeline.interpolation
    view.steps.setValue(2)
    view.generate()
    qtbot.waitUntil(lambda: len(view.thumbs) == 4)
    qtbot.mouseClick(view.thumbs[1], Qt.MouseButton.LeftButton)
    assert rig.tools.preview_clip == view.result.clips[1]
    assert rig.tools.overlay.isVisible() and "step 1" in rig.tools.preview_label
    assert rig.player.is_playing  # auditioned
    rig.player.stop()
    qtbot.mouseClick(view.thumbs[3], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier)
    assert view.selection == (1, 3)
    assert [t.selected for t in view.thumbs] == [False, True, True, True]
    n = len(rig.session.items)
    view.render_button.click()
    assert len(rig.session.items) == n + 1
    rendered = rig.session.current_clip
    assert rig.session.current.origin == "interpolated" and rendered.n_bars == 3 * 8
    out = tmp_path / "step.mid"
    assert view.export_to(out, view.result.clips[2])
    assert read_midi(out)[0].notes
    view.step_menu(2, view.mapToGlobal(QPoint(0, 0)))
    menu = view.findChild(QMenu, "stepMenu")
    next(a for a in menu.actions() if a.text() == "Add as clip").trigger()
    menu.close()
    assert rig.session.current_clip.name == "Twinkle → Mary 2"
    view.play_button.click()
    assert rig.player.is_playing
    rig.player.stop()
    seeds = {k["seed"] for _a, k in eng.called("interpolate")}
    view.seed_button.click()
    qtbot.waitUntil(lambda: view.result is not None and view.result.seed == 1)
    assert {k["seed"] for _a, k in eng.called("interpolate")} == seeds | {1}


def test_open_a_file_into_a_slot(rig: Rig, qtbot, tmp_path, dialogs) -> None:  # noqa: F811
    rig.load()
    from latentcomposer.core.examples import example_clip

    path = write_midi(tmp_path / "jingle.mid", [example_clip("jingle_bells")])
    dialogs.paths.append(str(path))
    view = rig.timeline.interpolation
    view.slot_b.open_button.click()
    uid = rig.session.latent.interpolation.slot_b
    assert uid is not None and rig.session.item(uid).origin == "imported"
    assert view.slot_b.combo.currentData() == uid


def test_bars_tab_is_disabled_for_window_models(rig: Rig, qtbot) -> None:  # noqa: F811
    rig.load("tiny_2bar")
    bars = rig.timeline.bars
    assert bars.currentWidget() is bars.switch_page  # (issue 27: offers the per-bar model instead)
    assert "reads 2 bars at a time" in bars.disabled.text()


def test_bars_cell_selection_calls_context_transfer(rig: Rig, qtbot) -> None:  # noqa: F811
    eng = rig.load("tiny_tvae")
    put_slots(rig)
    bars = rig.timeline.bars
    rig.timeline.setCurrentWidget(bars)
    assert bars.currentWidget() is bars.page
    qtbot.waitUntil(lambda: bars.grid.usable == 8)
    a, b = rig.session.items[0].clip, rig.session.items[1].clip
    qtbot.mouseClick(bars.grid, Qt.MouseButton.LeftButton, pos=bars.grid.cell_rect(0, 2).center())
    qtbot.mouseClick(bars.grid, Qt.MouseButton.LeftButton, pos=bars.grid.cell_rect(0, 5).center())
    qtbot.waitUntil(lambda: bars.result is not None)
    rig.idle()
    args, kwargs = eng.called("context_transfer")[-1]
    assert args == (a, b) and kwargs["bars_from_x1"] == [2, 5]
    expected = eng._engine.context_transfer(a, b, bars_from_x1=[2, 5], seed=0).clips[0]
    assert bars.result.notes == expected.notes
    assert rig.tools.preview_clip == bars.result and "Bars 3,6 from A" == rig.tools.preview_label
    rig.player.stop()
    bars.resample(1, 3, toward=False)  # what the right-click menu's first entry does
    rig.idle()
    args, kwargs = eng.called("resample_bar")[-1]
    assert args == (b, 3) and kwargs["temperature"] == 1.0
    n = len(rig.session.items)
    bars.add.click()
    assert len(rig.session.items) == n + 1


def test_deleting_a_slotted_clip_empties_the_slot_and_undo_restores_it(rig: Rig, qtbot) -> None:  # noqa: F811
    rig.load()
    put_slots(rig)
    s, view = rig.session, rig.timeline.interpolation
    a = s.items[0].uid
    assert view.generate_button.isEnabled()
    s.remove_clip(a)  # what the clip list's Delete does
    assert s.latent.interpolation.slot_a is None
    assert view.slot_a.combo.currentData() is None and view.slot_a.combo.currentText() == "— none —"
    assert view.slot_a.combo.findData(a) == -1
    assert not view.generate_button.isEnabled() and "slots A and B" in view.generate_button.toolTip()
    assert not view.generate() and "slots A and B" in rig.messages[-1]
    s.undo()
    assert s.latent.interpolation.slot_a == a and view.slot_a.combo.currentData() == a
    assert view.generate_button.isEnabled()


def test_a_stale_slot_uid_never_raises(rig: Rig, qtbot) -> None:  # noqa: F811
    """A uid that names no clip (an old project, a hand-edited file) shows as an empty slot."""
    rig.load()
    s, view = rig.session, rig.timeline.interpolation
    s.latent.interpolation.slot_a = "0123456789ab"  # as if read from a project file
    s.latent.interpolation.slot_b = s.items[1].uid
    s.mark_modified()
    view.refresh_slots()
    view.sync()
    assert view.slot_a.combo.currentData() is None and not view.generate_button.isEnabled()
    assert view.endpoints() is None and not view.generate()
    rig.timeline.bars.refresh()
    assert rig.timeline.bars.endpoints() is None
    s.remove_clip(s.items[1].uid)
    assert s.latent.interpolation.slot_b is None


def test_changing_a_slot_clears_the_old_strip(rig: Rig, qtbot) -> None:  # noqa: F811
    rig.load()
    put_slots(rig)
    view = rig.timeline.interpolation
    view.steps.setValue(2)
    view.generate()
    qtbot.waitUntil(lambda: len(view.thumbs) == 4)
    rig.session.set_slot("b", rig.session.items[3].uid)  # another clip in B
    assert view.thumbs == [] and view.result is None
    assert "Slots changed" in view.warning.text()
    view.generate()
    qtbot.waitUntil(lambda: len(view.thumbs) == 4)
    assert view.result is not None


def test_a_result_for_slots_changed_meanwhile_is_dropped(rig: Rig, qtbot) -> None:  # noqa: F811
    rig.load()
    put_slots(rig)
    view = rig.timeline.interpolation
    view.generate()
    rig.session.set_slot("a", rig.session.items[3].uid)  # while it decodes
    qtbot.wait(300)
    qtbot.waitUntil(lambda: not rig.tools.worker.is_busy())
    assert view.thumbs == [] and view.result is None
