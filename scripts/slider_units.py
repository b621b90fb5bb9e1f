"""Calibrate a model's attribute sliders in musical units and write ``models/NAME/slider_units.json``.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python scripts/slider_units.py --model mel_2bar

For every attribute slider whose definition has a musical unit (notes a bar, semitones, pitch, share):
a fixed seeded set of validation windows (``--windows``, 64; never the test split) is encoded, moved by
each slider amount (``--amounts`` evenly over the slider's travel, -3 .. +3), decoded greedily, and the
attribute measured; the median per amount is stored with the training data's 5th-95th percentile
(``--train-windows`` seeded training windows) and Spearman's rho of the medians against the amount
(below 0.9: "not monotonic", the slider's labels say "approximate"). The slider panel reads the file
(latentcomposer/app/latent/units.py). ``--midi FILE_OR_FOLDER``: windows from MIDI files instead of the
built-in corpus (both roles; for tests and personal models). Prints the table and the timing, and puts
the table into the model card's "Slider units" section (``--no-card``: not; ``--card-only``: only that,
from the JSON already written).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

CARD_HEADING = "## Slider units"
TABLE_AMOUNTS = (-2.5, 0.0, 2.5)


def cell(value: float, unit: dict[str, str]) -> str:
    """A table cell: the number and, where it helps, its name ("9 (a 6th)", "70.9 (B4)", "12 %")."""
    from latentcomposer.core.music_words import Unit, describe

    u = Unit.from_dict(unit)
    if u.kind in ("span", "pitch"):
        return f"{value:.1f} ({describe(value, u, short=True)})"
    if u.kind == "motion":
        return f"{value:.1f} ({describe(value, u, short=True)})"
    return describe(value, u, short=True)


def card_section(doc: dict[str, Any]) -> list[str]:
    """The model card's "Slider units" section (markdown lines) from a slider_units.json document."""
    amounts = np.asarray(doc["amounts"], float)
    attrs = doc["attributes"]
    flat = [n for n, a in attrs.items() if not a["monotonic"]]
    lines = [CARD_HEADING, "",
             f"What each attribute slider does in musical units (`scripts/slider_units.py`; the slider panel "
             f"shows it): {doc['windows']} seeded validation windows moved to each slider position, decoded "
             "greedily, the attribute measured; the median at -2.5 / 0 / +2.5, the training windows' 5th-95th "
             "percentile, Spearman's rho of the median against the position, and the slider's travel (the "
             "positions whose median stays inside the data's range). Not monotonic (rho < 0.9; the panel "
             f"labels them \"approximate\"): {', '.join(flat) or 'none'}.", "",
             "| attribute | -2.5 | 0 | +2.5 | data 5-95 % | Spearman | monotonic | travel |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, a in attrs.items():
        med = np.asarray(a["medians"], float)
        u = a["unit"]
        what = {"rate": f"{u.get('noun')} a {u.get('per')}", "span": "semitones", "pitch": "MIDI pitch",
                "motion": "mean semitones", "share": "share"}.get(u["kind"], "")
        vals = [cell(float(np.interp(x, amounts, med)), a["unit"]) for x in TABLE_AMOUNTS]
        rho = "-" if a["spearman"] is None else f"{a['spearman']:+.2f}"
        data = f"{cell(a['data_p5'], a['unit'])} - {cell(a['data_p95'], a['unit'])}"
        lines.append(f"| {name} ({what}) | {' | '.join(vals)} | {data} | {rho} | {'yes' if a['monotonic'] else 'no'} | "
                     f"{a['travel'][0]:+.2f} .. {a['travel'][1]:+.2f} |")
    return lines + [""]


def update_card(folder: Path, doc: dict[str, Any]) -> bool:
    """Put the section into ``folder/MODEL_CARD.md`` (replacing an older one; else before "Status and
    known limits" or "Licence", else at the end). False when there is no card."""
    path = folder / "MODEL_CARD.md"
    if not path.exists():
        return False
    lines = path.read_text(encoding="utf-8").split("\n")
    section = card_section(doc)
    if CARD_HEADING in lines:
        start = lines.index(CARD_HEADING)
        end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith("## ")), len(lines))
        lines[start:end] = section
    else:
        at = next((k for k, line in enumerate(lines) if line in ("## Status and known limits", "## Licence")),
                  len(lines))
        lines[at:at] = section
    path.write_text("\n".join(lines), encoding="utf-8")
    return True


def pick(windows: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` windows chosen with ``seed`` (in their original order)."""
    idx = np.sort(np.random.default_rng(seed).permutation(len(windows))[:n])
    return windows[idx]


def main(argv: list[str] | None = None) -> int:
    from latentcomposer.app.latent.info import SLIDER_RANGE

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="model name (models/NAME) or folder")
    ap.add_argument("--windows", type=int, default=64, help="validation windows to move and decode")
    ap.add_argument("--amounts", type=int, default=13, help=f"slider amounts over -{SLIDER_RANGE:g}..+{SLIDER_RANGE:g}")
    ap.add_argument("--train-windows", type=int, default=4000, help="training windows for the data's percentiles")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--midi", nargs="*", default=None, help="windows from these MIDI files/folders instead")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--card", action=argparse.BooleanOptionalAction, default=True,
                    help="put the table into the model's MODEL_CARD.md (--no-card: leave the card alone)")
    ap.add_argument("--card-only", action="store_true", help="only rewrite the card's section from the JSON")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    import torch

    from latentcomposer.app.latent.units import FILE, FORMAT, file_digests
    from latentcomposer.data.codecs import file_windows
    from latentcomposer.model.engine import Engine
    from latentcomposer.model.slider_units import MONOTONIC_RHO, calibrate

    if args.card_only:
        from latentcomposer.model.registry import resolve_model_dir

        folder = resolve_model_dir(args.model)
        return 0 if update_card(folder, json.loads((folder / FILE).read_text(encoding="utf-8"))) else 1
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    eng = Engine.load(args.model, device="cpu", warmup=False, decoding="greedy")
    assert eng.folder is not None
    n_bars = eng.cfg.n_bars
    if args.midi:
        arrays, _, used = file_windows(args.midi, n_bars, eng.codec)
        valid = train = np.asarray(arrays["tokens"], np.int64)
        source = f"{len(valid)} windows of {used} MIDI file(s)"
    else:
        valid = eng.codec.corpus_windows("valid", n_bars).tokens.astype(np.int64)
        train = eng.codec.corpus_windows("train", n_bars).tokens.astype(np.int64)
        source = "built-in corpus: validation split (moved), training split (percentiles)"
    if len(valid) == 0:
        raise SystemExit("no windows to calibrate with")
    valid = pick(valid, args.windows, args.seed)
    train = pick(train, args.train_windows, args.seed + 1)
    t_data = time.perf_counter() - t0
    amounts = np.linspace(-SLIDER_RANGE, SLIDER_RANGE, args.amounts)
    print(f"{eng.name}: {len(valid)} windows x {len(amounts)} amounts, greedy decoding, "
          f"{torch.get_num_threads()} thread(s); data loaded in {t_data:.1f} s")
    print(f"  {'attribute':<12} {'at ' + str(amounts[0]):>8} {'at 0':>8} {'at +' + str(amounts[-1]):>8}")
    result = calibrate(eng, valid, train, amounts, log=print)
    doc: dict[str, Any] = {
        "format": FORMAT, "model": eng.name,
        "method": "median attribute value of the moved windows' greedy decodes at each slider amount "
                  "(Engine.shift, temperature 0); data_p5/p95: percentiles on the training windows; "
                  f"monotonic: Spearman of medians vs amount >= {MONOTONIC_RHO}; travel: the amounts around 0 "
                  "whose medians stay inside the data's 5-95 % range (at least one step either side)",
        "windows": int(len(valid)), "train_windows": int(len(train)), "seed": args.seed, "source": source,
        "decoding": "greedy", "fingerprint": file_digests(eng.folder), **result}
    path = eng.folder / FILE
    tmp = path.with_name(f".{FILE}.tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    flat = [n for n, a in result["attributes"].items() if not a["monotonic"]]
    print(f"not monotonic (labels approximate): {', '.join(flat) or 'none'}")
    if args.card and update_card(eng.folder, doc):
        print(f"updated {eng.folder / 'MODEL_CARD.md'} ({CARD_HEADING[3:]})")
    print(f"wrote {path} in {time.perf_counter() - t0:.1f} s (calibration {result['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
