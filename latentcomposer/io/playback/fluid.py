"""FluidSynth output: a General MIDI SoundFont played live through the platform's audio driver,
or rendered offline (``audio=False``) into numpy buffers.

Failures become :class:`PlaybackUnavailable`: libfluidsynth missing (``import fluidsynth`` raises
ImportError), no SoundFont found, a file that does not load, or no audio driver that opens (here
FluidSynth signals failure only by ``audio_driver is None``).
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterable
from types import ModuleType

import mido
import numpy as np

from ._native import hook_fluidsynth_log, last_error_suffix, quiet_alsa, recent_errors
from .backends import ALL_CHANNELS, OutputBackend
from .errors import PlaybackUnavailable, install_hint
from .settings import check_soundfont_file, default_soundfont

DEFAULT_GAIN = 0.5  # FluidSynth's own default (0.2) is quiet; 0.5 leaves headroom for dense GM files
DEFAULT_SAMPLE_RATE = 44100


def audio_drivers() -> tuple[str, ...]:
    """The audio drivers tried, in order, on this platform."""
    if sys.platform.startswith("linux"):
        return ("pulseaudio", "pipewire", "alsa")
    if sys.platform == "darwin":
        return ("coreaudio",)
    if sys.platform == "win32":
        return ("dsound", "wasapi")
    return ("pulseaudio", "pipewire", "alsa", "coreaudio", "dsound")


def load_fluidsynth() -> ModuleType:
    """``import fluidsynth`` (pyfluidsynth), or PlaybackUnavailable saying how to install it."""
    try:
        import fluidsynth
    except ModuleNotFoundError as exc:
        if exc.name == "fluidsynth":
            raise PlaybackUnavailable("the Python package pyfluidsynth is not installed",
                                      "install it with `pip install pyfluidsynth`", "fluidsynth") from None
        raise PlaybackUnavailable(f"FluidSynth cannot be loaded ({exc})", install_hint("fluidsynth"),
                                  "fluidsynth") from None
    except (ImportError, OSError) as exc:
        raise PlaybackUnavailable(f"the FluidSynth library (libfluidsynth) is not available ({exc})",
                                  install_hint("fluidsynth"), "fluidsynth") from None
    hook_fluidsynth_log(fluidsynth)
    return fluidsynth


def _float_writer(fs: ModuleType) -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """``fluid_synth_write_float`` with its prototype, or None (then int16 ``get_samples`` is used)."""
    fn = getattr(getattr(fs, "_fl", None), "fluid_synth_write_float", None)
    if fn is None:
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                   ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


class FluidSynthBackend(OutputBackend):
    """FluidSynth with a SoundFont (default: :func:`default_soundfont`).

    ``driver`` picks one audio driver (default: :func:`audio_drivers` in order); ``gain`` is
    FluidSynth's master gain (linear, 0-10); ``effects`` turns reverb and chorus on. With
    ``audio=False`` no driver is opened and :meth:`render_into` produces samples offline.
    """

    def __init__(self, soundfont: str | None = None, driver: str | None = None, gain: float = DEFAULT_GAIN,
                 sample_rate: int = DEFAULT_SAMPLE_RATE, audio: bool = True, effects: bool = True) -> None:
        super().__init__()
        self.soundfont = soundfont
        self.driver = driver
        self.gain = float(gain)
        self.sample_rate = int(sample_rate)
        self.audio = audio
        self.effects = effects
        self.driver_name: str | None = None  # the driver that opened
        self.name = "FluidSynth"
        self._fs: ModuleType | None = None
        self._synth: object | None = None
        self._write_float: ctypes._CFuncPtr | None = None  # type: ignore[name-defined]

    # --- opening ---------------------------------------------------------------------------
    def _open(self) -> None:
        if not 8000 <= self.sample_rate <= 96000:
            raise PlaybackUnavailable(f"sample rate {self.sample_rate} Hz is not supported",
                                      "choose 8000-96000 Hz (44100 is usual)", "audio")
        fs = load_fluidsynth()
        sf_path = self.soundfont or default_soundfont()
        if sf_path is None:
            raise PlaybackUnavailable("no SoundFont (.sf2) found", install_hint("soundfont"), "soundfont")
        path = check_soundfont_file(sf_path)
        synth = fs.Synth(gain=self.gain, samplerate=float(self.sample_rate), channels=16)
        try:
            if not self.effects:
                synth.setting("synth.reverb.active", 0)
                synth.setting("synth.chorus.active", 0)
            recent_errors()
            if synth.sfload(str(path), 1) < 0:
                raise PlaybackUnavailable(f"SoundFont {path} could not be loaded{last_error_suffix()}",
                                          "the file may be damaged; choose another .sf2 file", "soundfont")
            if self.audio:
                self._start_audio(fs, synth)
        except BaseException:
            synth.delete()
            raise
        self.soundfont = str(path)
        self._fs, self._synth = fs, synth
        self._write_float = _float_writer(fs)
        if self.driver_name:
            self.name = f"FluidSynth ({self.driver_name})"

    def _start_audio(self, fs: ModuleType, synth: object) -> None:
        quiet_alsa()
        drivers = (self.driver,) if self.driver else audio_drivers()
        failures = []
        for drv in drivers:
            recent_errors()
            synth.setting("audio.driver", drv)  # type: ignore[attr-defined]
            handle = fs.new_fluid_audio_driver(synth.settings, synth.synth)  # type: ignore[attr-defined]
            if handle:
                synth.audio_driver = handle  # type: ignore[attr-defined]  # Synth.delete() frees it
                self.driver_name = drv
                return
            failures.append(f"{drv}{last_error_suffix()}")
        raise PlaybackUnavailable(
            "no audio output could be opened (tried " + "; ".join(failures) + ")",
            "check that a sound card or sound server is available, or play through a MIDI port, "
            "or render to WAV with `latentcomposer render`", "audio")

    def _close(self) -> None:
        synth, self._synth = self._synth, None
        if synth is not None:
            synth.delete()  # type: ignore[attr-defined]

    # --- messages ----------------------------------------------------------------------------
    def _send(self, msg: mido.Message) -> None:
        s = self._synth
        assert s is not None
        t = msg.type
        if t == "note_on":
            if msg.velocity:
                s.noteon(msg.channel, msg.note, msg.velocity)  # type: ignore[attr-defined]
            else:
                s.noteoff(msg.channel, msg.note)  # type: ignore[attr-defined]
        elif t == "note_off":
            s.noteoff(msg.channel, msg.note)  # type: ignore[attr-defined]
        elif t == "program_change":
            s.program_change(msg.channel, msg.program)  # type: ignore[attr-defined]
        elif t == "control_change":
            s.cc(msg.channel, msg.control, msg.value)  # type: ignore[attr-defined]
        elif t == "pitchwheel":
            s.pitch_bend(msg.channel, msg.pitch)  # type: ignore[attr-defined]

    def panic(self, channels: Iterable[int] = ALL_CHANNELS) -> None:
        s = self._synth
        if s is None:
            return
        for ch in channels:
            s.cc(ch, 64, 0)  # type: ignore[attr-defined]
            s.all_notes_off(ch)  # type: ignore[attr-defined]

    def set_volume(self, volume: float, channels: Iterable[int] = ALL_CHANNELS) -> None:
        """Master volume 0.0-1.0 as a fraction of ``gain`` (FluidSynth applies it at once)."""
        if self._synth is not None:
            self._synth.setting("synth.gain", self.gain * min(max(volume, 0.0), 1.0))  # type: ignore[attr-defined]

    # --- offline -----------------------------------------------------------------------------
    def render_into(self, out: np.ndarray) -> None:
        """Fill ``out`` (C-contiguous float32, shape (n, 2)) with the next n stereo frames."""
        s = self._synth
        if s is None:
            raise PlaybackUnavailable("FluidSynth is not open", "open the output first", "fluidsynth")
        if out.dtype != np.float32 or out.ndim != 2 or out.shape[1] != 2 or not out.flags.c_contiguous:
            raise ValueError("render_into needs a C-contiguous float32 array of shape (n, 2)")
        n = out.shape[0]
        if n == 0:
            return
        if self._write_float is not None:
            ptr = out.ctypes.data
            rc = self._write_float(s.synth, n, ptr, 0, 2, ptr, 1, 2)  # type: ignore[attr-defined]
            if rc == 0:
                return
        pcm = s.get_samples(n)  # type: ignore[attr-defined]
        out[:] = pcm.reshape(n, 2).astype(np.float32) / 32768.0

    def render(self, n_frames: int) -> np.ndarray:
        """The next ``n_frames`` stereo frames as a new (n, 2) float32 array."""
        out = np.zeros((n_frames, 2), np.float32)
        self.render_into(out)
        return out
