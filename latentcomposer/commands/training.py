"""``train`` and ``eval``: train a named config (resumable), and measure a model as MusicVAE does."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from latentcomposer.commands import UserError

BUILTIN_SPLITS = ("train", "valid", "test")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("train", help="train a model config (resumes from its last checkpoint)")
    p.add_argument("--config", required=True,
                   help="mel_2bar | mel_16bar | drums_2bar | poly_2bar | poly_8bar | trio_16bar | tiny_2bar ...")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                   help="resume from the last checkpoint if there is one (default: yes)")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--max-minutes", type=float, default=None, help="stop (and checkpoint) after this long")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    p.add_argument("--out", type=Path, default=None, help="where the best weights go (default models/<name>)")
    p.add_argument("--work-dir", type=Path, default=None, help="checkpoints and logs (default: user cache)")
    p.add_argument("--init-from", type=Path, default=None,
                   help="with no checkpoint to resume, start from these shipped weights (e.g. models/mel_2bar)")
    p.add_argument("--data", type=Path, default=None, metavar="FOLDER",
                   help="train on this folder of MIDI files instead of the built-in corpus (indexed once into "
                        "the window cache; see docs/TRAINING.md)")
    p.add_argument("--index-workers", type=int, default=None, metavar="N",
                   help="processes that index --data the first time (default: one per CPU)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("index", help="index a folder of MIDI files into the window cache for `train --data` "
                       "(parallel, with a progress bar; bad files are skipped and counted)")
    p.add_argument("folder", type=Path)
    p.add_argument("--config", required=True, help="the config it is for (its representation and window length)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per CPU)")
    p.add_argument("--rebuild", action="store_true", help="index again even if the cache is up to date")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("eval", help="reconstruction accuracy (teacher-forced and sampled) and KL")
    p.add_argument("--model", required=True, help="installed model name or a model folder")
    p.add_argument("--data", nargs="+", required=True,
                   help="MIDI files/folders, or a built-in split: test, valid, train")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--max-windows", type=int, default=None, help="evaluate at most this many windows")
    p.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    p.add_argument("--beam", type=int, default=8,
                   help="also measure search decoding (what the engine uses at temperature 0) with this "
                        "many beams (0: skip; default 8)")
    p.add_argument("--prior-samples", type=int, default=256,
                   help="also compare this many prior samples (temperature 0.5 and 1.0) with the data's "
                        "attributes (0: skip)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("attributes", help="compute a model's attribute vectors and principal directions "
                       "from the training split, and measure them on the test split")
    p.add_argument("--model", required=True)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--max-train-windows", type=int, default=30000)
    p.add_argument("--eval-windows", type=int, default=64, help="held-out windows for the monotonicity check")
    p.add_argument("--decoding", choices=["search", "greedy"], default="search",
                   help="how the check decodes the moved codes (default search, as the app and the verbs "
                        "decode at temperature 0; reports written before 2026-11-25 used greedy)")
    p.add_argument("--json", type=Path, default=None, help="write the evaluation report here")
    p.add_argument("--prior-only", action="store_true",
                   help="only (re)fit the prior that sampling draws from; keep the shipped attribute vectors")
    p.add_argument("--directions-only", action="store_true",
                   help="only (re)fit the slider directions Engine.shift moves along (model/directions.py), "
                        "from --direction-windows training windows; keep everything else")
    p.add_argument("--directions", default=None,
                   choices=["pure", "pure_data", "pure_decoder", "gram_schmidt", "project_off", "none"],
                   help="how the slider directions are made (none: sliders move along the attribute vectors; "
                        "default: as the model's attribute files already have them, else none; with "
                        "--directions-only: pure_data)")
    p.add_argument("--direction-windows", type=int, default=4000,
                   help="training windows the slider directions are fitted on (seeded as "
                        "scripts/latent_space_eval.py picks its training windows)")
    p.set_defaults(func=cmd_attributes)

    p = sub.add_parser("fit-kernel-prior", help="fit the kernel prior that Sample draws from (training "
                       "posterior means plus noise; model/kernel_prior.py); a few minutes on one CPU thread")
    p.add_argument("--model", required=True)
    p.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    p.add_argument("--train-windows", type=int, default=4000, help="training windows, the kernel's centres "
                   "(default 4000)")
    p.add_argument("--valid-windows", type=int, default=1000, help="validation windows that choose the "
                   "bandwidth (default 1000)")
    p.add_argument("--bandwidth", type=float, default=None, help="the bandwidth h (default: the best of "
                   "0.25-1.5 on the validation windows' log-likelihood)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_fit_kernel_prior)


def cmd_train(args: argparse.Namespace) -> int:
    from latentcomposer.model import distributed
    from latentcomposer.model.config import CONFIGS, ConfigError
    from latentcomposer.model.poly_train import POLY_CONFIGS, run_poly_training
    from latentcomposer.model.train import run_training

    if args.data is not None and args.config not in CONFIGS:
        raise UserError(f"--data is for the configs model/train.py trains ({', '.join(CONFIGS)}); "
                        f"{args.config} has its own trainer and data")
    if distributed.from_env().active and args.config not in CONFIGS:
        raise UserError(f"{args.config}'s trainer runs in one process; start it without torchrun")
    from latentcomposer.model.trio_config import TRIO_CONFIGS

    if args.config in TRIO_CONFIGS:  # melody + bass + accompaniment: its own trainer (model/trio_train.py)
        return _train_trio(args)
    if args.config in POLY_CONFIGS:  # the piano models have their own trainer (note-tree loss)
        from latentcomposer.model.train import pick_device

        try:
            poly = run_poly_training(args.config, resume=args.resume, max_steps=args.max_steps,
                                     max_minutes=args.max_minutes, threads=args.threads, out=args.out,
                                     work_dir=args.work_dir, init_from=args.init_from,
                                     device=str(pick_device(args.device)))
        except RuntimeError as exc:
            raise UserError(str(exc)) from None
        print(f"stopped at step {poly.step}; best validation note F1 {poly.best_valid:.4f} (step {poly.best_step})")
        return 0
    if args.data is not None and not args.data.is_dir():
        raise UserError(f"--data {args.data}: not a folder (give a folder of .mid files)")
    try:
        state = run_training(args.config, device=args.device, resume=args.resume, max_steps=args.max_steps,
                             max_minutes=args.max_minutes, threads=args.threads, out=args.out,
                             work_dir=args.work_dir, init_from=args.init_from, data=args.data,
                             index_workers=args.index_workers)
    except (ConfigError, RuntimeError) as exc:
        raise UserError(str(exc)) from None
    print(f"stopped at step {state.step}; best validation sampled accuracy {state.best_valid_sampled:.4f} "
          f"(step {state.best_step})")
    return 0


def _train_trio(args: argparse.Namespace) -> int:
    from latentcomposer.model.train import pick_device
    from latentcomposer.model.trio_train import run_trio_training

    try:
        device = pick_device(args.device)
        state = run_trio_training(args.config, resume=args.resume, max_steps=args.max_steps,
                                  max_minutes=args.max_minutes, threads=args.threads, out=args.out,
                                  work_dir=args.work_dir, device=str(device),
                                  init_from=args.init_from)
    except RuntimeError as exc:
        raise UserError(str(exc)) from None
    print(f"stopped at step {state.step}; best validation score {state.best_valid:.4f} (step {state.best_step})")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from latentcomposer.data.folder_index import ProgressBar, index_folder
    from latentcomposer.model.config import ConfigError, get_config

    try:
        cfg = get_config(args.config).model
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    if not args.folder.is_dir():
        raise UserError(f"{args.folder}: not a folder (give a folder of .mid files)")
    index = index_folder(args.folder, cfg.representation, cfg.n_bars, workers=args.workers, rebuild=args.rebuild,
                         progress=ProgressBar())
    print(index.summary())
    print(f"cache: {index.path}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import numpy as np

    from latentcomposer.model.analysis import prior_check, repetition_check
    from latentcomposer.model.checkpoint import CheckpointError
    from latentcomposer.model.engine import Engine, EngineError
    from latentcomposer.model.train import pick_device

    try:
        engine = Engine.load(args.model, device=pick_device(args.device), warmup=False)
    except (CheckpointError, EngineError, RuntimeError) as exc:
        raise UserError(str(exc)) from None
    model, cfg, device = engine.model, engine.cfg, engine.device  # model: a LatentModel (any architecture)
    skipped: dict[str, int] = {}
    aux = None
    if len(args.data) == 1 and args.data[0] in BUILTIN_SPLITS and not Path(args.data[0]).exists():
        ws = engine.codec.corpus_windows(args.data[0], cfg.n_bars)
        windows, aux, source = ws.tokens, ws.aux, ws.source
        skipped = {f"window {k}": v for k, v in ws.dropped.items() if v}
    else:
        from latentcomposer.data.codecs import file_windows

        missing = [p for p in args.data if not Path(p).exists()]
        if missing:
            raise UserError(f"no such file or folder: {missing[0]}")
        arrays, sk, used = file_windows(args.data, cfg.n_bars, engine.codec)
        windows = arrays["tokens"]
        aux = {k: v for k, v in arrays.items() if k != "tokens"} or None
        skipped = sk.as_dict()
        source = f"{used} MIDI file(s)"
    if args.max_windows and len(windows) > args.max_windows:
        sel = np.sort(np.random.default_rng(0).permutation(len(windows))[: args.max_windows])
        windows = windows[sel]
        aux = None if aux is None else {k: v[sel] for k, v in aux.items()}
    if len(windows) == 0:
        raise UserError(f"no {cfg.n_bars}-bar 4/4 {engine.codec.label.lower()} windows in the data "
                        f"({skipped or 'nothing found'})")
    if args.beam < 0:
        raise UserError("--beam must be 0 (skip) or more")
    res = model.evaluate(windows, device=device, aux=aux, search_beam=args.beam)
    res.skipped = skipped
    print(f"model {args.model} ({cfg.n_bars} bars) on {source}: {res.windows} windows")
    for line in res.lines():
        print(f"  {line}")
    if skipped:
        print("  skipped: " + ", ".join(f"{k}: {v}" for k, v in skipped.items()))
    figures = res.as_dict()
    if args.prior_samples > 0:
        prior = prior_check(engine, windows, n=args.prior_samples,
                            condition=None if aux is None or not engine.condition_dim else aux.get("condition"))
        figures["prior"] = prior
        _print_prior(prior)
    if engine.per_bar:
        rep = repetition_check(engine, windows)
        figures["repetition"] = rep.as_dict()
        print(f"  repeated bars: {rep.repeated_bars} in {rep.windows} windows; KL repeated {rep.kl_repeated:.2f} "
              f"vs first occurrence {rep.kl_first:.2f} vs other bars {rep.kl_other:.2f} nats; "
              f"repeats reproduced {rep.repeat_reproduced:.3f}, first occurrences {rep.first_reproduced:.3f}")
        _structure_figures(engine, windows, figures)
    if args.json:
        try:
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
        except OSError as exc:
            raise UserError(f"cannot write {args.json}: {exc.strerror}") from None
    sys.stdout.flush()
    return 0


def _structure_figures(engine: Any, windows: Any, figures: dict[str, Any]) -> None:
    """A per-bar model's structure prior (model/structure_prior.py) on the evaluated windows: the KL of
    exact repeats and first occurrences under it, and context transfer as a splice and as the engine
    does it (bars that refer to bar 1 follow the new bar 1)."""
    import numpy as np

    from latentcomposer.model import structure_prior
    from latentcomposer.model.analysis import transfer_check

    prior = engine.structure_prior
    if prior is None:
        print("  structure prior: none fitted to these weights (latentcomposer fit-structure-prior)")
        return
    cfg = engine.cfg
    silent = np.full((cfg.steps_per_bar, *engine.token_shape), engine.codec.silent_token).reshape(-1)
    rep = structure_prior.repeat_figures(windows, *structure_prior.posteriors(engine, windows), prior, silent)
    figures["structure"] = rep
    print(f"  under the structure prior: exact repeats {rep['kl_repeat']:.2f} nats vs first occurrences "
          f"{rep['kl_first']:.2f} ({rep['kl_repeat'] / rep['kl_first']:.1%}), other bars {rep['kl_other']:.2f}; "
          f"repeats read as references {rep['repeats_read_as_references']:.1%}, other bars "
          f"{rep['other_bars_read_as_references']:.1%}")
    try:
        splice, follow = transfer_check(engine, windows), transfer_check(engine, windows, structure=prior)
    except ValueError as exc:  # no window repeats its first bar
        print(f"  context transfer: {exc}")
        return
    figures["transfer"] = {"splice": splice.as_dict(), "structure": follow.as_dict()}
    for label, r in (("as a splice", splice), ("following the structure", follow)):
        print(f"  context transfer {label}: {r.pairs} pairs, {r.recurrences} recurrences of bar 1: follows the "
              f"new bar {r.follows_new:.3f}, keeps the old {r.keeps_old:.3f}; bars unlike bar 1 kept "
              f"{r.others_kept:.3f}")


def _temp_label(key: str) -> str:
    """'0.5' -> 't=0.5', 'fitted 0.5' -> 'fitted t=0.5' (the prior check's keys)."""
    head, _, t = key.rpartition(" ")
    return f"{head} t={t}".strip()


def _print_prior(prior: dict[str, Any]) -> None:
    """The prior check as a table: one row per attribute, data then each temperature."""
    temps = list(prior["prior"])
    print(f"  prior samples ({prior['samples']} per temperature) vs the data, attribute means:")
    print("    (z ~ N(0, I) at each temperature t" + ("; 'fitted' / 'kernel': the model's fitted / kernel prior)"
                                                       if len(temps) > 2 else ")"))
    print("    " + f"{'':<18}{'data':>9}" + "".join(f"{_temp_label(t):>15}" for t in temps))
    for name, value in prior["data"].items():
        print("    " + f"{name:<18}{value:>9.3f}" + "".join(f"{prior['prior'][t][name]:>15.3f}" for t in temps))


def _directions_only(eng: Any, args: argparse.Namespace) -> int:
    """``attributes --directions-only``: fit the slider directions and add them to the attribute files."""
    import numpy as np

    from latentcomposer.data.codec_base import measure_table
    from latentcomposer.model.attributes import encode_means, slider_directions, update_directions

    if eng.attributes is None:
        raise UserError(f"{eng.folder} has no attribute files yet: run without --directions-only first")
    if args.directions == "none":
        raise UserError("--directions-only needs a direction method (not none)")
    method = args.directions or "pure_data"
    train, cond = _windows(eng, "train")
    sel = np.sort(np.random.default_rng(1).permutation(len(train))[: args.direction_windows])
    train, cond = train[sel], None if cond is None else cond[sel]
    print(f"fitting {method} slider directions on {len(train)} training windows ...")
    attrs = measure_table(eng.codec.attributes(), train)
    directions, info = slider_directions(encode_means(eng, train, condition=cond),
                                         {n: attrs[n] for n in eng.attributes.names},
                                         eng.attributes.vectors, method, eng)
    update_directions(eng.folder, directions, info)
    print(f"predicted side effect / own change: {info['predicted_side_over_own']}")
    return 0


def _windows(eng: Any, split: str) -> tuple[Any, Any]:
    """A split's windows of the engine's kind: (tokens [N, T] int64, their condition [N, T, Cs] -- a
    chord-conditioned model's chords -- or None)."""
    import numpy as np

    ws = eng.codec.corpus_windows(split, eng.cfg.n_bars)
    cond = ws.arrays.get("condition") if eng.condition_dim else None
    return ws.tokens.astype(np.int64), None if cond is None else np.asarray(cond, np.float32)


def cmd_attributes(args: argparse.Namespace) -> int:
    import numpy as np

    from latentcomposer.model.attributes import (
        compute_attributes,
        evaluate_attributes,
        fit_posterior_prior,
        save_attributes,
        update_prior,
    )
    from latentcomposer.model.checkpoint import CheckpointError
    from latentcomposer.model.engine import Engine, EngineError, load_attributes

    try:
        eng = Engine.load(args.model, device=args.device, warmup=False, decoding=args.decoding)
    except (CheckpointError, EngineError) as exc:
        raise UserError(str(exc)) from None
    assert eng.folder is not None
    train, train_cond = _windows(eng, "train")
    test, test_cond = _windows(eng, "test")
    rng = np.random.default_rng(0)
    sel = np.sort(rng.permutation(len(train))[: args.max_train_windows])
    train, train_cond = train[sel], None if train_cond is None else train_cond[sel]
    if args.prior_only:
        if eng.attributes is None:
            raise UserError(f"{eng.folder} has no attribute files yet: run without --prior-only first")
        print(f"fitting the prior to {len(train)} training windows' posteriors ...")
        update_prior(eng.folder, fit_posterior_prior(eng, train, condition=train_cond))
        return 0
    if args.directions_only:
        return _directions_only(eng, args)
    print(f"computing attribute vectors from {len(train)} training windows ...")
    kept = (eng.attributes.directions_info or {}).get("method") if eng.attributes is not None else None
    method = args.directions or kept
    if method and method != "none":
        print(f"  with {method} slider directions (model/directions.py)")
    result = compute_attributes(eng, train, directions=None if method in (None, "none") else method,
                                condition=train_cond)
    save_attributes(eng.folder, result, eng.codec.attributes(), {"train_windows": int(len(train))})
    eng.attributes = load_attributes(eng.folder)
    sel = np.sort(rng.permutation(len(test))[: args.eval_windows])
    test, test_cond = test[sel], None if test_cond is None else test_cond[sel]
    report = evaluate_attributes(eng, test, condition=test_cond)
    print(f"attribute vectors on {len(test)} test windows (9 steps, amount -2..+2):")
    print(f"  {'attribute':<12} {'spearman':>8} {'changed':>8} {'change@+1':>10} {'side |rho|':>10}")
    for name, r in report.items():
        print(f"  {name:<12} {r['spearman']:>8.3f} {r['changed_share']:>8.0%} {r['change_at_plus1_pct']:>9.1f}% "
              f"{r['mean_abs_side_spearman']:>10.3f}")
    if args.json:
        args.json.write_text(json.dumps({"test_windows": int(len(test)), "decoding": eng.decoding,
                                         "beam": eng.beam if eng.decoding == "search" else 1, "report": report},
                                        indent=2) + "\n")
    return 0


def cmd_fit_kernel_prior(args: argparse.Namespace) -> int:
    from latentcomposer.model.checkpoint import CheckpointError
    from latentcomposer.model.engine import Engine, EngineError
    from latentcomposer.model.kernel_prior import fit_for_engine
    from latentcomposer.model.threads import limit_cpu_threads

    limit_cpu_threads(1)
    try:
        eng = Engine.load(args.model, device=args.device, warmup=False, decoding="greedy")
    except (CheckpointError, EngineError) as exc:
        raise UserError(str(exc)) from None
    if args.train_windows < 2 or args.valid_windows < 1:
        raise UserError("--train-windows must be at least 2 and --valid-windows at least 1")
    fig = fit_for_engine(eng, args.train_windows, args.valid_windows, h=args.bandwidth, seed=args.seed)
    lls = ", ".join(f"h={k}: {v:.1f}" for k, v in fig["valid_loglik"].items())
    print(f"kernel prior of {eng.name}: {fig['train_windows']} training windows; validation log-likelihood "
          f"per window {lls}; chose h = {fig['h']:g}; wrote {eng.folder}/kernel_prior.safetensors")
    return 0
