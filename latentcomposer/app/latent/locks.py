"""The rhythm / pitch locks: constraints applied to a decoded clip (our models do not separate rhythm
from pitch, so "keep the rhythm" is done after decoding, on the worker thread)."""

from __future__ import annotations

from latentcomposer.core import Clip, Note

LOCKS = ("none", "rhythm", "pitches")
LOCK_TIPS = {
    "none": "Decode freely: rhythm and pitches both follow the latent code.",
    "rhythm": "Keep rhythm: the models do not separate rhythm from pitch, so the decoded melody is "
              "taken onto the original clip's onsets and durations (the pitch sounding at each original "
              "onset). A constraint applied after decoding.",
    "pitches": "Keep pitches: the original clip's pitch sequence, in order, on the decoded rhythm (cycled "
               "if the decoded melody has more notes). A constraint applied after decoding.",
}


def _melody(clip: Clip) -> list[Note]:
    return list(clip.notes if clip.is_monophonic() else clip.monophonic().notes)


def keep_rhythm(reference: Clip, decoded: Clip) -> Clip:
    """The reference's onsets and durations with the decoded pitches: each reference note takes the
    pitch the decoded melody sounds at its onset (else the decoded note starting nearest to it)."""
    ref, dec = _melody(reference), list(decoded.notes)
    if not ref or not dec:
        return decoded
    scale = decoded.ppq / reference.ppq
    out = []
    for n in ref:
        s, e = round(n.start * scale), max(round(n.start * scale) + 1, round(n.end * scale))
        sounding = [d for d in dec if d.start <= s < d.end]
        src = sounding[-1] if sounding else min(dec, key=lambda d: abs(d.start - s))
        out.append(Note(s, src.pitch, e, n.velocity))
    return decoded.with_notes(out)


def keep_pitches(reference: Clip, decoded: Clip) -> Clip:
    """The decoded rhythm with the reference's pitch sequence in order (cycled if it runs out)."""
    pitches = [n.pitch for n in _melody(reference)]
    if not pitches or not decoded.notes:
        return decoded
    return decoded.with_notes(Note(d.start, pitches[i % len(pitches)], d.end, d.velocity)
                              for i, d in enumerate(decoded.notes))


def apply_lock(reference: Clip | None, decoded: Clip, lock: str) -> Clip:
    if reference is None or decoded.is_drum or lock == "none":
        return decoded
    if lock == "rhythm":
        return keep_rhythm(reference, decoded)
    if lock == "pitches":
        return keep_pitches(reference, decoded)
    raise ValueError(f"unknown lock {lock!r} (use {', '.join(LOCKS)})")
