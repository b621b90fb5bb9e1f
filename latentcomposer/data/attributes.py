"""Melody attributes measured on token windows (for attribute vectors and their evaluation).

Each function takes one token array [T] (see :mod:`.melody`) and returns a float. The definitions are
shipped with a model's attribute vectors (``attributes.json``) so a user can read what a slider means.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .melody import STEPS_PER_BAR, tokens_to_steps

MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])


def _notes(tokens: np.ndarray) -> list[tuple[int, int, int]]:
    return [(s.pitch, s.start, s.end) for s in tokens_to_steps(tokens)]


def density(tokens: np.ndarray) -> float:
    return len(_notes(tokens)) / (len(tokens) / STEPS_PER_BAR)


def interval(tokens: np.ndarray) -> float:
    p = [n[0] for n in _notes(tokens)]
    return float(np.mean(np.abs(np.diff(p)))) if len(p) > 1 else 0.0


def pitch_range(tokens: np.ndarray) -> float:
    p = [n[0] for n in _notes(tokens)]
    return float(max(p) - min(p)) if p else 0.0


def register(tokens: np.ndarray) -> float:
    p = [n[0] for n in _notes(tokens)]
    return float(np.mean(p)) if p else 0.0


def syncopation(tokens: np.ndarray) -> float:
    notes = _notes(tokens)
    if not notes:
        return 0.0
    sync = sum(1 for _, s, e in notes if s % 4 != 0 and e > (s // 4 + 1) * 4)
    offgrid = sum(1 for _, s, _ in notes if s % 2 == 1)
    return (sync + offgrid) / len(notes)


def rests(tokens: np.ndarray) -> float:
    sounding = sum(e - s for _, s, e in _notes(tokens))
    return 1.0 - sounding / len(tokens)


def in_key(tokens: np.ndarray) -> float:
    p = np.array([n[0] for n in _notes(tokens)])
    if len(p) == 0:
        return 0.0
    pcs = p % 12
    return float(max(np.isin((pcs - k) % 12, MAJOR).mean() for k in range(12)))


ATTRIBUTES: dict[str, tuple[Callable[[np.ndarray], float], str]] = {
    "density": (density, "note onsets per bar"),
    "range": (pitch_range, "highest minus lowest pitch, semitones"),
    "register": (register, "mean MIDI pitch of the notes"),
    "interval": (interval, "mean absolute interval between successive notes, semitones"),
    "syncopation": (syncopation, "share of onsets that are syncopated: off the beat and held over "
                                 "the next beat, or on an odd 16th"),
    "rests": (rests, "share of 16th steps where no note sounds"),
    "in-key": (in_key, "share of notes inside the best-fitting major (or relative minor) scale"),
}
NAMES = tuple(ATTRIBUTES)


# --- drums (tokens are 9-bit hit masks; class order as in drums.CLASSES) -------------------------
def _hits(tokens: np.ndarray) -> np.ndarray:
    return ((np.asarray(tokens, dtype=np.int64)[:, None] >> np.arange(9)) & 1).astype(bool)


def _share(tokens: np.ndarray, classes: tuple[int, ...]) -> float:
    h = _hits(tokens)
    total = h.sum()
    return float(h[:, list(classes)].sum() / total) if total else 0.0


def drum_density(tokens: np.ndarray) -> float:
    return float(_hits(tokens).sum() / (len(tokens) / STEPS_PER_BAR))


def drum_syncopation(tokens: np.ndarray) -> float:
    h = _hits(tokens).any(1)
    steps = np.flatnonzero(h)
    return float((steps % 2 == 1).mean()) if len(steps) else 0.0


DRUM_ATTRIBUTES: dict[str, tuple[Callable[[np.ndarray], float], str]] = {
    "density": (drum_density, "drum hits per bar"),
    "kick": (lambda t: _share(t, (0,)), "share of hits that are kick drum"),
    "snare": (lambda t: _share(t, (1,)), "share of hits that are snare"),
    "hihat": (lambda t: _share(t, (2, 3)), "share of hits that are hi-hat (closed or open)"),
    "syncopation": (drum_syncopation, "share of steps with hits that fall on odd 16ths"),
    "fill": (lambda t: _share(t, (4, 5, 6, 7)), "fill-ness: share of hits on toms and crash"),
}
