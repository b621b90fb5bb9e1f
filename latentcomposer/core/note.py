"""`Note`: one note with explicit units (MIDI pitch, MIDI velocity, ticks)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import CoreError

PITCH_MIN, PITCH_MAX = 0, 127
VELOCITY_MIN, VELOCITY_MAX = 1, 127
DEFAULT_VELOCITY = 100


@dataclass(frozen=True, order=True, slots=True)
class Note:
    """A note from ``start`` (inclusive) to ``end`` (exclusive), both in ticks of the clip's ppq.

    Ordering is by start, then pitch, so ``sorted(notes)`` is time order. A Note validates itself:
    pitch 0-127, velocity 1-127, 0 <= start < end (integers).
    """

    start: int
    pitch: int
    end: int
    velocity: int = DEFAULT_VELOCITY

    def __post_init__(self) -> None:
        for name in ("start", "pitch", "end", "velocity"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise CoreError(f"Note.{name} must be an integer, got {value!r}")
        if not PITCH_MIN <= self.pitch <= PITCH_MAX:
            raise CoreError(f"pitch {self.pitch} is outside the MIDI range {PITCH_MIN}-{PITCH_MAX}")
        if not VELOCITY_MIN <= self.velocity <= VELOCITY_MAX:
            raise CoreError(f"velocity {self.velocity} is outside {VELOCITY_MIN}-{VELOCITY_MAX}")
        if self.start < 0:
            raise CoreError(f"note start {self.start} is negative")
        if self.end <= self.start:
            raise CoreError(f"note end {self.end} must be after its start {self.start}")

    @property
    def duration(self) -> int:
        return self.end - self.start

    def shifted(self, ticks: int = 0, semitones: int = 0) -> Note:
        """The same note moved in time and/or pitch (validates the result)."""
        return replace(self, start=self.start + ticks, end=self.end + ticks, pitch=self.pitch + semitones)

    def with_velocity(self, velocity: int) -> Note:
        return replace(self, velocity=velocity)
