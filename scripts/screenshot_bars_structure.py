"""Screenshot of the Bars view's structure marks (issue 32): repeats, the model's KL meter, and which
bars followed a context transfer.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_bars_structure.py [--model tvae_16bar] \\
        [--out docs/screenshots]

Puts Mary (A) and Jingle Bells (B) in the slots (the Transformer VAE paper's example), loads the per-bar
model, waits for the bars and their KL, takes A's bar 1 into B (context transfer) and saves
``bars_structure.png``. Prints each bar's repeat, KL and transfer mark. User settings go to a temporary
folder; the models are the repository's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shot_rig import isolate_user_dirs, waiter  # noqa: E402  (scripts/ is this script's folder)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="tvae_16bar")
    ap.add_argument("--a", default="mary")
    ap.add_argument("--b", default="jingle_bells")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--timeout", type=float, default=300.0)
    args = ap.parse_args()
    isolate_user_dirs()

    from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

    from latentcomposer.app.model_service import ModelService
    from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
    from latentcomposer.app.session import Session
    from latentcomposer.core.examples import example_clip
    from latentcomposer.ui.latent_tools import LatentTools
    from latentcomposer.ui.piano_roll import PianoRoll
    from latentcomposer.ui.timeline import TimelineTabs

    app = QApplication.instance() or QApplication(sys.argv)
    wait = waiter(app, args.timeout)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    session = Session([example_clip(args.a), example_clip(args.b)])
    window = QWidget()
    roll = PianoRoll(session, window)
    tools = LatentTools(session, ModelService(root=REPO / "models"), roll=roll,
                        player=PlaybackService(InMemoryBackend()), parent=window)
    timeline = TimelineTabs(tools, window)
    lay = QVBoxLayout(window)
    lay.addWidget(roll, 1)
    lay.addWidget(timeline, 2)
    window.resize(1000, 560)
    window.show()
    tools.load_model(args.model, "cpu")
    wait("the model", lambda: tools.engine is not None and tools.info is not None and tools.info.name == args.model)
    session.set_slot("a", session.items[0].uid)
    session.set_slot("b", session.items[1].uid)
    bars = timeline.bars
    timeline.setCurrentWidget(bars)
    grid = bars.grid
    wait("the bars", lambda: grid.usable == 8)
    wait("the KL", lambda: bool(grid.levels[0]) and bool(grid.levels[1]))
    bars.choose(0, 0)
    wait("the transfer", lambda: grid.transfer is not None)
    for row in (0, 1):
        kl = grid.kl[row]
        assert kl is not None
        print("AB"[row], " | ".join(f"{k + 1}: {grid.repeat_text(row, k) or '-':8} KL {kl[k]:5.1f} "
                                    f"[{grid.levels[row][k]}]" for k in range(len(kl))))
    print("->", " | ".join(f"{k + 1}: {grid.mark_text(k)}" for k in range(8)))
    shot = bars.grab()
    path = out / "bars_structure.png"
    assert shot.save(str(path))
    print(path, path.stat().st_size, shot.width(), "x", shot.height())
    tools.shutdown() if hasattr(tools, "shutdown") else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
