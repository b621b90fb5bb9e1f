"""Search decoding, lever by lever, in one run (issue 30): batch-1 latency against the naive baseline and
against the search decoder as it was, plus (with ``--windows``) reconstruction accuracy.

Rows, per model (each adds a lever; the tokens of every search row are checked identical):
- naive baseline: greedy decoding with ``nn.LSTM`` stepped token by token (benchmarks/decode_latency.py);
- greedy (the engine's fast decoder, NumPy step loop);
- search as it was: beam loop in torch on the folded kernel, reranking in torch (``use_numpy=False``,
  still the reference and the CUDA path);
- + NumPy beam loop (beams x bars x rows as one matrix per step, back-pointers);
- + reranking over distinct bars and windows (the search now, model/fastsearch.py), and the same through
  ``Engine.decode_tokens`` (adds the thread guard and, for drums, the velocity/timing heads);
- for 16-bar models: an 11-step interpolation decoded in one batch (as ``Engine.interpolate``), greedy,
  search as it was and search now.

Prints wall-clock and, beside them, CPU times of the calling thread (less sensitive to other jobs on a
busy machine; single-threaded, so the two agree on an idle one): the best of the repeats by default,
``--stat median`` for medians.

    python benchmarks/search_decode.py [--models mel_2bar drums_2bar mel_16bar drums_16bar] [--beam 8]
                                       [--windows 300] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from decode_latency import naive_decode  # the sibling script's baseline

from latentcomposer.model.engine import Engine
from latentcomposer.model.fastsearch import beam_search_np
from latentcomposer.model.search import _distance, _pick_bars, folded_stacks, search_decode
from latentcomposer.model.threads import limit_cpu_threads

STAT = "best"


def timed2(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(wall ms, thread CPU ms) after one warm-up call: the best of ``repeats`` (``--stat median``: the
    medians). On a machine shared with other jobs the best run is the one least disturbed."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.thread_time()
        fn()
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - t)
    stat = statistics.median if STAT == "median" else min
    return stat(wall) * 1000, stat(cpu) * 1000


@torch.inference_mode()
def numpy_beam_torch_rerank(eng: Engine, z: torch.Tensor, beam: int) -> torch.Tensor:
    """The first lever alone: the NumPy beam loop, then the reranking as it was (torch, every variant)."""
    model, cfg = eng.model, eng.cfg
    _, ns = folded_stacks(model.decoder, z.device)  # type: ignore[arg-type]
    assert ns is not None
    plan = model.decode_plan(z)  # type: ignore[attr-defined]
    seqs = torch.from_numpy(beam_search_np(ns, plan.cond.numpy(), plan.steps, beam)[0])
    b, k = z.shape[0], seqs.shape[1]
    if model.decodes_by_bar:  # type: ignore[attr-defined]
        return _pick_bars(model, z, seqs.reshape(b, cfg.n_bars, k, cfg.steps_per_bar))  # type: ignore[arg-type]
    mu, _ = model.encode(seqs.reshape(b * k, -1))
    return seqs[torch.arange(b), _distance(mu.reshape(b, k, -1), z[:, None]).argmin(-1)]


def validation_windows(engine: Engine, n: int) -> np.ndarray:
    w = engine.codec.corpus_windows("valid", engine.cfg.n_bars).tokens
    sel = np.sort(np.random.default_rng(0).permutation(len(w))[:n])
    return np.asarray(w)[sel]


@torch.inference_mode()
def accuracy(engine: Engine, windows: np.ndarray, beam: int) -> float:
    x = torch.as_tensor(windows, dtype=torch.long)
    mu = torch.cat([engine.model.encode(x[i:i + 256])[0] for i in range(0, len(x), 256)])
    got = engine.model.generate(mu, 0.0) if beam == 1 else search_decode(engine.model, mu, beam)  # type: ignore
    return float((got == x).float().mean())


def bench(name: str, beam: int, repeats: int, windows: int, interp: bool = True) -> None:
    eng = Engine.load(name, device="cpu", warmup=False, decoding="search", beam=beam)
    model = eng.model
    z = torch.randn(1, eng.cfg.z_dim, generator=torch.Generator().manual_seed(0)) * 0.5
    print(f"\n## {name} ({eng.cfg.n_bars} bars), beam {beam}: wall ms (cpu ms), {STAT} of runs; x naive, "
          "x search as it was")
    old = search_decode(model, z, beam, use_numpy=False)  # type: ignore[arg-type]
    for label, fn in (("numpy beam + old rerank", lambda: numpy_beam_torch_rerank(eng, z, beam)),
                      ("search now", lambda: search_decode(model, z, beam))):  # type: ignore[arg-type]
        assert torch.equal(fn(), old), f"{name}: {label} gives other tokens than the search as it was"
    rows: list[tuple[str, tuple[float, float]]] = []
    with torch.inference_mode():
        rows.append(("naive baseline (greedy, nn.LSTM per token)",
                     timed2(lambda: naive_decode(model, z), max(3, repeats // 2))))  # type: ignore[arg-type]
        eng.set_decoding("greedy")
        rows.append(("greedy (engine fast decoder)", timed2(lambda: eng.decode_tokens(z), repeats)))
        eng.set_decoding("search")
        rows.append(("search as it was (torch beam + rerank)",
                     timed2(lambda: search_decode(model, z, beam, use_numpy=False), repeats)))  # type: ignore
        rows.append(("+ NumPy beam loop", timed2(lambda: numpy_beam_torch_rerank(eng, z, beam), repeats)))
        rows.append(("+ rerank distinct bars/windows (search now)",
                     timed2(lambda: search_decode(model, z, beam), repeats)))  # type: ignore[arg-type]
        rows.append(("engine decode (search now, + aux heads, guard)", timed2(lambda: eng.decode_tokens(z), repeats)))
        if eng.cfg.n_bars == 16 and interp:
            z11 = torch.from_numpy(np.stack([(1 - t) * z[0].numpy() + t * -z[0].numpy()
                                             for t in np.linspace(0, 1, 11)])).float()
            same = torch.equal(search_decode(model, z11, beam), search_decode(model, z11, beam, use_numpy=False))
            assert same, f"{name}: interpolation tokens differ"  # type: ignore[arg-type]
            eng.set_decoding("greedy")
            rows.append(("11-step interpolation, greedy", timed2(lambda: eng.decode_tokens(z11), max(3, repeats // 2))))
            eng.set_decoding("search")
            rows.append(("11-step interpolation, search as it was",
                         timed2(lambda: search_decode(model, z11, beam, use_numpy=False), 3)))  # type: ignore
            rows.append(("11-step interpolation, search now", timed2(lambda: eng.decode_tokens(z11), 3)))
    naive = rows[0][1][0]
    was = rows[2][1][0]
    for label, (wall, cpu) in rows:
        interp = "interpolation" in label
        was_ref = rows[-2][1][0] if interp else was
        print(f"  {label:<46} {wall:8.1f} ({cpu:6.1f}) {'' if interp else f'{naive / wall:6.1f}x'}"
              f" {was_ref / wall:6.2f}x", flush=True)
    if windows:
        w = validation_windows(eng, windows)
        print(f"  accuracy on {len(w)} validation windows: greedy {accuracy(eng, w, 1):.4f}, "
              f"search {accuracy(eng, w, beam):.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["mel_2bar", "drums_2bar", "mel_16bar", "drums_16bar"])
    ap.add_argument("--beam", type=int, default=8)
    ap.add_argument("--windows", type=int, default=0, help="validation windows for accuracy (0: latency only)")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--stat", choices=["best", "median"], default="best")
    ap.add_argument("--no-interpolation", action="store_true", help="skip the 16-bar interpolation rows")
    args = ap.parse_args()
    global STAT
    STAT = args.stat
    limit_cpu_threads(1)
    print(f"torch {torch.__version__}, one thread; batch 1, z ~ N(0, 0.5^2)")
    for name in args.models:
        bench(name, args.beam, args.repeats, args.windows, not args.no_interpolation)


if __name__ == "__main__":
    main()
