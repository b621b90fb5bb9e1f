"""Offline render speed: seconds of audio per second of CPU, as a ratio to real time (target >= 100x).

Renders a few real files (POP909 piano arrangements, a Groove drum performance) when the shared data
folder is beside the repo, else a synthetic three-track piece, with the installed GM SoundFont at
44.1 kHz, reverb and chorus on. Prints one line per piece and the median ratio.

    .venv/bin/python benchmarks/render.py [--repeat 3] [FILE.mid ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from latentcomposer.core import Clip, Note
from latentcomposer.io.midifile import read_midi
from latentcomposer.io.playback import PlaybackUnavailable, default_soundfont, render

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def synthetic(minutes: float = 3.0) -> list[Clip]:
    """Melody, chords and drums at 120 bpm for ``minutes`` (dense enough to keep ~20 voices busy)."""
    beats = int(minutes * 120)
    ppq = 480
    mel = [Note(b * ppq + h * 240, 60 + (b * 5 + h * 7) % 24, b * ppq + h * 240 + 220, 90)
           for b in range(beats) for h in range(2)]
    chords = [Note(bar * 4 * ppq, p, bar * 4 * ppq + 4 * ppq - 10, 70)
              for bar in range(beats // 4) for p in (48 + bar % 5, 52 + bar % 5, 55 + bar % 5)]
    drums = [Note(b * ppq + e * 120, (36, 42, 38, 42)[e], b * ppq + e * 120 + 60, 100)
             for b in range(beats) for e in range(4)]
    return [Clip(notes=tuple(mel), name="melody", program=73), Clip(notes=tuple(chords), name="chords", program=0),
            Clip(notes=tuple(drums), name="drums", is_drum=True)]


def pieces(files: list[str]) -> list[tuple[str, list[Clip]]]:
    if files:
        return [(Path(f).name, read_midi(f)) for f in files]
    out: list[tuple[str, list[Clip]]] = []
    pop = sorted((SHARED / "pop909").glob("*/*.mid"))[:3]
    groove = sorted((SHARED / "groove").rglob("*.mid"), key=lambda p: -p.stat().st_size)[:1]
    for f in pop + groove:
        out.append((f"{f.parent.name}/{f.name}", read_midi(f)))
    out.append(("synthetic 3 min", synthetic()))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sample-rate", type=int, default=44100)
    args = ap.parse_args()
    sf = default_soundfont()
    print(f"soundfont: {sf}; sample rate {args.sample_rate} Hz; best of {args.repeat} runs")
    ratios = []
    try:
        for name, clips in pieces(args.files):
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                audio = render(clips, sf, args.sample_rate)
                times.append(time.perf_counter() - t0)
            seconds = len(audio) / args.sample_rate
            ratio = seconds / min(times)
            ratios.append(ratio)
            notes = sum(len(c.notes) for c in clips)
            print(f"{name:<40} {seconds:7.1f} s audio  {notes:6d} notes  {min(times):6.2f} s  "
                  f"{ratio:6.0f}x real time  peak {abs(audio).max():.2f}")
    except PlaybackUnavailable as exc:
        print(f"cannot render: {exc}", file=sys.stderr)
        return 1
    print(f"median: {statistics.median(ratios):.0f}x real time (target >= 100x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
