from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers_models import make_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny_2bar")


@pytest.fixture(scope="session")
def tiny_hier_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny_4bar_hier", "tiny_4bar_hier")


@pytest.fixture(scope="session")
def tiny_tvae_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny_tvae", "tiny_tvae")


@pytest.fixture(scope="session")
def tiny_drums_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny_drums", "tiny_drums")
