"""The headless demo: what the app does, without a window. Yields lines of report as it goes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.io.midifile import read_midi, write_midi


def run_demo(out: Path) -> Iterator[str]:
    out.mkdir(parents=True, exist_ok=True)
    yield f"latentcomposer demo: writing example melodies to {out}/"
    for name in NAMES:
        clip = example_clip(name)
        path = write_midi(out / f"{name}.mid", [clip])
        back = read_midi(path)[0]
        yield (f"  {path.name:<18} {back.n_bars} bars, {len(back.notes)} notes, "
               f"{back.tempo:.0f} bpm, {back.time_signature}")
    yield "Open these in any DAW, or in latentcomposer's window when a display is available."
