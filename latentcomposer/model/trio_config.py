"""The trio models' config (melody, bass, accompaniment over 16 bars; issue 24): torch-free, so the model
registry reads it without torch. See model/trio.py for the network, model/trio_train.py for training.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from latentcomposer.core.errors import UserFacingError
from latentcomposer.data.poly import MAX_DURATION, MAX_NOTES, VELOCITY_BINS

from .config import ModelConfig
from .loop_config import LoopTrainConfig
from .poly_config import PolyConfig
from .validate import check_fields


class TrioConfigError(UserFacingError, ValueError):
    """A trio config (or its config.json) does not match what this code can build."""


@dataclass(frozen=True)
class TrioConfig:
    name: str
    representation: str = "trio"  # data/trio_codec.py: melody + bass tokens, accompaniment note arrays
    architecture: Literal["trio"] = "trio"
    n_bars: int = 16
    steps_per_bar: int = 16
    z_dim: int = 1024  # one z for the section, read as one slot of bar_z_dim per bar
    bar_z_dim: int = 64
    # encoder: per stream and bar a bidirectional GRU (melody, bass: token embedding; accompaniment:
    # PianoTree's note-level step encoder first) -> the streams' bar vectors summed -> Transformer over bars
    embed_dim: int = 64
    bar_enc_hidden: int = 128
    pitch_embed: int = 64
    dur_embed: int = 16
    vel_embed: int = 8
    enc_note_hidden: int = 128
    enc_time_hidden: int = 128
    d_model: int = 256
    n_heads: int = 4
    tf_layers: int = 2
    tf_dropout: float = 0.1
    # decoder: a conductor LSTM fed each bar's slot (+ a linear skip), shared by the streams
    conductor_hidden: int = 256
    conductor_layers: int = 2
    # melody and bass: MusicVAE's categorical bar decoder each (LSTM)
    dec_hidden: int = 256
    dec_layers: int = 2
    vocab: int = 130
    # accompaniment: PianoTree's bar decoder (time GRU -> note GRU per step)
    dec_cond: int = 256
    step_summary: int = 128
    dec_time_hidden: int = 512
    dec_note_hidden: int = 256
    max_notes: int = MAX_NOTES
    max_duration: int = MAX_DURATION
    velocity_bins: int = VELOCITY_BINS

    def __post_init__(self) -> None:
        check_fields(self, ("n_bars", "steps_per_bar", "z_dim", "bar_z_dim", "embed_dim", "bar_enc_hidden",
                            "pitch_embed", "dur_embed", "vel_embed", "enc_note_hidden", "enc_time_hidden", "d_model",
                            "n_heads", "tf_layers", "conductor_hidden", "conductor_layers", "dec_hidden",
                            "dec_layers", "vocab", "dec_cond", "step_summary", "dec_time_hidden", "dec_note_hidden",
                            "max_notes", "max_duration", "velocity_bins"), TrioConfigError)
        if self.z_dim != self.n_bars * self.bar_z_dim:
            raise TrioConfigError(f"z_dim ({self.z_dim}) must be n_bars * bar_z_dim ({self.n_bars} * {self.bar_z_dim})")
        if self.max_notes != MAX_NOTES or self.max_duration != MAX_DURATION or self.vocab != 130:
            raise TrioConfigError(f"this code holds {MAX_NOTES} notes per step, durations up to {MAX_DURATION} "
                                  f"and 130 melody tokens; the config asks for {self.max_notes} / "
                                  f"{self.max_duration} / {self.vocab}")
        if self.steps_per_bar != 16:
            raise TrioConfigError("the trio reads 16 steps per bar")
        if self.d_model % self.n_heads:
            raise TrioConfigError(f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads})")

    @property
    def condition_dim(self) -> int:
        return 0

    @property
    def n_steps(self) -> int:
        return self.n_bars * self.steps_per_bar

    def mono_part(self) -> ModelConfig:
        """The melody/bass parts as a melody model's config (bar encoder, Transformer, step decoder)."""
        return ModelConfig(name=f"{self.name}_mono", vocab=self.vocab, n_bars=self.n_bars, embed_dim=self.embed_dim,
                           z_dim=self.z_dim, bar_z_dim=self.bar_z_dim, encoder="transformer",
                           bar_enc_hidden=self.bar_enc_hidden, d_model=self.d_model, n_heads=self.n_heads,
                           tf_layers=self.tf_layers, tf_dropout=self.tf_dropout, decoder="hierarchical",
                           dec_hidden=self.dec_hidden, dec_layers=self.dec_layers,
                           conductor_hidden=self.conductor_hidden, conductor_layers=self.conductor_layers,
                           conductor_input="slots", conductor_residual=True)

    def poly_part(self) -> PolyConfig:
        """The accompaniment's parts as a piano model's config (step encoder, bar decoder)."""
        return PolyConfig(name=f"{self.name}_accompaniment", architecture="pianotree_bars", n_bars=self.n_bars,
                          pitch_embed=self.pitch_embed, dur_embed=self.dur_embed, vel_embed=self.vel_embed,
                          enc_note_hidden=self.enc_note_hidden, enc_time_hidden=self.enc_time_hidden,
                          z_dim=self.z_dim, bar_z_dim=self.bar_z_dim, d_model=self.d_model, n_heads=self.n_heads,
                          tf_layers=self.tf_layers, tf_dropout=self.tf_dropout, conductor_hidden=self.conductor_hidden,
                          dec_cond=self.dec_cond, step_summary=self.step_summary,
                          dec_time_hidden=self.dec_time_hidden, dec_note_hidden=self.dec_note_hidden)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrioConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise TrioConfigError(f"unknown trio config keys {unknown}: the model was made by a different "
                                  "version of latentcomposer")
        try:
            return cls(**data)
        except TypeError as exc:
            raise TrioConfigError(f"bad trio config: {exc}") from None

    def to_doc(self) -> dict[str, Any]:
        """The ``"model"`` object of config.json (flat: the fields by name)."""
        return self.to_dict()

    @classmethod
    def from_doc(cls, data: Any, fmt: int) -> TrioConfig:
        if not isinstance(data, dict):
            raise TrioConfigError("the model config is not an object")
        return cls.from_dict(data)


@dataclass(frozen=True)
class TrioTrainConfig(LoopTrainConfig):
    """The shared trainer's settings with the trio's defaults."""

    free_bits: float = 4096.0  # nats per section (all streams, all bars)
    kl_anneal_steps: int = 5000
    valid_windows: int = 256


@dataclass(frozen=True)
class TrioNamedConfig:
    model: TrioConfig
    train: TrioTrainConfig = field(default_factory=TrioTrainConfig)


TRIO_CONFIGS: dict[str, TrioNamedConfig] = {
    # MusicVAE's trio layout over POP909 (melody, bass, accompaniment): per-stream bar encoders, one z
    # read as a 64-dim slot per bar, one conductor, a decoder per stream (docs/MODELS.md)
    # batch 16 as poly_8bar: a step costs ~2x poly_8bar's on one CPU thread (the accompaniment's note trees)
    "trio_16bar": TrioNamedConfig(TrioConfig(name="trio_16bar"), TrioTrainConfig(batch_size=16, valid_windows=128)),
    # tiny: tests and smoke runs only
    "tiny_trio": TrioNamedConfig(
        TrioConfig(name="tiny_trio", n_bars=4, z_dim=16, bar_z_dim=4, embed_dim=8, bar_enc_hidden=8, pitch_embed=8,
                   dur_embed=4, vel_embed=4, enc_note_hidden=8, enc_time_hidden=8, d_model=16, n_heads=2,
                   tf_layers=1, conductor_hidden=16, conductor_layers=1, dec_hidden=16, dec_layers=1, dec_cond=8,
                   step_summary=8, dec_time_hidden=16, dec_note_hidden=16),
        TrioTrainConfig(batch_size=4, free_bits=1.0, kl_anneal_steps=10, valid_windows=8)),
}


def get_trio_config(name: str) -> TrioNamedConfig:
    try:
        return TRIO_CONFIGS[name]
    except KeyError:
        raise TrioConfigError(f"no trio config named {name!r}; known: {', '.join(TRIO_CONFIGS)}") from None
