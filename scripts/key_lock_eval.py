"""What the key lock does to the melody-over-chords model's samples (issue 25): samples over random
diatonic progressions of C major (one of C Dm Em F G Am a bar), scored before and after
:func:`latentcomposer.core.harmony.snap_to_key` (the lock is a post-process):

* the share of notes outside C major's scale;
* the share of notes starting on beats 1 and 3 whose pitch class is a tone of the chord there;
* the share of notes the lock moved.

    python scripts/key_lock_eval.py [--model mel_2bar_chords] [--n 256] [--temperature 0.5] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.core.chords import ChordTrack
from latentcomposer.core.harmony import Key, out_of_key, snap_to_key
from latentcomposer.model.engine import Engine
from latentcomposer.model.threads import limit_cpu_threads

DIATONIC = ("C", "Dm", "Em", "F", "G", "Am")


def chord_tones_on_strong_beats(clip: Clip, track: ChordTrack) -> tuple[int, int]:
    """(notes on beats 1 and 3 that are chord tones, notes on beats 1 and 3)."""
    step = clip.ppq // 4
    hits = total = 0
    for n in clip.notes:
        if n.start % step or (n.start // step) % 16 not in (0, 8):
            continue
        chord = track.at(n.start // step)
        if chord.is_none:
            continue
        total += 1
        hits += n.pitch % 12 in chord.pitch_classes()
    return hits, total


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mel_2bar_chords")
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--temperature", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    limit_cpu_threads(1)
    eng = Engine.load(args.model, device="cpu", decoding="greedy")
    rng = np.random.default_rng(args.seed)
    key = Key(0, "major")
    bars = eng.cfg.n_bars
    notes = out_before = moved = 0
    ct = {"before": [0, 0], "after": [0, 0]}  # [chord tones, notes] on beats 1 and 3
    template = eng.codec.new_clip(120.0, "sample")
    for i in range(args.n):
        track = ChordTrack.from_symbols([str(rng.choice(DIATONIC)) for _ in range(bars)])
        cond = eng.chords_condition(track, eng.cfg.n_steps)
        z = eng.sample_z(1, seed=args.seed + i)  # the fitted prior, as Sample in the app
        clip = eng.decode(z, temperature=args.temperature, seed=args.seed + i, template=template, condition=cond)[0]
        locked = snap_to_key(clip, key)
        notes += len(clip.notes)
        out_before += out_of_key(clip, key)
        moved += len(clip.notes) - len(set(clip.notes) & set(locked.notes))
        for name, c in (("before", clip), ("after", locked)):
            h, t = chord_tones_on_strong_beats(c, track)
            ct[name][0] += h
            ct[name][1] += t
    print(f"{args.model}: {args.n} samples of {bars} bars over random C-major progressions, T={args.temperature}")
    print(f"  notes: {notes}; outside C major before the lock: {out_before / max(1, notes):.3f} (after: 0); "
          f"notes the lock moved or merged: {moved / max(1, notes):.3f}")
    print(f"  chord tones on beats 1 and 3: before {ct['before'][0] / max(1, ct['before'][1]):.3f} "
          f"({ct['before'][1]} notes), after {ct['after'][0] / max(1, ct['after'][1]):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
