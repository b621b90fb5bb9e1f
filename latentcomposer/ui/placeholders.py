"""Places for the latent tools (the next issue fills them through ``MainWindow.set_panel``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

PLACEHOLDERS: dict[str, tuple[str, Qt.DockWidgetArea, str]] = {
    "latentPanel": ("Latent space", Qt.DockWidgetArea.RightDockWidgetArea,
                    "Latent sliders will appear here: encode the current clip, move along the model's "
                    "latent dimensions and attribute vectors, and decode new variations."),
    "latentMap": ("Latent map", Qt.DockWidgetArea.RightDockWidgetArea,
                  "A 2-D map of the latent space will appear here, with every clip as a point to "
                  "compare, pick and explore around."),
    "interpolationTimeline": ("Interpolation", Qt.DockWidgetArea.BottomDockWidgetArea,
                              "The interpolation timeline will appear here: put clips in slots A and B "
                              "(right-click a clip) and generate the steps between them."),
}


def placeholder(name: str, parent: QWidget | None = None) -> QLabel:
    title, _area, text = PLACEHOLDERS[name]
    label = QLabel(f"<b>{title}</b><br><br>{text}<br><br><i>Coming with the latent tools; needs an "
                   "installed model.</i>", parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setMargin(12)
    label.setStyleSheet("color: #777;")
    label.setMinimumWidth(180)
    return label
