"""`LatentTools`: what the slider panel, the interpolation timeline and the latent map share.

It holds the session, the model service (installed models, background loading), the engine worker
(:mod:`.decode_worker`), the Qt-free :class:`~latentcomposer.app.latent.LatentController`, the preview
layer over the piano roll and the preview's sound. The widgets call its methods and listen to its
signals; the main window creates one and puts its widgets into the dock places::

    tools = LatentTools(session, models, roll=window.roll, player=playback_service)
    LatentPanel(tools), TimelineTabs(tools), LatentMap(tools)

The engine is only ever called on the worker thread: every ``engine.*`` call below sits in a job
(a lambda handed to ``worker.submit``); the UI thread reads the engine's plain attributes only.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from latentcomposer.app.latent import (
    DEVICES,
    EncodeOutcome,
    EngineInfo,
    LatentController,
    PreviewResult,
    decode_preview,
    encode_clip,
    limit_cpu_threads,
    model_for_clip,
    model_representation,
)
from latentcomposer.app.session import Session
from latentcomposer.core import Clip

from .decode_worker import EngineWorker
from .roll_preview import RollPreview

log = logging.getLogger(__name__)

PLAY_MODES = {"loop": "At the next loop boundary", "now": "Immediately"}


class PreviewAudio(QObject):
    """Makes a playing sequencer follow the preview: at once, or just before the next loop boundary
    (the loop's end when looping, else the next bar line)."""

    MARGIN_MS = 30

    def __init__(self, service: Any, session: Session, parent: QObject | None = None) -> None:
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

    def __init__(self, session: Session, models: Any, roll: Any = None, player: Any = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latentTools")
        self.session = session
        self.models = models
        self.roll = roll
        self.worker = EngineWorker(self)
        self.ctl = LatentController(session)
        self.engine: Any = None
        self.info: EngineInfo | None = None
        self.status = (getattr(models, "state", "none"), getattr(models, "message", ""))
        self.overlay = RollPreview(roll) if roll is not None else None
        self.audio = PreviewAudio(player, session, self) if player is not None else None
        self.preview_clip: Clip | None = None
        self.preview_uid: str | None = None
        self.preview_label = ""
        self.clip_points: dict[str, np.ndarray] = {}  # uid -> projected mean of its code
        self.path: np.ndarray | None = None  # interpolation path, projected [steps, 2]
        self.request_gen = 0  # bumps with every preview request (benchmark: move -> paint)
        self.shown_gen = 0
        self._applying = False
        self.decoding = "search"  # how temperature-0 decodes pick notes (Engine.set_decoding)
        self.cpu_threads = 1  # CPU threads for the worker's decoding (0: leave the libraries' default)
        self._loaded_as = "auto"  # the device choice the current engine was loaded with
        self._chosen = False  # the model being loaded was picked by the user
        self._store_timer = QTimer(self, singleShot=True, interval=400)
        self._store_timer.timeout.connect(self.store)
        self._points_timer = QTimer(self, singleShot=True, interval=200)
        self._points_timer.timeout.connect(self.refresh_points)
        self._unlisten = session.listen(self._on_session)
        self.modelStatus.connect(self.on_model_status)
        if getattr(models, "on_status", None) is None:
            models.on_status = self.modelStatus.emit  # standalone (the window forwards its own signal)
        if getattr(models, "ready", False) and models.engine is not None:
            QTimer.singleShot(0, lambda: self.on_model_status("ready", models.message))

    # --- models ---------------------------------------------------------------------------------
    def installed(self) -> list[Any]:
        return list(self.models.installed()) if hasattr(self.models, "installed") else []

    def representations(self) -> list[tuple[str, str]]:
        return [(m.name, model_representation(m.folder)) for m in self.installed()]

    def load_model(self, name: str, device: str | None = None, chosen: bool = True) -> None:
        """Load ``name`` on ``device`` (auto/cpu/cuda) in the background; the clip is re-encoded when ready.
        ``chosen``: the user picked it (a drum model for a melody stays, to sample drums), rather than
        the tools switching for a clip."""
        device = device or self.ctl.device
        if device not in DEVICES:
            raise ValueError(f"unknown device {device!r}")
        self.ctl.device = device
        if chosen:
            self.deviceChosen.emit(device)
        if self.info is not None and (name, device) == (self.info.name, self._loaded_as):
            return
        self._loaded_as, self._chosen = device, chosen
        self.message.emit(f"Loading {name} ({device})…")
        self._start_service(name, device)

    def start_model(self, name: str | None, device: str) -> bool:
        """The first load (start-up, a project opened): ``name`` (None: the service's default) on
        ``device``, which becomes the panel's choice. Not a user pick: the tools may still switch
        models for a drum clip. False when nothing could be started (no model installed)."""
        device = device if device in DEVICES else "auto"
        self.ctl.device = device
        self._loaded_as, self._chosen = device, False
        self.stateChanged.emit()  # the panel shows the device at once
        return self._start_service(name, device)

    def _start_service(self, name: str | None, device: str) -> bool:
        try:
            return bool(self.models.start(name, device=device))
        except TypeError:  # a service without device choice
            return bool(self.models.start(name))

    @property
    def loaded_device(self) -> str:
        """The device choice (auto/cpu/cuda) the current engine was loaded with."""
        return self._loaded_as

    def on_model_status(self, state: str, message: str) -> None:
        self.status = (state, message)
        if state == "ready" and self.models.engine is not None and self.models.engine is not self.engine:
            self.message.emit(f"Model {message}")
            self.set_engine(self.models.engine)
        elif state == "error":
            self.message.emit(f"Model: {message}")
        self.stateChanged.emit()

    def set_engine(self, engine: Any) -> None:
        self.engine = engine
        self._apply_decoding()
        if engine is not None and self.cpu_threads:
            threads = self.cpu_threads
            self.worker.submit("setup", lambda: limit_cpu_threads(engine, threads))
        self.info = EngineInfo.of(engine) if engine is not None else None
        self.ctl.set_engine(self.info)
        self.clear_preview()
        self.clip_points = {}
        self.path = None
        restored = self.ctl.restore()
        self.engineChanged.emit()
        self.stateChanged.emit()
        chosen, self._chosen = self._chosen, False
        if self.info is not None and (chosen or not self._maybe_switch_for(self.session.current_clip)):
            self.encode_current(keep_base=restored, then_preview=restored)
        self.schedule_points()
        self.schedule_store()

    def _maybe_switch_for(self, clip: Clip) -> bool:
        """Drum clips want a drum model and melodies a melody model: switch if one is installed."""
        if self.info is None:
            return False
        target = model_for_clip(clip, self.info.name, self.info.representation, self.representations())
        if target is None or target == self.info.name:
            want = "drums" if clip.is_drum else "melody"
            if clip.notes and self.info.representation != want:
                self.message.emit(f"'{clip.name}' is {'drums' if clip.is_drum else 'a melody'} and no "
                                  f"{want} model is installed; {self.info.name} cannot encode it")
            return False
        self.message.emit(f"'{clip.name}' is {'drums' if clip.is_drum else 'a melody'}: switching to {target}")
        self.load_model(target, chosen=False)
        return True

    # --- encoding -------------------------------------------------------------------------------
    def encode_current(self, keep_base: bool = False, then_preview: bool = False) -> None:
        """Encode the current clip on the worker (its posterior mean becomes the base z)."""
        engine, session = self.engine, self.session
        if engine is None:
            return
        uid, clip = session.current_uid, session.current_clip
        if not clip.notes:
            self.ctl.forget()
            self.stateChanged.emit()
            return

        def done(out: EncodeOutcome) -> None:
            if engine is not self.engine or out.uid != self.session.current_uid:
                return
            self.ctl.accept_encoding(out, keep_base)
            for w in out.warnings:
                self.message.emit(w)
            self.stateChanged.emit()
            self.pointsChanged.emit()
            if then_preview or self.ctl.moved or (self.ctl.code and self.ctl.code.origin != "encoded"):
                self.request_preview()

        def failed(msg: str) -> None:
            self.ctl.forget()
            self.message.emit(f"Cannot encode '{clip.name}': {msg}")
            self.stateChanged.emit()

        self.worker.submit("encode", lambda: encode_clip(engine, uid, clip, 0), done, failed)

    # --- slider panel actions -------------------------------------------------------------------
    def request_preview(self) -> int:
        """Decode the controller's state on the worker (newest request wins); returns its number."""
        req = self.ctl.preview_request()
        engine = self.engine
        if req is None or engine is None:
            return 0
        self.request_gen += 1
        gen = self.request_gen

        def done(result: PreviewResult) -> None:
            if engine is self.engine and self.ctl.accept_preview(result):
                self.show_preview(result.clip, "Latent preview", uid=result.request.uid, stamp=gen)
                self.pointsChanged.emit()
                self.schedule_store()

        self.worker.submit("preview", lambda: decode_preview(engine, req), done, self._job_failed)
        return gen

    def set_slider(self, key: str, value: float) -> int:
        self.ctl.sliders[key] = float(value)
        return self.request_preview()

    def set_temperature(self, value: float) -> None:
        self.ctl.temperature = max(0.0, float(value))
        if self.ctl.preview is not None or self.ctl.moved:
            self.request_preview()
        self.schedule_store()

    def set_lock(self, lock: str) -> None:
        self.ctl.lock = lock
        self.stateChanged.emit()
        if self.ctl.preview is not None or self.ctl.moved:
            self.request_preview()
        self.schedule_store()

    def set_decoding(self, mode: str, chosen: bool = False) -> None:
        """``"search"`` (beam search + the encoder's choice) or ``"greedy"`` for temperature-0 decodes;
        re-decodes the preview. ``chosen``: picked by the user (the window remembers it)."""
        if mode not in ("search", "greedy"):
            self.message.emit(f"Unknown decoding '{mode}' (search or greedy)")
            return
        self.decoding = mode
        self._apply_decoding()
        if chosen:
            self.decodingChosen.emit(mode)
        self.stateChanged.emit()
        if self.engine is not None and (self.ctl.preview is not None or self.ctl.moved):
            self.request_preview()

    def _apply_decoding(self) -> None:
        # on the worker lane like every engine call: jobs run oldest first, so decodes asked for after
        # this use the new setting
        engine, mode = self.engine, self.decoding
        if engine is not None and hasattr(engine, "set_decoding"):
            self.worker.submit("decoding", lambda: engine.set_decoding(mode))

    def sample(self) -> None:
        if self.info is None:
            self.message.emit("No model loaded yet")
            return
        self.ctl.sample(self.session.current_uid, self.session.current_clip, self.ctl.seed + 1)
        self.stateChanged.emit()
        self.request_preview()

    def reroll(self) -> None:
        if self.ctl.code is None:
            self.sample()
            return
        self.ctl.reroll()
        self.stateChanged.emit()
        self.request_preview()

    def reset(self) -> None:
        self.worker.cancel("preview")
        if not self.ctl.reset_to_encoded():
            self.encode_current()
        self.clear_preview()
        self.stateChanged.emit()
        self.pointsChanged.emit()
        self.schedule_store()

    def set_map_point(self, x: float, y: float) -> int:
        """Decode the point (x, y) of the latent map (the other dimensions come from the current z)."""
        if self.ctl.code is None:
            self.message.emit("Encode a clip (or Sample) first: the map moves the current code")
            return 0
        self.ctl.set_map_point(x, y)
        return self.request_preview()

    # --- previews -------------------------------------------------------------------------------
    def show_preview(self, clip: Clip, label: str, uid: str | None = None, stamp: int = 0) -> None:
        self.preview_clip, self.preview_label = clip, label
        self.preview_uid = uid or self.session.current_uid
        self.shown_gen = stamp
        if self.overlay is not None and self.preview_uid == self.session.current_uid:
            self.overlay.show_clip(clip, label, stamp)
        if self.audio is not None:
            self.audio.follow(clip)
        self.previewChanged.emit()

    def clear_preview(self) -> None:
        had = self.preview_clip is not None
        self.preview_clip, self.preview_uid, self.preview_label = None, None, ""
        self.ctl.preview = None
        if self.overlay is not None:
            self.overlay.clear()
        if had:
            if self.audio is not None:
                self.audio.follow(None)
            self.previewChanged.emit()

    def apply(self) -> bool:
        """The preview becomes the clip's content: one undoable step."""
        clip, uid = self.preview_clip, self.preview_uid
        if clip is None or uid is None or not self.session.has(uid):
            return False
        self._applying = True
        try:
            self.session.replace_clip(clip.copy(name=self.session.item(uid).clip.name),
                                      f"Apply {self.preview_label.lower() or 'preview'}", uid=uid)
        finally:
            self._applying = False
        self.clear_preview()
        self.schedule_store()
        self.message.emit("Applied to the clip (Undo takes it back)")
        return True

    def add_as_clip(self, clip: Clip | None = None, origin: str = "generated", source: str = "") -> bool:
        clip = clip or self.preview_clip
        if clip is None:
            return False
        name = self.info.name if self.info else "model"
        self.session.add_clip(clip.copy(name=f"{clip.name or 'variation'} ({origin})"), origin=origin,
                              source=source or f"{name}, seed {self.ctl.seed}", label="Add generated clip")
        return True

    def on_play(self) -> None:
        """Play was pressed: a preview showing on the current clip is what should sound."""
        if self.audio is not None and self.preview_uid == self.session.current_uid:
            self.audio.on_play(self.preview_clip)

    def _job_failed(self, msg: str) -> None:
        self.message.emit(msg)

    # --- the map's points -----------------------------------------------------------------------
    def current_point(self) -> np.ndarray | None:
        if self.info is None or self.ctl.code is None:
            return None
        pv = self.ctl.preview
        z = pv.z if pv is not None and pv.request.uid == self.ctl.code.uid else self.ctl.current_z_estimate()
        return self.info.plane.project(z).mean(0)

    def set_path(self, z: np.ndarray | None) -> None:
        """The interpolation's codes [steps, chunks, d] (or None) for the map."""
        self.path = None if z is None or self.info is None else \
            self.info.plane.project(np.asarray(z).mean(1))
        self.pointsChanged.emit()

    def schedule_points(self) -> None:
        self._points_timer.start()

    def refresh_points(self) -> None:
        """Encode every clip the model can read (one job) and place them on the map."""
        engine, info = self.engine, self.info
        if engine is None or info is None:
            return
        want_drums = info.is_drums
        clips = [(i.uid, i.clip) for i in self.session.items if i.clip.notes and i.clip.is_drum == want_drums]

        def job() -> dict[str, np.ndarray]:
            out = {}
            for uid, clip in clips:
                try:
                    out[uid] = np.asarray(engine.encode([clip]).mu)
                except Exception:  # a clip this model cannot read has no point
                    continue
            return out

        def done(mus: dict[str, np.ndarray]) -> None:
            if engine is self.engine:
                self.clip_points = {uid: info.plane.project(mu).mean(0) for uid, mu in mus.items()}
                self.pointsChanged.emit()

        self.worker.submit("points", job, done, self._job_failed)

    # --- session ----------------------------------------------------------------------------------
    def schedule_store(self) -> None:
        self._store_timer.start()

    def store(self) -> None:
        self._store_timer.stop()
        if self.info is not None:
            self.ctl.store()

    def _on_session(self, kinds: frozenset[str]) -> None:
        if "reset" in kinds:
            self._store_timer.stop()
            self.worker.cancel("preview")
            self.ctl.forget()
            self.ctl.reset_values()
            self.clear_preview()
            restored = self.info is not None and self.ctl.restore()
            self.stateChanged.emit()
            if self.info is not None and not self._maybe_switch_for(self.session.current_clip):
                self.encode_current(keep_base=restored, then_preview=restored)
            self.schedule_points()
            return
        if "current" in kinds:
            self.worker.cancel("preview")
            self.clear_preview()
            self.ctl.forget()
            self.ctl.reset_values()
            self.stateChanged.emit()
            if not self._maybe_switch_for(self.session.current_clip):
                self.encode_current()
        elif "clip" in kinds and not self._applying:
            code = self.ctl.code
            if code is None or code.uid == self.session.current_uid:  # edited by hand: start again from it
                self.worker.cancel("preview")
                self.clear_preview()
                self.ctl.reset_values()
                self.encode_current()
                self.stateChanged.emit()
        if kinds & {"clips", "clip"}:
            self.schedule_points()

    def shutdown(self) -> None:
        self._store_timer.stop()
        self._points_timer.stop()
        self._unlisten()
        self.worker.close()


def make_button(parent: QWidget, name: str, text: str, tip: str, slot: object) -> QPushButton:
    """A push button with a stable objectName and a tooltip, calling ``slot()`` when clicked."""
    b = QPushButton(text, parent)
    b.setObjectName(name)
    b.setToolTip(tip)
    b.clicked.connect(lambda _=False: slot())  # type: ignore[operator]
    return b
