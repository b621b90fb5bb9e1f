"""Melody windows from arbitrary MIDI files (for ``latentcomposer eval --data FILES``) and the rule
for picking a melody out of a multi-track file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.io.midifile import MidiFileError, read_midi

from .corpora import SkipCounter
from .dataset import MIN_SOUNDING
from .drums import N_CLASSES, clip_to_drum_steps
from .melody import NO_EVENT, NOTE_OFF, STEPS_PER_BAR, clip_to_tokens, sounding_ratio

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


def file_windows(paths: Iterable[str | os.PathLike[str]], n_bars: int, representation: str = "melody"
                 ) -> tuple[np.ndarray, SkipCounter, int, dict[str, np.ndarray] | None]:
    """Windows from MIDI files or folders, the skips (with reasons), the number of files used, and
    (drums) the velocity bins and offsets of the windows."""
    skipped = SkipCounter()
    parts: list[np.ndarray] = []
    aux_parts: list[dict[str, np.ndarray]] = []
    used = 0
    for path in expand_paths(paths):
        try:
            clips = read_midi(path)
        except MidiFileError as exc:
            skipped.skip(f"file unreadable ({type(exc).__name__})")
            continue
        ts = clips[0].time_signature
        if (ts.numerator, ts.denominator) not in MELODY_METRES or clips[0].time_signature_changes:
            skipped.skip(f"file not in 4/4 ({ts})")
            continue
        if representation == "drums":
            dclips = [c for c in clips if c.is_drum]
            if not dclips:
                skipped.skip("file has no drum track (channel 10)")
                continue
            ds = clip_to_drum_steps(dclips[0] if len(dclips) == 1 else _merge(dclips))
            wins, idx, dropped = _drum_windows(ds.tokens, n_bars)
            aux = {"velocity": np.stack([ds.velocity[i:i + n_bars * STEPS_PER_BAR] for i in idx])
                   if len(idx) else np.zeros((0, n_bars * STEPS_PER_BAR, N_CLASSES), np.int64),
                   "offset": np.stack([ds.offset[i:i + n_bars * STEPS_PER_BAR] for i in idx])
                   if len(idx) else np.zeros((0, n_bars * STEPS_PER_BAR, N_CLASSES), np.float32)}
        else:
            try:
                melody, _ = choose_melody(clips)
            except ValueError:
                skipped.skip("file has no pitched notes")
                continue
            wins, dropped = windows_from_tokens(clip_to_tokens(melody), n_bars)
            aux = None
        if dropped:
            skipped.counts["window mostly rests"] += dropped
        if len(wins) == 0:
            skipped.skip(f"file shorter than {n_bars} bars of {representation}")
            continue
        used += 1
        parts.append(wins.astype(np.int64))
        if aux is not None:
            aux_parts.append(aux)
    length = n_bars * STEPS_PER_BAR
    windows = np.concatenate(parts) if parts else np.zeros((0, length), np.int64)
    aux_all = ({k: np.concatenate([a[k] for a in aux_parts]) for k in ("velocity", "offset")}
               if aux_parts else None)
    return windows, skipped, used, aux_all


def _merge(clips: Sequence[Clip]) -> Clip:
    out = clips[0]
    for c in clips[1:]:
        out = out.merge(c)
    return out


def _drum_windows(tokens: np.ndarray, n_bars: int) -> tuple[np.ndarray, list[int], int]:
    length = n_bars * STEPS_PER_BAR
    keep, idx, dropped = [], [], 0
    for s in range(0, len(tokens) - length + 1, STEPS_PER_BAR):
        t = tokens[s:s + length]
        if (t.reshape(n_bars, STEPS_PER_BAR) != 0).any(1).mean() < 0.5:
            dropped += 1
            continue
        keep.append(t)
        idx.append(s)
    return (np.stack(keep) if keep else np.zeros((0, length), np.int64)), idx, dropped
