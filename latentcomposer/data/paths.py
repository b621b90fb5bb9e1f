"""Where data lives: the shared training data beside the repo, and the user cache dir."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path:
    """``$LATENTCOMPOSER_DATA`` or ``../shared/data`` beside the project root."""
    env = os.environ.get("LATENTCOMPOSER_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def cache_dir() -> Path:
    """``$LATENTCOMPOSER_CACHE_DIR`` or the platform's user cache dir for latentcomposer."""
    env = os.environ.get("LATENTCOMPOSER_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("latentcomposer"))
