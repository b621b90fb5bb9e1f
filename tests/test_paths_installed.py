"""Where an installed (non-checkout) latentcomposer finds its models: the wheel's share/latentcomposer,
a bundle's folder, and the environment variable over both."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from latentcomposer import paths


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv(paths.MODELS_ENV, raising=False)
    monkeypatch.setattr(paths, "_is_checkout", lambda: False)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "env"))
    paths._installed_share.cache_clear()
    yield tmp_path
    paths._installed_share.cache_clear()


def test_a_wheel_install_reads_the_models_under_its_prefix(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    share = installed / "env" / "share" / "latentcomposer"
    (share / "models" / "mel_2bar").mkdir(parents=True)
    assert paths.models_dir() == share / "models"
    monkeypatch.setenv(paths.MODELS_ENV, str(installed / "mine"))
    assert paths.models_dir() == installed / "mine"


def test_a_frozen_bundle_reads_its_own_models(installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = installed / "bundle"
    (bundle / "models").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert paths.models_dir() == bundle / "models"


def test_a_checkout_reads_models_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.MODELS_ENV, raising=False)
    assert paths.models_dir() == paths.REPO_ROOT / "models"
