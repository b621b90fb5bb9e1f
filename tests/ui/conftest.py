"""GUI tests (pytest-qt, offscreen): temporary user dirs, a main window on a silent in-memory output,
and every message box / file dialog replaced by a recorder (a test that forgets to expect a dialog
fails instead of hanging)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from latentcomposer.app.model_service import ModelService
from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
from latentcomposer.ui import messages
from latentcomposer.ui.main_window import MainWindow
from tests.user_dirs import user_dirs  # noqa: F401  (autouse fixture)


class Dialogs:
    """Records what would have been shown; answers questions from queues set by the test."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []
        self.questions: list[str] = []
        self.choices: list[str | None] = []
        self.save_answers: list[str] = []
        self.paths: list[str | None] = []

    def error(self, _parent: Any, title: str, text: str) -> None:
        self.errors.append((title, text))

    def info(self, _parent: Any, title: str, text: str) -> None:
        self.infos.append((title, text))

    def choose(self, _parent: Any, _title: str, text: str, _choices: Any, default: int = 0) -> str | None:
        self.questions.append(text)
        if not self.choices:
            raise AssertionError(f"unexpected question: {text}")
        return self.choices.pop(0)

    def ask_save_changes(self, _parent: Any, what: str) -> str:
        self.questions.append(what)
        if not self.save_answers:
            raise AssertionError(f"unexpected 'save changes?' question for {what}")
        return self.save_answers.pop(0)

    def path(self, *_args: Any) -> str | None:
        if not self.paths:
            raise AssertionError("unexpected file dialog")
        return self.paths.pop(0)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    rec = Dialogs()
    for name in ("error", "info", "choose", "ask_save_changes"):
        monkeypatch.setattr(messages, name, getattr(rec, name))
    monkeypatch.setattr(messages, "open_path", rec.path)
    monkeypatch.setattr(messages, "save_path", rec.path)
    return rec


@pytest.fixture
def backend() -> InMemoryBackend:
    return InMemoryBackend()


def make_window(qtbot: Any, backend: InMemoryBackend | None = None, **kwargs: Any) -> MainWindow:
    playback = PlaybackService(backend or InMemoryBackend())
    window = MainWindow(playback=playback, models=ModelService(), background=False, **kwargs)
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.roll.zoom_fit()
    return window


@pytest.fixture
def window(qtbot: Any, backend: InMemoryBackend) -> Iterator[MainWindow]:
    w = make_window(qtbot, backend)
    yield w
    w.shutdown()


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    """Poll ``predicate`` while letting Qt run (for worker threads)."""
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())
