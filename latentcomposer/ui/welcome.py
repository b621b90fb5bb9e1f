"""The first-run welcome (``objectName`` ``welcomePanel``): an example clip and three numbered hints.

On the first start with nothing to open, the session gets one example clip (the untouched example
still counts as a fresh session: opening a file replaces it, nothing asks to save it) and a small
panel over the piano roll says what to try: 1 Encode, 2 drag a slider, 3 Apply (or Interpolate).
"Got it" closes it for good (``welcome/dismissed`` in the preferences); Help > Welcome brings it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from latentcomposer.app.state import ClipItem, new_uid
from latentcomposer.core.examples import example_clip

if TYPE_CHECKING:
    from .main_window import MainWindow

PREF = "welcome/dismissed"
EXAMPLE = "twinkle"
HINTS = (
    ("Encode", "Press <b>Encode</b> in the Latent space panel: the model reads the example tune."),
    ("Drag a slider", "Drag <b>Density</b>, <b>Range</b> or another slider: the change shows over the roll "
                      "and plays."),
    ("Keep it", "<b>Apply to clip</b> keeps it (Undo takes it back) — or put two clips in A and B below "
                "and <b>Interpolate</b>."),
)


class WelcomePanel(QFrame):
    def __init__(self, window: MainWindow, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePanel")
        self.window_ = window
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet("#welcomePanel { background: rgba(29, 32, 38, 238); border: 1px solid #7fc4ff;"
                           " border-radius: 8px; } QLabel { color: #e6e6e6; }"
                           " QLabel#welcomeNumber { color: #1d2026; background: #7fc4ff; border-radius: 11px;"
                           " font-weight: bold; }")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        title = QLabel("<b>Welcome!</b> An example tune is loaded. Three steps to try:", self)
        title.setObjectName("welcomeTitle")
        lay.addWidget(title)
        self.hints: list[QLabel] = []
        for k, (_name, text) in enumerate(HINTS):
            row = QHBoxLayout()
            number = QLabel(str(k + 1), self)
            number.setObjectName("welcomeNumber")
            number.setFixedSize(22, 22)
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            hint = QLabel(text, self)
            hint.setObjectName(f"welcomeHint_{k + 1}")
            hint.setWordWrap(True)
            row.addWidget(number, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(hint, 1)
            lay.addLayout(row)
            self.hints.append(hint)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.dismiss_button = QPushButton("Got it", self)
        self.dismiss_button.setObjectName("welcomeDismiss")
        self.dismiss_button.setToolTip("Close this for good (Help > Welcome shows it again)")
        self.dismiss_button.clicked.connect(self.dismiss)
        buttons.addWidget(self.dismiss_button)
        lay.addLayout(buttons)
        self.setFixedWidth(380)
        parent.installEventFilter(self)
        self.adjustSize()
        self._place()

    def dismiss(self) -> None:
        self.window_.prefs.set(PREF, True)
        self.hide()
        self.deleteLater()

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.move(max(0, parent.width() - self.width() - 16), 16)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._place()
        return False


def is_example_session(window: MainWindow) -> bool:
    items = window.session.items
    return len(items) == 1 and items[0].origin == "example" and not window.session.modified


def maybe_show(window: MainWindow, force: bool = False) -> WelcomePanel | None:
    """On a first run (or ``force``): load the example clip into a fresh session and show the hints."""
    if not force and window.prefs.get_bool(PREF, False):
        return None
    s = window.session
    fresh = s.path is None and not s.modified and len(s.items) == 1 and not s.current_clip.notes
    if fresh:
        s.reset([ClipItem(new_uid(), example_clip(EXAMPLE), "example", "the welcome example")])
        window.roll.zoom_fit()
    existing = window.findChild(WelcomePanel, "welcomePanel")
    if existing is not None:
        existing.show()
        existing.raise_()
        return existing
    panel = WelcomePanel(window, window.roll.canvas)
    panel.show()
    panel.raise_()
    return panel
