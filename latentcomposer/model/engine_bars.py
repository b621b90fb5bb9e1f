"""The engine's per-bar tools (models with one latent per bar: tvae_16bar): the Bars tab's encode /
decode per bar, context transfer, re-sampling a bar, and the bar prior's Continue / infill / per-bar
sliders (model/continuation.py). A mixin of :class:`~.engine.Engine`, kept apart to keep each file
readable; it uses only the engine's public calls."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.data.melody import STEPS_PER_BAR

from .engine_types import EncodeResult, EngineError, Generated

if TYPE_CHECKING:
    from .bar_prior import BarPrior
    from .structure_prior import StructurePrior


class _Engine(Protocol):
    """What the per-bar tools use of the engine."""

    cfg: Any
    name: str
    folder: Path | None

    def _caps(self) -> Any: ...

    @property
    def per_bar(self) -> bool: ...

    @property
    def bar_prior(self) -> BarPrior | None: ...

    @property
    def structure_prior(self) -> StructurePrior | None: ...

    def bar_posteriors(self, clip: Clip) -> tuple[np.ndarray, np.ndarray]: ...

    def bar_structure(self, clip: Clip) -> tuple[np.ndarray, np.ndarray]: ...

    def _need_per_bar(self, what: str) -> None: ...

    def encode(self, clips: list[Clip] | Clip, seed: int | None = 0, condition: np.ndarray | None = None
               ) -> EncodeResult: ...

    def clip_steps(self, clip: Clip) -> int: ...

    def decode(self, z: Any, temperature: float = 0.0, seed: int | None = 0, template: Clip | None = None,
               velocity: int | None = None, name: str = "decoded", join: bool = False,
               n_steps: int | None = None, condition: np.ndarray | None = None, decoding: str | None = None
               ) -> list[Clip]: ...

    def encode_bars(self, clip: Clip) -> np.ndarray: ...

    def decode_bars(self, bars_z: np.ndarray, temperature: float = 0.0, seed: int | None = 0,
                    template: Clip | None = None, velocity: int | None = None, name: str = "decoded",
                    n_steps: int | None = None) -> Clip: ...


class PerBarTools:
    @property
    def per_bar(self: _Engine) -> bool:
        """Whether z is one latent per bar (the Bars tab, context transfer, re-sampling a bar)."""
        return bool(self._caps().per_bar_latents)

    def _need_per_bar(self: _Engine, what: str) -> None:
        if not self.per_bar:
            raise EngineError(f"{what} needs a model with per-bar latents (e.g. tvae_16bar); "
                              f"{self.name} has one latent per {self.cfg.n_bars}-bar window")

    def encode_bars(self: _Engine, clip: Clip) -> np.ndarray:
        """Per-bar posterior means Z [bars, bar_z], one row per bar of the clip, in order (the rest
        bars that pad it to whole windows are left out; the encoder is causal, so they never affect
        the clip's own bars)."""
        return self.bar_posteriors(clip)[0]

    def bar_posteriors(self: _Engine, clip: Clip) -> tuple[np.ndarray, np.ndarray]:
        """Per-bar posteriors (mu, sigma) [bars, bar_z] of the clip's bars, in order (as encode_bars)."""
        self._need_per_bar("encode_bars")
        code = self.encode([clip])
        bars = max(1, -(-self.clip_steps(clip) // STEPS_PER_BAR))
        d = self.cfg.bar_z_dim
        return code.mu.reshape(-1, d)[:bars], code.sigma.reshape(-1, d)[:bars]

    # --- the structure prior: which bars refer back (model/structure_prior.py) ----------------------
    @property
    def structure_prior(self: _Engine) -> StructurePrior | None:
        """The per-bar model's structure prior when its folder holds one fitted to these weights."""
        cache = vars(self)
        if "_structure_prior" not in cache:
            from . import structure_prior

            cache["_structure_prior"] = structure_prior.load(self.folder, self.cfg.n_bars) if self.per_bar else None
        prior: StructurePrior | None = cache["_structure_prior"]
        return prior

    def reset_structure_prior(self: _Engine) -> None:
        """Read the structure prior again (after ``fit-structure-prior`` wrote a new one)."""
        self.__dict__.pop("_structure_prior", None)

    def bar_structure(self: _Engine, clip: Clip) -> tuple[np.ndarray, np.ndarray]:
        """Per bar of ``clip``: its KL in nats and the earlier bar it refers to (0-based; -1: new
        material). Under the structure prior when the model has one (a repeat costs a few nats), else
        KL against N(0, I) and no references."""
        from . import structure_prior

        mu, sigma = self.bar_posteriors(clip)
        prior = self.structure_prior
        if prior is None:
            return structure_prior.standard_normal_kl(mu, sigma), np.full(len(mu), -1)
        kl, resp = structure_prior.bar_kl(mu, sigma, prior)
        return kl, structure_prior.references(resp)

    def decode_bars(self: _Engine, bars_z: np.ndarray, temperature: float = 0.0, seed: int | None = 0,
                    template: Clip | None = None, velocity: int | None = None, name: str = "decoded",
                    n_steps: int | None = None) -> Clip:
        """One clip from per-bar latents Z [bars, bar_z] (padded with the rest latent to whole windows)."""
        self._need_per_bar("decode_bars")
        zb = np.asarray(bars_z, dtype=np.float32)
        if zb.ndim != 2 or zb.shape[1] != self.cfg.bar_z_dim:
            raise EngineError(f"bar latents must be [bars, {self.cfg.bar_z_dim}], got {list(zb.shape)}")
        n = self.cfg.n_bars
        windows = -(-len(zb) // n)
        if len(zb) % n:
            zb = np.concatenate([zb, np.zeros((windows * n - len(zb), zb.shape[1]), np.float32)])
        n_steps = n_steps if n_steps is not None else len(bars_z) * STEPS_PER_BAR
        return self.decode(zb.reshape(windows, -1), temperature, seed, template, velocity, name,
                           join=True, n_steps=n_steps)[0]

    def context_transfer(self: _Engine, x1: Clip, x2: Clip, bars_from_x1: list[int] | tuple[int, ...] = (0,),
                         temperature: float = 0.0, seed: int | None = 0, velocity: int | None = None,
                         follow_structure: bool = True) -> Generated:
        """Bars listed (0-based) take X1's latents, all others X2's; decoded in X2's flow. With the
        model's structure prior (and ``follow_structure``), bars of X2 that refer back to a transferred
        bar take its new latent too, so X2's repeats of that bar repeat the new one (the Transformer VAE
        paper's context transfer); ``Generated.followed`` lists them."""
        from . import structure_prior

        self._need_per_bar("context transfer")
        z1 = self.encode_bars(x1)
        z2, sigma2 = self.bar_posteriors(x2)
        bars = sorted(set(bars_from_x1))
        bad = [b for b in bars if not (0 <= b < len(z1) and b < len(z2))]
        if bad:
            raise EngineError(f"bar {bad[0] + 1} is not in both clips ({len(z1)} and {len(z2)} bars)")
        z = z2.copy()
        z[bars] = z1[bars]
        followed: list[int] = []
        prior = self.structure_prior if follow_structure else None
        if prior is not None:
            refs = structure_prior.references(structure_prior.bar_kl(z2, sigma2, prior)[1])
            z, followed = structure_prior.follow(z, refs, bars)
        n_steps = self.clip_steps(x2)
        label = ",".join(str(b + 1) for b in bars)
        out = self.decode_bars(z, temperature, seed, x2, velocity, f"{x2.name} with bars {label} of {x1.name}",
                               n_steps=n_steps)
        return Generated([out], [], z, followed=followed)

    def resample_bar(self: _Engine, clip: Clip, bar: int, temperature: float = 1.0, seed: int | None = 0,
                     toward: Clip | None = None, amount: float = 1.0, velocity: int | None = None) -> Generated:
        """Re-draw one bar's latent from the prior (scaled by ``temperature``), or move it ``amount``
        of the way toward the same bar of ``toward``; the other bars keep theirs and are decoded in
        context (later bars may change: they see the new bar through the causal decoder)."""
        self._need_per_bar("re-sampling a bar")
        z = self.encode_bars(clip)
        if not 0 <= bar < len(z):
            raise EngineError(f"bar {bar + 1} is outside the clip (1..{len(z)})")
        if toward is not None:
            zt = self.encode_bars(toward)
            if bar >= len(zt):
                raise EngineError(f"'{toward.name}' has no bar {bar + 1}")
            z[bar] = (1 - amount) * z[bar] + amount * zt[bar]
        else:
            rng = np.random.default_rng(0 if seed is None else seed)
            z[bar] = np.asarray(rng.standard_normal(z.shape[1]), dtype=np.float32) * max(temperature, 0.0)
        out = self.decode_bars(z, 0.0, seed, clip, velocity, f"{clip.name} (bar {bar + 1} re-sampled)",
                               n_steps=self.clip_steps(clip))
        return Generated([out], [], z)

    # --- the bar prior (per-bar models): Continue, infill (model/continuation.py) -----------------
    @property
    def bar_prior(self: _Engine) -> BarPrior | None:
        """The per-bar model's autoregressive bar prior when its folder holds one fitted to these weights."""
        cache = vars(self)  # read once per engine (reset_bar_prior reads it again)
        if "_bar_prior" not in cache:
            from .bar_prior import load_bar_prior

            cache["_bar_prior"] = (load_bar_prior(self.folder, self.cfg.bar_z_dim, self.cfg.n_bars)
                                   if self.per_bar else None)
        prior: BarPrior | None = cache["_bar_prior"]
        return prior

    def reset_bar_prior(self: _Engine) -> None:
        """Read the bar prior again (after ``fit-bar-prior`` wrote a new one)."""
        self.__dict__.pop("_bar_prior", None)

    @property
    def bar_vectors(self: _Engine) -> dict[str, list[float]]:
        """Per-bar attribute vectors fitted with the bar prior ({} without one): the per-bar sliders."""
        from .bar_prior import bar_prior_meta

        return bar_prior_meta(self.folder).get("bar_vectors", {}) if self.bar_prior is not None else {}

    def shift_bar(self: _Engine, clip: Clip, bar: int, attribute: str, amount: float,
                  velocity: int | None = None) -> Generated:
        """Bar ``bar`` (0-based) moved along its per-bar attribute vector; the other bars unchanged."""
        from . import continuation

        return Generated([continuation.shift_bar(cast(Any, self), clip, bar, attribute, amount, velocity)], [], None)

    def continue_clip(self: _Engine, clip: Clip, bars: int = 4, temperature: float | None = None,
                      seed: int | None = 0, velocity: int | None = None) -> Generated:
        """The clip extended by ``bars`` bars in its style; its own bars come back unchanged
        (``temperature`` None: continuation.DEFAULT_TEMPERATURE)."""
        from . import continuation

        temp = continuation.DEFAULT_TEMPERATURE if temperature is None else temperature
        out, z = continuation.continue_clip(cast(Any, self), clip, bars, temp, seed, velocity=velocity)
        return Generated([out], [], z)

    def infill(self: _Engine, clip: Clip, bars: tuple[int, int], temperature: float | None = None,
               seed: int | None = 0, candidates: int | None = None, velocity: int | None = None) -> Generated:
        """Bars ``[a, b)`` (0-based) regenerated given both sides; every other bar unchanged (None:
        continuation's DEFAULT_TEMPERATURE / DEFAULT_CANDIDATES)."""
        from . import continuation

        temp = continuation.DEFAULT_TEMPERATURE if temperature is None else temperature
        cands = continuation.DEFAULT_CANDIDATES if candidates is None else candidates
        out, _ = continuation.infill(cast(Any, self), clip, bars, temp, seed, cands, velocity=velocity)
        return Generated([out], [], None)
