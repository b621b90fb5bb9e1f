"""What to play: clips flattened to time-ordered MIDI events in ticks, and the tempo map.

Shared by the real-time :class:`~latentcomposer.io.playback.Sequencer` and offline
:func:`~latentcomposer.io.playback.render`. All ticks are at the *first* clip's ppq (other clips are
rescaled); the tempo map is the first clip's (``tempo`` at tick 0 plus ``tempo_changes``). Channels
follow the MIDI writer: a clip's own channel where free, drums always on channel index 9 (MIDI 10).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import mido

from latentcomposer.core import Clip
from latentcomposer.io.midifile import _assign_channels

NOTE_OFF, NOTE_ON = 1, 2  # sort order at equal ticks: offs first, so repeated notes re-articulate


@dataclass(frozen=True)
class TempoMap:
    """Piecewise-constant tempo: ``segments`` are (start tick, quarter-note bpm), first at tick 0."""

    ppq: int
    segments: tuple[tuple[int, float], ...]
    _starts: tuple[int, ...] = field(init=False, repr=False)
    _seconds: tuple[float, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.segments or self.segments[0][0] != 0:
            raise ValueError("a tempo map starts with a segment at tick 0")
        starts, secs, acc = [], [], 0.0
        for i, (tick, bpm) in enumerate(self.segments):
            if bpm <= 0:
                raise ValueError(f"tempo {bpm} bpm must be positive")
            if i:
                prev_tick, prev_bpm = self.segments[i - 1]
                acc += (tick - prev_tick) * 60.0 / (prev_bpm * self.ppq)
            starts.append(tick)
            secs.append(acc)
        object.__setattr__(self, "_starts", tuple(starts))
        object.__setattr__(self, "_seconds", tuple(secs))

    @classmethod
    def constant(cls, bpm: float, ppq: int) -> TempoMap:
        return cls(ppq, ((0, float(bpm)),))

    @classmethod
    def from_clip(cls, clip: Clip) -> TempoMap:
        segs: list[tuple[int, float]] = [(0, clip.tempo)]
        for tc in sorted(clip.tempo_changes, key=lambda t: t.tick):
            if tc.tick <= 0:
                segs[0] = (0, tc.bpm)
            elif tc.tick == segs[-1][0]:
                segs[-1] = (tc.tick, tc.bpm)
            else:
                segs.append((tc.tick, tc.bpm))
        return cls(clip.ppq, tuple(segs))

    @property
    def initial_bpm(self) -> float:
        return self.segments[0][1]

    def scaled(self, factor: float) -> TempoMap:
        """Every tempo multiplied by ``factor`` (2.0 plays twice as fast)."""
        return TempoMap(self.ppq, tuple((t, b * factor) for t, b in self.segments))

    def seconds_at(self, tick: float) -> float:
        """Seconds from tick 0 to ``tick`` (ticks may be fractional)."""
        i = max(0, bisect.bisect_right(self._starts, tick) - 1)
        return self._seconds[i] + (tick - self._starts[i]) * 60.0 / (self.segments[i][1] * self.ppq)

    def tick_at(self, seconds: float) -> float:
        """The (fractional) tick reached after ``seconds``; the inverse of :meth:`seconds_at`."""
        i = max(0, bisect.bisect_right(self._seconds, seconds) - 1)
        return self._starts[i] + (seconds - self._seconds[i]) * self.segments[i][1] * self.ppq / 60.0


@dataclass(frozen=True)
class ScheduledEvent:
    tick: int
    order: int
    message: mido.Message


@dataclass(frozen=True)
class Schedule:
    """Events sorted by (tick, offs before ons); programs to send before playing; the song's end."""

    ppq: int
    events: tuple[ScheduledEvent, ...]
    end_tick: int
    channels: tuple[int, ...]
    programs: dict[int, int]
    tempo_map: TempoMap
    _ticks: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ticks", tuple(e.tick for e in self.events))

    def index_at(self, tick: float) -> int:
        """Index of the first event at or after ``tick``."""
        return bisect.bisect_left(self._ticks, tick)

    def program_messages(self) -> list[mido.Message]:
        """A program change for every channel used (on channel 10 it selects the drum kit)."""
        return [mido.Message("program_change", channel=ch, program=self.programs[ch])
                for ch in self.channels]

    @property
    def duration_seconds(self) -> float:
        return self.tempo_map.seconds_at(self.end_tick)


def build_schedule(clips: Sequence[Clip]) -> Schedule:
    """Flatten ``clips`` into a :class:`Schedule` at the first clip's ppq (empty list: empty schedule)."""
    if not clips:
        return Schedule(480, (), 0, (), {}, TempoMap.constant(120.0, 480))
    first = clips[0]
    ppq = first.ppq
    timed: list[ScheduledEvent] = []
    programs: dict[int, int] = {}
    end_tick = 0
    for clip, ch in zip(clips, _assign_channels(clips), strict=True):
        scale = ppq / clip.ppq
        programs.setdefault(ch, clip.program)
        end_tick = max(end_tick, round(clip.end_tick * scale))
        for n in clip.notes:
            s = round(n.start * scale)
            e = max(s + 1, round(n.end * scale))
            timed.append(ScheduledEvent(s, NOTE_ON, mido.Message(
                "note_on", channel=ch, note=n.pitch, velocity=n.velocity)))
            timed.append(ScheduledEvent(e, NOTE_OFF, mido.Message(
                "note_off", channel=ch, note=n.pitch, velocity=0)))
    timed.sort(key=lambda e: (e.tick, e.order))
    return Schedule(ppq, tuple(timed), end_tick, tuple(sorted(programs)), programs,
                    TempoMap.from_clip(first))
