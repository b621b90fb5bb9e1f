"""Drag a whole section into a DAW (issue 27: "drag anything to the DAW"; issue 24's sections): a small
handle in the section panel; dragging it writes the current section to a temporary multi-track MIDI
file (one track per part, its instrument and channel; the drums on channel 10) and carries the file's
URL, as the clip list and the variation thumbnails do for single clips."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QWidget

from latentcomposer.app.exporting import safe_filename
from latentcomposer.app.section import Section
from latentcomposer.data.trio_codec import MultiStreamCodec
from latentcomposer.io.midifile import MidiFileError

from .file_drag import drag_on_move, file_mime


class SectionDragHandle(QLabel):
    """"Drag the section into your DAW": a label that starts a file drag of the current section."""

    def __init__(self, current: Callable[[], Section | None], codec: Callable[[], MultiStreamCodec],
                 parent: QWidget | None = None) -> None:
        super().__init__("⇲ Drag the whole section into your DAW", parent)
        self.setObjectName("sectionDrag")
        self.setToolTip("Drag from here into a DAW or a folder: a MIDI file with one track per part")
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._current, self._codec = current, codec
        self._press: QPoint | None = None
        self._temp: Path | None = None

    def midi_file(self) -> Path | None:
        """The current section written to a temporary MIDI file (None: no section, or it could not be
        written)."""
        section = self._current()
        if section is None:
            return None
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix="latentcomposer-section-"))
        try:
            return section.export(self._temp / f"{safe_filename(section.name)}.mid", self._codec())
        except (MidiFileError, OSError):
            return None

    def mime_data(self) -> QMimeData | None:
        return file_mime(self.midi_file())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._press = drag_on_move(self, self._press, event, self.mime_data)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
