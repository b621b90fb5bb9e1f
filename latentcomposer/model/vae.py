"""MusicVAE (Roberts et al. 2018): BiLSTM encoder -> z -> flat or hierarchical LSTM decoder.

Training uses whole-sequence ``nn.LSTM`` calls (teacher forcing). Every step-by-step loop (sampling,
evaluation, beam search, the engine's fast decoder, scheduled sampling) steps the same weights folded
once by :class:`~.kernel.FoldedStack` (model/kernel.py).

Conditioning: a model whose config has ``condition_dim > 0`` reads a per-step condition [B, T, Cs]
(e.g. the chord at each step) in its decoder, concatenated to every step's input beside z's
conditioning vector; the codec says where a clip's condition comes from.

Shapes: tokens are int64 ``[B, T]`` with ``T = n_bars * steps_per_bar``; the decoder's first input at
the start of every decoded sequence (the whole window for the flat decoder, every bar for the
hierarchical one) is a START token (index ``vocab``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .bar_encoder import BarEncoder
from .config import ModelConfig
from .kernel import FoldedStack, read_aux

if TYPE_CHECKING:
    import numpy as np

    from .evaluate import EvalResult
    from .fastdecode import FastDecoder


class Encoder(nn.Module):
    """tokens [B, T] -> (mu, sigma) [B, z]. Flat: one BiLSTM over T steps. Hierarchical: a BiLSTM per
    bar (bars batched), then a BiLSTM over the bar vectors. (The transformer encoder is BarEncoder.)"""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab + 1, cfg.embed_dim)
        if cfg.encoder == "flat":
            width = cfg.embed_dim + (cfg.condition_dim if cfg.encoder_condition else 0)
            self.rnn = nn.LSTM(width, cfg.enc_hidden, cfg.enc_layers, batch_first=True, bidirectional=True)
        else:
            self.bar_rnn = nn.LSTM(cfg.embed_dim, cfg.bar_enc_hidden, 1, batch_first=True, bidirectional=True)
            self.rnn = nn.LSTM(2 * cfg.bar_enc_hidden, cfg.enc_hidden, cfg.enc_layers, batch_first=True,
                               bidirectional=True)
        self.to_mu = nn.Linear(2 * cfg.enc_hidden, cfg.z_dim)
        self.to_sigma = nn.Linear(2 * cfg.enc_hidden, cfg.z_dim)

    @staticmethod
    def _final(h: torch.Tensor) -> torch.Tensor:
        # h: [layers*2, B, H] -> last layer's forward and backward final states [B, 2H]
        return torch.cat([h[-2], h[-1]], dim=-1)

    def forward(self, tokens: torch.Tensor, condition: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """``condition`` [B, T, condition_dim]: read when the config's ``encoder_condition`` is set
        (None: zeros, "no condition given"); ignored otherwise."""
        x = self.embed(tokens)
        if self.cfg.encoder_condition:
            c = condition if condition is not None else x.new_zeros(*x.shape[:2], self.cfg.condition_dim)
            x = torch.cat([x, c.to(x.dtype)], dim=-1)
        if self.cfg.encoder == "flat":
            _, (h, _) = self.rnn(x)
        else:
            b = x.shape[0]
            bars = x.reshape(b * self.cfg.n_bars, self.cfg.steps_per_bar, -1)
            _, (hb, _) = self.bar_rnn(bars)
            bar_vecs = self._final(hb).reshape(b, self.cfg.n_bars, -1)
            _, (h, _) = self.rnn(bar_vecs)
        feat = self._final(h)
        mu = self.to_mu(feat)
        sigma = F.softplus(self.to_sigma(feat)) + 1e-4
        return mu, sigma


class StepDecoder(nn.Module):
    """An LSTM that decodes a token sequence from a conditioning vector ``cond``: ``cond`` sets the
    initial state (through a tanh layer) and is concatenated to every input (MusicVAE)."""

    def __init__(self, vocab: int, embed_dim: int, cond_dim: int, hidden: int, layers: int,
                 aux_classes: int = 0, velocity_bins: int = 0, step_cond_dim: int = 0) -> None:
        super().__init__()
        self.vocab, self.hidden, self.layers = vocab, hidden, layers
        self.cond_dim, self.step_cond_dim = cond_dim, step_cond_dim
        self.aux_classes, self.velocity_bins = aux_classes, velocity_bins
        self.embed = nn.Embedding(vocab + 1, embed_dim)  # + START
        self.init = nn.Linear(cond_dim, 2 * hidden * layers)
        # each step's input: [previous token's embedding, cond, the step's condition (if any)]
        self.rnn = nn.LSTM(embed_dim + cond_dim + step_cond_dim, hidden, layers, batch_first=True)
        self.out = nn.Linear(hidden, vocab)
        # drums: velocity-bin logits and a microtiming offset per class, read from the same state
        self.aux = nn.Linear(hidden, aux_classes * (velocity_bins + 1)) if aux_classes else None

    def aux_outputs(self, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """hidden [..., H] -> (velocity logits [..., C, bins], offsets [..., C] in [-0.5, 0.5])."""
        assert self.aux is not None
        a = self.aux(hidden).reshape(*hidden.shape[:-1], self.aux_classes, self.velocity_bins + 1)
        return a[..., :-1], 0.5 * torch.tanh(a[..., -1])

    def initial_state(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s = torch.tanh(self.init(cond)).reshape(cond.shape[0], 2, self.layers, self.hidden)
        return s[:, 0].transpose(0, 1).contiguous(), s[:, 1].transpose(0, 1).contiguous()

    def forward(self, cond: torch.Tensor, targets: torch.Tensor, step_cond: torch.Tensor | None = None
                ) -> torch.Tensor:
        """Teacher-forced logits [B, T, vocab] for ``targets`` [B, T]."""
        return self.forward_hidden(cond, targets, step_cond=step_cond)[0]

    def _inputs(self, emb: torch.Tensor, cond: torch.Tensor, step_cond: torch.Tensor | None) -> torch.Tensor:
        b, t = emb.shape[:2]
        parts = [emb, cond.unsqueeze(1).expand(b, t, cond.shape[-1])]
        if self.step_cond_dim:
            parts.append(step_cond if step_cond is not None else emb.new_zeros(b, t, self.step_cond_dim))
        return torch.cat(parts, dim=-1)

    def forward_hidden(self, cond: torch.Tensor, targets: torch.Tensor, input_dropout: float = 0.0,
                       generator: torch.Generator | None = None, dropout: float = 0.0,
                       step_cond: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits [B, T, vocab], top-layer states [B, T, H]), teacher-forced. ``input_dropout``
        (training): each previous-token input is replaced by the start token with this probability
        (word dropout, Bowman et al. 2016), so the decoder has to lean on z instead of copying.
        ``dropout`` (training): standard dropout on the LSTM's inputs and on its top-layer states
        (Zaremba et al. 2014: on the non-recurrent connections only)."""
        b, t = targets.shape
        start = torch.full((b, 1), self.vocab, dtype=targets.dtype, device=targets.device)
        inputs = torch.cat([start, targets[:, :-1]], dim=1)
        if input_dropout > 0:
            drop = torch.rand(inputs.shape, device=inputs.device, generator=generator) < input_dropout
            inputs = torch.where(drop, torch.full_like(inputs, self.vocab), inputs)
        x = self._inputs(self.embed(inputs), cond, step_cond)
        if dropout > 0:
            x = F.dropout(x, dropout, training=True)
        y, _ = self.rnn(x, self.initial_state(cond))
        if dropout > 0:
            y = F.dropout(y, dropout, training=True)
        return self.out(y), y

    def forward_sampled(self, cond: torch.Tensor, targets: torch.Tensor, rate: float,
                        generator: torch.Generator | None = None, step_cond: torch.Tensor | None = None
                        ) -> torch.Tensor:
        """Scheduled sampling: at each step feed the model's own sample with probability ``rate``."""
        b, t = targets.shape
        stack = FoldedStack(self, detach=False)
        hs, cs = stack.initial_state(cond)
        proj = stack.input_proj(cond, self._step_cond(step_cond, b, t, cond))
        prev = torch.full((b,), self.vocab, dtype=torch.long, device=cond.device)
        logits_all = []
        for step in range(t):
            logits = stack.logits(stack.step(prev, proj[step] if proj.ndim == 3 else proj, hs, cs))
            logits_all.append(logits)
            with torch.no_grad():
                sampled = torch.multinomial(F.softmax(logits, -1), 1, generator=generator).squeeze(1)
                use = torch.rand(b, device=cond.device, generator=generator) < rate
            prev = torch.where(use, sampled, targets[:, step])
        return torch.stack(logits_all, dim=1)

    def _step_cond(self, step_cond: torch.Tensor | None, b: int, t: int, cond: torch.Tensor
                   ) -> torch.Tensor | None:
        if not self.step_cond_dim:
            return None
        return step_cond if step_cond is not None else cond.new_zeros(b, t, self.step_cond_dim)

    @torch.no_grad()
    def generate(self, cond: torch.Tensor, n_steps: int, temperature: float = 0.0,
                 generator: torch.Generator | None = None, step_cond: torch.Tensor | None = None) -> torch.Tensor:
        """Autoregressive decoding: greedy when ``temperature == 0``, else sampling. [B, n_steps]."""
        stack = FoldedStack(self)
        return stack.run(cond, n_steps, temperature, generator,
                         step_cond=self._step_cond(step_cond, cond.shape[0], n_steps, cond))


class Conductor(nn.Module):
    """z -> one embedding per bar: an LSTM whose state z initialises (MusicVAE). Its inputs are zeros
    (``inputs="zeros"``, MusicVAE) or, with ``"slots"``, bar i's input is a projection of z's slot i
    (z read as n_bars slots); ``residual`` adds a linear skip from each bar's input to its output."""

    def __init__(self, z_dim: int, hidden: int, layers: int, n_bars: int, inputs: str = "zeros",
                 residual: bool = False) -> None:
        super().__init__()
        self.hidden, self.layers, self.n_bars, self.inputs = hidden, layers, n_bars, inputs
        self.init = nn.Linear(z_dim, 2 * hidden * layers)
        in_dim = 1 if inputs == "zeros" else hidden
        if inputs == "slots":  # one projection shared by all bars
            self.slot_in = nn.Linear(z_dim // n_bars, in_dim)
        self.rnn = nn.LSTM(in_dim, hidden, layers, batch_first=True)
        # residual: each bar's embedding is the LSTM's output plus a linear map of the bar's input
        self.skip = nn.Linear(in_dim, hidden) if residual else None

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        b = z.shape[0]
        s = torch.tanh(self.init(z)).reshape(b, 2, self.layers, self.hidden)
        h0, c0 = s[:, 0].transpose(0, 1).contiguous(), s[:, 1].transpose(0, 1).contiguous()
        if self.inputs == "zeros":
            x = torch.zeros(b, self.n_bars, 1, device=z.device, dtype=z.dtype)
        else:
            x = self.slot_in(z.reshape(b, self.n_bars, -1))
        y, _ = self.rnn(x, (h0, c0))
        if self.skip is not None:
            y = y + self.skip(x)
        return y  # [B, n_bars, hidden]


@dataclass
class DecodePlan:
    """What the step loops decode from z: ``rows`` sequences of ``steps`` steps each (one per window,
    or one per bar for bar-wise decoders), each from a conditioning vector ``cond`` [rows, C] and, for
    conditioned models, a per-step condition ``step_cond`` [rows, steps, Cs]."""

    cond: torch.Tensor
    steps: int
    step_cond: torch.Tensor | None = None

    @property
    def rows(self) -> int:
        return self.cond.shape[0]


class LatentVAE(nn.Module):
    """What every architecture shares: an encoder to (mu, sigma), and a StepDecoder driven either by z
    for the whole window or, bar by bar, by per-bar conditioning vectors from ``_bar_conds`` (all bars
    decoded as one batch) -- see :meth:`decode_plan`. ``condition`` (conditioned models): the per-step
    condition [B, T, condition_dim] of each window; None means none (zeros)."""

    cfg: ModelConfig
    decoder: StepDecoder
    encoder: nn.Module
    # z is one slot of bar_z_dim dims per bar, and the engine's per-bar tools (Bars tab, context
    # transfer, re-sampling a bar) edit those slots
    per_bar_latents: ClassVar[bool] = False
    supports_search: ClassVar[bool] = True  # beam search + encoder reranking (model/search.py)

    @property
    def dynamics_heads(self) -> bool:
        """Velocity and microtiming heads (the drum models): they can humanize a given part."""
        return self.decoder.aux is not None

    def runtime(self, device: torch.device) -> FastDecoder:
        """The fast inference decoder (folded weights, NumPy loop on the CPU): model/fastdecode.py."""
        from .fastdecode import FastDecoder

        return FastDecoder(self, device)

    def search_decode_full(self, z: torch.Tensor, beam: int, condition: torch.Tensor | None = None
                           ) -> tuple[torch.Tensor, dict[str, torch.Tensor] | None]:
        from .search import search_decode_full

        return search_decode_full(self, z, beam, condition=condition)

    def evaluate(self, windows: np.ndarray, device: torch.device | str = "cpu",
                 aux: dict[str, np.ndarray] | None = None, search_beam: int = 0) -> EvalResult:
        """MusicVAE's figures on token windows (model/evaluate.py)."""
        from .evaluate import evaluate_windows

        return evaluate_windows(self, windows, device=device, aux=aux, search_beam=search_beam)

    @torch.no_grad()
    def predict_dynamics(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """GrooVAE's humanize: the velocity bins and offsets the heads predict along the given tokens
        (the decoder forced along them from the tokens' own posterior mean)."""
        mu, _ = self.encode(x, condition)
        _, hidden = self.decode_hidden(mu, x, condition=condition)
        heads = read_aux(self.decoder, hidden)
        assert heads is not None, "predict_dynamics needs velocity/timing heads"
        return heads

    @property
    def decodes_by_bar(self) -> bool:
        raise NotImplementedError

    @property
    def kl_groups(self) -> int:
        """Free bits apply per group of latent dims: per bar for per-bar latents, else per window."""
        return self.cfg.n_bars if self.per_bar_latents else 1

    @property
    def condition_dim(self) -> int:
        """Width of the per-step condition the decoder reads (0: an unconditioned model)."""
        return self.decoder.step_cond_dim

    def encode(self, tokens: torch.Tensor, condition: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def _bar_conds(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def decode_plan(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> DecodePlan:
        """The decoded sequences for z [B, z_dim] (and the windows' condition [B, T, Cs])."""
        b = z.shape[0]
        if self.decodes_by_bar:
            step_cond = None
            if condition is not None and self.condition_dim:
                step_cond = condition.reshape(b * self.cfg.n_bars, self.cfg.steps_per_bar, -1)
            return DecodePlan(self._bar_conds(z), self.cfg.steps_per_bar, step_cond)
        return DecodePlan(z, self.cfg.n_steps, condition if self.condition_dim else None)

    def _targets(self, plan: DecodePlan, targets: torch.Tensor) -> torch.Tensor:
        return targets.reshape(plan.rows, plan.steps)

    def decode_logits(self, z: torch.Tensor, targets: torch.Tensor, sampling_rate: float = 0.0,
                      generator: torch.Generator | None = None, condition: torch.Tensor | None = None
                      ) -> torch.Tensor:
        """Teacher-forced (or scheduled-sampling) logits [B, T, vocab]."""
        b, t = targets.shape
        plan = self.decode_plan(z, condition)
        tg = self._targets(plan, targets)
        if sampling_rate > 0:
            logits = self.decoder.forward_sampled(plan.cond, tg, sampling_rate, generator, plan.step_cond)
        else:
            logits = self.decoder(plan.cond, tg, plan.step_cond)
        return logits.reshape(b, t, -1)

    @torch.no_grad()
    def sampled_inputs(self, z: torch.Tensor, targets: torch.Tensor, rate: float,
                       generator: torch.Generator | None = None, condition: torch.Tensor | None = None
                       ) -> torch.Tensor:
        """Parallel scheduled sampling (Duckworth et al. 2019): a teacher-forced pass draws a token at
        every step, and each target is replaced by that draw with probability ``rate``. Passed as the
        ``targets`` of a second (training) pass, the draws become that pass's previous-token inputs, so
        the decoder learns to continue from its own mistakes -- at the cost of one extra forward pass
        instead of a step-by-step loop. The loss stays on the real targets."""
        if rate <= 0:
            return targets
        logits = self.decode_logits(z, targets, condition=condition)
        probs = F.softmax(logits.reshape(-1, logits.shape[-1]).float(), -1)
        drawn = torch.multinomial(probs, 1, generator=generator).reshape(targets.shape)
        use = torch.rand(targets.shape, device=targets.device, generator=generator) < rate
        return torch.where(use, drawn.to(targets.dtype), targets)

    def decode_hidden(self, z: torch.Tensor, targets: torch.Tensor, input_dropout: float = 0.0,
                      generator: torch.Generator | None = None, dropout: float = 0.0,
                      condition: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced (logits [B, T, V], decoder states [B, T, H]) -- states feed the aux heads.
        ``input_dropout``, ``dropout``: see :meth:`StepDecoder.forward_hidden` (training only)."""
        b, t = targets.shape
        plan = self.decode_plan(z, condition)
        logits, y = self.decoder.forward_hidden(plan.cond, self._targets(plan, targets), input_dropout, generator,
                                                dropout, plan.step_cond)
        return logits.reshape(b, t, -1), y.reshape(b, t, -1)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None,
                 condition: torch.Tensor | None = None) -> torch.Tensor:
        """Tokens [B, T] decoded from z (all bars of the hierarchical decoder as one batch)."""
        plan = self.decode_plan(z, condition)
        toks = self.decoder.generate(plan.cond, plan.steps, temperature, generator, plan.step_cond)
        return toks.reshape(z.shape[0], self.cfg.n_steps)

    def forward(self, tokens: torch.Tensor, sampling_rate: float = 0.0,
                generator: torch.Generator | None = None, condition: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(logits [B, T, V], mu, sigma) with z sampled by the reparameterisation trick."""
        mu, sigma = self.encode(tokens, condition)
        eps = torch.randn(mu.shape, device=mu.device, dtype=mu.dtype, generator=generator)
        z = mu + sigma * eps
        return self.decode_logits(z, tokens, sampling_rate, generator, condition), mu, sigma


class MusicVAE(LatentVAE):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder: nn.Module = BarEncoder(cfg, causal=False) if cfg.encoder == "transformer" else Encoder(cfg)
        if cfg.decoder == "hierarchical":
            self.conductor = Conductor(cfg.z_dim, cfg.conductor_hidden, cfg.conductor_layers, cfg.n_bars,
                                       cfg.conductor_input, cfg.conductor_residual)
            cond_dim = cfg.conductor_hidden
        else:
            cond_dim = cfg.z_dim
        self.decoder = StepDecoder(cfg.vocab, cfg.embed_dim, cond_dim, cfg.dec_hidden, cfg.dec_layers,
                                   cfg.aux_classes, cfg.velocity_bins, cfg.condition_dim)

    # --- pieces ---------------------------------------------------------------------------
    @property
    def decodes_by_bar(self) -> bool:
        return self.cfg.decoder == "hierarchical"

    def encode(self, tokens: torch.Tensor, condition: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """The decoder reads the condition; the encoder too when the config says ``encoder_condition``
        (so z can keep the melody relative to its chords)."""
        mu, sigma = self.encoder(tokens, condition) if self.cfg.encoder_condition else self.encoder(tokens)
        return mu.flatten(1), sigma.flatten(1)  # the transformer encoder gives [B, n_bars, bar_z]

    def _bar_conds(self, z: torch.Tensor) -> torch.Tensor:
        return self.conductor(z).reshape(-1, self.cfg.conductor_hidden)  # [B*n_bars, C]


def kl_divergence(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma) || N(0, 1)) per example, summed over z dims, in nats. [B]"""
    return 0.5 * (mu.pow(2) + sigma.pow(2) - 1.0 - 2.0 * torch.log(sigma)).sum(-1)


def token_hits(tokens: torch.Tensor, classes: int) -> torch.Tensor:
    """Drum tokens [...] -> which classes hit, bool [..., classes] (bit k of a token = class k)."""
    return ((tokens.unsqueeze(-1) >> torch.arange(classes, device=tokens.device)) & 1).bool()


def aux_loss(decoder: StepDecoder, hidden: torch.Tensor, tokens: torch.Tensor, velocity: torch.Tensor,
             offset: torch.Tensor, offset_weight: float = 10.0) -> dict[str, torch.Tensor]:
    """Drums: velocity-bin cross-entropy and offset squared error on the steps/classes that hit,
    summed over the window, averaged over the batch."""
    vel_logits, off_pred = decoder.aux_outputs(hidden)  # [B, T, C, bins], [B, T, C]
    hits = token_hits(tokens, decoder.aux_classes).float()
    ce = F.cross_entropy(vel_logits.reshape(-1, vel_logits.shape[-1]), velocity.reshape(-1),
                         reduction="none").reshape(hits.shape)
    se = (off_pred - offset).pow(2)
    b = tokens.shape[0]
    n_hits = hits.sum().clamp(min=1.0)
    vel_acc = ((vel_logits.argmax(-1) == velocity).float() * hits).sum() / n_hits
    return {"velocity_loss": (ce * hits).sum() / b, "offset_loss": offset_weight * (se * hits).sum() / b,
            "velocity_accuracy": vel_acc, "offset_mae": ((off_pred - offset).abs() * hits).sum() / n_hits}


def vae_loss(logits: torch.Tensor, targets: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor,
             beta: float, free_bits: float, groups: int = 1) -> dict[str, torch.Tensor]:
    """MusicVAE's loss: reconstruction (summed over steps) + beta * max(KL - free_bits, 0).

    With ``groups > 1`` (the TVAE's bars) the latent dims split into equal groups and each group gets
    ``free_bits / groups`` nats free: sum_g max(KL_g - free_bits/groups, 0)."""
    recon = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                            reduction="none").reshape(targets.shape).sum(-1)
    kl = kl_divergence(mu, sigma)
    if groups > 1:
        b = mu.shape[0]
        kl_g = kl_divergence(mu.reshape(b, groups, -1), sigma.reshape(b, groups, -1))
        kl_cost = torch.clamp(kl_g - free_bits / groups, min=0.0).sum(-1)
    else:
        kl_cost = torch.clamp(kl - free_bits, min=0.0)
    loss = (recon + beta * kl_cost).mean()
    acc = (logits.argmax(-1) == targets).float().mean()
    return {"loss": loss, "recon": recon.mean(), "kl": kl.mean(), "accuracy": acc,
            "bits_per_step": recon.mean() / (targets.shape[1] * math.log(2))}
