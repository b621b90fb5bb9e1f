"""The window's side of playback: transport actions, output choice, playhead, loop, metronome, audition.

The sequencer calls back on its own thread; :class:`PlaybackController`'s signals carry those calls to
the GUI thread (queued connections). Opening an output (FluidSynth loads a SoundFont, probes audio
drivers) runs on a worker thread when ``background`` is on, so start-up never waits for it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from latentcomposer.app import section_book
from latentcomposer.app.harmony import chord_clip
from latentcomposer.app.playback_service import (
    OutputResult,
    PlaybackService,
    PlaybackUnavailable,
    list_ports,
    open_output,
)

from . import messages

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)
OUTPUT_NAMES = {"fluidsynth": "FluidSynth", "midi": "MIDI port", "none": "None (silent)"}


class PlaybackController(QObject):
    position = Signal(int)
    failed = Signal(str)
    finished = Signal()
    outputOpened = Signal(object)

    def __init__(self, window: MainWindow, service: PlaybackService, background: bool) -> None:
        super().__init__(window)
        self.window = window
        self.service = service
        self.background = background
        self.ports: list[str] = []
        self.ports_problem: str | None = None
        self._clip_dirty = True
        self._opening = 0
        self.choice: tuple[str, str | None, str | None] | None = None  # (kind, port, soundfont) last opened
        service.on_position = self.position.emit
        service.on_error = self.failed.emit
        service.on_finished = self.finished.emit
        self.position.connect(self._on_position)
        self.failed.connect(self._on_failed)
        self.finished.connect(self._on_finished)
        self.outputOpened.connect(self._on_output_opened)
        self._resync = QTimer(self)
        self._resync.setSingleShot(True)
        self._resync.setInterval(30)
        self._resync.timeout.connect(self._push_clip)

    @property
    def session(self):  # noqa: ANN201 - the window's session
        return self.window.session

    # --- keeping the sequencer's clip current ----------------------------------------------
    def clip_changed(self) -> None:
        self._clip_dirty = True
        if self.service.is_playing:
            self._resync.start()
        self.window.transport.show_position(self.window.roll.view.playhead, self.session.current_clip)

    def _push_clip(self) -> None:
        if self._clip_dirty:
            self._clip_dirty = False
            clips = section_book.play_clips(self.session)  # a section's parts play together (issue 24)
            self.service.set_parts(clips[1:])
            self.service.set_clip(clips[0])
            item = self.session.current
            on = self.session.playback.chords and bool(item.chords)
            self.service.set_chords(chord_clip(item.chords, item.clip) if on and item.chords else None)

    # --- transport -------------------------------------------------------------------------
    def toggle_play(self) -> None:
        self._push_clip()
        self.apply_loop()
        try:
            playing = self.service.toggle()
        except PlaybackUnavailable as exc:
            self._on_failed(str(exc))
            playing = False
        self.window.action_map["play"].setChecked(playing)

    def stop(self) -> None:
        self.service.stop()
        self.window.action_map["play"].setChecked(False)
        self._on_position(0)

    def rewind(self) -> None:
        self.service.seek(0)
        self._on_position(0)

    def seek(self, tick: int) -> None:
        self._push_clip()
        self.service.seek(tick)
        self._on_position(tick)

    def _on_position(self, tick: int) -> None:
        self.window.roll.set_playhead(tick, following=self.service.is_playing)
        self.window.transport.show_position(tick, self.session.current_clip)

    def _on_finished(self) -> None:
        self.window.action_map["play"].setChecked(False)
        self._on_position(0)

    def _on_failed(self, message: str) -> None:
        self.window.action_map["play"].setChecked(False)
        self.window.show_message(f"Playback stopped: {message}", 15000)
        self.show_output(OutputResult(self.service.output.kind, self.service.backend, "no output (silent)", message))

    # --- loop and metronome ----------------------------------------------------------------
    def set_loop_region(self, start: int, end: int) -> None:
        if start < 0 or end <= start:
            self.session.update_playback(loop=None, loop_enabled=False)
        else:
            self.session.update_playback(loop=(start, end), loop_enabled=True)
        self.apply_loop()

    def toggle_loop(self, on: bool) -> None:
        pb = self.session.playback
        if on and pb.loop is None:
            clip = self.session.current_clip
            self.session.update_playback(loop=(0, max(1, clip.n_bars) * clip.bar_ticks))
        self.session.update_playback(loop_enabled=bool(on))
        self.apply_loop()

    def apply_loop(self) -> None:
        pb = self.session.playback
        self.window.roll.view.set_loop(pb.loop, pb.loop_enabled)
        self.window.action_map["loop"].setChecked(pb.loop_enabled)
        try:
            if pb.loop_enabled and pb.loop is not None:
                self.service.set_loop(*pb.loop)
            else:
                self.service.set_loop(None, None)
        except ValueError as exc:
            self.window.show_message(f"Loop not set: {exc}")

    def set_metronome(self, on: bool) -> None:
        if on != self.session.playback.metronome:
            self.session.update_playback(metronome=bool(on))
        self.service.set_metronome(on)
        self.window.action_map["metronome"].setChecked(on)

    def audition(self, pitch: int, velocity: int) -> None:
        clip = self.session.current_clip
        self.service.audition(pitch, velocity, program=clip.program, drum=clip.is_drum)

    # --- outputs ---------------------------------------------------------------------------
    def choose_output(self, kind: str, port: str | None = None, soundfont: str | None = None,
                      remember: bool = True) -> None:
        """Open an output (on a worker thread when ``background``) and switch to it."""
        prefs = self.window.prefs
        if remember:
            prefs.set("playback/output", kind)
            if port is not None:
                prefs.set("playback/port", port)
            if soundfont is not None:
                prefs.set("playback/soundfont", soundfont)
        soundfont = soundfont or prefs.get_str("playback/soundfont")
        port = port or prefs.get_str("playback/port")
        pb = self.session.playback
        if (pb.output, pb.port, pb.soundfont) != (kind, port, soundfont):
            self.session.playback.output, self.session.playback.port = kind, port
            self.session.playback.soundfont = soundfont
        self.choice = (kind, port, soundfont)
        self.window.output_label.setText(f"Output: opening {OUTPUT_NAMES.get(kind, kind)}…")
        self._opening += 1
        if not self.background:
            self._on_output_opened(open_output(kind, soundfont, port))
            return

        def work() -> None:
            result = open_output(kind, soundfont, port)
            ports, problem = list_ports()
            self.ports, self.ports_problem = ports, problem
            try:
                self.outputOpened.emit(result)
            except RuntimeError:  # the window went away meanwhile
                result.backend.close()

        threading.Thread(target=work, name="latentcomposer-open-output", daemon=True).start()

    def _on_output_opened(self, result: OutputResult) -> None:
        self._opening -= 1
        self.service.use(result)
        self.show_output(self.service.output)
        for kind, action in self.window.output_actions.items():
            action.setChecked(kind == result.kind)
        if result.problem:
            short = result.problem.split(" (")[0].split(". ")[0]
            self.window.show_message(f"No sound from {OUTPUT_NAMES.get(result.kind, result.kind)}: {short} "
                                     "(details: hover the Output status)", 20000)

    def show_output(self, result: OutputResult) -> None:
        label = self.window.output_label
        if result.problem:
            label.setText(f"Output: none — {OUTPUT_NAMES.get(result.kind, result.kind)} unavailable")
            label.setToolTip(result.problem)
        else:
            label.setText(f"Output: {result.label}")
            label.setToolTip("")
        if self.ports_problem:
            label.setToolTip((label.toolTip() + "\n" if label.toolTip() else "") + "MIDI: " + self.ports_problem)

    def fill_ports_menu(self, menu: QMenu) -> None:
        menu.clear()
        ports, problem = list_ports()
        self.ports, self.ports_problem = ports, problem
        if not ports:
            action = menu.addAction(f"No MIDI ports{' (' + problem.split('.')[0] + ')' if problem else ''}")
            action.setEnabled(False)
            return
        group = QActionGroup(menu)
        current = self.session.playback.port if self.service.output.kind == "midi" else None
        for name in ports:
            action = QAction(name, menu)
            action.setCheckable(True)
            action.setChecked(name == current)
            action.triggered.connect(lambda _=False, n=name: self.choose_output("midi", port=n))
            group.addAction(action)
            menu.addAction(action)

    def choose_soundfont(self) -> None:
        path = messages.open_path(self.window, "Choose a SoundFont", messages.SOUNDFONT_FILTER)
        if path:
            self.window.prefs.set("playback/soundfont", path)
            self.choose_output("fluidsynth", soundfont=path)
