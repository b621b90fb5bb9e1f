"""Personalization speed and figures (issue 28): ``latentcomposer finetune`` on two "composers" the
shipped models never trained on.

* **Bach chorale soprano lines** for the melody models: the melody corpus is folk tunes (essenFolksong,
  ryansMammoth, oneills1850) and POP909 melodies (data/dataset.py); music21's Bach chorales are not in
  it. The first ``--files`` chorales in 4/4 (music21's chorale order, no metre changes), soprano part,
  written as MIDI with the pickup padded so bar 1 starts on a downbeat.
* **GMD drummer 1's test-split takes** for the drum models (GMD's official split, info.csv: the drum
  models train on the train split only).

Run on one thread, niced (the machine runs other jobs):

    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/finetune_speed.py --model mel_2bar --files 20
    ... --model drums_2bar --composer drummer1 --level prior

Prints the wall time of each phase and the before/after figures; ``--json`` writes them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bach_soprano_folder(out: Path, n: int) -> Path:
    """The soprano lines of the first ``n`` 4/4 Bach chorales as MIDI files in ``out`` (kept)."""
    out.mkdir(parents=True, exist_ok=True)
    if len(list(out.glob("*.mid"))) >= n:
        return out
    from music21 import corpus

    from latentcomposer.core import Clip, Note
    from latentcomposer.io.midifile import write_midi

    ppq = 480
    made = len(list(out.glob("*.mid")))
    for name in corpus.chorales.Iterator(returnType="filename"):
        if made >= n:
            break
        target = out / f"{str(name).replace('/', '_')}.mid"
        if target.exists():
            continue
        score = corpus.parse(name)
        sigs = score.recurse().getElementsByClass("TimeSignature")
        if not sigs or {(s.numerator, s.denominator) for s in sigs} != {(4, 4)}:
            continue
        sop = score.parts[0]
        measures = list(sop.getElementsByClass("Measure"))
        if len(measures) < 3:
            continue
        first_full = next((m for m in measures if m.duration.quarterLength == 4.0 and m.number >= 1), None)
        if first_full is None:
            continue
        pad = (4.0 - first_full.offset % 4.0) % 4.0  # the pickup ends where a bar starts
        notes = []
        for nt in sop.flatten().notes:
            if nt.isChord or nt.duration.quarterLength <= 0 or (nt.tie is not None and nt.tie.type != "start"):
                continue
            start = int(round((float(nt.offset) + pad) * ppq))
            end = start + int(round(float(nt.duration.quarterLength) * ppq))
            notes.append(Note(start, int(nt.pitch.midi), end, 80))
        if len(notes) < 8:
            continue
        write_midi(target, [Clip(tuple(notes), ppq=ppq, tempo=80.0, name="Soprano")])
        made += 1
    return out


def drummer_folder(out: Path, drummer: str = "drummer1") -> Path:
    """``drummer``'s takes of GMD's test split (4/4), copied into ``out``."""
    import csv

    from latentcomposer.paths import shared_data_dir

    root = shared_data_dir() / "groove"
    out.mkdir(parents=True, exist_ok=True)
    with (root / "info.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["drummer"] == drummer and row["split"] == "test" and row["time_signature"] == "4-4":
                src = root / row["midi_filename"]
                shutil.copy(src, out / src.name)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="mel_2bar")
    ap.add_argument("--composer", choices=["bach", "drummer1"], default=None,
                    help="default: bach for melody models, drummer1 for drum models")
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--level", choices=["prior", "finetune"], default="finetune")
    ap.add_argument("--train", dest="part", choices=["decoder", "full"], default="full")
    ap.add_argument("--source-data", default="auto", choices=["auto", "corpus", "replay", "none"])
    ap.add_argument("--source-share", type=float, default=0.25,
                    help="share of every batch from the source's music (0: none mixed in; forgetting still measured)")
    ap.add_argument("--max-minutes", type=float, default=4.0)
    ap.add_argument("--max-steps", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from latentcomposer.data.style_files import scan_folder
    from latentcomposer.model.engine import Engine
    from latentcomposer.model.finetune import FinetuneOptions, personalize
    from latentcomposer.paths import cache_dir

    t0 = time.monotonic()
    engine = Engine.load(args.model, device="cpu", warmup=False)
    t_load = time.monotonic() - t0
    composer = args.composer or ("drummer1" if engine.codec.label == "Drums" else "bach")
    sets = cache_dir() / "composers"
    if composer == "bach":
        folder = bach_soprano_folder(sets / "bach_soprano", args.files)
        files = sorted(folder.glob("*.mid"))[: args.files]
    else:
        folder = drummer_folder(sets / "gmd_drummer1_test")
        files = sorted(folder.glob("*.mid"))[: args.files]
    work = Path(tempfile.mkdtemp(prefix="lc_finetune_"))
    chosen = work / "files"
    chosen.mkdir()
    for f in files:
        shutil.copy(f, chosen / f.name)
    os.environ["LATENTCOMPOSER_DATA_DIR"] = str(work / "data")  # the new model goes to a scratch folder
    t1 = time.monotonic()
    scan = scan_folder(chosen, engine.codec, engine.cfg.n_bars)
    t_scan = time.monotonic() - t1
    print(f"{composer}: {scan.summary()}")
    opts = FinetuneOptions(level=args.level, part=args.part, source_data=args.source_data,
                           source_share=args.source_share,
                           max_minutes=args.max_minutes, max_steps=args.max_steps, seed=args.seed, device="cpu")
    phases: dict[str, float] = {}
    last = [time.monotonic(), "start"]

    def progress(p: Any) -> None:
        phase = p.phase
        if phase != last[1]:
            now = time.monotonic()
            phases[str(last[1])] = phases.get(str(last[1]), 0.0) + now - float(last[0])  # type: ignore[arg-type]
            last[0], last[1] = now, phase
            print(f"  [{now - t1:6.1f} s] {p.message}", flush=True)

    t2 = time.monotonic()
    res = personalize(args.model, scan, f"bench_{composer}", opts, progress=progress, engine=engine)
    total = time.monotonic() - t2
    info = res.info
    tr = info.get("training") or {}
    print(f"model load {t_load:.1f} s, scan {t_scan:.1f} s, personalize {total:.1f} s "
          f"({total / 60:.2f} min; training {tr.get('seconds', 0):.0f} s, {tr.get('steps', 0)} steps, "
          f"best at {tr.get('best_step', '-')}, stopped by {tr.get('stopped_by', '-')})")
    for part in ("held_out", "source_test"):
        b, a = info["before"].get(part, {}), info["after"].get(part, {})
        for k in ("greedy", "search", "nll"):
            if k in b:
                print(f"  {part:<12} {k:<7} {b[k]:9.3f} -> {a.get(k, float('nan')):9.3f}")
    bp, ap_ = info["before"]["prior"], info["after"]["prior"]
    print(f"  prior distance {bp['distance']:.2f} -> {ap_['distance']:.2f}")
    for k, v in ap_["composer"].items():
        print(f"    {k:<12} composer {v:7.2f}  before {bp['samples_mean'][k]:7.2f}  after {ap_['samples_mean'][k]:7.2f}")
    if args.json:
        args.json.write_text(json.dumps({"model": args.model, "composer": composer, "files": len(files),
                                         "threads": args.threads, "seconds": total, "load_seconds": t_load,
                                         "scan_seconds": t_scan, "info": info}, indent=1, default=str) + "\n")
    print(f"card: {res.folder / 'MODEL_CARD.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
