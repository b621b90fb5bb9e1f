"""Screenshot of the app after Drumify on a melody, with the shipped models (drumify_2bar + drums_2bar).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_drumify.py [--melody twinkle] \\
        [--out docs/screenshots] [--midi /tmp/drumify.mid]

Opens an example melody clip in the main window, presses *Drumify* (the drum part is computed on the
latent tools' worker and added as a new clip) and saves ``drumify.png``: the window with the new drum
clip in the roll. Prints which of the melody's onset steps got a drum hit and how many hits fall
between its notes. ``--midi``: also writes the melody and the drums to one MIDI file (for
``latentcomposer render``). User settings go to a temporary folder; the models are the repository's.
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
    ap.add_argument("--melody", default="twinkle")
    ap.add_argument("--bars", type=int, default=4)
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--midi", default=None)
    ap.add_argument("--timeout", type=float, default=240.0)
    args = ap.parse_args()
    isolate_user_dirs()

    from PySide6.QtWidgets import QToolButton

    from latentcomposer.app.session import Session
    from latentcomposer.core.examples import example_clip

    app, wait, out = start_app(args.timeout, args.out)
    melody = example_clip(args.melody).slice_bars(0, args.bars)
    w = shown_window(Session([melody]))
    s = w.session
    s.set_current(s.items[0].uid)
    button = w.findChild(QToolButton, "drumifyButton")
    assert button is not None
    button.click()
    wait("the drum part", lambda: len(s.items) == 2)
    drums = s.items[1].clip
    step = melody.ppq / 4
    taps = sorted({round(n.start / step) for n in melody.notes})
    hit_steps = sorted({round(n.start / step) for n in drums.notes})
    on = sum(1 for t in taps if t in hit_steps)
    off = [n for n in drums.notes if round(n.start / step) not in taps]
    print(f"melody '{melody.name}': {len(melody.notes)} notes on {len(taps)} steps; drums: {len(drums.notes)} hits "
          f"on {len(hit_steps)} steps; taps with a hit {on}/{len(taps)}; hits between the notes {len(off)} "
          f"(velocities {sorted(n.velocity for n in off)})")
    w.roll.zoom_fit()
    wait("a paint", lambda: True)
    path = out / "drumify.png"
    assert w.grab().save(str(path))
    print(path, path.stat().st_size)
    if args.midi:
        from latentcomposer.io.midifile import write_midi

        write_midi(args.midi, [melody, drums])
        print("wrote", args.midi)
    w.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
