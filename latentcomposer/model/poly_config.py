"""The polyphonic (PianoTree) models' config: torch-free, so the model registry reads it without torch.

``architecture`` "pianotree" (poly_2bar: one z per window) or "pianotree_bars" (poly_8bar: one z slot
per bar under a conductor); see model/pianotree.py for the network. ``condition_dim`` > 0 makes a
conditioned model (poly_2bar_chords: the chord of every step, 37 floats, read at every step of the bar
decoder's time-level GRU); 0, the default, is every model shipped before it, and config.json leaves the
field out then, so those files read and write as before.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from latentcomposer.core.errors import UserFacingError
from latentcomposer.data.poly import MAX_DURATION, MAX_NOTES, VELOCITY_BINS

from .validate import check_fields

POLY_FORMAT = 1


class PolyConfigError(UserFacingError, ValueError):
    """A poly model config (or its config.json) does not match what this code can build."""


@dataclass(frozen=True)
class PolyConfig:
    name: str
    representation: str = "poly"
    architecture: Literal["pianotree", "pianotree_bars"] = "pianotree"
    n_bars: int = 2
    steps_per_bar: int = 16
    max_notes: int = MAX_NOTES
    max_duration: int = MAX_DURATION
    velocity_bins: int = VELOCITY_BINS
    pitch_embed: int = 64  # note embedding = pitch + duration + velocity-bin embeddings
    dur_embed: int = 16
    vel_embed: int = 8
    enc_note_hidden: int = 128  # note-level GRU inside a step (encoder)
    enc_time_hidden: int = 256  # bidirectional GRU over the window's (or a bar's) steps, per direction
    z_dim: int = 512
    bar_z_dim: int = 0  # pianotree_bars: z slot per bar (z_dim = n_bars * bar_z_dim)
    d_model: int = 256  # pianotree_bars: Transformer over bar vectors
    n_heads: int = 4
    tf_layers: int = 2
    tf_dropout: float = 0.1
    conductor_hidden: int = 256  # pianotree_bars: GRU over bars
    dec_cond: int = 256  # conditioning vector fed to every step of the bar decoder
    step_summary: int = 128  # summary of the previous step's notes (bar decoder input)
    dec_time_hidden: int = 512  # time-level GRU of the bar decoder
    dec_note_hidden: int = 256  # note-level GRU of the bar decoder
    # conditioned models: the bar decoder's time-level GRU reads a per-step condition of this width (the
    # chord of the step, data/poly_codec.py's "poly_chords") beside the conditioning vector; 0 = none
    condition_dim: int = 0

    def __post_init__(self) -> None:
        check_fields(self, ("n_bars", "steps_per_bar", "max_notes", "max_duration", "velocity_bins", "pitch_embed",
                            "dur_embed", "vel_embed", "enc_note_hidden", "enc_time_hidden", "z_dim", "d_model",
                            "n_heads", "tf_layers", "conductor_hidden", "dec_cond", "step_summary",
                            "dec_time_hidden", "dec_note_hidden"), PolyConfigError)
        if self.max_notes != MAX_NOTES or self.max_duration != MAX_DURATION:
            raise PolyConfigError(f"this code holds {MAX_NOTES} notes per step and durations up to "
                                  f"{MAX_DURATION}; the config asks for {self.max_notes} / {self.max_duration}")
        if self.architecture == "pianotree_bars" and self.z_dim != self.n_bars * self.bar_z_dim:
            raise PolyConfigError(f"per-bar latents: z_dim ({self.z_dim}) must be n_bars * bar_z_dim "
                                  f"({self.n_bars} * {self.bar_z_dim})")

    @property
    def n_steps(self) -> int:
        return self.n_bars * self.steps_per_bar

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        if not d["condition_dim"]:
            del d["condition_dim"]  # unconditioned configs are written as before the field existed
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolyConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise PolyConfigError(f"unknown poly config keys {unknown}: the model was made by a different "
                                  "version of latentcomposer")
        try:
            return cls(**data)
        except TypeError as exc:
            raise PolyConfigError(f"bad poly config: {exc}") from None

    def to_doc(self) -> dict[str, Any]:
        """The ``"model"`` object of config.json (flat: the fields by name)."""
        return self.to_dict()

    @classmethod
    def from_doc(cls, data: Any, fmt: int) -> PolyConfig:
        if not isinstance(data, dict):
            raise PolyConfigError("the model config is not an object")
        return cls.from_dict(data)
