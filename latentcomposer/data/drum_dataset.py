"""Drum windows from the Groove MIDI Dataset, cached like the melody corpus (official GMD split)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from .drums import N_CLASSES, read_groove
from .melody import STEPS_PER_BAR
from .npz_cache import load_fresh, write_npz
from .paths import cache_dir, shared_data_dir

DRUM_CONVERTER_VERSION = 1


def _fingerprint(root: Path) -> str:
    h = hashlib.sha1(f"drums={DRUM_CONVERTER_VERSION}".encode())
    info = root / "info.csv"
    h.update(info.read_bytes() if info.exists() else b"")
    for p in sorted(root.rglob("*.mid")):
        h.update(f"{p.relative_to(root)}:{p.stat().st_size}".encode())
    return h.hexdigest()[:16]


def groove_takes_cached(root: Path | None = None) -> dict[str, Any]:
    """All 4/4 GMD takes, concatenated: tokens/velocity/offset + offsets per take + split + ids."""
    root = root or shared_data_dir() / "groove"
    fp = _fingerprint(root)
    path = cache_dir() / "data" / "groove_takes.npz"
    cached = load_fresh(path, fp, lambda z, meta: {
        "tokens": z["tokens"], "velocity": z["velocity"], "offset": z["offset"], "starts": z["starts"],
        "splits": meta["splits"], "ids": meta["ids"], "beat_types": meta["beat_types"]})
    if cached is not None:
        return cached
    takes = read_groove(root)
    lengths = [len(t.steps.hits) for t in takes]
    data: dict[str, np.ndarray] = {
        "tokens": np.concatenate([t.steps.tokens for t in takes]).astype(np.int16),
        "velocity": np.concatenate([t.steps.velocity for t in takes]).astype(np.uint8),
        "offset": np.concatenate([t.steps.offset for t in takes]).astype(np.float16),
        "starts": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
    }
    meta = {"fingerprint": fp, "splits": [t.split for t in takes], "ids": [t.tune_id for t in takes],
            "beat_types": [t.beat_type for t in takes]}
    write_npz(path, data, meta)
    return {**data, **meta}


def drum_windows(split: str, n_bars: int, min_active_bars: float = 0.5, hop_steps: int = STEPS_PER_BAR
                 ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Windows of ``n_bars`` bars from the takes of ``split``, starting every ``hop_steps`` steps (a
    bar; training may use a beat, 4, for windows that start mid-bar); windows where fewer than
    ``min_active_bars`` of the bars have any hit are dropped ("mostly rests")."""
    d = groove_takes_cached()
    length = n_bars * STEPS_PER_BAR
    toks, vels, offs = [], [], []
    dropped = {"mostly rests": 0}
    starts = d["starts"]
    for i, sp in enumerate(d["splits"]):
        if sp != split:
            continue
        a, b = int(starts[i]), int(starts[i + 1])
        for s in range(a, b - length + 1, hop_steps):
            t = d["tokens"][s:s + length]
            active = (t.reshape(n_bars, STEPS_PER_BAR) != 0).any(1).mean()
            if active < min_active_bars:
                dropped["mostly rests"] += 1
                continue
            toks.append(t)
            vels.append(d["velocity"][s:s + length])
            offs.append(d["offset"][s:s + length])
    if not toks:
        return {"tokens": np.zeros((0, length), np.int16), "velocity": np.zeros((0, length, N_CLASSES), np.uint8),
                "offset": np.zeros((0, length, N_CLASSES), np.float16)}, dropped
    return {"tokens": np.stack(toks), "velocity": np.stack(vels), "offset": np.stack(offs)}, dropped
