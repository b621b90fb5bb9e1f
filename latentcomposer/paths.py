"""Every folder latentcomposer reads or writes, each defined once (the layers re-export what they use).

Each can be overridden by an environment variable, so tests and portable installs never touch the
real home folder:

* ``LATENTCOMPOSER_MODELS_DIR`` — installed models (default: ``models/`` of a source checkout, else the
  ``share/latentcomposer/models`` a wheel installs, else the ``models/`` inside a desktop bundle)
* ``LATENTCOMPOSER_DATA_DIR``   — user data: autosaves, temporary exports, the user's own models
  (the platform's user data dir)
* ``LATENTCOMPOSER_CONFIG_DIR`` — preferences (``latentcomposer.ini``) and ``playback.json``
* ``LATENTCOMPOSER_CACHE_DIR``  — corpus caches and training checkpoints (the platform's user cache dir)
* ``LATENTCOMPOSER_DATA``       — the shared training data (default: ``../shared/data`` beside the repo)
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

APP_NAME = "latentcomposer"
MODELS_ENV = "LATENTCOMPOSER_MODELS_DIR"
DATA_ENV = "LATENTCOMPOSER_DATA_DIR"
CONFIG_ENV = "LATENTCOMPOSER_CONFIG_DIR"
CACHE_ENV = "LATENTCOMPOSER_CACHE_DIR"
TRAINING_DATA_ENV = "LATENTCOMPOSER_DATA"

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def _is_checkout() -> bool:
    """Running from a source tree (or an editable install of one), not from an installed wheel."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "latentcomposer").is_dir()


def _bundle_dir() -> Path | None:
    """The folder of a frozen desktop bundle (PyInstaller sets ``sys._MEIPASS``), else None."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if getattr(sys, "frozen", False) and base else None


@functools.cache
def _installed_share() -> list[Path]:
    """Where a wheel's ``share/latentcomposer`` data files may be: the environment's prefix, the user
    base (``pip install --user``), and the location the distribution's RECORD gives (``--prefix``)."""
    import site
    import sysconfig

    found = [Path(sys.prefix) / "share" / APP_NAME, Path(sysconfig.get_path("data")) / "share" / APP_NAME]
    user_base = getattr(site, "USER_BASE", None)
    if user_base:
        found.append(Path(user_base) / "share" / APP_NAME)
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        dist = distribution(APP_NAME)
        for f in dist.files or ():
            parts = Path(str(f)).parts
            if "share" in parts and APP_NAME in parts:
                i = parts.index("share")
                found.append(Path(str(dist.locate_file(Path(*parts[: i + 2])))).resolve())
                break
    except (PackageNotFoundError, OSError, ValueError):
        pass
    return found


def _shipped(kind: str) -> Path:
    """``models`` or ``resources`` as shipped: the checkout's, the bundle's, or the installed ones."""
    if _is_checkout():
        return REPO_ROOT / kind
    bundle = _bundle_dir()
    candidates = ([bundle / kind] if bundle else []) + [share / kind for share in _installed_share()]
    return next((c for c in candidates if c.is_dir()), REPO_ROOT / kind)


RESOURCES_DIR = _shipped("resources")


def _platform_dir(kind: str) -> Path:
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP_NAME))


def models_dir() -> Path:
    """Installed models, one folder each."""
    env = os.environ.get(MODELS_ENV)
    return Path(env) if env else _shipped("models")


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


def user_models_dir() -> Path:
    """Models the user made (``latentcomposer finetune``, "Learn my style…"): ``<user data>/models``,
    listed and loaded beside the installed ones (model/registry.py)."""
    return data_dir() / "models"


def shared_data_dir() -> Path:
    """The training data: ``$LATENTCOMPOSER_DATA`` or ``../shared/data`` beside the project root."""
    env = os.environ.get(TRAINING_DATA_ENV)
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"
