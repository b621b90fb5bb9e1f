"""Screenshots of a piano (polyphonic) clip in the latent tools, with the shipped piano model (issue 23).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_piano.py [--model poly_8bar] [--out docs/screenshots]

Opens an 8-bar chord clip (C - Am - F - G triads under a top line) in the main window, lets the piano
model encode it, moves one slider and saves ``piano_sliders.png`` (the whole window: the roll shows
the preview over the clip); then interpolates from it to a second chord clip (Am - F - C - G, other
voicings) and saves ``piano_interpolation.png`` (the timeline) and ``piano_window_interpolation.png``.
User settings go to a temporary folder; the models are read from the repository's ``models/``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shot_rig import isolate_user_dirs, waiter  # noqa: E402  (scripts/ is this script's folder)

from latentcomposer.core import Clip, Note  # noqa: E402

BAR = 1920  # ticks of a 4/4 bar at ppq 480


def chord_clip(progression: list[tuple[int, ...]], top: list[int], name: str, bars: int = 8) -> Clip:
    """Whole-bar triads (left hand) under a quarter-note top line (right hand), 4/4, ppq 480."""
    notes = []
    for b in range(bars):
        for p in progression[b % len(progression)]:
            notes.append(Note(start=b * BAR, pitch=p, end=b * BAR + BAR, velocity=72))
        for q in range(4):
            pitch = top[(b * 4 + q) % len(top)]
            notes.append(Note(start=b * BAR + q * 480, pitch=pitch, end=b * BAR + q * 480 + 480, velocity=96))
    return Clip(notes=tuple(notes), name=name, tempo=96.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="poly_8bar")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--slider", default="polyphony", help="the slider to move (a key of the panel's rows)")
    ap.add_argument("--value", type=float, default=1.5)
    ap.add_argument("--timeout", type=float, default=240.0)
    args = ap.parse_args()
    isolate_user_dirs()

    from PySide6.QtWidgets import QApplication

    from latentcomposer.app.model_service import ModelService
    from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
    from latentcomposer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)

    wait = waiter(app, args.timeout)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    models = ModelService(root=REPO / "models")
    w = MainWindow(playback=PlaybackService(InMemoryBackend()), models=models, background=False)
    w.resize(1500, 940)
    w.show()
    s = w.session
    # the top line stays above the chords, so no pitch sounds twice at once
    first = chord_clip([(48, 60, 64, 67), (45, 60, 64, 69), (41, 60, 65, 69), (43, 59, 62, 67)],
                       [76, 74, 72, 74, 76, 76, 76, 74, 72, 72, 74, 74, 74, 72, 71, 71], "Piano: C Am F G")
    second = chord_clip([(45, 57, 60, 64), (41, 57, 60, 65), (48, 55, 60, 64), (43, 55, 59, 62)],
                        [81, 79, 77, 76, 77, 76, 74, 72, 76, 74, 72, 71, 74, 72, 71, 67], "Piano: Am F C G")
    s.replace_clip(first, "load")
    s.add_clip(second, origin="imported")
    s.set_current(s.items[0].uid)
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", s.items[1].uid)
    tools = w.latent_tools
    tools.load_model(args.model, "cpu")
    wait("the model and the clip's code", lambda: tools.info is not None and tools.info.name == args.model
         and tools.ctl.code is not None and not tools.worker.is_busy())
    print(f"loaded {args.model}: {tools.info.kind}, sliders {[k for k in w.latent_panel.rows]}")
    row = w.latent_panel.rows[args.slider]
    row.slider.setValue(round(args.value * 100))
    wait("the preview", lambda: tools.preview_clip is not None and not tools.worker.is_busy())
    preview = tools.preview_clip
    onsets: dict[int, int] = {}
    for n in preview.notes:
        onsets[n.start] = onsets.get(n.start, 0) + 1
    print(f"preview: {len(preview.notes)} notes, {sum(v > 1 for v in onsets.values())} onsets with chords, "
          f"at most {max(onsets.values(), default=0)} notes at one onset")
    w.roll.zoom_fit()
    w.docks["latentPanel"].raise_()
    wait("a paint", lambda: True)
    assert w.grab().save(str(out / "piano_sliders.png"))
    view = w.timeline.interpolation
    view.steps.setValue(4)
    view.temperature.setValue(0.0)
    view.generate()
    wait("the interpolation", lambda: view.result is not None and len(view.thumbs) == 6)
    view.step_clicked(2, False)
    tools.audio.service.stop()
    w.roll.zoom_fit()
    wait("a paint", lambda: not tools.worker.is_busy())
    assert w.timeline.grab().save(str(out / "piano_interpolation.png"))
    assert w.grab().save(str(out / "piano_window_interpolation.png"))
    print("steps:", [(len(c.notes)) for c in view.result.clips])
    for name in ("piano_sliders.png", "piano_interpolation.png", "piano_window_interpolation.png"):
        print(out / name, (out / name).stat().st_size)
    w.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
