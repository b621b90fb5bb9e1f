"""`LatentTools`: the Qt side of the latent tools, a thin adapter over the Qt-free controller.

The rules (what each action and session event does, which engine job runs, when to switch model, what
is stored) live in :class:`~latentcomposer.app.latent.controller.LatentController` (``tools.ctl``);
widgets call its methods directly. This class gives it the engine worker (:mod:`.decode_worker`) as its
lane and is its :class:`~latentcomposer.app.latent.controller.LatentHost`: it turns the controller's
change notes into Qt signals, shows its previews over the piano roll (:mod:`.roll_preview`) and in the
speakers (:class:`PreviewAudio`), and debounces stores with timers. Widgets listen to its signals; the
main window creates one and puts its widgets into the dock places::

    tools = LatentTools(session, models, roll=window.roll, player=playback_service)
    LatentPanel(tools), TimelineTabs(tools), LatentMap(tools)

The engine is only ever called on the worker thread (every engine call is a job of
:mod:`latentcomposer.app.latent.jobs`); the UI thread reads the engine's plain attributes only.

A slider drag: QSlider -> :class:`.latent_panel.LatentPanel` -> ``LatentController.set_slider`` (state,
a ``PreviewRequest``) -> :class:`.decode_worker.EngineWorker` (newest request wins; worker thread) ->
``jobs.decode_preview`` -> ``Engine.shift`` / ``Engine.decode``; the result comes back through the
worker's queued signal to the controller (stale ones dropped), which has this class paint it with
:class:`.roll_preview.RollPreview`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from latentcomposer.app.latent.controller import LatentController, Shown
from latentcomposer.app.latent.info import EngineInfo
from latentcomposer.app.model_service import ModelService
from latentcomposer.app.playback_service import PlaybackService
from latentcomposer.app.session import Session
from latentcomposer.core import Clip

from . import busy_overlay
from .decode_worker import EngineWorker
from .preview_frame import PreviewFramer
from .roll_preview import RollPreview

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine

    from .piano_roll import PianoRoll

log = logging.getLogger(__name__)

PLAY_MODES = {"loop": "At the next loop boundary", "now": "Immediately"}


class PreviewAudio(QObject):
    """Makes a playing sequencer follow the preview: at once, or just before the next loop boundary
    (the loop's end when looping, else the next bar line)."""

    MARGIN_MS = 30

    def __init__(self, service: PlaybackService, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session
        self.mode = "loop"
        self.pending: Clip | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._swap)

    def follow(self, clip: Clip | None) -> None:
        """The preview changed (None: back to the clip itself)."""
        target = clip if clip is not None else self.session.current_clip
        if not self.service.is_playing:
            self.timer.stop()
            return
        self.pending = target
        if self.mode == "now":
            self._swap()
        elif not self.timer.isActive():
            self.timer.start(self.ms_to_boundary())

    def ms_to_boundary(self) -> int:
        clip = self.session.current_clip
        pos = int(self.service.position_tick)
        pb = self.session.playback
        if pb.loop_enabled and pb.loop is not None and pos < pb.loop[1]:
            end = pb.loop[1]
        else:
            end = (pos // clip.bar_ticks + 1) * clip.bar_ticks
        ms = (end - pos) * 60000.0 / (clip.tempo * clip.ppq)
        return max(0, round(ms) - self.MARGIN_MS)

    def _swap(self) -> None:
        self.timer.stop()
        if self.pending is not None:
            self.service.set_clip(self.pending)
            self.pending = None

    def on_play(self, preview: Clip | None) -> None:
        """Play was pressed: start with the preview if one is showing."""
        if preview is not None and self.service.is_playing:
            self.service.set_clip(preview)

    def audition(self, clip: Clip) -> bool:
        """Play ``clip`` from its start (a step, a chain); False with no output."""
        try:
            self.service.set_clip(clip)
            self.service.seek(0)
            if not self.service.is_playing:
                self.service.play()
        except Exception as exc:  # PlaybackUnavailable: there is no sound on this machine
            log.info("audition failed: %s", exc)
            return False
        return True


class LatentTools(QObject):
    engineChanged = Signal()  # a model was loaded (or none is): rebuild sliders, enable tabs
    stateChanged = Signal()  # code, seed, temperature, lock or slider values changed
    previewChanged = Signal()
    pointsChanged = Signal()  # the map's clip points, path or current point
    message = Signal(str)
    modelStatus = Signal(str, str)
    deviceChosen = Signal(str)  # the user picked a device (auto/cpu/cuda): the window remembers it
    decodingChosen = Signal(str)  # the user picked a decoding (search/greedy): the window remembers it

    def __init__(self, session: Session, models: ModelService, roll: PianoRoll | None = None,
                 player: PlaybackService | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latentTools")
        self.session = session
        self.models = models
        self.roll = roll
        self.worker = EngineWorker(self)
        self.overlay = RollPreview(roll) if roll is not None else None
        self.framer = PreviewFramer(roll) if roll is not None else None  # previews land in view (issue 27)
        self.busy = busy_overlay.attach(self)  # a busy state where the preview will appear (issue 27)
        self.audio = PreviewAudio(player, session, self) if player is not None else None
        self._signals = {"engine": self.engineChanged, "state": self.stateChanged, "preview": self.previewChanged,
                         "points": self.pointsChanged}
        self._timers = {"store": QTimer(self, singleShot=True, interval=400),
                        "points": QTimer(self, singleShot=True, interval=200)}
        self.ctl = LatentController(session, models, host=self, lane=self.worker)
        if roll is not None:  # a long clip's preview decodes the bars in view first (issue 27, defect 4)
            self.ctl.view_ticks = roll.view.visible_ticks
        self._timers["store"].timeout.connect(self.store)
        self._timers["points"].timeout.connect(self.ctl.refresh_points)
        self._unlisten = session.listen(self._on_session)
        self.modelStatus.connect(self.ctl.on_model_status)
        if models.on_status is None:
            models.on_status = self.modelStatus.emit  # standalone (the window forwards its own signal)
        if models.ready and models.engine is not None:
            QTimer.singleShot(0, lambda: self.ctl.on_model_status("ready", models.message))

    # --- LatentHost: what the controller tells the Qt side -----------------------------------------
    def changed(self, what: str) -> None:
        self._signals[what].emit()

    def say(self, text: str) -> None:
        self.message.emit(text)

    def remember(self, key: str, value: str) -> None:
        (self.deviceChosen if key == "device" else self.decodingChosen).emit(value)

    def show(self, shown: Shown | None) -> None:
        if shown is None:
            if self.overlay is not None:
                self.overlay.clear()
        elif self.overlay is not None and shown.uid == self.session.current_uid:
            self.overlay.show_clip(shown.clip, shown.label, shown.stamp)
            if self.framer is not None:
                self.framer.frame(shown.clip)
        if self.audio is not None:
            self.audio.follow(shown.clip if shown is not None else None)

    def soon(self, what: str) -> None:
        self._timers[what].start()

    # --- what the widgets read --------------------------------------------------------------------
    @property
    def engine(self) -> Engine | None:
        return self.ctl.engine

    @property
    def info(self) -> EngineInfo | None:
        return self.ctl.info

    @property
    def status(self) -> tuple[str, str]:
        return self.ctl.status

    def loading_title(self) -> str:
        """The model being loaded, in a composer's words ("Melody · 2 bars"); "" when none is."""
        name = getattr(self.models, "loading_name", None)
        if not name:
            return ""
        return next((m.title for m in self.models.installed() if m.name == name), name)

    @property
    def decoding(self) -> str:
        return self.ctl.decoding

    @property
    def preview_clip(self) -> Clip | None:
        return self.ctl.shown.clip if self.ctl.shown is not None else None

    @property
    def preview_uid(self) -> str | None:
        return self.ctl.shown.uid if self.ctl.shown is not None else None

    @property
    def preview_label(self) -> str:
        return self.ctl.shown.label if self.ctl.shown is not None else ""

    @property
    def shown_gen(self) -> int:
        return self.ctl.shown.stamp if self.ctl.shown is not None else 0

    @property
    def request_gen(self) -> int:
        return self.ctl.request_gen

    @property
    def clip_points(self) -> dict[str, np.ndarray]:
        return self.ctl.clip_points

    @property
    def path(self) -> np.ndarray | None:
        return self.ctl.path

    @property
    def loaded_device(self) -> str:
        """The device choice (auto/cpu/cuda) the current engine was loaded with."""
        return self.ctl.loaded_as

    def current_point(self) -> np.ndarray | None:
        return self.ctl.current_point()

    # --- used by the window and tests (widgets call ``tools.ctl`` directly) --------------------------
    def load_model(self, name: str, device: str | None = None, chosen: bool = True) -> None:
        self.ctl.load_model(name, device, chosen)

    def start_model(self, name: str | None, device: str) -> bool:
        return self.ctl.start_model(name, device)

    def on_model_status(self, state: str, message: str) -> None:
        self.ctl.on_model_status(state, message)

    def set_decoding(self, mode: str, chosen: bool = False) -> None:
        self.ctl.set_decoding(mode, chosen)

    def on_play(self) -> None:
        """Play was pressed: a preview showing on the current clip is what should sound."""
        if self.audio is not None and self.preview_uid == self.session.current_uid:
            self.audio.on_play(self.preview_clip)

    def store(self) -> None:
        self._timers["store"].stop()
        self.ctl.store()

    def _on_session(self, kinds: frozenset[str]) -> None:
        if "reset" in kinds:  # (the controller follows the session itself)
            self._timers["store"].stop()  # what was pending belonged to the old session

    def shutdown(self) -> None:
        for timer in self._timers.values():
            timer.stop()
        self._unlisten()
        self.ctl.close()
        self.worker.close()


def make_button(parent: QWidget, name: str, text: str, tip: str, slot: object) -> QPushButton:
    """A push button with a stable objectName and a tooltip, calling ``slot()`` when clicked."""
    b = QPushButton(text, parent)
    b.setObjectName(name)
    b.setToolTip(tip)
    b.clicked.connect(lambda _=False: slot())  # type: ignore[operator]
    return b
