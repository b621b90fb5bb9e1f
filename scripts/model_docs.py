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
    """One row per clip: notes as bars over 16th steps; drum clips as one lane per drum class with
    hits shaded by velocity and placed at their (micro-timed) onset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from latentcomposer.data.drums import CLASSES, PITCH_TO_CLASS

    fig, axes = plt.subplots(len(clips), 1, figsize=(10, 1.6 * len(clips)), squeeze=False)
    for ax, clip in zip(axes[:, 0], clips, strict=True):
        step = clip.ppq / 4
        bars = max(1, clip.n_bars)
        if clip.is_drum:
            for n in clip.notes:
                row = PITCH_TO_CLASS.get(n.pitch, 0)
                ax.add_patch(plt.Rectangle((n.start / step, row - 0.4), 0.8, 0.8, color="#c0392b",
                                           alpha=0.25 + 0.75 * n.velocity / 127))
            ax.set_yticks(range(len(CLASSES)), [c.replace("hi-hat", "hh") for c in CLASSES], fontsize=5)
            ax.set_ylim(-0.6, len(CLASSES) - 0.4)
        else:
            for n in clip.notes:
                # a small gap at the end keeps repeated notes of one pitch apart
                width = max(0.3, (n.end - n.start) / step - 0.25)
                ax.add_patch(plt.Rectangle((n.start / step, n.pitch - 0.4), width, 0.8, color="#3a7bd5"))
            pitches = [n.pitch for n in clip.notes] or [60]
            ax.set_ylim(min(pitches) - 3, max(pitches) + 3)
        for b in range(bars + 1):
            ax.axvline(b * 16, color="#999", lw=0.6)
        ax.set_xlim(0, bars * 16)
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

    from latentcomposer.model.engine import Engine

    eng = Engine.load(args.model, device="cpu")
    img = ROOT / "docs" / "img"
    for t in (0.5, 1.0):
        clips = eng.sample(4, temperature=t, seed=3).clips
        piano_roll_png(clips, img / f"{args.model}_samples_t{t}.png", f"{args.model}: prior samples, temperature {t}")
    if eng.cfg.representation == "drums":
        drum_docs(eng, img, args.model)
    else:
        melody_docs(eng, img, args.model)
    print(json.dumps({"images": sorted(str(p.relative_to(ROOT)) for p in img.glob(f"{args.model}_*.png"))}, indent=1))


def density_png(eng, template, img: Path, name: str) -> None:
    """``template`` decoded after moving its latent along the density vector by -2, 0, +2."""
    if eng.attributes is None:
        return
    z = eng.encode([template]).mu
    shifted = []
    for amt in (-2.0, 0.0, 2.0):
        shifted += eng.decode(eng.shift(z, "density", amt), template=template, name=f"density {amt:+g}", join=True)
    piano_roll_png(shifted, img / f"{name}_density.png", f"{name}: density vector -2, 0, +2")


def drum_docs(eng, img: Path, name: str) -> None:
    from latentcomposer.core.examples import example_drums
    from latentcomposer.data.codecs import DrumCodec
    from latentcomposer.data.drum_dataset import drum_windows

    beat = example_drums(bars=eng.cfg.n_bars if eng.cfg.n_bars <= 8 else 8)
    rec = eng.reconstruct(beat).clips[0]
    hum = eng.humanize(beat).clips[0]
    piano_roll_png([beat, rec, hum], img / f"{name}_reconstruction.png",
                   f"{name}: a rock beat, its reconstruction, and humanized (velocity + microtiming)")
    win, _ = drum_windows("test", eng.cfg.n_bars)
    if len(win["tokens"]) >= 2:
        pair = []
        for k, i in enumerate((0, len(win["tokens"]) // 2)):
            aux = {"velocity": win["velocity"][i], "offset": win["offset"][i]}
            pair.append(DrumCodec().decode(win["tokens"][i], aux, beat, None, f"test window {'AB'[k]}"))
        res = eng.interpolate(pair[0], pair[1], steps=5)
        piano_roll_png(res.clips, img / f"{name}_interpolation.png",
                       f"{name}: two held-out GMD windows, slerp, 5 steps (ends = reconstructions)")
    density_png(eng, beat, img, name)


def melody_docs(eng, img: Path, name: str) -> None:
    from latentcomposer.core.examples import example_clip

    a, b = example_clip("twinkle"), example_clip("ode_to_joy")
    bars = eng.cfg.n_bars if eng.cfg.n_bars <= 8 else 8
    a, b = a.slice_bars(0, bars), b.slice_bars(0, bars)
    res = eng.interpolate(a, b, steps=5)
    piano_roll_png(res.clips, img / f"{name}_interpolation.png",
                   f"{name}: Twinkle -> Ode to Joy, slerp, 5 steps (ends = reconstructions)")
    rec = eng.reconstruct(example_clip("jingle_bells"))
    piano_roll_png([example_clip("jingle_bells"), rec.clips[0]], img / f"{name}_reconstruction.png",
                   f"{name}: Jingle Bells and its reconstruction")
    density_png(eng, a, img, name)
    if eng.per_bar:
        # the Transformer VAE paper's context-transfer pairs: bar 1 of X1 developed in X2's flow
        for x1, x2 in (("mary", "jingle_bells"), ("twinkle", "ode_to_joy")):
            c1, c2 = example_clip(x1), example_clip(x2)
            rows = [c1, c2, eng.reconstruct(c2).clips[0].copy(name="X2 recon.")]
            splice = eng.context_transfer(c1, c2, bars_from_x1=[0], follow_structure=False).clips[0]
            rows.append(splice.copy(name="splice"))
            if eng.structure_prior is not None:  # X2's repeats of its bar 1 follow the new bar 1
                res = eng.context_transfer(c1, c2, bars_from_x1=[0])
                label = ", ".join(str(b + 1) for b in res.followed) or "none"
                rows.append(res.clips[0].copy(name=f"follows ({label})"))
            piano_roll_png(rows, img / f"{name}_transfer_{x1}_{x2}.png",
                           f"{name}: context transfer, z1 of {x1} + z2..z8 of {x2}")
        c = example_clip("ode_to_joy")
        outs = [eng.reconstruct(c).clips[0].copy(name="reconstruction")]
        outs += [eng.resample_bar(c, 2, temperature=0.8, seed=s).clips[0].copy(name=f"bar 3 seed {s}")
                 for s in (1, 2)]
        piano_roll_png([c, *outs], img / f"{name}_resample_bar.png",
                       f"{name}: Ode to Joy with bar 3 re-sampled (temperature 0.8), rest decoded in context")


if __name__ == "__main__":
    main()
