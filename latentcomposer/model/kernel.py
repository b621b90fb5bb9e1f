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

import numpy as np
import torch

if TYPE_CHECKING:
    from .vae import StepDecoder


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


class NumpyStack:
    """The same folded weights as float32 NumPy arrays, for the CPU step loop."""

    def __init__(self, fast: FoldedStack) -> None:
        h = fast.hidden
        self.vocab, self.hidden, self.layers = fast.vocab, h, fast.layers

        def scaled(t: torch.Tensor) -> np.ndarray:
            a = t.detach().cpu().numpy().astype(np.float32).copy()
            a[..., 2 * h:3 * h] *= 2.0
            return np.ascontiguousarray(a)

        self.token_table = scaled(fast.token_table)
        self.w_cond = scaled(fast.w_cond)
        self.w_step = scaled(fast.w_step) if fast.w_step is not None else None
        self.w_hh0 = scaled(fast.w_hh0)
        self.w_cat = [scaled(w) for w in fast.w_cat]
        self.b = [scaled(b) for b in fast.b]
        self.w_out = np.ascontiguousarray(fast.w_out.cpu().numpy())
        self.b_out = fast.b_out.cpu().numpy().copy()
        self.w_init = np.ascontiguousarray(fast.init.weight.detach().cpu().numpy().T)
        self.b_init = fast.init.bias.detach().cpu().numpy().copy()

    def initial_state(self, cond: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(h, c) [layers, B, H] from the conditioning vector (the StepDecoder's tanh layer)."""
        s = np.tanh(cond @ self.w_init + self.b_init).reshape(cond.shape[0], 2, self.layers, self.hidden)
        return s[:, 0].transpose(1, 0, 2), s[:, 1].transpose(1, 0, 2)

    def input_proj(self, cond: np.ndarray, step_cond: np.ndarray | None = None) -> np.ndarray:
        proj = cond @ self.w_cond
        if step_cond is None or self.w_step is None:
            return proj
        return proj[None] + (step_cond @ self.w_step).transpose(1, 0, 2)

    def _cell(self, gates: np.ndarray, c: np.ndarray, h_out: np.ndarray) -> None:
        """LSTM cell in place: updates ``c`` and writes the new h into ``h_out`` (a view)."""
        h = self.hidden
        np.negative(gates, out=gates)
        np.exp(gates, out=gates)
        gates += 1.0
        np.reciprocal(gates, out=gates)  # sigmoid of all four (g pre-scaled by 2)
        i, f, sg, o = gates[:, :h], gates[:, h:2 * h], gates[:, 2 * h:3 * h], gates[:, 3 * h:]
        sg *= 2.0
        sg -= 1.0  # = tanh(g)
        sg *= i
        c *= f
        c += sg
        np.tanh(c, out=h_out)
        h_out *= o

    def step(self, prev: np.ndarray, proj: np.ndarray, hbuf: np.ndarray, hs: list[np.ndarray],
             cs: list[np.ndarray]) -> np.ndarray:
        """One step in place (``hbuf`` holds all layers' h side by side, ``hs`` are views into it);
        returns the top layer's h."""
        hd = self.hidden
        gates = self.token_table[prev]
        gates += proj
        gates += hs[0] @ self.w_hh0
        self._cell(gates, cs[0], hs[0])
        for layer in range(1, self.layers):
            gates = hbuf[:, (layer - 1) * hd:(layer + 1) * hd] @ self.w_cat[layer - 1]
            gates += self.b[layer - 1]
            self._cell(gates, cs[layer], hs[layer])
        return hs[-1]

    def run(self, init_h: np.ndarray, init_c: np.ndarray, cond: np.ndarray, n_steps: int,
            temperature: float, noise: np.ndarray | None, hidden_out: np.ndarray | None = None,
            step_cond: np.ndarray | None = None) -> np.ndarray:
        b, hd = cond.shape[0], self.hidden
        # all layers' h side by side: [h0 | h1 | ...]; layer l's input [h_{l-1}, h_l] is one slice
        hbuf = np.ascontiguousarray(np.concatenate(list(init_h), axis=1), dtype=np.float32)
        hs = [hbuf[:, i * hd:(i + 1) * hd] for i in range(self.layers)]
        cs = [init_c[i].astype(np.float32, copy=True) for i in range(self.layers)]
        proj = self.input_proj(cond, step_cond)
        out = np.empty((n_steps, b), dtype=np.int64)
        prev = np.full(b, self.vocab, dtype=np.int64)
        for t in range(n_steps):
            top = self.step(prev, proj[t] if proj.ndim == 3 else proj, hbuf, hs, cs)
            logits = top @ self.w_out
            logits += self.b_out
            if noise is not None:
                logits /= temperature
                logits += noise[t]
            prev = logits.argmax(-1)
            out[t] = prev
            if hidden_out is not None:
                hidden_out[t] = top
        return out.T
