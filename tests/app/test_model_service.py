"""Model discovery, model cards, lazy background loading; and no torch at import time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from latentcomposer.app.model_service import ModelService, gpu_summary, scan_models


def install(root: Path, name: str, card: str | None = "# Card\nTrained on tests.", weights: bool = True) -> None:
    folder = root / name
    folder.mkdir()
    if weights:
        (folder / "config.json").write_text("{}")
        (folder / "model.safetensors").write_bytes(b"")
    if card is not None:
        (folder / "MODEL_CARD.md").write_text(card, encoding="utf-8")


def test_no_models(user_dirs: dict[str, Path]) -> None:
    service = ModelService()
    assert service.root == user_dirs["models"]
    assert service.state == "none" and service.message == "no model installed"
    assert not service.start() and service.cards() == []


def test_missing_models_folder(tmp_path: Path) -> None:
    assert scan_models(tmp_path / "nope") == []


def test_scan_and_cards(user_dirs: dict[str, Path]) -> None:
    root = user_dirs["models"]
    install(root, "melody_2bar")
    install(root, "drums", card=None)
    install(root, "card_only", weights=False, card="# Not trained yet")
    (root / ".hidden").mkdir()
    service = ModelService()
    assert [m.name for m in service.models] == ["drums", "melody_2bar", "card_only"]
    assert [m.name for m in service.installed()] == ["drums", "melody_2bar"]
    assert service.cards() == [("melody_2bar", "# Card\nTrained on tests."), ("card_only", "# Not trained yet")]
    assert service.state == "idle"


def test_background_load_reports_states(user_dirs: dict[str, Path]) -> None:
    install(user_dirs["models"], "melody_2bar")
    seen: list[tuple[str, str]] = []

    class Engine:
        device = "cpu"

    service = ModelService(loader=lambda name, folder: Engine())
    service.on_status = lambda state, msg: seen.append((state, msg))
    assert service.start("melody_2bar")
    service.wait(5)
    assert service.ready and isinstance(service.engine, Engine) and service.model_name == "melody_2bar"
    assert seen[0][0] == "loading" and seen[-1] == ("ready", "melody_2bar ready (cpu)")


def test_failures_become_status(user_dirs: dict[str, Path]) -> None:
    install(user_dirs["models"], "melody_2bar")

    def broken(name: str, folder: Path) -> object:
        raise ValueError("weights do not fit")

    service = ModelService(loader=broken)
    service.start()
    service.wait(5)
    assert service.state == "error" and "weights do not fit" in service.message
    assert not service.start("other") and "not installed" in service.message


def test_default_loader_without_engine(user_dirs: dict[str, Path], monkeypatch) -> None:
    install(user_dirs["models"], "melody_2bar")
    monkeypatch.setitem(sys.modules, "latentcomposer.model.engine", None)  # import fails
    service = ModelService()
    service.start()
    service.wait(10)
    assert service.state == "error" and "engine is not available" in service.message


def test_gpu_summary_is_text() -> None:
    assert gpu_summary().startswith("GPU: ")


def test_app_layer_does_not_import_torch_or_qt() -> None:
    code = ("import sys, latentcomposer.app.session, latentcomposer.app.project, latentcomposer.app.autosave, "
            "latentcomposer.app.model_service, latentcomposer.app.playback_service, latentcomposer.app.exporting; "
            "bad = [m for m in ('torch', 'PySide6', 'pyqtgraph') if m in sys.modules]; print(bad); "
            "sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cuda_without_a_gpu_falls_back_to_the_cpu(user_dirs: dict[str, Path], monkeypatch) -> None:
    from latentcomposer.app import model_service
    from tests.helpers_models import make_tiny_model

    make_tiny_model(user_dirs["models"] / "tiny_2bar")
    monkeypatch.setattr(model_service, "cuda_available", lambda: False, raising=False)
    seen: list[tuple[str, str]] = []
    service = ModelService()
    service.on_status = lambda state, msg: seen.append((state, msg))
    assert service.start("tiny_2bar", device="cuda")
    service.wait(60)
    assert service.ready and str(service.engine.device) == "cpu", service.message
    assert "CUDA is not available" in service.message and "CPU" in service.message
    assert seen[-1][0] == "ready"


def test_the_model_list_names_models_in_plain_words(tmp_path: Path) -> None:
    """Labels come from the model registry ("Piano · 2 bars"); a config it cannot read falls back to
    the folder name; two models with one label are told apart by their folder names."""
    import json

    from latentcomposer.app.model_service import list_titles
    from latentcomposer.model.config import get_config
    from latentcomposer.model.poly_train import get_poly_config
    from latentcomposer.model.registry import config_doc

    for name, cfg in (("mel_a", get_config("tiny_2bar").model), ("mel_b", get_config("tiny_2bar").model),
                      ("beats", get_config("tiny_drums").model), ("piano", get_poly_config("tiny_poly_2bar").model)):
        install(tmp_path, name)
        (tmp_path / name / "config.json").write_text(json.dumps(config_doc(cfg)))
    install(tmp_path, "broken")  # config.json is "{}"
    models = scan_models(tmp_path)
    by_name = {m.name: m for m in models}
    assert by_name["piano"].label == "Piano · 2 bars" and by_name["piano"].representation == "poly"
    assert by_name["beats"].label == "Drums · 2 bars" and by_name["beats"].representation == "drums"
    assert by_name["broken"].title == "broken" and by_name["broken"].representation == ""
    assert list_titles(models) == {"beats": "Drums · 2 bars", "broken": "broken",
                                   "mel_a": "Melody · 2 bars (mel_a)", "mel_b": "Melody · 2 bars (mel_b)",
                                   "piano": "Piano · 2 bars"}
