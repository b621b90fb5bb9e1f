"""A few public-domain melodies as clips: for the demo, the docs and tests.

Written as (pitch, length in 16th steps) with pitch ``None`` for a rest, 4/4, C major.
"""

from __future__ import annotations

from .clip import Clip, StepNote

_MELODIES: dict[str, list[tuple[int | None, int]]] = {
    "twinkle": [
        (60, 4), (60, 4), (67, 4), (67, 4), (69, 4), (69, 4), (67, 8),
        (65, 4), (65, 4), (64, 4), (64, 4), (62, 4), (62, 4), (60, 8),
        (67, 4), (67, 4), (65, 4), (65, 4), (64, 4), (64, 4), (62, 8),
        (67, 4), (67, 4), (65, 4), (65, 4), (64, 4), (64, 4), (62, 8),
    ],
    "ode_to_joy": [
        (64, 4), (64, 4), (65, 4), (67, 4), (67, 4), (65, 4), (64, 4), (62, 4),
        (60, 4), (60, 4), (62, 4), (64, 4), (64, 6), (62, 2), (62, 8),
        (64, 4), (64, 4), (65, 4), (67, 4), (67, 4), (65, 4), (64, 4), (62, 4),
        (60, 4), (60, 4), (62, 4), (64, 4), (62, 6), (60, 2), (60, 8),
    ],
    "mary": [
        (64, 4), (62, 4), (60, 4), (62, 4), (64, 4), (64, 4), (64, 8),
        (62, 4), (62, 4), (62, 8), (64, 4), (67, 4), (67, 8),
        (64, 4), (62, 4), (60, 4), (62, 4), (64, 4), (64, 4), (64, 4), (64, 4),
        (62, 4), (62, 4), (64, 4), (62, 4), (60, 16),
    ],
    "jingle_bells": [
        (64, 4), (64, 4), (64, 8), (64, 4), (64, 4), (64, 8),
        (64, 4), (67, 4), (60, 6), (62, 2), (64, 16),
        (65, 4), (65, 4), (65, 6), (65, 2), (65, 4), (64, 4), (64, 4), (64, 2), (64, 2),
        (64, 4), (62, 4), (62, 4), (64, 4), (62, 8), (67, 8),
    ],
}

NAMES = tuple(_MELODIES)


def example_clip(name: str, *, velocity: int = 90, tempo: float = 110.0) -> Clip:
    """The named melody (see :data:`NAMES`) as a 4/4 clip, 8 bars, piano."""
    try:
        tune = _MELODIES[name]
    except KeyError:
        raise KeyError(f"no example melody {name!r}; choose from {', '.join(NAMES)}") from None
    steps, pos = [], 0
    for pitch, length in tune:
        if pitch is not None:
            steps.append(StepNote(pitch, pos, pos + length, velocity))
        pos += length
    n_steps = -(-pos // 16) * 16
    return Clip.from_steps(steps, n_steps=n_steps, name=name.replace("_", " ").title(), tempo=tempo)


def example_drums(bars: int = 4, tempo: float = 100.0) -> Clip:
    """A rock beat (kick 1 and 3, snare 2 and 4, closed hi-hat 8ths) with a tom fill in the last bar,
    on channel 10 with accents, ``bars`` bars of 4/4."""
    from .clip import DRUM_CHANNEL

    steps: list[StepNote] = []
    for bar in range(bars):
        o = bar * 16
        fill = bar == bars - 1
        for s in range(0, 16, 2):
            if fill and s >= 8:
                break
            steps.append(StepNote(42, o + s, o + s + 1, 100 if s % 4 == 0 else 70))
        for s in (0, 8) if not fill else (0,):
            steps.append(StepNote(36, o + s, o + s + 1, 110))
        steps.append(StepNote(38, o + 4, o + 5, 105))
        if not fill:
            steps.append(StepNote(38, o + 12, o + 13, 105))
        else:
            for s, p in zip(range(8, 16), (50, 50, 48, 48, 45, 45, 41, 41), strict=True):
                steps.append(StepNote(p, o + s, o + s + 1, 90 + (s % 2) * 15))
    return Clip.from_steps(steps, n_steps=bars * 16, name="Rock beat", tempo=tempo, is_drum=True,
                           channel=DRUM_CHANNEL)
