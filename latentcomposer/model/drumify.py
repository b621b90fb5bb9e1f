"""Drumify: a drum part that follows a clip's rhythm (Magenta Studio's Drumify, GrooVAE's Tap2Drum).

A small **tap encoder** reads only the onset pattern of a 2-bar window (per 16th step: onset, plus
velocity and microtiming when the part has them: :mod:`latentcomposer.data.taps`) and predicts the
latent code z of the shipped, frozen ``drums_2bar`` VAE; that model's decoder turns z into drums. The
encoder was trained to regress the drums_2bar posterior mean of the full GMD drum pattern the taps
came from (``model/drumify_train.py``), with a second head giving the spread of that code around its
prediction, which ``temperature`` samples from (temperature 0: the predicted code itself). Decoding
is the drum engine's (search at temperature 0 unless the engine is set to greedy).

A Drumify model is a companion folder, not a VAE of the model registry: ``models/drumify_2bar/`` holds
``tap_encoder.safetensors``, ``config.json`` (``"kind": "drumify"``, ``"pairs_with": "drums_2bar"``:
the drum model whose latent space it predicts) and ``MODEL_CARD.md``. The registry lists only
folders with ``model.safetensors``, so it never offers the tap encoder as a model of its own.

    drumify = Drumify.load("drumify_2bar")      # loads drums_2bar too (or pass engine=)
    out = drumify.drumify(melody_clip, temperature=0.0, seed=0)   # Generated: .clips[0] is the drum part
    engine.drumify(clip)                        # the same through a loaded drums_2bar Engine
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F

from latentcomposer.core import DRUM_CHANNEL, Clip
from latentcomposer.data.taps import ONSET, clip_taps

from .drumify_config import (
    CONFIG_FILE,
    DEFAULT_NAME,
    KIND,
    MAX_WEIGHTS_BYTES,
    WEIGHTS_FILE,
    DrumifyConfig,
    find_drumify,
    is_drumify_folder,
    read_drumify_config,
)
from .registry import CheckpointError, model_roots
from .threads import single_thread

__all__ = ["DEFAULT_NAME", "Drumify", "DrumifyConfig", "TapEncoder", "find_drumify", "for_engine",
           "is_drumify_folder", "load_encoder", "read_drumify_config", "save_drumify"]

if TYPE_CHECKING:
    from .engine import Engine, Generated

class TapEncoder(nn.Module):
    """Tap features [B, T, F] -> (mu [B, z_dim], sigma [B, z_dim]) of the paired drum model's code.

    An MLP over the whole window (T * F = 160 numbers for 2 bars): a tap's place in the bar is its
    meaning; a bidirectional GRU took 14x longer per training step on one CPU core (its accuracy was
    not measured)."""

    def __init__(self, cfg: DrumifyConfig) -> None:
        super().__init__()
        self.cfg = cfg
        width = cfg.hidden
        self.inp = nn.Linear(cfg.n_steps * cfg.features, width)
        self.blocks = nn.ModuleList(nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.GELU(),
                                                  nn.Dropout(cfg.dropout)) for _ in range(cfg.layers))
        self.norm = nn.LayerNorm(width)
        self.mu = nn.Linear(width, cfg.z_dim)
        self.log_sigma = nn.Linear(width, cfg.z_dim)

    def forward(self, taps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = F.gelu(self.inp(taps.reshape(taps.shape[0], -1)))
        for block in self.blocks:
            h = h + block(h)
        h = self.norm(h)
        return self.mu(h), torch.exp(self.log_sigma(h).clamp(-7.0, 3.0))


# --- files ----------------------------------------------------------------------------------------
def save_drumify(encoder: TapEncoder, folder: Path, meta: dict[str, Any] | None = None) -> None:
    """Weights + config.json into ``folder`` (atomically, file by file)."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in encoder.state_dict().items()}
    tmp = folder / f".{WEIGHTS_FILE}.tmp"
    save_file(tensors, str(tmp), metadata={"kind": KIND, "name": encoder.cfg.name})
    os.chmod(tmp, 0o644)  # safetensors writes 0600; a shipped model is readable by all
    tmp.replace(folder / WEIGHTS_FILE)
    doc = {"format": 1, "kind": KIND, "model": asdict(encoder.cfg), "meta": meta or {}}
    tmpj = folder / f".{CONFIG_FILE}.tmp"
    tmpj.write_text(json.dumps(doc, indent=2) + "\n")
    tmpj.replace(folder / CONFIG_FILE)


def find_for_engine(engine: Engine) -> Path | None:
    """A Drumify model paired with ``engine``'s drum model: beside it, else in the model roots."""
    roots = ([engine.folder.parent] if engine.folder is not None else []) + model_roots()
    for root in roots:
        try:
            folders = sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            continue
        for folder in folders:
            if not is_drumify_folder(folder):
                continue
            cfg, _ = read_drumify_config(folder)
            if cfg.pairs_with == engine.name and cfg.z_dim == engine.cfg.z_dim:
                return folder
    return None


def load_encoder(folder: Path, device: str | torch.device = "cpu") -> tuple[TapEncoder, dict[str, Any]]:
    cfg, meta = read_drumify_config(folder)
    encoder = TapEncoder(cfg)
    wpath = folder / WEIGHTS_FILE
    try:
        size = wpath.stat().st_size
    except OSError:
        raise CheckpointError(f"{folder}: {WEIGHTS_FILE} is missing") from None
    if not wpath.is_file() or size > MAX_WEIGHTS_BYTES:
        raise CheckpointError(f"{wpath}: not a tap encoder's weights file")
    try:
        tensors = load_file(str(wpath))
    except Exception as exc:  # safetensors raises its own error types on damaged files
        raise CheckpointError(f"{wpath}: damaged weights file ({exc})") from None
    own = encoder.state_dict()
    bad = sorted(set(own) ^ set(tensors)) + sorted(k for k in set(own) & set(tensors)
                                                  if own[k].shape != tensors[k].shape)
    if bad:
        raise CheckpointError(f"{wpath}: weights do not match config.json ({bad[:3]})")
    if not all(bool(torch.isfinite(v).all()) for v in tensors.values()):
        raise CheckpointError(f"{wpath}: weights hold NaN or infinite values")
    encoder.load_state_dict({k: v.float() for k, v in tensors.items()})
    return encoder.to(device).eval(), meta


# --- inference ------------------------------------------------------------------------------------
CANDIDATES = 1  # drum parts decoded per window; the one that follows the taps best is kept (see MODELS.md: 8 did not pay)
SPREAD = 1.0  # the candidates' spread around the predicted code (times its predicted deviation)


def rhythm_f1(hit_steps: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """How well drum parts follow taps: F1 of the steps with a hit [..., T] against the tapped steps
    [..., T] (1 when every hit is on a tap and every tap has a hit)."""
    both = (hit_steps & taps).sum(-1)
    return 2 * both / np.maximum(1, hit_steps.sum(-1) + taps.sum(-1))


class Drumify:
    """A tap encoder with the drum engine it pairs with."""

    def __init__(self, encoder: TapEncoder, engine: Engine, folder: Path | None = None,
                 meta: dict[str, Any] | None = None) -> None:
        from .engine import EngineError

        if engine.codec.name != "drums" or engine.cfg.z_dim != encoder.cfg.z_dim:
            raise EngineError(f"Drumify pairs with a drum model of {encoder.cfg.z_dim}-dim z "
                              f"({encoder.cfg.pairs_with}); {engine.name} is not one")
        if engine.cfg.n_steps != encoder.cfg.n_steps:
            raise EngineError(f"Drumify reads {encoder.cfg.n_steps}-step windows; {engine.name} decodes "
                              f"{engine.cfg.n_steps}")
        self.encoder = encoder.to(engine.device)
        self.engine = engine
        self.candidates = CANDIDATES
        self.folder = folder
        self.meta = meta or {}

    @classmethod
    def load(cls, name_or_path: str | os.PathLike[str] = DEFAULT_NAME, device: str | torch.device = "auto",
             engine: Engine | None = None, roots: list[Path] | None = None) -> Drumify:
        """The Drumify model and its drum model (``engine``, or loaded from the ``pairs_with`` folder:
        beside the Drumify folder first, then the model roots)."""
        from .engine import Engine, resolve_device

        folder = find_drumify(name_or_path, roots)
        encoder, meta = load_encoder(folder, resolve_device(device) if engine is None else engine.device)
        if engine is None:
            pair = folder.parent / encoder.cfg.pairs_with
            engine = Engine.load(pair if pair.is_dir() else encoder.cfg.pairs_with, device=device)
        return cls(encoder, engine, folder, meta)

    @property
    def window(self) -> int:
        return self.encoder.cfg.n_steps

    def windows(self, taps: np.ndarray) -> np.ndarray:
        """Tap features [T, F] cut into windows [N, window, F] (the last padded with no taps)."""
        w = self.window
        n = max(1, -(-len(taps) // w))
        out = np.zeros((n * w, taps.shape[-1]), np.float32)
        out[: len(taps)] = taps
        out[len(taps):, 3:] = taps[:1, 3:] if len(taps) else 0.0  # the part's flags on the padding too
        return out.reshape(n, w, -1)

    @torch.inference_mode()
    def predict(self, windows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, sigma) [N, z_dim] of the code for tap windows [N, window, F]."""
        x = torch.as_tensor(np.asarray(windows, np.float32), device=self.engine.device)
        with single_thread() if self.engine.device.type == "cpu" and len(x) <= 64 else contextlib.nullcontext():
            mu, sigma = self.encoder(x)
        return mu, sigma

    def latents(self, windows: np.ndarray, temperature: float = 0.0, seed: int | None = 0) -> np.ndarray:
        """z [N, z_dim] for tap windows: the predicted code, spread by ``temperature`` times the
        predicted deviation (seeded)."""
        mu, sigma = self.predict(windows)
        if temperature > 0:
            g = torch.Generator(device=self.engine.device).manual_seed(0 if seed is None else int(seed))
            mu = mu + float(temperature) * sigma * torch.randn(mu.shape, generator=g, device=mu.device)
        return mu.cpu().numpy()

    def candidate_latents(self, windows: np.ndarray, temperature: float = 0.0, seed: int | None = 0
                          ) -> np.ndarray:
        """z [N, K, z_dim]: the predicted code (first, at temperature 0) and ``candidates - 1`` draws
        around it, spread by the predicted deviation times ``max(temperature, SPREAD)``."""
        mu, sigma = self.predict(windows)
        k = max(1, self.candidates)
        g = torch.Generator(device=self.engine.device).manual_seed(0 if seed is None else int(seed))
        eps = torch.randn((mu.shape[0], k, mu.shape[1]), generator=g, device=mu.device)
        if temperature <= 0:
            eps[:, 0] = 0.0  # the predicted code itself is a candidate
        spread = max(float(temperature), SPREAD)
        return (mu[:, None] + spread * sigma[:, None] * eps).cpu().numpy()

    def drum_windows(self, windows: np.ndarray, temperature: float = 0.0, seed: int | None = 0
                     ) -> tuple[np.ndarray, dict[str, np.ndarray] | None, np.ndarray]:
        """(drum tokens [N, window], velocity/offset extras, z [N, z_dim]) for tap windows; windows
        without a tap stay silent. Each window's part is the candidate (:meth:`candidate_latents`,
        decoded by the drum engine) whose hit steps agree best with the taps (:func:`rhythm_f1`)."""
        windows = np.asarray(windows, np.float32)
        n, w = windows.shape[:2]
        if self.candidates <= 1:
            z = self.latents(windows, temperature, seed)
            tokens, aux = self.engine.decode_full(z, 0.0, seed)
        else:
            zk = self.candidate_latents(windows, temperature, seed)
            k = zk.shape[1]
            toks, extras = self.engine.decode_full(zk.reshape(n * k, -1), 0.0, seed)
            score = rhythm_f1(toks.reshape(n, k, w) != 0, windows[:, None, :, ONSET] > 0)
            best = score.argmax(1)  # ties: the first (the predicted code at temperature 0)
            rows = np.arange(n) * k + best
            z, tokens = zk[np.arange(n), best], toks[rows]
            aux = None if extras is None else {key: v[rows] for key, v in extras.items()}
        silent = ~(windows[..., ONSET] > 0).any(-1)
        tokens[silent] = 0
        return tokens, aux, z

    def drumify(self, clip: Clip, temperature: float = 0.0, seed: int | None = 0, bars: int | None = None
                ) -> Generated:
        """A drum clip (channel 10) that follows ``clip``'s rhythm, 2-bar window by window, as long as
        the clip (or its first ``bars`` bars); tempo and ppq from the clip."""
        from .engine import EngineError, Generated

        if bars is not None:
            if bars < 1:
                raise EngineError("--bars must be at least 1")
            clip = clip.slice_bars(0, bars)
        if not clip.notes:
            raise EngineError(f"clip '{clip.name or 'untitled'}' has no notes: Drumify follows a clip's rhythm")
        warnings = []
        ts = clip.time_signature
        if ts.quarters_per_bar() not in (4.0, 2.0):
            warnings.append(f"clip '{clip.name}' is in {ts}; Drumify reads it on a 4/4 grid")
        taps = clip_taps(clip)
        n_steps = len(taps)
        windows = self.windows(taps)
        tokens, aux, z = self.drum_windows(windows, temperature, seed)
        flat_aux = None if aux is None else {k: v.reshape(-1, *v.shape[2:])[:n_steps] for k, v in aux.items()}
        name = f"{clip.name} (drums)".strip() if clip.name else "Drumify"
        out = self.engine.codec.decode(tokens.reshape(-1)[:n_steps], flat_aux, clip, None, name)
        out = out.copy(program=0, is_drum=True, channel=DRUM_CHANNEL)
        return Generated([out], warnings, z)


def for_engine(engine: Engine) -> Drumify:
    """The Drumify model paired with ``engine`` (found once, then kept on the engine)."""
    from .engine import EngineError

    cached = getattr(engine, "_drumify", None)
    if isinstance(cached, Drumify):
        return cached
    if engine.codec.name != "drums":
        raise EngineError(f"Drumify decodes with a drum model (drums_2bar); {engine.name} is a "
                          f"{engine.codec.label.lower()} model")
    folder = find_for_engine(engine)
    if folder is None:
        raise EngineError(f"no Drumify model is installed for {engine.name} (models/{DEFAULT_NAME} pairs "
                          "with drums_2bar)")
    encoder, meta = load_encoder(folder, engine.device)
    made = Drumify(encoder, engine, folder, meta)
    engine._drumify = made  # type: ignore[attr-defined]
    return made
