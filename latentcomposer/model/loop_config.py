"""The training settings of the note-tree trainers (piano, trio; model/loop.py): torch-free, so the
model configs that name them load without torch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoopTrainConfig:
    batch_size: int = 32
    learning_rate: float = 1e-3
    lr_decay: float = 0.9999  # per step, floored at min_learning_rate
    min_learning_rate: float = 1e-5
    beta: float = 0.2
    free_bits: float = 256.0  # nats per window
    kl_anneal_steps: int = 2000
    grad_clip: float = 1.0
    transpose_range: int = 5  # random +-semitones per window (all streams of a window together)
    # conditioned models: the encoder reads its own copy of each window moved by another random shift in
    # [-n, n] (the decoder's target and its chords keep theirs), so z cannot carry where the music sits
    # in pitch and the decoder must take it from the condition (the chords). 0 = off
    encoder_transpose: int = 0
    max_steps: int = 1_000_000
    eval_every_minutes: float = 10.0
    checkpoint_every_minutes: float = 5.0
    valid_windows: int = 512  # validation windows used at each check (fixed, seeded choice)
    seed: int = 0
