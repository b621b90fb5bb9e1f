"""Chord and key detection (core/harmony.py) measured against POP909's annotations.

    python scripts/chord_detection_eval.py                 # the test split, every song
    python scripts/chord_detection_eval.py --split train --limit 100 --json out.json

Per song: the notes of MELODY + BRIDGE + PIANO (the whole arrangement) and of MELODY alone on the
annotated beat grid (data/pop909_chords.py), the annotated chords (``chord_midi.txt``) on the same
grid, the annotated key held longest (``key_audio.txt``). Figures are per beat, pooled over all songs
(each beat's label: the chord at its middle step), as MIREX scores chord estimation:

- root: same root ("N" = "N");
- majmin: same root and major/minor class, over the beats whose annotation is a major-like chord
  (maj, 7, maj7, 6), a minor-like one (min, m7, m6, m(maj7)) or N (MIREX's "majmin" vocabulary);
- exact: same root and quality (the chord table's 15 POP909 qualities), bass ignored; exact+bass: the
  slash bass too;
- the same on the beats that have a chord (annotation not N).

Keys: exact, and MIREX's weighted score (1 same key, 0.5 a fifth away in the same mode, 0.3
relative, 0.2 parallel). Songs are split as the melody corpus splits them
(``split_of("pop909", "<song folder name>")``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentcomposer.core import StepNote
from latentcomposer.core.chords import Chord, ChordTrack
from latentcomposer.core.harmony import (
    DEFAULT_DETECTOR,
    DetectorSettings,
    Key,
    NotEnoughNotes,
    detect_chords,
    detect_key,
    step_profiles,
)
from latentcomposer.data.chord_melody_codec import MELODY_DETECTOR, MELODY_SPAN
from latentcomposer.data.corpora import pop909_song_dirs
from latentcomposer.data.dataset import split_of
from latentcomposer.data.paths import shared_data_dir
from latentcomposer.data.pop909_chords import (
    AnnotationError,
    chord_track,
    read_grid,
    read_song_notes,
    song_key,
)

MAJ_LIKE = {"maj", "7", "maj7", "6", "9", "maj9", "add9"}
MIN_LIKE = {"min", "m7", "m6", "mmaj7", "m9"}


def majmin_class(c: Chord) -> str | None:
    if c.is_none:
        return "N"
    return "maj" if c.quality in MAJ_LIKE else "min" if c.quality in MIN_LIKE else None


@dataclass
class Song:
    sid: str
    all_notes: list[StepNote]
    melody: list[StepNote]
    ref: ChordTrack
    n_steps: int
    key: Key


def load_song(song_dir: Path) -> Song:
    grid = read_grid(song_dir)
    notes = read_song_notes(song_dir, grid)
    melody = read_song_notes(song_dir, grid, ("MELODY",))
    ref = chord_track(song_dir, grid)
    n_steps = max(ref.end_step, max((n.end for n in notes), default=0))
    return Song(song_dir.name, notes, melody, ref, n_steps, song_key(song_dir))


def beat_chords(track: ChordTrack, n_steps: int) -> list[Chord]:
    return [track.at(s + 2) for s in range(0, n_steps - n_steps % 4, 4)]


class Tally:
    def __init__(self) -> None:
        self.c: Counter[str] = Counter()

    def add(self, ref: list[Chord], est: list[Chord]) -> None:
        c = self.c
        for r, e in zip(ref, est, strict=True):
            c["beats"] += 1
            c["root"] += r.root == e.root
            c["exact"] += r.root == e.root and r.quality == e.quality
            c["exact_bass"] += r == e
            rc = majmin_class(r)
            if rc is not None:
                c["mm_beats"] += 1
                c["majmin"] += r.root == e.root and rc == majmin_class(e)
            if not r.is_none:
                c["chord_beats"] += 1
                c["chord_root"] += r.root == e.root
                c["chord_exact"] += r.root == e.root and r.quality == e.quality
            else:
                c["n_beats"] += 1
                c["n_hit"] += e.is_none

    def figures(self) -> dict[str, float]:
        c = self.c
        f: dict[str, float] = {"beats": c["beats"]}
        for k in ("root", "exact", "exact_bass"):
            f[k] = c[k] / max(1, c["beats"])
        f["majmin"] = c["majmin"] / max(1, c["mm_beats"])
        f["majmin_coverage"] = c["mm_beats"] / max(1, c["beats"])
        f["chord_root"] = c["chord_root"] / max(1, c["chord_beats"])
        f["chord_exact"] = c["chord_exact"] / max(1, c["chord_beats"])
        f["n_recall"] = c["n_hit"] / max(1, c["n_beats"])
        return f


def key_score(ref: Key, est: Key) -> float:
    if est == ref:
        return 1.0
    if est.mode == ref.mode and (est.tonic - ref.tonic) % 12 in (5, 7):
        return 0.5
    if est == ref.relative:
        return 0.3
    if est.tonic == ref.tonic:
        return 0.2
    return 0.0


def evaluate(songs: list[Song], settings: DetectorSettings = DEFAULT_DETECTOR) -> dict[str, object]:
    tallies = {name: Tally() for name in ("all_beat", "all_bar", "bar_ceiling", "melody_beat", "melody_beat_sounding",
                                          "melody_codec", "melody_codec_sounding")}
    keys: dict[str, list[float]] = {"all_krumhansl": [], "all_temperley": [], "melody_krumhansl": [],
                                    "melody_temperley": []}
    key_exact: dict[str, list[bool]] = {k: [] for k in keys}
    confusions: Counter[str] = Counter()
    for s in songs:
        ref = beat_chords(s.ref, s.n_steps)
        # the ceiling of one chord per bar: each bar's most common annotated chord
        tallies["bar_ceiling"].add(ref, [Counter(ref[i - i % 4:i - i % 4 + 4]).most_common(1)[0][0]
                                         for i in range(len(ref))])
        for name, notes, per, st in (("all_beat", s.all_notes, "beat", settings),
                                     ("all_bar", s.all_notes, "bar", settings),
                                     ("melody_beat", s.melody, "beat", settings),
                                     ("melody_codec", s.melody, MELODY_SPAN, MELODY_DETECTOR)):
            est = detect_chords(notes, per, n_steps=s.n_steps, settings=st)  # type: ignore[arg-type]
            tallies[name].add(ref, beat_chords(est, s.n_steps))
            if name.startswith("melody"):  # the beats where the melody sounds
                sounding = step_profiles(s.melody, s.n_steps)[1][2::4] >= 0
                keep = sounding[: len(ref)]
                tallies[name + "_sounding"].add([r for r, k in zip(ref, keep, strict=False) if k],
                                                [e for e, k in zip(beat_chords(est, s.n_steps), keep, strict=False) if k])
        for src, notes in (("all", s.all_notes), ("melody", s.melody)):
            for prof in ("krumhansl", "temperley"):
                try:
                    k = detect_key(notes, prof)
                except NotEnoughNotes:
                    k = Key(0, "major")
                keys[f"{src}_{prof}"].append(key_score(s.key, k))
                key_exact[f"{src}_{prof}"].append(k == s.key)
                if src == "all" and prof == "temperley" and k != s.key:
                    kind = ("fifth" if key_score(s.key, k) == 0.5 else "relative" if k == s.key.relative
                            else "parallel" if k.tonic == s.key.tonic else "other")
                    confusions[kind] += 1
    out: dict[str, object] = {name: t.figures() for name, t in tallies.items()}
    out["keys"] = {k: {"exact": float(np.mean(key_exact[k])), "mirex": float(np.mean(v))} for k, v in keys.items()}
    out["key_errors_all_temperley"] = dict(confusions)
    out["songs"] = len(songs)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="test", choices=["train", "valid", "test"])
    ap.add_argument("--limit", type=int, default=None, help="at most this many songs")
    ap.add_argument("--data", type=Path, default=None, help="the folder holding pop909/ (default: shared data)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    root = (args.data or shared_data_dir()) / "pop909"
    if not root.is_dir():
        print(f"no POP909 at {root}", file=sys.stderr)
        return 1
    dirs = [d for d in pop909_song_dirs(root) if split_of("pop909", d.name) == args.split][: args.limit]
    t0 = time.monotonic()
    songs: list[Song] = []
    skipped: Counter[str] = Counter()
    for d in dirs:
        try:
            songs.append(load_song(d))
        except AnnotationError as exc:
            skipped[str(exc).split(":")[-1].strip()] += 1
    res = evaluate(songs)
    res["skipped"] = dict(skipped)
    res["split"] = args.split
    res["seconds"] = round(time.monotonic() - t0, 1)
    print(f"POP909 {args.split} split: {len(songs)} songs ({dict(skipped) or 'none skipped'}), "
          f"{res['seconds']} s")
    for name, label in (("all_beat", "all tracks, per beat"), ("all_bar", "all tracks, per bar"),
                        ("bar_ceiling", "  (ceiling: the bar's chord)"),
                        ("melody_beat", "melody, all-track settings"),
                        ("melody_beat_sounding", "  (beats the melody sounds)"),
                        ("melody_codec", "melody, melody settings"),
                        ("melody_codec_sounding", "  (beats the melody sounds)")):
        f = res[name]
        assert isinstance(f, dict)
        print(f"  chords, {label:28s} root {f['root']:.3f}  majmin {f['majmin']:.3f}  exact {f['exact']:.3f}  "
              f"exact+bass {f['exact_bass']:.3f} | chord beats: root {f['chord_root']:.3f} exact "
              f"{f['chord_exact']:.3f} | N recall {f['n_recall']:.3f} ({f['beats']} beats)")
    keys = res["keys"]
    assert isinstance(keys, dict)
    for k, v in keys.items():
        print(f"  key, {k:18s} exact {v['exact']:.3f}  MIREX weighted {v['mirex']:.3f}")
    print(f"  key errors (all tracks, Temperley): {res['key_errors_all_temperley']}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
