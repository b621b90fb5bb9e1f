"""Measurements behind model cards that are not plain accuracy.

:func:`prior_check` asks whether samples from the prior look like the data: the attributes of
``n`` decodes of z ~ N(0, I) (and of the model's fitted prior, model/prior.py) at a few temperatures
next to the same attributes of real windows (MusicVAE's informal claim that prior samples "sound like
melodies", as numbers).

:func:`repetition_check` tests the Transformer VAE paper's claim: with causal attention and the KL
term, a bar that repeats an earlier bar should be encoded almost for free (its latent stays near the
prior, and the decoder copies the earlier bar through the causal context).

:func:`transfer_check` tests the paper's context-transfer claim: the first bar of X1 decoded in the
flow of X2 should also appear where X2 repeats its first bar.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import torch

from ..data.codec_base import Codec, measure_table
from . import structure_prior
from .engine import Engine
from .structure_prior import StructurePrior
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


@dataclass
class TransferReport:
    pairs: int  # (X2, X1) pairs: X2 has a later bar that (nearly) repeats its bar 1, X1 a different bar 1
    recurrences: int  # later bars of X2 that (nearly) repeat its bar 1
    others: int  # later bars of X2 unlike its bar 1
    follows_new: float  # mean step agreement, at each recurrence, of the output bar with X1's bar 1
    keeps_old: float  # ... of the output bar with X2's own bar there (a splice gives ~1.0 here)
    splice_follows_new: float  # what a splice scores on follows_new: X2's bar there against X1's bar 1
    first_bar: float  # agreement of output bar 1 with X1's bar 1 (the transferred bar itself)
    others_kept: float  # agreement of the output's non-repeating bars with X2's reconstruction

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _agree_events(a: np.ndarray, b: np.ndarray, hold: int | None = None) -> float:
    """Share of steps on which two bars agree; with ``hold`` (the token that continues whatever sounds)
    only steps where either bar has an event count, so two bars of long notes do not agree on their
    held steps (1.0 when neither has an event)."""
    if hold is None:
        return float((a == b).mean())
    ev = (a != hold) | (b != hold)
    return float((a[ev] == b[ev]).mean()) if ev.any() else 1.0


@torch.inference_mode()
def transfer_check(engine: Engine, windows: np.ndarray, near: float = 0.875, unlike: float = 0.5,
                   max_pairs: int = 256, seed: int = 0, structure: StructurePrior | None = None) -> TransferReport:
    """Context transfer of bar 1 on test windows (Jiang et al. 2020, §4.3 / fig. 4).

    X2: windows with a later bar agreeing with their bar 1 on >= ``near`` of its steps (a recurrence);
    X1: another window whose bar 1 agrees with X2's bar 1 on < ``unlike`` of its steps. Bar 1's latent is
    taken from X1 (the posterior means), every other from X2, decoded at temperature 0 with the engine's
    decoding (search by default, as the app's transfer). At each recurrence the
    output bar is compared step by step with X1's bar 1; bars of X2 unlike its bar 1 (< ``unlike``) are
    compared with X2's own reconstruction. Agreement counts the steps where either bar has an event
    (a note starts or ends), so held notes do not inflate it. With ``structure`` (model/structure_prior.py)
    the transfer follows X2's structure as the engine's does: bars of X2 that the prior reads as
    references to bar 1 (directly or through a chain) take X1's bar-1 latent too."""
    if not engine.per_bar:
        raise ValueError("transfer_check needs a per-bar (tvae) model")
    cfg = engine.cfg
    n = cfg.n_bars
    bars = np.asarray(windows).reshape(len(windows), n, -1)
    silent = np.full((cfg.steps_per_bar, *engine.token_shape), engine.codec.silent_token).reshape(-1)
    sounding = ~(bars[:, 0] == silent).all(-1)
    st = engine.codec.silent_token
    hold = int(st) if np.ndim(st) == 0 else None

    def _agree(a: np.ndarray, b: np.ndarray) -> float:
        return _agree_events(a, b, hold)

    rec = [[t for t in range(1, n) if _agree(w[t], w[0]) >= near] for w in bars]
    cand = [i for i in range(len(bars)) if rec[i] and sounding[i]]
    rng = np.random.default_rng(seed)
    rng.shuffle(cand)
    donors = np.flatnonzero(sounding)
    pairs: list[tuple[int, int]] = []
    for i in cand[:max_pairs]:
        for j in rng.permutation(donors)[:50]:
            if j != i and _agree(bars[j, 0], bars[i, 0]) < unlike:
                pairs.append((i, int(j)))
                break
    if not pairs:
        raise ValueError("no test window repeats its first bar later")
    x2 = torch.as_tensor(windows[[p[0] for p in pairs]], dtype=torch.long, device=engine.device)
    x1 = torch.as_tensor(windows[[p[1] for p in pairs]], dtype=torch.long, device=engine.device)
    mu2, sigma2 = engine.model.encode(x2)
    mu1, _ = engine.model.encode(x1)
    d = cfg.bar_z_dim
    mixed = mu2.clone()
    mixed[:, :d] = mu1[:, :d]
    if structure is not None:
        _, resp = structure_prior.bar_kl(mu2.reshape(len(pairs), n, d).cpu().numpy(),
                                         sigma2.reshape(len(pairs), n, d).cpu().numpy(), structure, seed=seed)
        refs = structure_prior.references(resp)
        z = mixed.reshape(len(pairs), n, d).cpu().numpy()
        mixed = torch.as_tensor(np.stack([structure_prior.follow(z[k], refs[k], [0])[0] for k in range(len(pairs))]
                                         ).reshape(len(pairs), -1), device=mixed.device)
    recon = engine.decode_tokens(mu2).reshape(len(pairs), n, -1)
    out = engine.decode_tokens(mixed).reshape(len(pairs), n, -1)
    follows, keeps, splice, first, kept = [], [], [], [], []
    n_other = 0
    for k, (i, j) in enumerate(pairs):
        new_bar = bars[j, 0]
        first.append(_agree(out[k, 0], new_bar))
        for t in rec[i]:
            follows.append(_agree(out[k, t], new_bar))
            keeps.append(_agree(out[k, t], bars[i, t]))
            splice.append(_agree(bars[i, t], new_bar))
        for t in range(1, n):
            if _agree(bars[i, t], bars[i, 0]) < unlike and not (bars[i, t] == silent).all():
                kept.append(_agree(out[k, t], recon[k, t]))
                n_other += 1
    return TransferReport(len(pairs), len(follows), n_other, float(np.mean(follows)), float(np.mean(keeps)),
                          float(np.mean(splice)), float(np.mean(first)),
                          float(np.mean(kept)) if kept else float("nan"))


def _summary(windows: np.ndarray, codec: Codec) -> dict[str, float]:
    values = measure_table(codec.attributes(), windows)
    out = {name: float(v.mean()) for name, v in values.items()}
    out.update(codec.summary(values))
    out["share silent"] = float((values["density"] == 0).mean())
    return out


@torch.inference_mode()
def prior_check(engine: Engine, windows: np.ndarray, n: int = 256,
                temperatures: tuple[float, ...] = (0.5, 1.0), seed: int = 0, condition: np.ndarray | None = None
                ) -> dict[str, Any]:
    """Attribute means of ``n`` prior samples per temperature and of ``windows`` (real data).

    Returns ``{"samples": n, "data": {attr: mean}, "prior": {"0.5": {attr: mean}, ...}}`` -- z ~ N(0, I),
    plus ``"fitted 0.5"``... when the model ships a fitted prior (model/prior.py) and ``"kernel 0.5"``...
    when it ships a kernel prior (model/kernel_prior.py); melodies also get the
    share of windows in one key (in-key >= 0.9) and, both kinds, the share decoded silent.
    ``condition`` (a chord-conditioned model): the windows' own; each sample is decoded over the chords of
    a random one of them."""
    rep = engine.codec
    over = None if condition is None else np.asarray(condition)[np.random.default_rng(seed).integers(
        0, len(condition), n)]
    priors: list[tuple[str, Literal["standard", "fitted", "kernel"]]] = [("", "standard")]
    if engine.fitted_prior is not None:
        priors.append(("fitted ", "fitted"))
    if engine.kernel_prior is not None:
        priors.append(("kernel ", "kernel"))
    out = {}
    for label, which in priors:
        z = engine.sample_z(n, seed, which)
        for t in temperatures:
            out[f"{label}{t:g}"] = _summary(engine.decode_tokens(z, temperature=t, seed=seed, condition=over), rep)
    return {"samples": n, "data": _summary(np.asarray(windows), rep), "prior": out}
