"""An autoregressive prior over per-bar latents: p(z_t | z_1..z_{t-1}) for the Transformer VAE.

The per-bar model (``tvae_16bar``) gives one 32-dim latent per bar; its decoder reads them through a
causal context, and its training prior is N(0, I) per bar, independently. Real music is not
independent from bar to bar: a bar's latent depends on the key, register and rhythm of the bars
before it. This module fits that dependence after training ("ex-post", as model/prior.py does for whole
windows): a GRU runs over the posterior means of training windows, bar by bar, and predicts a mixture
of ``components`` diagonal Gaussians for the next bar's latent. It gives

- **Continue** (extend a phrase by N bars in its style): draw the next bars' latents given the clip's,
- **infill** (see :mod:`.continuation`): draw candidates for the selected bars given the bars before
  and keep the one under which the bars after are most likely,
- **in-style samples**: draw all 16 bars, each given the ones before.

Weights: ``bar_prior.safetensors`` beside the model's weights, with ``bar_prior.json`` (its shape, how
it was fitted, its figures and the SHA-256 of the ``model.safetensors`` it was fitted to; the engine
ignores a prior fitted to other weights). Fit with ``latentcomposer fit-bar-prior --model tvae_16bar``.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from latentcomposer.core.errors import UserFacingError

from .digest import weights_digest  # noqa: F401  (a bar prior belongs to the weights it was fitted to)

WEIGHTS, META = "bar_prior.safetensors", "bar_prior.json"
BAR_PRIOR_FORMAT = 1


class BarPriorError(UserFacingError):
    """A bar prior file that cannot be used (damaged, or of another shape than its model)."""


@dataclass(frozen=True)
class BarPriorConfig:
    bar_z_dim: int  # the latent of one bar
    n_bars: int  # bars per window (positions the prior knows)
    hidden: int = 256  # GRU width
    layers: int = 1
    components: int = 8  # mixture components per bar


class BarPrior(nn.Module):
    """z [B, T, d] -> the mixture for each bar given the bars before it: (logits [B, T, K],
    means [B, T, K, d], log_std [B, T, K, d]); position t's mixture is p(z_t | z_<t)."""

    z_mean: torch.Tensor
    z_std: torch.Tensor

    def __init__(self, cfg: BarPriorConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d, h, k = cfg.bar_z_dim, cfg.hidden, cfg.components
        self.start = nn.Parameter(torch.zeros(d))
        self.pos = nn.Embedding(cfg.n_bars, h)
        self.inp = nn.Linear(d, h)
        self.rnn = nn.GRU(h, h, cfg.layers, batch_first=True)
        self.out = nn.Linear(h, k * (1 + 2 * d))
        # z is normalised with the training posteriors' mean and std (stored with the weights)
        self.register_buffer("z_mean", torch.zeros(d))
        self.register_buffer("z_std", torch.ones(d))

    def _heads(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        k, d = self.cfg.components, self.cfg.bar_z_dim
        o = self.out(y)
        logits = o[..., :k]
        rest = o[..., k:].reshape(*o.shape[:-1], k, 2 * d)
        return logits, rest[..., :d], rest[..., d:].clamp(-7.0, 3.0)

    def _inputs(self, zn: torch.Tensor) -> torch.Tensor:
        """Normalised z [B, T, d] -> GRU inputs [B, T, h]: position t reads z_{t-1} (the start vector
        at t = 0) and its position."""
        b, t, _ = zn.shape
        prev = torch.cat([self.start.expand(b, 1, -1), zn[:, :-1]], 1)
        pos = torch.arange(t, device=zn.device).clamp(max=self.cfg.n_bars - 1)
        return self.inp(prev) + self.pos(pos)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        zn = (z - self.z_mean) / self.z_std
        y, _ = self.rnn(self._inputs(zn))
        return self._heads(y)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z_t | z_<t) per bar [B, T], in nats (of z itself, not the normalised z)."""
        logits, means, log_std = self(z)
        zn = ((z - self.z_mean) / self.z_std).unsqueeze(-2)  # [B, T, 1, d]
        comp = (-0.5 * ((zn - means) / log_std.exp()) ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        lp = torch.logsumexp(F.log_softmax(logits, -1) + comp, -1)
        return lp - torch.log(self.z_std).sum()

    @torch.no_grad()
    def sample(self, context: torch.Tensor, n_new: int, generator: torch.Generator,
               temperature: float = 1.0) -> torch.Tensor:
        """``n_new`` bars [B, n_new, d] after ``context`` [B, c, d] (c may be 0), each drawn given all the
        bars before it. ``temperature`` scales each component's spread (0: its mean) and sharpens the
        choice of component (``logits / temperature``)."""
        b, c, d = context.shape
        tau = max(float(temperature), 0.0)
        h = None
        prev = self.start.expand(b, -1)
        if c:
            zn_ctx = (context - self.z_mean) / self.z_std
            _, h = self.rnn(self._inputs(zn_ctx))  # positions 0..c-1 read the start, z_0..z_{c-2}
            prev = zn_ctx[:, -1]
        out = []
        rows = torch.arange(b, device=context.device)
        for i in range(n_new):
            pos = torch.full((b,), min(c + i, self.cfg.n_bars - 1), dtype=torch.long, device=context.device)
            y, h = self.rnn((self.inp(prev) + self.pos(pos)).unsqueeze(1), h)
            logits, means, log_std = self._heads(y[:, -1])
            if tau > 0:
                comp = torch.multinomial(F.softmax(logits / tau, -1), 1, generator=generator)[:, 0]
            else:
                comp = logits.argmax(-1)
            eps = torch.randn(means.shape[0], d, generator=generator, device=means.device)
            zn = means[rows, comp] + tau * log_std[rows, comp].exp() * eps
            out.append(zn)
            prev = zn
        zs = torch.stack(out, 1) if out else context.new_zeros(b, 0, d)
        return zs * self.z_std + self.z_mean


# --- files ---------------------------------------------------------------------------------------
def save_bar_prior(folder: Path, prior: BarPrior, meta: dict[str, Any]) -> None:
    """``bar_prior.safetensors`` + ``bar_prior.json`` into the model folder (each written atomically)."""
    tensors = {k: v.detach().cpu().float().contiguous() for k, v in prior.state_dict().items()}
    tmp = folder / f".{WEIGHTS}.tmp"
    save_file(tensors, str(tmp), metadata={"format": str(BAR_PRIOR_FORMAT)})
    tmp.chmod(0o644)  # readable as the weights beside it are (safetensors writes the file 0600)
    tmp.replace(folder / WEIGHTS)
    doc = {"format": BAR_PRIOR_FORMAT, "config": asdict(prior.cfg), "model_sha256": weights_digest(folder),
           "meta": meta}
    tmpj = folder / f".{META}.tmp"
    tmpj.write_text(json.dumps(doc, indent=2) + "\n")
    tmpj.replace(folder / META)


def bar_prior_status(folder: Path | None) -> str:
    """'' when the folder holds a bar prior fitted to its weights, else why not (in words)."""
    if folder is None or not (folder / META).exists() or not (folder / WEIGHTS).exists():
        return "it has no bar prior"
    try:
        doc = json.loads((folder / META).read_text())
    except (OSError, ValueError):
        return "its bar_prior.json is damaged"
    if doc.get("model_sha256") != weights_digest(folder):
        return "its bar prior was fitted to other weights"
    return ""


def bar_prior_meta(folder: Path | None) -> dict[str, Any]:
    """The ``meta`` block of ``bar_prior.json`` ({} when there is none or it is unreadable)."""
    try:
        doc = json.loads((Path(folder) / META).read_text()) if folder is not None else {}
    except (OSError, ValueError):
        return {}
    meta = doc.get("meta", {}) if isinstance(doc, dict) else {}
    return meta if isinstance(meta, dict) else {}


def load_bar_prior(folder: Path | None, bar_z_dim: int, n_bars: int) -> BarPrior | None:
    """The bar prior beside the weights in ``folder``, or None when there is none or it was fitted to
    other weights (see :func:`bar_prior_status`). A damaged file raises :class:`BarPriorError`."""
    if bar_prior_status(folder):
        return None
    assert folder is not None
    try:
        doc = json.loads((folder / META).read_text())
        cfg = BarPriorConfig(**doc["config"])
        tensors = load_file(str(folder / WEIGHTS))
    except Exception as exc:
        raise BarPriorError(f"{folder}: the bar prior files are damaged ({exc}); refit them with "
                            f"`latentcomposer fit-bar-prior --model {folder.name}`") from None
    if cfg.bar_z_dim != bar_z_dim or cfg.n_bars != n_bars:
        raise BarPriorError(f"{folder}: the bar prior is for {cfg.n_bars} bars of {cfg.bar_z_dim} dims, the model "
                            f"has {n_bars} of {bar_z_dim}; refit it with `latentcomposer fit-bar-prior`")
    prior = BarPrior(cfg)
    try:
        prior.load_state_dict(tensors)
    except RuntimeError as exc:
        raise BarPriorError(f"{folder}: bar_prior.safetensors does not fit bar_prior.json ({exc})") from None
    return prior.eval()


# --- fitting -------------------------------------------------------------------------------------
def fit_bar_prior(z_train: np.ndarray, z_valid: np.ndarray, cfg: BarPriorConfig, steps: int = 3000,
                  batch: int = 128, lr: float = 2e-3, seed: int = 0, log: Any = None
                  ) -> tuple[BarPrior, dict[str, Any]]:
    """Fit to posterior means [N, n_bars, d] (seeded; run it on one thread for the same bits every
    time). Returns the prior (eval mode) and its figures: validation NLL per bar under the prior
    and under N(0, I) and under one Gaussian per bar position fitted to the training latents."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    prior = BarPrior(cfg)
    zt = torch.as_tensor(z_train, dtype=torch.float32)
    zv = torch.as_tensor(z_valid, dtype=torch.float32)
    prior.z_mean.copy_(zt.reshape(-1, cfg.bar_z_dim).mean(0))
    prior.z_std.copy_(zt.reshape(-1, cfg.bar_z_dim).std(0).clamp(min=1e-3))
    opt = torch.optim.Adam(prior.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=lr * 0.05)
    start = time.monotonic()
    prior.train()
    for step in range(steps):
        idx = torch.as_tensor(rng.integers(0, len(zt), batch))
        loss = -prior.log_prob(zt[idx]).mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(prior.parameters(), 1.0)
        opt.step()
        sched.step()
        if log is not None and (step % 500 == 0 or step == steps - 1):
            log(f"step {step} train NLL per bar {loss.item():.2f} nats")
    prior.eval()
    with torch.no_grad():
        nll = float(-prior.log_prob(zv).mean())  # log_prob is per bar
        nll_std = float(0.5 * (zv ** 2).sum(-1).mean() + 0.5 * cfg.bar_z_dim * math.log(2 * math.pi))
        m, s = zt.mean(0), zt.std(0).clamp(min=1e-3)  # one Gaussian per bar position
        nll_pos = float((0.5 * ((zv - m) / s) ** 2 + torch.log(s) + 0.5 * math.log(2 * math.pi)).sum(-1).mean())
    figures = {"train_windows": int(len(zt)), "valid_windows": int(len(zv)), "steps": steps, "batch": batch,
               "seed": seed, "fit_seconds": round(time.monotonic() - start, 1),
               "valid_nll_per_bar": round(nll, 2), "valid_nll_per_bar_standard_normal": round(nll_std, 2),
               "valid_nll_per_bar_diag_gaussian_per_position": round(nll_pos, 2)}
    return prior, figures
