"""Errors raised by the pure core, and the base of every error a user can cause."""


class UserFacingError(Exception):
    """Something the user can fix (a bad file, an unknown model, a clip a model cannot read, a missing
    device): its message says what happened and what to do. The GUI shows it as a message and the CLI
    as one line; anything else escaping is a bug. Every layer's user errors derive from it, so callers
    catch this one class instead of lists of class names."""


class CoreError(UserFacingError, ValueError):
    """A value handed to the core is not valid music data (bad pitch, negative time, ...)."""
