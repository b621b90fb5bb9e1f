"""The engine called from a plain script that pinned no threads (issue 30): a batch-1 decode with the
engine's own single-thread guard (model/threads.py) against the same call with the guard off.

    python benchmarks/unpinned_caller.py [--models mel_2bar drums_2bar] [--repeats 50]

Prints median milliseconds and the ratio (guard off / guard on). Run it with the machine as it is (other
jobs running is the case the guard is for); the figures go to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import latentcomposer.model.engine as engine_mod
from latentcomposer.model.engine import Engine


def median_ms(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["mel_2bar", "drums_2bar", "mel_16bar"])
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    import torch

    print(f"caller's threads: torch {torch.get_num_threads()} (nothing pinned)")
    print("| model | decoding | guard off | guard on (engine default) | ratio |")
    print("|---|---|---|---|---|")
    for name in args.models:
        eng = Engine.load(name, device="cpu")
        z = np.random.default_rng(0).standard_normal((1, eng.z_dim)).astype(np.float32)
        for decoding in ("greedy", "search"):
            eng.set_decoding(decoding)
            engine_mod.SINGLE_THREAD_ROWS = 0
            off = median_ms(lambda: eng.decode_tokens(z), args.repeats)  # noqa: B023
            engine_mod.SINGLE_THREAD_ROWS = 64
            on = median_ms(lambda: eng.decode_tokens(z), args.repeats)  # noqa: B023
            print(f"| {name} | {decoding} | {off:.1f} ms | {on:.1f} ms | {off / on:.1f} |")


if __name__ == "__main__":
    main()
