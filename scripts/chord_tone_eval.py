"""Chord-tone figures of the chord-conditioned melody model (issue 25): the share of melody notes on
strong beats (the 1st and 3rd beat of each 4/4 bar) whose pitch class is a tone of the chord there, for

* the test data (POP909 melodies over their annotated chords),
* the unconditioned model (mel_2bar) decoding prior samples, scored against the test progressions,
* the conditioned model (mel_2bar_chords) decoding the same kind of samples over the test progressions,
  and over random progressions (a random major or minor triad per bar); at the decoding temperature
  given (0.5), and as the app plays them (its own prior, temperature 0, search);

and the conditioned model's reconstruction of the test windows (greedy and search) beside mel_2bar's on
the same melodies. Also the codes of real music: posterior means of other test windows decoded over
these windows' chords, and each window's own code over random chords (does the decoder follow chords
its code was not encoded with?), and prior samples from the model's fitted prior when it ships one.
Steps where the chord is N are left out.

    python scripts/chord_tone_eval.py [--n 512] [--temperature 0.5] [--json out.json]

**Piano** (``--model poly_2bar_chords``, or any model whose codec is "poly_chords"; baseline poly_2bar):
the Poly-dis claim that the same z -- the texture -- follows new chords. On POP909 test windows with
their annotated chords (data/poly_chords.py), the share of decoded notes that are tones of the chord
sounding at their onset, on the beats (every quarter) and over all onsets:

* the data itself, over its own chords and over them moved by +5 semitones (chance-like reference);
* (a) each window's z (posterior mean) re-decoded greedily over its own chords, with the note F1 of
  that reconstruction (onset step + pitch exact; data/poly.py's reconstruction_metrics);
* (b) the same z decoded over another progression: the window's chords moved +5 semitones, and the
  chords of a window of another test song; with how much of the texture stays (F1 of the onset steps
  and of the onset counts per step against (a)'s decode: rhythm, not pitch);
* the unconditioned baseline's reconstruction scored against the same chords (it cannot follow them).

    python scripts/chord_tone_eval.py --model poly_2bar_chords [--baseline poly_2bar] [--n 256]
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


def piano_chord_tone_share(arrays: np.ndarray, condition: np.ndarray, beats_only: bool) -> float:
    """Share of piano notes (arrays [N, T, 16, 3]) that are tones of the chord at their onset step
    (condition [N, T, 37]); ``beats_only``: onsets on the beats (every 4th step)."""
    p = np.asarray(arrays)[..., 0].astype(np.int64)
    note = np.cumprod(p < 128, axis=-1).astype(bool)
    sel = note & (condition[..., 0] < 0.5)[..., None]
    if beats_only:
        sel &= (np.arange(p.shape[1]) % 4 == 0)[None, :, None]
    if not sel.any():
        return float("nan")
    tones = np.take_along_axis(np.broadcast_to(condition[..., None, 13:25], (*p.shape, 12)), (p % 12)[..., None],
                               -1)[..., 0]
    return float(tones[sel].mean())


def onset_agreement(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """How much texture two decodes [N, T, 16, 3] share, pitch aside: F1 of their onset steps, and the
    share of steps with the same number of onsets."""
    na = np.cumprod(np.asarray(a)[..., 0] < 128, axis=-1).sum(-1)
    nb = np.cumprod(np.asarray(b)[..., 0] < 128, axis=-1).sum(-1)
    on_a, on_b = na > 0, nb > 0
    tp = float((on_a & on_b).sum())
    f1 = 2 * tp / max(1.0, float(on_a.sum() + on_b.sum()))
    return {"onset-step F1": f1, "same onset count": float((na == nb).mean())}


def piano_main(args: argparse.Namespace) -> dict[str, float]:
    from latentcomposer.data.chord_melody_codec import transpose_condition
    from latentcomposer.data.poly import reconstruction_metrics
    from latentcomposer.data.poly_chords import chord_window_starts, poly_chords
    from latentcomposer.data.poly_dataset import poly_corpus

    corpus = poly_corpus()
    chords = poly_chords(corpus)
    cmodel = Engine.load(args.model, device="cpu", warmup=False)
    base = Engine.load(args.baseline or "poly_2bar", device="cpu", warmup=False)
    bars = cmodel.window_bars
    starts, owners, _ = chord_window_starts(corpus, chords, "test", bars)
    rng = np.random.default_rng(0)
    sel = np.sort(rng.permutation(len(starts))[: args.n])
    starts, owners = starts[sel], owners[sel]
    t = bars * 16
    x = corpus.windows(starts, t).astype(np.int64)
    own = chords.condition(starts, t)
    up5 = transpose_condition(own, 5)
    other = np.array([rng.choice(np.flatnonzero(owners != o)) for o in owners])  # a window of another song
    moved = own[other]
    n = len(x)
    figures: dict[str, float] = {"windows": float(n)}

    def shares(label: str, arrays: np.ndarray, cond: np.ndarray) -> None:
        figures[f"{label}: chord tones on beats"] = piano_chord_tone_share(arrays, cond, True)
        figures[f"{label}: chord tones, all onsets"] = piano_chord_tone_share(arrays, cond, False)

    shares("data over its chords", x, own)
    shares("data vs its chords +5", x, up5)
    mu = cmodel.encode_arrays(x, own)[0]
    rec = cmodel.decode_tokens(mu, 0.0, 0, own)
    shares("(a) conditioned, own z over own chords", rec, own)
    figures["(a) conditioned reconstruction F1"] = reconstruction_metrics(x, rec)["f1"]
    for label, cond in (("chords +5", up5), ("another song's chords", moved)):
        got = cmodel.decode_tokens(mu, 0.0, 0, cond)
        shares(f"(b) conditioned, own z over {label}", got, cond)
        for k, v in onset_agreement(rec, got).items():
            figures[f"(b) over {label}: {k} against (a)"] = v
    mu_b = base.encode_arrays(x)[0]
    rec_b = base.decode_tokens(mu_b, 0.0, 0)
    figures["unconditioned reconstruction F1"] = reconstruction_metrics(x, rec_b)["f1"]
    shares("unconditioned reconstruction vs own chords", rec_b, own)
    shares("unconditioned reconstruction vs chords +5", rec_b, up5)
    shares("unconditioned reconstruction vs another song's chords", rec_b, moved)
    return figures


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--temperature", type=float, default=0.5)
    ap.add_argument("--model", default="mel_2bar_chords")
    ap.add_argument("--baseline", help="the unconditioned model (default mel_2bar, or poly_2bar for a piano model)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    limit_cpu_threads(1)
    from latentcomposer.model.registry import read_entry, resolve_model_dir

    if read_entry(resolve_model_dir(args.model)).cfg.representation == "poly_chords":
        figures = piano_main(args)
    else:
        figures = melody_main(args)
    for k, v in figures.items():
        print(f"{k:62s} {v:.4f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def melody_main(args: argparse.Namespace) -> dict[str, float]:
    cmodel = Engine.load(args.model, device="cpu", warmup=False)
    base = Engine.load(args.baseline or "mel_2bar", device="cpu", warmup=False)
    test = codec_for("melody_chords").corpus_windows("test", cmodel.cfg.n_bars)  # the model's window length
    rng = np.random.default_rng(0)
    sel = np.sort(rng.permutation(len(test))[: args.n])
    tokens, cond = test.arrays["tokens"][sel].astype(np.int64), test.arrays["condition"][sel].astype(np.float32)
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
    # what the app plays: Sample draws from the model's own prior (the kernel prior when it ships one,
    # else the fitted one, else N(0, I)) and decodes at temperature 0 with search (its default)
    z_app, zb_app = cmodel.sample_z(n, seed=1).numpy(), base.sample_z(n, seed=1).numpy()
    for eng in (cmodel, base):
        eng.set_decoding("search")
    figures["conditioned samples (app: own prior, temperature 0, search) over test chords"] = chord_tone_share(
        cmodel.decode_tokens(z_app, 0.0, 2, cond), cond)
    figures["conditioned samples (app: own prior, temperature 0, search) over random chords"] = chord_tone_share(
        cmodel.decode_tokens(z_app, 0.0, 2, rnd), rnd)
    figures["unconditioned samples (app: own prior, temperature 0, search) vs test chords"] = chord_tone_share(
        base.decode_tokens(zb_app, 0.0, 2), cond)
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
    return figures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
