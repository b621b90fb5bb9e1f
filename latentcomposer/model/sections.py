"""Sections through the engine: several streams (melody, bass, accompaniment) encoded as one z.

    sections = SectionEngine.load("trio_16bar")
    code = sections.encode({"melody": mel, "bass": bass, "accompaniment": piano})
    out = sections.decode(code.mu, n_steps=...)              # {"melody": Clip, "bass": Clip, ...}
    sections.sample(2, temperature=0.8, seed=1)               # [section, section]
    sections.interpolate(a, b, steps=5)
    sections.regenerate(section, keep=("melody",), seed=3)    # arrangement: new bass + accompaniment

A section is a mapping ``{stream: Clip or None}``; a model whose codec is a
:class:`~latentcomposer.data.trio_codec.MultiStreamCodec` (the trio) reads it. Everything goes through
the :class:`~.engine.Engine` (its token-level encode and decode); windows are cut and padded as the
engine does for clips: a section longer than the model's window is encoded window by window, a
shorter one padded with silence, and results are trimmed back to the section's length.

**Keeping streams** (:meth:`SectionEngine.regenerate`): the kept streams are copied verbatim, and the
others are decoded from a z *searched for* with the kept streams fixed: starting from a prior sample
(seeded, so each seed gives another arrangement), z is moved by gradient descent on the kept streams'
teacher-forced negative log-likelihood under the model plus the prior's ``|z|^2 / 2`` (a MAP estimate
of z given only the kept streams), then every other stream is decoded from it. Nothing constrains the
decoder itself; the kept streams are not re-decoded. All windows of a long section are one batch (each
window's z is independent, the loss a sum), only the kept streams' decoders run in the search (the
accompaniment's costs twice the melody's), and the final decode is the engine's NumPy path: a POP909
song of 148 bars (10 windows), keep melody, went from ~4-5 min to ~10 s on one loaded CPU thread with
20 steps at learning rate 0.15 instead of 60 at 0.05 -- the kept melody's NLL, the regenerated bass's
chord-root share and the melody-in-key share measured alike (benchmarks/trio_keep.py, docs/BENCHMARKS.md).
Sample draws from the fitted prior when the model ships one fitted to its weights (:meth:`sample_z`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from latentcomposer.core import Clip
from latentcomposer.data.codecs import CodecError
from latentcomposer.data.trio_codec import MultiStreamCodec

from .engine import EncodeResult, Engine, EngineError, slerp
from .prior import prior_status

KEEP_ITERATIONS = 20  # keep-regenerate's Adam steps (search_z; benchmarks/trio_keep.py)
KEEP_LEARNING_RATE = 0.15

Section = Mapping[str, Clip | None]
STEPS_PER_BAR = 16


@dataclass
class SectionResult:
    sections: list[dict[str, Clip]]
    warnings: list[str] = field(default_factory=list)
    z: np.ndarray | None = None


class SectionEngine:
    """The engine's verbs for sections (see the module doc)."""

    def __init__(self, engine: Engine) -> None:
        if not isinstance(engine.codec, MultiStreamCodec):
            raise EngineError(f"{engine.name} is a {engine.codec.label.lower()} model; sections need a multi-stream "
                              "model (e.g. trio_16bar)")
        self.engine = engine
        self.codec: MultiStreamCodec = engine.codec
        # the fitted prior (scripts/fit_trio_prior.py) counts only when fitted to these weights
        self.prior_problem = prior_status(engine.folder) if engine.fitted_prior is not None else "no fitted prior"

    @classmethod
    def load(cls, name_or_path: str | os.PathLike[str], device: str | torch.device = "auto",
             warmup: bool = False) -> SectionEngine:
        return cls(Engine.load(name_or_path, device=device, warmup=warmup, decoding="greedy"))

    @property
    def streams(self) -> tuple[str, ...]:
        return self.codec.streams

    @property
    def window(self) -> int:
        return self.engine.cfg.n_steps

    # --- tokens -----------------------------------------------------------------------------------
    def section_windows(self, section: Section) -> tuple[np.ndarray, int, list[str]]:
        """(packed windows [chunks, window, R, 3], the section's length in steps, warnings)."""
        if not any(c is not None and c.notes for c in section.values()):
            raise EngineError("the section has no notes to encode")
        try:
            enc = self.codec.encode_streams(section)
        except CodecError as exc:
            raise EngineError(str(exc)) from None
        tokens, n_steps = enc.tokens, len(enc.tokens)
        chunks = max(1, -(-n_steps // self.window))
        padded = np.repeat(self.codec.silent_token[None].astype(np.int64), chunks * self.window, 0)
        padded[:n_steps] = tokens
        warnings = list(enc.warnings)
        if n_steps % self.window:
            warnings.append(f"the section ({n_steps // STEPS_PER_BAR} bars) is not a multiple of the model's "
                            f"{self.engine.cfg.n_bars}-bar window: padded with silence, trimmed after decoding")
        windows = self.codec.fix_chunk_starts(padded.reshape(chunks, self.window, *padded.shape[1:]))
        return windows, n_steps, warnings

    def _template(self, section: Section | None, tempo: float | None) -> Clip:
        first = next((c for c in (section or {}).values() if c is not None), None)
        if first is not None:
            return first.copy(notes=(), name="")
        return Clip(tempo=tempo or 120.0)

    def _to_section(self, tokens: np.ndarray, template: Clip, n_steps: int | None, name: str) -> dict[str, Clip]:
        flat = tokens.reshape(-1, *tokens.shape[-2:])
        return self.codec.decode_streams(flat[:n_steps] if n_steps else flat, template, None, name)

    # --- verbs ------------------------------------------------------------------------------------
    def encode(self, section: Section, seed: int | None = 0) -> EncodeResult:
        windows, _, warnings = self.section_windows(section)
        mu, sigma = self.engine.encode_tokens(windows)
        g = torch.Generator(device=self.engine.device).manual_seed(0 if seed is None else int(seed))
        z = mu + sigma * torch.randn(mu.shape, generator=g, device=self.engine.device)
        return EncodeResult(z.cpu().numpy(), mu.cpu().numpy(), sigma.cpu().numpy(), [len(windows)], warnings)

    def decode(self, z: np.ndarray | torch.Tensor, temperature: float = 0.0, seed: int | None = 0,
               template: Clip | None = None, n_steps: int | None = None, name: str = "decoded") -> dict[str, Clip]:
        """One section from z [windows, z_dim] (rows as consecutive windows), trimmed to ``n_steps``."""
        tokens = self.engine.decode_tokens(z, temperature, seed)
        return self._to_section(tokens, template or Clip(), n_steps, name)

    def sample_z(self, n: int, seed: int | None = 0, prior: Literal["fitted", "standard"] = "fitted"
                 ) -> torch.Tensor:
        """``n`` latents from the model's fitted prior when it ships one fitted to these weights
        (``"fitted"``), else from N(0, I)."""
        if prior == "fitted" and self.prior_problem:
            prior = "standard"
        return self.engine.sample_z(n, seed, prior)

    def sample(self, n: int = 1, temperature: float = 1.0, seed: int | None = 0, tempo: float = 120.0,
               prior: Literal["fitted", "standard"] = "fitted") -> SectionResult:
        """``n`` sections from the prior: the fitted one (see :meth:`sample_z`), else N(0, I)."""
        z = self.sample_z(n, seed, prior)
        tokens = self.engine.decode_tokens(z, temperature, seed)
        template = Clip(tempo=tempo)
        warnings = []
        if prior == "fitted" and self.prior_problem and self.engine.fitted_prior is not None:
            warnings.append(f"{self.engine.name}: {self.prior_problem}; sampled from N(0, I)")
        return SectionResult([self._to_section(t[None], template, None, f"sample {i + 1}")
                              for i, t in enumerate(tokens)], warnings, z.numpy())

    def reconstruct(self, section: Section, temperature: float = 0.0, seed: int | None = 0) -> SectionResult:
        code = self.encode(section, seed)
        windows, n_steps, _ = self.section_windows(section)
        out = self.decode(code.mu, temperature, seed, self._template(section, None), n_steps, "reconstructed")
        return SectionResult([out], code.warnings, code.mu)

    def interpolate(self, a: Section, b: Section, steps: int = 5, method: Literal["slerp", "lerp"] = "slerp",
                    temperature: float = 0.0, seed: int | None = 0) -> SectionResult:
        """``steps`` sections from A to B (endpoints included), all decoded in one batch; the shorter
        section is padded with silence to the longer's windows."""
        if steps < 2:
            raise EngineError("interpolate: steps must be at least 2 (the endpoints)")
        ca, cb = self.encode(a, seed), self.encode(b, seed)
        n = max(len(ca.mu), len(cb.mu))
        rest = self.engine.encode_tokens(self.codec.silent_token[None, None].repeat(self.window, 1))[0].cpu().numpy()
        mu_a = np.concatenate([ca.mu, np.repeat(rest, n - len(ca.mu), 0)])
        mu_b = np.concatenate([cb.mu, np.repeat(rest, n - len(cb.mu), 0)])
        ts = np.linspace(0.0, 1.0, steps)
        z = np.stack([np.stack([slerp(mu_a[k], mu_b[k], float(t)) if method == "slerp" else
                                (1 - t) * mu_a[k] + t * mu_b[k] for k in range(n)]) for t in ts])
        tokens = self.engine.decode_tokens(z.reshape(steps * n, -1), temperature, seed)
        tokens = tokens.reshape(steps, n * self.window, *tokens.shape[-2:])
        n_steps = max(self.section_windows(a)[1], self.section_windows(b)[1])
        template = self._template(a, None)
        return SectionResult([self._to_section(tokens[i], template, n_steps, f"step {i + 1}/{steps}")
                              for i in range(steps)], ca.warnings + cb.warnings, z)

    def regenerate(self, section: Section, keep: Sequence[str], temperature: float = 0.0, seed: int | None = 0,
                   iterations: int = KEEP_ITERATIONS, learning_rate: float = KEEP_LEARNING_RATE) -> SectionResult:
        """The kept streams verbatim, the others decoded from a z searched for with the kept streams
        fixed (see the module doc)."""
        keep = tuple(keep)
        unknown = sorted(set(keep) - set(self.streams))
        if unknown or not keep:
            raise EngineError(f"keep: name one or more of {', '.join(self.streams)} (got {list(keep) or 'none'})")
        if len(keep) == len(self.streams):
            raise EngineError("keep: every stream is kept, so there is nothing to regenerate")
        windows, n_steps, warnings = self.section_windows(section)
        model = self.engine.model
        if not hasattr(model, "stream_nll"):
            raise EngineError(f"{self.engine.name} cannot score single streams (no stream_nll)")
        x = torch.as_tensor(windows, dtype=torch.long, device=self.engine.device)
        z0 = self.engine.sample_z(len(windows), seed, "standard")  # the model's own prior (the MAP term's)
        zf = search_z(model, x, keep, z0.to(self.engine.device), iterations, learning_rate)
        tokens = self.engine.decode_tokens(zf, temperature, seed)
        parts = self.codec.split(tokens)
        kept = self.codec.split(windows)
        merged = self.codec.join({s: kept[s] if s in keep else parts[s] for s in self.streams})
        out = self._to_section(merged, self._template(section, None), n_steps,
                               f"kept {', '.join(keep)}")
        for s in keep:  # the kept streams are the input's own clips, not their grid reading
            given = section.get(s)
            if given is not None:
                out[s] = given.copy(program=out[s].program, channel=out[s].channel)
        return SectionResult([out], warnings, zf.cpu().numpy())


def search_z(model: Any, x: torch.Tensor, keep: Sequence[str], z0: torch.Tensor,
             iterations: int = KEEP_ITERATIONS, learning_rate: float = KEEP_LEARNING_RATE,
             trace: Callable[[int, torch.Tensor, torch.Tensor], None] | None = None) -> torch.Tensor:
    """The MAP estimate of z given only the ``keep`` streams of the packed windows ``x`` [W, T, R, 3]:
    Adam from ``z0`` [W, z_dim] on ``sum(kept streams' NLL) + |z|^2 / 2``, all windows as one batch
    (each window's z is independent: the sum separates). Only the kept streams' decoders run.
    ``trace(iteration, z, kept NLL per window [W])`` is called before each step and after the last."""
    z = z0.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=learning_rate)
    only = tuple(keep)

    def kept_nll(zz: torch.Tensor) -> torch.Tensor:
        parts = model.stream_nll(zz, x, only=only)
        return torch.stack([parts[s] for s in only]).sum(0)

    with torch.enable_grad():  # gradients for z only: the weights' .grad stay untouched
        for it in range(iterations):
            nll = kept_nll(z)
            if trace is not None:
                trace(it, z.detach(), nll.detach())
            loss = 0.5 * z.pow(2).sum() + nll.sum()
            (z.grad,) = torch.autograd.grad(loss, [z])
            opt.step()
    if trace is not None:
        with torch.no_grad():
            trace(iterations, z.detach(), kept_nll(z.detach()))
    return z.detach()
