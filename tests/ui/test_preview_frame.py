"""Issue 27, defect 3: a preview that lands outside the view is framed (scrolled/zoomed to), unless
the user is editing there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt

from latentcomposer.core import Clip, Note
from latentcomposer.core.examples import example_clip

from .issue27_rig import LightRig, shot


def _visible(rig: LightRig, clip: Clip) -> float:
    """The share of ``clip``'s notes inside the roll's viewport."""
    v = rig.roll.view
    t0, t1 = v.visible_ticks()
    inside = [n for n in clip.notes
              if n.start >= t0 - 1 and n.end <= t1 + 1 and 0 <= v.pitch_to_y(n.pitch)
              and v.pitch_to_y(n.pitch) + v.row_height <= v.viewport_h]
    return len(inside) / len(clip.notes)


def test_preview_above_the_view_is_scrolled_into_view(qtbot: Any, tmp_path: Path) -> None:
    rig = LightRig(qtbot, tmp_path, [example_clip("twinkle")])
    rig.roll.zoom_fit()
    high = rig.session.current_clip.transpose(30)  # density -2.5 moved the notes up, off the keys shown
    assert _visible(rig, high) == 0.0  # the defect: over an apparently empty roll
    rig.tools.ctl.show_preview(high, "Latent preview")
    assert _visible(rig, high) == 1.0
    assert rig.tools.framer is not None and rig.tools.framer.framed == 1
    shot(rig.roll, "preview_framed")
    rig.close()


def test_long_preview_is_zoomed_out_to_fit(qtbot: Any, tmp_path: Path) -> None:
    rig = LightRig(qtbot, tmp_path, [example_clip("twinkle")])
    rig.roll.view.px_per_beat = 160.0  # zoomed in to ~1.5 bars
    rig.roll.view.changed.emit()
    bar = rig.session.current_clip.bar_ticks
    long = Clip(notes=tuple(Note(start=b * bar, end=b * bar + bar // 2, pitch=60 + b % 5, velocity=90)
                            for b in range(16)), name="16 bars")
    assert _visible(rig, long) < 0.2
    rig.tools.ctl.show_preview(long, "Bars result")
    assert _visible(rig, long) == 1.0
    rig.close()


def test_preview_leaves_the_view_alone_while_the_user_edits(qtbot: Any, tmp_path: Path) -> None:
    rig = LightRig(qtbot, tmp_path, [example_clip("twinkle")])
    rig.roll.zoom_fit()
    rig.roll.set_tool("select")
    qtbot.mouseClick(rig.roll.canvas, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    v = rig.roll.view
    before = (v.scroll_x, v.scroll_y, v.px_per_beat, v.key_height)
    rig.tools.ctl.show_preview(rig.session.current_clip.transpose(30), "Latent preview")
    assert (v.scroll_x, v.scroll_y, v.px_per_beat, v.key_height) == before
    rig.close()


def test_preview_already_in_view_does_not_move_it(qtbot: Any, tmp_path: Path) -> None:
    rig = LightRig(qtbot, tmp_path, [example_clip("twinkle")])
    rig.roll.zoom_fit()
    v = rig.roll.view
    before = (v.scroll_x, v.scroll_y, v.px_per_beat)
    rig.tools.ctl.show_preview(rig.session.current_clip.transpose(1), "Latent preview")
    assert (v.scroll_x, v.scroll_y, v.px_per_beat) == before
    rig.close()
