"""`StatusNote`: a label whose colour says what its text is — neutral progress and hints in the
muted text colour, warnings (text starting with "⚠") in the warning colour. Issue 27, defect 8: the
warning colour was used for neutral text ("Decoding…", "Slots changed")."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

NEUTRAL = "color: #8a8f99;"
WARNING = "color: #e0a84f;"
WARN_MARK = "⚠"


class StatusNote(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setText(text)

    @property
    def is_warning(self) -> bool:
        return self.text().lstrip().startswith(WARN_MARK)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self.setStyleSheet(WARNING if self.is_warning else NEUTRAL)
