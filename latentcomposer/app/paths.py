"""Where the app keeps its files (defined in :mod:`latentcomposer.paths`, with their environment
overrides): user data (autosaves), config (preferences) and installed models."""

from latentcomposer.paths import (
    APP_NAME,
    CONFIG_ENV,
    DATA_ENV,
    MODELS_ENV,
    REPO_ROOT,
    autosave_dir,
    config_dir,
    data_dir,
    models_dir,
)

__all__ = ["APP_NAME", "CONFIG_ENV", "DATA_ENV", "MODELS_ENV", "REPO_ROOT", "autosave_dir", "config_dir",
           "data_dir", "models_dir"]
