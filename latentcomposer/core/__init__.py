"""Pure music data: notes, clips, timing. No Qt, no torch, no file IO."""

from .chords import QUALITIES, Chord, ChordEvent, ChordTrack, parse_chord
from .clip import (
    DEFAULT_PPQ,
    DEFAULT_TEMPO,
    DRUM_CHANNEL,
    Clip,
    MonoRule,
    StepNote,
    TempoChange,
    TimeSignature,
    TimeSignatureChange,
)
from .errors import CoreError, UserFacingError
from .harmony import Key, NotEnoughNotes, detect_chords, detect_key, parse_key
from .note import DEFAULT_VELOCITY, Note

__all__ = [
    "DEFAULT_PPQ",
    "DEFAULT_TEMPO",
    "DEFAULT_VELOCITY",
    "DRUM_CHANNEL",
    "Clip",
    "CoreError",
    "UserFacingError",
    "MonoRule",
    "Note",
    "StepNote",
    "TempoChange",
    "TimeSignature",
    "TimeSignatureChange",
    "QUALITIES",
    "Chord",
    "ChordEvent",
    "ChordTrack",
    "Key",
    "NotEnoughNotes",
    "detect_chords",
    "detect_key",
    "parse_chord",
    "parse_key",
]
