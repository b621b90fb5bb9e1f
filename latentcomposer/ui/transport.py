"""The transport bar: play/pause, stop, back to start, loop, metronome, tempo and position."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QToolBar, QWidget

from latentcomposer.core import Clip


def format_position(tick: int, clip: Clip) -> str:
    """``bar.beat.sixteenth`` (1-based) and ``m:ss.t`` of ``tick`` in ``clip``."""
    beat_ticks = max(1, round(clip.ppq * 4 / clip.time_signature.denominator))
    bar, rest = divmod(max(0, tick), max(1, clip.bar_ticks))
    beat, rest = divmod(rest, beat_ticks)
    sixteenth = rest // max(1, clip.ppq // 4)
    seconds = clip.ticks_to_seconds(max(0, tick))
    minutes, secs = divmod(seconds, 60)
    return f"{bar + 1:>3}.{beat + 1}.{sixteenth + 1}   {int(minutes)}:{secs:04.1f}"


class TransportBar(QToolBar):
    tempoEdited = Signal(float)

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__("Transport", parent)
        self.setObjectName("transport")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in actions:
            if action is None:
                self.addSeparator()
            else:
                self.addAction(action)
        self.addSeparator()
        self.addWidget(QLabel(" Tempo ", self))
        self.tempo = QDoubleSpinBox(self)
        self.tempo.setObjectName("tempoSpin")
        self.tempo.setRange(20.0, 400.0)
        self.tempo.setDecimals(1)
        self.tempo.setSuffix(" bpm")
        self.tempo.setKeyboardTracking(False)
        self.tempo.setToolTip("Tempo of the current clip")
        self.tempo.valueChanged.connect(self._tempo_changed)
        self.addWidget(self.tempo)
        self.addSeparator()
        self.position = QLabel("  1.1.1   0:00.0", self)
        self.position.setObjectName("positionLabel")
        self.position.setStyleSheet("font-family: monospace; padding: 0 8px;")
        self.position.setMinimumWidth(150)
        self.addWidget(self.position)
        self._setting = False

    def show_tempo(self, bpm: float) -> None:
        self._setting = True
        self.tempo.setValue(bpm)
        self._setting = False

    def _tempo_changed(self, value: float) -> None:
        if not self._setting:
            self.tempoEdited.emit(value)

    def show_position(self, tick: int, clip: Clip) -> None:
        self.position.setText(format_position(tick, clip))
