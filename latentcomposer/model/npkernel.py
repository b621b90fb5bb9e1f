"""The decoder step kernel in NumPy (no torch): :class:`NumpyStack`, the CPU step loop of every fast
decoder (greedy, sampling, beam search), and :func:`fold_decoder`, which folds a StepDecoder's weights
read straight from a safetensors file (model/numpy_runtime.py) as :class:`~.kernel.FoldedStack` folds
a torch module's. The folding levers are listed in model/kernel.py."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np


def _arr(t: Any) -> np.ndarray:
    """A float32 NumPy array of a NumPy array or a torch tensor (without importing torch)."""
    if not isinstance(t, np.ndarray):
        t = t.detach().cpu().numpy()
    return np.asarray(t, dtype=np.float32)


@dataclass
class FoldedArrays:
    """A StepDecoder's folded weights as NumPy arrays: the fields of :class:`~.kernel.FoldedStack`."""

    vocab: int
    hidden: int
    layers: int
    token_table: np.ndarray  # [V+1, 4H]: embedding @ W_ih0[:, :E] + both layer-0 biases
    w_cond: np.ndarray  # [C, 4H]
    w_step: np.ndarray | None  # [Cs, 4H] (conditioned decoders)
    w_hh0: np.ndarray  # [H, 4H]
    w_cat: list[np.ndarray]  # per layer >= 1: [2H, 4H] ([input, h] @ W)
    b: list[np.ndarray]  # per layer >= 1: [4H]
    w_out: np.ndarray  # [H, V]
    b_out: np.ndarray  # [V]
    init: Any  # .weight [2*H*layers, C], .bias: the initial-state layer


def fold_decoder(w: dict[str, np.ndarray], prefix: str = "decoder.") -> FoldedArrays:
    """The folded weights of the StepDecoder stored under ``prefix`` in a state dict of NumPy arrays
    (float32): the same sums and products as :class:`~.kernel.FoldedStack`."""
    def g(name: str) -> np.ndarray:
        return w[prefix + name]

    embed, w_ih0 = g("embed.weight"), g("rnn.weight_ih_l0")
    e, c = embed.shape[1], g("init.weight").shape[1]
    layers = sum(1 for k in w if k.startswith(prefix + "rnn.weight_hh_l"))
    b0 = g("rnn.bias_ih_l0") + g("rnn.bias_hh_l0")
    step = w_ih0[:, e + c:]
    return FoldedArrays(
        vocab=g("out.weight").shape[0], hidden=g("rnn.weight_hh_l0").shape[1], layers=layers,
        token_table=np.ascontiguousarray(embed @ w_ih0[:, :e].T + b0),
        w_cond=np.ascontiguousarray(w_ih0[:, e:e + c].T),
        w_step=np.ascontiguousarray(step.T) if step.shape[1] else None,
        w_hh0=np.ascontiguousarray(g("rnn.weight_hh_l0").T),
        w_cat=[np.ascontiguousarray(np.concatenate([g(f"rnn.weight_ih_l{i}"), g(f"rnn.weight_hh_l{i}")], 1).T)
               for i in range(1, layers)],
        b=[g(f"rnn.bias_ih_l{i}") + g(f"rnn.bias_hh_l{i}") for i in range(1, layers)],
        w_out=np.ascontiguousarray(g("out.weight").T), b_out=g("out.bias"),
        init=SimpleNamespace(weight=g("init.weight"), bias=g("init.bias")))


class NumpyStack:
    """The same folded weights as float32 NumPy arrays, for the CPU step loop. ``fast``: a
    :class:`~.kernel.FoldedStack` (torch tensors) or :class:`FoldedArrays` (NumPy, no torch)."""

    def __init__(self, fast: Any) -> None:
        h = fast.hidden
        self.vocab, self.hidden, self.layers = fast.vocab, h, fast.layers

        def scaled(t: Any) -> np.ndarray:
            a = _arr(t).copy()
            a[..., 2 * h:3 * h] *= 2.0
            return np.ascontiguousarray(a)

        self.token_table = scaled(fast.token_table)
        self.w_cond = scaled(fast.w_cond)
        self.w_step = scaled(fast.w_step) if fast.w_step is not None else None
        self.w_hh0 = scaled(fast.w_hh0)
        self.w_cat = [scaled(w) for w in fast.w_cat]
        self.b = [scaled(b) for b in fast.b]
        self.w_out = np.ascontiguousarray(_arr(fast.w_out))
        self.b_out = _arr(fast.b_out).copy()
        self.w_init = np.ascontiguousarray(_arr(fast.init.weight).T)
        self.b_init = _arr(fast.init.bias).copy()

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
