"""The data caches' one file format: NumPy arrays plus a JSON ``meta`` object in one compressed ``.npz``,
written atomically (a temporary file renamed into place)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


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


def load_fresh(path: Path, fingerprint: str, load: Callable[[dict[str, np.ndarray], dict[str, Any]], T],
               rebuild: bool = False) -> T | None:
    """``load(arrays, meta)`` of the cache at ``path`` when it exists, reads, was written for
    ``fingerprint`` (its meta's "fingerprint") and loads; None when it must be (re)built: missing,
    damaged, from other files or another version, or ``rebuild``."""
    if rebuild or not path.exists():
        return None
    try:
        z, meta = read_npz(path)
        return load(z, meta) if meta.get("fingerprint") == fingerprint else None
    except (OSError, ValueError, KeyError):
        return None
