"""``finetune``: learn a composer's own style from a folder of MIDI files into a new model.

    latentcomposer finetune --model mel_2bar MY_FOLDER --name my_style
    latentcomposer finetune --model drums_2bar BEATS/ --name my_beats --level prior   # seconds

The new model is written to the user's models folder and is listed by ``latentcomposer models``, the
app's model list and every verb's ``--model``. Ctrl+C stops training and keeps the best weights so far.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from latentcomposer.commands import UserError

from . import args as types


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("finetune", help="learn your own style from a folder of MIDI files (a new model)",
                       description="Personalize a model on your MIDI files: the style prior (seconds: sampling "
                       "lives where your music lies) and a fine-tune (minutes), measured on held-out files.")
    p.add_argument("folder", type=Path, help="a folder of MIDI files (subfolders too), or one file")
    p.add_argument("--model", required=True, help="the model to start from (e.g. mel_2bar, drums_2bar)")
    p.add_argument("--name", required=True, help="the new model's name (never an existing one)")
    p.add_argument("--level", choices=["prior", "finetune"], default="finetune",
                   help="prior: fit the sampling prior only (seconds); finetune: train, then the prior "
                        "(minutes; default)")
    p.add_argument("--train", dest="part", choices=["full", "decoder"], default="full",
                   help="which weights the fine-tune changes (default full: the only one that lowered the held-out "
                        "NLL; decoder: forgets nothing of the source's music; docs/MODELS.md)")
    p.add_argument("--source-share", type=types.number(0, 0.95, "a share"), default=0.25,
                   help="share of every batch from the source model's own music, against forgetting (default 0.25)")
    p.add_argument("--source-data", choices=["auto", "corpus", "replay", "none"], default="auto",
                   help="the source music mixed in: its training corpus (when the data is there), or "
                        "'replay': its decodes of the training latents it ships (default auto)")
    p.add_argument("--held-out", type=types.number(0.05, 0.9, "a share"), default=0.2,
                   help="share of the files held out to measure and stop on (default 0.2)")
    p.add_argument("--max-minutes", type=types.number(0.05, 600, "minutes"), default=4.0)
    p.add_argument("--max-steps", type=types.integer(1, 1_000_000, "max-steps"), default=1000)
    p.add_argument("--learning-rate", type=types.number(1e-7, 0.1, "a learning rate"), default=3e-4)
    p.add_argument("--batch-size", type=types.integer(2, 1024, "batch size"), default=32)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--seed", type=types.seed, default=0)
    p.add_argument("--threads", type=types.integer(1, 256, "threads"), default=None, help="CPU threads for torch")
    p.set_defaults(func=cmd_finetune)


def _print_progress(p: Any) -> None:
    if p.phase == "training":
        left = f", about {p.seconds_left / 60:.1f} min left" if p.seconds_left is not None else ""
        print(f"  {p.message}{left}", flush=True)
    else:
        print(f"{p.message} ...", flush=True)


def cmd_finetune(args: argparse.Namespace) -> int:
    from latentcomposer.data.style_files import scan_folder
    from latentcomposer.model.checkpoint import CheckpointError
    from latentcomposer.model.engine import Engine, EngineError
    from latentcomposer.model.finetune import FinetuneOptions, check_name, personalize

    check_name(args.name)  # before anything loads
    if not args.folder.exists():
        raise UserError(f"no such folder: {args.folder}")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        engine = Engine.load(args.model, device=args.device, warmup=False)
    except (CheckpointError, EngineError) as exc:
        raise UserError(str(exc)) from None
    scan = scan_folder(args.folder, engine.codec, engine.cfg.n_bars)
    print(f"{args.folder}: {scan.summary()}")
    for f in scan.files:
        print(f"  {f.name}: " + (f"{f.how}, {f.bars} bars, {f.windows} windows" if f.used else f"skipped ({f.skipped})"))
    opts = FinetuneOptions(level=args.level, part=args.part, source_share=args.source_share,
                           source_data=args.source_data, held_out_share=args.held_out, max_minutes=args.max_minutes,
                           max_steps=args.max_steps, batch_size=args.batch_size, learning_rate=args.learning_rate,
                           seed=args.seed, device=args.device)
    cancel = threading.Event()

    def on_int(_sig: int, _frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        print("\nstopping: keeping the best weights so far (Ctrl+C again to abandon)", file=sys.stderr, flush=True)
        cancel.set()

    old = signal.signal(signal.SIGINT, on_int)
    try:
        res = personalize(args.model, scan, args.name, opts, progress=_print_progress, cancel=cancel, engine=engine)
    finally:
        signal.signal(signal.SIGINT, old)
    for note in res.notes:
        print(f"note: {note}")
    _print_figures(res.info)
    print(f"wrote {res.folder} ({'style prior' if res.level == 'prior' else 'fine-tuned + style prior'}"
          f"{', cancelled: best weights so far' if res.cancelled else ''}); use it with --model {res.name}")
    return 0


def _print_figures(info: dict[str, Any]) -> None:
    b, a = info["before"], info["after"]
    print(f"{'':<34}{'before':>10}{'after':>10}")
    for part, title in (("held_out", "held-out files"), ("source_test", "source music (forgetting)")):
        for key in ("greedy", "search", "nll"):
            if key in b.get(part, {}) or key in a.get(part, {}):
                fmt = "{:>10.1f}" if key == "nll" else "{:>10.3f}"
                bv, av = b.get(part, {}).get(key), a.get(part, {}).get(key)
                print(f"{title + ' ' + key:<34}" + (fmt.format(bv) if bv is not None else f"{'-':>10}")
                      + (fmt.format(av) if av is not None else f"{'-':>10}"))
    print(f"{'prior samples: distance to files':<34}{b['prior']['distance']:>10.2f}{a['prior']['distance']:>10.2f}")
