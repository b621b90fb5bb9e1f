"""The drum representation (MusicVAE drums + GrooVAE dynamics) and the Groove MIDI Dataset reader.

Per 16th-note step: which of 9 drum classes hit (one of 2**9 = 512 tokens: bit k = class k), and for
every hit its velocity (quantized to :data:`VELOCITY_BINS` bins) and its microtiming offset from the
grid (a fraction of a step in [-0.5, 0.5)), as GrooVAE keeps them, so decoded grooves need not be
robotic. General MIDI drum notes map to the 9 classes of MusicVAE's reduced mapping; several hits of
one class on one step merge (the loudest wins).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentcomposer.core import DRUM_CHANNEL, Clip, Note
from latentcomposer.io.midifile import MidiFileError, read_midi

from .melody import STEPS_PER_BAR, STEPS_PER_QUARTER

CLASSES = ("kick", "snare", "closed hi-hat", "open hi-hat", "low tom", "mid tom", "high tom", "crash", "ride")
N_CLASSES = len(CLASSES)
VOCAB = 2 ** N_CLASSES
VELOCITY_BINS = 8
# MusicVAE's reduced drum mapping (GM notes, plus the Roland TD-11 extras found in GMD)
CLASS_PITCHES: tuple[tuple[int, ...], ...] = (
    (36, 35),
    (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),
    (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),
    (46, 67, 72, 74, 79, 81, 26),
    (45, 29, 41, 43, 61, 64, 84),
    (48, 47, 60, 63, 77, 86, 87),
    (50, 30, 62, 76, 83),
    (49, 52, 55, 57, 58),
    (51, 53, 59, 82),
)
PITCH_TO_CLASS = {p: k for k, pitches in enumerate(CLASS_PITCHES) for p in pitches}
# the note written back for each class (the first of its list: kick 36, snare 38, ...)
CLASS_TO_PITCH = tuple(p[0] for p in CLASS_PITCHES)


def velocity_to_bin(velocity: int | np.ndarray) -> np.ndarray:
    return np.clip((np.asarray(velocity) - 1) * VELOCITY_BINS // 127, 0, VELOCITY_BINS - 1)


def bin_to_velocity(b: int | np.ndarray) -> np.ndarray:
    """The centre of a velocity bin (1..127)."""
    return np.clip(np.round((np.asarray(b) + 0.5) * 127 / VELOCITY_BINS + 1), 1, 127).astype(int)


@dataclass
class DrumSteps:
    """hits [T, 9] bool, velocity bins [T, 9] int (0 where no hit), offsets [T, 9] float (steps)."""

    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray

    @property
    def tokens(self) -> np.ndarray:
        return hits_to_tokens(self.hits)


def hits_to_tokens(hits: np.ndarray) -> np.ndarray:
    weights = 1 << np.arange(N_CLASSES)
    return (np.asarray(hits, dtype=np.int64) * weights).sum(-1).astype(np.int64)


def tokens_to_hits(tokens: np.ndarray) -> np.ndarray:
    return ((np.asarray(tokens, dtype=np.int64)[..., None] >> np.arange(N_CLASSES)) & 1).astype(bool)


def clip_to_drum_steps(clip: Clip, n_steps: int | None = None) -> DrumSteps:
    """Drum hits of a clip on the 16th grid (notes outside the GM map are skipped)."""
    step = clip.ppq / STEPS_PER_QUARTER
    if n_steps is None:
        total = int(np.ceil(clip.end_tick / step - 0.5))
        n_steps = max(STEPS_PER_BAR, -(-total // STEPS_PER_BAR) * STEPS_PER_BAR)
    hits = np.zeros((n_steps, N_CLASSES), bool)
    vel = np.zeros((n_steps, N_CLASSES), np.int64)
    off = np.zeros((n_steps, N_CLASSES), np.float32)
    raw_vel = np.zeros((n_steps, N_CLASSES), np.int64)
    for n in clip.notes:
        k = PITCH_TO_CLASS.get(n.pitch)
        if k is None:
            continue
        pos = n.start / step
        s = int(np.floor(pos + 0.5))
        if not 0 <= s < n_steps:
            continue
        if hits[s, k] and n.velocity <= raw_vel[s, k]:
            continue  # merged: the loudest hit of a class on a step wins
        hits[s, k] = True
        raw_vel[s, k] = n.velocity
        vel[s, k] = int(velocity_to_bin(n.velocity))
        off[s, k] = pos - s
    return DrumSteps(hits, vel, off)


def drum_steps_to_clip(ds: DrumSteps, *, template: Clip | None = None, name: str = "drums",
                       microtiming: bool = True, note_steps: float = 0.5) -> Clip:
    """Hits back to a drum clip on channel 10 (GM notes), with velocities from the bins and, when
    ``microtiming``, onsets moved by their offsets."""
    base = template.copy(notes=(), is_drum=True, channel=DRUM_CHANNEL, name=name, tempo_changes=(),
                         time_signature_changes=()) if template else Clip(is_drum=True, channel=DRUM_CHANNEL,
                                                                           name=name)
    step = base.ppq / STEPS_PER_QUARTER
    notes = []
    for s, k in zip(*np.nonzero(ds.hits), strict=True):
        pos = s + (float(ds.offset[s, k]) if microtiming else 0.0)
        start = max(0, int(round(pos * step)))
        notes.append(Note(start, CLASS_TO_PITCH[k], start + max(1, int(note_steps * step)),
                          int(bin_to_velocity(ds.velocity[s, k]))))
    return base.copy(notes=tuple(notes), length=len(ds.hits) * round(step))


# --- Groove MIDI Dataset -------------------------------------------------------------------------
@dataclass
class GrooveTake:
    tune_id: str  # the GMD id, e.g. drummer1/eval_session/1
    split: str  # train | valid | test (GMD's official split; 'validation' is named 'valid' here)
    style: str
    beat_type: str  # beat | fill
    steps: DrumSteps


def read_groove(root: Path, skipped: dict[str, int] | None = None) -> list[GrooveTake]:
    """Every 4/4 take of GMD with its official split (``info.csv``)."""
    skipped = skipped if skipped is not None else {}
    takes: list[GrooveTake] = []
    with (root / "info.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["time_signature"] != "4-4":
                skipped[f"metre {row['time_signature']}"] = skipped.get(f"metre {row['time_signature']}", 0) + 1
                continue
            try:
                clips = read_midi(root / row["midi_filename"])
            except MidiFileError:
                skipped["unreadable"] = skipped.get("unreadable", 0) + 1
                continue
            clip = clips[0]
            for other in clips[1:]:
                clip = clip.merge(other)
            split = {"validation": "valid"}.get(row["split"], row["split"])
            takes.append(GrooveTake(row["id"], split, row["style"], row["beat_type"], clip_to_drum_steps(clip)))
    return takes
