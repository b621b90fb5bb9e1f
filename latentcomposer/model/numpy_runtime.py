"""A torch-free runtime for MusicVAE models on the CPU: the weights read from ``model.safetensors`` as
NumPy arrays, a NumPy encoder (the bidirectional LSTM encoders, flat or hierarchical -> mu, sigma) and
the NumPy decoders the engine already runs on the CPU (model/npkernel.py: greedy, sampling; beam search
+ encoder reranking of model/fastsearch.py), the conductor of hierarchical decoders included.

Why: importing torch and building the torch model took ~5-6 s of the desktop app's ~7.5 s to a ready
model on a 2-core machine (issue 30, docs/BENCHMARKS.md "Model ready after launch"); the default model
(mel_2bar) needs none of it to encode and decode. :meth:`~.engine.Engine.load` picks this runtime for
a model it supports (:func:`unsupported`) on the CPU; anything else the engine is asked for loads the
torch model then, from the same file (``Engine.model``). The tokens are those of the torch path
(tests/model/test_numpy_runtime.py compares encodings, greedy, sampled and search decodes).

Not covered (they load torch): Transformer bar encoders (tvae, mel_16bar, drums), conditioned models
(chords), velocity / timing heads (drums), PianoTree and trio models. Sampling at temperature > 0
draws its Gumbel noise from torch's seeded generator (the same draws as the torch path), so it
imports torch on its first use.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .fastsearch import beam_search_np, encode_distinct, rerank
from .npkernel import NumpyStack, fold_decoder
from .registry import read_config

MAX_FILE_BYTES = 2_000_000_000  # far above any model here (the torch loader has the same bound)


def unsupported(cfg: Any) -> str:
    """Why this runtime cannot run ``cfg`` ("" when it can)."""
    if getattr(cfg, "architecture", "") != "musicvae":
        return f"architecture {getattr(cfg, 'architecture', '?')}"
    if cfg.encoder not in ("flat", "hierarchical"):
        return f"{cfg.encoder} encoder"
    if cfg.decoder not in ("flat", "hierarchical"):
        return f"{cfg.decoder} decoder"
    if cfg.condition_dim or cfg.encoder_condition:
        return "conditioned model"
    if cfg.aux_classes:
        return "velocity and timing heads"
    return ""


def _lstm_shapes(prefix: str, width: int, hidden: int, layers: int, bidirectional: bool
                 ) -> dict[str, tuple[int, ...]]:
    out: dict[str, tuple[int, ...]] = {}
    dirs = ("", "_reverse") if bidirectional else ("",)
    for layer in range(layers):
        inp = width if layer == 0 else hidden * len(dirs)
        for d in dirs:
            out |= {f"{prefix}weight_ih_l{layer}{d}": (4 * hidden, inp), f"{prefix}weight_hh_l{layer}{d}": (4 * hidden, hidden),
                    f"{prefix}bias_ih_l{layer}{d}": (4 * hidden,), f"{prefix}bias_hh_l{layer}{d}": (4 * hidden,)}
    return out


def expected_shapes(cfg: Any) -> dict[str, tuple[int, ...]]:
    """Every tensor of a supported MusicVAE's state dict with its shape (as torch's ``state_dict``)."""
    v, e, z = cfg.vocab, cfg.embed_dim, cfg.z_dim
    out: dict[str, tuple[int, ...]] = {"encoder.embed.weight": (v + 1, e)}
    if cfg.encoder == "flat":
        out |= _lstm_shapes("encoder.rnn.", e, cfg.enc_hidden, cfg.enc_layers, True)
    else:
        out |= _lstm_shapes("encoder.bar_rnn.", e, cfg.bar_enc_hidden, 1, True)
        out |= _lstm_shapes("encoder.rnn.", 2 * cfg.bar_enc_hidden, cfg.enc_hidden, cfg.enc_layers, True)
    for head in ("to_mu", "to_sigma"):
        out |= {f"encoder.{head}.weight": (z, 2 * cfg.enc_hidden), f"encoder.{head}.bias": (z,)}
    cond = z
    if cfg.decoder == "hierarchical":
        ch, cl = cfg.conductor_hidden, cfg.conductor_layers
        in_dim = 1 if cfg.conductor_input == "zeros" else ch
        out |= {"conductor.init.weight": (2 * ch * cl, z), "conductor.init.bias": (2 * ch * cl,)}
        if cfg.conductor_input == "slots":
            out |= {"conductor.slot_in.weight": (in_dim, z // cfg.n_bars), "conductor.slot_in.bias": (in_dim,)}
        out |= _lstm_shapes("conductor.rnn.", in_dim, ch, cl, False)
        if cfg.conductor_residual:
            out |= {"conductor.skip.weight": (ch, in_dim), "conductor.skip.bias": (ch,)}
        cond = ch
    h, layers = cfg.dec_hidden, cfg.dec_layers
    out |= {"decoder.embed.weight": (v + 1, e), "decoder.init.weight": (2 * h * layers, cond),
            "decoder.init.bias": (2 * h * layers,), "decoder.out.weight": (v, h), "decoder.out.bias": (v,)}
    out |= _lstm_shapes("decoder.rnn.", e + cond, h, layers, False)
    return out


def read_weights(path: Path) -> dict[str, np.ndarray] | None:
    """The tensors of a safetensors file as float32 NumPy arrays, or None when the file is not a
    regular, readable, finite one (the torch loader then says what is wrong)."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
            return None
        from safetensors.numpy import load_file

        raw = load_file(str(path))
    except Exception:  # missing, unreadable, damaged, a dtype NumPy lacks (bfloat16)
        return None
    out = {}
    for k, a in raw.items():
        if not np.issubdtype(a.dtype, np.floating):
            return None
        a = np.ascontiguousarray(a, dtype=np.float32)
        if not np.isfinite(a).all():
            return None
        out[k] = a
    return out


def load_numpy_model(folder: Path) -> tuple[NumpyVAE, Any, dict[str, Any]] | None:
    """(runtime, config, meta) of the model in ``folder``, or None when this runtime does not cover it
    or the weights are not exactly what the config describes (the torch loader reports why)."""
    cfg, meta = read_config(folder)
    if unsupported(cfg):
        return None
    w = read_weights(folder / "model.safetensors")
    if w is None or {k: tuple(a.shape) for k, a in w.items()} != expected_shapes(cfg):
        return None
    return NumpyVAE(cfg, w), cfg, meta


# --- the pieces -------------------------------------------------------------------------------------
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x: np.ndarray) -> np.ndarray:
    """torch's softplus (beta 1, threshold 20)."""
    return np.where(x > 20.0, x, np.log1p(np.exp(np.minimum(x, 20.0))))


class _Lstm:
    """A (bidirectional) multi-layer torch ``nn.LSTM`` (batch first) stepped in NumPy; the first layer's
    input projection is a lookup table when its inputs are tokens (``embed``)."""

    def __init__(self, w: dict[str, np.ndarray], prefix: str, bidirectional: bool,
                 embed: np.ndarray | None = None) -> None:
        self.dirs = ("", "_reverse") if bidirectional else ("",)
        self.layers = sum(1 for k in w if k.startswith(prefix + "weight_hh_l") and not k.endswith("_reverse"))
        self.hidden = w[prefix + "weight_hh_l0"].shape[1]
        self.w_ih: dict[str, np.ndarray] = {}
        self.bias: dict[str, np.ndarray] = {}
        self.w_hh: dict[str, np.ndarray] = {}
        self.table: dict[str, np.ndarray] = {}
        for layer in range(self.layers):
            for d in self.dirs:
                key = f"l{layer}{d}"
                w_ih = w[f"{prefix}weight_ih_{key}"]
                self.bias[key] = w[f"{prefix}bias_ih_{key}"] + w[f"{prefix}bias_hh_{key}"]
                self.w_ih[key] = np.ascontiguousarray(w_ih.T)
                self.w_hh[key] = np.ascontiguousarray(w[f"{prefix}weight_hh_{key}"].T)
                if layer == 0 and embed is not None:
                    self.table[key] = np.ascontiguousarray(embed @ w_ih.T + self.bias[key])

    def __call__(self, x: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, list[np.ndarray]]:
        """(outputs [B, T, dirs*H], final h of every layer and direction, in torch's ``h_n`` order).
        ``x``: tokens [B, T] (int, with ``embed``) or inputs [B, T, F]; ``state``: (h0, c0) [layers*dirs, B, H]."""
        b, t = x.shape[:2]
        hd = self.hidden
        finals: list[np.ndarray] = []
        for layer in range(self.layers):
            outs = []
            for j, d in enumerate(self.dirs):
                key = f"l{layer}{d}"
                gx = self.table[key][x] if layer == 0 and self.table else x @ self.w_ih[key] + self.bias[key]
                i = layer * len(self.dirs) + j
                h = np.zeros((b, hd), np.float32) if state is None else state[0][i].astype(np.float32)
                c = np.zeros((b, hd), np.float32) if state is None else state[1][i].astype(np.float32)
                y = np.empty((b, t, hd), np.float32)
                for step in (range(t - 1, -1, -1) if d else range(t)):
                    gates = gx[:, step] + h @ self.w_hh[key]
                    gi, gf = _sigmoid(gates[:, :hd]), _sigmoid(gates[:, hd:2 * hd])
                    gg, go = np.tanh(gates[:, 2 * hd:3 * hd]), _sigmoid(gates[:, 3 * hd:])
                    c = gf * c + gi * gg
                    h = go * np.tanh(c)
                    y[:, step] = h
                outs.append(y)
                finals.append(h)
            x = np.concatenate(outs, axis=-1) if len(outs) > 1 else outs[0]
        return x, finals


class NumpyVAE:
    """The inference half of a :class:`~.vae.MusicVAE` in NumPy: what the engine asks of a model on
    its hot paths (encode, the decode plan, greedy / sampled / search decoding)."""

    per_bar_latents: ClassVar[bool] = False
    supports_search: ClassVar[bool] = True
    condition_dim: ClassVar[int] = 0
    dynamics_heads: ClassVar[bool] = False

    def __init__(self, cfg: Any, w: dict[str, np.ndarray]) -> None:
        self.cfg = cfg
        self.hier_enc = cfg.encoder == "hierarchical"
        if self.hier_enc:
            self.bar_rnn = _Lstm(w, "encoder.bar_rnn.", True, w["encoder.embed.weight"])
            self.enc_rnn = _Lstm(w, "encoder.rnn.", True)
        else:
            self.enc_rnn = _Lstm(w, "encoder.rnn.", True, w["encoder.embed.weight"])
        self.to_mu = (np.ascontiguousarray(w["encoder.to_mu.weight"].T), w["encoder.to_mu.bias"])
        self.to_sigma = (np.ascontiguousarray(w["encoder.to_sigma.weight"].T), w["encoder.to_sigma.bias"])
        self.decodes_by_bar = cfg.decoder == "hierarchical"
        if self.decodes_by_bar:
            self.conductor = _Lstm(w, "conductor.rnn.", False)
            self.cond_init = (np.ascontiguousarray(w["conductor.init.weight"].T), w["conductor.init.bias"])
            self.slot_in = ((np.ascontiguousarray(w["conductor.slot_in.weight"].T), w["conductor.slot_in.bias"])
                            if cfg.conductor_input == "slots" else None)
            self.skip = ((np.ascontiguousarray(w["conductor.skip.weight"].T), w["conductor.skip.bias"])
                         if cfg.conductor_residual else None)
        self.stack = NumpyStack(fold_decoder(w))

    # --- encoder -----------------------------------------------------------------------------------
    def encode(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mu, sigma) [B, z] of token windows [B, T] (the torch Encoder's forward)."""
        x = np.asarray(tokens, dtype=np.int64)
        if self.hier_enc:
            b, cfg = x.shape[0], self.cfg
            _, hb = self.bar_rnn(x.reshape(b * cfg.n_bars, cfg.steps_per_bar))
            _, h = self.enc_rnn(np.concatenate(hb[-2:], axis=-1).reshape(b, cfg.n_bars, -1))
        else:
            _, h = self.enc_rnn(x)
        feat = np.concatenate(h[-2:], axis=-1)
        mu = feat @ self.to_mu[0] + self.to_mu[1]
        sigma = _softplus(feat @ self.to_sigma[0] + self.to_sigma[1]) + np.float32(1e-4)
        return mu.astype(np.float32), sigma.astype(np.float32)

    # --- decoder -----------------------------------------------------------------------------------
    def plan(self, z: np.ndarray) -> tuple[np.ndarray, int]:
        """(conditioning rows [R, C], steps per row): z itself for a flat decoder, else the conductor's
        vector of every bar (the torch model's ``decode_plan``)."""
        if not self.decodes_by_bar:
            return z, self.cfg.n_steps
        b, cfg = z.shape[0], self.cfg
        ch, cl = cfg.conductor_hidden, cfg.conductor_layers
        s = np.tanh(z @ self.cond_init[0] + self.cond_init[1]).reshape(b, 2, cl, ch)
        state = (s[:, 0].transpose(1, 0, 2), s[:, 1].transpose(1, 0, 2))
        if self.slot_in is None:
            x = np.zeros((b, cfg.n_bars, 1), np.float32)
        else:
            x = z.reshape(b, cfg.n_bars, -1) @ self.slot_in[0] + self.slot_in[1]
        y, _ = self.conductor(x, state)
        if self.skip is not None:
            y = y + (x @ self.skip[0] + self.skip[1])
        return np.ascontiguousarray(y.reshape(-1, ch), dtype=np.float32), cfg.steps_per_bar

    def decode(self, z: np.ndarray, temperature: float = 0.0, generator: Any = None) -> np.ndarray:
        """Tokens [B, T] for z [B, z_dim]: greedy at temperature 0, else Gumbel-max sampling with the
        noise of the torch path (drawn from ``generator``, a seeded ``torch.Generator``)."""
        z = np.asarray(z, dtype=np.float32)
        cond, steps = self.plan(z)
        noise = None
        if temperature > 0:
            from .kernel import gumbel_noise  # torch's seeded draws: the same samples as the torch path

            noise = gumbel_noise(steps, cond.shape[0], self.stack.vocab, generator).numpy()
        h0, c0 = self.stack.initial_state(cond)
        toks = self.stack.run(h0, c0, cond, steps, temperature, noise)
        return toks.reshape(z.shape[0], self.cfg.n_steps)

    def search(self, z: np.ndarray, beam: int, chunk: int = 32) -> np.ndarray:
        """Search decoding (model/search.py): beam search, then the encoder's choice among the beams."""
        z = np.asarray(z, dtype=np.float32)
        outs = []
        for i in range(0, z.shape[0], chunk):
            zc = z[i:i + chunk]
            cond, steps = self.plan(zc)
            seqs, _ = beam_search_np(self.stack, cond, steps, beam)
            if seqs.shape[1] > 1:
                outs.append(rerank(self._variant_mu, zc, seqs, self.decodes_by_bar, self.cfg.n_bars,
                                   self.cfg.steps_per_bar))
            else:
                outs.append(seqs[:, 0].reshape(zc.shape[0], -1))
        return np.concatenate(outs)

    def _variant_mu(self, bars: np.ndarray, windows: np.ndarray, condition: Any) -> np.ndarray:
        return encode_distinct(lambda x: self.encode(x)[0], bars, windows)
