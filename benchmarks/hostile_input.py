"""Hostile input at scale (issue 31): 10,000 fuzzed MIDI files, every-path and random project damage,
and the pathological files of the issue, timed. Prints counts and timings; never part of the tests.

    python benchmarks/hostile_input.py [--midi N] [--projects N] [--seed S]

MIDI seeds: the repo's test files and example clips, plus 50 real files from ../shared/data when it is
there. Memory: the process's peak RSS bounds every case (if the whole run stays under 1 GB, so did
each case). A case over 5 s is a hang.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from latentcomposer.io.midifile import MidiFileError, read_midi_bytes  # noqa: E402
from tests.hostile.midi_gen import END, cases, note, seed_files, smf  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def midi_fuzz(n: int, seed: int) -> None:
    shared = REPO.parent / "shared" / "data"
    real = sorted(shared.rglob("*.mid")) if shared.is_dir() else []
    extra = random.Random(seed).sample(real, min(50, len(real)))
    seeds = seed_files(extra)
    outcomes: Counter[str] = Counter()
    by_mutation: Counter[str] = Counter()
    slowest, slow_names, over_5s = 0.0, [""], 0
    peak, peak_names, peak_size = rss_mb(), ["(before the first case)"], 0
    t0 = time.perf_counter()
    for data, names in cases(seeds, n, seed=seed):
        t = time.perf_counter()
        try:
            clips = read_midi_bytes(data, path="fuzz.mid")
            for c in clips:
                c.duration_seconds  # noqa: B018 - what `info` prints
            outcome = "read"
        except MidiFileError as exc:
            outcome = type(exc).__name__
        except BaseException as exc:  # noqa: BLE001 - a crash is what we count
            outcome = f"CRASH {type(exc).__name__}"
            print(f"  crash: {names}: {exc}")
        dt = time.perf_counter() - t
        over_5s += dt > 5
        if dt > slowest:
            slowest, slow_names = dt, names
        outcomes[outcome] += 1
        by_mutation.update(names)
        if rss_mb() > peak:  # this case (its bytes included) raised the process's peak
            peak, peak_names, peak_size = rss_mb(), names, len(data)
    total = time.perf_counter() - t0
    print(f"MIDI fuzz: {n} cases from {len(seeds)} seeds in {total:.0f} s; "
          f"slowest {slowest:.2f} s ({'+'.join(slow_names)}); over 5 s: {over_5s}")
    print(f"  peak RSS {peak:.0f} MB, reached in a {peak_size / 1e6:.1f} MB case ({'+'.join(peak_names)})")
    for k, v in outcomes.most_common():
        print(f"  {k:<22} {v:>6}")
    print("  mutations applied:", ", ".join(f"{k} {v}" for k, v in sorted(by_mutation.items())))


def timed(label: str, data: bytes) -> None:
    t = time.perf_counter()
    try:
        clips = read_midi_bytes(data)
        what = f"read, {sum(len(c.notes) for c in clips):,} notes"
    except MidiFileError as exc:
        what = f"{type(exc).__name__}: {exc.problem[:70]}"
    print(f"  {label:<34} {len(data) / 1e6:6.2f} MB {time.perf_counter() - t:7.2f} s  {what}")


def pathological() -> None:
    print("Pathological files (time to the answer):")
    timed("tempo 0", smf([b"\x00\xff\x51\x03\x00\x00\x00" + note() + END]))
    for size in (100_000, 300_000, 1_000_000):
        timed(f"0xFF run of {size:,} bytes", smf([b"\x00\x90\x3c\x40" + b"\xff" * size + b"\x7f\x80\x3c\x00" + END]))
    timed("10 notes 0x0FFFFFFF ticks long", smf([b"".join(note(length=0x0FFFFFFF) for _ in range(10)) + END]))
    timed("1,000,000 notes", smf([b"".join(note(60, 1) for _ in range(1_000_000)) + END]))
    timed("199,000 notes", smf([b"".join(note(60, 30) for _ in range(199_000)) + END], ppq=1920))
    timed("16 MB of controller events", smf([b"\x00\xb0\x07\x64" + b"\x00\x07\x64" * ((16 * 2**20 - 64) // 3)
                                             + note() + END]))
    print(f"  peak RSS so far {rss_mb():.0f} MB")


def project_fuzz(n: int, seed: int) -> None:
    from latentcomposer.app.project import ProjectError, apply_to_session, loads_project
    from latentcomposer.app.session import Session
    from tests.hostile.project_gen import every_path_cases, random_cases

    outcomes: Counter[str] = Counter()
    t0 = time.perf_counter()
    texts = [text for _, _, text in every_path_cases()] + [text for _, text in random_cases(n, seed)]
    for text in texts:
        try:
            data = loads_project(text)
            apply_to_session(Session(), data, None)
            outcomes["loaded"] += 1
        except ProjectError:
            outcomes["refused (ProjectError)"] += 1
        except BaseException as exc:  # noqa: BLE001
            outcomes[f"CRASH {type(exc).__name__}"] += 1
    print(f"Projects: {len(texts)} damaged projects ({len(texts) - n} every-path, {n} random) in "
          f"{time.perf_counter() - t0:.0f} s: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--midi", type=int, default=10_000)
    ap.add_argument("--projects", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--skip-pathological", action="store_true")
    args = ap.parse_args()
    midi_fuzz(args.midi, args.seed)
    project_fuzz(args.projects, args.seed)
    if not args.skip_pathological:
        pathological()


if __name__ == "__main__":
    main()
