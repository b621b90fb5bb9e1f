"""The main window: piano roll in the centre, clip list, transport, places for the latent tools.

``latentcomposer gui [FILE]`` calls :func:`run`. Start-up shows a usable window at once: the output
device is opened and the model loaded on worker threads afterwards, each reporting in the status bar.
Nothing here imports torch.

The model's device (auto/cpu/cuda) picked in the latent panel is remembered in the preferences
(``model/device``) and saved with the project. The first model load uses the project's choice when
the session has one (a project opened or recovered), else the remembered one (:meth:`MainWindow.
startup_device`). A CUDA choice without a CUDA GPU loads on the CPU and the status bar says so.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QShowEvent
from PySide6.QtWidgets import QApplication, QComboBox, QDockWidget, QLabel, QMainWindow, QMenu, QWidget

from latentcomposer import __version__
from latentcomposer.app import autosave
from latentcomposer.app.editing import DRUMS_NO_TRANSPOSE
from latentcomposer.app.latent.info import DEVICES
from latentcomposer.app.midi_import import MIDI_SUFFIXES
from latentcomposer.app.model_names import plain_model_message
from latentcomposer.app.model_service import ModelService, gpu_summary
from latentcomposer.app.playback_service import PlaybackService
from latentcomposer.app.session import Session
from latentcomposer.core.errors import UserFacingError
from latentcomposer.paths import RESOURCES_DIR

from . import dialogs, messages, section_ops, window_extras
from .actions import create_actions, create_menus, create_tool_bar
from .clip_list import ClipListPanel
from .file_ops import FileController
from .key_button import KeyButton
from .latent_map import LatentMap
from .latent_panel import LatentPanel
from .latent_tools import LatentTools
from .piano_roll import PianoRoll
from .placeholders import PLACEHOLDERS
from .playback_ui import PlaybackController
from .preferences import Preferences
from .timeline import TimelineTabs
from .transport import TransportBar

log = logging.getLogger(__name__)
RESOURCES = RESOURCES_DIR


_REFUSED = object()  # what MainWindow._guarded returns when an edit was refused


class MainWindow(QMainWindow):
    """``background=False`` (tests) opens outputs synchronously and loads no model by itself."""

    modelStatus = Signal(str, str)
    # set by actions.create_menus / create_tool_bar while __init__ runs
    recent_menu: QMenu
    snap_combo: QComboBox

    def __init__(self, session: Session | None = None, *, playback: PlaybackService | None = None,
                 models: ModelService | None = None, prefs: Preferences | None = None,
                 background: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.background = background
        self.session = session or Session()
        self.prefs = prefs or Preferences()
        self.models = models or ModelService()
        self.autosaver = autosave.Autosaver(self.session)
        self.output_actions: dict[str, QAction] = {}
        self.docks: dict[str, QDockWidget] = {}

        self.roll = PianoRoll(self.session, self)
        self.setCentralWidget(self.roll)
        self.files = FileController(self)
        self.playback_ui = PlaybackController(self, playback or PlaybackService(), background)
        self.action_map = create_actions(self)
        self.transport = TransportBar([self.action_map[k] for k in ("play", "stop", "rewind", "loop", "metronome")],
                                      self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.transport)
        self.transport.addSeparator()
        self.tools_bar = create_tool_bar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.tools_bar)
        self.clip_list = ClipListPanel(self.session, self)
        self._add_dock("clipList", "Clips", self.clip_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.latent_tools = LatentTools(self.session, self.models, roll=self.roll,
                                        player=self.playback_ui.service, parent=self)
        self.latent_panel = LatentPanel(self.latent_tools, self)
        self.key_button = KeyButton(self.session, self.latent_tools.ctl.set_key_lock, self)
        self.transport.addWidget(self.key_button)  # "Key: A minor" and the key lock
        self.timeline = TimelineTabs(self.latent_tools, self)
        self.latent_map = LatentMap(self.latent_tools, self)
        panels = {"latentPanel": self.latent_panel, "interpolationTimeline": self.timeline,
                  "latentMap": self.latent_map}
        for name, (title, area, _text) in PLACEHOLDERS.items():
            self._add_dock(name, title, panels[name], area)
        # the map in view with the sliders (under them), not tabbed behind them (issue 27, defect 6)
        self.splitDockWidget(self.docks["latentPanel"], self.docks["latentMap"], Qt.Orientation.Vertical)
        create_menus(self)
        self._build_status_bar()
        window_extras.install(self)  # issue 27: theme, groove, welcome, variations, MIDI in/clock
        self.sections = section_ops.install(self)  # issue 24: multi-track sections (panel, File menu)

        self.roll.audition.connect(self.playback_ui.audition)
        self.roll.seekRequested.connect(self.playback_ui.seek)
        self.roll.loopChanged.connect(self.playback_ui.set_loop_region)
        self.roll.message.connect(self.show_message)
        self.roll.view.changed.connect(self._sync_tool_actions)
        self.transport.tempoEdited.connect(self._tempo_edited)
        self.clip_list.list.dragFailed.connect(self.show_message)
        self._unlisten = self.session.listen(self._on_session)
        self.modelStatus.connect(self._show_model_status)
        self.models.on_status = self.modelStatus.emit
        self.modelStatus.connect(self.latent_tools.on_model_status)
        self.latent_tools.message.connect(self.show_message)
        self.latent_tools.deviceChosen.connect(lambda device: self.prefs.set("model/device", device))
        self.latent_tools.decodingChosen.connect(lambda mode: self.prefs.set("model/decoding", mode))
        if self.prefs.get_str("model/decoding", "search") == "greedy":
            self.latent_tools.set_decoding("greedy")
        self.action_map["play"].triggered.connect(lambda _=False: self.latent_tools.on_play())

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setObjectName("autosaveTimer")
        self.autosave_timer.setInterval(autosave.POLL_S * 1000)  # tick(): 2 s after edits pause, <= 10 s in a burst
        self.autosave_timer.timeout.connect(self.autosave_now)
        self.autosave_timer.start()

        self._restore_preferences()
        self.resize(1280, 800)
        self._default_state = self.saveState()
        self._layout_restored = self.prefs.restore_window(self)
        self._first_show = True
        self._on_session(frozenset({"reset", "undo", "modified", "path", "clip", "playback"}))
        self._show_model_status(self.models.state, self.models.message)
        self.playback_ui.show_output(self.playback_ui.service.output)
        if background:
            QTimer.singleShot(0, self.start_background)
        self._closed = False

    # --- building ------------------------------------------------------------------------------
    def _add_dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name + "Dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        return dock

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._first_show:
            self._first_show = False
            if not self._layout_restored:
                QTimer.singleShot(0, self.default_dock_sizes)

    def default_dock_sizes(self) -> None:
        self.resizeDocks([self.docks["clipList"], self.docks["latentPanel"]], [190, 340],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["latentPanel"], self.docks["latentMap"]], [330, 270], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["interpolationTimeline"]], [190], Qt.Orientation.Vertical)
        self._default_state = self.saveState()

    def set_panel(self, name: str, widget: QWidget) -> None:
        """Put the real widget into a dock place (``latentPanel``, ``interpolationTimeline``, ``latentMap``)."""
        widget.setObjectName(name)
        old = self.docks[name].widget()
        self.docks[name].setWidget(widget)
        if old is not None:
            old.deleteLater()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("statusBar")
        self.output_label = QLabel("Output: none", self)
        self.output_label.setObjectName("outputStatus")
        self.model_label = QLabel("Model: …", self)
        self.model_label.setObjectName("modelStatus")
        bar.addPermanentWidget(self.output_label)
        bar.addPermanentWidget(self.model_label)

    def _restore_preferences(self) -> None:
        snap = self.prefs.get_str("roll/snap", "1/16") or "1/16"
        self.snap_combo.setCurrentText(snap if self.snap_combo.findText(snap) >= 0 else "1/16")
        self.set_snap(self.snap_combo.currentText())
        self._sync_tool_actions()
        self.refresh_recent()

    def start_background(self) -> None:
        """After the window is up: open the remembered output and start loading a model."""
        if self._closed:
            return
        kind = self.session.playback.output if self.session.path else \
            (self.prefs.get_str("playback/output", "fluidsynth") or "fluidsynth")
        self.playback_ui.choose_output(kind, remember=False)
        self.start_model()

    def startup_device(self) -> str:
        """The device for a first load: the project's choice (saved with the latent panel's state),
        else the one remembered in the preferences, else auto."""
        panel = self.session.latent.panel
        device = panel.device if panel is not None else None
        if device not in DEVICES:
            device = self.prefs.get_str("model/device", "auto")
        return device if device in DEVICES else "auto"

    def start_model(self) -> None:
        if not self.latent_tools.start_model(self.session.latent.model, self.startup_device()):
            self._show_model_status(self.models.state, self.models.message)

    # --- status --------------------------------------------------------------------------------
    def show_message(self, text: str, timeout_ms: int = 6000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _show_model_status(self, state: str, message: str) -> None:
        gpu = gpu_summary()
        shown = plain_model_message(message, self.models.installed())  # plain names (issue 27)
        self.model_label.setText(f"Model: {shown}" + (" · no GPU" if "none found" in gpu else ""))
        self.model_label.setToolTip(f"{message}\n{gpu}")

    def _sync_tool_actions(self) -> None:
        tool = self.roll.tool
        for name, key in (("select", "toolSelect"), ("draw", "toolDraw"), ("erase", "toolErase")):
            self.action_map[key].setChecked(tool == name)

    def set_snap(self, snap: str) -> None:
        self.roll.set_snap(snap)
        self.prefs.set("roll/snap", snap)

    # --- session events ------------------------------------------------------------------------
    def _on_session(self, kinds: frozenset[str]) -> None:
        s = self.session
        if kinds & {"undo", "modified", "path", "reset"}:
            stack = s.undo_stack
            self.action_map["undo"].setEnabled(stack.can_undo)
            self.action_map["redo"].setEnabled(stack.can_redo)
            self.action_map["undo"].setText(f"&Undo {stack.undo_label}".rstrip())
            self.action_map["redo"].setText(f"&Redo {stack.redo_label}".rstrip())
            self.setWindowTitle(f"{s.title}[*] — latentcomposer")
            self.setWindowModified(s.modified)
        if kinds & {"clip", "current", "reset"}:
            self.transport.show_tempo(s.current_clip.tempo)
            self.playback_ui.clip_changed()
        if kinds & {"chords", "playback"} and not kinds & {"clip", "current", "reset"}:
            self.playback_ui.clip_changed()  # the chord lane heard with the clip
        if "reset" in kinds or "playback" in kinds:
            self.playback_ui.apply_loop()
            self.action_map["metronome"].setChecked(s.playback.metronome)
            self.playback_ui.service.set_metronome(s.playback.metronome)
        if kinds & {"selection", "clip", "current", "reset"}:
            has_sel = bool(s.selection)
            for key in ("cut", "copy", "duplicate"):
                self.action_map[key].setEnabled(has_sel)

    def project_loaded(self) -> None:
        """After a project was opened or recovered: follow its playback choices and model."""
        pb = self.session.playback
        wanted = (pb.output, pb.port if pb.output == "midi" else None,
                  pb.soundfont if pb.output == "fluidsynth" else None)
        current = self.playback_ui.choice
        if current is None or wanted != (current[0], current[1] if current[0] == "midi" else None,
                                         current[2] if current[0] == "fluidsynth" and pb.soundfont else None):
            self.playback_ui.choose_output(pb.output, pb.port, pb.soundfont, remember=False)
        self.roll.zoom_fit()
        latent = self.session.latent
        if self.background and latent.model and (latent.model != self.models.model_name
                                                 or self.startup_device() != self.latent_tools.loaded_device):
            self.start_model()

    # --- edit actions --------------------------------------------------------------------------
    def _guard(self, fn: object) -> bool:
        """Run an edit; a user error goes to the status bar. True when it was done."""
        return self._guarded(fn) is not _REFUSED

    def _guarded(self, fn: object) -> object:
        """The edit's result, or ``_REFUSED`` after showing the user error."""
        try:
            return fn()  # type: ignore[operator]
        except UserFacingError as exc:  # EditError, CoreError: refused with a message
            self.show_message(str(exc))
            return _REFUSED

    def _clip_list_focused(self) -> bool:
        focus = QApplication.focusWidget()
        return focus is not None and (focus is self.clip_list.list or self.clip_list.isAncestorOf(focus))

    def delete(self) -> None:
        if self._clip_list_focused():
            self.session.remove_clip(self.session.current_uid)
        else:
            self._guard(self.session.delete_selection)

    def cut(self) -> None:
        if self._guard(self.session.cut_selection):
            self.show_message(f"Cut {len(self.session.clipboard.notes)} notes")

    def copy(self) -> None:
        if self._guard(self.session.copy_selection):
            self.show_message(f"Copied {len(self.session.clipboard.notes)} notes")

    def paste(self) -> None:
        """Paste at the playhead (on the grid); says so when melody went into drums or back."""
        said = self._guarded(lambda: self.session.paste(self.roll.view.playhead))
        if isinstance(said, str):
            self.show_message(said)

    def duplicate(self) -> None:
        self._guard(lambda: self.session.duplicate_selection(self.roll.view.grid
                                                             if self.roll.view.snap != "off" else 1))

    def quantize(self) -> None:
        grid = self.roll.view.grid if self.roll.view.snap != "off" else max(1, self.roll.view.ppq // 4)
        if self._guard(lambda: self.session.quantize_selection(grid)):
            self.show_message(f"Quantized to {self.roll.view.snap if self.roll.view.snap != 'off' else '1/16'}")

    def transpose_dialog(self) -> None:
        if self.session.current_clip.is_drum:  # refused before asking (no dialog, no undo step)
            self.show_message(DRUMS_NO_TRANSPOSE)
            return
        semitones = dialogs.ask_semitones(self)
        if semitones:
            self._guard(lambda: self.session.transpose_selection(semitones))

    def _tempo_edited(self, bpm: float) -> None:
        self._guard(lambda: self.session.set_tempo(bpm))

    # --- view and help -------------------------------------------------------------------------
    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in self.docks.values():
            dock.show()

    def refresh_recent(self) -> None:
        menu = getattr(self, "recent_menu", None)
        if menu is None:
            return
        menu.clear()
        files = self.prefs.recent_files()
        for path in files:
            menu.addAction(Path(path).name, lambda p=path: self._open_recent(p)).setToolTip(path)
        if files:
            menu.addSeparator()
            menu.addAction("Clear Recent", self._clear_recent)
        else:
            menu.addAction("No recent files").setEnabled(False)

    def _clear_recent(self) -> None:
        self.prefs.clear_recent()
        self.refresh_recent()

    def _open_recent(self, path: str) -> None:
        if not Path(path).exists():
            messages.error(self, "File not found", f"{path} no longer exists; it was removed from the list.")
            self.prefs.remove_recent(path)
            self.refresh_recent()
            return
        self.files.open_path(path)

    def show_shortcuts(self) -> None:
        dialogs.ShortcutsDialog(list(self.action_map.values()), self).exec()

    def learn_style(self) -> QWidget:
        """"Learn my style…": the dialog (non-modal: playback and editing go on while it trains); the
        model it makes is listed and selected."""
        from .personalize_dialog import PersonalizeDialog

        self.models.refresh()
        dlg = PersonalizeDialog(self.models.installed(), self.models.model_name, self.session.clips, self)
        dlg.modelCreated.connect(self._personal_model_ready)
        dlg.show()
        return dlg

    def _personal_model_ready(self, name: str) -> None:
        self.models.refresh()
        self.latent_tools.load_model(name)

    def show_about(self) -> None:
        self.models.refresh()
        dialogs.AboutDialog(self.models.cards(), self.models.message, self).exec()

    # --- drops, autosave, closing --------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.source() is None and any(Path(u.toLocalFile()).suffix.lower() in (*MIDI_SUFFIXES, ".lcproj")
                                          for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if path:
                self.files.open_path(path)
        event.acceptProposedAction()

    def autosave_now(self) -> bool:
        return self.autosaver.tick()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed and not self.files.maybe_save_changes():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop timers and sound, keep the layout, remove the autosave (a clean exit)."""
        if self._closed:
            return
        self._closed = True
        self.autosave_timer.stop()
        try:
            self.prefs.save_window(self)
        except Exception:
            log.exception("could not save the window layout")
        self.playback_ui.service.close()
        self.models.on_status = None
        self.timeline.cleanup()
        self.sections.shutdown()
        self.latent_tools.shutdown()
        self.autosaver.remove()
        self.clip_list.cleanup()
        window_extras.shutdown(self)
        self._unlisten()


def _install_excepthook(window: MainWindow) -> None:
    """A bug in a slot must not lose work: log it, autosave, say so in the status bar, keep running."""
    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        traceback.print_exception(exc_type, exc, tb)
        try:
            if window.session.modified:
                window.autosaver.save()
            window.show_message(f"Unexpected error ({exc_type.__name__}: {exc}). Your work was autosaved; "
                                "please report this.", 30000)
        except Exception:  # the window may be gone
            pass

    sys.excepthook = hook


def early_models(prefs: Preferences) -> ModelService:
    """The model service with the default model already loading: started before the window is built,
    so the load overlaps the window's construction; the window's own start-up load then finds it
    loading (or loaded) instead of starting another. Not what :func:`run` does since the default model
    loads without torch (issue 30, docs/BENCHMARKS.md): on a quiet machine loading after the window
    was ready sooner (1.41 vs 1.75 s after launch, medians of 6), under load the two were within
    0.2 s; kept for benchmarks/gui_startup.py's comparison."""
    models = ModelService()
    device = prefs.get_str("model/device", "auto")
    models.start(None, device=device if device in DEVICES else "auto")
    return models


def run(file: str | None = None, argv: list[str] | None = None) -> int:
    """Start the app (``latentcomposer gui [FILE]``); returns the exit code."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) \
        else QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("latentcomposer")
    app.setOrganizationName("latentcomposer")
    app.setApplicationVersion(__version__)
    icon = RESOURCES / "latentcomposer.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    prefs = Preferences()
    window = MainWindow(prefs=prefs)  # the window starts the default model's load once it is built
    window.show()
    window.roll.canvas.setFocus()
    _install_excepthook(window)
    app.processEvents()
    recovered = window.files.offer_recovery()
    if file and not recovered:
        window.files.open_path(file)
    elif not file and not recovered and window.session.current_clip.notes == ():
        window.show_message("Ready. Draw notes (D), open a MIDI file (Ctrl+O) or a project (Ctrl+Shift+O).", 15000)
        window_extras.first_run(window)  # the welcome: an example clip and three hints (once)
    return int(app.exec())
