"""The one error playback raises: :class:`PlaybackUnavailable`.

No sound card, no MIDI ports, no libfluidsynth or no SoundFont is a normal state for this app (CI,
servers, a laptop on a train). Each such problem becomes a ``PlaybackUnavailable`` whose ``str()``
says what is missing and how to fix it, so the CLI prints one line and the GUI shows one dialog;
rendering to WAV and MIDI export keep working.
"""

from __future__ import annotations

import sys


class PlaybackUnavailable(Exception):
    """Playback (or one output) cannot work here.

    ``problem`` says what is missing, ``hint`` how to fix it; ``str(err)`` is both, for the user.
    ``kind`` is a short machine-readable tag: ``"fluidsynth"``, ``"soundfont"``, ``"audio"``,
    ``"port"`` or ``"device-lost"``.
    """

    def __init__(self, problem: str, hint: str = "", kind: str = "") -> None:
        self.problem = problem
        self.hint = hint
        self.kind = kind
        super().__init__(f"{problem}. {hint[:1].upper()}{hint[1:]}" if hint else problem)


def install_hint(what: str) -> str:
    """How to install ``what`` (``"fluidsynth"`` or ``"soundfont"``) on this platform."""
    if what == "fluidsynth":
        if sys.platform == "darwin":
            return "install it with `brew install fluid-synth`"
        if sys.platform == "win32":
            return "install FluidSynth (e.g. `choco install fluidsynth`) and put its bin folder on PATH"
        return "install it with `sudo apt-get install libfluidsynth3` (or your distribution's fluidsynth)"
    if sys.platform == "darwin":
        return "choose a General MIDI .sf2 file (e.g. `brew install fluid-synth` and download FluidR3_GM.sf2)"
    if sys.platform == "win32":
        return "choose a General MIDI .sf2 file (e.g. FluidR3_GM.sf2)"
    return ("install one with `sudo apt-get install timgm6mb-soundfont` (or fluid-soundfont-gm), "
            "or choose a .sf2 file")
