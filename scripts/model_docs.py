"""Docs for shipped models: test-split evaluation, attribute report, piano-roll PNGs of samples.

    python scripts/model_docs.py mel_2bar [--skip-eval] [--skip-attributes]

Writes models/<name>/eval_test.json, models/<name>/attributes_report.json (via the CLI verbs) and
docs/img/<name>_*.png. The model card (MODEL_CARD.md) is written by hand from these figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def piano_roll_png(clips: list, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(clips), 1, figsize=(10, 1.6 * len(clips)), squeeze=False)
    for ax, clip in zip(axes[:, 0], clips, strict=True):
        step = clip.ppq / 4
        for n in clip.notes:
            ax.add_patch(plt.Rectangle((n.start / step, n.pitch - 0.4), (n.end - n.start) / step, 0.8,
                                       color="#3a7bd5"))
        bars = max(1, clip.n_bars)
        for b in range(bars + 1):
            ax.axvline(b * 16, color="#999", lw=0.6)
        pitches = [n.pitch for n in clip.notes] or [60]
        ax.set_xlim(0, bars * 16)
        ax.set_ylim(min(pitches) - 3, max(pitches) + 3)
        ax.set_ylabel(clip.name[:18], fontsize=7)
        ax.tick_params(labelsize=6)
    axes[0, 0].set_title(title, fontsize=9)
    axes[-1, 0].set_xlabel("16th-note steps")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--skip-eval", action="store_true")
    ap.add_argument("--skip-attributes", action="store_true")
    ap.add_argument("--max-windows", type=int, default=None)
    args = ap.parse_args()
    folder = ROOT / "models" / args.model
    cli = [sys.executable, "-m", "latentcomposer.cli"]
    if not args.skip_eval:
        extra = ["--max-windows", str(args.max_windows)] if args.max_windows else []
        subprocess.run(cli + ["eval", "--model", args.model, "--data", "test", "--json",
                              str(folder / "eval_test.json"), *extra], check=True)
    if not args.skip_attributes:
        subprocess.run(cli + ["attributes", "--model", args.model, "--json",
                              str(folder / "attributes_report.json")], check=True)

    from latentcomposer.core.examples import example_clip
    from latentcomposer.model.engine import Engine

    eng = Engine.load(args.model, device="cpu")
    img = ROOT / "docs" / "img"
    for t in (0.5, 1.0):
        clips = eng.sample(4, temperature=t, seed=3).clips
        piano_roll_png(clips, img / f"{args.model}_samples_t{t}.png", f"{args.model}: prior samples, temperature {t}")
    a, b = example_clip("twinkle"), example_clip("ode_to_joy")
    bars = eng.cfg.n_bars if eng.cfg.n_bars <= 8 else 8
    a, b = a.slice_bars(0, bars), b.slice_bars(0, bars)
    res = eng.interpolate(a, b, steps=5)
    piano_roll_png(res.clips, img / f"{args.model}_interpolation.png",
                   f"{args.model}: Twinkle -> Ode to Joy, slerp, 5 steps (ends = reconstructions)")
    rec = eng.reconstruct(example_clip("jingle_bells"))
    piano_roll_png([example_clip("jingle_bells"), rec.clips[0]], img / f"{args.model}_reconstruction.png",
                   f"{args.model}: Jingle Bells and its reconstruction")
    if eng.attributes is not None:
        z = eng.encode([a]).mu
        shifted = []
        for amt in (-2.0, 0.0, 2.0):
            shifted += eng.decode(eng.shift(z, "density", amt), template=a, name=f"density {amt:+g}", join=True)
        piano_roll_png(shifted, img / f"{args.model}_density.png", f"{args.model}: density vector -2, 0, +2")
    print(json.dumps({"images": sorted(str(p.relative_to(ROOT)) for p in img.glob(f"{args.model}_*.png"))}, indent=1))


if __name__ == "__main__":
    main()
