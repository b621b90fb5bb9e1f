"""The piano-roll editor: :class:`PianoRoll` (keyboard, ruler, note grid, velocity lane)."""

from .view import TOOLS, NoteIndex, RollView
from .widget import PianoRoll

__all__ = ["TOOLS", "NoteIndex", "PianoRoll", "RollView"]
