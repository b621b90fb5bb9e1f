"""The Drumify button (clip list, beside Groove): a drum part that follows the current clip's rhythm,
computed off the UI thread and added as a new clip; a clear message when the models are missing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QToolButton

from latentcomposer.app.model_service import ModelService
from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
from latentcomposer.app.session import Session
from latentcomposer.core import DRUM_CHANNEL, Clip
from latentcomposer.core.examples import example_clip, example_drums
from latentcomposer.model import drumify as drumify_model
from latentcomposer.ui.drumify import NO_MODEL
from latentcomposer.ui.main_window import MainWindow
from tests.helpers_drumify import make_tiny_drumify_root

from .issue27_rig import shot


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_drumify_root(tmp_path_factory.mktemp("drumify-ui"))


def _window(qtbot: Any, models_root: Path, clips: list[Clip]) -> tuple[MainWindow, list[str]]:
    window = MainWindow(Session(clips), playback=PlaybackService(InMemoryBackend()),
                        models=ModelService(root=models_root), background=False)
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    said: list[str] = []
    window.latent_tools.message.connect(said.append)
    return window, said


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[threading.Thread]]:
    """The threads Drumify ran on."""
    seen: list[threading.Thread] = []
    original = drumify_model.Drumify.drumify

    def recording(self: Any, *a: Any, **kw: Any) -> Any:
        seen.append(threading.current_thread())
        return original(self, *a, **kw)

    monkeypatch.setattr(drumify_model.Drumify, "drumify", recording)
    yield seen


def _button(window: MainWindow) -> QToolButton:
    button = window.findChild(QToolButton, "drumifyButton")
    assert button is not None and button.isVisible() and button.text() == "Drumify"
    groove = window.findChild(QToolButton, "grooveClipButton")
    assert groove is not None and button.parent() is groove.parent()  # beside Groove
    return button


@pytest.mark.parametrize("kind", ["melody", "drums"])
def test_drumify_button_adds_a_drum_clip_off_the_ui_thread(qtbot: Any, root: Path, kind: str,
                                                           threads: list[threading.Thread]) -> None:
    source = example_clip("twinkle") if kind == "melody" else example_drums(4)
    window, said = _window(qtbot, root, [source])
    session = window.session
    session.set_current(session.items[0].uid)
    _button(window).click()
    qtbot.waitUntil(lambda: len(session.items) == 2, timeout=20000)
    added = session.items[1].clip
    assert added.is_drum and added.channel == DRUM_CHANNEL and added.notes
    assert added.name == f"{source.name} (drums)"
    assert added.end_tick <= source.n_bars * source.bar_ticks
    assert session.current_uid == session.items[1].uid
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert any("Drumify: added" in m for m in said)
    shot(window, f"drumify_{kind}")
    session.undo_stack.undo()
    assert len(session.items) == 1 and session.items[0].clip is source


def test_no_drum_models_says_so_and_adds_nothing(qtbot: Any, tmp_path: Path) -> None:
    window, said = _window(qtbot, tmp_path, [example_clip("twinkle")])
    window.session.set_current(window.session.items[0].uid)
    _button(window).click()
    assert NO_MODEL in said and len(window.session.items) == 1


def test_an_empty_clip_is_explained(qtbot: Any, root: Path) -> None:
    window, said = _window(qtbot, root, [Clip(name="empty")])
    window.session.set_current(window.session.items[0].uid)
    _button(window).click()
    assert any("the clip is empty" in m for m in said) and len(window.session.items) == 1
