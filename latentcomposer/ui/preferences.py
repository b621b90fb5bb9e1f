"""Preferences in ``QSettings`` (an INI file in the config dir, so ``LATENTCOMPOSER_CONFIG_DIR`` moves it).

Keys: ``recent`` (list of paths), ``playback/output``, ``playback/soundfont``, ``playback/port``,
``roll/snap``, ``roll/follow``, ``window/geometry``, ``window/state``, ``model/device`` (auto, cpu or
cuda: the last device picked in the latent panel, used for the first model load at the next start),
``model/decoding`` (search or greedy: how temperature-0 decodes pick notes, from the latent panel).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from latentcomposer.app.paths import config_dir

FILE_NAME = "latentcomposer.ini"
MAX_RECENT = 10


class Preferences:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / FILE_NAME
        self.settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.settings.value(key, default)
        return default if value is None else value

    def get_str(self, key: str, default: str | None = None) -> str | None:
        value = self.settings.value(key, default)
        return str(value) if value not in (None, "") else default

    def get_bool(self, key: str, default: bool = False) -> bool:
        value = self.settings.value(key, default)
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)

    def set(self, key: str, value: Any) -> None:
        if value is None:
            self.settings.remove(key)
        else:
            self.settings.setValue(key, value)
        self.settings.sync()

    # --- recent files --------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, Iterable):  # None (nothing saved yet) or a hand-edited non-list value
            return []
        return [str(v) for v in value if v]

    def add_recent(self, path: str | Path) -> list[str]:
        p = str(Path(path).resolve())
        files = [p] + [f for f in self.recent_files() if f != p]
        self.set("recent", files[:MAX_RECENT])
        return files[:MAX_RECENT]

    def remove_recent(self, path: str) -> None:
        self.set("recent", [f for f in self.recent_files() if f != path])

    def clear_recent(self) -> None:
        self.set("recent", [])

    # --- window layout -------------------------------------------------------------------------
    def save_window(self, window: QMainWindow) -> None:
        self.settings.setValue("window/geometry", window.saveGeometry())
        self.settings.setValue("window/state", window.saveState())
        self.settings.sync()

    def restore_window(self, window: QMainWindow) -> bool:
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        ok = False
        if isinstance(geometry, QByteArray | bytes) and geometry:
            ok = window.restoreGeometry(QByteArray(geometry))
        if isinstance(state, QByteArray | bytes) and state:
            ok = window.restoreState(QByteArray(state)) and ok
        return ok
