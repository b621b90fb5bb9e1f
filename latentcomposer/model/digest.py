"""The SHA-256 of a model's weights file (torch-free): the priors and calibrations fitted to a model's
weights record it, and a file fitted to other weights is ignored. Remembered per (path, size,
modification time) within a run, so checking several files beside one model reads the weights once."""

from __future__ import annotations

import hashlib
from pathlib import Path

_SEEN: dict[tuple[str, int, int], str] = {}


def weights_digest(model_folder: Path) -> str:
    """SHA-256 of ``model_folder / "model.safetensors"``."""
    path = Path(model_folder) / "model.safetensors"
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _SEEN:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _SEEN[key] = h.hexdigest()
    return _SEEN[key]
