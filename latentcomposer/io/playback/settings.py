"""Remembered playback choices (the SoundFont path, the MIDI port) in a small JSON file.

The file is ``playback.json`` in ``platformdirs.user_config_dir("latentcomposer")``, or in
``$LATENTCOMPOSER_CONFIG_DIR`` when that is set (tests point it at a temporary folder). A missing or
damaged file reads as empty; writes are atomic. The GUI may keep its own QSettings too: io stays Qt-free.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from latentcomposer import paths

from .errors import PlaybackUnavailable, install_hint

CONFIG_ENV = paths.CONFIG_ENV
SETTINGS_FILE = "playback.json"

# General MIDI SoundFonts that distributions and package managers install, best first.
_SF2_DIRS_LINUX = ("/usr/share/sounds/sf2", "/usr/share/soundfonts", "/usr/local/share/soundfonts",
                   "/usr/share/sounds/sf3")
_SF2_DIRS_MAC = ("/opt/homebrew/share/soundfonts", "/usr/local/share/soundfonts",
                 "~/Library/Audio/Sounds/Banks")
_SF2_DIRS_WIN = ("C:/soundfonts", "C:/tools/fluidsynth/share/soundfonts", "~/soundfonts")
_SF2_NAMES = ("default-GM.sf2", "default.sf2", "FluidR3_GM.sf2", "GeneralUser GS.sf2", "TimGM6mb.sf2")


def config_dir() -> Path:
    """The folder holding the settings file (not created until something is saved)."""
    return paths.config_dir()


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings() -> dict[str, Any]:
    """The saved settings, or ``{}`` when there is no readable file."""
    try:
        data = json.loads(settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_setting(key: str, value: Any) -> None:
    """Set one key (``None`` removes it) and rewrite the file atomically. Raises OSError."""
    data = load_settings()
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def installed_soundfonts() -> list[str]:
    """GM SoundFonts found in the usual system folders, best first (may be empty)."""
    dirs = _SF2_DIRS_MAC if sys.platform == "darwin" else _SF2_DIRS_WIN if sys.platform == "win32" \
        else _SF2_DIRS_LINUX
    found: list[str] = []
    for d in dirs:
        folder = Path(d).expanduser()
        for name in _SF2_NAMES:
            p = folder / name
            if p.is_file() and str(p) not in found:
                found.append(str(p))
    return found


def remembered_soundfont() -> str | None:
    """The SoundFont the user chose (if it still exists), else None."""
    path = load_settings().get("soundfont")
    return path if isinstance(path, str) and Path(path).is_file() else None


def default_soundfont() -> str | None:
    """The remembered choice if it still exists, else the first installed GM SoundFont, else None."""
    chosen = remembered_soundfont()
    if chosen:
        return chosen
    found = installed_soundfonts()
    return found[0] if found else None


def check_soundfont_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path if it looks like a SoundFont (exists, RIFF 'sfbk'); else PlaybackUnavailable."""
    p = Path(path).expanduser()
    if not p.exists():
        raise PlaybackUnavailable(f"SoundFont {p} does not exist", install_hint("soundfont"), "soundfont")
    if not p.is_file():
        raise PlaybackUnavailable(f"SoundFont {p} is not a file", "choose a .sf2 file", "soundfont")
    try:
        with p.open("rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise PlaybackUnavailable(f"SoundFont {p} cannot be read ({exc.strerror or exc})",
                                  "check its permissions or choose another .sf2 file", "soundfont") from None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise PlaybackUnavailable(f"{p} is not a SoundFont 2 file", "choose a .sf2 file", "soundfont")
    return p


def remember_soundfont(path: str | os.PathLike[str] | None) -> str | None:
    """Save ``path`` as the default SoundFont (None forgets the choice). Returns the stored path.

    Raises :class:`PlaybackUnavailable` if the file is not a SoundFont, OSError if it cannot be saved.
    """
    if path is None:
        save_setting("soundfont", None)
        return None
    p = str(check_soundfont_file(path).resolve())
    save_setting("soundfont", p)
    return p
