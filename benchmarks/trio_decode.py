"""Trio (trio_16bar) decode latency of one 16-bar section at batch 1 on one CPU thread: the model's
torch loops against the NumPy decoders (model/trio_fastdecode.py), both in this run, plus the engine's
``decode_tokens`` (which takes the NumPy path on the CPU) and where the NumPy time goes (conductor,
melody, bass, accompaniment). Target (issue 24): <= 50 ms greedy.

Prints wall-clock milliseconds (median over several z) and the thread's CPU time beside it: on a
shared machine the CPU time is the better estimate of an idle machine's wall time.

    python benchmarks/trio_decode.py [--model trio_16bar] [--repeats 9] [--temperature 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import torch  # noqa: E402

from latentcomposer.model.engine import Engine  # noqa: E402
from latentcomposer.model.trio import TrioVAE  # noqa: E402
from latentcomposer.model.trio_fastdecode import TrioFastDecoder  # noqa: E402


def timed(fns: dict[str, Callable[[torch.Tensor], object]], zs: list[torch.Tensor]
          ) -> dict[str, tuple[float, float]]:
    """(median wall ms, median CPU ms) of each function over ``zs``, the functions interleaved per z
    (so that load from other processes hits them alike)."""
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn(zs[0])  # warm-up
    for z in zs:
        for k, fn in fns.items():
            t, c = time.perf_counter(), time.thread_time()
            fn(z)
            wall[k].append(time.perf_counter() - t)
            cpu[k].append(time.thread_time() - c)
    return {k: (statistics.median(wall[k]) * 1000, statistics.median(cpu[k]) * 1000) for k in fns}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="trio_16bar")
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--temperature", type=float, default=0.0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    eng = Engine.load(a.model, device="cpu", warmup=False)
    model = eng.model
    assert isinstance(model, TrioVAE)
    fast = TrioFastDecoder(model)
    t = a.temperature
    g = torch.Generator().manual_seed(0)
    zs = [torch.randn(1, model.cfg.z_dim, generator=g) for _ in range(a.repeats)]
    same = all(torch.equal(model.decode(z), fast.decode(z)) for z in zs[:3]) if t == 0 else None

    res = timed({"torch loop": lambda z: model.decode(z, t, torch.Generator().manual_seed(1)),
                 "numpy": lambda z: fast.decode(z, t, torch.Generator().manual_seed(1)),
                 "engine.decode_tokens": lambda z: eng.decode_tokens(z.numpy(), t, 1)}, zs)
    # the NumPy decode's pieces
    conds = [fast.conds(z) for z in zs]
    pieces: dict[str, Callable[[torch.Tensor], object]] = {"conductor + acc cond (torch)": fast.conds}
    for s, st in fast.mono.items():
        pieces[s] = (lambda stack: lambda z: stack.run(*stack.initial_state(conds[0][0]), conds[0][0], 16, 0.0,
                                                      None))(st)
    pieces["accompaniment"] = lambda z: fast.acc.decode(conds[0][1], 16)
    split = timed(pieces, zs)
    print(f"{a.model}: one 16-bar section, batch 1, one CPU thread, temperature {t:g}"
          + ("" if same is None else f"; greedy NumPy == torch loop: {same}"))
    print(f"{'path':<30} {'wall ms':>8} {'cpu ms':>8}")
    for k, (w, c) in res.items():
        print(f"{k:<30} {w:>8.1f} {c:>8.1f}")
    tw, tc = res["torch loop"]
    nw, nc = res["numpy"]
    print(f"{'ratio torch / numpy':<30} {tw / nw:>7.1f}x {tc / nc:>7.1f}x   (target <= 50 ms)")
    print("NumPy decode's pieces (greedy):")
    for k, (w, c) in split.items():
        print(f"  {k:<28} {w:>8.1f} {c:>8.1f}")


if __name__ == "__main__":
    main()
