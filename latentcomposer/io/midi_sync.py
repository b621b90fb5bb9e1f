"""Playing in time with a DAW: MIDI clock out (the DAW follows the app) and in (the app follows).

:class:`ClockSender` watches a player (position, tempo, playing: the sequencer or the playback
service) and sends MIDI ``start``/``stop``/``continue``, ``songpos`` on a jump (seek, loop wrap) and 24
``clock`` messages per quarter note that track the player's own position -- so previews swapped at the
next loop boundary stay in time with the DAW. It is driven by :meth:`ClockSender.process` (give it the
time; tests use a fake clock) or by its thread (:meth:`start_thread`).

:class:`ClockFollower` reads incoming ``clock``/``start``/``stop``/``continue``/``songpos``: the tempo
from the spacing of the clocks (a moving average over one quarter), start and stop, and the song
position -- and drives a player with them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import mido

PPQN = 24  # MIDI clocks per quarter note
SIXTEENTH = 6  # clocks per MIDI beat (a 16th note): the unit of Song Position Pointer


class Player(Protocol):
    @property
    def is_playing(self) -> bool: ...

    @property
    def position_tick(self) -> int: ...


class Sink(Protocol):
    def send(self, msg: mido.Message) -> None: ...


class ClockSender:
    """Sends MIDI clock for ``player`` to ``sink``; ``ppq()`` gives the player's ticks per quarter."""

    def __init__(self, player: Player, sink: Sink, ppq: Callable[[], int],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.player, self.sink, self.ppq, self.clock = player, sink, ppq, clock
        self.enabled = True
        self._playing = False
        self._last: int | None = None  # the last clock index sent
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.sent = 0

    def _index(self) -> int:
        return int(self.player.position_tick * PPQN // max(1, self.ppq()))

    def process(self, _now: float | None = None) -> None:
        """Send what the player's state asks for since the last call."""
        if not self.enabled:
            return
        playing = self.player.is_playing
        if playing and not self._playing:
            index = self._index()
            if index == 0:
                self._send(mido.Message("start"))
            else:
                self._songpos(index)
                self._send(mido.Message("continue"))
            self._last = index
            self._send(mido.Message("clock"))
        elif not playing and self._playing:
            self._send(mido.Message("stop"))
            self._last = None
        elif playing:
            index = self._index()
            assert self._last is not None
            if index < self._last or index - self._last > PPQN * 4:  # a loop wrap or a seek: jump there
                self._songpos(index)
                self._last = index
                self._send(mido.Message("clock"))
            else:
                for _ in range(index - self._last):
                    self._send(mido.Message("clock"))
                self._last = index
        self._playing = playing

    def _songpos(self, index: int) -> None:
        self._send(mido.Message("songpos", pos=min(16383, index // SIXTEENTH)))

    def _send(self, msg: mido.Message) -> None:
        try:
            self.sink.send(msg)
            self.sent += 1
        except Exception:  # a port that vanished: the player reports it; clock just stops
            self.enabled = False

    def start_thread(self, period_s: float = 0.002) -> None:
        """Process every ``period_s`` on a daemon thread (clock at 120 bpm is every ~21 ms)."""
        if self._thread is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.wait(period_s):
                self.process()

        self._thread = threading.Thread(target=run, daemon=True, name="latentcomposer-midi-clock")
        self._thread.start()

    def stop_thread(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
            self._thread = None
        if self._playing:
            self._send(mido.Message("stop"))
            self._playing = False


class ClockFollower:
    """Follows an incoming MIDI clock; calls ``on_tempo(bpm)``, ``on_start()``, ``on_stop()``,
    ``on_continue()`` and ``on_position(quarters)`` (from Song Position Pointer)."""

    def __init__(self, on_tempo: Callable[[float], None], on_start: Callable[[], None],
                 on_stop: Callable[[], None], on_position: Callable[[float], None] | None = None,
                 on_continue: Callable[[], None] | None = None, min_change_bpm: float = 0.5) -> None:
        self.on_tempo, self.on_start, self.on_stop = on_tempo, on_start, on_stop
        self.on_position, self.on_continue = on_position, on_continue
        self.min_change = min_change_bpm
        self.times: deque[float] = deque(maxlen=PPQN + 1)
        self.bpm: float | None = None
        self.running = False

    def feed(self, msg: mido.Message, seconds: float) -> None:
        kind = msg.type
        if kind == "clock":
            self.times.append(seconds)
            if len(self.times) >= 7:  # a quarter of a beat is enough to start; then one whole beat
                span = self.times[-1] - self.times[0]
                if span > 0:
                    bpm = 60.0 / (span / (len(self.times) - 1) * PPQN)
                    if 20.0 <= bpm <= 400.0 and (self.bpm is None or abs(bpm - self.bpm) >= self.min_change):
                        self.bpm = round(bpm, 2)
                        self.on_tempo(self.bpm)
        elif kind == "start":
            self.running = True
            self.times.clear()
            self.on_start()
        elif kind == "continue":
            self.running = True
            (self.on_continue or self.on_start)()
        elif kind == "stop":
            self.running = False
            self.on_stop()
        elif kind == "songpos" and self.on_position is not None:
            self.on_position(msg.pos / 4.0)  # MIDI beats (16ths) -> quarters
