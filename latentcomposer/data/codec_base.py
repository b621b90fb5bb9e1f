"""What every representation provides: the :class:`Codec` protocol (see :mod:`.codecs` for the registry).

A codec owns everything specific to one representation, so that no code outside it asks which
representation it holds:

- clip <-> model arrays: ``encode`` gives tokens [T] (time on axis 0, T a multiple of 16) plus per-step
  extras (``aux``: drums' velocity bins and microtiming offsets), ``decode`` turns them back into a clip;
- which clip or track of a file the model reads (``fit``, ``choose_clip``) and how a new clip of its
  kind looks (``new_clip``);
- the window datasets (the built-in corpus splits and windows from MIDI files) and their training
  augmentation (``augmenter``);
- its attribute table (what the attribute sliders measure) and its summary statistics;
- its auxiliary heads (``aux_shapes``, ``aux_class_names``) and, for conditioned models, the
  per-step condition it reads from a clip (``condition_dim``, ``encode_condition``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from latentcomposer.core import DEFAULT_VELOCITY, Clip
from latentcomposer.core.errors import UserFacingError

AttributeFn = Callable[[np.ndarray], float]
AttributeTable = dict[str, tuple[AttributeFn, str]]
# augmentation: (batch {name: [B, T, ...]}, indices of the batch's windows, rng) -> augmented batch
Augmenter = Callable[[dict[str, np.ndarray], np.ndarray, np.random.Generator], dict[str, np.ndarray]]

# clip fit (Codec.fit): how naturally a representation holds a clip
CANNOT, REDUCED, NATURAL = 0, 1, 2


class CodecError(UserFacingError, ValueError):
    """A clip this representation cannot hold (drums for a melody model, ...)."""


@dataclass
class Encoded:
    tokens: np.ndarray  # int64 [T, ...], T a multiple of 16 (one token per step, or one array per step)
    aux: dict[str, np.ndarray] | None = None  # each [T, ...]
    warnings: list[str] = field(default_factory=list)


@dataclass
class WindowSet:
    """Training / evaluation windows: ``arrays["tokens"]`` [N, T] and the codec's extras [N, T, ...]."""

    arrays: dict[str, np.ndarray]
    dropped: dict[str, int]  # reason -> windows dropped
    source: str  # where they came from, in words (for reports and model cards)
    info: dict[str, Any] = field(default_factory=dict)  # e.g. tune counts per split

    @property
    def tokens(self) -> np.ndarray:
        return self.arrays["tokens"]

    @property
    def aux(self) -> dict[str, np.ndarray] | None:
        extra = {k: v for k, v in self.arrays.items() if k != "tokens"}
        return extra or None

    def __len__(self) -> int:
        return len(self.arrays["tokens"])


@runtime_checkable
class Codec(Protocol):
    @property
    def name(self) -> str:
        """The config's representation name (registry key)."""
        ...

    @property
    def label(self) -> str:
        """In a composer's words: "Melody", "Drums", "Piano"."""
        ...

    @property
    def vocab(self) -> int: ...

    @property
    def silent_token(self) -> int | np.ndarray:
        """A silent step (pads windows): a token, or one step's array."""
        ...

    @property
    def aux_shapes(self) -> dict[str, tuple[int, ...]]:
        """Per-step extras beside the tokens (drums: velocity bins and offsets per class)."""
        ...

    @property
    def aux_class_names(self) -> tuple[str, ...]:
        """Names of the aux heads' classes (drum kit pieces), if any."""
        ...

    @property
    def condition_dim(self) -> int:
        """Width of a per-step condition (0: the representation has none)."""
        ...

    @property
    def pitched(self) -> bool:
        """Whether its notes are pitches (melody, piano) rather than kit pieces (drums): the rhythm and
        pitch locks apply only to pitched parts."""
        ...

    # --- clips ----------------------------------------------------------------------------------
    def fit(self, clip: Clip) -> int:
        """CANNOT, REDUCED (holds a reduction of it) or NATURAL."""
        ...

    def choose_clip(self, clips: Sequence[Clip]) -> tuple[Clip, str]:
        """The clip of a file's tracks this representation reads, and how it was chosen (CodecError
        when none fits)."""
        ...

    def new_clip(self, tempo: float, name: str) -> Clip:
        """An empty clip of this kind (the template for samples)."""
        ...

    def encode(self, clip: Clip) -> Encoded:
        ...

    def fix_chunk_starts(self, chunks: np.ndarray) -> np.ndarray:
        ...

    def decode(self, tokens: np.ndarray, aux: dict[str, np.ndarray] | None, template: Clip | None,
               velocity: int | None, name: str) -> Clip:
        ...

    def encode_condition(self, clip: Clip, n_steps: int) -> np.ndarray | None:
        """The per-step condition [n_steps, condition_dim] a clip carries (None if none)."""
        ...

    # --- data -----------------------------------------------------------------------------------
    def corpus_windows(self, split: str, n_bars: int, hop_steps: int = 16) -> WindowSet:
        """Windows of the built-in training corpus split (``train``, ``valid``, ``test``)."""
        ...

    def clip_windows(self, clips: Sequence[Clip], n_bars: int) -> tuple[dict[str, np.ndarray], int, str]:
        """Windows from one MIDI file's tracks: (arrays, windows dropped, reason it has none)."""
        ...

    def augmenter(self, train: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> Augmenter | None:
        """Training-time augmentation over batches of ``train`` (``options``: the training config)."""
        ...

    # --- attributes -----------------------------------------------------------------------------
    def attributes(self) -> AttributeTable:
        ...

    def summary(self, values: dict[str, np.ndarray]) -> dict[str, float]:
        """Representation-specific summary figures of measured attributes (beyond their means)."""
        ...


def transpose_augmenter(options: Mapping[str, Any], move: Callable[[np.ndarray, np.ndarray], np.ndarray]
                        ) -> Augmenter | None:
    """Each window of a batch moved by a random whole number of semitones in [-r, r] (r: the training
    config's ``transpose_range``; 0: no augmenter). ``move(tokens [B, ...], shifts [B])`` transposes the
    representation's tokens (the piano and trio codecs; the melody keeps its windows on a piano)."""
    r = int(options.get("transpose_range", 0))
    if not r:
        return None

    def transpose(batch: dict[str, np.ndarray], idx: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {**batch, "tokens": move(batch["tokens"], rng.integers(-r, r + 1, len(idx)))}

    return transpose


def template_velocity(template: Clip | None) -> int:
    if template is None or not template.notes:
        return DEFAULT_VELOCITY
    return int(round(float(np.median([n.velocity for n in template.notes]))))


def measure_table(table: AttributeTable, windows: np.ndarray) -> dict[str, np.ndarray]:
    """Every attribute of ``table`` for every row of [N, T]: {name: [N]}."""
    return {name: np.array([fn(w) for w in windows], dtype=np.float32) for name, (fn, _) in table.items()}
