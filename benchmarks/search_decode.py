"""Search decoding against greedy decoding, in the same run: batch-1 latency and (with ``--windows``)
reconstruction accuracy on the validation split.

Greedy is the engine's fast decoder (MusicVAE's argmax decoding, the baseline); search is beam search
with the encoder choosing among the beams (``latentcomposer/model/search.py``), at each beam width.
Prints milliseconds per decode (median of repeats), the ratio to greedy, and the share of validation
steps reproduced from the posterior mean.

    python benchmarks/search_decode.py [--models drums_2bar drums_16bar] [--beams 4 8 16 32]
                                       [--windows 300] [--threads 1] [--repeats 5]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from decode_latency import timed  # the sibling script's timer: median ms after a warm-up

from latentcomposer.model.engine import Engine
from latentcomposer.model.search import search_decode


def validation_windows(engine: Engine, n: int) -> np.ndarray:
    w = engine.codec.corpus_windows("valid", engine.cfg.n_bars).tokens
    sel = np.sort(np.random.default_rng(0).permutation(len(w))[:n])
    return np.asarray(w)[sel]


@torch.inference_mode()
def accuracy(engine: Engine, windows: np.ndarray, beam: int) -> float:
    x = torch.as_tensor(windows, dtype=torch.long)
    mu = torch.cat([engine.model.encode(x[i:i + 256])[0] for i in range(0, len(x), 256)])
    got = engine.model.generate(mu, 0.0) if beam == 1 else search_decode(engine.model, mu, beam)
    return float((got == x).float().mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["drums_2bar", "drums_16bar", "mel_2bar", "mel_16bar"])
    ap.add_argument("--beams", nargs="+", type=int, default=[4, 8, 16, 32])
    ap.add_argument("--windows", type=int, default=0, help="validation windows for accuracy (0: latency only)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s); batch 1, z ~ N(0, 0.5^2)")
    for name in args.models:
        eng = Engine.load(name, device="cpu", warmup=False, decoding="greedy")
        z = np.asarray(torch.randn(1, eng.cfg.z_dim, generator=torch.Generator().manual_seed(0)) * 0.5)
        windows = validation_windows(eng, args.windows) if args.windows else None
        base = timed(lambda e=eng, z=z: e.decode_tokens(z), args.repeats)
        acc = f"   accuracy {accuracy(eng, windows, 1):.4f}" if windows is not None else ""
        print(f"\n{name} ({eng.cfg.n_bars} bars){'' if windows is None else f', {len(windows)} valid windows'}")
        print(f"  greedy (fast decoder)   {base:8.1f} ms   1.00x{acc}")
        for k in args.beams:
            eng.set_decoding("search", k)
            ms = timed(lambda e=eng, z=z: e.decode_tokens(z), args.repeats)
            acc = f"   accuracy {accuracy(eng, windows, k):.4f}" if windows is not None else ""
            print(f"  search, beam {k:<3}        {ms:8.1f} ms {ms / base:6.2f}x{acc}", flush=True)
        eng.set_decoding("greedy")


if __name__ == "__main__":
    main()
