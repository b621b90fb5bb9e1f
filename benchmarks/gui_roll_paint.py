"""Piano-roll smoothness with 10,000 notes: time to repaint the grid, scroll, zoom and hit-test.

Prints milliseconds per operation (offscreen unless a display is set). A frame at 60 Hz is 16.7 ms.
Usage: python benchmarks/gui_roll_paint.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time

if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from latentcomposer.app.session import Session  # noqa: E402
from latentcomposer.core import Clip, Note  # noqa: E402
from latentcomposer.ui.piano_roll import PianoRoll  # noqa: E402


def timed(fn, n: int = 30) -> float:  # noqa: ANN001
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> int:
    app = QApplication.instance() or QApplication([])
    rng = random.Random(1)
    notes = [Note(t * 60, rng.randint(36, 96), t * 60 + rng.randint(30, 480), rng.randint(1, 127))
             for t in range(10_000)]
    session = Session([Clip(tuple(notes))])
    roll = PianoRoll(session)
    roll.resize(1400, 800)
    roll.show()
    app.processEvents()
    canvas = roll.canvas
    print(f"10,000 notes over {session.current_clip.n_bars} bars, canvas {canvas.width()}x{canvas.height()}")
    for label, ppb in (("zoomed in (64 px/beat)", 64.0), ("whole clip", None)):
        if ppb is None:
            roll.zoom_fit()
        else:
            roll.view.px_per_beat = ppb
        roll.view.set_scroll(0, 40 * 12)
        app.processEvents()
        visible = len(roll.index().overlapping(*roll.view.visible_ticks()))
        print(f"  {label:<24} repaint {timed(canvas.repaint):6.2f} ms  ({visible} notes in view)")
    roll.view.px_per_beat = 64.0
    x = [0.0]

    def scroll() -> None:
        x[0] += 37
        roll.view.set_scroll(x=x[0])
        canvas.repaint()

    print(f"  scroll step + repaint     {timed(scroll):6.2f} ms")
    print(f"  zoom step + repaint       {timed(lambda: (roll.view.zoom_x(1.05), canvas.repaint())):6.2f} ms")
    pos = QPointF(300, 300)
    print(f"  hit test                  {timed(lambda: canvas.note_at(pos), 200):6.3f} ms")
    session.select(session.current_clip.notes[:500])
    print(f"  move 500 selected notes   {timed(lambda: session.move_notes(session.selection, 120, 0), 10):6.2f} ms "
          "(one undoable edit of the 10,000-note clip)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
