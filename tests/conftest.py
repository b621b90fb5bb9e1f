"""Shared fixtures. Sets QT_QPA_PLATFORM=offscreen before any Qt import (no display in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"training data folder {SHARED_DATA} is not beside the repo")
    return SHARED_DATA


@pytest.fixture(scope="session")
def pop909_files(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "pop909").glob("*/*.mid"))


@pytest.fixture(scope="session")
def groove_files(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "groove").rglob("*.mid"))
