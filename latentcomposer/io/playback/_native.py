"""Keep native libraries' chatter off the terminal: FluidSynth's log and ALSA's error printer.

libfluidsynth and libasound print to stderr when a sound server, sound card or sequencer is missing
(the normal case on servers and CI). We route FluidSynth's log into :mod:`logging` and keep its
recent errors to quote in :class:`PlaybackUnavailable` messages; ALSA's printer is silenced.
Both are process-wide and installed once, best-effort (never raises).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from collections import deque
from types import ModuleType
from typing import Any

log = logging.getLogger("latentcomposer.playback.native")

_recent: deque[str] = deque(maxlen=16)
_callbacks: list[Any] = []  # keep ctypes callbacks alive for the life of the process
_fluid_hooked = False
_alsa_hooked = False

_FLUID_LOG = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
# snd_lib_error_handler_t is variadic; the fixed arguments are all we read (none, in fact)
_ALSA_LOG = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                             ctypes.c_char_p)


def _on_fluid_log(level: int, message: bytes | None, _data: object) -> None:
    text = (message or b"").decode("utf-8", "replace").strip()
    if level <= 2:  # FLUID_PANIC, FLUID_ERR, FLUID_WARN
        _recent.append(text)
    log.debug("fluidsynth[%d]: %s", level, text)


def _on_alsa_log(*_args: object) -> None:
    return None


def hook_fluidsynth_log(fluidsynth: ModuleType) -> None:
    """Send libfluidsynth's log to :mod:`logging` (once)."""
    global _fluid_hooked
    if _fluid_hooked:
        return
    _fluid_hooked = True
    try:
        fn = fluidsynth._fl.fluid_set_log_function
        fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
        fn.restype = ctypes.c_void_p
        cb = _FLUID_LOG(_on_fluid_log)
        _callbacks.append(cb)
        for level in range(5):  # PANIC, ERR, WARN, INFO, DBG
            fn(level, ctypes.cast(cb, ctypes.c_void_p), None)
    except Exception:  # an unusual build: keep the default printer
        log.debug("could not hook the fluidsynth log", exc_info=True)


def quiet_alsa() -> None:
    """Silence libasound's stderr printer (Linux only, once)."""
    global _alsa_hooked
    if _alsa_hooked or not sys.platform.startswith("linux"):
        return
    _alsa_hooked = True
    try:
        name = ctypes.util.find_library("asound")
        if not name:
            return
        lib = ctypes.CDLL(name)
        cb = _ALSA_LOG(_on_alsa_log)
        _callbacks.append(cb)
        lib.snd_lib_error_set_handler(cb)
    except Exception:
        log.debug("could not silence ALSA", exc_info=True)


def recent_errors(clear: bool = True) -> list[str]:
    """FluidSynth errors logged since the last call (to explain a failure)."""
    out = list(_recent)
    if clear:
        _recent.clear()
    return out


def last_error_suffix() -> str:
    """``": <last fluidsynth error>"`` or ``""``."""
    errs = recent_errors()
    return f": {errs[-1].rstrip('.')}" if errs else ""
