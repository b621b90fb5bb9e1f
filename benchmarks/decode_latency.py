"""Decode/encode latency at batch 1 on this machine, against a naive eager baseline in the same run.

Baseline: ``nn.LSTM`` called one token at a time (embedding + concat every step), bars of the
hierarchical decoder decoded one after another. Then each lever is added in turn. Prints
milliseconds (median of repeats) and the speed-up over the baseline. Uses the shipped weights when
present (speed does not depend on the weights' values), else a fresh model of the same config.

    python benchmarks/decode_latency.py [--threads N] [--repeats R]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from latentcomposer.model.checkpoint import CheckpointError, build_model, load_model
from latentcomposer.model.config import get_config
from latentcomposer.model.engine import Engine
from latentcomposer.model.vae import LatentVAE


def timed(fn: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1000


@torch.no_grad()
def naive_decode(model: LatentVAE, z: torch.Tensor) -> torch.Tensor:
    """The baseline: nn.LSTM stepped token by token; hierarchical bars one after another."""
    dec = model.decoder

    def run(cond: torch.Tensor, n: int) -> list[int]:
        h, c = dec.initial_state(cond)
        prev = torch.tensor([[dec.vocab]])
        toks = []
        for _ in range(n):
            x = torch.cat([dec.embed(prev), cond.unsqueeze(1)], dim=-1)
            y, (h, c) = dec.rnn(x, (h, c))
            prev = dec.out(y).argmax(-1)
            toks.append(int(prev))
        return toks

    plan = model.decode_plan(z)  # one conditioning row per bar for bar-wise decoders
    out: list[int] = []
    for row in range(plan.rows):
        out += run(plan.cond[row:row + 1], plan.steps)
    return torch.tensor(out)


def model_for(name: str) -> tuple[LatentVAE, str]:
    try:
        model, _, _ = load_model(name, "cpu")
        return model, "shipped weights"  # type: ignore[return-value]
    except CheckpointError:
        torch.manual_seed(0)
        return build_model(get_config(name).model).eval(), "random init (no shipped weights)"  # type: ignore[return-value]


def bench(name: str, repeats: int) -> dict[str, float]:
    model, src = model_for(name)
    cfg = model.cfg
    z = torch.randn(1, cfg.z_dim, generator=torch.Generator().manual_seed(0))
    res: dict[str, float] = {}
    kind = "per-bar latents" if model.per_bar_latents else f"decoder {cfg.decoder}"
    print(f"\n## {name} ({cfg.representation}, {cfg.architecture}, {cfg.n_bars} bars, {kind}, {src})")
    torch.backends.mkldnn.enabled = True
    res["baseline"] = timed(lambda: naive_decode(model, z), max(3, repeats // 4))

    def fast(mkldnn: bool, use_numpy: bool) -> float:
        torch.backends.mkldnn.enabled = mkldnn
        eng = Engine(model, cfg, {}, torch.device("cpu"), name=name, warmup=True)
        with torch.inference_mode():
            return timed(lambda: eng.fast.decode(z, use_numpy=use_numpy), repeats)

    res["+ folded weights, inference_mode (torch loop)"] = fast(True, False)
    res["+ mkldnn disabled"] = fast(False, False)
    res["+ NumPy step loop (engine default on CPU)"] = fast(False, True)
    torch.backends.mkldnn.enabled = False
    eng = Engine(model, cfg, {}, torch.device("cpu"), name=name, warmup=True)
    res["engine, temperature 0.8 (Gumbel sampling)"] = timed(lambda: eng.decode_tokens(z, 0.8, 1), repeats)
    x = torch.randint(0, cfg.vocab, (1, cfg.n_steps)).numpy()
    res["encode (batch 1)"] = timed(lambda: eng.encode_tokens(x), repeats)
    if cfg.n_bars == 16:
        z11 = torch.randn(11, cfg.z_dim)
        res["11-step interpolation decode (one batch)"] = timed(lambda: eng.decode_tokens(z11), max(5, repeats // 2))
    base = res["baseline"]
    for k, v in res.items():
        ratio = f"{base / v:6.1f}x" if "encode" not in k else "      "
        print(f"  {k:<46} {v:8.2f} ms  {ratio}")
    return res


def first_decode_after_load(name: str) -> None:
    t = time.perf_counter()
    try:
        eng = Engine.load(name, device="cpu")
    except CheckpointError:
        print(f"  {name}: not installed, load time not measured")
        return
    loaded = time.perf_counter() - t
    t = time.perf_counter()
    eng.decode_tokens(torch.zeros(1, eng.z_dim))
    print(f"  {name}: load + warm-up {loaded * 1000:.0f} ms, first decode after load "
          f"{(time.perf_counter() - t) * 1000:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=40)
    ap.add_argument("--models", nargs="*", default=["mel_2bar", "mel_16bar", "mel_16bar_flat"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), batch 1, median of {args.repeats}")
    for name in args.models:
        bench(name, args.repeats)
    print("\n## load")
    torch.backends.mkldnn.enabled = False
    for name in args.models:
        first_decode_after_load(name)


if __name__ == "__main__":
    main()
