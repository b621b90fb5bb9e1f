"""MIDI input ports: a keyboard to record from, a DAW's clock to follow.

Like the output backends (:mod:`latentcomposer.io.playback.backends`): :class:`MidiInput` is the one
interface, :class:`PortInput` opens a real port through mido + python-rtmidi, :class:`InMemoryInput`
is fed by tests (``feed(msg)``). Messages reach ``callback(msg, seconds)`` on the port's own thread
(the GUI marshals them). No MIDI system, no port, a port that vanished: :func:`list_input_ports`
answers ``[]`` and opening raises :class:`~latentcomposer.io.playback.PlaybackUnavailable` with a hint;
the app keeps working without any.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import mido

from .playback.backends import close_port, match_port, open_port
from .playback.errors import PlaybackUnavailable

Callback = Callable[[mido.Message, float], None]
NO_INPUT_HINT = ("connect a MIDI keyboard (or start your DAW's virtual MIDI port) and choose it again; "
                 "everything else works without one")


def list_input_ports() -> list[str]:
    """Names of the MIDI input ports; ``[]`` when there is no MIDI system (never raises)."""
    try:
        names = mido.get_input_names()
    except Exception:  # no rtmidi, no ALSA sequencer (/dev/snd), a broken driver: no inputs
        return []
    return list(dict.fromkeys(names))


class MidiInput:
    """Calls ``callback(msg, seconds)`` for each incoming message while open."""

    name = "input"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.callback: Callback | None = None

    @property
    def is_open(self) -> bool:
        return self.callback is not None

    def open(self, callback: Callback) -> None:
        self._open()
        self.callback = callback

    def close(self) -> None:
        self.callback = None
        self._close()

    def deliver(self, msg: mido.Message) -> None:
        cb = self.callback
        if cb is not None:
            cb(msg, self.clock())

    def _open(self) -> None:
        pass

    def _close(self) -> None:
        pass


class InMemoryInput(MidiInput):
    """A port fed by hand (tests): ``feed(msg)`` delivers at the clock's time."""

    name = "in-memory input"

    def feed(self, *messages: mido.Message) -> None:
        for msg in messages:
            self.deliver(msg)


class PortInput(MidiInput):
    """A real MIDI input port (mido + python-rtmidi)."""

    def __init__(self, port_name: str, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(clock)
        self.wanted = port_name
        self.name = port_name
        self._port: Any = None

    def _open(self) -> None:
        names = list_input_ports()
        if not names:
            raise PlaybackUnavailable("no MIDI input ports were found", NO_INPUT_HINT, "port")
        name = match_port(self.wanted, names)
        if name is None:
            raise PlaybackUnavailable(f"the MIDI input '{self.wanted}' is not connected (found: "
                                      f"{', '.join(names)})", NO_INPUT_HINT, "port")
        self._port = open_port(lambda: mido.open_input(name, callback=self.deliver),
                               f"cannot open the MIDI input '{name}'", NO_INPUT_HINT, ValueError)
        self.name = name

    def _close(self) -> None:
        port, self._port = self._port, None
        close_port(port)
