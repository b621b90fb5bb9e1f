"""Errors raised by the pure core."""


class CoreError(ValueError):
    """A value handed to the core is not valid music data (bad pitch, negative time, ...)."""
