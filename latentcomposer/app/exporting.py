"""Exports: MIDI (current clip or all), WAV through the offline renderer, temporary MIDI for drag-out."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from latentcomposer.core import Clip
from latentcomposer.core.errors import UserFacingError
from latentcomposer.io.midifile import write_midi


class ExportError(UserFacingError):
    """An export failed; ``str(err)`` is for the user."""


class ExportCancelled(Exception):
    """The user cancelled a running export."""


def safe_filename(name: str, default: str = "clip") -> str:
    """A file name made from a clip name (no path separators or odd characters)."""
    cleaned = re.sub(r"[^\w\- ]+", "", name, flags=re.UNICODE).strip().replace(" ", "_")
    return cleaned[:80] or default


def export_midi(path: str | os.PathLike[str], clips: Sequence[Clip]) -> Path:
    """Write clips to a MIDI file (atomic). Raises :class:`~latentcomposer.io.midifile.MidiWriteError`."""
    return write_midi(path, list(clips))


def temp_midi_for_drag(clip: Clip, directory: Path) -> Path:
    """A MIDI file of ``clip`` in ``directory`` named after it, for dragging into a DAW."""
    directory.mkdir(parents=True, exist_ok=True)
    return write_midi(directory / f"{safe_filename(clip.name)}.mid", [clip])


def render_wav(path: str | os.PathLike[str], clips: Sequence[Clip], *, soundfont: str | None = None,
               sample_rate: int = 44100, progress: Callable[[float], None] | None = None,
               cancelled: Callable[[], bool] = lambda: False) -> Path:
    """Render clips offline to a WAV file, streamed and written atomically (nothing is left on cancel).

    ``progress(fraction)`` is called as it goes. Raises :class:`ExportCancelled` when ``cancelled()``
    turns true, :class:`ExportError` when the renderer is unavailable (no FluidSynth library or
    SoundFont) or the file cannot be written.
    """
    try:
        from latentcomposer.io.playback import PlaybackUnavailable, render_to_wav
    except ImportError as exc:
        raise ExportError(f"WAV rendering is not available in this version ({exc})") from None

    def report(done: float, total: float = 1.0) -> None:
        if cancelled():
            raise ExportCancelled()
        if progress is not None:
            progress(min(1.0, done / total) if total else 1.0)

    try:
        out = render_to_wav(list(clips), path, soundfont=soundfont, sample_rate=sample_rate, progress=report)
    except ExportCancelled:
        raise
    except PlaybackUnavailable as exc:
        raise ExportError(str(exc)) from None
    except OSError as exc:  # AudioWriteError names the file
        raise ExportError(str(exc) if str(exc) else f"{Path(path).name} cannot be written") from None
    return Path(out)
