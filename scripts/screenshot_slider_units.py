"""Screenshot of the latent panel's attribute sliders labelled in musical units (issue 26).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_slider_units.py [--model mel_2bar] \\
        [--out docs/screenshots]

Opens an example melody in the main window with a calibrated model (``scripts/slider_units.py`` wrote
its ``slider_units.json``), moves two sliders (density up, range down), waits for the preview and saves
``slider_units.png``: the latent panel beside the piano roll. Prints every slider's label and ends.
User settings go to a temporary folder; the models are the repository's.
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
    ap.add_argument("--model", default="mel_2bar")
    ap.add_argument("--melody", default="twinkle")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--timeout", type=float, default=240.0)
    args = ap.parse_args()
    isolate_user_dirs()

    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QDockWidget

    from latentcomposer.app.session import Session
    from latentcomposer.core.examples import example_clip

    app, wait, out = start_app(args.timeout, args.out)
    w = shown_window(Session([example_clip(args.melody).slice_bars(0, 4)]), (1280, 900))
    mine = w.docks["latentPanel"]
    for dock in w.findChildren(QDockWidget):  # the whole right column for the panel: every slider in view
        if dock is not mine and w.dockWidgetArea(dock) == w.dockWidgetArea(mine):
            dock.hide()
    w.latent_tools.load_model(args.model, "cpu")
    tools = w.latent_tools
    wait("the model", lambda: tools.info is not None and tools.info.name == args.model)
    wait("the encoding", lambda: tools.ctl.code is not None)
    panel = w.latent_panel
    if not any(r.spec.units is not None for r in panel.rows.values()):
        raise SystemExit(f"{args.model} has no slider_units.json for these weights: run scripts/slider_units.py")
    panel.rows["density"].slider.setValue(60)
    panel.rows["range"].slider.setValue(-120)
    wait("the preview", lambda: tools.preview_clip is not None and tools.worker.queue.idle
         and not tools.worker.is_busy())
    w.roll.zoom_fit()
    wait("a paint", lambda: True)
    for key, row in panel.rows.items():
        if row.ends is not None:
            print(f"{key:<12} {row.label.text():<44} [{row.ends[0].text()} … {row.ends[1].text()}] "
                  f"travel {row.slider.minimum() / 100:+.2f}..{row.slider.maximum() / 100:+.2f}")
    top_left = panel.mapTo(w, panel.rect().topLeft())
    shot = w.grab(QRect(top_left.x() - 420, top_left.y(), panel.width() + 420, panel.height()))
    path = out / "slider_units.png"
    assert shot.save(str(path))
    print(path, path.stat().st_size, shot.width(), "x", shot.height())
    w.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
