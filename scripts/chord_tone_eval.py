"""Chord-tone figures of the chord-conditioned melody model (issue 25): the share of melody notes on
strong beats (the 1st and 3rd beat of each 4/4 bar) whose pitch class is a tone of the chord there, for

* the test data (POP909 melodies over their annotated chords),
* the unconditioned model (mel_2bar) decoding prior samples, scored against the test progressions,
* the conditioned model (mel_2bar_chords) decoding the same kind of samples over the test progressions,
  and over random progressions (a random major or minor triad per bar);

and the conditioned model's reconstruction of the test windows (greedy and search) beside mel_2bar's on
the same melodies. Also the codes of real music: posterior means of other test windows decoded over
these windows' chords, and each window's own code over random chords (does the decoder follow chords
its code was not encoded with?), and prior samples from the model's fitted prior when it ships one.
Steps where the chord is N are left out.

    python scripts/chord_tone_eval.py [--n 512] [--temperature 0.5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from latentcomposer.data import melody
from latentcomposer.data.codecs import codec_for
from latentcomposer.model.engine import Engine
from latentcomposer.model.threads import limit_cpu_threads

STRONG = (0, 8)  # steps of beats 1 and 3 within a bar


def chord_tone_share(tokens: np.ndarray, condition: np.ndarray) -> float:
    """tokens [N, T], condition [N, T, 37] (bit 0: no chord, 13..24: the chord's pitch classes)."""
    steps = np.arange(tokens.shape[1])
    strong = np.isin(steps % 16, STRONG)
    onset = (tokens < melody.NOTE_OFF) & strong[None]
    has_chord = condition[..., 0] < 0.5
    sel = onset & has_chord
    if not sel.any():
        return float("nan")
    pc = tokens[sel] % 12
    tones = condition[sel][:, 13:25]
    return float(tones[np.arange(len(pc)), pc].mean())


def random_progressions(n: int, steps: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros((n, steps, 37), np.float32)
    for i in range(n):
        for bar in range(steps // 16):
            root = int(rng.integers(12))
            third = 4 if rng.random() < 0.5 else 3
            sl = slice(bar * 16, bar * 16 + 16)
            out[i, sl, 1 + root] = 1.0
            for iv in (0, third, 7):
                out[i, sl, 13 + (root + iv) % 12] = 1.0
            out[i, sl, 25 + root] = 1.0
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--temperature", type=float, default=0.5)
    ap.add_argument("--model", default="mel_2bar_chords")
    ap.add_argument("--baseline", default="mel_2bar")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    limit_cpu_threads(1)
    test = codec_for("melody_chords").corpus_windows("test", 2)
    rng = np.random.default_rng(0)
    sel = np.sort(rng.permutation(len(test))[: args.n])
    tokens, cond = test.arrays["tokens"][sel].astype(np.int64), test.arrays["condition"][sel].astype(np.float32)
    cmodel = Engine.load(args.model, device="cpu", warmup=False)
    base = Engine.load(args.baseline, device="cpu", warmup=False)
    n = len(tokens)
    z_c = cmodel.sample_z(n, seed=1, prior="standard").numpy()
    z_b = base.sample_z(n, seed=1, prior="standard").numpy()
    t = args.temperature
    figures: dict[str, float] = {
        "windows": float(n),
        "data": chord_tone_share(tokens, cond),
        "unconditioned samples vs test chords": chord_tone_share(base.decode_tokens(z_b, t, 2), cond),
        "conditioned samples over test chords": chord_tone_share(cmodel.decode_tokens(z_c, t, 2, cond), cond),
    }
    rnd = random_progressions(n, tokens.shape[1], np.random.default_rng(3))
    figures["conditioned samples over random chords"] = chord_tone_share(cmodel.decode_tokens(z_c, t, 2, rnd), rnd)
    figures["unconditioned samples vs random chords"] = chord_tone_share(base.decode_tokens(z_b, t, 2), rnd)
    if cmodel.fitted_prior is not None:  # its fitted prior (model/prior.py)
        z_f = cmodel.sample_z(n, seed=1, prior="fitted").numpy()
        figures["conditioned samples (fitted prior) over test chords"] = chord_tone_share(
            cmodel.decode_tokens(z_f, t, 2, cond), cond)
        figures["conditioned samples (fitted prior) over random chords"] = chord_tone_share(
            cmodel.decode_tokens(z_f, t, 2, rnd), rnd)
    # does the decoder follow chords it was not encoded with? Real music's codes (posterior means of
    # other test windows; a window's own melody over random chords): what a composer gets from Encode
    perm = np.random.default_rng(5).permutation(n)
    mu_c = cmodel.encode_tokens(tokens, cond)[0].numpy()
    mu_b = base.encode_tokens(tokens)[0].numpy()
    figures["conditioned, other windows' codes over test chords"] = chord_tone_share(
        cmodel.decode_tokens(mu_c[perm], t, 2, cond), cond)
    figures["unconditioned, other windows' codes vs test chords"] = chord_tone_share(
        base.decode_tokens(mu_b[perm], t, 2), cond)
    figures["conditioned, own codes over random chords"] = chord_tone_share(cmodel.decode_tokens(mu_c, t, 2, rnd), rnd)
    for eng, label, c in ((cmodel, "conditioned", cond), (base, "unconditioned", None)):
        mu = eng.encode_tokens(tokens, c)[0].numpy()
        for decoding in ("greedy", "search"):
            eng.set_decoding(decoding)
            got = eng.decode_tokens(mu, condition=c)
            figures[f"{label} reconstruction ({decoding})"] = float((got == tokens).mean())
    for k, v in figures.items():
        print(f"{k:45s} {v:.4f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
