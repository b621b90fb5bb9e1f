"""Before/after figures of a personalized model (model/finetune.py) and its generated MODEL_CARD.md.

On the composer's **held-out files** (never trained on, nor used for the prior): reconstruction with
z = posterior mean, decoded greedily and with search (what the app uses at temperature 0), and the
per-window NLL bound (negative ELBO: teacher-forced cross-entropy at a seeded posterior draw plus the
KL, nats per window; the early-stopping figure). **Prior samples**: ``n`` draws from the model's sampling
prior decoded at temperature 0.5, their attribute means against the composer's windows (all files);
"distance" is the mean over attributes of |samples - composer| / the composer's spread.
**Forgetting**: the same reconstruction figures on the source model's own test split (or, without the
training corpus, on the source model's replayed decodes that were held out of the fine-tune).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from latentcomposer.data.codec_base import measure_table
from latentcomposer.data.codecs import codec_for, model_arrays

from .engine import Engine
from .vae import LatentVAE

SEARCH_BEAM = 8


def _cond(arrays: dict[str, np.ndarray], sl: slice, device: torch.device) -> torch.Tensor | None:
    if "condition" not in arrays:
        return None
    return torch.as_tensor(np.asarray(arrays["condition"][sl], np.float32), device=device)


@torch.no_grad()
def window_nll(model: LatentVAE, arrays: dict[str, np.ndarray], device: torch.device, batch: int = 256,
               seed: int = 0) -> float:
    """The negative ELBO per window, nats (an upper bound on the window's NLL): the tokens'
    teacher-forced cross-entropy given one seeded draw of z from the posterior, plus the KL of the
    posterior from N(0, I). At z = the posterior mean alone the models with large KL budgets (mel_2bar:
    ~700 nats) reconstruct almost every window for ~0 nats, which says nothing about the style."""
    from .vae import kl_divergence

    was = model.training
    model.eval()
    arrays = model_arrays(codec_for(model.cfg.representation), arrays)  # the model's own form
    tokens = arrays["tokens"]
    gen = torch.Generator(device=device).manual_seed(seed)
    total = 0.0
    for i in range(0, len(tokens), batch):
        sl = slice(i, i + batch)
        x = torch.as_tensor(np.asarray(tokens[sl]), dtype=torch.long, device=device)
        cond = _cond(arrays, sl, device)
        mu, sigma = model.encode(x, cond)
        z = mu + sigma * torch.randn(mu.shape, generator=gen, device=device)
        logits, _ = model.decode_hidden(z, x, condition=cond)
        ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x.reshape(-1),
                                               reduction="sum")
        total += float(ce) + float(kl_divergence(mu, sigma).sum())
    model.train(was)
    return total / max(1, len(tokens))


def reconstruction(engine: Engine, arrays: dict[str, np.ndarray], search: bool = True) -> dict[str, float]:
    """greedy / search step accuracy, KL and NLL per window (models with token decoders)."""
    model = engine.model
    if not isinstance(model, LatentVAE) or not hasattr(model, "decode_hidden") or not len(arrays["tokens"]):
        return {}
    from .evaluate import evaluate_windows

    aux = {k: v for k, v in arrays.items() if k != "tokens"} or None
    try:
        res = evaluate_windows(model, arrays["tokens"], device=engine.device, aux=aux,
                               search_beam=SEARCH_BEAM if search and engine.supports_search else 0)
    except (AttributeError, TypeError, RuntimeError):  # an architecture without token logits
        return {}
    out = {"windows": float(res.windows), "greedy": res.sampled_accuracy, "kl": res.kl,
           "nll": window_nll(model, arrays, engine.device)}
    if res.search_accuracy is not None:
        out["search"] = res.search_accuracy
    return out


def attribute_means(engine: Engine, tokens: np.ndarray) -> dict[str, float]:
    table = engine.codec.attributes()
    values = measure_table(table, np.asarray(tokens))
    return {k: float(v.mean()) for k, v in values.items()}


def composer_attributes(engine: Engine, tokens: np.ndarray, n: int = 300, seed: int = 0) -> dict[str, np.ndarray]:
    """The attributes of (at most ``n``, seeded) of the composer's windows: {name: [windows]}."""
    tokens = np.asarray(tokens)
    if len(tokens) > n:
        tokens = tokens[np.sort(np.random.default_rng(seed).permutation(len(tokens))[:n])]
    return measure_table(engine.codec.attributes(), tokens)


def prior_attributes(engine: Engine, data: dict[str, np.ndarray], n: int = 128, seed: int = 0,
                     temperature: float = 0.5) -> dict[str, Any]:
    """Attribute means of ``n`` samples of the model's sampling prior against the composer's windows'
    (``data``: :func:`composer_attributes`)."""
    table = engine.codec.attributes()
    z = engine.sample_z(n, seed, "fitted")
    samples = measure_table(table, engine.decode_tokens(z, temperature=temperature, seed=seed))
    dist = []
    for k in table:
        spread = float(data[k].std()) or 1.0
        dist.append(abs(float(samples[k].mean()) - float(data[k].mean())) / spread)
    return {"samples": n, "temperature": temperature,
            "composer": {k: float(v.mean()) for k, v in data.items()},
            "samples_mean": {k: float(v.mean()) for k, v in samples.items()},
            "distance": float(np.mean(dist)) if dist else float("nan")}


def measure(engine: Engine, held: dict[str, np.ndarray], composer: dict[str, np.ndarray],
            source_test: dict[str, np.ndarray] | None, prior_samples: int, seed: int) -> dict[str, Any]:
    """Every figure of one model (before or after): held-out reconstruction, prior, forgetting."""
    out: dict[str, Any] = {"held_out": reconstruction(engine, held) if len(held["tokens"]) else {}}
    out["prior"] = prior_attributes(engine, composer, prior_samples, seed)
    if source_test is not None and len(source_test["tokens"]):
        out["source_test"] = reconstruction(engine, source_test, search=False)
    return out


# --- the model card ------------------------------------------------------------------------------
def _f(v: Any, digits: int = 3) -> str:
    return f"{v:.{digits}f}" if isinstance(v, (int, float)) and np.isfinite(v) else "-"


def _recon_rows(before: dict[str, float], after: dict[str, float]) -> list[str]:
    rows = []
    for key, what in (("greedy", "greedy reconstruction (step accuracy)"),
                      ("search", f"search reconstruction (beam {SEARCH_BEAM})"),
                      ("nll", "NLL per window (nats; negative ELBO)"), ("kl", "KL (nats)")):
        if key in before or key in after:
            digits = 1 if key in ("nll", "kl") else 3
            rows.append(f"| {what} | {_f(before.get(key), digits)} | {_f(after.get(key), digits)} |")
    return rows


def card_text(info: dict[str, Any]) -> str:
    """MODEL_CARD.md of a personalized model from :func:`model.finetune.personalize`'s record."""
    before, after = info["before"], info["after"]
    lines = [f"# {info['name']}", "",
             f"{info['label']} model personalized from `{info['source']}` on {info['files_used']} file(s) of "
             f"{info['source_label']} ({info['level_text']}).", "",
             "## What it learned from", "",
             f"- Source model: `{info['source']}` ({info['source_folder']})",
             f"- Music: {info['scan_summary']}",
             f"- Split by file (seed {info['seed']}): {len(info['train_files'])} file(s) learned from, "
             f"{len(info['held_out_files'])} held out for the figures below",
             f"- Learned from: {', '.join(info['train_files']) or '-'}",
             f"- Held out: {', '.join(info['held_out_files']) or '- (one file: no held-out measure)'}"]
    if info.get("training"):
        t = info["training"]
        lines += [f"- Fine-tune: {t['part']} weights, {t['steps']} steps of batch {t['batch_size']} "
                  f"({t['source_share']:.0%} of each batch from {t['source_data']}), learning rate "
                  f"{t['learning_rate']:g}; best held-out NLL at step {t['best_step']}; stopped by "
                  f"{t['stopped_by']}; {t['seconds']:.0f} s on {t['device']}"
                  + ("; no step lowered the held-out NLL, so the weights kept are the source's" if not t["best_step"]
                     else "")]
    lines += [f"- Sampling prior: fitted to the posteriors of {info['prior_windows']} windows of the files "
              "learned from (model/prior.py); attribute vectors "
              + ("refitted after the fine-tune" if info.get("training") else "kept from the source model "
                 "(same weights)"), ""]
    for note in info.get("notes", []):
        lines += [f"Note: {note}", ""]
    lines += ["## Before and after", "", "Held-out files of the composer:", "",
              "| figure | source model | this model |", "| --- | --- | --- |"]
    rows = _recon_rows(before.get("held_out", {}), after.get("held_out", {}))
    lines += rows or ["| (no held-out files) | - | - |"]
    bp, ap = before["prior"], after["prior"]
    lines += ["", f"Prior samples ({ap['samples']} at temperature {ap['temperature']}) against the "
              "composer's windows, attribute means:", "",
              "| attribute | composer | source model's samples | this model's samples |", "| --- | --- | --- | --- |"]
    for k, v in ap["composer"].items():
        lines.append(f"| {k} | {_f(v, 2)} | {_f(bp['samples_mean'].get(k), 2)} | {_f(ap['samples_mean'].get(k), 2)} |")
    lines.append(f"| distance (mean \\|samples - composer\\| / composer's spread) | 0 | {_f(bp['distance'], 2)} | "
                 f"{_f(ap['distance'], 2)} |")
    if "source_test" in before or "source_test" in after:
        lines += ["", f"Forgetting -- the source model's own music ({info['source_test_text']}):", "",
                  "| figure | source model | this model |", "| --- | --- | --- |"]
        lines += _recon_rows(before.get("source_test", {}), after.get("source_test", {}))
    lines += ["", "Made with `latentcomposer finetune` (or the app's *Learn my style…*); the figures are "
              "in config.json's `meta.personalized` too.", ""]
    return "\n".join(lines)
