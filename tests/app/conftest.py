"""App-layer tests: user data, config and models folders point at temporary folders."""

from __future__ import annotations

from tests.user_dirs import user_dirs  # noqa: F401  (autouse fixture)


