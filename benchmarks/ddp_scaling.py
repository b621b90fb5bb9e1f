"""Data-parallel training throughput: optimizer steps per second of ``latentcomposer train`` with 1 and
2 processes (``torchrun --nproc_per_node N``, gloo on the CPU) at the config's global batch, and one
process given the same cores as threads, for comparison.

Each run trains ``--steps`` steps from scratch on a generated folder of example melodies (``--data``)
in a temporary folder; steps/s is steps over the trainer's own in-loop wall time (``last.pt``'s
``wall_seconds``: data loading, start-up and the final validation are not counted).

    python benchmarks/ddp_scaling.py [--config mel_2bar] [--steps 30] [--procs 1 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.io.midifile import write_midi
from latentcomposer.model.config import get_config

REPO = Path(__file__).resolve().parents[1]


def midi_folder(folder: Path, n: int = 48) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        name = NAMES[i % len(NAMES)]
        write_midi(folder / f"{name}_{i}.mid", [example_clip(name).transpose(i % 11 - 5)])
    return folder


def run(config: str, steps: int, procs: int, threads: int, data: Path, tmp: Path) -> tuple[float, float]:
    work = tmp / f"w{procs}x{threads}"
    env = {**os.environ, "LATENTCOMPOSER_CACHE_DIR": str(tmp / "cache"), "OMP_NUM_THREADS": str(threads),
           "PYTHONPATH": str(REPO)}
    launcher = ([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(procs)]
                if procs > 1 else [sys.executable])
    t = time.monotonic()
    res = subprocess.run([*launcher, "-m", "latentcomposer", "train", "--config", config, "--device", "cpu",
                          "--data", str(data), "--max-steps", str(steps), "--threads", str(threads),
                          "--work-dir", str(work), "--out", str(tmp / f"o{procs}x{threads}"), "--no-resume"],
                         env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(res.stdout[-2000:] + res.stderr[-2000:])
    state = torch.load(work / "last.pt", weights_only=True)["state"]
    return state["step"] / state["wall_seconds"], time.monotonic() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="mel_2bar")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    batch = get_config(args.config).train.batch_size
    print(f"{args.config}: global batch {batch}, {args.steps} steps from scratch, CPU, {os.cpu_count()} cores here "
          f"(load average {os.getloadavg()[0]:.1f})")
    with tempfile.TemporaryDirectory(prefix="lc-ddp-bench-") as d:
        tmp = Path(d)
        data = midi_folder(tmp / "songs")
        base = None
        rows = [(p, 1) for p in args.procs] + [(1, max(args.procs))] * (max(args.procs) > 1)
        for procs, threads in rows:
            rate, wall = run(args.config, args.steps, procs, threads, data, tmp)
            base = base or rate
            print(f"  {procs} process(es) x {threads} thread(s): {rate:.2f} steps/s ({rate * batch:.0f} windows/s), "
                  f"x{rate / base:.2f} vs 1x1; {wall:.0f} s with start-up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
