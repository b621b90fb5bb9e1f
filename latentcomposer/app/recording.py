"""Recording from a MIDI keyboard into a clip (no Qt, no ports: it is fed messages with their times).

A :class:`Recorder` turns ``note_on``/``note_off`` messages stamped in seconds into notes in ticks:
``tick = base_tick + (seconds - start) * tempo / 60 * ppq``, where ``start`` is when the count-in
ended. Velocities are kept. A note played just before the downbeat (within :data:`EARLY_S`) counts
as on it; earlier ones (count-in noodling) are dropped. With a punch range (the loop) the take wraps
around it -- each pass writes over the same bars -- and :meth:`Recorder.apply` replaces the clip's
notes that start inside the range, leaving the rest. ``quantize`` (a grid in ticks, 0 = off) snaps the
starts. A note still held when recording stops ends there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mido

from latentcomposer.core import Clip, Note

EARLY_S = 0.12  # a note this early (seconds before the downbeat) is taken as on it


@dataclass
class Recorder:
    tempo: float  # bpm
    ppq: int
    start: float  # seconds (the recorder's clock) at which base_tick is played
    base_tick: int = 0
    punch: tuple[int, int] | None = None  # (start, end) ticks: a loop to record over
    quantize: int = 0  # grid in ticks; 0 keeps the timing as played
    channel: int | None = None  # only this MIDI channel (0-15); None: all
    notes: list[Note] = field(default_factory=list)
    _held: dict[int, tuple[float, int]] = field(default_factory=dict)  # pitch -> (raw tick, velocity)

    def tick_at(self, seconds: float) -> float:
        return self.base_tick + (seconds - self.start) * self.tempo / 60.0 * self.ppq

    def feed(self, msg: mido.Message, seconds: float) -> None:
        if msg.type not in ("note_on", "note_off") or (self.channel is not None and msg.channel != self.channel):
            return
        if msg.type == "note_on" and msg.velocity > 0:
            if seconds < self.start - EARLY_S:
                return  # before the count-in ended
            self._held[msg.note] = (max(float(self.base_tick), self.tick_at(seconds)), int(msg.velocity))
        else:
            self._close(msg.note, seconds)

    def _close(self, pitch: int, seconds: float) -> None:
        held = self._held.pop(pitch, None)
        if held is None:
            return
        on, velocity = held
        off = max(on + 1, self.tick_at(seconds))
        self._add(pitch, on, off, velocity)

    def _add(self, pitch: int, on: float, off: float, velocity: int) -> None:
        start, end = round(on), round(off)
        if self.punch is not None:
            lo, hi = self.punch
            span = max(1, hi - lo)
            length = end - start
            start = lo + (start - lo) % span
            end = min(hi, start + length)
        if self.quantize > 0:
            length = end - start
            start = round(start / self.quantize) * self.quantize
            if self.punch is not None and start >= self.punch[1]:
                start = self.punch[0]
            end = start + max(self.quantize // 2, length)
            if self.punch is not None:
                end = min(self.punch[1], end)
        if end <= start:
            end = start + 1
        self.notes.append(Note(start, pitch, end, max(1, min(127, velocity))))

    def finish(self, seconds: float) -> list[Note]:
        """Stop: notes still held end now; returns every note recorded (time order)."""
        for pitch in list(self._held):
            self._close(pitch, seconds)
        self.notes.sort()
        return list(self.notes)

    def apply(self, clip: Clip) -> Clip:
        """``clip`` with the take: inside the punch range the take replaces what was there; without a
        range the take is added to the clip's notes (a later pass on the same note replaces it)."""
        take = sorted(set(self.notes))
        if self.punch is not None:
            lo, hi = self.punch
            kept = [n for n in clip.notes if not lo <= n.start < hi]
        else:
            kept = list(clip.notes)
        same = {(n.start, n.pitch) for n in take}
        merged = [n for n in kept if (n.start, n.pitch) not in same] + take
        return clip.copy(notes=tuple(sorted(merged)))
