"""Record from a MIDI keyboard (``objectName`` ``recordPanel``), and MIDI clock with a DAW.

**Record**: pick an input port, a count-in (bars, clicks on the drum channel), the metronome, an
optional quantize grid and "punch over the loop". Record starts the count-in, then plays the clip
(so you play along) and records what you play with its velocities (:class:`latentcomposer.app.
recording.Recorder`); Stop writes the take into the current clip as one undoable step (inside the loop
only, with punch). Without any MIDI input the panel says how to connect one; nothing else changes.

**Clock** (:class:`ClockControl`): "Send MIDI clock" sends clock, start/stop and song position on the
MIDI output port so a DAW follows the app; "Follow MIDI clock" follows a DAW's clock from an input
port (tempo, start, stop, position). Messages from ports arrive on their own threads and are passed to
the UI thread by queued signals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import mido
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from latentcomposer.app.recording import Recorder
from latentcomposer.io.midi_input import MidiInput, PortInput, list_input_ports
from latentcomposer.io.midi_sync import ClockFollower, ClockSender
from latentcomposer.io.playback import PlaybackUnavailable

from . import messages

if TYPE_CHECKING:
    from .main_window import MainWindow

QUANTIZE = {"Off (as played)": 0, "1/8": 2, "1/16": 4}  # label -> steps per quarter
CLICK_HIGH, CLICK_LOW = 76, 77  # hi / lo wood block (GM drums): the count-in


class _Relay(QObject):
    message = Signal(object, float)


class RecordPanel(QDialog):
    def __init__(self, window: MainWindow, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self.setObjectName("recordPanel")
        self.setWindowTitle("Record from MIDI keyboard")
        self.window_ = window
        self.clock = clock
        self.input: MidiInput | None = None
        self.recorder: Recorder | None = None
        self.relay = _Relay(self)
        self.relay.message.connect(self._incoming, Qt.ConnectionType.QueuedConnection)
        self.beats_left = 0
        self.count_timer = QTimer(self)
        self.count_timer.timeout.connect(self._count_beat)

        self.port_combo = QComboBox(self)
        self.port_combo.setObjectName("recordInput")
        self.count_in = QSpinBox(self)
        self.count_in.setObjectName("recordCountIn")
        self.count_in.setRange(0, 4)
        self.count_in.setValue(1)
        self.count_in.setSuffix(" bar(s)")
        self.metronome = QCheckBox("Metronome while recording", self)
        self.metronome.setObjectName("recordMetronome")
        self.metronome.setChecked(True)
        self.quantize = QComboBox(self)
        self.quantize.setObjectName("recordQuantize")
        self.quantize.addItems(list(QUANTIZE))
        self.punch = QCheckBox("Punch over the loop (replace the notes inside it)", self)
        self.punch.setObjectName("recordPunch")
        self.status = QLabel("", self)
        self.status.setObjectName("recordStatus")
        self.status.setWordWrap(True)
        self.record_button = QPushButton("Record", self)
        self.record_button.setObjectName("recordButton")
        self.record_button.clicked.connect(self.toggle)
        refresh = QPushButton("Rescan", self)
        refresh.setObjectName("recordRescan")
        refresh.setToolTip("Look for MIDI inputs again (after plugging a keyboard in)")
        refresh.clicked.connect(self.fill_ports)
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.port_combo, 1)
        row.addWidget(refresh)
        form.addRow("MIDI input", row)
        form.addRow("Count-in", self.count_in)
        form.addRow("Quantize", self.quantize)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.metronome)
        lay.addWidget(self.punch)
        lay.addWidget(self.status)
        lay.addWidget(self.record_button)
        self.fill_ports()

    # --- ports -----------------------------------------------------------------------------------
    def fill_ports(self) -> None:
        self.port_combo.clear()
        names = list_input_ports()
        for name in names:
            self.port_combo.addItem(name, name)
        if not names:
            self.port_combo.addItem("No MIDI input found", None)
            self.status.setText("No MIDI keyboard is connected. Plug one in (or start a virtual MIDI port) and "
                                "press Rescan; everything else works without one.")
        else:
            self.status.setText("Choose your keyboard and press Record.")
        self.record_button.setEnabled(bool(names) or self.input is not None)

    def use_input(self, source: MidiInput) -> None:
        """Record from ``source`` instead of a port (tests: an in-memory input)."""
        self.input = source
        self.port_combo.clear()
        self.port_combo.addItem(source.name, source.name)
        self.record_button.setEnabled(True)

    # --- recording -------------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self.recorder is not None or self.beats_left > 0

    def toggle(self) -> None:
        if self.recording:
            self.stop()
        else:
            self.start()

    def start(self) -> bool:
        source = self.input
        if source is None:
            name = self.port_combo.currentData()
            if not name:
                self.status.setText("No MIDI input to record from: connect a keyboard and press Rescan.")
                return False
            source = PortInput(name, self.clock)
        try:
            source.open(lambda msg, t: self.relay.message.emit(msg, t))
        except PlaybackUnavailable as exc:
            messages.error(self, "Cannot record", str(exc))
            return False
        self.input = source
        clip = self.window_.session.current_clip
        beats = clip.time_signature.numerator * self.count_in.value()
        self.record_button.setText("Stop")
        if beats:
            self.beats_left = beats
            self._count_beat()
            self.count_timer.start(round(60000 / clip.tempo))
        else:
            self._begin()
        return True

    def _count_beat(self) -> None:
        clip = self.window_.session.current_clip
        if self.beats_left <= 0:
            self.count_timer.stop()
            self._begin()
            return
        first = self.beats_left % clip.time_signature.numerator == 0
        self.window_.playback_ui.service.audition(CLICK_HIGH if first else CLICK_LOW, 100, drum=True, duration=0.1)
        self.status.setText(f"Count-in: {self.beats_left}…")
        self.beats_left -= 1

    def _begin(self) -> None:
        self.count_timer.stop()
        self.beats_left = 0
        s = self.window_.session
        clip = s.current_clip
        pb = s.playback
        punch = pb.loop if self.punch.isChecked() and pb.loop is not None else None
        base = punch[0] if punch is not None else 0
        steps = QUANTIZE[self.quantize.currentText()]
        self.recorder = Recorder(clip.tempo, clip.ppq, self.clock(), base, punch,
                                 clip.ppq // steps if steps else 0)
        ui = self.window_.playback_ui
        try:
            ui.service.set_metronome(self.metronome.isChecked() or s.playback.metronome)
            ui.service.seek(base)
            if not ui.service.is_playing:
                ui.toggle_play()  # plays the clip (and its loop) to play along with
        except (PlaybackUnavailable, OSError):  # no sound: still records (to the clock)
            pass
        self.status.setText("Recording… play now. Press Stop when done.")

    def _incoming(self, msg: mido.Message, seconds: float) -> None:
        if self.recorder is not None:
            self.recorder.feed(msg, seconds)
            if msg.type == "note_on" and msg.velocity > 0:
                self.status.setText(f"Recording… {len(self.recorder.notes) + len(self.recorder._held)} notes")

    def stop(self) -> int:
        """Stop recording; the take goes into the current clip (one undoable step). Returns its notes."""
        self.count_timer.stop()
        self.beats_left = 0
        rec, self.recorder = self.recorder, None
        self.record_button.setText("Record")
        if self.input is not None:
            self.input.close()
        try:
            self.window_.playback_ui.stop()
            self.window_.playback_ui.service.set_metronome(self.window_.session.playback.metronome)
        except (PlaybackUnavailable, OSError):
            pass
        if rec is None:
            self.status.setText("Recording cancelled during the count-in.")
            return 0
        take = rec.finish(self.clock())
        if not take:
            self.status.setText("Nothing was played: the clip is unchanged.")
            return 0
        s = self.window_.session
        s.replace_clip(rec.apply(s.current_clip), "Record from MIDI keyboard")
        self.status.setText(f"Recorded {len(take)} notes into '{s.current_clip.name}' (Undo takes them back).")
        self.window_.show_message(self.status.text())
        return len(take)

    def closeEvent(self, event: object) -> None:  # noqa: D401 (Qt)
        if self.recording:
            self.stop()
        super().closeEvent(event)  # type: ignore[arg-type]


class ClockControl(QObject):
    """The window's MIDI clock: send (to the MIDI output port) and follow (from an input port)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.clock_out: ClockSender | None = None
        self.follow_input: MidiInput | None = None
        self.follower: ClockFollower | None = None
        self.relay = _Relay(self)
        self.relay.message.connect(self._incoming, Qt.ConnectionType.QueuedConnection)

    # --- out -------------------------------------------------------------------------------------
    def send_clock(self, on: bool, threaded: bool = True) -> bool:
        service = self.window_.playback_ui.service
        if self.clock_out is not None:
            self.clock_out.stop_thread()
            self.clock_out = None
        if not on:
            self.window_.show_message("MIDI clock: off")
            return False
        if service.output.kind != "midi" or not service.output.ok:
            self.window_.show_message("MIDI clock goes out on a MIDI port: choose Playback > Output > MIDI port "
                                      "first (your DAW listens there)")
            return False
        self.clock_out = ClockSender(service, service.backend, lambda: service.sequencer.ppq)
        if threaded:
            self.clock_out.start_thread()
        self.window_.show_message("MIDI clock: sending clock and start/stop on the MIDI output")
        return True

    # --- in --------------------------------------------------------------------------------------
    def follow(self, source: MidiInput | None) -> bool:
        """Follow the clock arriving at ``source`` (None: stop following)."""
        if self.follow_input is not None:
            self.follow_input.close()
            self.follow_input, self.follower = None, None
        if source is None:
            return False
        service = self.window_.playback_ui.service

        def position(quarters: float) -> None:
            service.seek(round(quarters * service.sequencer.ppq))

        self.follower = ClockFollower(on_tempo=self._tempo, on_start=self._start, on_stop=self.window_.playback_ui.stop,
                                      on_position=position, on_continue=self._continue)
        try:
            source.open(lambda msg, t: self.relay.message.emit(msg, t))
        except PlaybackUnavailable as exc:
            messages.error(self.window_, "Cannot follow MIDI clock", str(exc))
            self.follower = None
            return False
        self.follow_input = source
        self.window_.show_message(f"Following MIDI clock from {source.name}")
        return True

    def choose_and_follow(self) -> bool:
        names = list_input_ports()
        if not names:
            messages.error(self.window_, "No MIDI input",
                           "No MIDI input port was found to follow a clock from. In your DAW, send MIDI clock to "
                           "a virtual MIDI port, then try again; the app plays on its own clock meanwhile.")
            return False
        name = messages.pick_item(self.window_, "Follow MIDI clock", "The port your DAW sends clock to:", names, 0)
        return name is not None and self.follow(PortInput(name))

    def _start(self) -> None:
        self.window_.playback_ui.service.seek(0)
        self._continue()

    def _continue(self) -> None:
        ui = self.window_.playback_ui
        if not ui.service.is_playing:
            ui.toggle_play()

    def _tempo(self, bpm: float) -> None:
        self.window_.playback_ui.service.sequencer.set_tempo(bpm)
        self.window_.show_message(f"Following MIDI clock: {bpm:.1f} bpm")

    def _incoming(self, msg: mido.Message, seconds: float) -> None:
        if self.follower is not None:
            self.follower.feed(msg, seconds)

    def shutdown(self) -> None:
        self.send_clock(False)
        self.follow(None)


def add_menu(window: MainWindow, menu: QMenu) -> None:
    """Playback menu entries: Record from MIDI keyboard…, Send MIDI clock, Follow MIDI clock…"""
    from PySide6.QtGui import QAction

    clock = ClockControl(window)
    window.clock_control = clock  # type: ignore[attr-defined]
    record = QAction("&Record from MIDI Keyboard…", menu)
    record.setObjectName("recordMidi")
    record.triggered.connect(lambda _=False: open_record_panel(window))
    send = QAction("Send MIDI &Clock", menu)
    send.setObjectName("sendClock")
    send.setCheckable(True)
    send.triggered.connect(lambda on: send.setChecked(clock.send_clock(bool(on))))
    follow = QAction("&Follow MIDI Clock…", menu)
    follow.setObjectName("followClock")
    follow.setCheckable(True)
    follow.triggered.connect(lambda on: follow.setChecked(clock.choose_and_follow() if on else clock.follow(None)))
    menu.addSeparator()
    for action in (record, send, follow):
        menu.addAction(action)
        window.action_map[action.objectName()] = action


def open_record_panel(window: MainWindow) -> RecordPanel:
    panel = window.findChild(RecordPanel, "recordPanel")
    if panel is None:
        panel = RecordPanel(window)
    panel.show()
    panel.raise_()
    return panel
