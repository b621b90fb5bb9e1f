"""Piano (PianoTree) decode latency at batch 1: the model's torch loop against the folded NumPy
decoder (model/poly_fastdecode.py), both in this run, through the public engine API as well.

Prints milliseconds (median of repeats) and the ratio torch / NumPy; targets (issue 23): 2 bars
<= 10 ms, 8 bars <= 40 ms. Threads pinned to one (as the engine pins its own small decodes).

    python benchmarks/piano_decode.py [--repeats R]
"""

from __future__ import annotations

import argparse
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from decode_latency import timed  # noqa: E402  (benchmarks/ is the script's folder)

from latentcomposer.model.engine import Engine  # noqa: E402
from latentcomposer.model.pianotree import PianoTreeVAE, PolyRuntime  # noqa: E402


def measure(name: str, repeats: int) -> tuple[float, float, float]:
    eng = Engine.load(name, warmup=False)
    model = eng.model
    assert isinstance(model, PianoTreeVAE)
    rt = PolyRuntime(model)
    z = torch.as_tensor(eng.sample_z(1, 0, "standard"), dtype=torch.float32)
    return (timed(lambda: model.decode(z), repeats), timed(lambda: rt.decode_full(z), repeats),
            timed(lambda: eng.decode_tokens(np.asarray(z)), repeats))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()
    torch.set_num_threads(1)
    print(f"{'model':<10} {'torch loop':>11} {'numpy':>9} {'ratio':>6} {'engine':>9} {'target':>7}")
    for name, target in (("poly_2bar", 10), ("poly_8bar", 40)):
        t_torch, t_np, t_eng = measure(name, a.repeats)
        print(f"{name:<10} {t_torch:>9.1f}ms {t_np:>7.1f}ms {t_torch / t_np:>5.1f}x {t_eng:>7.1f}ms {target:>5}ms")


if __name__ == "__main__":
    main()
