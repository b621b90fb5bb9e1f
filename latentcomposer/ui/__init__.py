"""The PySide6 desktop app: main window, piano roll, transport, clip list, dialogs.

Importing this package applies :func:`latentcomposer.ui._compat.guard_singletons` (a work-around for
a PySide6 6.12 reference-count bug on CPython 3.11; a no-op elsewhere).
"""

from ._compat import guard_singletons

guard_singletons()
