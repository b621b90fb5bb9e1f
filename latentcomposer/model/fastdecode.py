"""Fast step-by-step inference for the MusicVAE decoders (the live-slider path).

Levers (each measured in benchmarks/decode_latency.py, see docs/BENCHMARKS.md):
- token embedding folded into the first layer's input weights: a [V+1, 4H] lookup table (with both
  biases) replaces embedding + matmul each step;
- the conditioning vector's share of the first layer's input projection is computed once per
  sequence, not once per step;
- the next layers' input and recurrent matmuls fused into one ``[x, h] @ W`` per layer;
- all bars of the hierarchical decoder decoded as one batch (they are independent given the conductor);
- sampling by the Gumbel-max trick with all noise drawn up front from the seeded generator;
- ``torch.inference_mode`` and preallocated outputs;
- on the CPU, the step loop in NumPy (per-op overhead ~1 us against torch's ~4 us at these sizes),
  with the g-gate columns pre-scaled by 2 so one sigmoid pass gives all four gates
  (tanh(x) = 2 sigmoid(2x) - 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
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
            generator: torch.Generator | None, hidden_out: torch.Tensor | None = None) -> torch.Tensor:
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
            if hidden_out is not None:
                hidden_out[t] = x
        return out.t()


class _NumpyStack:
    """The same folded weights as float32 NumPy arrays, for the CPU step loop."""

    def __init__(self, fast: _FastStack) -> None:
        h = fast.hidden
        self.vocab, self.hidden, self.layers = fast.vocab, h, fast.layers

        def scaled(t: torch.Tensor) -> np.ndarray:
            a = t.detach().cpu().numpy().astype(np.float32).copy()
            a[..., 2 * h:3 * h] *= 2.0
            return np.ascontiguousarray(a)

        self.token_table = scaled(fast.token_table)
        self.w_cond = scaled(fast.w_cond)
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

    def run(self, init_h: np.ndarray, init_c: np.ndarray, cond: np.ndarray, n_steps: int,
            temperature: float, noise: np.ndarray | None, hidden_out: np.ndarray | None = None) -> np.ndarray:
        b, hd = cond.shape[0], self.hidden
        # all layers' h side by side: [h0 | h1 | ...]; layer l's input [h_{l-1}, h_l] is one slice
        hbuf = np.ascontiguousarray(np.concatenate(list(init_h), axis=1), dtype=np.float32)
        hs = [hbuf[:, i * hd:(i + 1) * hd] for i in range(self.layers)]
        cs = [init_c[i].astype(np.float32, copy=True) for i in range(self.layers)]
        cond_proj = cond @ self.w_cond
        out = np.empty((n_steps, b), dtype=np.int64)
        prev = np.full(b, self.vocab, dtype=np.int64)
        for t in range(n_steps):
            gates = self.token_table[prev]
            gates += cond_proj
            gates += hs[0] @ self.w_hh0
            self._cell(gates, cs[0], hs[0])
            for layer in range(1, self.layers):
                gates = hbuf[:, (layer - 1) * hd:(layer + 1) * hd] @ self.w_cat[layer - 1]
                gates += self.b[layer - 1]
                self._cell(gates, cs[layer], hs[layer])
            logits = hs[-1] @ self.w_out
            logits += self.b_out
            if noise is not None:
                logits /= temperature
                logits += noise[t]
            prev = logits.argmax(-1)
            out[t] = prev
            if hidden_out is not None:
                hidden_out[t] = hs[-1]
        return out.T


class FastDecoder:
    """Decodes z -> tokens with the folded weights of a trained :class:`MusicVAE`."""

    def __init__(self, model: VAEModel, device: torch.device) -> None:
        self.model = model
        self.cfg = model.cfg
        self.device = device
        self.stack = _FastStack(model.decoder).to(device)
        self.np_stack = _NumpyStack(self.stack) if device.type == "cpu" else None
        self.conductor: nn.Module | None = getattr(model, "conductor", None)

    @torch.inference_mode()
    def decode(self, z: torch.Tensor, temperature: float = 0.0,
               generator: torch.Generator | None = None, use_numpy: bool = True) -> torch.Tensor:
        """tokens [B, T] for z [B, z_dim]; greedy when temperature == 0. On the CPU the NumPy loop
        runs unless ``use_numpy`` is False (the torch loop is the reference and the CUDA path)."""
        return self.decode_full(z, temperature, generator, use_numpy)[0]

    @torch.inference_mode()
    def decode_full(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None,
                    use_numpy: bool = True) -> tuple[torch.Tensor, dict[str, torch.Tensor] | None]:
        """(tokens [B, T], aux or None): for drum models also the velocity bins and microtiming
        offsets [B, T, classes] read from the decoder states of the decoded sequence."""
        b = z.shape[0]
        if self.conductor is not None:
            conds = self.conductor(z).reshape(b * self.cfg.n_bars, -1)
            steps = self.cfg.steps_per_bar
        else:
            conds, steps = z, self.cfg.n_steps
        want_aux = self.model.decoder.aux is not None
        rows = conds.shape[0]
        if self.np_stack is None or not use_numpy:
            hid_t = torch.empty(steps, rows, self.stack.hidden, device=z.device) if want_aux else None
            toks = self.stack.run(conds, steps, temperature, generator, hid_t)
        else:
            hid_np = np.empty((steps, rows, self.stack.hidden), np.float32) if want_aux else None
            toks = torch.from_numpy(self._run_numpy(conds, steps, temperature, generator, hid_np))
            hid_t = torch.from_numpy(hid_np) if hid_np is not None else None
        toks = toks.reshape(b, self.cfg.n_steps)
        if hid_t is None:
            return toks, None
        hidden = hid_t.transpose(0, 1).reshape(b, self.cfg.n_steps, -1)
        vel_logits, offset = self.model.decoder.aux_outputs(hidden)
        return toks, {"velocity": vel_logits.argmax(-1), "offset": offset}

    def _run_numpy(self, cond: torch.Tensor, n_steps: int, temperature: float,
                   generator: torch.Generator | None, hidden_out: np.ndarray | None = None) -> np.ndarray:
        assert self.np_stack is not None
        st = self.stack
        b = cond.shape[0]
        cond_np = cond.numpy()
        h0, c0 = self.np_stack.initial_state(cond_np)
        noise = None
        if temperature > 0:  # the same Gumbel noise as the torch path draws
            u = torch.rand(n_steps, b, st.vocab, generator=generator)
            noise = (-torch.log(-torch.log(u.clamp_(1e-10, 1.0 - 1e-7)))).numpy()
        return self.np_stack.run(h0, c0, cond_np, n_steps, temperature, noise, hidden_out)
