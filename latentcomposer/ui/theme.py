"""Light and dark themes for the window's chrome (menus, panels, lists, buttons).

Issue 27, defect 8: there was no way to switch. :func:`apply_theme` sets the Fusion style with a light
or dark palette on the application; ``"system"`` gives the platform's own back. The piano roll and the
thumbnails keep their dark canvas in both (notes read best on it, as in most DAWs). The choice is kept
in the preferences (``ui/theme``) by the main window's View > Theme menu.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

THEMES = {"system": "System", "light": "Light", "dark": "Dark"}
_ORIGINAL: dict[str, object] = {}

_DARK = {
    QPalette.ColorRole.Window: "#2b2e35",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1f2228",
    QPalette.ColorRole.AlternateBase: "#262a31",
    QPalette.ColorRole.ToolTipBase: "#1f2228",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#353942",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#7fc4ff",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#8a8f99",
}
_LIGHT = {
    QPalette.ColorRole.Window: "#f0f1f3",
    QPalette.ColorRole.WindowText: "#1d2026",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f5f6f8",
    QPalette.ColorRole.ToolTipBase: "#ffffdc",
    QPalette.ColorRole.ToolTipText: "#1d2026",
    QPalette.ColorRole.Text: "#1d2026",
    QPalette.ColorRole.Button: "#e4e6ea",
    QPalette.ColorRole.ButtonText: "#1d2026",
    QPalette.ColorRole.BrightText: "#c62828",
    QPalette.ColorRole.Link: "#1a5fb4",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#6b717c",
}


def palette_for(theme: str) -> QPalette:
    colours = _DARK if theme == "dark" else _LIGHT
    pal = QPalette()
    for role, colour in colours.items():
        pal.setColor(role, QColor(colour))
    disabled = QColor("#6b717c" if theme == "dark" else "#a0a4ab")
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return pal


def apply_theme(theme: str, app: QApplication | None = None) -> str:
    """Apply ``theme`` (system/light/dark; anything else is "system"); returns the one applied."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if not isinstance(app, QApplication):
        return "system"
    theme = theme if theme in THEMES else "system"
    if not _ORIGINAL:
        _ORIGINAL["style"] = app.style().name()
        _ORIGINAL["palette"] = QPalette(app.palette())
    if theme == "system":
        style = QStyleFactory.create(str(_ORIGINAL["style"]))
        if style is not None:
            app.setStyle(style)
        app.setPalette(_ORIGINAL["palette"])  # type: ignore[arg-type]
    else:
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            app.setStyle(fusion)
        app.setPalette(palette_for(theme))
    app.setProperty("latentcomposerTheme", theme)
    return theme


def current_theme(app: QApplication | None = None) -> str:
    app = app or QApplication.instance()  # type: ignore[assignment]
    value = app.property("latentcomposerTheme") if isinstance(app, QApplication) else None
    return value if isinstance(value, str) and value in THEMES else "system"
