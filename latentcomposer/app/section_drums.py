"""Drums beside a section (issue 24): which parts a drum part follows, and the clip Drumify reads.

Drumify (``Engine.drumify``, :mod:`latentcomposer.model.drumify`) writes a drum part that follows one
clip's onsets. For a section that clip is the chosen parts merged (by default the melody and the
accompaniment: the bass mostly doubles the accompaniment's downbeats), on the section's ppq and tempo,
as long as the section. No Qt, no torch.
"""

from __future__ import annotations

from collections.abc import Sequence

from latentcomposer.core import Clip

from .section import Section

FOLLOW_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Melody + accompaniment", ("melody", "accompaniment")),
    ("All three parts", ("melody", "bass", "accompaniment")),
    ("Melody", ("melody",)),
    ("Bass", ("bass",)),
    ("Accompaniment", ("accompaniment",)),
)


def follow_clip(section: Section, streams: Sequence[str]) -> Clip:
    """The notes of ``streams`` (those the section has) in one clip, as long as the section; the
    drum part (never a stream) is not read. Raises ValueError when those parts have no notes."""
    chosen = [t for t in section.tracks if t.stream in streams]
    notes = sorted({n for t in chosen for n in t.clip.notes})
    if not notes:
        names = ", ".join(s for s in streams) or "no part"
        raise ValueError(f"the parts the drums should follow ({names}) have no notes: choose parts with notes")
    first = section.tracks[0].clip
    return first.copy(notes=tuple(notes), name=section.name, length=section_bars(section) * first.bar_ticks, program=0,
                      channel=None, is_drum=False)


def section_bars(section: Section) -> int:
    """Whole bars the section spans (what the drum part is cut to)."""
    first = section.tracks[0].clip
    length = max(t.clip.end_tick for t in section.tracks)
    return max(1, -(-length // first.bar_ticks))
