"""The one decoder step kernel: a StepDecoder's LSTM stack with its weights folded once, stepped by
every decoding loop -- the NumPy greedy/sampling loop (CPU), the torch loop (CUDA, and the reference),
beam search (model/search.py; its NumPy loop in model/fastsearch.py), and scheduled sampling in
training.

Folding (each lever measured in benchmarks/decode_latency.py, see docs/BENCHMARKS.md):
- the token embedding folded into the first layer's input weights: a [V+1, 4H] lookup table (with both
  biases) replaces embedding + matmul each step;
- the conditioning vector's share of the first layer's input projection computed once per sequence
  (``input_proj``); a per-step condition (conditioned decoders) adds its share per step, also up front;
- the next layers' input and recurrent matmuls fused into one ``[x, h] @ W`` per layer;
- on the CPU (``NumpyStack``) the same step in NumPy (per-op overhead ~1 us against torch's ~4 us at
  these sizes), with the g-gate columns pre-scaled by 2 so one sigmoid pass gives all four gates
  (tanh(x) = 2 sigmoid(2x) - 1).

Also here, so that each exists once: the Gumbel noise of seeded sampling (:func:`gumbel_noise`) and
the reading of the velocity / microtiming heads (:func:`read_aux`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from .npkernel import NumpyStack

if TYPE_CHECKING:
    from .vae import StepDecoder

__all__ = ["FoldedStack", "NumpyStack", "gumbel_noise", "read_aux"]


def gumbel_noise(n_steps: int, rows: int, vocab: int, generator: torch.Generator | None,
                 device: torch.device | str = "cpu") -> torch.Tensor:
    """Gumbel(0, 1) noise [n_steps, rows, vocab], all drawn up front from the seeded generator:
    ``argmax(logits / T + noise)`` samples softmax(logits / T) (the Gumbel-max trick)."""
    u = torch.rand(n_steps, rows, vocab, generator=generator, device=device)
    return -torch.log(-torch.log(u.clamp_(1e-10, 1.0 - 1e-7)))


def read_aux(decoder: StepDecoder, hidden: torch.Tensor) -> dict[str, torch.Tensor] | None:
    """The per-step extras of a decoded sequence from its decoder states [..., H]: velocity bins
    (argmax of the velocity head) and microtiming offsets; None for decoders without those heads."""
    if decoder.aux is None:
        return None
    vel_logits, offset = decoder.aux_outputs(hidden)
    return {"velocity": vel_logits.argmax(-1), "offset": offset}


class FoldedStack:
    """Folded weights of a :class:`~.vae.StepDecoder` (torch tensors). ``detach=False`` keeps them
    in the autograd graph (scheduled sampling in training)."""

    def __init__(self, dec: StepDecoder, detach: bool = True) -> None:
        rnn = dec.rnn
        e = dec.embed.weight.shape[1]
        c = dec.cond_dim

        def get(t: torch.Tensor) -> torch.Tensor:
            return t.detach() if detach else t

        w = {name: get(param) for name, param in rnn.named_parameters()}
        w_ih0 = w["weight_ih_l0"]
        b0 = w["bias_ih_l0"] + w["bias_hh_l0"]
        self.vocab = dec.vocab
        self.hidden = dec.hidden
        self.layers = dec.layers
        self.token_table = (get(dec.embed.weight) @ w_ih0[:, :e].t() + b0).contiguous()  # [V+1, 4H]
        self.w_cond = w_ih0[:, e:e + c].t().contiguous()  # [C, 4H]
        self.w_step = w_ih0[:, e + c:].t().contiguous() if dec.step_cond_dim else None  # [Cs, 4H]
        self.w_hh0 = w["weight_hh_l0"].t().contiguous()  # [H, 4H]
        self.w_cat: list[torch.Tensor] = []
        self.b: list[torch.Tensor] = []
        for layer in range(1, rnn.num_layers):
            w_cat = torch.cat([w[f"weight_ih_l{layer}"], w[f"weight_hh_l{layer}"]], dim=1)
            self.w_cat.append(w_cat.t().contiguous())  # [2H, 4H]
            self.b.append(w[f"bias_ih_l{layer}"] + w[f"bias_hh_l{layer}"])
        self.w_out = get(dec.out.weight).t().contiguous()  # [H, V]
        self.b_out = get(dec.out.bias)
        self.init = dec.init

    def to(self, device: torch.device) -> FoldedStack:
        for name, val in list(vars(self).items()):
            if isinstance(val, torch.Tensor):
                setattr(self, name, val.to(device))
            elif isinstance(val, list):
                setattr(self, name, [v.to(device) for v in val])
        return self

    # --- the step -------------------------------------------------------------------------------
    def initial_state(self, cond: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        b = cond.shape[0]
        s = torch.tanh(self.init(cond)).reshape(b, 2, self.layers, self.hidden)
        return [s[:, 0, i] for i in range(self.layers)], [s[:, 1, i] for i in range(self.layers)]

    def input_proj(self, cond: torch.Tensor, step_cond: torch.Tensor | None = None) -> torch.Tensor:
        """The conditioning's share of layer 0's gates: [R, 4H], or [T, R, 4H] with a per-step
        condition ``step_cond`` [R, T, Cs]."""
        proj = cond @ self.w_cond
        if step_cond is None or self.w_step is None:
            return proj
        return proj.unsqueeze(0) + (step_cond @ self.w_step).transpose(0, 1)

    @staticmethod
    def _cell(gates: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def step(self, prev: torch.Tensor, proj: torch.Tensor, hs: list[torch.Tensor], cs: list[torch.Tensor]
             ) -> torch.Tensor:
        """One step for every row: ``prev`` tokens [R], ``proj`` [R, 4H] (this step's
        :meth:`input_proj`); updates ``hs``/``cs`` in place and returns the top layer's h [R, H]."""
        gates = torch.addmm(self.token_table[prev] + proj, hs[0], self.w_hh0)
        hs[0], cs[0] = self._cell(gates, cs[0])
        x = hs[0]
        for layer in range(1, self.layers):
            gates = torch.addmm(self.b[layer - 1], torch.cat([x, hs[layer]], dim=1), self.w_cat[layer - 1])
            hs[layer], cs[layer] = self._cell(gates, cs[layer])
            x = hs[layer]
        return x

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.b_out, h, self.w_out)

    # --- the greedy / sampling loop (torch) -----------------------------------------------------
    def run(self, cond: torch.Tensor, n_steps: int, temperature: float, generator: torch.Generator | None,
            hidden_out: torch.Tensor | None = None, step_cond: torch.Tensor | None = None) -> torch.Tensor:
        """Tokens [R, n_steps]; greedy at temperature 0, else Gumbel-max sampling."""
        b = cond.shape[0]
        hs, cs = self.initial_state(cond)
        proj = self.input_proj(cond, step_cond)
        out = torch.empty(n_steps, b, dtype=torch.long, device=cond.device)
        prev = torch.full((b,), self.vocab, dtype=torch.long, device=cond.device)
        noise = gumbel_noise(n_steps, b, self.vocab, generator, cond.device) if temperature > 0 else None
        for t in range(n_steps):
            x = self.step(prev, proj[t] if proj.ndim == 3 else proj, hs, cs)
            logits = self.logits(x)
            if noise is not None:
                prev = (logits / temperature + noise[t]).argmax(-1)
            else:
                prev = logits.argmax(-1)
            out[t] = prev
            if hidden_out is not None:
                hidden_out[t] = x
        return out.t()
