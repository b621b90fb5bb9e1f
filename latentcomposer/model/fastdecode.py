"""Fast step-by-step inference for the MusicVAE decoders (the live-slider path).

Levers (each measured in benchmarks/decode_latency.py, see docs/BENCHMARKS.md):
- token embedding folded into the first layer's input weights: a [V+1, 4H] lookup table (with both
  biases) replaces embedding + matmul each step;
- the conditioning vector's share of the first layer's input projection is computed once per
  sequence, not once per step;
- the next layers' input and recurrent matmuls fused into one ``[x, h] @ W`` per layer;
- all bars of the hierarchical decoder decoded as one batch (they are independent given the conductor);
- sampling by the Gumbel-max trick with all noise drawn up front from the seeded generator;
- ``torch.inference_mode`` and preallocated outputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from .vae import StepDecoder

if TYPE_CHECKING:
    from .checkpoint import VAEModel


class _FastStack:
    """Folded weights of a StepDecoder (or any LSTM stack fed by a token table)."""

    def __init__(self, dec: StepDecoder) -> None:
        rnn = dec.rnn
        e = dec.embed.weight.shape[1]
        w = {name: param.detach() for name, param in rnn.named_parameters()}
        w_ih0 = w["weight_ih_l0"]
        b0 = w["bias_ih_l0"] + w["bias_hh_l0"]
        self.vocab = dec.vocab
        self.hidden = dec.hidden
        self.layers = dec.layers
        self.token_table = (dec.embed.weight.detach() @ w_ih0[:, :e].t() + b0).contiguous()  # [V+1, 4H]
        self.w_cond = w_ih0[:, e:].t().contiguous()  # [C, 4H]
        self.w_hh0 = w["weight_hh_l0"].t().contiguous()  # [H, 4H]
        self.w_cat: list[torch.Tensor] = []
        self.b: list[torch.Tensor] = []
        for layer in range(1, rnn.num_layers):
            w_cat = torch.cat([w[f"weight_ih_l{layer}"], w[f"weight_hh_l{layer}"]], dim=1)
            self.w_cat.append(w_cat.t().contiguous())  # [2H, 4H]
            self.b.append(w[f"bias_ih_l{layer}"] + w[f"bias_hh_l{layer}"])
        self.w_out = dec.out.weight.detach().t().contiguous()  # [H, V]
        self.b_out = dec.out.bias.detach()
        self.init = dec.init

    def to(self, device: torch.device) -> _FastStack:
        for name, val in list(vars(self).items()):
            if isinstance(val, torch.Tensor):
                setattr(self, name, val.to(device))
            elif isinstance(val, list):
                setattr(self, name, [v.to(device) for v in val])
        return self

    @staticmethod
    def _cell(gates: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def run(self, cond: torch.Tensor, n_steps: int, temperature: float,
            generator: torch.Generator | None) -> torch.Tensor:
        b = cond.shape[0]
        s = torch.tanh(self.init(cond)).reshape(b, 2, self.layers, self.hidden)
        hs = [s[:, 0, i] for i in range(self.layers)]
        cs = [s[:, 1, i] for i in range(self.layers)]
        cond_proj = cond @ self.w_cond
        out = torch.empty(n_steps, b, dtype=torch.long, device=cond.device)
        prev = torch.full((b,), self.vocab, dtype=torch.long, device=cond.device)
        noise = None
        if temperature > 0:
            u = torch.rand(n_steps, b, self.vocab, generator=generator, device=cond.device)
            noise = -torch.log(-torch.log(u.clamp_(1e-10, 1.0 - 1e-7)))
        for t in range(n_steps):
            gates = torch.addmm(self.token_table[prev] + cond_proj, hs[0], self.w_hh0)
            hs[0], cs[0] = self._cell(gates, cs[0])
            x = hs[0]
            for layer in range(1, self.layers):
                gates = torch.addmm(self.b[layer - 1], torch.cat([x, hs[layer]], dim=1), self.w_cat[layer - 1])
                hs[layer], cs[layer] = self._cell(gates, cs[layer])
                x = hs[layer]
            logits = torch.addmm(self.b_out, x, self.w_out)
            if noise is not None:
                prev = (logits / temperature + noise[t]).argmax(-1)
            else:
                prev = logits.argmax(-1)
            out[t] = prev
        return out.t()


class FastDecoder:
    """Decodes z -> tokens with the folded weights of a trained :class:`MusicVAE`."""

    def __init__(self, model: VAEModel, device: torch.device) -> None:
        self.model = model
        self.cfg = model.cfg
        self.device = device
        self.stack = _FastStack(model.decoder).to(device)
        self.conductor: nn.Module | None = getattr(model, "conductor", None)

    @torch.inference_mode()
    def decode(self, z: torch.Tensor, temperature: float = 0.0,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """tokens [B, T] for z [B, z_dim]; greedy when temperature == 0."""
        b = z.shape[0]
        if self.conductor is not None:
            conds = self.conductor(z).reshape(b * self.cfg.n_bars, -1)
            toks = self.stack.run(conds, self.cfg.steps_per_bar, temperature, generator)
            return toks.reshape(b, self.cfg.n_steps)
        return self.stack.run(z, self.cfg.n_steps, temperature, generator)
