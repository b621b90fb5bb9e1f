"""Dragging a file out of the app (a clip, a variation, a section as a temporary MIDI file) into a DAW
or a folder: the mime data of a file URL, and the press-move test that starts the drag."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDrag, QMouseEvent, QPixmap
from PySide6.QtWidgets import QApplication, QWidget


def file_mime(path: Path | None) -> QMimeData | None:
    """What a file drag carries: the file's URL (None for no file)."""
    if path is None:
        return None
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def drag_on_move(widget: QWidget, press: QPoint | None, event: QMouseEvent,
                 mime: Callable[[], QMimeData | None], pixmap: QPixmap | None = None) -> QPoint | None:
    """Start a copy drag of ``mime()`` once the mouse has moved the platform's drag distance from
    ``press``; returns the press point still pending (None once the drag started, or without a press)."""
    if press is None:
        return None
    if (event.position().toPoint() - press).manhattanLength() < QApplication.startDragDistance():
        return press
    data = mime()
    if data is not None:
        drag = QDrag(widget)
        drag.setMimeData(data)
        if pixmap is not None:
            drag.setPixmap(pixmap)
        drag.exec(Qt.DropAction.CopyAction)
    return None
