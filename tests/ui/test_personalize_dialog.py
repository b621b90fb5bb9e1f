""""Learn my style…" end to end (pytest-qt, offscreen): scan a folder of real MIDI files, see what was
found, fine-tune a tiny model off the UI thread, and the new model is listed and selected."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QTreeWidget

from latentcomposer.ui.personalize_dialog import PersonalizeDialog
from tests.helpers_models import make_tiny_model
from tests.ui.conftest import make_window

FAST = dict(source_data="replay", max_steps=30, eval_every=10, patience=10, batch_size=16, learning_rate=3e-3,
            eval_windows=32, prior_samples=32, device="cpu", part="full")


@pytest.fixture(scope="module")
def tiny_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("source") / "tiny_2bar")


@pytest.fixture()
def folder(tmp_path: Path, pop909_files: list[Path], groove_files: list[Path]) -> Path:
    out = tmp_path / "my_songs"
    out.mkdir()
    for p in pop909_files[:3]:
        shutil.copy(p, out / p.name)
    shutil.copy(groove_files[0], out / "beat.mid")  # drums only: skipped with its reason
    return out


def test_learn_my_style_end_to_end(qtbot: Any, user_dirs: dict[str, Path], tiny_source: Path, folder: Path) -> None:
    shutil.copytree(tiny_source, user_dirs["models"] / "tiny_2bar")
    window = make_window(qtbot)
    dlg = window.learn_style()
    assert isinstance(dlg, PersonalizeDialog) and dlg.objectName() == "personalizeDialog"
    dlg.options_override = FAST
    dlg.scan_folder(folder)
    found = dlg.findChild(QTreeWidget, "personalizeFound")
    qtbot.waitUntil(lambda: found.topLevelItemCount() == 4, timeout=20_000)
    statuses = [found.topLevelItem(i).text(3) for i in range(4)]
    assert sum(s.endswith("windows") for s in statuses) == 3
    assert any("skipped" in s and "only drums" in s for s in statuses)
    assert "4 files: 3 used" in dlg.findChild(QLabel, "personalizeSummary").text()
    dlg.name_edit.setText("my_style")
    with qtbot.waitSignal(dlg.modelCreated, timeout=120_000) as created:
        qtbot.mouseClick(dlg.findChild(QPushButton, "personalizeStart"), Qt.MouseButton.LeftButton)
        assert dlg.job is not None and dlg.job.running  # off the UI thread: the window still paints
        assert dlg.findChild(QPushButton, "personalizeCancel").text() == "Cancel"
    assert created.args == ["my_style"]
    assert dlg.findChild(QProgressBar, "personalizeProgress").value() == 1000
    assert len(dlg.curve.points) >= 2
    result = dlg.findChild(QLabel, "personalizeResult").text()
    assert "my_style" in result and "before" in result and "held-out files" in result
    assert (user_dirs["data"] / "models" / "my_style" / "MODEL_CARD.md").is_file()
    assert "my_style" in [m.name for m in window.models.installed()]
    qtbot.waitUntil(lambda: window.models.model_name == "my_style", timeout=30_000)
    dlg.close()


def test_cancel_keeps_the_best_so_far(qtbot: Any, user_dirs: dict[str, Path], tiny_source: Path,
                                      folder: Path) -> None:
    shutil.copytree(tiny_source, user_dirs["models"] / "tiny_2bar")
    from latentcomposer.app.model_service import ModelService

    dlg = PersonalizeDialog(ModelService().installed(), "tiny_2bar")
    qtbot.addWidget(dlg)
    dlg.options_override = {**FAST, "max_steps": 100_000, "eval_every": 5}
    dlg.scan_folder(folder)
    qtbot.waitUntil(lambda: dlg.start_button.isEnabled(), timeout=20_000)
    dlg.name_edit.setText("stopped")
    dlg.start()
    qtbot.waitUntil(lambda: len(dlg.curve.points) >= 2 or "Cannot" in dlg.summary.text(), timeout=120_000)
    assert len(dlg.curve.points) >= 2, dlg.summary.text()
    with qtbot.waitSignal(dlg.modelCreated, timeout=60_000):
        dlg.cancel_or_close()
    assert dlg.result.cancelled
    from latentcomposer.model.engine import Engine

    Engine.load("stopped", device="cpu", warmup=False)


def test_a_drums_only_folder_says_so(qtbot: Any, user_dirs: dict[str, Path], tiny_source: Path, tmp_path: Path,
                                     groove_files: list[Path]) -> None:
    shutil.copytree(tiny_source, user_dirs["models"] / "tiny_2bar")
    from latentcomposer.app.model_service import ModelService

    beats = tmp_path / "beats"
    beats.mkdir()
    for p in groove_files[:2]:
        shutil.copy(p, beats / p.name)
    dlg = PersonalizeDialog(ModelService().installed(), "tiny_2bar")
    qtbot.addWidget(dlg)
    dlg.scan_folder(beats)
    label = dlg.findChild(QLabel, "personalizeSummary")
    qtbot.waitUntil(lambda: "only drums" in label.text(), timeout=20_000)
    assert not dlg.start_button.isEnabled()
