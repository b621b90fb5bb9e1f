"""Message boxes and file pickers, in one place so tests can replace them (``monkeypatch.setattr``).

Call them through the module (``messages.error(...)``), never ``from ... import error``, so a patched
function is the one that runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

MIDI_FILTER = "MIDI files (*.mid *.midi *.MID *.MIDI)"
PROJECT_FILTER = "latentcomposer projects (*.lcproj)"
WAV_FILTER = "WAV audio (*.wav)"
SOUNDFONT_FILTER = "SoundFonts (*.sf2 *.sf3 *.SF2)"


def error(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    box.exec()


def info(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("infoDialog")
    box.exec()


def choose(parent: QWidget | None, title: str, text: str, choices: Sequence[str], default: int = 0) -> str | None:
    """Ask with one button per choice; returns the chosen text (None if the box was closed)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("questionDialog")
    buttons = [box.addButton(c, QMessageBox.ButtonRole.AcceptRole) for c in choices]
    if buttons:
        box.setDefaultButton(buttons[default])
    box.exec()
    clicked = box.clickedButton()
    for c, b in zip(choices, buttons, strict=True):
        if b is clicked:
            return c
    return None


def pick_item(parent: QWidget | None, title: str, label: str, items: Sequence[str], current: int = 0) -> str | None:
    """Pick one of ``items`` from a list (None if cancelled)."""
    from PySide6.QtWidgets import QInputDialog

    text, ok = QInputDialog.getItem(parent, title, label, list(items), max(0, current), False)
    return str(text) if ok else None


def ask_save_changes(parent: QWidget | None, what: str) -> str:
    """``"save"``, ``"discard"`` or ``"cancel"`` for unsaved changes in ``what``."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                      f"{what} has unsaved changes. Save them first?",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("saveChangesDialog")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return "save"
    if answer == QMessageBox.StandardButton.Discard:
        return "discard"
    return "cancel"


def open_path(parent: QWidget | None, title: str, filters: str, folder: str = "") -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, folder, filters)
    return path or None


def save_path(parent: QWidget | None, title: str, filters: str, suggested: str = "") -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path or None
