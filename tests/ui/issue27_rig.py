"""A light rig for the issue-27 GUI tests: session + roll + latent tools + panel, with no model (no
torch import), and ``shot(widget, name)`` that saves a screenshot to ``$LC_SCREENSHOTS`` when set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from latentcomposer.app.model_service import ModelService
from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
from latentcomposer.app.session import Session
from latentcomposer.core import Clip
from latentcomposer.ui.latent_tools import LatentTools
from latentcomposer.ui.piano_roll import PianoRoll


def shot(widget: QWidget, name: str) -> Path | None:
    """Save ``widget`` as ``$LC_SCREENSHOTS/name.png`` (no-op unless the variable is set)."""
    folder = os.environ.get("LC_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(path))
    return path


class LightRig:
    def __init__(self, qtbot: Any, root: Path, clips: list[Clip] | None = None) -> None:
        self.session = Session(clips) if clips else Session()
        self.models = ModelService(root=root)
        self.player = PlaybackService(InMemoryBackend())
        self.roll = PianoRoll(self.session)
        self.tools = LatentTools(self.session, self.models, roll=self.roll, player=self.player, parent=self.roll)
        qtbot.addWidget(self.roll)
        self.roll.resize(900, 500)
        self.roll.show()
        qtbot.waitExposed(self.roll)

    def close(self) -> None:
        self.tools.shutdown()
        self.player.close()
