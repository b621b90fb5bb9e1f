"""The latent tools' state and rules, without Qt (the widgets in ``latentcomposer.ui`` drive it).

* :class:`LatentController` holds the current code (the clip it came from, its posterior mean, the base
  z the sliders move from), slider values, the map offset, seed, temperature and lock; it builds
  immutable :class:`PreviewRequest` snapshots for the worker and stores itself in the session's
  :class:`~latentcomposer.app.state.LatentState` (so projects save and restore it).
* :class:`LatestOnlyQueue` is the coalescing rule of the decode worker: per channel the newest request
  replaces any pending one, and a result is used only if no newer request was made on its channel.
* Functions taking an ``engine`` (``encode_clip``, ``decode_preview``, ``interpolate``...) are the
  jobs: they run on the worker thread only. Nothing here imports torch; the engine is passed in.
* :func:`keep_rhythm` / :func:`keep_pitches`: our models do not separate rhythm from pitch, so the
  "lock" is a constraint applied after decoding (see their docstrings).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from latentcomposer.core import Clip, Note

from .session import Session

SLIDER_RANGE = 3.0  # attribute-vector units / principal-direction std
N_DIMS = 8  # principal directions shown as "Dim 1..N"
LOCKS = ("none", "rhythm", "pitches")
LOCK_TIPS = {
    "none": "Decode freely: rhythm and pitches both follow the latent code.",
    "rhythm": "Keep rhythm: the models do not separate rhythm from pitch, so the decoded melody is "
              "taken onto the original clip's onsets and durations (the pitch sounding at each original "
              "onset). A constraint applied after decoding.",
    "pitches": "Keep pitches: the original clip's pitch sequence, in order, on the decoded rhythm (cycled "
               "if the decoded melody has more notes). A constraint applied after decoding.",
}
DEVICES = ("auto", "cpu", "cuda")
STEPS_PER_BAR = 16


# --- models ---------------------------------------------------------------------------------------
def model_representation(folder: Path) -> str:
    """``"melody"`` or ``"drums"`` from a model folder's config.json (no torch); "melody" if unreadable."""
    try:
        doc = json.loads((Path(folder) / "config.json").read_text())
        return str(doc["model"].get("representation", "melody"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "melody"


def model_for_clip(clip: Clip, current: str | None, current_rep: str | None,
                   models: Sequence[tuple[str, str]]) -> str | None:
    """The model to switch to for ``clip`` (drums need a drum model, melodies a melody model), or None
    to keep the current one. ``models``: (name, representation) of the installed models."""
    want = "drums" if clip.is_drum else "melody"
    if current_rep == want or not clip.notes:
        return None
    fitting = [name for name, rep in models if rep == want]
    if not fitting:
        return None
    return current if current in fitting else fitting[0]


@dataclass(frozen=True)
class SliderSpec:
    key: str  # the engine's name: "density", "dim3", or "z3" (raw dimension, models without attributes)
    label: str
    tooltip: str
    kind: str  # attribute | dim | z


@dataclass
class MapPlane:
    """The latent map's plane: ``(z - mean) . axes / scale`` (PCA of the training latents, in std units)."""

    mean: np.ndarray  # [d]
    axes: np.ndarray  # [2, d], unit rows
    scale: np.ndarray  # [2]
    reference: np.ndarray  # [M, 2] projected training means
    fitted: bool  # False: no principal directions shipped, the axes are z1, z2

    def project(self, z: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(np.asarray(z, dtype=np.float32))
        return ((z - self.mean) @ self.axes.T) / self.scale

    def vector(self, dx: float, dy: float) -> np.ndarray:
        return (dx * self.scale[0] * self.axes[0] + dy * self.scale[1] * self.axes[1]).astype(np.float32)


def map_plane(attributes: Any, z_dim: int) -> MapPlane:
    comps = getattr(attributes, "pca_components", None) if attributes is not None else None
    if comps is not None and len(comps) >= 2:
        mean = np.asarray(attributes.pca_mean if attributes.pca_mean is not None else np.zeros(z_dim), np.float32)
        std = attributes.pca_std if attributes.pca_std is not None else np.ones(len(comps))
        axes = np.asarray(comps[:2], np.float32)
        scale = np.maximum(np.asarray(std[:2], np.float32), 1e-6)
        plane = MapPlane(mean, axes, scale, np.zeros((0, 2), np.float32), True)
        ref = attributes.reference_latents
        if ref is not None and len(ref):
            plane.reference = plane.project(np.asarray(ref, np.float32))
        return plane
    axes = np.zeros((2, z_dim), np.float32)
    axes[0, 0] = 1.0
    axes[1, min(1, z_dim - 1)] = 1.0
    return MapPlane(np.zeros(z_dim, np.float32), axes, np.ones(2, np.float32), np.zeros((0, 2), np.float32), False)


@dataclass(frozen=True)
class EngineInfo:
    """What the widgets need to know about a loaded engine (read from attributes, no engine calls)."""

    name: str
    representation: str
    architecture: str
    n_bars: int
    z_dim: int
    bar_z_dim: int
    per_bar: bool
    device: str
    specs: tuple[SliderSpec, ...]
    plane: MapPlane = field(compare=False)
    # the model's fitted prior (model.prior.FittedPrior: ``sample(n, rng)``, numpy) or None: N(0, I)
    prior: Any = field(default=None, compare=False)

    @property
    def is_drums(self) -> bool:
        return self.representation == "drums"

    @property
    def window_steps(self) -> int:
        return self.n_bars * STEPS_PER_BAR

    @classmethod
    def of(cls, engine: Any) -> EngineInfo:
        cfg = engine.cfg
        attrs = engine.attributes
        specs: list[SliderSpec] = []
        if attrs is not None:
            for name in attrs.names:
                definition = attrs.definitions.get(name, "")
                specs.append(SliderSpec(name, name.capitalize(), f"{name}: {definition}".strip(": "), "attribute"))
            n = 0 if attrs.pca_components is None else min(N_DIMS, len(attrs.pca_components))
            for k in range(n):
                specs.append(SliderSpec(f"dim{k + 1}", f"Dim {k + 1}",
                                        f"Principal direction {k + 1} of the training latents, in units of "
                                        "their spread (std) along it", "dim"))
        if not specs:
            for k in range(min(N_DIMS, cfg.z_dim)):
                specs.append(SliderSpec(f"z{k + 1}", f"z {k + 1}", f"Latent dimension {k + 1} (this model ships "
                                        "no attribute vectors or principal directions)", "z"))
        return cls(engine.name, cfg.representation, cfg.architecture, cfg.n_bars, cfg.z_dim,
                   int(getattr(cfg, "bar_z_dim", 0) or 0), cfg.architecture == "tvae", str(engine.device),
                   tuple(specs), map_plane(attrs, cfg.z_dim), getattr(engine, "fitted_prior", None))

    def sample_prior(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` latents [n, z_dim]: from the fitted prior when the model ships one, else N(0, I)."""
        if self.prior is not None:
            return np.asarray(self.prior.sample(n, rng), dtype=np.float32)
        return rng.standard_normal((n, self.z_dim)).astype(np.float32)


# --- coalescing ---------------------------------------------------------------------------------
class LatestOnlyQueue:
    """Jobs per channel where only the newest request matters (thread-safe).

    * ``submit`` replaces the channel's pending job (``coalesced`` counts those; the replaced ticket is
      returned) and says whether a drain must be started; at most one job per channel waits.
    * ``take`` hands the oldest pending job to the (single) draining thread, or marks the drain finished.
    * ``accept(channel, ticket)``: whether a finished job's result may still be shown. A result is stale
      (dropped) when a newer result of its channel was already shown or the channel was cancelled after
      it was asked for (another clip, a reset). During a continuous drag the results keep coming (each
      newer than the last shown) and the last request always runs, so the view ends in the last state.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[int, Callable[[], Any]]] = {}
        self._latest: dict[str, int] = {}
        self._floor: dict[str, int] = {}  # cancelled up to this ticket
        self._shown: dict[str, int] = {}
        self._ticket = 0
        self._draining = False
        self.submitted = 0
        self.coalesced = 0
        self.executed = 0

    def submit(self, channel: str, job: Callable[[], Any]) -> tuple[int, bool, int | None]:
        with self._lock:
            self._ticket += 1
            self.submitted += 1
            replaced = self._pending.pop(channel, None)
            if replaced is not None:
                self.coalesced += 1
            self._pending[channel] = (self._ticket, job)
            self._latest[channel] = self._ticket
            start = not self._draining
            self._draining = True
            return self._ticket, start, None if replaced is None else replaced[0]

    def take(self) -> tuple[str, int, Callable[[], Any]] | None:
        with self._lock:
            if not self._pending:
                self._draining = False
                return None
            channel = next(iter(self._pending))
            ticket, job = self._pending.pop(channel)
            self.executed += 1
            return channel, ticket, job

    def accept(self, channel: str, ticket: int) -> bool:
        with self._lock:
            if ticket <= self._floor.get(channel, 0) or ticket <= self._shown.get(channel, 0):
                return False
            self._shown[channel] = ticket
            return True

    def is_latest(self, channel: str, ticket: int) -> bool:
        with self._lock:
            return self._latest.get(channel) == ticket

    def cancel(self, channel: str) -> int | None:
        """Forget the channel's pending job (its ticket is returned); results asked for so far are dropped."""
        with self._lock:
            self._floor[channel] = self._ticket
            pending = self._pending.pop(channel, None)
            return None if pending is None else pending[0]

    @property
    def idle(self) -> bool:
        with self._lock:
            return not self._draining and not self._pending


# --- locks --------------------------------------------------------------------------------------
def _melody(clip: Clip) -> list[Note]:
    return list(clip.notes if clip.is_monophonic() else clip.monophonic().notes)


def keep_rhythm(reference: Clip, decoded: Clip) -> Clip:
    """The reference's onsets and durations with the decoded pitches: each reference note takes the
    pitch the decoded melody sounds at its onset (else the decoded note starting nearest to it)."""
    ref, dec = _melody(reference), list(decoded.notes)
    if not ref or not dec:
        return decoded
    scale = decoded.ppq / reference.ppq
    out = []
    for n in ref:
        s, e = round(n.start * scale), max(round(n.start * scale) + 1, round(n.end * scale))
        sounding = [d for d in dec if d.start <= s < d.end]
        src = sounding[-1] if sounding else min(dec, key=lambda d: abs(d.start - s))
        out.append(Note(s, src.pitch, e, n.velocity))
    return decoded.with_notes(out)


def keep_pitches(reference: Clip, decoded: Clip) -> Clip:
    """The decoded rhythm with the reference's pitch sequence in order (cycled if it runs out)."""
    pitches = [n.pitch for n in _melody(reference)]
    if not pitches or not decoded.notes:
        return decoded
    return decoded.with_notes(Note(d.start, pitches[i % len(pitches)], d.end, d.velocity)
                              for i, d in enumerate(decoded.notes))


def apply_lock(reference: Clip | None, decoded: Clip, lock: str) -> Clip:
    if reference is None or decoded.is_drum or lock == "none":
        return decoded
    if lock == "rhythm":
        return keep_rhythm(reference, decoded)
    if lock == "pitches":
        return keep_pitches(reference, decoded)
    raise ValueError(f"unknown lock {lock!r} (use {', '.join(LOCKS)})")


# --- jobs (worker thread only) ----------------------------------------------------------------
def limit_cpu_threads(engine: Any, threads: int = 1) -> list[str]:
    """Decode on ``threads`` CPU threads, set from the calling (worker) thread: torch's intra-op threads
    and OpenBLAS's (NumPy's BLAS, which the engine's CPU step loop uses). Batch-1 decoding gains
    nothing from more threads on a small machine, and a BLAS that spins on every core starves the UI:
    on 2 busy cores the live-slider decode of the 2-bar model took ~65 ms with the defaults and ~10 ms
    with one thread (benchmarks/gui_slider.py). Returns what was limited (best effort, never raises)."""
    done: list[str] = []
    if not str(getattr(engine, "device", "cpu")).startswith("cpu"):
        return done
    threads = max(1, int(threads))
    try:
        import torch

        torch.set_num_threads(threads)
        done.append("torch")
    except Exception:  # pragma: no cover - torch is there whenever an engine is
        pass
    try:
        import ctypes
        import re

        maps = Path("/proc/self/maps").read_text() if Path("/proc/self/maps").exists() else ""
        for lib in sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps))):
            dll = ctypes.CDLL(lib)
            for fn in ("openblas_set_num_threads_local", "scipy_openblas_set_num_threads64_",
                       "openblas_set_num_threads"):
                if hasattr(dll, fn):
                    getattr(dll, fn)(ctypes.c_int(threads))
                    done.append(f"{Path(lib).name}:{fn}")
                    break
    except Exception:  # an unusual BLAS: leave it as it is
        pass
    return done


@dataclass
class EncodeOutcome:
    uid: str
    clip: Clip
    mu: np.ndarray  # [chunks, d]
    sigma: np.ndarray
    n_steps: int
    warnings: list[str]
    model: str


def encode_clip(engine: Any, uid: str, clip: Clip, seed: int = 0) -> EncodeOutcome:
    code = engine.encode([clip], seed=seed)
    return EncodeOutcome(uid, clip, np.asarray(code.mu, np.float32), np.asarray(code.sigma, np.float32),
                         int(engine.clip_steps(clip)), list(code.warnings), engine.name)


def compose(engine: Any, base: np.ndarray, sliders: Mapping[str, float], offset: np.ndarray | None) -> np.ndarray:
    """base z moved along every non-zero slider (attribute vectors, principal directions, raw dims)
    plus the latent map's offset vector."""
    z = np.array(base, dtype=np.float32)
    for key, amount in sliders.items():
        if not amount:
            continue
        if key.startswith("z") and key[1:].isdigit():
            z[..., int(key[1:]) - 1] += amount
        else:
            z = engine.shift(z, key, float(amount))
    if offset is not None:
        z = z + offset
    return np.asarray(z, np.float32)


@dataclass(frozen=True)
class PreviewRequest:
    uid: str
    base: np.ndarray
    sliders: tuple[tuple[str, float], ...]
    offset: np.ndarray | None
    temperature: float
    seed: int
    lock: str
    reference: Clip | None
    template: Clip
    n_steps: int
    model: str


@dataclass
class PreviewResult:
    request: PreviewRequest
    clip: Clip
    z: np.ndarray


def decode_preview(engine: Any, req: PreviewRequest) -> PreviewResult:
    z = compose(engine, req.base, dict(req.sliders), req.offset)
    clip = engine.decode(z, temperature=req.temperature, seed=req.seed, template=req.template,
                         name=req.template.name, join=True, n_steps=req.n_steps)[0]
    return PreviewResult(req, apply_lock(req.reference, clip, req.lock), z)


@dataclass
class InterpolationResult:
    clips: list[Clip]
    warnings: list[str]
    z: np.ndarray | None  # [steps, chunks, d]
    seed: int


def interpolate(engine: Any, a: Clip, b: Clip, between: int, method: str, temperature: float,
                seed: int) -> InterpolationResult:
    """``between`` steps plus both endpoints (all decoded in one batch by the engine)."""
    gen = engine.interpolate(a, b, steps=between + 2, method=method, temperature=temperature, seed=seed)
    return InterpolationResult(list(gen.clips), list(gen.warnings), gen.z, seed)


def join_clips(clips: Sequence[Clip], name: str) -> Clip:
    """Clips one after another (each on whole bars) as one clip."""
    if not clips:
        raise ValueError("nothing to join")
    out = clips[0].copy(name=name, length=max(clips[0].end_tick, clips[0].n_bars * clips[0].bar_ticks))
    for c in clips[1:]:
        out = out.concatenate(c.copy(length=max(c.end_tick, c.n_bars * c.bar_ticks)))
    return out.copy(name=name)


# --- the controller -------------------------------------------------------------------------------
@dataclass
class Code:
    uid: str
    clip: Clip  # the clip as encoded (the locks' reference, the decode template)
    mu: np.ndarray | None  # posterior mean [chunks, d]; None when sampled
    sigma: np.ndarray | None
    base: np.ndarray  # what the sliders move from
    n_steps: int
    origin: str  # encoded | posterior | sampled | restored


PANEL_KEY = "panel"


class LatentController:
    """The slider panel's state for one session (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.info: EngineInfo | None = None
        self.code: Code | None = None
        self.sliders: dict[str, float] = {}
        self.offset = np.zeros(2, np.float32)  # latent-map offset, std units along the plane's axes
        self.seed = 0
        self.temperature = 0.0
        self.lock = "none"
        self.device = "auto"
        self.preview: PreviewResult | None = None
        self.warnings: list[str] = []

    # --- engine ---------------------------------------------------------------------------------
    def set_engine(self, info: EngineInfo | None) -> None:
        """A (new) model: slider values whose names it knows are kept; the code must be re-encoded."""
        old = self.info
        self.info = info
        keys = {s.key for s in info.specs} if info else set()
        self.sliders = {k: self.sliders.get(k, 0.0) for k in keys}
        if old is None or info is None or old.z_dim != info.z_dim or old.name != info.name:
            self.code = None
            self.preview = None
            self.offset = np.zeros(2, np.float32)

    @property
    def lock_supported(self) -> bool:
        return self.info is not None and not self.info.is_drums

    @property
    def moved(self) -> bool:
        return any(self.sliders.values()) or bool(np.any(self.offset))

    # --- encoding and sampling --------------------------------------------------------------------
    def accept_encoding(self, out: EncodeOutcome, keep_base: bool = False) -> None:
        base = self.code.base if keep_base and self.code is not None and self.code.base.shape == out.mu.shape \
            else out.mu.copy()
        origin = self.code.origin if keep_base and self.code is not None else "encoded"
        self.code = Code(out.uid, out.clip, out.mu, out.sigma, base, out.n_steps, origin)
        self.warnings = list(out.warnings)

    def forget(self) -> None:
        self.code = None
        self.preview = None
        self.warnings = []

    def reset_values(self) -> None:
        self.sliders = dict.fromkeys(self.sliders, 0.0)
        self.offset = np.zeros(2, np.float32)

    def sample(self, uid: str, template: Clip, seed: int | None = None) -> None:
        """A new base z from the model's prior -- the fitted one when shipped, else N(0, I) -- (as many
        windows as the clip holds, at least one)."""
        assert self.info is not None
        if seed is not None:
            self.seed = seed
        chunks = len(self.code.base) if self.code is not None and self.code.uid == uid else \
            max(1, -(-template.n_bars // self.info.n_bars))
        base = self.info.sample_prior(chunks, np.random.default_rng(self.seed))
        same = self.code is not None and self.code.uid == uid
        n_steps = self.code.n_steps if same and self.code is not None else chunks * self.info.window_steps
        if same and self.code is not None:  # keep the clip's posterior: Reset returns to it
            self.code = Code(uid, self.code.clip, self.code.mu, self.code.sigma, base, n_steps, "sampled")
        else:
            self.code = Code(uid, template, None, None, base, n_steps, "sampled")
        self.reset_values()

    def reroll(self) -> None:
        """A new seed: a new prior draw for a sampled code, a new posterior draw (mu + sigma * eps) for
        an encoded one; decoding at temperature > 0 uses the seed too."""
        self.seed += 1
        c = self.code
        if c is None:
            return
        rng = np.random.default_rng(self.seed)
        if c.origin == "sampled" or c.mu is None or c.sigma is None:
            c.base = self.info.sample_prior(len(c.base), rng) if self.info is not None and \
                self.info.z_dim == c.base.shape[1] else rng.standard_normal(c.base.shape).astype(np.float32)
            c.origin = "sampled"
        else:
            c.base = (c.mu + c.sigma * rng.standard_normal(c.mu.shape)).astype(np.float32)
            c.origin = "posterior"

    def reset_to_encoded(self) -> bool:
        """Back to the encoded posterior mean, all sliders and the map offset at zero."""
        self.reset_values()
        self.preview = None
        if self.code is not None and self.code.mu is not None:
            self.code.base = self.code.mu.copy()
            self.code.origin = "encoded"
            return True
        return False

    def set_map_point(self, x: float, y: float) -> None:
        """Move the code so its (mean) projection lands on (x, y): only the plane's two directions change."""
        if self.info is None or self.code is None:
            return
        z = self.preview.z if self.preview is not None and self.preview.request.uid == self.code.uid \
            else self.current_z_estimate()
        here = self.info.plane.project(z).mean(0)
        self.offset = (self.offset + np.array([x, y], np.float32) - here).astype(np.float32)

    def current_z_estimate(self) -> np.ndarray:
        """base + map offset (without slider shifts: those need the engine)."""
        assert self.code is not None and self.info is not None
        return self.code.base + self.info.plane.vector(*self.offset)

    # --- previews -------------------------------------------------------------------------------
    def preview_request(self) -> PreviewRequest | None:
        if self.code is None or self.info is None:
            return None
        c = self.code
        template = self.session.item(c.uid).clip if self.session.has(c.uid) else c.clip
        offset = self.info.plane.vector(*self.offset) if np.any(self.offset) else None
        reference = c.clip if c.clip.notes else None
        return PreviewRequest(c.uid, c.base.copy(), tuple(sorted(self.sliders.items())), offset,
                              float(self.temperature), int(self.seed), self.lock if self.lock_supported else "none",
                              reference, template, c.n_steps, self.info.name)

    def accept_preview(self, result: PreviewResult) -> bool:
        if self.code is None or result.request.uid != self.code.uid:
            return False
        self.preview = result
        return True

    def apply(self, label: str = "Apply latent variation") -> Clip | None:
        """Put the preview into its clip as one undoable step; returns it (None without a preview)."""
        if self.preview is None or self.code is None or not self.session.has(self.code.uid):
            return None
        clip = self.preview.clip
        self.session.replace_clip(clip, label, uid=self.code.uid)
        return clip

    # --- saving with the project ----------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        c = self.code
        return {"source": c.uid if c else None, "shape": list(c.base.shape) if c else None,
                "origin": c.origin if c else None, "seed": self.seed, "temperature": self.temperature,
                "lock": self.lock, "device": self.device, "map_offset": [float(v) for v in self.offset],
                "n_steps": c.n_steps if c else None}

    def store(self) -> bool:
        """Write the state into ``session.latent`` if it changed; True if it did."""
        latent = self.session.latent
        codes = dict(latent.codes)
        if self.code is not None:
            codes = {self.code.uid: [float(v) for v in self.code.base.ravel()]}
        sliders = {k: float(v) for k, v in self.sliders.items()}
        model = self.info.name if self.info else latent.model
        extra = {**latent.extra, PANEL_KEY: self.snapshot()}
        if (model, codes, sliders, extra) == (latent.model, latent.codes, latent.sliders, latent.extra):
            return False
        self.session.update_latent(model=model, codes=codes, sliders=sliders, extra=extra)
        return True

    def restore(self) -> bool:
        """Take seed, temperature, lock, device and (when the model and clip match) the code and slider
        values from ``session.latent``. True if a code was restored (it still needs its posterior)."""
        latent = self.session.latent
        snap = latent.extra.get(PANEL_KEY)
        if not isinstance(snap, dict):
            return False
        self.seed = int(snap.get("seed") or 0)
        self.temperature = float(snap.get("temperature") or 0.0)
        lock, device = snap.get("lock"), snap.get("device")
        self.lock = lock if isinstance(lock, str) and lock in LOCKS else "none"
        self.device = device if isinstance(device, str) and device in DEVICES else "auto"
        uid, shape = snap.get("source"), snap.get("shape")
        info = self.info
        if info is None or latent.model != info.name or not uid or not self.session.has(uid) \
                or uid not in latent.codes or not isinstance(shape, list) or len(shape) != 2:
            return False
        values = np.asarray(latent.codes[uid], np.float32)
        if shape[1] != info.z_dim or values.size != shape[0] * shape[1]:
            return False
        clip = self.session.item(uid).clip
        n_steps = int(snap.get("n_steps") or shape[0] * info.window_steps)
        self.code = Code(uid, clip, None, None, values.reshape(shape), n_steps, "restored")
        self.sliders = {k: float(latent.sliders.get(k, 0.0)) for k in self.sliders}
        off = snap.get("map_offset")
        self.offset = np.asarray(off, np.float32) if isinstance(off, list) and len(off) == 2 \
            else np.zeros(2, np.float32)
        return True
