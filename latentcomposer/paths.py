"""Every folder latentcomposer reads or writes, each defined once (the layers re-export what they use).

Each can be overridden by an environment variable, so tests and portable installs never touch the
real home folder:

* ``LATENTCOMPOSER_MODELS_DIR`` — installed models (default: ``models/`` beside the package)
* ``LATENTCOMPOSER_DATA_DIR``   — user data: autosaves, temporary exports (the platform's user data dir)
* ``LATENTCOMPOSER_CONFIG_DIR`` — preferences (``latentcomposer.ini``) and ``playback.json``
* ``LATENTCOMPOSER_CACHE_DIR``  — corpus caches and training checkpoints (the platform's user cache dir)
* ``LATENTCOMPOSER_DATA``       — the shared training data (default: ``../shared/data`` beside the repo)
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "latentcomposer"
MODELS_ENV = "LATENTCOMPOSER_MODELS_DIR"
DATA_ENV = "LATENTCOMPOSER_DATA_DIR"
CONFIG_ENV = "LATENTCOMPOSER_CONFIG_DIR"
CACHE_ENV = "LATENTCOMPOSER_CACHE_DIR"
TRAINING_DATA_ENV = "LATENTCOMPOSER_DATA"

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
RESOURCES_DIR = REPO_ROOT / "resources"


def _platform_dir(kind: str) -> Path:
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP_NAME))


def models_dir() -> Path:
    """Installed models, one folder each."""
    env = os.environ.get(MODELS_ENV)
    return Path(env) if env else REPO_ROOT / "models"


def data_dir() -> Path:
    """The user data folder (not created here)."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else _platform_dir("data")


def config_dir() -> Path:
    """The user config folder (not created here): preferences and the playback settings."""
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else _platform_dir("config")


def cache_dir() -> Path:
    """Corpus caches and training checkpoints."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else _platform_dir("cache")


def autosave_dir() -> Path:
    return data_dir() / "autosave"


def shared_data_dir() -> Path:
    """The training data: ``$LATENTCOMPOSER_DATA`` or ``../shared/data`` beside the project root."""
    env = os.environ.get(TRAINING_DATA_ENV)
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"
