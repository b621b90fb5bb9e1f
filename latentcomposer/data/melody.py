"""The melody representation: one token per 16th-note step (MusicVAE's monophonic melody).

Tokens (130): ``0..127`` note-on of that MIDI pitch, :data:`NOTE_OFF` (128) ends the sounding note,
:data:`NO_EVENT` (129) continues whatever is happening (a held note or a rest). The full MIDI range is
kept, so no note ever needs transposing to fit. Pure numpy: the engine and the data pipeline share it.

Polyphonic input is reduced to one voice first (:meth:`Clip.monophonic`, rule ``"highest"``: the
highest note at each onset wins and cuts off the note it interrupts; lower notes starting under a held
higher note are dropped). After quantizing to the 16th grid two onsets can fall on one step: the
higher pitch wins.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from latentcomposer.core import DEFAULT_VELOCITY, Clip, StepNote, TimeSignature

NOTE_OFF = 128
NO_EVENT = 129
VOCAB = 130
STEPS_PER_QUARTER = 4
STEPS_PER_BAR = 16  # 4/4 (2/4 tunes are read in pairs of bars, 2/2 as 4/4)

TOKEN_DTYPE = np.uint8


def steps_to_tokens(steps: Sequence[StepNote], n_steps: int) -> np.ndarray:
    """Monophonic step notes -> a token array of length ``n_steps`` (notes past the end are cut)."""
    tokens = np.full(n_steps, NO_EVENT, dtype=TOKEN_DTYPE)
    ordered = sorted((s for s in steps if 0 <= s.start < n_steps), key=lambda s: (s.start, -s.pitch))
    kept: list[StepNote] = []
    for s in ordered:
        if kept and kept[-1].start == s.start:
            continue  # same step: the higher pitch (first in this order) wins
        kept.append(s)
    for i, s in enumerate(kept):
        tokens[s.start] = s.pitch
        nxt = kept[i + 1].start if i + 1 < len(kept) else n_steps
        end = min(s.end, nxt)
        if end < n_steps and end < nxt:
            tokens[end] = NOTE_OFF
    return tokens


def tokens_to_steps(tokens: Sequence[int] | np.ndarray, velocity: int = DEFAULT_VELOCITY) -> list[StepNote]:
    """A token array -> step notes. A note lasts until the next note-on, note-off or the end."""
    out: list[StepNote] = []
    cur_pitch, cur_start = -1, 0
    for i, t in enumerate(np.asarray(tokens).tolist()):
        if t == NO_EVENT:
            continue
        if cur_pitch >= 0:
            out.append(StepNote(cur_pitch, cur_start, i, velocity))
            cur_pitch = -1
        if t < NOTE_OFF:
            cur_pitch, cur_start = int(t), i
    if cur_pitch >= 0:
        out.append(StepNote(cur_pitch, cur_start, len(tokens), velocity))
    return out


def clip_to_tokens(clip: Clip, n_steps: int | None = None) -> np.ndarray:
    """A clip on the 16th grid as tokens (polyphony reduced, see module doc). Length: whole bars of
    16 steps covering the clip unless ``n_steps`` is given."""
    mono = clip.monophonic("highest") if not clip.is_monophonic() else clip
    steps = mono.to_steps(STEPS_PER_QUARTER)
    if n_steps is None:
        total = clip.end_tick * STEPS_PER_QUARTER / clip.ppq
        n_steps = max(STEPS_PER_BAR, int(-(-round(total) // STEPS_PER_BAR) * STEPS_PER_BAR))
    return steps_to_tokens(steps, n_steps)


def tokens_to_clip(tokens: Sequence[int] | np.ndarray, *, template: Clip | None = None,
                   velocity: int = DEFAULT_VELOCITY, name: str = "") -> Clip:
    """Tokens -> a 4/4 clip (ppq/tempo/program from ``template`` if given), length = the token count."""
    steps = tokens_to_steps(tokens, velocity)
    if template is None:
        return Clip.from_steps(steps, STEPS_PER_QUARTER, n_steps=len(tokens), name=name)
    base = template.copy(time_signature=TimeSignature(4, 4), tempo_changes=(), time_signature_changes=(),
                         is_drum=False, name=name or template.name)
    return Clip.from_steps(steps, STEPS_PER_QUARTER, template=base, n_steps=len(tokens))


def sounding_ratio(tokens: np.ndarray) -> np.ndarray:
    """Fraction of steps where a note sounds, for each row of a [N, T] token array (a held note
    entering the window counts as rest: the window cannot know it)."""
    tokens = np.atleast_2d(tokens)
    out = np.empty(len(tokens), dtype=np.float32)
    for r, row in enumerate(tokens):
        sounding, n = False, 0
        for t in row.tolist():
            if t < NOTE_OFF:
                sounding = True
            elif t == NOTE_OFF:
                sounding = False
            n += sounding
        out[r] = n / len(row)
    return out


def transpose_tokens(tokens: np.ndarray, semitones: int | np.ndarray) -> np.ndarray:
    """Note-on tokens moved by ``semitones`` (per row if an array); caller keeps pitches in 0-127."""
    shift = np.asarray(semitones).reshape(-1, *([1] * (tokens.ndim - 1))) if np.ndim(semitones) else semitones
    notes = tokens < NOTE_OFF
    return np.where(notes, tokens.astype(np.int16) + shift, tokens).astype(tokens.dtype)
