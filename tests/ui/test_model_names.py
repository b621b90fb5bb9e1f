"""Issue 27, defect 7: plain model names, baselines behind "advanced", the model whose window fits the
clip, and a combo that never names another model while the first one loads. The model folders are
the shipped configs with empty weight files (listing reads configs only; no torch)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from latentcomposer.app.latent.info import model_for_clip
from latentcomposer.app.model_names import listed, plain_titles, prefer_for_clip
from latentcomposer.app.model_service import scan_models
from latentcomposer.core.examples import example_clip
from latentcomposer.paths import REPO_ROOT
from latentcomposer.ui.latent_panel import LatentPanel

from .issue27_rig import LightRig, shot

SHIPPED = ("drums_2bar", "mel_16bar", "mel_16bar_flat", "mel_2bar", "tvae_16bar")


@pytest.fixture
def shipped_configs(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    for name in SHIPPED:
        (root / name).mkdir(parents=True)
        shutil.copy(REPO_ROOT / "models" / name / "config.json", root / name / "config.json")
        (root / name / "model.safetensors").write_bytes(b"")
    return root


def test_plain_names_and_baselines_behind_advanced(qtbot: Any, shipped_configs: Path) -> None:
    rig = LightRig(qtbot, shipped_configs)
    panel = LatentPanel(rig.tools)
    qtbot.addWidget(panel)
    combo = panel.model_combo
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert not any("_" in t for t in texts), texts  # no folder names (mel_16bar_flat, tvae_16bar)
    assert "Melody · 16 bars (per-bar)" in texts and "Melody · 16 bars" in texts
    assert combo.findData("mel_16bar_flat") < 0  # the baseline is hidden ...
    panel.advanced_box.setChecked(True)  # ... until the advanced switch is on
    k = combo.findData("mel_16bar_flat")
    assert k >= 0 and combo.itemText(k) == "Melody · 16 bars (baseline)"
    rig.close()


def test_the_model_whose_window_fits_the_clip_is_picked(shipped_configs: Path) -> None:
    models = [m for m in scan_models(shipped_configs) if m.complete]
    tune = example_clip("twinkle").slice_bars(0, 4)
    assert tune.n_bars == 4
    # after a drum file, a 4-bar tune goes to the 2-bar melody model, not to the 16-bar one
    ordered = [(m.name, m.representation) for m in prefer_for_clip(tune, models)]
    assert model_for_clip(tune, "drums_2bar", "drums", ordered) == "mel_2bar"
    long = example_clip("ode_to_joy")
    while long.n_bars < 16:
        long = long.copy(notes=long.notes + tuple(n.shifted(long.n_bars * long.bar_ticks) for n in long.notes))
    ordered = [(m.name, m.representation) for m in prefer_for_clip(long, models)]
    assert model_for_clip(long, "drums_2bar", "drums", ordered) == "mel_16bar"  # not the baseline
    assert plain_titles(models)["tvae_16bar"] == "Melody · 16 bars (per-bar)"
    assert [m.name for m in listed(models, advanced=False)][0] == "mel_2bar"


def test_combo_names_the_model_being_loaded(qtbot: Any, shipped_configs: Path) -> None:
    rig = LightRig(qtbot, shipped_configs)
    release = threading.Event()

    def slow_loader(name: str, folder: Path) -> Any:
        release.wait(10)
        raise RuntimeError("test loader: not a real model")

    rig.models.loader = slow_loader
    panel = LatentPanel(rig.tools)
    qtbot.addWidget(panel)
    panel.resize(320, 420)
    panel.show()
    assert rig.tools.start_model("mel_2bar", "cpu")
    qtbot.waitUntil(lambda: rig.tools.status[0] == "loading")
    qtbot.waitUntil(lambda: panel.model_combo.currentData() == "mel_2bar")
    assert panel.model_combo.currentText() == "Melody · 2 bars"  # not drums_2bar, the first installed
    assert panel.loading_bar.isVisible()
    assert "Loading the Melody · 2 bars model" in panel.status.text()
    shot(panel, "model_loading")
    release.set()
    qtbot.waitUntil(lambda: rig.tools.status[0] == "error")
    assert not panel.loading_bar.isVisible()
    rig.close()


def test_status_messages_use_plain_names(shipped_configs: Path) -> None:
    from latentcomposer.app.model_names import plain_model_message

    models = [m for m in scan_models(shipped_configs) if m.complete]
    assert plain_model_message("mel_16bar_flat ready (cpu)", models) == "Melody · 16 bars (baseline) ready (cpu)"
    assert plain_model_message("loading tvae_16bar…", models) == "loading Melody · 16 bars (per-bar)…"
    assert plain_model_message("no model installed", models) == "no model installed"
