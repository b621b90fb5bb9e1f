"""Measurements behind model cards that are not plain accuracy.

:func:`prior_check` asks whether samples from the prior look like the data: the attributes of
``n`` decodes of z ~ N(0, I) (and of the model's fitted prior, model/prior.py) at a few temperatures
next to the same attributes of real windows (MusicVAE's informal claim that prior samples "sound like
melodies", as numbers).

:func:`repetition_check` tests the Transformer VAE paper's claim: with causal attention and the KL
term, a bar that repeats an earlier bar should be encoded almost for free (its latent stays near the
prior, and the decoder copies the earlier bar through the causal context).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import torch

from ..data.codec_base import Codec, measure_table
from .engine import Engine
from .vae import kl_divergence


@dataclass
class RepetitionReport:
    windows: int  # windows with at least one repeated bar
    repeated_bars: int
    first_occurrences: int
    other_bars: int
    kl_repeated: float  # mean KL (nats) of a bar that repeats an earlier bar
    kl_first: float  # mean KL of the first occurrence of a bar that is repeated later
    kl_other: float  # mean KL of bars that neither repeat nor are repeated
    repeat_reproduced: float  # share of repeated bars decoded (greedy) exactly as the input bar
    first_reproduced: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _bar_roles(window: np.ndarray, n_bars: int, silent: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """``silent``: a silent bar, flattened (the codec's silent step repeated)."""
    bars = window.reshape(n_bars, -1)
    seen: dict[bytes, int] = {}
    repeats, firsts = [], set()
    for t, bar in enumerate(bars):
        if (bar == silent).all():
            continue
        key = bar.tobytes()
        if key in seen:
            repeats.append(t)
            firsts.add(seen[key])
        else:
            seen[key] = t
    others = [t for t in range(n_bars) if t not in firsts and t not in repeats and not (bars[t] == silent).all()]
    return repeats, sorted(firsts), others


@torch.inference_mode()
def repetition_check(engine: Engine, windows: np.ndarray, batch: int = 128) -> RepetitionReport:
    """Per-bar KL and reproduction of repeated vs first-occurrence bars, on windows of a per-bar model."""
    if not engine.per_bar:
        raise ValueError("repetition_check needs a per-bar (tvae) model")
    cfg = engine.cfg
    silent = np.full((cfg.steps_per_bar, *engine.token_shape), engine.codec.silent_token).reshape(-1)
    roles = [_bar_roles(w, cfg.n_bars, silent) for w in windows]
    keep = [i for i, r in enumerate(roles) if r[0]]
    kl_r: list[float] = []
    kl_f: list[float] = []
    kl_o: list[float] = []
    rep_ok = first_ok = 0
    for s in range(0, len(keep), batch):
        idx = keep[s:s + batch]
        x = torch.as_tensor(windows[idx], dtype=torch.long, device=engine.device)
        mu, sigma = engine.model.encode(x)
        b = len(idx)
        kl = kl_divergence(mu.reshape(b, cfg.n_bars, -1), sigma.reshape(b, cfg.n_bars, -1)).cpu().numpy()
        dec = engine.decode_tokens(mu).reshape(b, cfg.n_bars, -1)
        inp = windows[idx].reshape(b, cfg.n_bars, -1)
        for j, i in enumerate(idx):
            reps, firsts, others = roles[i]
            kl_r += [float(kl[j, t]) for t in reps]
            kl_f += [float(kl[j, t]) for t in firsts]
            kl_o += [float(kl[j, t]) for t in others]
            rep_ok += sum(int(np.array_equal(dec[j, t], inp[j, t])) for t in reps)
            first_ok += sum(int(np.array_equal(dec[j, t], inp[j, t])) for t in firsts)

    def mean(v: list[float]) -> float:
        return float(np.mean(v)) if v else float("nan")

    return RepetitionReport(len(keep), len(kl_r), len(kl_f), len(kl_o), mean(kl_r), mean(kl_f), mean(kl_o),
                            rep_ok / max(1, len(kl_r)), first_ok / max(1, len(kl_f)))


def _summary(windows: np.ndarray, codec: Codec) -> dict[str, float]:
    values = measure_table(codec.attributes(), windows)
    out = {name: float(v.mean()) for name, v in values.items()}
    out.update(codec.summary(values))
    out["share silent"] = float((values["density"] == 0).mean())
    return out


@torch.inference_mode()
def prior_check(engine: Engine, windows: np.ndarray, n: int = 256,
                temperatures: tuple[float, ...] = (0.5, 1.0), seed: int = 0) -> dict[str, Any]:
    """Attribute means of ``n`` prior samples per temperature and of ``windows`` (real data).

    Returns ``{"samples": n, "data": {attr: mean}, "prior": {"0.5": {attr: mean}, ...}}`` -- z ~ N(0, I),
    plus ``"fitted 0.5"``... when the model ships a fitted prior (model/prior.py); melodies also get the
    share of windows in one key (in-key >= 0.9) and, both kinds, the share decoded silent."""
    rep = engine.codec
    priors: list[tuple[str, Literal["standard", "fitted"]]] = [("", "standard")]
    if engine.fitted_prior is not None:
        priors.append(("fitted ", "fitted"))
    out = {}
    for label, which in priors:
        z = engine.sample_z(n, seed, which)
        for t in temperatures:
            out[f"{label}{t:g}"] = _summary(engine.decode_tokens(z, temperature=t, seed=seed), rep)
    return {"samples": n, "data": _summary(np.asarray(windows), rep), "prior": out}
