"""Sub-commands of the ``latentcomposer`` CLI, one module each.

A module defines ``register(subparsers)`` and sets ``func`` (taking the parsed args, returning an exit
code) on its parser. Add a module's name to :data:`COMMAND_MODULES` to expose it.
"""

from __future__ import annotations

from latentcomposer.core.errors import UserFacingError

COMMAND_MODULES: tuple[str, ...] = ("app", "files", "training", "generate", "playback", "chords", "bars", "personalize",
                                    "drumify")


class UserError(UserFacingError):
    """An error the user caused or can fix; printed as one line, never with a traceback."""

    exit_code = 2
