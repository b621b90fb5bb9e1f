"""Export the newest training checkpoint of a config to models/<name>/ if it validates better.

    python scripts/export_checkpoint.py mel_2bar [--force]

Loads <cache>/train/<name>/last.pt, measures validation accuracy as the trainer does, and writes
float16 weights + config.json to models/<name>/ when its validation sampled accuracy beats the one
recorded there (or with --force). Otherwise it only rewrites the shipped weights as float16.
Run it after stopping a training job, before committing weights.
"""

from __future__ import annotations

import argparse
import json

import torch

from latentcomposer.model.checkpoint import load_model, models_dir, save_model
from latentcomposer.model.config import get_config
from latentcomposer.model.train import Trainer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(2)
    trainer = Trainer(get_config(args.name), torch.device("cpu"))
    if not trainer.load_checkpoint():
        raise SystemExit(f"no checkpoint for {args.name}")
    info = trainer.load_data()
    m = trainer.validate()
    folder = models_dir() / args.name
    shipped = -1.0
    meta_old: dict = {}
    if (folder / "config.json").exists():
        meta_old = json.loads((folder / "config.json").read_text()).get("meta", {})
        shipped = float(meta_old.get("valid_metrics", {}).get("valid_sampled_acc", -1.0))
    print(f"checkpoint step {trainer.state.step}: {json.dumps(m)}; shipped: {shipped:.4f}")
    if args.force or m["valid_sampled_acc"] > shipped:
        trainer.export_best(m, {**meta_old.get("data", {}), **info})
        print(f"exported step {trainer.state.step} to {folder}")
    else:
        model, cfg, meta = load_model(folder)
        save_model(model, cfg, folder, meta, dtype=torch.float16)
        print(f"kept the shipped weights (rewritten as float16) in {folder}")


if __name__ == "__main__":
    main()
