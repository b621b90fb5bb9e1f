"""Playback for the app: one sequencer, a switchable output, a metronome and note audition.

Outputs are ``"fluidsynth"``, ``"midi"`` (a port) or ``"none"`` (silent: the playhead still moves,
so the editor works on a machine without sound). Opening an output can take a moment (loading a
SoundFont, probing audio drivers), so :func:`open_output` is a plain function a worker thread can call;
:meth:`PlaybackService.use` then switches to what it opened. No Qt here: callbacks (``on_position``,
``on_error``, ``on_finished``) arrive on the sequencer's thread and the GUI marshals them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import mido

from latentcomposer.core import DRUM_CHANNEL, Clip, Note
from latentcomposer.io.playback import (
    FluidSynthBackend,
    InMemoryBackend,
    MidiPortBackend,
    OutputBackend,
    PlaybackUnavailable,
    Sequencer,
)

log = logging.getLogger(__name__)

__all__ = ["InMemoryBackend", "NullBackend", "OutputResult", "PlaybackService", "PlaybackUnavailable",
           "list_ports", "metronome_clip", "open_output"]

AUDITION_CHANNEL = 15
METRONOME_HIGH, METRONOME_LOW = 76, 77  # GM hi / low wood block


class NullBackend(OutputBackend):
    """The "none" output: accepts and drops every message."""

    name = "none"

    def _send(self, msg: mido.Message) -> None:
        pass


@dataclass
class OutputResult:
    """What :func:`open_output` got: an open backend, or the problem (and a silent backend instead)."""

    kind: str  # what was asked for: fluidsynth | midi | none
    backend: OutputBackend
    label: str  # for the status bar
    problem: str | None = None  # why the wanted output is not available

    @property
    def ok(self) -> bool:
        return self.problem is None


def open_output(kind: str, soundfont: str | None = None, port: str | None = None) -> OutputResult:
    """Open the wanted output; on failure a silent backend with ``problem`` saying why. Never raises."""
    if kind == "none":
        backend: OutputBackend = NullBackend()
        backend.open()
        return OutputResult(kind, backend, "no output (silent)")
    try:
        if kind == "fluidsynth":
            backend = FluidSynthBackend(soundfont=soundfont)
        elif kind == "midi":
            backend = MidiPortBackend(port_name=port)
        else:
            raise PlaybackUnavailable(f"unknown output {kind!r}")
        backend.open()
    except PlaybackUnavailable as exc:
        silent = NullBackend()
        silent.open()
        return OutputResult(kind, silent, "no output (silent)", str(exc))
    except Exception as exc:  # a library failing in an unexpected way must not stop the app
        log.exception("opening %s failed", kind)
        silent = NullBackend()
        silent.open()
        return OutputResult(kind, silent, "no output (silent)", f"{kind} could not be opened ({exc})")
    return OutputResult(kind, backend, backend.name)


def list_ports() -> tuple[list[str], str | None]:
    """MIDI output port names, and the problem when there is no MIDI system."""
    try:
        return MidiPortBackend.list_output_ports(strict=True), None
    except PlaybackUnavailable as exc:
        return [], str(exc)
    except Exception as exc:
        return [], f"MIDI ports cannot be listed ({exc})"


def metronome_clip(clip: Clip) -> Clip:
    """Clicks on every beat of ``clip`` (accent on the downbeat), on the drum channel."""
    ts = clip.time_signature
    beat = round(clip.ppq * 4 / ts.denominator)
    bars = max(1, clip.n_bars)
    end = bars * clip.bar_ticks
    click = max(1, clip.ppq // 8)
    notes = []
    for k, tick in enumerate(range(0, end, beat)):
        down = k % ts.numerator == 0
        notes.append(Note(tick, METRONOME_HIGH if down else METRONOME_LOW, tick + click, 110 if down else 75))
    return Clip(tuple(notes), ppq=clip.ppq, tempo=clip.tempo, time_signature=ts, name="metronome",
                is_drum=True, channel=DRUM_CHANNEL, length=end)


class PlaybackService:
    """The app's player: what to play (the current clip, plus the metronome), where, and audition."""

    def __init__(self, backend: OutputBackend | None = None, *, threaded: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if backend is None:
            backend = NullBackend()
        self.backend = backend
        self.output = OutputResult("none", backend, "no output (silent)")
        self.sequencer = Sequencer(backend, clock=clock, threaded=threaded)
        self.on_position: Callable[[int], None] | None = None
        self.on_error: Callable[[str], None] | None = None
        self.on_finished: Callable[[], None] | None = None
        self.sequencer.on_position = lambda tick: self._forward(self.on_position, tick)
        self.sequencer.on_error = lambda msg: self._forward(self.on_error, msg)
        self.sequencer.on_finished = lambda: self._forward(self.on_finished)
        self.metronome = False
        self._clip: Clip | None = None
        self._parts: list[Clip] = []  # a section's other parts, played with the clip (set_parts)
        self._chords: Clip | None = None
        self._lock = threading.Lock()
        self._audition_program: int | None = None
        self._timers: list[threading.Timer] = []

    @staticmethod
    def _forward(fn: Callable[..., None] | None, *args: object) -> None:
        if fn is not None:
            fn(*args)

    # --- output ----------------------------------------------------------------------------
    def use(self, result: OutputResult) -> None:
        """Play through ``result.backend`` from now on (the previous output is closed)."""
        with self._lock:
            old = self.backend
            try:
                self.sequencer.set_backend(result.backend)
            except PlaybackUnavailable as exc:
                result = OutputResult(result.kind, NullBackend(), "no output (silent)", str(exc))
                result.backend.open()
                self.sequencer.set_backend(result.backend)
            self.backend, self.output = result.backend, result
            self._audition_program = None
        if old is not result.backend and not isinstance(old, InMemoryBackend):
            try:
                old.close()
            except Exception:
                log.exception("closing %s failed", old)

    def set_output(self, kind: str, soundfont: str | None = None, port: str | None = None) -> OutputResult:
        """Open and use an output now (blocking); returns what happened."""
        result = open_output(kind, soundfont, port)
        self.use(result)
        return self.output

    # --- what to play ------------------------------------------------------------------------
    def set_clip(self, clip: Clip | None) -> None:
        self._clip = clip
        self._reschedule()

    def set_parts(self, parts: list[Clip]) -> None:
        """Play these clips with the clip (a section's other parts, each on its own channel and
        program; the clip's ppq and tempo lead); ``[]``: the clip alone."""
        self._parts = list(parts)
        self._reschedule()

    def set_metronome(self, on: bool) -> None:
        self.metronome = bool(on)
        self._reschedule()

    def set_chords(self, chords: Clip | None) -> None:
        """Sound these notes (the clip's chord lane as a pad, :func:`latentcomposer.app.harmony.chord_clip`)
        with the clip; None stops them."""
        self._chords = chords
        self._reschedule()

    def _reschedule(self) -> None:
        clips = [] if self._clip is None else [self._clip, *self._parts]
        if self._clip is not None and self.metronome:
            clips.append(metronome_clip(self._clip))
        chords = getattr(self, "_chords", None)
        if self._clip is not None and chords is not None and chords.notes:
            clips.append(chords)
        self.sequencer.set_clips(clips)

    # --- transport ---------------------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        return self.sequencer.is_playing

    @property
    def position_tick(self) -> int:
        return self.sequencer.position_tick

    def play(self) -> None:
        """Start or resume; raises :class:`PlaybackUnavailable` if the output cannot open."""
        self.sequencer.play()

    def pause(self) -> None:
        self.sequencer.pause()

    def toggle(self) -> bool:
        """Play if paused/stopped, else pause; returns whether it now plays."""
        if self.sequencer.is_playing:
            self.sequencer.pause()
            return False
        self.sequencer.play()
        return True

    def stop(self) -> None:
        self.sequencer.stop()

    def seek(self, tick: int) -> None:
        self.sequencer.seek(max(0, int(tick)))

    def set_loop(self, start: int | None, end: int | None) -> None:
        self.sequencer.set_loop(start, end)

    # --- audition ----------------------------------------------------------------------------
    def audition(self, pitch: int, velocity: int = 100, *, program: int = 0, drum: bool = False,
                 duration: float = 0.35) -> bool:
        """Sound one note briefly, also while playing (on its own channel, through the sequencer so
        that it never interleaves with scheduled output)."""
        if not 0 <= pitch <= 127:
            return False
        channel = DRUM_CHANNEL if drum else AUDITION_CHANNEL
        seq = self.sequencer
        msgs = []
        with self._lock:
            if not drum and self._audition_program != program:
                msgs.append(mido.Message("program_change", channel=channel, program=program))
            msgs.append(mido.Message("note_on", channel=channel, note=pitch, velocity=velocity))
            try:
                seq.send_now(msgs)
            except (PlaybackUnavailable, OSError) as exc:
                log.info("audition failed: %s", exc)
                return False
            if not drum:
                self._audition_program = program
            backend = seq.backend

        def off() -> None:
            try:
                if seq.backend is backend and backend.is_open:
                    seq.send_now([mido.Message("note_off", channel=channel, note=pitch, velocity=0)])
            except (PlaybackUnavailable, OSError):
                pass

        timer = threading.Timer(duration, off)
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()
        return True

    def close(self) -> None:
        for t in self._timers:
            t.cancel()
        self.sequencer.close(close_backend=True)
