"""Work-around for a reference-counting bug of PySide6 6.12 on CPython 3.11.

PySide6 6.12.0 drops one reference to ``None`` each time a Qt method that returns nothing is called
(``QPainter.drawLine``, ``QWidget.update``...). From CPython 3.12 on ``None`` is immortal and nothing
happens, but on 3.11 the count reaches zero after a few thousand calls and the interpreter aborts
with "Fatal Python error: none_dealloc". :func:`guard_singletons` detects the bug with a harmless
probe and, only then, raises the reference counts of ``None``, ``True`` and ``False`` (static objects
that are never freed) far out of reach. Pinning ``PySide6-Essentials`` below 6.12 avoids the bug too.
"""

from __future__ import annotations

import ctypes
import sys

_APPLIED = False
_MARGIN = 1 << 40


def leaks_none() -> bool:
    """Whether calling a void Qt method loses a reference to None."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(20):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 10


def guard_singletons() -> bool:
    """Apply the work-around if this PySide6/CPython needs it; True if it was applied (once)."""
    global _APPLIED
    if _APPLIED:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or not leaks_none():
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _MARGIN  # ob_refcnt is the first field
    _APPLIED = True
    return True
