"""Where data lives (defined in :mod:`latentcomposer.paths`): the shared training data and the cache."""

from latentcomposer.paths import REPO_ROOT, cache_dir, shared_data_dir

__all__ = ["REPO_ROOT", "cache_dir", "shared_data_dir"]
