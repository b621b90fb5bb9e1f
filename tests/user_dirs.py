"""The ``user_dirs`` fixture: user data, config and models folders pointed at temporary folders
(imported by the app and ui conftests, so tests never touch the real home)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    dirs = {name: tmp_path / name for name in ("data", "config", "models")}
    for d in dirs.values():
        d.mkdir()
    monkeypatch.setenv("LATENTCOMPOSER_DATA_DIR", str(dirs["data"]))
    monkeypatch.setenv("LATENTCOMPOSER_CONFIG_DIR", str(dirs["config"]))
    monkeypatch.setenv("LATENTCOMPOSER_MODELS_DIR", str(dirs["models"]))
    return dirs
