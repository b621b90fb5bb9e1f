"""Output backends: where the sequencer's MIDI messages go.

:class:`OutputBackend` is the small interface (like mido's ports: subclasses fill in ``_open``,
``_close`` and ``_send``). Here: :class:`InMemoryBackend` (records messages, for tests) and
:class:`MidiPortBackend` (a hardware/software MIDI output or a virtual port via mido + python-rtmidi).
:class:`~latentcomposer.io.playback.FluidSynthBackend` lives in ``fluid.py``.

Every failure to reach a device raises :class:`PlaybackUnavailable`; nothing else escapes ``open``,
``send`` or ``check``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import mido

from ._native import quiet_alsa
from .errors import PlaybackUnavailable

T = TypeVar("T")

ALL_CHANNELS = tuple(range(16))
VIRTUAL_PORT_NAME = "latentcomposer"

_NO_MIDI_HINT = ("use FluidSynth for sound, render to WAV, or on Linux load the ALSA sequencer "
                 "(`sudo modprobe snd-seq`)")


class OutputBackend:
    """Base class: ``open()``, ``close()``, ``send(msg)``, ``panic(channels)``, ``name``, ``is_open``.

    Backends are used from one thread at a time (the sequencer serialises its calls). ``open`` and
    ``close`` are idempotent; a backend is also a context manager.
    """

    name: str = "output"

    def __init__(self) -> None:
        self._is_open = False

    @property
    def is_open(self) -> bool:
        return self._is_open

    def open(self) -> None:
        """Connect to the device. Raises :class:`PlaybackUnavailable` with a fix in ``.hint``."""
        if not self._is_open:
            self._open()
            self._is_open = True

    def close(self) -> None:
        if self._is_open:
            self._is_open = False
            self._close()

    def send(self, msg: mido.Message) -> None:
        """Send one channel message now. Raises :class:`PlaybackUnavailable` if the device is gone."""
        if not self._is_open:
            raise PlaybackUnavailable(f"{self.name} is not open", "open the output first", "port")
        self._send(msg)

    def panic(self, channels: Iterable[int] = ALL_CHANNELS) -> None:
        """Release everything on ``channels``: sustain pedal up, then all-notes-off (CC 64, CC 123)."""
        for ch in channels:
            self.send(mido.Message("control_change", channel=ch, control=64, value=0))
            self.send(mido.Message("control_change", channel=ch, control=123, value=0))

    def set_volume(self, volume: float, channels: Iterable[int] = ALL_CHANNELS) -> None:
        """Overall volume 0.0-1.0 (here as channel volume, CC 7; FluidSynth sets its gain)."""
        value = round(min(max(volume, 0.0), 1.0) * 127)
        for ch in channels:
            self.send(mido.Message("control_change", channel=ch, control=7, value=value))

    def check(self) -> None:
        """Raise :class:`PlaybackUnavailable` if the device has gone (polled about once a second)."""

    # --- for subclasses ----------------------------------------------------------------------
    def _open(self) -> None:
        pass

    def _close(self) -> None:
        pass

    def _send(self, msg: mido.Message) -> None:
        raise NotImplementedError

    def __enter__(self) -> OutputBackend:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {'open' if self._is_open else 'closed'}>"


class InMemoryBackend(OutputBackend):
    """Records ``(time, message)`` in :attr:`events`; ``time`` comes from ``clock`` (seconds)."""

    name = "in-memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.clock = clock
        self.events: list[tuple[float, mido.Message]] = []

    def _send(self, msg: mido.Message) -> None:
        self.events.append((self.clock(), msg))

    @property
    def messages(self) -> list[mido.Message]:
        return [m for _, m in self.events]

    def notes(self) -> list[tuple[float, str, int, int]]:
        """Note events as ``(time, "on"|"off", channel, note)`` (velocity-0 note-ons count as offs)."""
        out = []
        for t, m in self.events:
            if m.type in ("note_on", "note_off"):
                kind = "on" if m.type == "note_on" and m.velocity > 0 else "off"
                out.append((t, kind, m.channel, m.note))
        return out

    def clear(self) -> None:
        self.events.clear()


def _midi_errors(*extra: type[BaseException]) -> tuple[type[BaseException], ...]:
    """What mido's rtmidi backend raises when the MIDI system or a device fails (plus ``extra``)."""
    try:
        import rtmidi
    except ImportError:
        return (OSError, *extra)
    return (OSError, rtmidi.RtMidiError, *extra)


def list_output_ports(strict: bool = False) -> list[str]:
    """Names of the MIDI output ports. With no MIDI system: ``[]``, or PlaybackUnavailable if ``strict``."""
    quiet_alsa()
    try:
        names = mido.get_output_names()
    except _midi_errors(ImportError) as exc:
        if strict:
            raise PlaybackUnavailable(f"the MIDI system is not available ({_describe(exc)})",
                                      _NO_MIDI_HINT, "port") from None
        return []
    return list(dict.fromkeys(names))


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if "ALSA sequencer" in text:
        return "no ALSA sequencer: /dev/snd/seq is missing"
    return text


def match_port(wanted: str, names: list[str]) -> str | None:
    """The port ``wanted`` names: exact, else the one port whose name starts with or contains it."""
    if wanted in names:
        return wanted
    low = wanted.lower()
    for test in (lambda n: n.lower().startswith(low), lambda n: low in n.lower()):
        hits = [n for n in names if test(n)]
        if len(hits) == 1:
            return hits[0]
    return None


def open_port(opener: Callable[[], T], problem: str, hint: str, *extra: type[BaseException]) -> T:
    """``opener()`` (mido's ``open_output``/``open_input``); a failing MIDI system or device (or one of
    ``extra``) becomes :class:`PlaybackUnavailable` ("``problem`` (why)", ``hint``). The output port and
    the MIDI input (:mod:`latentcomposer.io.midi_input`) both open through here."""
    try:
        return opener()
    except _midi_errors(ImportError, *extra) as exc:
        raise PlaybackUnavailable(f"{problem} ({_describe(exc)})", hint, "port") from None


def close_port(port: object) -> None:
    """Close a mido port (None: none is open); a device that vanished is closed already, so this never
    raises."""
    if port is not None:
        try:
            port.close()  # type: ignore[attr-defined]
        except Exception:  # closing a vanished device must not raise
            pass


class MidiPortBackend(OutputBackend):
    """A MIDI output port (mido + python-rtmidi), or a virtual output named ``latentcomposer``.

    ``port_name`` may be a unique prefix or substring of a listed name (ALSA adds client numbers);
    ``None`` opens the first port. ``virtual=True`` creates a port that a DAW can record from
    (Linux and macOS; not Windows).
    """

    CHECK_INTERVAL_S = 1.0

    def __init__(self, port_name: str | None = None, virtual: bool = False,
                 virtual_name: str = VIRTUAL_PORT_NAME) -> None:
        super().__init__()
        self.port_name = port_name
        self.virtual = virtual
        self.virtual_name = virtual_name
        self.name = f"virtual MIDI port '{virtual_name}'" if virtual else \
            f"MIDI port '{port_name}'" if port_name else "MIDI port"
        self._port: mido.ports.BaseOutput | None = None
        self._opened_name = ""
        self._last_check = 0.0

    @staticmethod
    def list_output_ports(strict: bool = False) -> list[str]:
        return list_output_ports(strict)

    def _open(self) -> None:
        quiet_alsa()
        if self.virtual:
            self._port = open_port(lambda: mido.open_output(self.virtual_name, virtual=True),
                                   f"cannot create the virtual MIDI port '{self.virtual_name}'",
                                   "virtual ports need ALSA (Linux) or CoreMIDI (macOS); on Windows use loopMIDI "
                                   "and choose its port; or " + _NO_MIDI_HINT, NotImplementedError)
            self._opened_name = self.virtual_name
            return
        names = list_output_ports(strict=True)
        if not names:
            raise PlaybackUnavailable("there are no MIDI output ports",
                                      "connect a MIDI device or start a software synth, or use the virtual "
                                      "port or FluidSynth", "port")
        target = names[0] if self.port_name is None else match_port(self.port_name, names)
        if target is None:
            raise PlaybackUnavailable(f"no MIDI output port named '{self.port_name}'",
                                      "choose one of: " + ", ".join(names), "port")
        self._port = open_port(lambda: mido.open_output(target), f"cannot open MIDI port '{target}'",
                               "choose another port", NotImplementedError)
        self._opened_name = target
        self.name = f"MIDI port '{target}'"

    def _close(self) -> None:
        port, self._port = self._port, None
        close_port(port)

    def _send(self, msg: mido.Message) -> None:
        assert self._port is not None
        try:
            self._port.send(msg)
        except _midi_errors(ValueError) as exc:
            raise PlaybackUnavailable(f"{self.name} stopped working ({_describe(exc)})",
                                      "reconnect the device and choose the port again", "device-lost") from None

    def check(self) -> None:
        if self.virtual or not self._is_open:
            return
        now = time.monotonic()
        if now - self._last_check < self.CHECK_INTERVAL_S:
            return
        self._last_check = now
        if self._opened_name not in list_output_ports():
            raise PlaybackUnavailable(f"{self.name} has disappeared",
                                      "reconnect the device and choose the port again", "device-lost")
