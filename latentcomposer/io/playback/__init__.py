"""Playback: a real-time sequencer, output backends (FluidSynth, MIDI ports, in-memory) and offline
rendering to audio.

No sound card, no MIDI port, no libfluidsynth or no SoundFont is normal: each raises
:class:`PlaybackUnavailable` saying what is missing and how to fix it, and rendering/export still work
wherever FluidSynth and a SoundFont are present.
"""

from latentcomposer.io.audio import read_wav, write_wav, write_wav_chunks

from .backends import (
    VIRTUAL_PORT_NAME,
    InMemoryBackend,
    MidiPortBackend,
    OutputBackend,
    list_output_ports,
)
from .errors import PlaybackUnavailable
from .fluid import DEFAULT_GAIN, DEFAULT_SAMPLE_RATE, FluidSynthBackend, audio_drivers
from .offline import iter_render, render, render_frames, render_to_wav
from .schedule import Schedule, TempoMap, build_schedule
from .sequencer import PAUSED, PLAYING, STOPPED, Sequencer
from .settings import (
    config_dir,
    default_soundfont,
    installed_soundfonts,
    remember_soundfont,
    remembered_soundfont,
    settings_path,
)

__all__ = [
    "DEFAULT_GAIN",
    "DEFAULT_SAMPLE_RATE",
    "PAUSED",
    "PLAYING",
    "STOPPED",
    "VIRTUAL_PORT_NAME",
    "FluidSynthBackend",
    "InMemoryBackend",
    "MidiPortBackend",
    "OutputBackend",
    "PlaybackUnavailable",
    "Schedule",
    "Sequencer",
    "TempoMap",
    "audio_drivers",
    "build_schedule",
    "config_dir",
    "default_soundfont",
    "installed_soundfonts",
    "iter_render",
    "list_output_ports",
    "read_wav",
    "remember_soundfont",
    "remembered_soundfont",
    "render",
    "render_frames",
    "render_to_wav",
    "settings_path",
    "write_wav",
    "write_wav_chunks",
]
