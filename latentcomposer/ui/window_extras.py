"""The main window's additions of issue 27, wired in one place (the window calls :func:`install`):
View > Theme (light/dark, remembered), the clip list's Groove and Drumify, the blend pad (a dock tabbed with the
latent map), the Variations tab beside Interpolation and Bars, Help > Welcome (and the first-run
welcome, :func:`first_run`, which :func:`latentcomposer.ui.main_window.run` calls).

Kept out of :mod:`.main_window` so that file stays small and other work on it does not collide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QDockWidget, QMenu

from . import drumify, groove, record_ui, welcome
from .blend_pad import BlendPad
from .theme import THEMES, apply_theme, current_theme
from .variations import VariationsStrip

if TYPE_CHECKING:
    from .main_window import MainWindow


def install(window: MainWindow) -> None:
    _theme_menu(window)
    window.clip_list.grooveRequested.connect(lambda uid: groove.groove(window.latent_tools, uid))
    window.clip_list.drumifyRequested.connect(lambda uid: drumify.drumify(window.latent_tools, uid))
    window.blend_pad = BlendPad(window.latent_tools, window)  # type: ignore[attr-defined]
    dock = _dock(window, "blendPad", "Blend pad", window.blend_pad)  # type: ignore[attr-defined]
    window.tabifyDockWidget(window.docks["latentMap"], dock)
    window.docks["latentMap"].raise_()
    window.variations = strip = VariationsStrip(window.latent_tools, window)  # type: ignore[attr-defined]
    window.timeline.addTab(strip, "Variations")
    help_menu = window.findChild(QMenu, "menuHelp")
    if help_menu is not None:
        action = QAction("&Welcome", help_menu)
        action.setObjectName("showWelcome")
        action.triggered.connect(lambda _=False: welcome.maybe_show(window, force=True))
        first = help_menu.actions()[0] if help_menu.actions() else None
        help_menu.insertAction(first, action)  # type: ignore[arg-type]
        window.action_map["showWelcome"] = action


    playback = window.findChild(QMenu, "menuPlayback")
    if playback is not None:
        record_ui.add_menu(window, playback)


def shutdown(window: MainWindow) -> None:
    """Close what :func:`install` opened (MIDI clock, inputs, temporary files)."""
    clock = getattr(window, "clock_control", None)
    if clock is not None:
        clock.shutdown()
    strip = getattr(window, "variations", None)
    if strip is not None:
        strip.cleanup()
    pad = getattr(window, "blend_pad", None)
    if pad is not None:
        pad.cleanup()


def first_run(window: MainWindow) -> None:
    """The welcome on a first start (nothing opened or recovered); remembered once dismissed."""
    welcome.maybe_show(window)


def _dock(window: MainWindow, name: str, title: str, widget: object) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(name + "Dock")
    dock.setWidget(widget)  # type: ignore[arg-type]
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.docks[name] = dock
    panels = window.findChild(QMenu, "menuPanels")
    if panels is not None:
        panels.addAction(dock.toggleViewAction())
    return dock


def _theme_menu(window: MainWindow) -> None:
    view = window.findChild(QMenu, "menuView")
    if view is None:
        return
    menu = view.addMenu("&Theme")
    menu.setObjectName("menuTheme")
    group = QActionGroup(menu)
    group.setExclusive(True)
    wanted = window.prefs.get_str("ui/theme", "system") or "system"
    applied = apply_theme(wanted) if wanted != current_theme() else current_theme()
    for key, label in THEMES.items():
        action = QAction(label, menu)
        action.setObjectName(f"theme_{key}")
        action.setCheckable(True)
        action.setChecked(key == applied)
        action.triggered.connect(lambda _=False, k=key: set_theme(window, k))
        group.addAction(action)
        menu.addAction(action)
        window.action_map[f"theme_{key}"] = action


def set_theme(window: MainWindow, theme: str) -> None:
    applied = apply_theme(theme)
    window.prefs.set("ui/theme", applied)
    action = window.action_map.get(f"theme_{applied}")
    if action is not None:
        action.setChecked(True)
    window.show_message(f"Theme: {THEMES[applied]}")
