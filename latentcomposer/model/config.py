"""Named model configurations (as magenta's CONFIG_MAP): architecture + training hyper-parameters.

A checkpoint stores the config it was built from (``config.json``); loading checks it against the
code's fields, so an incompatible checkpoint fails with a clear message.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from latentcomposer.core.errors import UserFacingError

from .validate import check_fields

CONFIG_FORMAT = 2  # config.json: format 2 groups the model's fields by section; format 1 (flat) still reads
READABLE_FORMATS = (1, 2)


class ConfigError(UserFacingError, ValueError):
    """A config (or a checkpoint's config.json) does not match what this code can build."""


@dataclass(frozen=True)
class ModelConfig:
    name: str
    representation: str = "melody"  # a codec in data/codecs.py's registry
    # "musicvae": one z per window; "tvae": one z per bar (Transformer VAE, Jiang et al. 2020);
    # z_dim is then n_bars * bar_z_dim (the per-bar latents concatenated in bar order).
    architecture: str = "musicvae"  # a class in model/architectures.py's registry
    bar_z_dim: int = 0
    # drums: per step and class, a velocity bin (classification) and a microtiming offset (regression)
    aux_classes: int = 0
    velocity_bins: int = 0
    d_model: int = 256
    n_heads: int = 4
    tf_layers: int = 2
    tf_dropout: float = 0.1
    vocab: int = 130
    n_bars: int = 2
    steps_per_bar: int = 16
    embed_dim: int = 64
    z_dim: int = 256
    # encoder: "flat" = one BiLSTM over all steps (MusicVAE); "hierarchical" = a BiLSTM over each bar
    # (all bars in parallel) then a BiLSTM over the bar vectors -- ~5x faster to train on CPU;
    # "transformer" = a GRU per bar then a Transformer over the bar vectors (bar_enc_hidden, d_model,
    # n_heads, tf_layers), bar i giving slot i of z (bar_z_dim dims; z_dim = n_bars * bar_z_dim)
    encoder: Literal["flat", "hierarchical", "transformer"] = "flat"
    enc_hidden: int = 512
    enc_layers: int = 1
    bar_enc_hidden: int = 256
    # decoder: "flat" = one LSTM over all steps; "hierarchical" = conductor LSTM -> one embedding per
    # bar -> bar LSTM decodes each bar's steps from it (state reset every bar).
    decoder: Literal["flat", "hierarchical"] = "flat"
    dec_hidden: int = 256
    dec_layers: int = 2
    conductor_hidden: int = 256
    conductor_layers: int = 2
    # the conductor's input at each bar: "zeros" (MusicVAE: z only sets its initial state) or "slots"
    # (bar i is fed a projection of z's slot i, z_dim / n_bars dims); conductor_residual adds a linear
    # skip from bar i's input to its output. With the transformer encoder these learn as fast as the
    # TVAE; with the LSTM encoders no conductor variant tried helped (docs/MODELS.md, mel_16bar).
    conductor_input: Literal["zeros", "slots"] = "zeros"
    conductor_residual: bool = False
    # conditioned models: the decoder reads a per-step condition of this width (e.g. the chord at each
    # step) beside z; the representation's codec says where a clip's condition comes from. 0 = none
    condition_dim: int = 0
    # the encoder reads the condition too (concatenated to each step's token embedding; MusicVAE's
    # chord-conditioned encoders), so z can hold the melody relative to its chords. Flat encoders only
    encoder_condition: bool = False

    def __post_init__(self) -> None:
        check_fields(self, ("vocab", "n_bars", "steps_per_bar", "embed_dim", "z_dim", "d_model", "n_heads",
                            "tf_layers", "enc_hidden", "enc_layers", "bar_enc_hidden", "dec_hidden", "dec_layers",
                            "conductor_hidden", "conductor_layers"), ConfigError)
        if not 0.0 <= self.tf_dropout < 1.0:
            raise ConfigError(f"model config field 'tf_dropout' is {self.tf_dropout}; it must be 0..1")
        if self.d_model % self.n_heads:
            raise ConfigError(f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads})")
        if self.encoder_condition and (not self.condition_dim or self.encoder != "flat"):
            raise ConfigError("encoder_condition needs a conditioned model (condition_dim > 0) with the flat encoder")
        if self.conductor_residual and self.conductor_input == "zeros":
            raise ConfigError("conductor_residual needs conductor_input 'slots'")
        if self.conductor_input == "slots" and self.z_dim % self.n_bars:
            raise ConfigError("conductor_input='slots' needs z_dim divisible by n_bars")
        if (self.bar_z_dim or self.encoder == "transformer") and self.z_dim != self.n_bars * self.bar_z_dim:
            raise ConfigError(f"per-bar latents: z_dim ({self.z_dim}) must be n_bars * bar_z_dim "
                              f"({self.n_bars} * {self.bar_z_dim})")

    @property
    def n_steps(self) -> int:
        return self.n_bars * self.steps_per_bar

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_doc(self) -> dict[str, Any]:
        """The ``"model"`` object of a format-2 config.json (fields grouped in sections)."""
        return model_to_sections(self)

    @classmethod
    def from_doc(cls, data: Any, fmt: int) -> ModelConfig:
        return model_from_doc(data, fmt)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown model config keys {unknown}: the checkpoint was made by a "
                              "different version of latentcomposer")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ConfigError(f"bad model config: {exc}") from None


# format 2 of config.json: the model's fields grouped by the part of the model they shape (the
# dataclass keeps them as attributes of one object, so code reads cfg.dec_hidden either way)
TOP_FIELDS = ("name", "representation", "architecture")
SECTIONS: dict[str, tuple[str, ...]] = {
    "window": ("n_bars", "steps_per_bar"),
    "latent": ("z_dim", "bar_z_dim"),
    "encoder": ("encoder", "embed_dim", "enc_hidden", "enc_layers", "bar_enc_hidden", "encoder_condition"),
    "transformer": ("d_model", "n_heads", "tf_layers", "tf_dropout"),
    "decoder": ("decoder", "dec_hidden", "dec_layers", "conductor_hidden", "conductor_layers",
                "conductor_input", "conductor_residual"),
    "output": ("vocab", "aux_classes", "velocity_bins", "condition_dim"),
}


def model_to_sections(cfg: ModelConfig) -> dict[str, Any]:
    """The format-2 ``"model"`` object: top-level names, then one object per section."""
    flat = cfg.to_dict()
    out: dict[str, Any] = {k: flat.pop(k) for k in TOP_FIELDS}
    for section, names in SECTIONS.items():
        out[section] = {k: flat.pop(k) for k in names}
    assert not flat, f"fields without a section: {sorted(flat)}"
    return out


def model_from_doc(data: Any, fmt: int) -> ModelConfig:
    """A ``"model"`` object of a config.json of format ``fmt`` (1: flat, 2: sections) -> ModelConfig."""
    if not isinstance(data, dict):
        raise ConfigError("the model config is not an object")
    if fmt == 1:
        return ModelConfig.from_dict(data)
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(f"model config section {key!r} is not an object")
            unknown = sorted(set(value) - set(SECTIONS[key]))
            if unknown:
                raise ConfigError(f"unknown keys {unknown} in model config section {key!r}: the checkpoint "
                                  "was made by a different version of latentcomposer")
            flat.update(value)
        else:
            flat[key] = value
    return ModelConfig.from_dict(flat)


@dataclass(frozen=True)
class TrainConfig:
    batch_size: int = 64
    learning_rate: float = 1e-3
    lr_decay: float = 0.9999  # per step, exponential, floored at min_learning_rate (MusicVAE)
    min_learning_rate: float = 1e-5
    beta: float = 0.2
    free_bits: float = 48.0  # nats
    kl_anneal_steps: int = 5000  # beta ramps linearly from 0
    grad_clip: float = 1.0
    transpose_range: int = 5  # random +-semitones per window (kept inside MIDI 21-108)
    # conditioned models: the encoder reads the window moved by its own random shift in [-r, r] (and
    # its condition with it), independent of the decoder's target, so z cannot carry where the melody
    # sits in pitch: the decoder must take that from the condition (the chords). 0 = off
    encoder_transpose: int = 0
    # chord-relative melody models: the share of windows whose decoder copy is played in the parallel mode
    # -- every major triad made minor and every minor one major, the melody's thirds over them moved with
    # them -- while the encoder reads the window as it is, so z holds "the third" and the decoder takes
    # its quality from the chords (data/chord_melody_codec.py ``flip_quality``). 0 = off
    quality_flip: float = 0.0
    scheduled_sampling: float = 0.0  # max rate of feeding back the model's own sample (0 = off)
    # how the rate reaches it: from step sampling_start, linearly over sampling_ramp steps, or with
    # sampling_ramp = 0 MusicVAE's inverse sigmoid (k = 1000: rate * (1 - k / (k + exp(steps / k))))
    sampling_start: int = 0
    sampling_ramp: int = 0
    # False: the step-by-step loop above; True: two parallel passes (Duckworth et al. 2019; see
    # LatentVAE.sampled_inputs). Models with velocity/timing heads (drums) always use the parallel form
    parallel_sampling: bool = False
    input_dropout: float = 0.0  # word dropout: share of decoder inputs replaced by the start token
    dec_dropout: float = 0.0  # dropout on the decoder LSTM's inputs and outputs (not its recurrence)
    # drums only: training windows start every hop_steps steps (16 = a bar, as validation/test; 4 = a
    # beat, four times the windows) and with probability kit_swap a window plays its closed hi-hat
    # part on the ride and its ride part on the closed hi-hat (drummers move patterns between them)
    hop_steps: int = 16
    kit_swap: float = 0.0
    # drums: with probability tom_shuffle a window's three toms are permuted (a fill moves to other
    # toms), and with probability ghost_drop its soft hits (velocity bins 0-1: ghost notes) are removed
    tom_shuffle: float = 0.0
    ghost_drop: float = 0.0
    # attribute-regularized dims (AR-VAE, model/ar_reg.py): {attribute: latent dim}; 0 weight = off
    ar_dims: dict[str, int] = field(default_factory=dict)
    ar_weight: float = 0.0
    ar_delta: float = 10.0  # sharpness of the ordering (tanh(delta * dz)); the paper's default
    max_steps: int = 200_000
    eval_every_minutes: float = 10.0
    checkpoint_every_minutes: float = 5.0
    seed: int = 0


def train_from_dict(data: Any) -> TrainConfig | None:
    """A saved training config, or None when it does not match this version's fields."""
    if not isinstance(data, dict):
        return None
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    try:
        return TrainConfig(**{k: v for k, v in data.items() if k in names})
    except TypeError:
        return None


@dataclass(frozen=True)
class NamedConfig:
    model: ModelConfig
    train: TrainConfig = field(default_factory=TrainConfig)


CONFIGS: dict[str, NamedConfig] = {
    # MusicVAE's flat 2-bar melody model; free bits raised 48 -> 768 as validation rose (diary: docs/MODELS.md)
    "mel_2bar": NamedConfig(
        ModelConfig(name="mel_2bar", n_bars=2, z_dim=256, encoder="flat", enc_hidden=512,
                    decoder="flat", dec_hidden=256, dec_layers=2),
        TrainConfig(batch_size=128, free_bits=768.0, beta=0.2),
    ),
    # mel_2bar fine-tuned with attribute-regularized dims 0-5 (AR-VAE, model/ar_reg.py): start it with
    # `latentcomposer train --config mel_2bar_ar --init-from models/mel_2bar` (beta at 0.2 from step 1)
    "mel_2bar_ar": NamedConfig(
        ModelConfig(name="mel_2bar_ar", n_bars=2, z_dim=256, encoder="flat", enc_hidden=512,
                    decoder="flat", dec_hidden=256, dec_layers=2),
        TrainConfig(batch_size=128, free_bits=768.0, beta=0.2, kl_anneal_steps=1, learning_rate=5e-4,
                    ar_dims={"density": 0, "range": 1, "register": 2, "interval": 3, "syncopation": 4,
                             "rests": 5},
                    ar_weight=1.0),
    ),
    # hierarchical decoder under a Transformer bar encoder, z read as one slot per bar (docs/MODELS.md)
    "mel_16bar": NamedConfig(
        ModelConfig(name="mel_16bar", n_bars=16, z_dim=512, bar_z_dim=32, encoder="transformer",
                    bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2, decoder="hierarchical",
                    conductor_hidden=256, conductor_layers=2, conductor_input="slots", conductor_residual=True,
                    dec_hidden=256, dec_layers=2),
        TrainConfig(batch_size=64, free_bits=512.0, beta=0.2, kl_anneal_steps=5000),
    ),
    # baseline for what the hierarchy buys: mel_16bar's encoder with a flat decoder
    "mel_16bar_flat": NamedConfig(
        ModelConfig(name="mel_16bar_flat", n_bars=16, z_dim=512, bar_z_dim=32, encoder="transformer",
                    bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2, decoder="flat", dec_hidden=256,
                    dec_layers=2),
        TrainConfig(batch_size=64, free_bits=512.0, beta=0.2, kl_anneal_steps=5000),
    ),
    # drums_16bar's architecture at 2 bars; settings of its last cached run (diary: docs/MODELS.md)
    "drums_2bar": NamedConfig(
        ModelConfig(name="drums_2bar", representation="drums", vocab=512, n_bars=2, z_dim=256, bar_z_dim=128,
                    encoder="transformer", bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2,
                    decoder="hierarchical", conductor_hidden=256, conductor_layers=2, conductor_input="slots",
                    conductor_residual=True, dec_hidden=256, dec_layers=2, aux_classes=9, velocity_bins=8),
        TrainConfig(batch_size=128, free_bits=1024.0, beta=0.2, transpose_range=0, hop_steps=4, kit_swap=0.5,
                    tom_shuffle=0.5, ghost_drop=0.3, dec_dropout=0.3, min_learning_rate=4e-5),
    ),
    # MusicVAE's flat 2-bar drum model, shipped until 2026-11-24; not shipped now
    "drums_2bar_flat": NamedConfig(
        ModelConfig(name="drums_2bar_flat", representation="drums", vocab=512, n_bars=2, z_dim=256, encoder="flat",
                    enc_hidden=512, decoder="flat", dec_hidden=256, dec_layers=2, aux_classes=9,
                    velocity_bins=8),
        TrainConfig(batch_size=128, free_bits=160.0, beta=0.2, transpose_range=0, hop_steps=4, kit_swap=0.5),
    ),
    # drums_16bar_narrow with a 64-dim z slot per bar, shipped 2026-11-25 (diary: docs/MODELS.md)
    "drums_16bar": NamedConfig(
        ModelConfig(name="drums_16bar", representation="drums", vocab=512, n_bars=16, z_dim=1024,
                    bar_z_dim=64, encoder="transformer", bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2,
                    decoder="hierarchical", conductor_hidden=256, conductor_layers=2, conductor_input="slots",
                    conductor_residual=True, dec_hidden=256, dec_layers=2, aux_classes=9, velocity_bins=8),
        TrainConfig(batch_size=64, free_bits=3072.0, beta=0.2, transpose_range=0, hop_steps=4, kit_swap=0.5,
                    tom_shuffle=0.5, ghost_drop=0.3, dec_dropout=0.2),
    ),
    # the 32-dim-slot drums_16bar shipped until 2026-11-25 (diary: docs/MODELS.md)
    "drums_16bar_narrow": NamedConfig(
        ModelConfig(name="drums_16bar_narrow", representation="drums", vocab=512, n_bars=16, z_dim=512, bar_z_dim=32,
                    encoder="transformer", bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2,
                    decoder="hierarchical", conductor_hidden=256, conductor_layers=2, conductor_input="slots",
                    conductor_residual=True, dec_hidden=256, dec_layers=2, aux_classes=9, velocity_bins=8),
        TrainConfig(batch_size=64, free_bits=3072.0, beta=0.2, transpose_range=0, hop_steps=4, kit_swap=0.5,
                    tom_shuffle=0.5, ghost_drop=0.3, dec_dropout=0.2),
    ),
    # bar-level Transformer VAE, one latent per bar (Jiang et al. 2020)
    "tvae_16bar": NamedConfig(
        ModelConfig(name="tvae_16bar", architecture="tvae", n_bars=16, bar_z_dim=32, z_dim=512,
                    bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2, dec_hidden=256, dec_layers=2),
        # The shipped weights: 8 nats free per bar to step 3,949 (every bar, repeats too, used its 8 nats:
        # issue 32). From there 1 nat per bar (warm start: `train --config tvae_16bar --init-from
        # models/tvae_16bar`), so a repeated bar pays for its code: 528 steps of it changed nothing
        # measurable (docs/MODELS.md, "Repeats and context transfer"); not shipped, checkpoint in the cache
        TrainConfig(batch_size=64, free_bits=16 * 1.0, beta=0.2, kl_anneal_steps=5000),
    ),
    # issue 32 trial: the same model under the full KL weight (beta 1, 0.5 nat free per bar), warm from the
    # 1-nat checkpoint, to make a repeated bar cheaper as a reference than as new content. Same ModelConfig
    # (name included) so it resumes tvae_16bar checkpoints: `train --config tvae_16bar_ref --work-dir DIR`
    "tvae_16bar_ref": NamedConfig(
        ModelConfig(name="tvae_16bar", architecture="tvae", n_bars=16, bar_z_dim=32, z_dim=512,
                    bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2, dec_hidden=256, dec_layers=2),
        TrainConfig(batch_size=64, free_bits=16 * 0.5, beta=1.0, kl_anneal_steps=5000),
    ),
    # --- melody over chords (issue 25; docs/MODELS.md "Melody over chords") ---------------------------------
    # mel_2bar over chords, in the chord-relative form (data/chord_melody_codec.py, melody_chords_rel): every
    # note read and written as its interval above the root of the chord at its step, the chords relative to
    # themselves. z holds the melody against its chords, so the same z over other chords plays the same chord
    # degrees. The encoder reads the notes only. The chord of every step (37 floats) is beside z at every
    # decoder step. Warm start from mel_2bar (condition columns zero):
    # `train --config mel_2bar_chords --init-from models/mel_2bar`; cache dir train/mel_2bar_chords_rel
    "mel_2bar_chords": NamedConfig(
        ModelConfig(name="mel_2bar_chords", representation="melody_chords_rel", n_bars=2, z_dim=256,
                    encoder="flat", enc_hidden=512, decoder="flat", dec_hidden=256, dec_layers=2, condition_dim=37),
        TrainConfig(batch_size=128, free_bits=256.0, beta=0.2, learning_rate=3e-4, kl_anneal_steps=1),
    ),
    # mel_16bar's layout in the same chord-relative form (the Transformer bar encoder reads notes only):
    # `train --config mel_16bar_chords --init-from models/mel_16bar`
    "mel_16bar_chords": NamedConfig(
        ModelConfig(name="mel_16bar_chords", representation="melody_chords_rel", n_bars=16, z_dim=512,
                    bar_z_dim=32, encoder="transformer", bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2,
                    decoder="hierarchical", conductor_hidden=256, conductor_layers=2, conductor_input="slots",
                    conductor_residual=True, dec_hidden=256, dec_layers=2, condition_dim=37),
        TrainConfig(batch_size=64, free_bits=512.0, beta=0.2, learning_rate=3e-4, kl_anneal_steps=1),
    ),
    # Earlier designs and trials, kept so their cached checkpoints resume (each with its --work-dir):
    # the absolute-pitch chord models shipped until 2026-11-30 (fourth session). The decoder reads the chords
    # beside z; the encoder (2 bars: reading the chords too) sees its own randomly moved copy of each window
    # (encoder_transpose), so z cannot say where the melody sits and the decoder must take the pitches from
    # the chords. They follow chords in samples but lose the melody: reconstruction 0.75 (2 bars).
    # Their first version (decoder-only chords) reconstructed 0.951 but ignored the chords (own z over
    # random chords: 0.25 chord tones, chance; its checkpoint: train/mel_2bar_chords_v1)
    "mel_2bar_chords_shift": NamedConfig(
        ModelConfig(name="mel_2bar_chords_shift", representation="melody_chords", n_bars=2, z_dim=256, encoder="flat",
                    enc_hidden=512, decoder="flat", dec_hidden=256, dec_layers=2, condition_dim=37,
                    encoder_condition=True),
        TrainConfig(batch_size=128, free_bits=256.0, beta=0.2, learning_rate=3e-4, kl_anneal_steps=1,
                    encoder_transpose=6),
    ),
    "mel_16bar_chords_shift": NamedConfig(
        ModelConfig(name="mel_16bar_chords_shift", representation="melody_chords", n_bars=16, z_dim=512, bar_z_dim=32,
                    encoder="transformer", bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2,
                    decoder="hierarchical", conductor_hidden=256, conductor_layers=2, conductor_input="slots",
                    conductor_residual=True, dec_hidden=256, dec_layers=2, condition_dim=37),
        TrainConfig(batch_size=64, free_bits=512.0, beta=0.2, learning_rate=3e-4, kl_anneal_steps=1,
                    encoder_transpose=6),
    ),
    # chord-relative trials (2026-11-30, fifth session; figures in docs/MODELS.md), each with --work-dir:
    # the encoder reading the chords too (train/mel_2bar_chords_rel_enc) ...
    "mel_2bar_chords_rel_enc": NamedConfig(
        ModelConfig(name="mel_2bar_chords_rel", representation="melody_chords_rel", n_bars=2, z_dim=256,
                    encoder="flat", enc_hidden=512, decoder="flat", dec_hidden=256, dec_layers=2, condition_dim=37,
                    encoder_condition=True),
        TrainConfig(batch_size=128, free_bits=256.0, beta=0.2, learning_rate=3e-4, kl_anneal_steps=1),
    ),
    # ... then 96 free nats instead of 256 (warm from it; train/mel_2bar_chords_rel_fb96) ...
    "mel_2bar_chords_rel_fb96": NamedConfig(
        ModelConfig(name="mel_2bar_chords_rel", representation="melody_chords_rel", n_bars=2, z_dim=256,
                    encoder="flat", enc_hidden=512, decoder="flat", dec_hidden=256, dec_layers=2, condition_dim=37,
                    encoder_condition=True),
        TrainConfig(batch_size=128, free_bits=96.0, beta=0.2, learning_rate=3e-4, kl_anneal_steps=1),
    ),
    # ... and mel_2bar_chords with half of the decoder's windows in the parallel mode (quality_flip; warm from
    # a mel_2bar_chords export; train/mel_2bar_chords_rel_flip)
    "mel_2bar_chords_rel_flip": NamedConfig(
        ModelConfig(name="mel_2bar_chords_rel", representation="melody_chords_rel", n_bars=2, z_dim=256,
                    encoder="flat", enc_hidden=512, decoder="flat", dec_hidden=256, dec_layers=2, condition_dim=37),
        TrainConfig(batch_size=128, free_bits=256.0, beta=0.2, learning_rate=3e-4, kl_anneal_steps=1,
                    quality_flip=0.5),
    ),
    # tiny configs: tests and smoke runs only
    "tiny_2bar": NamedConfig(
        ModelConfig(name="tiny_2bar", n_bars=2, embed_dim=8, z_dim=8, enc_hidden=16, dec_hidden=16,
                    dec_layers=1),
        TrainConfig(batch_size=8, free_bits=1.0, kl_anneal_steps=10),
    ),
    "tiny_4bar_hier": NamedConfig(
        ModelConfig(name="tiny_4bar_hier", n_bars=4, embed_dim=8, z_dim=8, encoder="hierarchical",
                    bar_enc_hidden=8, enc_hidden=8, decoder="hierarchical", conductor_hidden=8,
                    conductor_layers=1, dec_hidden=16, dec_layers=1),
        TrainConfig(batch_size=8, free_bits=1.0, kl_anneal_steps=10),
    ),
    "tiny_drums": NamedConfig(
        ModelConfig(name="tiny_drums", representation="drums", vocab=512, n_bars=2, embed_dim=8, z_dim=8,
                    enc_hidden=16, dec_hidden=16, dec_layers=1, aux_classes=9, velocity_bins=8),
        TrainConfig(batch_size=8, free_bits=1.0, kl_anneal_steps=10, transpose_range=0),
    ),
    "tiny_mel_chords": NamedConfig(
        ModelConfig(name="tiny_mel_chords", representation="melody_chords", n_bars=2, embed_dim=8, z_dim=8,
                    enc_hidden=16, dec_hidden=16, dec_layers=1, condition_dim=37),
        TrainConfig(batch_size=8, free_bits=1.0, kl_anneal_steps=10),
    ),
    "tiny_mel_chords_rel": NamedConfig(
        ModelConfig(name="tiny_mel_chords_rel", representation="melody_chords_rel", n_bars=2, embed_dim=8, z_dim=8,
                    enc_hidden=16, dec_hidden=16, dec_layers=1, condition_dim=37, encoder_condition=True),
        TrainConfig(batch_size=8, free_bits=1.0, kl_anneal_steps=10),
    ),
    "tiny_tvae": NamedConfig(
        ModelConfig(name="tiny_tvae", architecture="tvae", n_bars=4, bar_z_dim=4, z_dim=16, embed_dim=8,
                    bar_enc_hidden=8, d_model=16, n_heads=2, tf_layers=1, dec_hidden=16, dec_layers=1),
        TrainConfig(batch_size=8, free_bits=4.0, kl_anneal_steps=10),
    ),
}


def get_config(name: str) -> NamedConfig:
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"no config named {name!r}; known: {', '.join(CONFIGS)}") from None
