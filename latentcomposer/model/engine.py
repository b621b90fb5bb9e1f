"""The inference engine: the one API that the GUI, the CLI, the benchmarks and the tests call.

    engine = Engine.load("mel_2bar", device="auto")
    code = engine.encode([clip])              # EncodeResult: z, mu, sigma [N, d] (+ chunks, warnings)
    clips = engine.decode(code.mu, temperature=0.0, seed=0, template=clip)
    engine.sample(4, temperature=0.8, seed=1)
    engine.reconstruct(clip)                  # Generated: .clips, .warnings
    engine.interpolate(a, b, steps=11, method="slerp")
    engine.shift(z, "density", +1.5)

Windows: a clip is cut into chunks of the model's window (``n_bars`` bars of 16 steps). A clip longer
than the window is handled chunk by chunk (a 2-bar model on an 8-bar clip works bar-pair by
bar-pair); the last chunk, and a clip shorter than the window, are padded with rests, and results are
trimmed back to the clip's length. Polyphonic input is reduced to its highest voice (see
:mod:`latentcomposer.data.melody`), with a warning the caller can show. Temperature 0 is greedy;
every random path takes a seed.

Runtimes: on the CPU a model that model/numpy_runtime.py covers (the default mel_2bar) loads without
torch -- its weights read with NumPy, encoded and decoded (greedy, search) by NumPy -- and the torch
model is built from the same file only when something asks for it (:attr:`Engine.model`: training,
humanize, per-bar tools, sampling's noise draws torch's seeded generator); the tokens are the same
either way. This module imports torch only where a call needs it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.core.chords import ChordTrack
from latentcomposer.data.codecs import CodecError, codec_for, from_model, to_model
from latentcomposer.data.melody import STEPS_PER_BAR

from .architectures import LatentModel, ModelShape
from .engine_bars import PerBarTools
from .engine_types import (
    Attributes,
    EncodeResult,
    EngineError,
    Generated,
    cuda_possible,
    device_name,
    load_attributes,
    resolve_device,
    slerp,
    weights_key,
)
from .fastsearch import DEFAULT_BEAM
from .kernel_prior import PRIOR_KINDS, KernelPrior, PriorKind, load_kernel_prior
from .prior import FittedPrior
from .registry import resolve_model_dir
from .threads import single_thread

if TYPE_CHECKING:
    import torch

    from .numpy_runtime import NumpyVAE

__all__ = ["DECODINGS", "RUNTIMES", "Attributes", "EncodeResult", "Engine", "EngineError", "Generated",
           "cuda_possible", "device_name", "load_attributes", "resolve_device", "slerp"]

DECODINGS = ("search", "greedy")
RUNTIMES = ("auto", "numpy", "torch")  # Engine.load: the torch-free runtime where it covers the model
SINGLE_THREAD_ROWS = 64  # decodes of at most this many windows run on one CPU thread (model/threads.py)



class Engine(PerBarTools):
    """A loaded model with its fast decoder and (optional) attribute vectors."""

    def __init__(self, model: LatentModel | None, cfg: ModelShape, meta: dict[str, Any],
                 device: torch.device | str, name: str = "", folder: Path | None = None,
                 attributes: Attributes | None = None, warmup: bool = True, decoding: str = "search",
                 beam: int = DEFAULT_BEAM, numpy_model: NumpyVAE | None = None) -> None:
        """``model``: the torch model; or None with ``numpy_model`` (the torch-free runtime, CPU only)
        and ``folder``, from which the torch model loads when first asked for (:attr:`model`)."""
        if model is None and (numpy_model is None or folder is None):
            raise EngineError("an engine needs a torch model, or a NumPy runtime and its model folder")
        self._model = model
        self._np = numpy_model
        self._np_weights: tuple[object, ...] | None = None  # the torch model's weights when the runtimes agree
        self._lock = threading.Lock()
        self.cfg = cfg
        self.meta = meta
        self.device_name = str(device)  # "cpu", "cuda", "cuda:1" (torch-free; .device is torch's)
        self._device = None if isinstance(device, str) else device
        self.name = name or cfg.name
        self.folder = folder
        self.attributes = attributes
        self.codec = codec_for(cfg.representation)
        self._fast = model.runtime(self.device) if model is not None else None
        self.set_decoding(decoding, beam)
        if warmup:
            z0 = np.zeros((1, cfg.z_dim), np.float32)
            self.decode_tokens(z0)
            if numpy_model is None:  # (the NumPy runtime's sampling path is its greedy loop)
                self.decode_tokens(z0, temperature=0.5, seed=0)

    # --- loading ------------------------------------------------------------------------------
    @classmethod
    def load(cls, name_or_path: str | os.PathLike[str], device: str | torch.device = "auto",
             warmup: bool = True, decoding: str = "search", beam: int = DEFAULT_BEAM,
             runtime: str = "auto") -> Engine:
        """The model ``name_or_path`` on ``device``. ``runtime``: ``"auto"`` runs a model that
        model/numpy_runtime.py covers on the CPU without torch (the same tokens), ``"torch"`` always
        builds the torch model, ``"numpy"`` requires the torch-free runtime."""
        if runtime not in RUNTIMES:
            raise EngineError(f"unknown runtime {runtime!r} (use {', '.join(RUNTIMES)})")
        dev = device_name(device)
        folder = resolve_model_dir(name_or_path)
        if runtime != "torch" and dev == "cpu":
            from .numpy_runtime import load_numpy_model

            got = load_numpy_model(folder)
            if got is not None:
                npm, cfg, meta = got
                return cls(None, cfg, meta, "cpu", name=folder.name, folder=folder,
                           attributes=load_attributes(folder), warmup=warmup, decoding=decoding, beam=beam,
                           numpy_model=npm)
        if runtime == "numpy":
            raise EngineError(f"{folder.name}: the torch-free runtime does not cover this model on {dev}")
        from .checkpoint import load_model

        tdev = resolve_device(dev)
        model, cfg, meta = load_model(folder, tdev)
        return cls(model, cfg, meta, tdev, name=folder.name, folder=folder,
                   attributes=load_attributes(folder), warmup=warmup, decoding=decoding, beam=beam)

    # --- the runtimes -----------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        """The torch device (imports torch; :attr:`device_name` does not)."""
        if self._device is None:
            import torch

            self._device = torch.device(self.device_name)
        return self._device

    @property
    def model(self) -> LatentModel:
        """The torch model: with the torch-free runtime, built from the model's file when first asked for."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from .checkpoint import load_model

                    assert self.folder is not None
                    model, _, _ = load_model(self.folder, self.device)
                    self._np_weights = weights_key(model)
                    self._model = model
        return self._model

    @property
    def fast(self) -> Any:
        """The torch model's fast decoder (model/fastdecode.py; the NumPy loop on the CPU)."""
        if self._fast is None:
            self._fast = self.model.runtime(self.device)
        return self._fast

    @property
    def numpy_runtime(self) -> NumpyVAE | None:
        """The torch-free runtime while it serves this engine: dropped for good once the torch model's
        weights change (a fine-tune trains :attr:`model` in place)."""
        if self._np is not None and self._model is not None and weights_key(self._model) != self._np_weights:
            self._np = None
        return self._np

    def _caps(self) -> Any:
        """What answers the capability questions (search, per-bar, conditions) without building torch."""
        return self._np if self._model is None and self._np is not None else self.model

    def set_decoding(self, decoding: str, beam: int | None = None) -> None:
        """How temperature-0 decodes pick their tokens: ``"search"`` (beam search, the encoder choosing
        among the beams: model/search.py; several times closer to the input, a few times slower) or
        ``"greedy"`` (MusicVAE's step-by-step argmax, the fast decoder). Sampling (temperature > 0)
        is the same either way."""
        if decoding not in DECODINGS:
            raise EngineError(f"unknown decoding '{decoding}' (use {' or '.join(DECODINGS)})")
        if beam is not None and int(beam) < 1:
            raise EngineError("beam must be at least 1")
        self.beam: int = int(beam) if beam is not None else self.beam
        self.decoding: str = decoding

    @property
    def supports_search(self) -> bool:
        """Whether search decoding is defined for the model (else temperature 0 is greedy either way)."""
        return bool(self._caps().supports_search)

    @property
    def token_shape(self) -> tuple[int, ...]:
        """The shape of one step's token: () for token-per-step codecs, (16, 3) for piano arrays."""
        return tuple(np.shape(self.codec.silent_token))

    @property
    def window_bars(self) -> int:
        return self.cfg.n_bars

    @property
    def z_dim(self) -> int:
        return self.cfg.z_dim

    def _generator(self, seed: int | None) -> torch.Generator:
        import torch

        g = torch.Generator(device=self.device)
        g.manual_seed(0 if seed is None else int(seed))
        return g

    # --- tokens level -------------------------------------------------------------------------
    def clip_windows(self, clip: Clip) -> tuple[np.ndarray, list[str]]:
        """The clip as [chunks, window] tokens, and warnings (polyphony, padding, metre)."""
        if not clip.notes:
            raise EngineError(f"clip '{clip.name or 'untitled'}' has no notes to encode")
        try:
            enc = self.codec.encode(clip)
        except CodecError as exc:
            raise EngineError(f"{exc} ({self.name})") from None
        warnings = list(enc.warnings)
        ts = clip.time_signature
        if (ts.numerator * 4 / ts.denominator) not in (4.0, 2.0):
            warnings.append(f"clip '{clip.name}' is in {ts}; the model reads it on a 4/4 grid")
        tokens = enc.tokens
        window = self.cfg.n_steps
        n_chunks = max(1, -(-len(tokens) // window))
        padded = np.full((n_chunks * window, *tokens.shape[1:]), self.codec.silent_token, dtype=np.int64)
        padded[: len(tokens)] = tokens
        chunks = self.codec.fix_chunk_starts(padded.reshape(n_chunks, window, *tokens.shape[1:]).copy())
        if len(tokens) % window:
            bars = len(tokens) // STEPS_PER_BAR
            warnings.append(f"clip '{clip.name}' ({bars} bars) is not a multiple of the model's "
                            f"{self.cfg.n_bars}-bar window: padded with rests, trimmed after decoding")
        return chunks, warnings

    def clip_steps(self, clip: Clip) -> int:
        """The clip's length in model steps (whole bars)."""
        try:
            return len(self.codec.encode(clip).tokens)
        except CodecError as exc:
            raise EngineError(str(exc)) from None

    def encode_tokens(self, tokens: np.ndarray, condition: np.ndarray | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, sigma) [N, d] as torch tensors (see :meth:`encode_arrays` for NumPy arrays)."""
        import torch

        rt = self.numpy_runtime
        if rt is not None and condition is None:
            mu, sigma = self.encode_arrays(tokens)
            return torch.from_numpy(mu), torch.from_numpy(sigma)
        toks, cond = self._to_model(np.asarray(tokens), condition)
        x = torch.as_tensor(toks, dtype=torch.long, device=self.device)
        with torch.inference_mode(), self._threads(len(x)):
            return self.model.encode(x, self._condition_tensor(cond, len(x)))

    def _to_model(self, tokens: np.ndarray, condition: np.ndarray | torch.Tensor | None
                  ) -> tuple[np.ndarray, np.ndarray | torch.Tensor | None]:
        """Token windows [N, T] and their condition in the model's own form (data/codecs.py
        ``to_model``: the same but for the chord-relative melody)."""
        if condition is None or getattr(self.codec, "to_model", None) is None:
            return tokens, condition
        self._condition_tensor(condition, len(tokens))  # a clear message for a condition of the wrong shape
        cond = np.asarray(condition, np.float32).reshape(-1, self.cfg.n_steps, self.condition_dim)
        if cond.shape[0] == 1:
            cond = np.broadcast_to(cond, (len(tokens), *cond.shape[1:]))
        return to_model(self.codec, tokens, cond)

    def _model_condition(self, condition: np.ndarray | None) -> np.ndarray | torch.Tensor | None:
        """A decode's condition [N, T, Cs] (or one window's) in the model's own form."""
        if condition is None or getattr(self.codec, "to_model", None) is None:
            return condition
        c = np.asarray(condition, np.float32)
        per_window = self.cfg.n_steps * self.condition_dim
        if c.shape[-1] != self.condition_dim or c.size % per_window:
            self._condition_tensor(c, 1)  # says what is wrong
        rows = c.size // per_window
        return self._to_model(np.zeros((rows, self.cfg.n_steps), np.int64), c)[1]

    def encode_arrays(self, tokens: np.ndarray, condition: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
        """(mu, sigma) [N, d] float32 of token windows [N, window] (the torch-free runtime's when it serves)."""
        rt = self.numpy_runtime
        if rt is None or condition is not None:
            mu, sigma = self.encode_tokens(tokens, condition)
            return mu.cpu().numpy(), sigma.cpu().numpy()
        x = np.asarray(tokens, dtype=np.int64)
        with self._threads(len(x)):
            return rt.encode(x)

    def _threads(self, rows: int) -> contextlib.AbstractContextManager[object]:
        """Small CPU decodes run on one thread whatever the caller set (model/threads.py)."""
        if self.device_name == "cpu" and rows <= SINGLE_THREAD_ROWS:
            return single_thread()
        return contextlib.nullcontext()

    # --- conditions (conditioned models) --------------------------------------------------------
    @property
    def condition_dim(self) -> int:
        """Width of the per-step condition the model reads (0: an unconditioned model)."""
        return int(self._caps().condition_dim)

    def clip_condition(self, clip: Clip) -> np.ndarray | None:
        """The clip's per-step condition as windows [chunks, window, Cs] (what its codec reads from
        it, e.g. its chords; zeros where it has none), or None for an unconditioned model."""
        if not self.condition_dim:
            return None
        window = self.cfg.n_steps
        n = self.clip_steps(clip)
        chunks = max(1, -(-n // window))
        out = np.zeros((chunks * window, self.condition_dim), np.float32)
        got = self.codec.encode_condition(clip, n)
        if got is not None:
            out[: len(got)] = got[: len(out)]
        return out.reshape(chunks, window, -1)

    def chords_condition(self, chords: ChordTrack, n_steps: int) -> np.ndarray | None:
        """A chord track (a clip's chord lane, ``--chords``) as this model's condition, windows
        [chunks, window, Cs] covering ``n_steps`` (padded with no chord), or None when the model
        reads no chords."""
        make = getattr(self.codec, "condition_from_chords", None)
        if not self.condition_dim or make is None:
            return None
        window = self.cfg.n_steps
        chunks = max(1, -(-int(n_steps) // window))
        return np.asarray(make(chords, chunks * window), np.float32).reshape(chunks, window, -1)

    def _condition_tensor(self, condition: np.ndarray | torch.Tensor | None, rows: int) -> torch.Tensor | None:
        """[rows, window, Cs] for the model (a [window*rows, Cs] condition is cut into windows)."""
        if condition is None:
            return None
        if not self.condition_dim:
            raise EngineError(f"{self.name} takes no condition (it is not a conditioned model)")
        import torch

        c = torch.as_tensor(np.asarray(condition, dtype=np.float32), device=self.device)
        c = c.reshape(-1, self.cfg.n_steps, c.shape[-1])
        if c.shape[-1] != self.condition_dim or c.shape[0] not in (1, rows):
            raise EngineError(f"condition has shape {list(np.shape(condition))}; {self.name} expects "
                              f"[{rows}, {self.cfg.n_steps}, {self.condition_dim}]")
        return c.expand(rows, -1, -1) if c.shape[0] != rows else c

    def _z_tensor(self, z: torch.Tensor | np.ndarray) -> torch.Tensor:
        import torch

        zt = torch.as_tensor(np.asarray(z) if not isinstance(z, torch.Tensor) else z,
                             dtype=torch.float32, device=self.device)
        if zt.ndim == 1:
            zt = zt.unsqueeze(0)
        if zt.shape[-1] != self.cfg.z_dim:
            raise EngineError(f"z has {zt.shape[-1]} dims; {self.name} expects {self.cfg.z_dim}")
        return zt

    def decode_tokens(self, z: torch.Tensor | np.ndarray, temperature: float = 0.0,
                      seed: int | None = None, condition: np.ndarray | None = None) -> np.ndarray:
        """Tokens [N, window] for z [N, z_dim] (int64)."""
        return self.decode_full(z, temperature, seed, condition)[0]

    def decode_full(self, z: torch.Tensor | np.ndarray, temperature: float = 0.0, seed: int | None = None,
                    condition: np.ndarray | None = None, decoding: str | None = None
                    ) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
        """(tokens [N, window], per-step extras or None: drums' velocity bins and offsets).
        ``condition`` (conditioned models): [N, window, Cs], or one window's [window, Cs] for all rows.
        ``decoding``: this call's temperature-0 decoding ("search" / "greedy"; default: the engine's)."""
        mode = self.decoding if decoding is None else decoding
        if mode not in DECODINGS:
            raise EngineError(f"unknown decoding '{mode}' (use {' or '.join(DECODINGS)})")
        rt = self.numpy_runtime
        if rt is not None:
            if condition is not None:
                self._condition_tensor(condition, 1)  # (raises: the runtime serves unconditioned models)
            zn = np.asarray(z, dtype=np.float32)
            zn = zn[None] if zn.ndim == 1 else zn
            if zn.shape[-1] != self.cfg.z_dim:
                raise EngineError(f"z has {zn.shape[-1]} dims; {self.name} expects {self.cfg.z_dim}")
            with self._threads(zn.shape[0]):
                if temperature <= 0 and mode == "search" and self.beam > 1:
                    return rt.search(zn, self.beam), None
                gen = self._generator(seed) if temperature > 0 else None
                return rt.decode(zn, float(temperature), gen), None
        import torch

        with torch.inference_mode():
            return self._decode_torch(z, temperature, seed, condition, mode)

    def _decode_torch(self, z: torch.Tensor | np.ndarray, temperature: float, seed: int | None,
                      condition: np.ndarray | None, mode: str) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
        zt = self._z_tensor(z)
        cond = self._condition_tensor(self._model_condition(condition), zt.shape[0])
        with self._threads(zt.shape[0]):
            if temperature <= 0 and mode == "search" and self.beam > 1 and self.model.supports_search:
                toks, aux = self.model.search_decode_full(zt, self.beam, condition=cond)
            else:
                gen = self._generator(seed) if temperature > 0 else None
                toks, aux = self.fast.decode_full(zt, float(temperature), gen, condition=cond)
        aux_np = None if aux is None else {k: v.cpu().numpy() for k, v in aux.items()}
        out = toks.cpu().numpy().astype(np.int64)
        if condition is not None and getattr(self.codec, "from_model", None) is not None:
            user = np.broadcast_to(np.asarray(condition, np.float32).reshape(-1, *out.shape[1:], self.condition_dim),
                                   (*out.shape, self.condition_dim))  # back to absolute pitches (chord-relative)
            out = np.asarray(from_model(self.codec, out, user), np.int64)
        return out, aux_np

    # --- clip level ---------------------------------------------------------------------------
    def encode(self, clips: list[Clip] | Clip, seed: int | None = 0, condition: np.ndarray | None = None
               ) -> EncodeResult:
        """Posterior of every chunk of every clip: z (sampled with ``seed``), mu, sigma. Conditioned
        models read each clip's own condition (:meth:`clip_condition`) unless ``condition``
        [chunks, window, Cs] is given."""
        clips = [clips] if isinstance(clips, Clip) else list(clips)
        all_chunks, counts, warnings = [], [], []
        for c in clips:
            ch, w = self.clip_windows(c)
            all_chunks.append(ch)
            counts.append(len(ch))
            warnings.extend(w)
        if condition is None and self.condition_dim:
            condition = np.concatenate([self._clip_condition_or_zeros(c) for c in clips])
        mu, sigma = self.encode_arrays(np.concatenate(all_chunks), condition)

        def draw() -> np.ndarray:  # z = mu + sigma * eps, eps from torch's seeded generator on the device
            import torch

            eps = torch.randn(mu.shape, generator=self._generator(seed), device=self.device)
            m, s = torch.as_tensor(mu, device=self.device), torch.as_tensor(sigma, device=self.device)
            return (m + s * eps).cpu().numpy()

        return EncodeResult(draw, mu, sigma, counts, warnings)

    def _clip_condition_or_zeros(self, clip: Clip) -> np.ndarray:
        cond = self.clip_condition(clip)
        assert cond is not None  # only called for conditioned models
        return cond

    def _template_condition(self, template: Clip | None, rows: int, join: bool) -> np.ndarray | None:
        """Conditioned models decode with the template's condition when none is given: its windows in
        order for a joined decode, else its first window for every row (zeros without a template)."""
        if not self.condition_dim or template is None or not template.notes:
            return None
        cond = self._clip_condition_or_zeros(template)
        if join:
            out = np.zeros((rows, *cond.shape[1:]), np.float32)
            out[: min(rows, len(cond))] = cond[:rows]
            return out
        return cond[:1]

    def _to_clip(self, tokens: np.ndarray, aux: dict[str, np.ndarray] | None, template: Clip | None,
                 velocity: int | None, name: str, n_steps: int | None = None) -> Clip:
        """Tokens [T] (+ extras [T, ...]) -> a clip, trimmed to ``n_steps``."""
        if n_steps is not None:
            tokens = tokens[:n_steps]
            aux = None if aux is None else {k: v[:n_steps] for k, v in aux.items()}
        return self.codec.decode(tokens, aux, template, velocity, name)

    def decode(self, z: np.ndarray | torch.Tensor, temperature: float = 0.0, seed: int | None = 0,
               template: Clip | None = None, velocity: int | None = None, name: str = "decoded",
               join: bool = False, n_steps: int | None = None, condition: np.ndarray | None = None,
               decoding: str | None = None) -> list[Clip]:
        """One clip per row of z (or, with ``join``, all rows as consecutive chunks of one clip,
        trimmed to ``n_steps``). Tempo/ppq/program come from ``template``; conditioned models decode
        with ``condition`` [rows, window, Cs] or else the template's own. ``decoding``: see
        :meth:`decode_full`."""
        rows = int(np.shape(z)[0]) if np.ndim(z) > 1 else 1
        if condition is None:
            condition = self._template_condition(template, rows, join)
        tokens, aux = self.decode_full(z, temperature, seed, condition, decoding)
        if join:
            flat_aux = None if aux is None else {k: v.reshape(-1, *v.shape[2:]) for k, v in aux.items()}
            return [self._to_clip(tokens.reshape(-1, *tokens.shape[2:]), flat_aux, template, velocity, name, n_steps)]
        return [self._to_clip(t, None if aux is None else {k: v[i] for k, v in aux.items()}, template, velocity,
                              f"{name} {i + 1}" if len(tokens) > 1 else name, n_steps)
                for i, t in enumerate(tokens)]

    @property
    def fitted_prior(self) -> FittedPrior | None:
        p = self.attributes.prior if self.attributes is not None else None
        return p if p is not None and p.z_dim == self.cfg.z_dim else None

    @property
    def kernel_prior(self) -> KernelPrior | None:
        """The model's kernel prior (model/kernel_prior.py) when one is fitted to these weights, else None."""
        if not hasattr(self, "_kernel"):
            self._kernel = load_kernel_prior(self.folder, self.cfg.z_dim)
        return self._kernel

    @property
    def sampling_prior(self) -> KernelPrior | FittedPrior | None:
        """What *Sample* draws from (``sample(n, rng)``, NumPy): the kernel prior, else the fitted one."""
        return self.kernel_prior or self.fitted_prior

    def sample_z(self, n: int, seed: int | None = 0, prior: PriorKind = "kernel") -> torch.Tensor:
        """``n`` latents [n, z_dim], seeded: ``"kernel"`` from the kernel prior when the model ships one
        fitted to its weights (model/kernel_prior.py), else as ``"fitted"``: the fitted mixture when the
        model ships one, else (or with ``"standard"``) N(0, I) as MusicVAE samples; ``"bar"``: from a
        per-bar model's bar prior, bar after bar (model/continuation.py)."""
        import torch

        z = self._sample_z(n, seed, prior)
        return torch.from_numpy(z) if isinstance(z, np.ndarray) else z

    def _sample_z(self, n: int, seed: int | None, prior: str) -> np.ndarray | torch.Tensor:
        """:meth:`sample_z`, a NumPy array from the kernel or fitted prior (no torch needed)."""
        if n < 1:
            raise EngineError("sample: n must be at least 1")
        if prior not in PRIOR_KINDS:
            raise EngineError(f"unknown prior '{prior}' ({', '.join(PRIOR_KINDS)})")
        seed = 0 if seed is None else int(seed)
        if prior == "bar":
            from . import continuation

            return continuation.sample_bar_prior_z(self, n, seed)
        kernel = self.kernel_prior if prior == "kernel" else None
        if kernel is not None:
            return kernel.sample(n, np.random.default_rng(seed))
        fitted = self.fitted_prior
        if prior in ("kernel", "fitted") and fitted is not None:
            return fitted.sample(n, np.random.default_rng(seed))
        import torch

        return torch.randn(n, self.cfg.z_dim, generator=torch.Generator().manual_seed(seed))

    def sample(self, n: int = 1, temperature: float = 1.0, seed: int | None = 0,
               template: Clip | None = None, velocity: int | None = None,
               prior: PriorKind = "kernel", condition: np.ndarray | None = None
               ) -> Generated:
        """``n`` clips from the prior (seeded; :meth:`sample_z`): the kernel or fitted one when shipped,
        else z ~ N(0, I).
        Conditioned models: ``condition`` [window, Cs] (or [n, window, Cs]), else the template's."""
        z = self._sample_z(n, seed, prior)
        clips = self.decode(z, temperature, seed, template, velocity, name="sample", condition=condition)
        return Generated(clips, [], np.asarray(z))

    def reconstruct(self, clip: Clip, temperature: float = 0.0, seed: int | None = 0,
                    velocity: int | None = None) -> Generated:
        """Encode (z = posterior mean) and decode the clip, chunk by chunk, trimmed to its length."""
        code = self.encode([clip], seed)
        out = self.decode(code.mu, temperature, seed, template=clip, velocity=velocity,
                          name=f"{clip.name} (reconstructed)".strip(), join=True, n_steps=self.clip_steps(clip))
        return Generated(out, code.warnings, code.mu)

    def humanize(self, clip: Clip, seed: int | None = 0) -> Generated:
        """GrooVAE's humanize: keep the clip's hits, give them velocities and microtiming that the
        model predicts for them (the decoder is forced along the input's hits)."""
        if not self.model.dynamics_heads:
            raise EngineError(f"humanize needs a drum model (e.g. drums_2bar) or another model with velocity and "
                              f"timing heads; "
                              f"{self.name} is a {self.codec.label.lower()} model")
        chunks, warnings = self.clip_windows(clip)
        import torch

        x = torch.as_tensor(chunks, dtype=torch.long, device=self.device)
        cond = self._condition_tensor(self.clip_condition(clip), len(x))
        with torch.inference_mode(), self._threads(len(x)):
            mu, _ = self.model.encode(x, cond)
            heads = self.model.predict_dynamics(x, cond)
        aux = {k: v.reshape(-1, v.shape[-1]).cpu().numpy() for k, v in heads.items()}
        out = self._to_clip(chunks.reshape(-1), aux, clip, None, f"{clip.name} (humanized)".strip(),
                            self.clip_steps(clip))
        return Generated([out], warnings, mu.cpu().numpy())

    def drumify(self, clip: Clip, temperature: float = 0.0, seed: int | None = 0, bars: int | None = None
                ) -> Generated:
        """A drum part that follows ``clip``'s rhythm (any part: melody, piano, drums), decoded by this
        drum model from the code its paired Drumify tap encoder predicts (model/drumify.py)."""
        from .drumify import for_engine

        return for_engine(self).drumify(clip, temperature, seed, bars)

    def interpolate(self, a: Clip, b: Clip, steps: int = 11, method: Literal["slerp", "lerp"] = "slerp",
                    temperature: float = 0.0, seed: int | None = 0, velocity: int | None = None,
                    condition: np.ndarray | None = None, decoding: str | None = None) -> Generated:
        """``steps`` clips from A to B (both endpoints included, decoded from their posterior means),
        all decoded in one batch. Clips of different lengths: the shorter is padded with rests to
        the longer's length, and a warning says so (nothing is trimmed). Conditioned models decode
        every step over ``condition`` [windows, window, Cs], else over A's own condition. ``decoding``:
        see :meth:`decode_full`."""
        if steps < 2:
            raise EngineError("interpolate: steps must be at least 2 (the endpoints)")
        if method not in ("slerp", "lerp"):
            raise EngineError(f"interpolate: unknown method {method!r} (use slerp or lerp)")
        code = self.encode([a, b], seed)
        ca, cb = code.chunks
        mu_a, mu_b = code.mu[:ca], code.mu[ca:]
        warnings = list(code.warnings)
        n = max(ca, cb)
        if ca != cb:
            shorter = a if ca < cb else b
            warnings.append(f"'{shorter.name}' is shorter: padded with rests to {n * self.cfg.n_bars} bars "
                            "for the interpolation")
            rest = self._rest_latent()
            mu_a = np.concatenate([mu_a, np.repeat(rest, n - ca, 0)]) if ca < n else mu_a
            mu_b = np.concatenate([mu_b, np.repeat(rest, n - cb, 0)]) if cb < n else mu_b
        ts = np.linspace(0.0, 1.0, steps)
        fn = slerp if method == "slerp" else (lambda x, y, t: (1 - t) * x + t * y)
        z = np.stack([np.stack([fn(mu_a[k], mu_b[k], float(t)) for k in range(n)]) for t in ts])  # [S, n, d]
        step_cond = None
        if self.condition_dim:
            base = condition if condition is not None else self._template_condition(a, n, join=True)
            if base is not None:
                base = np.asarray(base, np.float32).reshape(-1, self.cfg.n_steps, self.condition_dim)
                full = np.zeros((n, self.cfg.n_steps, self.condition_dim), np.float32)
                full[: min(n, len(base))] = base[:n]
                step_cond = np.tile(full, (steps, 1, 1))
        tokens, aux = self.decode_full(z.reshape(steps * n, -1), temperature, seed, step_cond, decoding)
        tokens = tokens.reshape(steps, n * self.cfg.n_steps, *tokens.shape[2:])
        aux_s = None if aux is None else {k: v.reshape(steps, n * self.cfg.n_steps, *v.shape[2:])
                                           for k, v in aux.items()}
        n_steps = max(self.clip_steps(a), self.clip_steps(b))
        clips = [self._to_clip(tokens[i], None if aux_s is None else {k: v[i] for k, v in aux_s.items()},
                               a, velocity, f"step {i + 1}/{steps}", n_steps) for i in range(steps)]
        return Generated(clips, warnings, z)

    def _rest_latent(self) -> np.ndarray:
        silent = np.full((1, self.cfg.n_steps, *self.token_shape), self.codec.silent_token, dtype=np.int64)
        return self.encode_arrays(silent)[0]

    # --- attribute vectors and directions ---------------------------------------------------
    @property
    def ar_dims(self) -> dict[str, int]:
        """{attribute: latent dim} the model was trained to regularize (AR-VAE; empty for most models)."""
        if not hasattr(self, "_ar_dims"):
            from .config import train_from_dict
            from .registry import read_entry

            tc = None
            if self.folder is not None:
                with contextlib.suppress(Exception):
                    tc = read_entry(self.folder).training
            tc = tc or train_from_dict(self.meta.get("train_config"))
            dims = tc.ar_dims if tc is not None and tc.ar_weight > 0 else {}
            self._ar_dims = {str(k): int(v) for k, v in dims.items() if 0 <= int(v) < self.cfg.z_dim}
        return self._ar_dims

    def attribute_names(self) -> list[str]:
        return list(self.attributes.names) if self.attributes else []

    def shift(self, z: np.ndarray, attribute: str, amount: float) -> np.ndarray:
        """z moved ``amount`` times along the attribute's slider direction (the attribute files'
        ``slider_directions`` when they have them, model/directions.py; else the attribute vector,
        MusicVAE §5.3), or along principal direction ``"dim3"`` in units of the training latents'
        std along it. An attribute the model was
        trained to tie to one latent dim (AR-VAE, model/ar_reg.py) moves that dim alone, ``amount``
        prior units."""
        dim = self.ar_dims.get(attribute.lower())
        if dim is not None:
            moved = np.array(z, dtype=np.float32)
            moved[..., dim] += amount
            return moved
        if self.attributes is None:
            raise EngineError(f"model {self.name} ships no attribute vectors")
        z = np.asarray(z, dtype=np.float32)
        key = attribute.lower()
        if key in self.attributes.names:  # the slider directions when shipped, else the vectors
            return z + amount * self.attributes.slider_vectors[self.attributes.names.index(key)]
        if key.startswith("dim") and key[3:].isdigit() and self.attributes.pca_components is not None:
            k = int(key[3:]) - 1
            if 0 <= k < len(self.attributes.pca_components):
                std = float(self.attributes.pca_std[k]) if self.attributes.pca_std is not None else 1.0
                return z + amount * std * self.attributes.pca_components[k]
        known = ", ".join(self.attributes.names)
        n_dims = 0 if self.attributes.pca_components is None else len(self.attributes.pca_components)
        raise EngineError(f"unknown attribute {attribute!r}; known: {known}"
                          + (f", dim1..dim{n_dims}" if n_dims else ""))
