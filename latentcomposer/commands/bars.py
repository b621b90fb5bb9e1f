"""Per-bar verbs on the Transformer VAE with its bar prior: ``continue``, ``infill``, ``fit-bar-prior``.

    latentcomposer continue IN.mid --bars 4 --out OUT.mid       # extend a phrase by 4 bars in its style
    latentcomposer infill IN.mid --bars 5-6 --out OUT.mid       # regenerate bars 5 and 6 given both sides
    latentcomposer fit-bar-prior --model tvae_16bar             # (re)fit the bar prior to the weights
    latentcomposer fit-structure-prior --model tvae_16bar       # which bars repeat which (Bars view, transfer)

See model/continuation.py for what each does (and does not do).
"""

from __future__ import annotations

import argparse
import re

from latentcomposer.commands import UserError
from latentcomposer.commands import args as valid
from latentcomposer.commands.generate import _call, _engine, _read_clip, _velocity, _write

PER_BAR_MODEL = "tvae_16bar"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="a MIDI file")
    p.add_argument("--out", "-o", dest="output", required=True, help="the MIDI file to write")
    p.add_argument("--model", default=PER_BAR_MODEL, help=f"a per-bar model (default {PER_BAR_MODEL})")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda (default auto)")
    p.add_argument("--seed", type=valid.seed, default=0, help="random seed (default 0)")
    p.add_argument("--temperature", type=valid.temperature, default=0.5,
                   help="spread of the bar prior's draws: 0 = its most likely bars, 1 = its full spread "
                        "(default 0.5: stays in the key more often)")
    p.add_argument("--velocity", type=valid.velocity, default=None, help="velocity of new notes (default: input's)")
    p.add_argument("--decoding", choices=["search", "greedy"], default="search",
                   help="how new bars' latents become notes (default search)")
    p.add_argument("--beam", type=valid.beam, default=8, help="beams for --decoding search (default 8)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("continue", help="extend a melody by N bars in its style (per-bar model + bar prior)")
    _common(p)
    p.add_argument("--bars", type=valid.integer(1, 64, "--bars"), default=4, help="bars to add, 1-64 (default 4)")
    p.set_defaults(func=cmd_continue)

    p = sub.add_parser("infill", help="regenerate selected bars given the bars on both sides (per-bar model)")
    _common(p)
    p.add_argument("--bars", required=True, help="1-based bar range to regenerate, e.g. 5-6 or 3")
    p.add_argument("--candidates", type=valid.integer(1, 64, "--candidates"), default=8,
                   help="draws to choose among by how well they lead into the following bars (default 8)")
    p.set_defaults(func=cmd_infill)

    p = sub.add_parser("fit-bar-prior", help="fit a per-bar model's bar prior (Continue, infill, in-style "
                       "samples) to its training posteriors; a few minutes on one CPU thread")
    _fit_options(p, train_windows=8000)
    p.add_argument("--steps", type=valid.integer(1, 10**6, "--steps"), default=1500, help="fitting steps (default 1500)")
    p.set_defaults(func=cmd_fit_bar_prior)

    p = sub.add_parser("fit-structure-prior", help="fit a per-bar model's structure prior (which bars repeat "
                       "which: the Bars view, context transfer that follows repeats); a few minutes on one thread")
    _fit_options(p, train_windows=3000)
    p.set_defaults(func=cmd_fit_structure_prior)


def _fit_options(p: argparse.ArgumentParser, train_windows: int) -> None:
    """What fitting a per-bar model's prior reads: the model, device, training windows, seed, threads."""
    p.add_argument("--model", default=PER_BAR_MODEL, help=f"a per-bar model (default {PER_BAR_MODEL})")
    p.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    p.add_argument("--train-windows", type=valid.integer(16, 10**6, "--train-windows"), default=train_windows,
                   help=f"training windows to encode (default {train_windows})")
    p.add_argument("--seed", type=valid.seed, default=0)
    p.add_argument("--threads", type=valid.integer(1, 256, "--threads"), default=1, help="CPU threads (default 1)")


def parse_bar_range(text: str) -> tuple[int, int]:
    """'5-6' -> (4, 6): 0-based start, exclusive end; '3' -> (2, 3)."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:[-:]\s*(\d+)\s*)?", text)
    if not m:
        raise UserError(f"bad bar range {text!r}: use 1-based bars like 5-6 or 3")
    a, b = int(m.group(1)), int(m.group(2) or m.group(1))
    if a < 1 or b < a:
        raise UserError(f"bad bar range {text!r}: bars count from 1 and the range must not run backwards")
    return a - 1, b


def cmd_continue(args: argparse.Namespace) -> int:
    eng = _engine(args)
    clip = _read_clip(args.input, None, eng)
    res = _call(eng.continue_clip, clip, bars=args.bars, temperature=args.temperature, seed=args.seed,
                velocity=_velocity(args))
    _write(args.output, res.clips)
    return 0


def cmd_infill(args: argparse.Namespace) -> int:
    a, b = parse_bar_range(args.bars)
    eng = _engine(args)
    clip = _read_clip(args.input, None, eng)
    res = _call(eng.infill, clip, (a, b), temperature=args.temperature, seed=args.seed,
                candidates=args.candidates, velocity=_velocity(args))
    _write(args.output, res.clips)
    return 0


def cmd_fit_bar_prior(args: argparse.Namespace) -> int:
    import torch

    from latentcomposer.model.continuation import fit_for_engine
    from latentcomposer.model.threads import limit_cpu_threads

    limit_cpu_threads(args.threads)
    torch.set_num_threads(args.threads)
    args.decoding, args.beam = "greedy", 1
    eng = _engine(args)
    figures = _call(fit_for_engine, eng, max_train_windows=args.train_windows, steps=args.steps, seed=args.seed)
    print(f"bar prior of {eng.name}: validation NLL per bar {figures['valid_nll_per_bar']:.1f} nats "
          f"(N(0, I): {figures['valid_nll_per_bar_standard_normal']:.1f}; one Gaussian per bar position: "
          f"{figures['valid_nll_per_bar_diag_gaussian_per_position']:.1f}); "
          f"wrote {eng.folder}/bar_prior.safetensors")
    return 0


def cmd_fit_structure_prior(args: argparse.Namespace) -> int:
    import torch

    from latentcomposer.model.structure_prior import fit_for_engine
    from latentcomposer.model.threads import limit_cpu_threads

    limit_cpu_threads(args.threads)
    torch.set_num_threads(args.threads)
    args.decoding, args.beam = "greedy", 1
    eng = _engine(args)
    if not eng.per_bar:
        raise UserError(f"the structure prior is for per-bar models (tvae_16bar); {eng.name} has one latent "
                        f"per {eng.cfg.n_bars}-bar window")
    figures = _call(fit_for_engine, eng, max_train_windows=args.train_windows, seed=args.seed)
    v = figures["valid"]
    print(f"structure prior of {eng.name} ({figures['train_windows']} training windows): on "
          f"{figures['valid_windows']} validation windows an exact repeat costs {v['kl_repeat']:.1f} nats "
          f"(its first occurrence {v['kl_first']:.1f}; under N(0, I) {v['kl_repeat_standard_normal']:.1f} / "
          f"{v['kl_first_standard_normal']:.1f}); {v['repeats_read_as_references']:.0%} of repeats read as "
          f"references, {v['other_bars_read_as_references']:.0%} of other bars; wrote "
          f"{eng.folder}/structure_prior.json")
    return 0
