"""Issue 27, defect 4: how long the UI thread is blocked opening a 200k-note file, and how soon a slider
move on a 2,000-bar clip shows the bars in view -- each against a baseline measured in the same run.

* open: baseline = reading the file and putting it in the session on the UI thread (what a blocking open
  costs); now = ``FileController.open_midi`` (read on a worker with progress), its longest event-loop
  gap measured by a 5 ms heartbeat timer.
* slider: baseline = decoding every window of the code in one job (the whole clip before anything shows);
  now = the time from the slider move to the first preview shown (the windows in view), and to the whole.

    python benchmarks/huge_clips.py [--model mel_2bar]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from shot_rig import isolate_user_dirs  # noqa: E402

isolate_user_dirs()
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


class Heartbeat:
    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.last = time.monotonic()
        self.timer = QTimer()
        self.timer.timeout.connect(self.tick)
        self.timer.start(5)

    def tick(self) -> None:
        now = time.monotonic()
        self.gaps.append(now - self.last)
        self.last = now

    def reset(self) -> None:
        self.gaps, self.last = [], time.monotonic()


def pump(app: QApplication, until: object, timeout: float) -> float:
    t0 = time.monotonic()
    while not until() and time.monotonic() - t0 < timeout:  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.002)
    return time.monotonic() - t0


def bench_open(app: QApplication, beat: Heartbeat) -> tuple[float, float]:
    from latentcomposer.app.midi_import import read_tracks
    from latentcomposer.app.model_service import ModelService
    from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
    from latentcomposer.app.session import Session
    from latentcomposer.io.midifile import write_midi
    from latentcomposer.ui.main_window import MainWindow
    from tests.ui.test_huge_clips import huge_clip

    path = write_midi(Path(tempfile.mkdtemp()) / "huge.mid", [huge_clip()])
    t0 = time.monotonic()
    tracks = read_tracks(path)
    Session(list(tracks.clips))
    baseline = time.monotonic() - t0
    window = MainWindow(playback=PlaybackService(InMemoryBackend()), background=False,
                        models=ModelService(root=Path(tempfile.mkdtemp())))
    window.resize(1280, 800)
    window.show()
    pump(app, lambda: False, 0.5)
    beat.reset()
    window.files.open_midi(path)
    pump(app, lambda: False, 1.0)  # the paints that follow
    worst = max(beat.gaps)
    window.shutdown()
    return baseline, worst


def bench_slider(app: QApplication, beat: Heartbeat, model: str) -> dict[str, float]:
    from latentcomposer.app.latent import jobs
    from latentcomposer.app.model_service import ModelService
    from latentcomposer.app.session import Session
    from latentcomposer.ui.latent_panel import LatentPanel
    from latentcomposer.ui.latent_tools import LatentTools
    from latentcomposer.ui.piano_roll import PianoRoll
    from tests.ui.test_huge_clips import long_clip

    session = Session([long_clip()])
    roll = PianoRoll(session)
    tools = LatentTools(session, ModelService(), roll=roll)
    panel = LatentPanel(tools)
    roll.resize(1000, 500)
    roll.show()
    tools.load_model(model, "cpu")
    pump(app, lambda: tools.ctl.code is not None and tools.worker.queue.idle and not tools.worker.is_busy(), 600)
    engine, ctl = tools.ctl.engine, tools.ctl
    assert engine is not None and ctl.code is not None
    req = ctl.preview_request()
    assert req is not None
    t0 = time.monotonic()
    jobs.decode_preview(engine, req)  # the whole code in one job (the old path)
    baseline = time.monotonic() - t0
    row = panel.rows[next(iter(panel.rows))]
    beat.reset()
    t0 = time.monotonic()
    row.slider.setValue(150)
    first = pump(app, lambda: ctl.shown is not None, 600)
    whole = pump(app, lambda: ctl.shown is not None and ctl.shown.complete, 900) + first
    worst = max(beat.gaps)
    tools.shutdown()
    return {"baseline": baseline, "first": first, "whole": whole, "worst_gap": worst, "windows": len(req.base)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mel_2bar")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    beat = Heartbeat()
    base, worst = bench_open(app, beat)
    print(f"open 200k notes: blocking read on the UI thread {base:.2f} s; open_midi's longest UI gap "
          f"{worst:.2f} s ({base / worst:.1f}x shorter)")
    r = bench_slider(app, beat, args.model)
    print(f"slider on 2,000 bars ({r['windows']:.0f} windows of {args.model}): whole-clip decode {r['baseline']:.2f} s; "
          f"bars in view shown after {r['first']:.2f} s ({r['baseline'] / r['first']:.0f}x sooner), whole clip "
          f"{r['whole']:.2f} s; longest UI gap {r['worst_gap'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
