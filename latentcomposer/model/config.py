"""Named model configurations (as magenta's CONFIG_MAP): architecture + training hyper-parameters.

A checkpoint stores the config it was built from (``config.json``); loading checks it against the
code's fields, so an incompatible checkpoint fails with a clear message.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from latentcomposer.core.errors import UserFacingError

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

    def __post_init__(self) -> None:
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
    "encoder": ("encoder", "embed_dim", "enc_hidden", "enc_layers", "bar_enc_hidden"),
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
    "mel_2bar": NamedConfig(
        ModelConfig(name="mel_2bar", n_bars=2, z_dim=256, encoder="flat", enc_hidden=512,
                    decoder="flat", dec_hidden=256, dec_layers=2),
        # free bits 48 (MusicVAE) held the KL at ~56 nats and sampled accuracy at 0.87 by step 8.2 k
        # (teacher-forced 0.955): 128 from step 8.2 k on, so z can carry more of the window (validation
        # sampled 0.874 -> 0.908 in 20 minutes, KL again just under the budget); 256 from step 9.7 k on
        # (0.926 after 10 minutes, teacher-forced 0.979). Scheduled sampling from there (linear ramp to
        # 0.5 over 1.5 k steps) lowered validation to 0.916 in 20 minutes and was dropped; instead the
        # 10.4 k-step weights continue with free bits 512 (validation 0.935, 0.946, 0.948 at the 10-minute
        # checks; test 0.9498 at 12.7 k, KL 494 again just under the budget); 768 from step 13.0 k on
        TrainConfig(batch_size=128, free_bits=768.0, beta=0.2),
    ),
    "mel_16bar": NamedConfig(
        # MusicVAE's hierarchical decoder (conductor LSTM -> bar LSTM), but a Transformer bar encoder
        # with z read as one slot per bar: with MusicVAE's LSTM encoders the decoder ignored z for 5 k
        # steps (all-rest decodes); this learns as fast as the TVAE (ablation in docs/MODELS.md)
        ModelConfig(name="mel_16bar", n_bars=16, z_dim=512, bar_z_dim=32, encoder="transformer",
                    bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2, decoder="hierarchical",
                    conductor_hidden=256, conductor_layers=2, conductor_input="slots", conductor_residual=True,
                    dec_hidden=256, dec_layers=2),
        TrainConfig(batch_size=64, free_bits=512.0, beta=0.2, kl_anneal_steps=5000),
    ),
    "mel_16bar_flat": NamedConfig(
        # the baseline for what the hierarchy buys (MusicVAE Table 1): mel_16bar's encoder and z, a flat
        # decoder (one LSTM over all 256 steps, z concatenated to every input) of the same size
        ModelConfig(name="mel_16bar_flat", n_bars=16, z_dim=512, bar_z_dim=32, encoder="transformer",
                    bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2, decoder="flat", dec_hidden=256,
                    dec_layers=2),
        TrainConfig(batch_size=64, free_bits=512.0, beta=0.2, kl_anneal_steps=5000),
    ),
    "drums_2bar": NamedConfig(
        # drums_16bar's architecture at 2 bars (Transformer bar encoder, z as one 128-dim slot per bar, a
        # conductor fed each slot, bar LSTM): at equal wall time on one core it beat MusicVAE's flat
        # BiLSTM/LSTM (drums_2bar_flat) by far -- validation sampled 0.653/0.735/0.770 after 10/20/30
        # minutes, against 0.644 for the flat model after 2 h (docs/MODELS.md). Free bits 160 to step
        # 7.39 k (validation 0.800, KL just under the budget, +0.009 in the last 10 minutes): 256 from there
        # (0.818 after 10 minutes, then flat at 0.817 with training at 0.98 teacher-forced against 0.92):
        # from step 10.9 k half the windows get their toms permuted and 30 % lose their ghost notes
        # (0.836, 0.841, 0.849 after 10/20/30 minutes, KL again just under the budget); free bits 384
        # from step 16.0 k (0.855, 0.857: +0.0015 in the last 10 minutes). Tried from step 19.4 k: word
        # dropout 0.25 (previous-step inputs replaced by the start token): 0.813 / 0.827 / 0.834 after
        # 10 / 20 / 30 minutes, dropped (cache train/drums_2bar_wd_trial). From the 19.1 k weights (fresh
        # optimizer): dropout 0.2 on the decoder LSTM's inputs and outputs: 0.836, 0.841, 0.850, 0.852,
        # 0.856, 0.857 after 10-60 minutes (step 27.9 k; the same as without, but velocity 0.380 against
        # 0.371 and timing 0.142 against 0.146; cache train/drums_2bar_dd_28k); free bits 512 from 28.2 k
        # (0.862, 0.867, 0.869, 0.868 after 10-40 minutes, KL at the budget; cache train/drums_2bar_fb512):
        # free bits 768 from step 34.35 k (0.870, 0.872, 0.873, 0.875: shipped at 40.2 k, test 0.879); continued in the
        # cache: 0.8750, 0.8763 to ~43 k (lr 2.5e-5, near its 1e-5 floor; test 0.8783 at 43.9 k, the same
        # as shipped, so not shipped). Tried in the cache, neither shipped: free bits 1024 with the lr floor
        # raised to 4e-5 from 46.9 k (0.8739, 0.8737; KL 826 -> 875, cache train/drums_2bar_fb1024_49k);
        # then parallel scheduled sampling (rate 0.2 after
        # a 500-step ramp) from 49.8 k: 0.8718, 0.8676 (teacher-forced 0.945, 0.943): dropped, as for
        # mel_2bar (cache train/drums_2bar_ss_trial); from the 49.8 k state, decoder dropout 0.3: 0.8753,
        # 0.8745 (velocity 0.383, timing 0.141: the best humanize figures yet). The settings below
        # are those of cache train/drums_2bar (53.2 k), so that a resume continues it
        ModelConfig(name="drums_2bar", representation="drums", vocab=512, n_bars=2, z_dim=256, bar_z_dim=128,
                    encoder="transformer", bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2,
                    decoder="hierarchical", conductor_hidden=256, conductor_layers=2, conductor_input="slots",
                    conductor_residual=True, dec_hidden=256, dec_layers=2, aux_classes=9, velocity_bins=8),
        TrainConfig(batch_size=128, free_bits=1024.0, beta=0.2, transpose_range=0, hop_steps=4, kit_swap=0.5,
                    tom_shuffle=0.5, ghost_drop=0.3, dec_dropout=0.3, min_learning_rate=4e-5),
    ),
    "drums_2bar_flat": NamedConfig(
        # MusicVAE's flat 2-bar drum model (BiLSTM encoder, LSTM decoder): shipped as drums_2bar until
        # 2026-11-24, when drums_2bar took drums_16bar's architecture (0.644 -> 0.800 validation)
        ModelConfig(name="drums_2bar_flat", representation="drums", vocab=512, n_bars=2, z_dim=256, encoder="flat",
                    enc_hidden=512, decoder="flat", dec_hidden=256, dec_layers=2, aux_classes=9,
                    velocity_bins=8),
        # free bits 48 (MusicVAE) held the KL at ~60 nats and validation at 0.69 by step 2.9 k: GMD's
        # dense performances need more information per window; 160 from step 2.9 k on
        # and from step 4.07 k: validation trailed training by 0.13 (16.5 k windows overfit), so windows
        # start every beat and half of them swap hi-hat and ride. Tried from 8.3 k: free bits 512 (the lever
        # that took mel_2bar to its target): KL 150 -> 455, training accuracy 0.81 -> 0.89, validation
        # unchanged (0.761 / 0.644 after 10 minutes) -- more room in z only memorises the training takes
        # here, so 160 stays (trial checkpoint: drums_2bar_fb512_trial in the cache); weights in git history
        # (commit fb4ba85, models/drums_2bar)
        TrainConfig(batch_size=128, free_bits=160.0, beta=0.2, transpose_range=0, hop_steps=4, kit_swap=0.5),
    ),
    "drums_16bar": NamedConfig(
        # drums_16bar_narrow (below) with a 64-dim z slot per bar (z 1024) and ~190 nats a bar, as drums_2bar
        # has per bar; with the full augmentation from the start. Validation sampled 0.492 / 0.549 / 0.595
        # after 10 / 20 / 30 minutes (1.18 k steps; the narrow model had 0.495 / 0.535 / 0.578)
        ModelConfig(name="drums_16bar", representation="drums", vocab=512, n_bars=16, z_dim=1024,
                    bar_z_dim=64, encoder="transformer", bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2,
                    decoder="hierarchical", conductor_hidden=256, conductor_layers=2, conductor_input="slots",
                    conductor_residual=True, dec_hidden=256, dec_layers=2, aux_classes=9, velocity_bins=8),
        # decoder dropout 0.2 (drums_16bar's later recipe) from step 1.55 k: 0.681 at 1.9 k steps (50 min),
        # where the narrow model had 0.644 (1.86 k steps, 52 min; free bits 1024 then, augmentation not
        # yet); then 0.715, 0.734, 0.754, 0.772, 0.789, 0.786, 0.809, 0.816 to 4.5 k steps (2.2 h): past the
        # narrow model's best (0.808 after 21.5 k steps, 9.8 h) -- shipped as drums_16bar (2026-11-25)
        TrainConfig(batch_size=64, free_bits=3072.0, beta=0.2, transpose_range=0, hop_steps=4, kit_swap=0.5,
                    tom_shuffle=0.5, ghost_drop=0.3, dec_dropout=0.2),
    ),
    "drums_16bar_narrow": NamedConfig(
        # shipped as drums_16bar until 2026-11-25 (weights in git history, commit 4ceab23), when drums_16bar
        # took the wider z slot (64 dims a bar) below. mel_16bar's architecture (Transformer bar encoder,
        # z as one 32-dim slot per bar, conductor LSTM fed each bar's slot): MusicVAE's LSTM encoders left
        # the 16-bar decoder ignoring z (docs/MODELS.md)
        ModelConfig(name="drums_16bar_narrow", representation="drums", vocab=512, n_bars=16, z_dim=512, bar_z_dim=32,
                    encoder="transformer", bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2,
                    decoder="hierarchical", conductor_hidden=256, conductor_layers=2, conductor_input="slots",
                    conductor_residual=True, dec_hidden=256, dec_layers=2, aux_classes=9, velocity_bins=8),
        # free bits 512 (MusicVAE's 16-bar budget, 32 nats a bar) until step 1.5 k, where the KL was
        # already ~720 with beta only at 0.06 of its 0.2: dense GMD bars need more (drums_2bar uses
        # 80 nats a bar), 1024 from there; at 4.5 k the KL sat just under 1024 (validation 0.738, +0.002
        # per 10 minutes): 1536 (96 nats a bar) from there (0.7435, 0.7453, 0.7506 after 10/20/30 minutes);
        # from step 6.79 k drums_2bar's augmentation (toms permuted in half the windows, ghost notes
        # dropped in 30 %: +0.018 for drums_2bar in its first 10 minutes): 0.7457, 0.7622, 0.7636, 0.7656
        # (shipped at 8.38 k), then 0.7633, 0.7708, 0.7770, 0.7723 to step 9.99 k with the KL at the
        # budget; free bits 2048 (128 nats a bar) from there: 0.7731, 0.7790, 0.7772, 0.7820, 0.7785,
        # 0.7864, 0.7872 to step 12.6 k with training at 0.987 teacher-forced against 0.91 (overfitting;
        # cache train/drums_16bar_fb2048_12k): decoder dropout 0.2 from there: 0.7523, 0.7602, 0.7671
        # (recovering from the dip); with drums_2bar's dropout + more free bits result (0.857 -> 0.862 in
        # 10 minutes) free bits 2560 (160 nats a bar) from step 13.9 k: 0.7770, 0.7795, 0.7850, 0.7840,
        # 0.7889, 0.7897, 0.7941 (shipped at 16.5 k, test 0.748); continued in the cache: 0.7958, 0.7962,
        # 0.7962, 0.7997 to 18.0 k; free bits 3072 from there: 0.8006, 0.7982, 0.8014, 0.8037, 0.8005, 0.8038,
        # 0.8069, 0.8046, 0.8081 (shipped at 21.5 k, test 0.759), 0.8057, 0.8062, 0.8071 to 22.7 k (a plateau;
        # a fork with free bits 4096 from 20.9 k: 0.8027, 0.8075, 0.8052, 0.8051, 0.8066, cache
        # train/drums_16bar_fb4096); cache of this run: train/drums_16bar_narrow
        TrainConfig(batch_size=64, free_bits=3072.0, beta=0.2, transpose_range=0, hop_steps=4, kit_swap=0.5,
                    tom_shuffle=0.5, ghost_drop=0.3, dec_dropout=0.2),
    ),
    "tvae_16bar": NamedConfig(
        ModelConfig(name="tvae_16bar", architecture="tvae", n_bars=16, bar_z_dim=32, z_dim=512,
                    bar_enc_hidden=128, d_model=256, n_heads=4, tf_layers=2, dec_hidden=256, dec_layers=2),
        TrainConfig(batch_size=64, free_bits=16 * 8.0, beta=0.2, kl_anneal_steps=5000),
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
