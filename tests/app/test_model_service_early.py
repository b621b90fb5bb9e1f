"""The default model starts loading before the window is built (issue 30): the window's own start-up
load then joins that load (or hears that it is done) instead of loading the model a second time."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from latentcomposer.app.model_service import ModelService


def _install(root: Path, name: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"")


def _service(tmp_path: Path, gate: threading.Event, loads: list[str]) -> ModelService:
    for name in ("mel_2bar", "drums_2bar"):
        _install(tmp_path, name)

    def loader(name: str, folder: Path) -> Any:
        loads.append(name)
        assert gate.wait(10)
        return SimpleNamespace(device="cpu")

    return ModelService(root=tmp_path, loader=loader)


def test_a_second_start_of_the_loading_model_joins_it(tmp_path: Path) -> None:
    gate, loads = threading.Event(), []  # type: ignore[var-annotated]
    svc = _service(tmp_path, gate, loads)
    assert svc.start(None, device="auto")  # early: before any window listens
    heard: list[tuple[str, str]] = []
    svc.on_status = lambda state, msg: heard.append((state, msg))  # the window, built meanwhile
    assert svc.start(None, device="auto")  # the window's start-up load: the same model
    gate.set()
    svc.wait(10)
    assert loads == ["mel_2bar"] and svc.state == "ready" and svc.model_name == "mel_2bar"
    assert [s for s, _ in heard] == ["ready"]


def test_a_start_after_the_early_load_finished_announces_ready(tmp_path: Path) -> None:
    gate, loads = threading.Event(), []  # type: ignore[var-annotated]
    gate.set()
    svc = _service(tmp_path, gate, loads)
    svc.start(None, device="auto")
    svc.wait(10)
    heard: list[str] = []
    svc.on_status = lambda state, msg: heard.append(state)
    assert svc.start(None, device="auto")
    assert heard == ["ready"] and loads == ["mel_2bar"]
    # another model, or another device, is a real load
    assert svc.start("drums_2bar", device="auto")
    svc.wait(10)
    assert loads == ["mel_2bar", "drums_2bar"] and svc.model_name == "drums_2bar"
    assert svc.start("drums_2bar", device="cpu")
    svc.wait(10)
    assert loads == ["mel_2bar", "drums_2bar", "drums_2bar"]
