"""Screenshots of the chord lane and the key button with the shipped melody-over-chords model (issue 25).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_chords.py [--model mel_2bar_chords] [--out docs/screenshots]

Opens a 4-bar melody (the first bars of "Ode to Joy") in the main window, detects its chords into the
lane (one per bar), types "G/B" over the second bar, splits the last bar in two and types "G7" on its
second half, saves the roll
(``chord_lane.png``) and the chord menu (``chord_menu.png``); then loads the model, samples over the
lane with the key lock on and saves the whole window (``chord_lane_window.png``: "Key: C major 🔒" in
the transport, the preview over the clip). User settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shot_rig import isolate_user_dirs, shown_window, start_app  # noqa: E402  (scripts/ is this script's folder)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mel_2bar_chords")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--timeout", type=float, default=240.0)
    args = ap.parse_args()
    isolate_user_dirs()

    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QMenu

    from latentcomposer.app.harmony import key_of
    from latentcomposer.core.examples import example_clip
    from latentcomposer.core.harmony import out_of_key

    app, wait, out = start_app(args.timeout, args.out)
    w = shown_window()
    s = w.session
    s.replace_clip(example_clip("ode_to_joy").slice_bars(0, 4).copy(name="Ode to Joy (4 bars)"), "load")
    lane = w.roll.chord_lane
    lane.detect("bar")
    last = lane.event_at(56)
    assert last is not None
    lane.set_chord(16, 32, "G/B")  # typed over a detected chord
    lane.split(56, 2)
    lane.set_chord(56, 64, "G7")
    print("lane:", [(e.start_step, e.end_step, str(e.chord)) for e in s.current.chords or ()])
    print(key_of(s.current).text)
    w.roll.zoom_fit()
    wait("a paint", lambda: True)
    assert w.roll.grab().save(str(out / "chord_lane.png"))
    menu = lane.chord_menu(20)
    menu.popup(lane.mapToGlobal(QPoint(round(lane.step_x(16)) + 4, lane.height())))
    wait("the menu", lambda: menu.isVisible())
    qualities = next(a.menu() for a in menu.actions() if a.text() == "A")
    assert isinstance(qualities, QMenu)
    qualities.popup(menu.mapToGlobal(QPoint(menu.width(), 40)))
    wait("the submenu", lambda: qualities.isVisible())
    assert menu.grab().save(str(out / "chord_menu.png"))
    assert qualities.grab().save(str(out / "chord_menu_qualities.png"))
    qualities.hide()
    menu.hide()
    tools = w.latent_tools
    tools.load_model(args.model, "cpu")
    wait("the model and the clip's code", lambda: tools.info is not None and tools.info.name == args.model
         and tools.ctl.code is not None and not tools.worker.is_busy())
    w.key_button.set_locked(True)
    tools.ctl.sample()
    wait("the preview", lambda: tools.preview_clip is not None and not tools.worker.is_busy())
    preview = tools.preview_clip
    assert preview is not None
    key = key_of(s.current).key
    print(f"preview: {len(preview.notes)} notes, out of key: {out_of_key(preview, key) if key else '-'}")
    w.roll.zoom_fit()
    wait("a paint", lambda: not tools.worker.is_busy())
    assert w.grab().save(str(out / "chord_lane_window.png"))
    for name in ("chord_lane.png", "chord_menu.png", "chord_menu_qualities.png", "chord_lane_window.png"):
        print(out / name, (out / name).stat().st_size)
    w.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
