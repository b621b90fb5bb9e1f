"""Keep-regenerate on a whole POP909 song (trio_16bar): time and quality, before and after.

``SectionEngine.regenerate`` keeps some streams and decodes the rest from a z found by gradient
descent on the kept streams' likelihood + the prior (model/sections.py ``search_z``), all windows of
the song as one batch. Figures on one real song (a POP909 test song of ~150 bars = 10 windows):

* ``--sweep``: the kept streams' NLL per bar and the quality of the regenerated streams after 0..N
  Adam steps at a few learning rates -- the regenerated bass's share of onsets on the annotated chord
  root (the song's own figure beside it), and the melody's in-key share against the accompaniment
  (scripts/trio_eval.py's ``in_key_agreement``);
* default: wall and CPU time of the old recipe (60 steps, every stream's decoder in each step, the
  torch decode) against the current one (``regenerate`` as shipped), with the same quality figures.

    python benchmarks/trio_keep.py [--sweep] [--keep melody] [--song 385]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from trio_eval import in_key_agreement  # noqa: E402  (scripts/trio_eval.py)

from latentcomposer.core import Clip  # noqa: E402
from latentcomposer.data.trio import bass_root_share, trio_corpus  # noqa: E402
from latentcomposer.model.sections import KEEP_ITERATIONS, KEEP_LEARNING_RATE, SectionEngine, search_z  # noqa: E402
from latentcomposer.model.trio import TrioVAE  # noqa: E402

T = TypeVar("T")


def song_section(se: SectionEngine, song: str | None) -> tuple[dict[str, Clip], np.ndarray, str]:
    """A test song's streams as a section (the grid reading of its packed arrays), its chord roots
    padded to whole windows (-1: none) and its id; without ``song`` the test song closest to 157 bars."""
    c = trio_corpus()
    test = c.songs_in("test")
    lens = np.diff(c.offsets) // 16
    i = c.tune_ids.index(song) if song else min(test, key=lambda k: abs(int(lens[k]) - 157))
    packed = c.song(i).astype(np.int64)
    section = se.codec.decode_streams(packed, Clip(tempo=100.0), None, "song")
    roots = c.roots[c.offsets[i]:c.offsets[i + 1]].astype(np.int64)
    n = -(-len(roots) // se.window) * se.window
    return section, np.concatenate([roots, np.full(n - len(roots), -1)]).reshape(-1, se.window), c.tune_ids[i]


def quality(se: SectionEngine, windows: np.ndarray, tokens: np.ndarray, keep: tuple[str, ...],
            roots: np.ndarray) -> dict[str, float]:
    """Bass-on-root share and melody-in-key share of the kept streams merged with the decoded rest."""
    kept, parts = se.codec.split(windows), se.codec.split(tokens)
    merged = se.codec.join({s: kept[s] if s in keep else parts[s] for s in se.streams})
    return {"bass_root": bass_root_share(merged, roots), "in_key": in_key_agreement(merged)}


def sweep(se: SectionEngine, windows: np.ndarray, keep: tuple[str, ...], roots: np.ndarray, seeds: list[int],
          rates: list[float], iterations: int, prior: str) -> None:
    x = torch.as_tensor(windows, dtype=torch.long)
    bars = windows.shape[0] * windows.shape[1] / 16
    marks = {0, 5, 10, 15, 20, 30, 40, iterations}
    print(f"song data: {quality(se, windows, windows, se.streams, roots)}")
    print(f"{'lr':>5} {'seed':>4} {'step':>4} {'kept NLL/bar':>12} {'bass root':>9} {'in key':>7}")
    for lr in rates:
        for seed in seeds:
            rows: list[tuple[int, float, dict[str, float]]] = []

            def trace(it: int, z: torch.Tensor, nll: torch.Tensor,
                      rows: list[tuple[int, float, dict[str, float]]] = rows) -> None:
                if it in marks:
                    toks = se.engine.decode_tokens(z, 0.0, 0)
                    rows.append((it, float(nll.sum()) / bars, quality(se, windows, toks, keep, roots)))

            z0 = se.sample_z(len(windows), seed, prior)  # type: ignore[arg-type]
            search_z(se.engine.model, x, keep, z0, iterations, lr, trace)
            for it, nll, q in rows:
                print(f"{lr:>5} {seed:>4} {it:>4} {nll:>12.2f} {q['bass_root']:>9.3f} {q['in_key']:>7.3f}")


def old_regenerate(se: SectionEngine, windows: np.ndarray, keep: tuple[str, ...], seed: int) -> np.ndarray:
    """The recipe before this benchmark: 60 Adam steps at 0.05 from an N(0, I) sample, every stream's
    decoder in each step (only the kept streams' NLL used), the torch decode."""
    model = se.engine.model
    assert isinstance(model, TrioVAE)
    x = torch.as_tensor(windows, dtype=torch.long)
    z = se.engine.sample_z(len(windows), seed, "standard").clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=0.05)
    with torch.enable_grad():
        for _ in range(60):
            nll = model.stream_nll(z, x)
            loss = 0.5 * z.pow(2).sum() + sum(nll[s].sum() for s in keep)
            (z.grad,) = torch.autograd.grad(loss, [z])
            opt.step()
    with torch.no_grad():
        return model.decode(z.detach()).numpy()


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    t, c = time.perf_counter(), time.thread_time()
    out = fn()
    return out, time.perf_counter() - t, time.thread_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="trio_16bar")
    ap.add_argument("--song", help="POP909 tune id (default: the test song closest to 157 bars)")
    ap.add_argument("--keep", default="melody", help="comma-separated kept streams")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--rates", default="0.05,0.1,0.2")
    ap.add_argument("--iterations", type=int, default=60)
    ap.add_argument("--prior", default="fitted", choices=("fitted", "standard"), help="the sweep's start points")
    ap.add_argument("--skip-old", action="store_true", help="time only the current recipe")
    a = ap.parse_args()
    torch.set_num_threads(1)
    se = SectionEngine.load(a.model, device="cpu")
    keep = tuple(a.keep.split(","))
    section, roots, tune = song_section(se, a.song)
    windows, n_steps, _ = se.section_windows(section)
    print(f"{a.model}: POP909 song {tune}, {n_steps // 16} bars = {len(windows)} windows; keep {', '.join(keep)}; "
          f"fitted prior: {se.prior_problem or 'yes'}")
    seeds = [int(s) for s in a.seeds.split(",")]
    if a.sweep:
        sweep(se, windows, keep, roots, seeds, [float(r) for r in a.rates.split(",")], a.iterations, a.prior)
        return
    print(f"{'recipe':<34} {'wall s':>7} {'cpu s':>7} {'bass root':>9} {'in key':>7}")
    for seed in seeds:
        if not a.skip_old:
            toks, wall, cpu = timed(lambda: old_regenerate(se, windows, keep, seed))  # noqa: B023
            q = quality(se, windows, np.asarray(toks), keep, roots)
            print(f"{f'old (60 steps, all decoders) s{seed}':<34} {wall:>7.1f} {cpu:>7.1f} {q['bass_root']:>9.3f} "
                  f"{q['in_key']:>7.3f}")
        res, wall, cpu = timed(lambda: se.regenerate(section, keep, seed=seed))  # noqa: B023
        toks = np.asarray(res.z)  # the searched z; the figures read the decoded windows
        dec = se.engine.decode_tokens(toks, 0.0, seed)
        q = quality(se, windows, dec, keep, roots)
        label = f"now ({KEEP_ITERATIONS} steps, lr {KEEP_LEARNING_RATE}) s{seed}"
        print(f"{label:<34} {wall:>7.1f} {cpu:>7.1f} {q['bass_root']:>9.3f} {q['in_key']:>7.3f}")
    print("song data:", quality(se, windows, windows, se.streams, roots))


if __name__ == "__main__":
    main()
