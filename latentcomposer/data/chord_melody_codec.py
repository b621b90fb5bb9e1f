"""Melody over chords: the melody representation with the chord of every step as the condition.

Tokens are the melody's (:mod:`.melody`, 130 per step). The per-step condition (``CHORD_DIM`` = 37
floats, the layout of magenta's ``PitchChordsEncoding`` for MusicVAE's chord-conditioned models)::

    [0]       1 = no chord ("N"; every other entry 0)
    [1:13]    the root, one-hot (C .. B)
    [13:25]   the chord's pitch classes (its tones and its bass), one bit each (C .. B)
    [25:37]   the bass, one-hot (the root unless a slash chord: C/E has E)

A clip's condition is its chord track when the caller has one (:func:`chord_condition`, or the
engine's ``condition=``), else the chords detected from its notes (:func:`latentcomposer.core.
harmony.detect_chords`, per beat; a single melody line gets fewer, plainer chords, see
``MELODY_DETECTOR``). The training corpus is POP909's melodies (``read_pop909_song``, the beat grid)
with the chords annotated in each song's ``chord_midi.txt`` on the same steps, cached in the user
cache dir (``data/chord_melody_corpus.npz``); training transposes melody and chords together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.core.chords import QUALITIES, Chord, ChordTrack
from latentcomposer.core.harmony import DEFAULT_DETECTOR, DetectorSettings, detect_chords

from . import melody
from .codec_base import Augmenter, CodecError, WindowSet
from .corpora import SkipCounter, pop909_fingerprint, pop909_song_dirs, read_pop909_song
from .dataset import MIN_SOUNDING, SPLITS, split_of
from .melody_codec import MelodyCodec, pitch_bounds, random_shifts, shift_tokens
from .npz_cache import load_fresh, write_npz
from .paths import cache_dir, shared_data_dir
from .pop909_chords import AnnotationError, chord_track

CHORD_DIM = 37
NO_CHORD, ROOT, TONES, BASS = 0, slice(1, 13), slice(13, 25), slice(25, 37)
CORPUS_VERSION = 1
# a melody alone (one note at a time) says little about its chords: major and minor triads of its key
# (its diatonic chords, I IV V first), changing at most every half bar; its lowest note is no bass.
# Chosen on POP909's training songs (docs/MODELS.md, "Chord and key detection", has the figures)
MELODY_DETECTOR = DetectorSettings(qualities=("maj", "min"), bass_root=0.0, inversions=False, diatonic_bonus=0.2,
                                   primary_bonus=0.1)
MELODY_SPAN = 8


# --- the encoding ---------------------------------------------------------------------------------
def track_arrays(track: ChordTrack, n_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A chord track over ``n_steps`` as compact per-step arrays: root (int8, -1 = no chord), pitch-class
    mask (uint16, bit k = pitch class k) and bass (int8, -1 = no chord)."""
    root = np.full(n_steps, -1, np.int8)
    pcs = np.zeros(n_steps, np.uint16)
    bass = np.full(n_steps, -1, np.int8)
    for e in track:
        a, b = e.start_step, min(e.end_step, n_steps)
        if b <= a:
            continue
        c = e.chord
        assert c.root is not None and c.bass_pitch_class is not None  # a track holds no "N"
        root[a:b] = c.root
        pcs[a:b] = sum(1 << pc for pc in c.pitch_classes())
        bass[a:b] = c.bass_pitch_class
    return root, pcs, bass


def arrays_condition(root: np.ndarray, pcs: np.ndarray, bass: np.ndarray) -> np.ndarray:
    """Compact arrays of any shape [...] -> the condition [..., CHORD_DIM] (float32)."""
    root, pcs, bass = np.asarray(root), np.asarray(pcs), np.asarray(bass)
    out = np.zeros((*root.shape, CHORD_DIM), np.float32)
    none = root < 0
    out[..., NO_CHORD] = none
    k = np.arange(12)
    out[..., ROOT] = (root[..., None] == k) & ~none[..., None]
    out[..., TONES] = ((pcs[..., None].astype(np.int32) >> k) & 1) * ~none[..., None]
    out[..., BASS] = (bass[..., None] == k) & ~none[..., None]
    return out


def chord_condition(track: ChordTrack, n_steps: int) -> np.ndarray:
    """The condition [n_steps, CHORD_DIM] of a chord track (cut or padded with "N" to ``n_steps``)."""
    return arrays_condition(*track_arrays(track, n_steps))


def encode_chords(chords: Sequence[Chord]) -> np.ndarray:
    """One chord per step -> [len(chords), CHORD_DIM]."""
    return chord_condition(ChordTrack.from_per_step(list(chords)), len(chords))


def condition_windows(track: ChordTrack, n_steps: int, window: int) -> np.ndarray:
    """A track as the engine's per-window condition [windows, window, CHORD_DIM] covering ``n_steps``
    (padded with "N" to whole windows)."""
    windows = max(1, -(-n_steps // window))
    return chord_condition(track, windows * window).reshape(windows, window, CHORD_DIM)


def condition_chords(condition: np.ndarray) -> list[Chord]:
    """The chords a condition [T, CHORD_DIM] holds, one per step (the inverse of :func:`encode_chords`
    for chords of the table; a pitch-class set the table lacks reads as its root's major chord)."""
    cond = np.asarray(condition)
    out: list[Chord] = []
    cache: dict[bytes, Chord] = {}
    for row in cond:
        key = (row > 0.5).tobytes()
        if key not in cache:
            cache[key] = _row_chord(row > 0.5)
        out.append(cache[key])
    return out


def _row_chord(bits: np.ndarray) -> Chord:
    if bits[NO_CHORD] or not bits[ROOT].any():
        return Chord.none()
    root = int(bits[ROOT].argmax())
    bass = int(bits[BASS].argmax()) if bits[BASS].any() else root
    pcs = set(np.flatnonzero(bits[TONES]).tolist())
    for q, (intervals, _, _) in QUALITIES.items():
        tones = {(root + i) % 12 for i in intervals}
        if tones | {bass} == pcs and (bass == root or bass in tones):
            return Chord(root, q, bass)
    for q, (intervals, _, _) in QUALITIES.items():  # a bass outside the chord (C/Bb)
        if {(root + i) % 12 for i in intervals} | {bass} == pcs:
            return Chord(root, q, bass)
    return Chord(root, "maj", bass)


def transpose_condition(condition: np.ndarray, shift: np.ndarray | int) -> np.ndarray:
    """Conditions [B, T, CHORD_DIM] moved by ``shift`` semitones (one per row, or one for all)."""
    cond = np.asarray(condition)
    s = np.broadcast_to(np.asarray(shift, np.int64).reshape(-1), (cond.shape[0],))
    idx = (np.arange(12)[None, :] - s[:, None]) % 12  # new[k] = old[k - s]
    idx = idx[:, None, :]
    out = cond.copy()
    for part in (ROOT, TONES, BASS):
        out[..., part] = np.take_along_axis(cond[..., part], np.broadcast_to(idx, cond[..., part].shape), -1)
    return out


def clip_chords(clip: Clip, n_steps: int | None = None) -> ChordTrack:
    """The chords detected from a clip's notes (a single melody line: plainer chords, see the module)."""
    if clip.is_monophonic():
        return detect_chords(clip, MELODY_SPAN, n_steps=n_steps, settings=MELODY_DETECTOR)
    return detect_chords(clip, "beat", n_steps=n_steps, settings=DEFAULT_DETECTOR)


# --- the corpus -----------------------------------------------------------------------------------
@dataclass
class ChordMelodyCorpus:
    """POP909 melodies and their annotated chords, songs concatenated (``offsets`` [songs + 1])."""

    tokens: np.ndarray  # uint8 [S]
    root: np.ndarray  # int8 [S], -1 = no chord
    pcs: np.ndarray  # uint16 [S]
    bass: np.ndarray  # int8 [S]
    offsets: np.ndarray  # int64
    tune_ids: list[str]
    splits: list[str]
    skipped: dict[str, int]

    def __len__(self) -> int:
        return len(self.tune_ids)

    def windows(self, split: str, n_bars: int, hop_bars: int = 1, *, dedupe: bool = True
                ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
        """Windows of the songs of ``split``: ({"tokens": [N, T] uint8, "root"/"pcs"/"bass": [N, T]},
        dropped counts). As the melody corpus: bar-aligned, a window's leading note-off becomes a rest,
        windows sounding less than half the time are dropped, identical windows (melody and chords)
        of a song are kept once."""
        parts: list[dict[str, np.ndarray]] = []
        dropped = {"mostly rests": 0, "duplicate": 0}
        for i, sp in enumerate(self.splits):
            if sp != split:
                continue
            a, b = int(self.offsets[i]), int(self.offsets[i + 1])
            song = {"tokens": self.tokens[a:b], "root": self.root[a:b], "pcs": self.pcs[a:b], "bass": self.bass[a:b]}
            wins, d = cut_windows(song, n_bars, hop_bars, dedupe)
            for k in dropped:
                dropped[k] += d[k]
            parts.append(wins)
        length = n_bars * melody.STEPS_PER_BAR
        if not parts:
            return _empty(length), dropped
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}, dropped

    def summary(self) -> dict[str, object]:
        return {"songs": len(self), "by_split": {s: self.splits.count(s) for s in SPLITS},
                "skipped": self.skipped, "steps": int(len(self.tokens)),
                "steps_with_chords": int((self.root >= 0).sum())}


def _empty(length: int) -> dict[str, np.ndarray]:
    return {"tokens": np.zeros((0, length), np.uint8), "root": np.zeros((0, length), np.int8),
            "pcs": np.zeros((0, length), np.uint16), "bass": np.zeros((0, length), np.int8)}


def cut_windows(song: Mapping[str, np.ndarray], n_bars: int, hop_bars: int = 1, dedupe: bool = True
                ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Windows of one song's aligned per-step arrays (see :meth:`ChordMelodyCorpus.windows`)."""
    length = n_bars * melody.STEPS_PER_BAR
    dropped = {"mostly rests": 0, "duplicate": 0}
    n = len(song["tokens"])
    if n < length:
        return _empty(length), dropped
    starts = np.arange(0, n - length + 1, hop_bars * melody.STEPS_PER_BAR)
    idx = starts[:, None] + np.arange(length)
    wins = {k: np.asarray(v)[idx] for k, v in song.items()}
    toks = wins["tokens"]
    toks[:, 0] = np.where(toks[:, 0] == melody.NOTE_OFF, melody.NO_EVENT, toks[:, 0])
    keep = melody.sounding_ratio(toks) >= MIN_SOUNDING
    dropped["mostly rests"] = int((~keep).sum())
    wins = {k: v[keep] for k, v in wins.items()}
    if dedupe and len(wins["tokens"]):
        key = np.concatenate([wins[k].astype(np.int32) for k in ("tokens", "root", "pcs", "bass")], axis=1)
        _, first = np.unique(key, axis=0, return_index=True)
        dropped["duplicate"] = len(key) - len(first)
        wins = {k: v[np.sort(first)] for k, v in wins.items()}
    return wins, dropped


def _fingerprint(data_root: Path) -> str:
    return pop909_fingerprint(data_root, f"chord_melody={CORPUS_VERSION}")


def build_chord_melody_corpus(data_root: Path | None = None,
                              progress: Callable[[int, int, str], None] | None = None) -> ChordMelodyCorpus:
    data_root = data_root or shared_data_dir()
    pop = data_root / "pop909"
    dirs = pop909_song_dirs(pop) if pop.is_dir() else []
    skipped = SkipCounter()
    songs: list[tuple[str, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
    for i, d in enumerate(dirs):
        tune = read_pop909_song(d, skipped)
        if tune is not None:
            try:
                track = chord_track(d)
            except AnnotationError:
                skipped.skip("pop909 chord annotation unreadable")
            else:
                songs.append((tune.tune_id, tune.tokens, track_arrays(track, len(tune.tokens))))
        if progress:
            progress(i + 1, len(dirs), f"pop909/{d.name}")
    lengths = np.array([len(t) for _, t, _ in songs], np.int64)

    def cat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype)

    return ChordMelodyCorpus(
        tokens=cat([t for _, t, _ in songs], np.uint8), root=cat([c[0] for _, _, c in songs], np.int8),
        pcs=cat([c[1] for _, _, c in songs], np.uint16), bass=cat([c[2] for _, _, c in songs], np.int8),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        tune_ids=[sid for sid, _, _ in songs], splits=[split_of("pop909", sid) for sid, _, _ in songs],
        skipped=skipped.as_dict())


def chord_melody_corpus_path() -> Path:
    return cache_dir() / "data" / "chord_melody_corpus.npz"


def chord_melody_corpus(data_root: Path | None = None, *, rebuild: bool = False,
                        progress: Callable[[int, int, str], None] | None = None) -> ChordMelodyCorpus:
    """The cached corpus, (re)built when missing, stale (a fingerprint of the files) or ``rebuild``."""
    data_root = data_root or shared_data_dir()
    fp = _fingerprint(data_root)
    path = chord_melody_corpus_path()
    cached = load_fresh(path, fp, lambda z, meta: ChordMelodyCorpus(
        z["tokens"], z["root"], z["pcs"], z["bass"], z["offsets"], meta["tune_ids"], meta["splits"],
        meta["skipped"]), rebuild)
    if cached is not None:
        return cached
    corpus = build_chord_melody_corpus(data_root, progress)
    meta = {"fingerprint": fp, "tune_ids": corpus.tune_ids, "splits": corpus.splits, "skipped": corpus.skipped,
            "version": CORPUS_VERSION}
    write_npz(path, {"tokens": corpus.tokens, "root": corpus.root, "pcs": corpus.pcs, "bass": corpus.bass,
                     "offsets": corpus.offsets}, meta)
    return corpus


# --- the codec ------------------------------------------------------------------------------------
class ChordCondition:
    """What a codec over chords adds (the melody and the piano codecs share it): the chord of every
    step as the condition."""

    condition_dim = CHORD_DIM

    def encode_condition(self, clip: Clip, n_steps: int, chords: ChordTrack | None = None) -> np.ndarray | None:
        """The chords of every step [n_steps, CHORD_DIM]: ``chords`` if given, else detected from the
        clip's notes."""
        track = chords if chords is not None else clip_chords(clip, n_steps)
        return chord_condition(track, n_steps)

    def condition_from_chords(self, chords: ChordTrack, n_steps: int) -> np.ndarray:
        return chord_condition(chords, n_steps)


class ChordMelodyCodec(ChordCondition, MelodyCodec):
    name = "melody_chords"
    label = "Melody over chords"

    def corpus_windows(self, split: str, n_bars: int, hop_steps: int = melody.STEPS_PER_BAR) -> WindowSet:
        from latentcomposer.io.progress import ProgressBar

        corpus = chord_melody_corpus(progress=ProgressBar("building the melody-over-chords cache"))
        wins, dropped = corpus.windows(split, n_bars, max(1, hop_steps // melody.STEPS_PER_BAR))
        arrays = {"tokens": wins["tokens"], "condition": arrays_condition(wins["root"], wins["pcs"], wins["bass"])}
        return WindowSet(arrays, dropped, f"POP909 melodies with annotated chords, split '{split}'",
                         {"songs": corpus.summary()})

    def clip_windows(self, clips: Sequence[Clip], n_bars: int) -> tuple[dict[str, np.ndarray], int, str]:
        """A file's melody windows over the chords detected from all its pitched tracks."""
        length = n_bars * melody.STEPS_PER_BAR
        try:
            mel, _ = self.choose_clip(clips)
        except CodecError:
            return ({"tokens": np.zeros((0, length), np.int64),
                     "condition": np.zeros((0, length, CHORD_DIM), np.float32)}, 0, "file has no pitched notes")
        tokens = melody.clip_to_tokens(mel)
        pitched = [c for c in clips if not c.is_drum and c.notes]
        merged = pitched[0]
        for c in pitched[1:]:
            merged = merged.merge(c)
        root, pcs, bass = track_arrays(clip_chords(merged, len(tokens)), len(tokens))
        wins, d = cut_windows({"tokens": tokens, "root": root, "pcs": pcs, "bass": bass}, n_bars, dedupe=False)
        return ({"tokens": wins["tokens"].astype(np.int64),
                 "condition": arrays_condition(wins["root"], wins["pcs"], wins["bass"])}, d["mostly rests"], "")

    def augmenter(self, train: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> Augmenter | None:
        r = int(options.get("transpose_range", 0))
        r_enc = int(options.get("encoder_transpose", 0))
        if not r and not r_enc:
            return None
        lo_all, hi_all = pitch_bounds(np.asarray(train["tokens"]))

        def shifts(idx: np.ndarray, rng: np.random.Generator, span: int) -> np.ndarray:
            return random_shifts(lo_all[idx], hi_all[idx], span, rng)  # no notes: 0, the chords stay too

        def moved(batch: dict[str, np.ndarray], shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return shift_tokens(batch["tokens"], shift), transpose_condition(batch["condition"], shift)

        def transpose(batch: dict[str, np.ndarray], idx: np.ndarray, rng: np.random.Generator
                      ) -> dict[str, np.ndarray]:
            """Each window and its chords moved by one random shift in [-r, r]; with ``encoder_transpose``
            the encoder's copy ("enc_tokens", "enc_condition") by another, independent one."""
            out = dict(batch)
            if r_enc:
                out["enc_tokens"], out["enc_condition"] = moved(batch, shifts(idx, rng, r_enc))
            if r:
                out["tokens"], out["condition"] = moved(batch, shifts(idx, rng, r))
            return out

        return transpose


# --- the chord-relative form ----------------------------------------------------------------------
# A melody written against its chords rather than in absolute pitch: every note-on is stored as its
# pitch minus the root of the chord sounding at its onset step (a step without a chord keeps its pitch),
# and the chords are given relative to themselves: each chord's tones and bass as intervals above its
# root, and its root as the interval above the window's first root (so the model still hears the root
# motion, C -> G as "up a fifth"). Moving a window's melody and chords together changes nothing the
# model reads, and a code decoded over another progression plays the same chord degrees over it:
# following the chords is the representation, not something the decoder must learn to compute
# (docs/MODELS.md, "Chord-relative melody"). The user-facing tokens and conditions stay absolute;
# :class:`ChordRelativeMelodyCodec` converts at the model's door.
def condition_roots(condition: np.ndarray) -> np.ndarray:
    """The root pitch class of every step of conditions [..., CHORD_DIM] (0 where there is no chord)."""
    cond = np.asarray(condition)
    has = (cond[..., NO_CHORD] < 0.5) & (cond[..., ROOT].max(axis=-1) > 0.5)
    return np.where(has, cond[..., ROOT].argmax(axis=-1), 0).astype(np.int64)


def _move_notes(tokens: np.ndarray, by: np.ndarray) -> np.ndarray:
    t = np.asarray(tokens).astype(np.int64)
    notes = t < melody.NOTE_OFF
    return np.where(notes, np.clip(t + by, 0, melody.NOTE_OFF - 1), t)


def relative_tokens(tokens: np.ndarray, condition: np.ndarray) -> np.ndarray:
    """Absolute melody tokens [..., T] over conditions [..., T, CHORD_DIM] -> the chord-relative form
    (every note-on minus its step's root; holds, note-offs and rests unchanged)."""
    return _move_notes(tokens, -condition_roots(condition))


def absolute_tokens(tokens: np.ndarray, condition: np.ndarray) -> np.ndarray:
    """The inverse of :func:`relative_tokens` (``condition`` absolute, as the user gives it)."""
    return _move_notes(tokens, condition_roots(condition))


def relative_condition(condition: np.ndarray) -> np.ndarray:
    """Windows' conditions [..., T, CHORD_DIM] relative to themselves: every chord's tones and bass
    rotated to its root (bit 0 = the root, bit 4 = a major third above it ...), its root as the interval
    above the first root of its window (axis -2); the no-chord bit unchanged."""
    cond = np.asarray(condition, np.float32)
    roots = condition_roots(cond)
    has = cond[..., NO_CHORD] < 0.5
    first = np.take_along_axis(roots, has.argmax(axis=-1)[..., None], -1)  # 0 for a window without chords
    idx = (np.arange(12) + roots[..., None]) % 12  # new[k] = old[root + k]
    out = cond.copy()
    for part in (TONES, BASS):
        out[..., part] = np.take_along_axis(cond[..., part], idx, -1)
    motion = (roots - first) % 12
    out[..., ROOT] = (motion[..., None] == np.arange(12)) & has[..., None]
    return out


def flip_quality(tokens: np.ndarray, condition: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Windows (absolute tokens [B, T], conditions [B, T, CHORD_DIM]) in the parallel mode: every chord
    with a major third and no minor one gets the minor third instead (and the other way round), its bass
    too when the bass was the third; every melody onset on that chord's third moves with it (a semitone
    down over a chord made minor, up over one made major). Other chords and notes are kept."""
    t = np.asarray(tokens).astype(np.int64).copy()
    cond = np.asarray(condition, np.float32).copy()
    roots = condition_roots(cond)
    has = cond[..., NO_CHORD] < 0.5
    tones = cond[..., TONES] > 0.5
    pc = lambda iv: ((roots + iv) % 12)[..., None]  # noqa: E731
    maj3 = np.take_along_axis(tones, pc(4), -1)[..., 0]
    min3 = np.take_along_axis(tones, pc(3), -1)[..., 0]
    to_minor, to_major = has & maj3 & ~min3, has & min3 & ~maj3
    for sel, old, new in ((to_minor, 4, 3), (to_major, 3, 4)):
        b, s = np.nonzero(sel)
        tone_part = cond[..., TONES]
        bass_part = cond[..., BASS]
        o, n = (roots[b, s] + old) % 12, (roots[b, s] + new) % 12
        tone_part[b, s, o], tone_part[b, s, n] = 0.0, 1.0
        was_bass = bass_part[b, s, o] > 0.5
        bass_part[b[was_bass], s[was_bass], o[was_bass]] = 0.0
        bass_part[b[was_bass], s[was_bass], n[was_bass]] = 1.0
        cond[..., TONES], cond[..., BASS] = tone_part, bass_part
        notes = (t < melody.NOTE_OFF) & sel & ((t - roots) % 12 == old)
        t[notes] += new - old
    return t, cond


class ChordRelativeMelodyCodec(ChordMelodyCodec):
    """Melody over chords in the chord-relative form: the same clips, corpus and conditions as
    :class:`ChordMelodyCodec` (absolute, for everything outside the model); :meth:`to_model` and
    :meth:`from_model` convert at the model's door (the engine, the trainer and the evaluation call
    them)."""

    name = "melody_chords_rel"
    label = "Melody over chords"

    def augmenter(self, train: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> Augmenter | None:
        """The melody codec's transposition, then (``quality_flip`` > 0) that share of windows' decoder
        copies in the parallel mode (:func:`flip_quality`) with the encoder reading the window as it was."""
        base = super().augmenter(train, options)
        p = float(options.get("quality_flip", 0.0))
        if p <= 0:
            return base

        def augment(batch: dict[str, np.ndarray], idx: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
            out = base(batch, idx, rng) if base is not None else dict(batch)
            if "enc_tokens" not in out:
                out["enc_tokens"], out["enc_condition"] = out["tokens"], out["condition"]
            rows = rng.random(len(out["tokens"])) < p
            if rows.any():
                toks, cond = np.asarray(out["tokens"]).copy(), np.asarray(out["condition"], np.float32).copy()
                toks[rows], cond[rows] = flip_quality(toks[rows], cond[rows])
                out["tokens"], out["condition"] = toks, cond
            return out

        return augment

    def to_model(self, tokens: np.ndarray, condition: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        if condition is None:
            return tokens, None
        cond = np.broadcast_to(np.asarray(condition, np.float32), (*np.shape(tokens), CHORD_DIM))
        return relative_tokens(tokens, cond), relative_condition(cond)

    def from_model(self, tokens: np.ndarray, condition: np.ndarray | None) -> np.ndarray:
        if condition is None:
            return np.asarray(tokens)
        cond = np.broadcast_to(np.asarray(condition, np.float32), (*np.shape(tokens), CHORD_DIM))
        return absolute_tokens(tokens, cond)
