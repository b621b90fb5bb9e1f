"""Fixtures for the latent-tools GUI tests: tiny models, and a rig of session + roll + tools + widgets.

Test modules import the fixtures from here (``from .latent_rig import rig, tiny_models``). Every engine
is wrapped in a :class:`~tests.helpers_models.RecordingEngine`, so tests can assert which thread ran
each engine call and with what arguments.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from latentcomposer.app.model_service import ModelService
from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
from latentcomposer.app.session import Session
from latentcomposer.core import Clip
from latentcomposer.core.examples import example_clip, example_drums
from latentcomposer.ui.latent_map import LatentMap
from latentcomposer.ui.latent_panel import LatentPanel
from latentcomposer.ui.latent_tools import LatentTools
from latentcomposer.ui.piano_roll import PianoRoll
from latentcomposer.ui.timeline import TimelineTabs
from tests.helpers_models import RecordingEngine, make_tiny_models, recording_loader


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_models(tmp_path_factory.mktemp("latent-models"))


def default_clips() -> list[Clip]:
    return [example_clip("twinkle"), example_clip("mary"), example_drums(4),
            example_clip("ode_to_joy").slice_bars(0, 4).copy(name="Ode (4 bars)")]


class Rig:
    def __init__(self, qtbot: Any, root: Path, clips: list[Clip] | None = None) -> None:
        self.qtbot = qtbot
        self.session = Session(clips or default_clips())
        self.engines: list[RecordingEngine] = []
        self.models = ModelService(root=root, loader=recording_loader(self.engines))
        self.backend = InMemoryBackend()
        self.player = PlaybackService(self.backend)
        self.window = QWidget()
        self.window.setObjectName("latentRig")
        self.roll = PianoRoll(self.session, self.window)
        self.tools = LatentTools(self.session, self.models, roll=self.roll, player=self.player, parent=self.window)
        self.messages: list[str] = []
        self.tools.message.connect(self.messages.append)
        self.panel = LatentPanel(self.tools, self.window)
        self.timeline = TimelineTabs(self.tools, self.window)
        self.map = LatentMap(self.tools, self.window)
        lay = QHBoxLayout(self.window)
        left = QVBoxLayout()
        left.addWidget(self.roll, 3)
        left.addWidget(self.timeline, 1)
        lay.addLayout(left, 3)
        lay.addWidget(self.panel, 1)
        lay.addWidget(self.map, 1)
        qtbot.addWidget(self.window)
        self.window.resize(1400, 800)
        self.window.show()
        qtbot.waitExposed(self.window)

    @property
    def engine(self) -> RecordingEngine:
        return self.engines[-1]

    def load(self, name: str = "tiny_2bar") -> RecordingEngine:
        n = len(self.engines)
        self.tools.load_model(name, "cpu")
        self.qtbot.waitUntil(lambda: len(self.engines) > n and self.tools.engine is self.engines[-1], timeout=15000)
        if self.session.current_clip.notes:
            self.qtbot.waitUntil(lambda: self.tools.ctl.code is not None, timeout=10000)
        return self.engine

    def idle(self, timeout: int = 10000) -> None:
        """Wait until the worker has nothing left and its results were delivered."""
        self.qtbot.waitUntil(lambda: self.tools.worker.queue.idle and not self.tools.worker.is_busy(),
                             timeout=timeout)

    def engine_threads(self) -> set[threading.Thread]:
        return set().union(*(e.threads() for e in self.engines)) if self.engines else set()

    def close(self) -> None:
        self.tools.shutdown()
        self.timeline.cleanup()
        self.player.close()


@pytest.fixture
def rig(qtbot: Any, tiny_models: Path) -> Iterator[Rig]:
    r = Rig(qtbot, tiny_models)
    yield r
    r.close()
