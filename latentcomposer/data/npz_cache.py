"""The data caches' one file format: NumPy arrays plus a JSON ``meta`` object in one compressed ``.npz``,
written atomically (a temporary file renamed into place)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def write_npz(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    payload = {**arrays, "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    np.savez_compressed(tmp, **payload)  # type: ignore[arg-type]  # numpy stubs: a key could be allow_pickle
    tmp.replace(path)


def read_npz(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, meta); OSError/ValueError/KeyError for a missing or damaged file."""
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes().decode())
        return {k: z[k] for k in z.files if k != "meta"}, meta
