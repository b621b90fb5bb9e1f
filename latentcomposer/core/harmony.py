"""Chord and key detection from notes (pure NumPy).

**Chords** (:func:`detect_chords`): the notes on the 16th grid give every segment (a beat, a bar, or
any number of steps) a duration-weighted pitch-class profile ``w`` (each sounding note adds one per
step) and a bass profile ``b`` (the lowest sounding note's pitch class, per step). Every chord of the
candidate qualities on every root is scored by template matching::

    score = w . T - miss_penalty * (chord tones absent) / |T| - outside_penalty * w . (1 - T)
            + bass_root * b[root] + bass_tone * b . T + prior[quality]

(``w`` and ``b`` normalised to sum 1; ``T`` the chord's pitch classes), and the best sequence of chords
is found by Viterbi with a cost for every change (lower where a bar or half bar starts: chords change
there). Silent segments favour "N" a little, so a chord holds over a short rest and a long silence
has no chord. A chord whose bass is another of its tones is reported as an inversion (``C/E``).
The settings (:class:`DetectorSettings`) were chosen on POP909's training songs; the figures against
POP909's annotations on its test songs are in docs/MODELS.md ("Chord and key detection").

**Keys** (:func:`detect_key`): the Krumhansl-Schmuckler algorithm -- the correlation of the piece's
duration-weighted pitch-class profile with the 24 rotated key profiles; the best is the key. Two sets
of profiles: Temperley's (2007, Kostka-Payne excerpts; the default, measured better on melodies) and
Krumhansl & Kessler's (1982 probe-tone ratings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from .chords import QUALITIES, Chord, ChordEvent, ChordTrack, read_note_name
from .clip import Clip, StepNote
from .errors import CoreError

STEPS_PER_BEAT = 4
Notes = Clip | Sequence[StepNote]

# the qualities POP909's annotations use (its labels map onto them one to one)
DETECT_QUALITIES = ("maj", "min", "7", "maj7", "m7", "dim", "aug", "sus4", "sus2", "dim7", "m7b5", "6", "m6",
                    "7sus4", "mmaj7")


@dataclass(frozen=True)
class DetectorSettings:
    qualities: tuple[str, ...] = DETECT_QUALITIES
    miss_penalty: float = 0.45  # per share of the chord's tones that do not sound
    outside_penalty: float = 0.1  # per unit of weight on notes outside the chord
    bass_root: float = 0.2  # the bass on the root
    bass_tone: float = 0.0  # the bass on any chord tone
    # a preference for the plain triads: richer chords must earn their extra tones (kept below the 0.275
    # a sounding seventh adds, so a block seventh chord is still one; higher priors fit POP909's mostly
    # triad labels better and hide sevenths that sound)
    prior: dict[str, float] = field(default_factory=lambda: {"maj": 0.2, "min": 0.2})
    change_cost: float = 0.5  # Viterbi: cost of a chord change inside a half bar
    half_bar_change_cost: float = 0.4  # ... at the half bar
    bar_change_cost: float = 0.2  # ... at a bar line
    silence_bonus: float = 0.05  # per silent segment for "N" (a long silence has no chord)
    inversions: bool = True  # report a chord tone in the bass as a slash chord
    # key-aware scoring (0 = off): chords whose tones lie in the detected key's scale (minor keys: their
    # harmonic minor's V and V7 too), and among them those on the key's primary degrees (I, IV, V; i, iv,
    # V, VI, VII), get these bonuses -- what a single melody line needs to be heard in a key
    diatonic_bonus: float = 0.0
    primary_bonus: float = 0.0
    key_profile: str = "temperley"  # for the key-aware bonuses


DEFAULT_DETECTOR = DetectorSettings()


def _steps_of(notes: Notes) -> tuple[list[StepNote], int]:
    """Grid notes and the length in steps (a clip: its end; steps: the last note's end)."""
    if isinstance(notes, Clip):
        if notes.is_drum:
            raise CoreError(f"clip '{notes.name}' is drums: it has no chords or key")
        steps = notes.to_steps(STEPS_PER_BEAT)
        end = -(-notes.end_tick * STEPS_PER_BEAT // notes.ppq) if notes.end_tick else 0
        return steps, max(end, max((s.end for s in steps), default=0))
    steps = list(notes)
    return steps, max((s.end for s in steps), default=0)


def bar_steps(notes: Notes) -> int:
    """Steps in a bar: the clip's (initial) metre, 16 for grid notes."""
    if isinstance(notes, Clip):
        return max(1, round(notes.time_signature.quarters_per_bar() * STEPS_PER_BEAT))
    return 16


def step_profiles(steps: Sequence[StepNote], n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per step: how many notes of each pitch class sound ([n_steps, 12] float32) and the lowest
    sounding pitch (int16 [n_steps], -1 where none)."""
    diff = np.zeros((n_steps + 1, 128), np.int32)
    for s in steps:
        a, b = max(0, s.start), min(n_steps, s.end)
        if b > a:
            diff[a, s.pitch] += 1
            diff[b, s.pitch] -= 1
    sounding = np.cumsum(diff[:n_steps], axis=0) > 0
    pcs = np.zeros((n_steps, 132), np.float32)
    pcs[:, :128] = sounding
    pc = pcs.reshape(n_steps, 11, 12).sum(axis=1)
    any_note = sounding.any(axis=1)
    lowest = np.where(any_note, sounding.argmax(axis=1), -1).astype(np.int16)
    return pc, lowest


def segment_profiles(steps: Sequence[StepNote], n_steps: int, seg: int) -> tuple[np.ndarray, np.ndarray]:
    """Pitch-class and bass profiles per segment of ``seg`` steps ([n_seg, 12] each, not normalised)."""
    n_seg = -(-n_steps // seg)
    pc, lowest = step_profiles(steps, n_seg * seg)
    bass = np.zeros((n_seg * seg, 12), np.float32)
    has = lowest >= 0
    bass[np.flatnonzero(has), lowest[has] % 12] = 1.0
    return pc.reshape(n_seg, seg, 12).sum(axis=1), bass.reshape(n_seg, seg, 12).sum(axis=1)


def _templates(qualities: Sequence[str]) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Binary chord templates [K, 12] for every root of every quality, and (root, quality) per row."""
    rows, labels = [], []
    for q in qualities:
        base = np.zeros(12, np.float32)
        base[[i % 12 for i in QUALITIES[q][0]]] = 1.0
        for r in range(12):
            rows.append(np.roll(base, r))
            labels.append((r, q))
    return np.stack(rows), labels


def chord_scores(profile: np.ndarray, bass: np.ndarray, settings: DetectorSettings = DEFAULT_DETECTOR
                 ) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Template scores [n_seg, K] of every candidate chord for each segment's profiles (see module doc)."""
    tmpl, labels = _templates(settings.qualities)
    tot = profile.sum(axis=1, keepdims=True)
    w = profile / np.maximum(tot, 1e-9)
    b = bass / np.maximum(bass.sum(axis=1, keepdims=True), 1e-9)
    size = tmpl.sum(axis=1)
    inside = w @ tmpl.T
    missing = ((w < 0.02).astype(np.float32) @ tmpl.T) / size
    roots = np.array([r for r, _ in labels])
    prior = np.array([settings.prior.get(q, 0.0) for _, q in labels], np.float32)
    return (inside - settings.outside_penalty * (1.0 - inside) - settings.miss_penalty * missing
            + settings.bass_root * b[:, roots] + settings.bass_tone * (b @ tmpl.T) + prior), labels


def _viterbi(scores: np.ndarray, silent: np.ndarray, change_cost: np.ndarray, silence_bonus: float) -> np.ndarray:
    """Best state per segment; states 0..K-1 are chords, K is "N" (silent segments give N a bonus and
    every chord 0, so a chord holds over short rests)."""
    n, k = scores.shape
    emis = np.concatenate([scores, np.zeros((n, 1), np.float32)], axis=1)
    emis[silent] = 0.0
    emis[silent, k] = silence_bonus
    back = np.zeros((n, k + 1), np.int32)
    delta = emis[0].copy()
    for t in range(1, n):
        best = int(delta.argmax())
        switch = delta[best] - change_cost[t]
        stay = delta >= switch
        back[t] = np.where(stay, np.arange(k + 1), best)
        delta = np.where(stay, delta, switch) + emis[t]
    path = np.zeros(n, np.int64)
    path[-1] = int(delta.argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def detect_chords(notes: Notes, per: int | Literal["beat", "bar"] = "beat", *, n_steps: int | None = None,
                  settings: DetectorSettings = DEFAULT_DETECTOR) -> ChordTrack:
    """The chords of ``notes`` (a clip or grid notes), one per segment of ``per`` ("beat": 4 steps,
    "bar": the clip's bar, or a number of steps), as a track over ``n_steps`` (default: the notes'
    length). Silence has no chord; see the module doc for the method."""
    steps, length = _steps_of(notes)
    n_steps = length if n_steps is None else n_steps
    bar = bar_steps(notes)
    span = STEPS_PER_BEAT if per == "beat" else bar if per == "bar" else per
    if isinstance(span, str) or span < 1:
        raise CoreError(f"chords are detected per 'beat', per 'bar' or per a number of steps, not {per!r}")
    if n_steps <= 0:
        return ChordTrack()
    # segments are beats (or shorter spans); a longer span only limits where the chord may change, so
    # a bar holding two chords gets the one that fits most of its beats, not a blend of both
    seg = STEPS_PER_BEAT if span % STEPS_PER_BEAT == 0 else span
    profile, bass = segment_profiles(steps, n_steps, seg)
    scores, labels = chord_scores(profile, bass, settings)
    if settings.diatonic_bonus or settings.primary_bonus:
        scores = scores + _key_bonus(steps, labels, settings)
    starts = np.arange(len(profile)) * seg
    cost = np.full(len(profile), settings.change_cost, np.float32)
    cost[starts % max(1, bar // 2) == 0] = settings.half_bar_change_cost
    cost[starts % bar == 0] = settings.bar_change_cost
    cost[starts % span != 0] = np.inf
    silent = profile.sum(axis=1) == 0
    path = _viterbi(scores, silent, cost, settings.silence_bonus)
    sounding = np.flatnonzero(~silent)
    path[: sounding[0] if len(sounding) else len(path)] = len(labels)  # no chord before the first note
    if len(sounding):
        path[sounding[-1] + 1:] = len(labels)  # ... nor after the last
    per_step: list[Chord] = []
    tmpl_chords = [*(Chord(r, q) for r, q in labels), Chord.none()]
    for state in path.tolist():
        per_step += [tmpl_chords[state]] * seg
    track = ChordTrack.from_per_step(per_step[:n_steps])
    return _with_inversions(track, bass, seg) if settings.inversions else track


def _key_bonus(steps: Sequence[StepNote], labels: list[tuple[int, str]], settings: DetectorSettings) -> np.ndarray:
    """Per candidate chord: the key-aware bonuses (0 for all when the notes tell no key)."""
    try:
        key = detect_key(steps, settings.key_profile)
    except NotEnoughNotes:
        return np.zeros(len(labels), np.float32)
    scale = set(key.scale_pitch_classes())
    dominant = (key.tonic + 7) % 12
    if key.mode == "minor":
        primary = {key.tonic, (key.tonic + 5) % 12, dominant, (key.tonic + 8) % 12, (key.tonic + 10) % 12}
    else:
        primary = {key.tonic, (key.tonic + 5) % 12, dominant}
    out = np.zeros(len(labels), np.float32)
    for i, (root, quality) in enumerate(labels):
        chord = Chord(root, quality)
        tones = set(chord.tones())
        harmonic_v = key.mode == "minor" and root == dominant and quality in ("maj", "7")
        if tones <= scale or harmonic_v:
            out[i] = settings.diatonic_bonus + (settings.primary_bonus if root in primary else 0.0)
    return out


def _with_inversions(track: ChordTrack, bass: np.ndarray, seg: int) -> ChordTrack:
    """Each chord over its own most frequent bass note, when that is another of its tones."""
    out = []
    for e in track:
        lo, hi = e.start_step // seg, -(-e.end_step // seg)
        counts = bass[lo:hi].sum(axis=0)
        pc = int(counts.argmax())
        chord = e.chord
        if counts[pc] > 0 and pc != chord.root and pc in chord.tones():
            chord = Chord(chord.root, chord.quality, pc)
        out.append(ChordEvent(e.start_step, e.end_step, chord))
    return ChordTrack(tuple(out))


def detect_chord(notes: Notes, settings: DetectorSettings = DEFAULT_DETECTOR) -> Chord:
    """The one chord that best matches all of ``notes`` ("N" if they are silent)."""
    steps, length = _steps_of(notes)
    if length == 0:
        return Chord.none()
    profile, bass = segment_profiles(steps, length, length)
    scores, labels = chord_scores(profile, bass, settings)
    root, quality = labels[int(scores[0].argmax())]
    return Chord(root, quality)


# --- keys --------------------------------------------------------------------------------------------
KEY_PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    # Krumhansl & Kessler (1982) probe-tone ratings: major, minor (from the tonic up)
    "krumhansl": ((6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
                  (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)),
    # Temperley (2007): pitch-class frequencies in the Kostka-Payne harmony textbook's excerpts
    "temperley": ((0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
                  (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330)),
}
# Temperley's profiles by default: on POP909's training songs they find the annotated key of 80 % of the
# melodies against 69 % for Krumhansl-Kessler's, and of 81 % of the whole arrangements against 82 %
DEFAULT_KEY_PROFILE = "temperley"
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)  # natural minor
MAJOR_KEY_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
MIN_KEY_NOTES = 4  # fewer notes (or fewer than 3 pitch classes) say nothing about a key
Mode = Literal["major", "minor"]


class NotEnoughNotes(CoreError):
    """Too few notes to tell a key."""


@dataclass(frozen=True, slots=True)
class Key:
    """A key: ``tonic`` pitch class 0-11 and ``mode`` "major" or "minor"; ``str`` gives "C major"."""

    tonic: int
    mode: Mode = "major"

    def __post_init__(self) -> None:
        if isinstance(self.tonic, bool) or not isinstance(self.tonic, int) or not 0 <= self.tonic <= 11:
            raise CoreError(f"key tonic {self.tonic!r} must be a pitch class 0-11 (0 = C)")
        if self.mode not in ("major", "minor"):
            raise CoreError(f"key mode {self.mode!r} must be 'major' or 'minor'")

    @property
    def tonic_name(self) -> str:
        return (MAJOR_KEY_NAMES if self.mode == "major" else MINOR_KEY_NAMES)[self.tonic]

    def __str__(self) -> str:
        return f"{self.tonic_name} {self.mode}"

    def scale_pitch_classes(self) -> tuple[int, ...]:
        """The seven pitch classes of the scale (natural minor for minor keys), ascending from C."""
        steps = MAJOR_SCALE if self.mode == "major" else MINOR_SCALE
        return tuple(sorted((self.tonic + s) % 12 for s in steps))

    def transpose(self, semitones: int) -> Key:
        return Key((self.tonic + semitones) % 12, self.mode)

    @property
    def relative(self) -> Key:
        """The relative minor of a major key, the relative major of a minor one."""
        return Key((self.tonic + 9) % 12, "minor") if self.mode == "major" else Key((self.tonic + 3) % 12, "major")


def parse_key(text: str) -> Key:
    """"C major", "A minor", "F# minor", "Bb" (major), "Am", "c#m" -> :class:`Key`."""
    head = read_note_name(text.strip()) if isinstance(text, str) else None
    if head is None:
        raise CoreError(f"unknown key {text!r}: write a tonic A-G with an optional # or b and 'major' or "
                        "'minor', e.g. 'C major', 'F# minor', 'Bbm'")
    tonic, _, rest = head
    mode = {"": "major", "major": "major", "maj": "major", "m": "minor", "minor": "minor",
            "min": "minor"}.get(rest.strip().lower() if rest.strip() != "M" else "major")
    if mode is None:
        raise CoreError(f"unknown key mode {rest.strip()!r} in {text!r}: use 'major' or 'minor'")
    return Key(tonic, mode)  # type: ignore[arg-type]


def pitch_class_histogram(notes: Notes) -> np.ndarray:
    """Duration-weighted pitch classes (16th steps per pitch class, float64 [12])."""
    steps, _ = _steps_of(notes)
    out = np.zeros(12, np.float64)
    for s in steps:
        out[s.pitch % 12] += s.end - s.start
    return out


def key_correlations(histogram: np.ndarray, profile: str = "krumhansl") -> np.ndarray:
    """Pearson correlation of a pitch-class histogram with every key: [24] (majors C..B, then minors)."""
    try:
        major, minor = KEY_PROFILES[profile]
    except KeyError:
        raise CoreError(f"unknown key profile {profile!r} (known: {', '.join(KEY_PROFILES)})") from None
    h = np.asarray(histogram, np.float64)
    h = h - h.mean()
    out = np.zeros(24)
    for m, prof in enumerate((major, minor)):
        p = np.asarray(prof) - np.mean(prof)
        for t in range(12):
            q = np.roll(p, t)
            denom = float(np.sqrt((h * h).sum() * (q * q).sum()))
            out[m * 12 + t] = float((h * q).sum()) / denom if denom else 0.0
    return out


def key_candidates(notes: Notes, profile: str = DEFAULT_KEY_PROFILE) -> list[tuple[Key, float]]:
    """Every key with its correlation, best first (NotEnoughNotes for too few notes)."""
    steps, _ = _steps_of(notes)
    hist = pitch_class_histogram(steps)
    if len(steps) < MIN_KEY_NOTES or int((hist > 0).sum()) < 3:
        raise NotEnoughNotes(f"not enough notes to tell the key ({len(steps)} note(s), "
                             f"{int((hist > 0).sum())} pitch class(es)): it takes at least {MIN_KEY_NOTES} "
                             "notes on 3 pitch classes")
    corr = key_correlations(hist, profile)
    keys = [Key(t, "major") for t in range(12)] + [Key(t, "minor") for t in range(12)]
    order = np.argsort(-corr, kind="stable")
    return [(keys[i], float(corr[i])) for i in order]


def detect_key(notes: Notes, profile: str = DEFAULT_KEY_PROFILE) -> Key:
    """The key of ``notes`` by the Krumhansl-Schmuckler algorithm (``profile``: "temperley", the
    default, or "krumhansl"); NotEnoughNotes (a CoreError) when there are too few notes."""
    return key_candidates(notes, profile)[0][0]


# --- keeping notes in a key (a post-process) -------------------------------------------------------
def snap_pitch(pitch: int, key: Key) -> int:
    """``pitch`` moved to the nearest note of ``key``'s scale (a tie goes down; in-scale notes stay)."""
    scale = set(key.scale_pitch_classes())
    for d in (0, -1, 1, -2, 2):
        p = pitch + d
        if 0 <= p <= 127 and p % 12 in scale:
            return p
    return pitch


def snap_to_key(clip: Clip, key: Key) -> Clip:
    """Every note outside ``key``'s scale moved a semitone to the nearest scale note (a post-process on
    a finished clip, not something the model knows; drums are returned as they are). Notes that land on
    the same pitch and start are merged (the first kept)."""
    if clip.is_drum or not clip.notes:
        return clip
    out, seen = [], set()
    for n in clip.notes:
        p = snap_pitch(n.pitch, key)
        if (p, n.start) in seen:
            continue
        seen.add((p, n.start))
        out.append(n if p == n.pitch else replace(n, pitch=p))
    return clip.with_notes(out)


def out_of_key(clip: Clip, key: Key) -> int:
    """How many of ``clip``'s notes lie outside ``key``'s scale."""
    scale = set(key.scale_pitch_classes())
    return 0 if clip.is_drum else sum(1 for n in clip.notes if n.pitch % 12 not in scale)


def voicing(chord: Chord, low: int = 48) -> list[int]:
    """MIDI pitches for sounding ``chord`` (its bass an octave below, its tones close above ``low``);
    empty for "N"."""
    if chord.root is None:
        return []
    root = low + (chord.root - low) % 12
    tones = [root + i for i in chord.intervals if i < 12]
    bass_pc = chord.bass_pitch_class if chord.bass_pitch_class is not None else chord.root
    bass = low - 12 + (bass_pc - low) % 12
    return [bass, *tones]


__all__ = ["DEFAULT_DETECTOR", "DETECT_QUALITIES", "KEY_PROFILES", "DetectorSettings", "Key", "NotEnoughNotes",
           "chord_scores", "detect_chord", "detect_chords", "detect_key", "key_candidates", "key_correlations",
           "out_of_key", "parse_key", "pitch_class_histogram", "segment_profiles", "snap_pitch", "snap_to_key",
           "step_profiles", "voicing"]
