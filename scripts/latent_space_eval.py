"""Issue 26's latent-space figures of one model, on the test split: sliders, prior samples, interpolation.

    nice -n 10 .venv/bin/python scripts/latent_space_eval.py --model mel_2bar --json /tmp/ls_mel_2bar.json
    .venv/bin/python scripts/latent_space_eval.py --markdown /tmp/ls_*.json      # the tables, from JSONs

Every window comes from the test split (no training run reads it), through the corpus' own split
(``MelodyCorpus.windows("test", ...)``, the function ``codec.corpus_windows`` calls), chosen with
``--seed``; the attributes are the codec's table (``data/attributes.py``), their training stds from
``--train-windows`` seeded training windows. The pure figures are ``model/latent_figures.py``.

1. **Sliders** (every attribute slider the panel offers): ``--windows`` test windows are encoded
   (posterior means), moved by ``--amounts`` evenly spaced amounts over the slider's travel (read from
   the model's ``slider_units.json`` as the panel does, else -3..+3; 0 always included) with
   ``Engine.shift`` -- the attribute vectors, or the model's AR dims -- decoded greedily (as
   ``scripts/slider_units.py``), and every attribute measured. Spearman of the moved attribute's
   median against the amount (target >= 0.95; also the mean per-window rho), and each other attribute's
   side effect: the span of its median over the travel in training stds (target < 0.1).
   ``--directions``: which slider directions move z -- ``shipped`` (what ``Engine.shift`` uses: the
   attribute files' slider directions, else the vectors), ``vectors`` (the difference-of-means vectors)
   or a method of ``model/directions.py`` fitted on the ``--train-windows`` training windows
   (``pure_data`` is what ships); several sets are measured one after the other over the same travel.
2. **Prior samples** (``--samples`` per prior and temperature; ``model.analysis.prior_check``, what
   ``latentcomposer eval`` prints): N(0, I), the fitted prior (what Sample uses) and, for a per-bar model
   with one, the bar prior; decoded at temperature 0.5 and 1.0; against all test windows. Share in
   one key (>= 90 % of notes in one major scale; target >= 0.90), syncopation and rests (target:
   within 0.05 of the data), mean interval, density, range.
3. **Interpolation** (``--pairs`` pairs of windows of distinct test tunes, one window per tune):
   ``Engine.interpolate`` with ``--steps`` steps (slerp, temperature 0), greedy and search decoding
   (``--interp-decoding``). A pair is monotonic when no step is nearer to step 0 (A as reconstructed)
   than the step before it; distance = share of 16th steps whose token differs (also reported: the same
   allowing a step back of up to 5 % of the 16ths; the Euclidean distance of the attribute vectors in
   training stds; the distance of the steps' re-encoded posterior means from A's). Target >= 90 % of
   pairs. In-key share (mean ``in-key`` attribute) of the middle steps against the two ends (target:
   within 0.01).

One thread (torch and BLAS), niced; deterministic for a seed. Prints progress and timing. Run times on
the busy 2-core machine (2026-11-30, two trainings beside it): mel_2bar 4 min (256 slider windows),
tvae_16bar and mel_16bar 12 min each (64 slider windows; search-decoded interpolation is 6-7 of them).
The corpus cache is read from ``$LATENTCOMPOSER_DATA`` / ``../shared/data`` like every other command.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # scripts/: slider_units.py

from slider_units import pick  # noqa: E402

from latentcomposer.model.directions import METHODS as DIRECTION_METHODS  # noqa: E402

TEMPERATURES = (0.5, 1.0)
GAP_ATTRS = ("syncopation", "rests")  # target: within 0.05 of the data
SHOWN_ATTRS = ("interval", "density", "range")  # no target: shown against the data
TOLERANCE = 0.05  # second monotonicity figure: a step may come this much nearer A (share of 16ths)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def test_windows(n_bars: int) -> tuple[np.ndarray, np.ndarray]:
    """Test windows (hop one bar) and the corpus index of each window's tune."""
    from latentcomposer.data.dataset import melody_corpus

    wins, owner, _ = melody_corpus().windows("test", n_bars, 1)
    return wins.astype(np.int64), owner


def measure(table: dict[str, Any], tokens: np.ndarray) -> dict[str, np.ndarray]:
    from latentcomposer.data.codec_base import measure_table

    return {k: v.astype(np.float64) for k, v in measure_table(table, tokens).items()}


def slider_travel(eng: Any, name: str) -> tuple[float, float, str]:
    """The slider's travel as the panel offers it (its calibration, when one matches the weights)."""
    from latentcomposer.app.latent.info import SLIDER_RANGE
    from latentcomposer.app.latent.units import read_slider_units

    units = read_slider_units(eng.folder, [name])
    if name in units:
        lo, hi = units[name].travel
        return float(lo), float(hi), "slider_units.json"
    return -SLIDER_RANGE, SLIDER_RANGE, "full range (no calibration)"


def sliders(eng: Any, windows: np.ndarray, std: dict[str, float], n_amounts: int) -> dict[str, Any]:
    from latentcomposer.model.latent_figures import slider_figures
    from latentcomposer.model.slider_units import DECODE_BATCH

    table = eng.codec.attributes()
    names = [n for n in (eng.attribute_names() or list(eng.ar_dims)) if n in table]
    mu = eng.encode_tokens(windows)[0].cpu().numpy()
    out: dict[str, Any] = {}
    for name in names:
        t0 = time.perf_counter()
        lo, hi, source = slider_travel(eng, name)
        amounts = np.unique(np.concatenate([np.linspace(lo, hi, n_amounts), [0.0]]))
        zs = np.concatenate([eng.shift(mu, name, float(a)) for a in amounts])
        toks = np.concatenate([eng.decode_full(zs[i:i + DECODE_BATCH], 0.0, decoding="greedy")[0]
                               for i in range(0, len(zs), DECODE_BATCH)])
        values = {k: v.reshape(len(amounts), len(windows)) for k, v in measure(table, toks).items()}
        fig = slider_figures(amounts, values, name, std)
        fig["travel"] = [lo, hi]
        fig["travel_source"] = source
        shipped = eng.attributes is not None and eng.attributes.directions is not None
        fig["moves"] = (f"AR dim {eng.ar_dims[name]}" if name in eng.ar_dims
                        else "slider direction" if shipped else "attribute vector")
        out[name] = fig
        log(f"  slider {name:<12} rho {fig['spearman']}  per-window {fig['spearman_per_window']}  "
            f"worst side {fig['worst_side']} {fig['worst_side_sigma']} sigma  ({time.perf_counter() - t0:.0f} s)")
    return out


def direction_sets(eng: Any, wanted: list[str], train: np.ndarray) -> dict[str, Any]:
    """{name: the engine's attributes with that set of slider directions} for ``--directions``:
    ``shipped`` (what the attribute files give ``Engine.shift``), ``vectors`` (the difference-of-means
    vectors alone) or a method of model/directions.py fitted on ``train``'s posterior means."""
    import dataclasses

    from latentcomposer.model.attributes import encode_means, slider_directions

    base = eng.attributes
    if base is None:
        return {"shipped": None}
    sets: dict[str, Any] = {}
    mu = attrs = None
    for name in wanted:
        if name == "shipped":
            sets[name] = base
        elif name == "vectors":
            sets[name] = dataclasses.replace(base, directions=None, directions_info=None)
        else:
            if mu is None:
                t0 = time.perf_counter()
                mu = encode_means(eng, train)
                attrs = measure(eng.codec.attributes(), train)
                log(f"  encoded {len(train)} training windows for the directions ({time.perf_counter() - t0:.0f} s)")
            assert attrs is not None
            d, info = slider_directions(mu, {k: attrs[k] for k in base.names}, base.vectors, name, eng)
            log(f"  {name}: predicted side / own {info['predicted_side_over_own']}")
            sets[name] = dataclasses.replace(base, directions=d, directions_info=info)
    return sets


def slider_docs(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, sliders block) of a JSON document: one per direction set (``--directions``)."""
    if "sliders_by_directions" in doc:
        return [(f"{doc['model']} [{k}]", v) for k, v in doc["sliders_by_directions"].items()]
    return [(doc["model"], doc["sliders"])] if "sliders" in doc else []


def priors(eng: Any, data: np.ndarray, n: int, seed: int) -> dict[str, Any]:
    """``model.analysis.prior_check`` (N(0, I) and the fitted prior), plus the bar prior if the model has one."""
    from latentcomposer.model.analysis import _summary, prior_check

    res = prior_check(eng, data, n, TEMPERATURES, seed)
    found = {"standard": {}, "fitted": {}, "kernel": {}}  # type: dict[str, dict[str, Any]]
    for key, summary in res["prior"].items():
        which, t = key.split() if " " in key else ("standard", key)
        found[which][t] = summary
    if getattr(eng, "per_bar", False) and eng.bar_prior is not None:
        z = eng.sample_z(n, seed, "bar")
        found["bar"] = {f"{t:g}": _summary(eng.decode_tokens(z, temperature=t, seed=seed), eng.codec)
                        for t in TEMPERATURES}
    return {"samples": n, "temperatures": list(TEMPERATURES), "data": res["data"],
            "priors": {k: v for k, v in found.items() if v}}


def pairs_of_tunes(windows: np.ndarray, owner: np.ndarray, n_pairs: int, seed: int) -> list[tuple[int, int]]:
    """``n_pairs`` pairs of window indices, each window from a different test tune (seeded)."""
    rng = np.random.default_rng(seed)
    tunes = np.unique(owner)
    if len(tunes) < 2:
        raise SystemExit("fewer than two test tunes")
    chosen = rng.permutation(tunes)[: 2 * n_pairs]
    if len(chosen) < 2 * n_pairs:  # too few tunes: draw pairs of distinct tunes with repetition
        chosen = np.concatenate([rng.permutation(tunes) for _ in range(-(-2 * n_pairs // len(tunes)))])
        chosen = chosen[: 2 * n_pairs]
    picks = [int(rng.choice(np.flatnonzero(owner == t))) for t in chosen]
    return [(picks[2 * k], picks[2 * k + 1]) for k in range(n_pairs)]


def clip_tokens(eng: Any, clip: Any) -> np.ndarray:
    """A decoded clip's tokens, padded with rests to the model's window."""
    toks = eng.codec.encode(clip).tokens
    out = np.full(eng.cfg.n_steps, eng.codec.silent_token, np.int64)
    out[: min(len(toks), len(out))] = toks[: len(out)]
    return out


def interpolation(eng: Any, windows: np.ndarray, owner: np.ndarray, n_pairs: int, steps: int, seed: int,
                  decodings: list[str], std: dict[str, float]) -> dict[str, Any]:
    from latentcomposer.model.latent_figures import (
        attribute_distance,
        is_monotonic,
        middle_vs_ends,
        reversals,
        token_distance,
    )

    table = eng.codec.attributes()
    names = list(table)
    sd = np.array([std[k] for k in names])
    pairs = pairs_of_tunes(windows, owner, n_pairs, seed)
    clips = [(eng.codec.decode(windows[i], None, None, None, f"test {i}"),
              eng.codec.decode(windows[j], None, None, None, f"test {j}")) for i, j in pairs]
    originals = measure(table, windows[[i for p in pairs for i in p]])["in-key"]
    out: dict[str, Any] = {"pairs": len(pairs), "steps": steps, "method": "slerp", "temperature": 0.0,
                           "originals_in_key": round(float(originals.mean()), 4)}
    for decoding in decodings:
        t0 = time.perf_counter()
        tok_mono, tok_tol, att_mono, lat_mono, tok_rev, in_key, one_key = [], [], [], [], [], [], []
        for a, b in clips:
            gen = eng.interpolate(a, b, steps=steps, method="slerp", temperature=0.0, seed=seed, decoding=decoding)
            toks = np.stack([clip_tokens(eng, c) for c in gen.clips])
            vals = measure(table, toks)
            att = np.stack([vals[k] for k in names], axis=1)
            d_tok = token_distance(toks, toks[0])
            tok_mono.append(is_monotonic(d_tok))
            tok_tol.append(is_monotonic(d_tok, TOLERANCE))
            tok_rev.append(reversals(d_tok))
            att_mono.append(is_monotonic(attribute_distance(att, att[0], sd)))
            mu = eng.encode_tokens(toks)[0].cpu().numpy()  # the steps as the model reads them back
            lat_mono.append(is_monotonic(np.linalg.norm(mu - mu[0], axis=1)))
            in_key.append(vals["in-key"])
            one_key.append(vals["in-key"] >= 0.9)
        mid, ends = middle_vs_ends(np.stack(in_key))
        mid1, ends1 = middle_vs_ends(np.stack(one_key).astype(np.float64))
        out[decoding] = {"monotonic_tokens": round(float(np.mean(tok_mono)), 4),
                         "monotonic_tokens_tolerant": round(float(np.mean(tok_tol)), 4),
                         "monotonic_attributes": round(float(np.mean(att_mono)), 4),
                         "monotonic_reencoded": round(float(np.mean(lat_mono)), 4),
                         "mean_reversals_tokens": round(float(np.mean(tok_rev)), 3),
                         "in_key_middle": round(mid, 4), "in_key_ends": round(ends, 4),
                         "in_key_gap": round(mid - ends, 4),
                         "one_key_middle": round(mid1, 4), "one_key_ends": round(ends1, 4),
                         "seconds": round(time.perf_counter() - t0, 1)}
        log(f"  interpolation ({decoding}): {out[decoding]}")
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from latentcomposer.model.engine import Engine

    torch.set_num_threads(1)
    from latentcomposer.model.threads import limit_cpu_threads

    limit_cpu_threads(1)
    t_start = time.perf_counter()
    eng = Engine.load(args.model, device="cpu", warmup=False, decoding="greedy")
    if eng.codec.name != "melody":
        raise SystemExit(f"{eng.name} is a {eng.codec.label.lower()} model; this script measures melody models")
    n_bars = eng.cfg.n_bars
    test, owner = test_windows(n_bars)
    train = eng.codec.corpus_windows("train", n_bars).tokens.astype(np.int64)
    train = pick(train, args.train_windows, args.seed + 1)
    table = eng.codec.attributes()
    std = {k: float(v.std()) for k, v in measure(table, train).items()}
    log(f"{eng.name}: {len(test)} test windows of {len(np.unique(owner))} tunes; training stds from "
        f"{len(train)} windows: " + ", ".join(f"{k} {v:.3f}" for k, v in std.items()))
    doc: dict[str, Any] = {"model": eng.name, "seed": args.seed, "split": "test", "test_windows": int(len(test)),
                           "test_tunes": int(len(np.unique(owner))), "train_windows_for_std": int(len(train)),
                           "train_std": {k: round(v, 4) for k, v in std.items()}, "ar_dims": eng.ar_dims,
                           "seconds": {}}
    if "sliders" in args.parts:
        t0 = time.perf_counter()
        moved = pick(test, args.windows, args.seed)
        shipped = eng.attributes
        by_set = {}
        for name, attributes in direction_sets(eng, args.directions, train).items():
            eng.attributes = attributes
            log(f"sliders, directions: {name}")
            by_set[name] = {"windows": int(len(moved)), "amounts": args.amounts, "decoding": "greedy",
                            "directions": name,
                            "directions_info": None if attributes is None else attributes.directions_info,
                            "figures": sliders(eng, moved, std, args.amounts)}
        eng.attributes = shipped
        if list(by_set) == ["shipped"]:
            doc["sliders"] = by_set["shipped"]
        else:
            doc["sliders_by_directions"] = by_set
        doc["seconds"]["sliders"] = round(time.perf_counter() - t0, 1)
    if "priors" in args.parts:
        t0 = time.perf_counter()
        doc["priors"] = priors(eng, test, args.samples, args.seed)
        doc["seconds"]["priors"] = round(time.perf_counter() - t0, 1)
        for which, by_t in doc["priors"]["priors"].items():
            for t, s in by_t.items():
                log(f"  prior {which} t={t}: one key {s['share in one key']:.2f}, syncopation "
                    f"{s['syncopation']:.3f}, rests {s['rests']:.3f}, interval {s['interval']:.2f}")
    if "interpolation" in args.parts:
        t0 = time.perf_counter()
        doc["interpolation"] = interpolation(eng, test, owner, args.pairs, args.steps, args.seed + 2,
                                             args.interp_decoding, std)
        doc["seconds"]["interpolation"] = round(time.perf_counter() - t0, 1)
    doc["seconds"]["total"] = round(time.perf_counter() - t_start, 1)
    log(f"done in {doc['seconds']['total']:.0f} s")
    return doc


# --- tables ---------------------------------------------------------------------------------------
def _f(v: Any, nd: int = 2) -> str:
    return "-" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{nd}f}"


def _pct(v: Any) -> str:
    return "-" if v is None else f"{v:.0%}"


def _slider_rows(d: dict[str, Any], label: str, block: dict[str, Any], attrs: list[str]) -> list[str]:
    """The slider table's rows of one direction set of one model."""
    from latentcomposer.model import latent_figures as lf

    out = []
    for name, f in block.get("figures", {}).items():
        rho_ok = (lf.verdict(f["spearman"], lf.SPEARMAN_TARGET, "min") if f["spearman"] is not None
                  else "missed (flat)")
        side_ok = (lf.verdict(f["worst_side_sigma"], lf.SIDE_EFFECT_TARGET, "max") if f["spearman"] is not None
                   else "- (moves nothing)")
        sides = " | ".join("·" if a == name else _f(f["side_effects"].get(a)) for a in attrs)
        moves = "" if f["moves"] in ("attribute vector", "slider direction") else f" ({f['moves']})"
        own = lf.side_effect(np.asarray(f["medians"][name]), d["train_std"][name])
        out.append(f"| {label} | {name}{moves} | {f['travel'][0]:+.2f} .. {f['travel'][1]:+.2f} | "
                   f"{_f(own)} | {_f(f['spearman'])} ({_f(f['spearman_per_window'])}) | {rho_ok} | {sides} | "
                   f"{f['worst_side']} {_f(f['worst_side_sigma'])} | "
                   f"{side_ok} |")
    return out


def markdown(docs: list[dict[str, Any]]) -> list[str]:
    """The three tables (model rows, target column, met / missed) from the JSON documents."""
    from latentcomposer.model import latent_figures as lf

    attrs = next((list(f["side_effects"]) + [n] for d in docs for _, block in slider_docs(d)
                  for n, f in block.get("figures", {}).items()), [])
    attrs = sorted(set(attrs), key=lambda a: (GAP_ATTRS + SHOWN_ATTRS + ("register", "in-key")).index(a)
                   if a in GAP_ATTRS + SHOWN_ATTRS + ("register", "in-key") else 99)
    out = ["Sliders (test windows moved over the slider's travel, greedy decodes): Spearman of the moved "
           "attribute's median against the amount (mean per-window rho in brackets) and the span of that median "
           "over the travel in training stds (own span); side effects: the span of each other attribute's "
           "median over the travel, training stds (the moved attribute: ·):", "",
           "| model | slider | travel | own span (sigma) | Spearman (per window) | target >= 0.95 | "
           + " | ".join(attrs) + " | worst | target < 0.1 sigma |",
           "| --- | --- | --- | --- | --- | --- | " + "--- | " * len(attrs) + "--- | --- |"]
    for d in docs:
        for label, block in slider_docs(d):
            out += _slider_rows(d, label, block, attrs)
    out += ["", "Prior samples (z from the prior, decoded at temperature t) against the test windows: share in "
            "one key; syncopation and rests with the gap to the data's mean in brackets:", "",
            "| model | prior | t | in one key | target >= 0.90 | syncopation | target within 0.05 | rests | "
            "target within 0.05 | interval | density | range |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for d in docs:
        p = d.get("priors")
        if not p:
            continue
        data = p["data"]
        out.append(f"| {d['model']} | test data | - | {_f(data['share in one key'])} | - | "
                   f"{_f(data['syncopation'], 3)} | - | {_f(data['rests'], 3)} | - | {_f(data['interval'])} | "
                   f"{_f(data['density'])} | {_f(data['range'], 1)} |")
        label = {"standard": "N(0, I)", "fitted": "fitted", "kernel": "kernel", "bar": "bar prior"}
        for which, by_t in p["priors"].items():
            for t, s in by_t.items():
                gaps = " | ".join(f"{_f(s[k], 3)} ({s[k] - data[k]:+.3f}) | "
                                  f"{lf.verdict(s[k] - data[k], lf.DATA_GAP_TARGET, 'gap')}" for k in GAP_ATTRS)
                out.append(f"| {d['model']} | {label.get(which, which)} | {t} | {_f(s['share in one key'])} | "
                           f"{lf.verdict(s['share in one key'], lf.ONE_KEY_TARGET, 'min')} | {gaps} | "
                           f"{_f(s['interval'])} | {_f(s['density'])} | {_f(s['range'], 1)} |")
    out += ["", "Interpolation (pairs of distinct test tunes, slerp, temperature 0): share of pairs whose "
            "steps are monotonic in token distance from A (no step nearer A than the step before; then the same "
            f"allowing a step back of up to {TOLERANCE:g} of the 16ths; with the attribute distance in training "
            "stds; with the distance of the steps' re-encoded posterior means from A's); in-key share (mean "
            "in-key attribute) of the middle steps against the two ends:", "",
            "| model | pairs x steps | decoding | monotonic, tokens (tolerant / attr. / re-encoded) | target >= 90 % | "
            "in-key middle / ends | "
            "gap | target within 0.01 |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for d in docs:
        ip = d.get("interpolation")
        if not ip:
            continue
        for decoding in ("greedy", "search"):
            if decoding not in ip:
                continue
            r = ip[decoding]
            out.append(f"| {d['model']} | {ip['pairs']} x {ip['steps']} | {decoding} | {_pct(r['monotonic_tokens'])} "
                       f"({_pct(r.get('monotonic_tokens_tolerant'))} / {_pct(r['monotonic_attributes'])} / "
                       f"{_pct(r.get('monotonic_reencoded'))}) | "
                       f"{lf.verdict(r['monotonic_tokens'], lf.MONOTONIC_TARGET, 'min')} | "
                       f"{r['in_key_middle']:.3f} / {r['in_key_ends']:.3f} | {r['in_key_gap']:+.3f} | "
                       f"{lf.verdict(r['in_key_gap'], lf.IN_KEY_GAP_TARGET, 'gap')} |")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--model", help="model name (models/NAME) or folder")
    ap.add_argument("--windows", type=int, default=48, help="test windows moved along each slider")
    ap.add_argument("--amounts", type=int, default=7, help="slider amounts over the travel (0 is added)")
    ap.add_argument("--samples", type=int, default=256, help="prior samples per prior and temperature")
    ap.add_argument("--pairs", type=int, default=50, help="interpolation pairs of distinct test tunes")
    ap.add_argument("--steps", type=int, default=11, help="interpolation steps, both ends included")
    ap.add_argument("--interp-decoding", nargs="+", default=["greedy", "search"], choices=["greedy", "search"])
    ap.add_argument("--train-windows", type=int, default=4000, help="training windows for the attribute stds")
    ap.add_argument("--parts", nargs="+", default=["sliders", "priors", "interpolation"],
                    choices=["sliders", "priors", "interpolation"])
    ap.add_argument("--directions", nargs="+", default=["shipped"],
                    choices=["shipped", "vectors", *DIRECTION_METHODS],
                    help="slider direction sets to measure: shipped (what Engine.shift uses), vectors (the "
                         "difference-of-means attribute vectors) or a model/directions.py method fitted on the "
                         "--train-windows training windows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--markdown", nargs="+", type=Path, help="print the tables of these JSON files and exit")
    args = ap.parse_args(argv)
    if args.markdown:
        print("\n".join(markdown([json.loads(p.read_text(encoding="utf-8")) for p in args.markdown])))
        return 0
    if not args.model:
        ap.error("--model is required (or --markdown)")
    try:
        os.nice(10)
    except OSError:
        pass
    doc = run(args)
    doc["args"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "markdown"}
    if args.json:
        args.json.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
