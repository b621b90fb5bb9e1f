"""The real-time sequencer: plays clips through an :class:`OutputBackend` on its own thread.

Timing: every event's time is computed from one anchor, ``anchor_time + seconds(tick) -
seconds(anchor_tick)`` on the injected monotonic ``clock``, so sleep errors never accumulate (no drift,
however long a loop runs). A tempo change, seek, loop wrap or resume just moves the anchor. The thread
sleeps until the next event (or the next position report) and wakes at once on any command.

Safety: a note-on is only ever sent under the lock that ``stop``/``pause``/``seek``/``close`` take, and
those send a note-off for every sounding note plus the backend's ``panic`` on every channel used, so no
note hangs — also when the thread ends, the device fails or the object is closed.

Tests drive it without real time: ``Sequencer(backend, clock=fake, threaded=False)`` and
:meth:`Sequencer.process`, which does everything due up to a given time and says when the next thing is due.
"""

from __future__ import annotations

import atexit
import logging
import math
import threading
import time
import weakref
from collections.abc import Callable, Sequence

import mido

from latentcomposer.core import Clip

from .backends import OutputBackend
from .errors import PlaybackUnavailable
from .schedule import NOTE_ON, Schedule, TempoMap, build_schedule

log = logging.getLogger(__name__)

STOPPED, PLAYING, PAUSED = "stopped", "playing", "paused"

_live: weakref.WeakSet[Sequencer] = weakref.WeakSet()


def _whole(tick: float) -> int:
    """A fractional tick as the whole tick it is in (tolerating float error just below a tick)."""
    return math.floor(tick + 1e-6)


@atexit.register
def _close_all() -> None:  # daemon threads die at exit: release every note first
    for seq in list(_live):
        try:
            seq.close(close_backend=False)
        except Exception:
            pass


class Sequencer:
    """Plays clips at a tempo with play/pause/stop, seek, a loop region and live tempo changes.

    ``clock`` gives seconds (monotonic); ``sleep(seconds)``, if given, replaces the interruptible wait
    (for fake clocks). ``lookahead_s``: the thread wakes this much before an event is due and sends
    everything due by then, which offsets the OS's wake-up latency (events are never early by more).
    ``position_hz``: how often ``on_position(tick)`` is called while playing. Ticks are in the first
    clip's ppq. Callbacks run on the sequencer thread, never while its lock is held.
    """

    DEFAULT_LOOKAHEAD_S = 0.0002  # about the OS wake-up latency on Linux (benchmarks/midi_jitter.py)

    def __init__(self, backend: OutputBackend, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] | None = None, lookahead_s: float = DEFAULT_LOOKAHEAD_S,
                 position_hz: float = 60.0, threaded: bool = True, check_interval_s: float = 1.0) -> None:
        if position_hz <= 0 or lookahead_s < 0:
            raise ValueError("position_hz must be positive and lookahead_s not negative")
        self._backend = backend
        self._clock = clock
        self._sleep = sleep
        self.lookahead_s = lookahead_s
        self.position_period_s = 1.0 / position_hz
        self.check_interval_s = check_interval_s
        self._threaded = threaded
        self.on_position: Callable[[int], None] | None = None
        self.on_error: Callable[[str], None] | None = None
        self.on_finished: Callable[[], None] | None = None
        self.last_error: str | None = None
        self.loop_count = 0  # loop wraps since the last play()

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._gen = 0  # bumped by every command, so the thread never sleeps through one
        self._thread: threading.Thread | None = None
        self._closed = False
        self._state = STOPPED
        self._schedule: Schedule = build_schedule([])
        self._tempo_override: float | None = None
        self._map: TempoMap = self._schedule.tempo_map
        self._loop: tuple[int, int] | None = None
        self._pos = 0.0  # tick while not playing
        self._anchor_time = 0.0
        self._anchor_tick = 0.0
        self._anchor_sec = 0.0
        self._idx = 0
        self._resume_idx: int | None = None
        self._sounding: dict[tuple[int, int], int] = {}
        self._channels_used: set[int] = set()
        self._next_report = 0.0
        self._next_check = 0.0
        _live.add(self)

    # --- properties --------------------------------------------------------------------------
    @property
    def backend(self) -> OutputBackend:
        return self._backend

    @property
    def state(self) -> str:
        """``"playing"``, ``"paused"`` or ``"stopped"``."""
        return self._state

    @property
    def is_playing(self) -> bool:
        return self._state == PLAYING

    @property
    def position_tick(self) -> int:
        """The playhead in ticks (first clip's ppq)."""
        with self._lock:
            return _whole(self._current_tick(self._clock()))

    @property
    def ppq(self) -> int:
        return self._schedule.ppq

    @property
    def end_tick(self) -> int:
        return self._schedule.end_tick

    @property
    def tempo(self) -> float:
        """The tempo in force at tick 0, in quarter-note bpm (later file tempo changes scale with it)."""
        return self._map.initial_bpm

    @property
    def loop(self) -> tuple[int, int] | None:
        return self._loop

    # --- commands ----------------------------------------------------------------------------
    def set_clips(self, clips: Sequence[Clip]) -> None:
        """Replace what is played. While playing, sounding notes are released and play goes on."""
        schedule = build_schedule(clips)
        with self._lock:
            now = self._clock()
            tick = self._current_tick(now) * schedule.ppq / self._schedule.ppq
            if self._state == PLAYING:
                self._release(panic=False)
            self._schedule = schedule
            self._map = self._effective_map()
            calls: list = []  # type: ignore[type-arg]
            self._resume_idx = None
            if self._state == PLAYING:
                self._anchor(now, tick)
                self._send_programs(calls)
            else:
                self._pos = tick
            self._changed()
        self._call(calls)

    def set_tempo(self, bpm: float | None) -> None:
        """Play at ``bpm`` (quarter notes per minute) from now on; None returns to the clips' tempo."""
        if bpm is not None and not 1.0 <= float(bpm) <= 1000.0:
            raise ValueError(f"tempo {bpm} bpm is outside 1-1000")
        with self._lock:
            now = self._clock()
            tick = self._current_tick(now)
            self._tempo_override = None if bpm is None else float(bpm)
            self._map = self._effective_map()
            if self._state == PLAYING:
                self._anchor(now, tick, reindex=False)
            self._changed()

    def set_loop(self, start_tick: int | None, end_tick: int | None) -> None:
        """Loop ``[start_tick, end_tick)`` while the playhead is before ``end_tick``; None, None: no loop."""
        if start_tick is None or end_tick is None:
            if start_tick is not None or end_tick is not None:
                raise ValueError("give both loop ends, or neither to clear the loop")
            loop = None
        else:
            if not 0 <= start_tick < end_tick:
                raise ValueError(f"loop {start_tick}..{end_tick} must satisfy 0 <= start < end")
            loop = (int(start_tick), int(end_tick))
        with self._lock:
            if self._state == PLAYING:  # a loop set behind the playhead must not jump back
                now = self._clock()
                self._anchor(now, self._current_tick(now), reindex=False)
            self._loop = loop
            self._changed()

    def seek(self, tick: int) -> None:
        """Move the playhead to ``tick`` (playing goes on from there)."""
        target = max(0.0, float(tick))
        with self._lock:
            if self._state == PLAYING:
                self._release(panic=False)
                self._anchor(self._clock(), target)
            else:
                self._pos = target
                self._resume_idx = None
            self._changed()

    def play(self) -> None:
        """Start or resume. Opens the backend if needed; raises :class:`PlaybackUnavailable` if it can't."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the sequencer is closed")
            if self._state == PLAYING:
                return
            self._backend.open()
            if self._pos >= self._schedule.end_tick and not (self._loop and self._pos < self._loop[1]):
                self._pos = 0.0
            self._channels_used = set(self._schedule.channels)
            for msg in self._schedule.program_messages():
                self._backend.send(msg)
            now = self._clock()
            self._anchor(now, self._pos)
            if self._state == PAUSED and self._resume_idx is not None:
                self._idx = self._resume_idx  # events at the pause tick that already went out stay sent
            self._resume_idx = None
            self._state = PLAYING
            self.loop_count = 0
            self.last_error = None
            self._next_report = now
            self._next_check = now + self.check_interval_s
            self._changed()
            if self._threaded and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="latentcomposer-sequencer",
                                                daemon=True)
                self._thread.start()

    def pause(self) -> None:
        """Stop sounding and keep the playhead where it is."""
        with self._lock:
            if self._state == PLAYING:
                self._pos = self._current_tick(self._clock())
                self._resume_idx = self._idx
                self._release(panic=True)
                self._state = PAUSED
            self._changed()

    def stop(self) -> None:
        """Stop, release every note (note-offs + all-notes-off on every channel used), rewind to 0."""
        with self._lock:
            if self._state == PLAYING or self._sounding:
                self._release(panic=True)
            self._state = STOPPED
            self._pos = 0.0
            self._resume_idx = None
            self._changed()

    def panic(self) -> None:
        """Stop and send all-notes-off on all 16 channels, whatever was sounding."""
        with self._lock:
            self.stop()
            self._channels_used = set(range(16))
            self._release(panic=True)

    def send_now(self, messages: Sequence[mido.Message]) -> None:
        """Send ``messages`` at once on the current backend (opened if needed), serialized with the
        sequencer's own output so that auditioning a note while playing never interleaves with a
        scheduled send (MIDI port backends are not thread-safe). The caller owns these notes: the
        sequencer does not track or release them. Raises PlaybackUnavailable."""
        with self._lock:
            backend = self._backend
            if not backend.is_open:
                backend.open()
            for msg in messages:
                backend.send(msg)

    def set_backend(self, backend: OutputBackend) -> OutputBackend:
        """Switch output (releasing notes on the old one, which stays open). Returns the old backend."""
        with self._lock:
            old = self._backend
            self._release(panic=True)
            self._backend = backend
            if self._state == PLAYING:
                try:
                    backend.open()
                except PlaybackUnavailable:
                    self._state, self._pos = STOPPED, self._current_tick(self._clock())
                    self._changed()
                    raise
                self._channels_used = set(self._schedule.channels)
                for msg in self._schedule.program_messages():
                    backend.send(msg)
            self._changed()
            return old

    def close(self, close_backend: bool = True) -> None:
        """Stop (releasing all notes), end the thread and, by default, close the backend."""
        with self._lock:
            if self._closed:
                return
            self.stop()
            self._closed = True
            self._changed()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        if close_backend:
            self._backend.close()
        _live.discard(self)

    # --- the engine --------------------------------------------------------------------------
    def process(self, now: float | None = None) -> float | None:
        """Send everything due up to ``now`` (default: the clock), report the position if due.

        Returns the clock time at which something is next due, or None when not playing. The thread
        calls this; tests call it directly with ``threaded=False``.
        """
        with self._lock:
            calls, wake = self._advance(self._clock() if now is None else now)
        self._call(calls)
        return wake

    def _advance(self, now: float) -> tuple[list[tuple[Callable[..., None], tuple[object, ...]]], float | None]:
        calls: list[tuple[Callable[..., None], tuple[object, ...]]] = []
        horizon = now + self.lookahead_s
        events, n = self._schedule.events, len(self._schedule.events)
        wake = math.inf
        while self._state == PLAYING:
            limit = self._limit_tick()
            limit_time = self._time_of(limit)
            ev = events[self._idx] if self._idx < n else None
            if ev is not None and ev.tick < limit:
                ev_time = self._time_of(ev.tick)
                if ev_time <= horizon:
                    self._idx += 1
                    if not self._dispatch(ev.message, ev.order == NOTE_ON, calls):
                        break
                    continue
                wake = ev_time
            else:
                wake = math.inf
            if limit_time > horizon:
                wake = min(wake, limit_time)
                break
            # the playhead reached the loop end or the song end
            self._release(panic=False)
            if self._loop is not None and limit == self._loop[1]:
                self.loop_count += 1
                self._anchor(limit_time, float(self._loop[0]))
                continue
            self._release(panic=True)
            self._state, self._pos = STOPPED, 0.0
            if self.on_position:
                calls.append((self.on_position, (0,)))
            if self.on_finished:
                calls.append((self.on_finished, ()))
            return calls, None
        if self._state != PLAYING:
            return calls, None
        if now >= self._next_report:
            if self.on_position:
                calls.append((self.on_position, (_whole(self._current_tick(now)),)))
            self._next_report += self.position_period_s
            if self._next_report <= now:
                self._next_report = now + self.position_period_s
        wake = min(wake - self.lookahead_s, self._next_report)
        return calls, wake

    def _dispatch(self, msg: mido.Message, is_on: bool, calls: list) -> bool:  # type: ignore[type-arg]
        key = (msg.channel, msg.note)
        if not is_on:
            count = self._sounding.get(key, 0)
            if count == 0:
                return True  # its note-on was never sent (started before a seek or loop start)
            if count == 1:
                del self._sounding[key]
            else:
                self._sounding[key] = count - 1
        try:
            self._backend.send(msg)
        except (PlaybackUnavailable, OSError) as exc:
            self._fail(exc, calls)
            return False
        if is_on:
            self._sounding[key] = self._sounding.get(key, 0) + 1
            self._channels_used.add(msg.channel)
        return True

    def _fail(self, exc: BaseException, calls: list) -> None:  # type: ignore[type-arg]
        """The device went away: stop quietly (best effort) and report."""
        message = str(exc) if isinstance(exc, PlaybackUnavailable) else f"playback stopped: {exc}"
        self._pos = self._current_tick(self._clock())
        self._state = STOPPED
        self._release(panic=True)
        self.last_error = message
        log.warning("%s", message)
        if self.on_error:
            calls.append((self.on_error, (message,)))

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    if self._closed:
                        return
                    if self._state != PLAYING:
                        self._cond.wait()
                        continue
                    gen = self._gen
                wake = self.process()
                self._maybe_check()
                if wake is None:
                    continue
                delay = min(max(0.0, wake - self._clock()), self.position_period_s)
                if self._sleep is not None:
                    self._sleep(delay)
                    continue
                with self._cond:
                    if gen == self._gen and not self._closed and delay > 0:
                        self._cond.wait(delay)
        except BaseException:
            log.exception("the sequencer thread failed")
            with self._lock:
                self.last_error = "playback stopped after an internal error"
                self._state = STOPPED
            raise
        finally:
            with self._lock:
                self._thread = None
                if self._sounding or self._state == PLAYING:  # ended mid-note: silence it
                    self._state = STOPPED
                    try:
                        self._release(panic=True)
                    except Exception:
                        pass

    def _maybe_check(self) -> None:
        """Poll the backend for a vanished device (outside the lock: listing ports can be slow)."""
        now = self._clock()
        if now < self._next_check:
            return
        self._next_check = now + self.check_interval_s
        try:
            self._backend.check()
        except PlaybackUnavailable as exc:
            calls: list = []  # type: ignore[type-arg]
            with self._lock:
                if self._state == PLAYING:
                    self._fail(exc, calls)
            self._call(calls)

    # --- helpers (lock held) -----------------------------------------------------------------
    def _effective_map(self) -> TempoMap:
        base = self._schedule.tempo_map
        if self._tempo_override is None:
            return base
        return base.scaled(self._tempo_override / base.initial_bpm)

    def _anchor(self, now: float, tick: float, reindex: bool = True) -> None:
        """Playing continues from ``tick`` at clock time ``now``; ``reindex=False`` keeps the next event
        (the playhead did not jump: a tempo or loop change), so no event can be sent twice."""
        self._anchor_time, self._anchor_tick = now, tick
        self._anchor_sec = self._map.seconds_at(tick)
        if reindex:
            self._idx = self._schedule.index_at(tick)

    def _time_of(self, tick: float) -> float:
        return self._anchor_time + self._map.seconds_at(tick) - self._anchor_sec

    def _limit_tick(self) -> int:
        if self._loop is not None and self._anchor_tick < self._loop[1]:
            return self._loop[1]
        return self._schedule.end_tick

    def _current_tick(self, now: float) -> float:
        if self._state != PLAYING:
            return self._pos
        tick = self._map.tick_at(self._anchor_sec + max(0.0, now - self._anchor_time))
        return min(tick, float(max(self._limit_tick(), self._anchor_tick)))

    def _release(self, panic: bool) -> None:
        """Note-off for every sounding note; with ``panic`` also the backend's panic on channels used."""
        sounding, self._sounding = self._sounding, {}
        if not self._backend.is_open:
            return
        try:
            for (ch, note), count in sounding.items():
                for _ in range(count):
                    self._backend.send(mido.Message("note_off", channel=ch, note=note, velocity=0))
            if panic and self._channels_used:
                self._backend.panic(sorted(self._channels_used))
        except (PlaybackUnavailable, OSError) as exc:  # the device is gone: nothing left to silence
            log.debug("could not release notes: %s", exc)

    def _send_programs(self, calls: list) -> None:  # type: ignore[type-arg]
        self._channels_used |= set(self._schedule.channels)
        try:
            for msg in self._schedule.program_messages():
                self._backend.send(msg)
        except (PlaybackUnavailable, OSError) as exc:
            self._fail(exc, calls)

    @staticmethod
    def _call(calls: list) -> None:  # type: ignore[type-arg]
        for fn, args in calls:
            try:
                fn(*args)
            except Exception:
                log.exception("playback callback %r failed", fn)

    def _changed(self) -> None:
        self._gen += 1
        self._cond.notify_all()

    def __enter__(self) -> Sequencer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
