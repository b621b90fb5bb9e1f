"""The rule for picking a melody out of a multi-track file, and melody windows of a token sequence (the
melody codec's; windows of MIDI files for any codec are ``data.codecs.file_windows``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from latentcomposer.core import Clip

from .dataset import MIN_SOUNDING
from .melody import NO_EVENT, NOTE_OFF, STEPS_PER_BAR, sounding_ratio

MELODY_METRES = {(4, 4), (2, 4), (2, 2)}


def choose_melody(clips: Sequence[Clip]) -> tuple[Clip, str]:
    """The melody of a file and how it was chosen.

    A track named MELODY/LEAD/VOCAL wins; else the monophonic non-drum track with the highest mean
    pitch; else the highest voice (skyline) of all non-drum tracks merged.
    """
    pitched = [c for c in clips if not c.is_drum and c.notes]
    if not pitched:
        raise ValueError("no pitched (non-drum) notes")
    for c in pitched:
        if any(key in c.name.upper() for key in ("MELODY", "LEAD", "VOCAL")):
            return (c if c.is_monophonic() else c.monophonic("highest")), f"track '{c.name}'"
    mono = [c for c in pitched if c.is_monophonic()]
    if mono:
        best = max(mono, key=lambda c: sum(n.pitch for n in c.notes) / len(c.notes))
        return best, f"monophonic track '{best.name}'"
    merged = pitched[0]
    for c in pitched[1:]:
        merged = merged.merge(c)
    return merged.monophonic("highest"), "highest voice of all tracks"


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.suffix.lower() in (".mid", ".midi")))
        else:
            out.append(p)
    return out


def windows_from_tokens(tokens: np.ndarray, n_bars: int, hop_bars: int = 1,
                        min_sounding: float = MIN_SOUNDING) -> tuple[np.ndarray, int]:
    """(windows [N, n_bars*16], number dropped as mostly rests)."""
    length = n_bars * STEPS_PER_BAR
    if len(tokens) < length:
        return np.zeros((0, length), np.uint8), 0
    wins = np.stack([tokens[s:s + length] for s in range(0, len(tokens) - length + 1, hop_bars * STEPS_PER_BAR)])
    wins[:, 0] = np.where(wins[:, 0] == NOTE_OFF, NO_EVENT, wins[:, 0])
    keep = sounding_ratio(wins) >= min_sounding
    return wins[keep], int((~keep).sum())
