"""Bar-level Transformer VAE (Jiang, Xia, Carlton, Anderson, Miyakawa, ICASSP 2020).

Each bar (16 steps) -> a bidirectional GRU -> one vector; a Transformer encoder with a *causal* mask
runs over the bar vectors, so bar t's posterior N(mu_t, sigma_t) sees only bars 1..t. A second causal
Transformer over the z sequence gives each bar a context vector, from which the same bar-level LSTM
decoder as the hierarchical MusicVAE decodes the bar's 16 steps (all bars in one batch).

The flattened latent (bars in order) has the MusicVAE interface: ``encode`` gives [B, n_bars*bar_z],
``conductor(z)`` gives the per-bar conditioning [B, n_bars, d_model], so the fast decoder, the engine,
interpolation and sliders work unchanged; ``Engine.encode_bars`` exposes the per-bar view.
"""

from __future__ import annotations

import torch
from torch import nn

from .bar_encoder import BarEncoder, causal_mask, transformer_stack
from .config import ModelConfig
from .vae import LatentVAE, StepDecoder


class ZContext(nn.Module):
    """Per-bar latents [B, n_bars*bar_z] -> per-bar decoder conditioning [B, n_bars, d_model]
    (a causal Transformer over the z sequence)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.inp = nn.Linear(cfg.bar_z_dim, cfg.d_model)
        self.pos = nn.Parameter(torch.zeros(cfg.n_bars, cfg.d_model))
        self.tf = transformer_stack(cfg)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        b = z.shape[0]
        zs = z.reshape(b, self.cfg.n_bars, self.cfg.bar_z_dim)
        x = self.inp(zs) + self.pos
        return self.tf(x, mask=causal_mask(self.cfg.n_bars, z.device), is_causal=True)


class TransformerVAE(LatentVAE):
    per_bar_latents = True

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = BarEncoder(cfg)
        self.conductor = ZContext(cfg)
        self.decoder = StepDecoder(cfg.vocab, cfg.embed_dim, cfg.d_model, cfg.dec_hidden, cfg.dec_layers,
                                   cfg.aux_classes, cfg.velocity_bins, cfg.condition_dim)

    @property
    def decodes_by_bar(self) -> bool:
        return True

    def encode(self, tokens: torch.Tensor, condition: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        mu, sigma = self.encoder(tokens)
        return mu.flatten(1), sigma.flatten(1)

    def _bar_conds(self, z: torch.Tensor) -> torch.Tensor:
        return self.conductor(z).reshape(-1, self.cfg.d_model)
