"""Where the app keeps its files: user data (autosaves), config (preferences) and installed models.

Every folder can be overridden by an environment variable, so tests and portable installs never touch
the real home folder:

* ``LATENTCOMPOSER_DATA_DIR``   — autosaves, temporary exports (default: the platform's user data dir)
* ``LATENTCOMPOSER_CONFIG_DIR`` — preferences (``latentcomposer.ini``) and ``playback.json``
* ``LATENTCOMPOSER_MODELS_DIR`` — installed models (default: ``models/`` beside the package)
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "latentcomposer"
DATA_ENV = "LATENTCOMPOSER_DATA_DIR"
CONFIG_ENV = "LATENTCOMPOSER_CONFIG_DIR"
MODELS_ENV = "LATENTCOMPOSER_MODELS_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The user data folder (not created here)."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME))


def config_dir() -> Path:
    """The user config folder (not created here); shared with the playback settings file."""
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else Path(platformdirs.user_config_dir(APP_NAME))


def autosave_dir() -> Path:
    return data_dir() / "autosave"


def models_dir() -> Path:
    """Installed models, one folder each (the same rule as ``latentcomposer.model.checkpoint``)."""
    env = os.environ.get(MODELS_ENV)
    return Path(env) if env else REPO_ROOT / "models"
