"""SHA-256 of files beside a model (torch-free): the priors and calibrations fitted to a model's weights
record the weights' digest, and a file fitted to other weights is ignored. A digest is remembered per
(path, size, modification time) in memory and in the user cache (``file_digests.json``), so a launch
does not read a model's weights again only to check what was fitted to them (start-up, issue 30)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

DIGEST_CACHE = "file_digests.json"
_SEEN: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> SHA-256


def _cache_file() -> Path:
    from latentcomposer.paths import cache_dir

    return cache_dir() / DIGEST_CACHE


def _read_cache() -> dict[tuple[str, int, int], str]:
    try:
        rows = json.loads(_cache_file().read_text())
        return {(str(r[0]), int(r[1]), int(r[2])): str(r[3]) for r in rows}
    except (OSError, ValueError, TypeError, IndexError, KeyError):
        return {}


def file_digest(path: Path) -> str:
    """SHA-256 of ``path``, remembered in memory and in the user cache per (path, size, time)."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key in _SEEN:
        return _SEEN[key]
    known = _read_cache()
    if key not in known:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        known[key] = h.hexdigest()
        with contextlib.suppress(OSError):
            out = _cache_file()
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp")
            tmp.write_text(json.dumps([[*k, v] for k, v in list(known.items())[-256:]]))
            tmp.replace(out)
    _SEEN[key] = known[key]
    return _SEEN[key]


def weights_digest(model_folder: Path) -> str:
    """SHA-256 of ``model_folder / "model.safetensors"``."""
    return file_digest(Path(model_folder) / "model.safetensors")
