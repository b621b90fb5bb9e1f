"""Corpus readers for melody training data: folk tunes from the music21 corpus and POP909 melodies.

Each reader yields :class:`Tune` objects: a monophonic melody on the 16th grid, aligned so that step 0
is the downbeat of the first full bar, plus where it came from. Tunes the grid cannot hold (tuplets,
metres other than 4/4, 2/4, 2/2) are skipped and counted in a :class:`SkipCounter`.

music21 is imported only inside the folk reader (it is slow to import and only training needs it).
"""

from __future__ import annotations

import collections
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from latentcomposer.core import Clip, StepNote
from latentcomposer.io.midifile import MidiFileError, read_midi

from .melody import STEPS_PER_BAR, steps_to_tokens

FOLK_COLLECTIONS = ("essenFolksong", "ryansMammoth", "oneills1850")
# metres whose bars (or pairs of bars) are 16 sixteenths
FOLK_METRES = {"4/4": 1, "2/4": 2, "2/2": 1}
KEPT = "kept, "


@dataclass
class Tune:
    source: str  # "folk:essenFolksong", "pop909", ...
    tune_id: str  # unique within the source (file + index), used for the split
    title: str
    tokens: np.ndarray  # uint8 [n_steps], n_steps a multiple of 16


@dataclass
class SkipCounter:
    """Why tunes were skipped. Reasons starting with ``KEPT`` count tunes that were kept with a
    caveat (e.g. repeats left unexpanded) and are not part of :meth:`total`."""

    counts: collections.Counter[str] = field(default_factory=collections.Counter)

    def skip(self, reason: str) -> None:
        self.counts[reason] += 1

    def kept(self, caveat: str) -> None:
        self.counts[KEPT + caveat] += 1

    def total(self) -> int:
        return sum(v for k, v in self.counts.items() if not k.startswith(KEPT))

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


def _finish(steps: list[StepNote], offset: int) -> np.ndarray | None:
    """Shift steps by ``offset`` (pickup alignment), drop what falls before 0, pad to whole bars."""
    shifted = [StepNote(s.pitch, s.start + offset, s.end + offset, s.velocity) for s in steps
               if s.start + offset >= 0]
    if not shifted:
        return None
    end = max(s.end for s in shifted)
    n = -(-end // STEPS_PER_BAR) * STEPS_PER_BAR
    return steps_to_tokens(shifted, n)


def music21_corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def folk_files(collections_: tuple[str, ...] = FOLK_COLLECTIONS) -> list[Path]:
    root = music21_corpus_root()
    return sorted(p for c in collections_ for p in (root / c).rglob("*.abc"))


def read_folk_file(path: Path, skipped: SkipCounter) -> Iterator[Tune]:
    """Tunes of one ABC file (music21 parse), repeats and first/second endings expanded."""
    from music21 import converter, stream

    collection = path.parent.name
    try:
        parsed = converter.parse(str(path), forceSource=True)
    except Exception:  # music21 raises many kinds on odd ABC; count, don't crash the build
        skipped.skip("abc file failed to parse")
        return
    scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
    for i, score in enumerate(scores):
        tune_id = f"{collection}/{path.stem}#{i}"
        try:
            tune = _score_to_tune(score, tune_id, collection, skipped)
        except Exception:
            skipped.skip("tune failed to convert")
            continue
        if tune is not None:
            yield tune


def _score_to_tune(score: Any, tune_id: str, collection: str, skipped: SkipCounter) -> Tune | None:
    from music21 import chord, note

    parts = getattr(score, "parts", None)
    part: Any = _expand_repeats(parts[0] if parts else score, skipped)
    sigs = {ts.ratioString for ts in part.recurse().getElementsByClass("TimeSignature")}
    if not sigs:
        skipped.skip("no metre")
        return None
    if len(sigs) > 1:
        skipped.skip("metre changes")
        return None
    metre = sigs.pop()
    if metre not in FOLK_METRES:
        skipped.skip(f"metre {metre}")
        return None
    steps: list[StepNote] = []
    laid = _laid_out_notes(part, skipped)
    # onset 0 is the first full bar; a pickup (negative onsets) gets a bar of its own before it
    bar_steps = STEPS_PER_BAR // FOLK_METRES[metre]
    offset = bar_steps if any(t < -1e-6 for _, t in laid) else 0
    for el, start_q in laid:
        if el.duration.isGrace or el.quarterLength == 0:
            continue
        start, dur = start_q * 4, float(el.quarterLength) * 4
        if abs(start - round(start)) > 1e-6 or abs(dur - round(dur)) > 1e-6:
            skipped.skip("tuplets or notes off the 16th grid")
            return None
        if isinstance(el, chord.Chord):
            pitch = max(p.midi for p in el.pitches)
        elif isinstance(el, note.Note):
            pitch = el.pitch.midi
        else:
            continue
        steps.append(StepNote(int(pitch), round(start), round(start) + round(dur)))
    tokens = _finish(steps, offset)
    if tokens is None:
        skipped.skip("no notes")
        return None
    title = getattr(getattr(score, "metadata", None), "title", None) or tune_id
    return Tune(f"folk:{collection}", tune_id, str(title), tokens)


def _expand_repeats(part: Any, skipped: SkipCounter) -> Any:
    """The part with repeats and first/second endings played out (music21 ``expandRepeats``), as a
    performer reads it: a folk tune's A part played twice is what makes 16-bar windows out of 8-bar
    tunes. Kept as written when music21 cannot expand it."""
    try:
        expanded = part.expandRepeats()
    except Exception:  # music21's ExpanderException and friends on inconsistent repeat marks
        skipped.kept("repeats could not be expanded")
        return part
    return expanded if expanded.highestTime > part.highestTime else part


def _laid_out_notes(part: Any, skipped: SkipCounter) -> list[tuple[Any, float]]:
    """(note, onset in quarters) with every full measure on a bar line; onset 0 = the first full bar.

    ABC sections often end on an incomplete bar whose complement is the next section's pickup; a
    flat read of the offsets is right only when every incomplete bar has its complement, and shifts
    the rest of the tune off the grid when one does not (e.g. a B part with no pickup after an A
    part ending short). So measures are placed one by one: a full measure starts on the next bar
    line; an incomplete measure that opens the tune or follows another incomplete one, and is
    followed by a full one, is a pickup (it ends on a bar line); any other incomplete measure starts
    where the previous one ended. Where that leaves a gap, it is a rest (counted as a caveat)."""
    stripped = part.stripTies()  # tied notes merged into their first note (slow: done once)
    flat = [(el, float(el.offset)) for el in stripped.flatten().notes]
    measures = list(stripped.getElementsByClass("Measure"))
    if not measures:  # no measure objects: trust the offsets
        return flat
    eps = 1e-6

    def length(m: Any) -> float:
        return float(m.duration.quarterLength)

    bar_q = max(float(m.barDuration.quarterLength) for m in measures)

    def ceil_bar(x: float) -> float:
        return float(np.ceil(x / bar_q - eps)) * bar_q

    pos, first_full, gap = 0.0, None, False
    laid: list[tuple[Any, float]] = []
    for i, m in enumerate(measures):
        d = length(m)
        if d >= bar_q - eps:
            start = ceil_bar(pos)
            if first_full is None:
                first_full = start
        elif (i == 0 or length(measures[i - 1]) < bar_q - eps) and i + 1 < len(measures) \
                and length(measures[i + 1]) >= bar_q - eps:
            start = ceil_bar(pos + d) - d
        else:
            start = pos
        gap = gap or (i > 0 and start > pos + eps)
        laid += [(el, start + float(el.offset)) for el in m.flatten().notes]
        pos = start + d
    laid = [(el, t - (first_full or 0.0)) for el, t in laid]
    # the flat reading, aligned on the second measure (the first full one after a pickup)
    pickup = float(measures[1].offset) if len(measures) > 1 else 0.0
    flat = [(el, t - pickup if pickup < bar_q - eps else t) for el, t in flat]
    if not gap or _metric_fit(laid, bar_q) <= _metric_fit(flat, bar_q):
        return flat
    skipped.kept("irregular bar lengths, rests inserted to keep bars on the grid")
    return laid


def _metric_fit(notes: list[tuple[Any, float]], bar_q: float) -> float:
    """How well onsets fit the metre: share on beats plus share on bar lines."""
    t = np.array([o for _, o in notes], dtype=np.float64)
    if not len(t):
        return 0.0
    return float(np.mean(np.isclose(t % 1.0, 0) | np.isclose(t % 1.0, 1.0))
                 + np.mean(np.isclose(t % bar_q, 0) | np.isclose(t % bar_q, bar_q)))


def pop909_song_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / f"{p.name}.mid").exists())


def pop909_fingerprint(data_root: Path, tag: str) -> str:
    """A cache's key over POP909 (``tag``: the cache's name and version): each song's MIDI file, beat and
    chord annotations by name and size (-1 when missing)."""
    h = hashlib.sha1(tag.encode())
    pop = data_root / "pop909"
    if pop.is_dir():
        for d in pop909_song_dirs(pop):
            for name in (f"{d.name}.mid", "beat_midi.txt", "chord_midi.txt"):
                p = d / name
                h.update(f"{d.name}/{name}:{p.stat().st_size if p.exists() else -1}".encode())
    return h.hexdigest()[:16]


class NotFourFour(ValueError):
    """A POP909 song whose annotated downbeats are not every 4 beats."""


@dataclass(frozen=True)
class BeatGrid:
    """A POP909 song's annotated beats (``beat_midi.txt``): seconds -> 16th steps from the first downbeat.

    Notes are timed in seconds and mapped to beat positions by interpolating the annotated beat times
    (robust to tempo changes), extrapolated one beat past both ends; bar lines come from the annotated
    4/4 downbeats."""

    times: np.ndarray  # beat times, seconds
    first_downbeat: int  # index of the first downbeat

    @classmethod
    def read(cls, song_dir: Path) -> BeatGrid:
        """OSError/ValueError if the file is missing or unreadable, :class:`NotFourFour` if not 4/4."""
        beats = np.loadtxt(song_dir / "beat_midi.txt", ndmin=2)
        db = np.flatnonzero(beats[:, 2] > 0.5)
        if len(db) < 2 or np.median(np.diff(db)) != 4:
            raise NotFourFour(f"{song_dir.name}: not in 4/4 (downbeats not every 4 beats)")
        return cls(beats[:, 0], int(db[0]))

    def steps(self, seconds: np.ndarray | float) -> np.ndarray:
        """16th steps (int64) of times in seconds."""
        t = self.times
        ext_t = np.concatenate([[t[0] - (t[1] - t[0])], t, [t[-1] + (t[-1] - t[-2])]])
        ext_b = np.arange(-1, len(t) + 1, dtype=np.float64)
        pos = np.interp(np.asarray(seconds, np.float64), ext_t, ext_b)
        return np.round(pos * 4).astype(np.int64) - self.first_downbeat * 4


def clip_step_notes(clip: Clip, grid: BeatGrid) -> list[StepNote]:
    """The clip's notes on the grid (each at least one step; notes before the first downbeat dropped)."""
    starts = grid.steps(np.array([clip.ticks_to_seconds(n.start) for n in clip.notes]))
    ends = grid.steps(np.array([clip.ticks_to_seconds(n.end) for n in clip.notes]))
    return [StepNote(n.pitch, int(s), int(max(e, s + 1)), n.velocity)
            for n, s, e in zip(clip.notes, starts, ends, strict=True) if s >= 0]


def read_pop909_track(song_dir: Path, skipped: SkipCounter, track: str, monophonic: bool = False
                      ) -> list[StepNote] | None:
    """The notes of one POP909 song's ``track`` on its annotated beat grid (its highest voice with
    ``monophonic``), or None with the reason counted in ``skipped``."""
    sid = song_dir.name
    try:
        clips = read_midi(song_dir / f"{sid}.mid")
    except MidiFileError:
        skipped.skip("pop909 midi unreadable")
        return None
    clip = next((c for c in clips if c.name.upper() == track), None)
    if clip is None or not clip.notes:
        skipped.skip(f"pop909 no {track} track")
        return None
    try:
        grid = BeatGrid.read(song_dir)
    except NotFourFour:
        skipped.skip("pop909 not 4/4")
        return None
    except (OSError, ValueError, IndexError):
        skipped.skip("pop909 beat annotation missing")
        return None
    return clip_step_notes(clip.monophonic("highest") if monophonic else clip, grid)


def read_pop909_song(song_dir: Path, skipped: SkipCounter, track: str = "MELODY") -> Tune | None:
    """The MELODY track of one POP909 song (its highest voice), placed on the beat grid of
    ``beat_midi.txt`` (:class:`BeatGrid`). Songs whose downbeats are not every 4 beats are skipped."""
    steps = read_pop909_track(song_dir, skipped, track, monophonic=True)
    if steps is None:
        return None
    sid = song_dir.name
    tokens = _finish(steps, 0)
    if tokens is None:
        skipped.skip("pop909 no notes")
        return None
    return Tune("pop909", sid, f"POP909 {sid}", tokens)
