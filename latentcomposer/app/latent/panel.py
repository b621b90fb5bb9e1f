"""The latent panel's state: the current code, slider values, map offset, seed, temperature, lock and
device, and the last latent preview (napari's "model": plain state that widgets show and the
controller changes). No engine calls, no Qt.

The state is saved in the session's :class:`~latentcomposer.app.state.LatentState` (``codes``,
``sliders``, ``model`` and the typed :class:`~latentcomposer.app.state.PanelState`), so projects keep it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.core.chords import ChordTrack
from latentcomposer.core.harmony import Key

from ..harmony import KEY_LOCK, key_of
from ..session import Session
from ..state import PanelState
from .info import DEVICES, EngineInfo
from .jobs import EncodeOutcome, PreviewRequest, PreviewResult
from .locks import LOCKS


@dataclass
class Code:
    uid: str
    clip: Clip  # the clip as encoded (the locks' reference, the decode template)
    mu: np.ndarray | None  # posterior mean [chunks, d]; None when sampled
    sigma: np.ndarray | None
    base: np.ndarray  # what the sliders move from
    n_steps: int
    origin: str  # encoded | posterior | sampled | restored


class PanelModel:
    """The slider panel's state for one session (see the module docstring).

    ``edited`` is set when the user changed something that is saved with the project (a slider, the
    temperature, a sample, ...); :meth:`store` then marks the session modified. Stores that only follow
    a model load or an encoding do not: loading a model is not an edit.
    """

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
        self.edited = False

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
        return self.info is not None and self.info.pitched

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

    def sample_code(self, uid: str, template: Clip, seed: int | None = None) -> None:
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

    def reroll_code(self) -> None:
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

    def current_point(self) -> np.ndarray | None:
        """Where the current code (its preview's z when there is one) lies on the latent map."""
        if self.info is None or self.code is None:
            return None
        pv = self.preview
        z = pv.z if pv is not None and pv.request.uid == self.code.uid else self.current_z_estimate()
        return self.info.plane.project(z).mean(0)

    # --- previews -------------------------------------------------------------------------------
    def preview_request(self) -> PreviewRequest | None:
        if self.code is None or self.info is None:
            return None
        c = self.code
        template = self.session.item(c.uid).clip if self.session.has(c.uid) else c.clip
        offset = self.info.plane.vector(*self.offset) if np.any(self.offset) else None
        reference = c.clip if c.clip.notes else None
        chords, key = self.harmony_for(c.uid)
        return PreviewRequest(c.uid, c.base.copy(), tuple(sorted(self.sliders.items())), offset,
                              float(self.temperature), int(self.seed), self.lock if self.lock_supported else "none",
                              reference, template, c.n_steps, self.info.name, chords, key)

    def harmony_for(self, uid: str) -> tuple[ChordTrack | None, Key | None]:
        """Clip ``uid``'s chord lane (what a chord-conditioned model decodes over) and, while the key lock
        is on, the key to keep results in."""
        if not self.session.has(uid):
            return None, None
        item = self.session.item(uid)
        key = key_of(item).key if self.session.latent.extra.get(KEY_LOCK) else None
        return item.chords, key

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
    def snapshot(self) -> PanelState:
        c = self.code
        return PanelState(source=c.uid if c else None,
                          shape=(int(c.base.shape[0]), int(c.base.shape[1])) if c else None,
                          origin=c.origin if c else None, n_steps=c.n_steps if c else None, seed=self.seed,
                          temperature=float(self.temperature), lock=self.lock, device=self.device,
                          map_offset=(float(self.offset[0]), float(self.offset[1])))

    def store(self) -> bool:
        """Write the state into ``session.latent`` if it changed; True if it did. The session becomes
        "modified" only when :attr:`edited` says the user changed something since the last store."""
        latent = self.session.latent
        codes = dict(latent.codes)
        if self.code is not None:
            codes = {self.code.uid: [float(v) for v in self.code.base.ravel()]}
        sliders = {k: float(v) for k, v in self.sliders.items()}
        model = self.info.name if self.info else latent.model
        panel = self.snapshot()
        edited, self.edited = self.edited, False
        if (model, codes, sliders, panel) == (latent.model, latent.codes, latent.sliders, latent.panel):
            return False
        self.session.update_latent(edit=edited, model=model, codes=codes, sliders=sliders, panel=panel)
        return True

    def restore(self) -> bool:
        """Take seed, temperature, lock, device and (when the model and clip match) the code and slider
        values from ``session.latent``. True if a code was restored (it still needs its posterior)."""
        latent = self.session.latent
        snap = latent.panel
        if snap is None:
            return False
        self.seed = snap.seed
        self.temperature = snap.temperature
        self.lock = snap.lock if snap.lock in LOCKS else "none"
        self.device = snap.device if snap.device in DEVICES else "auto"
        uid, shape = snap.source, snap.shape
        info = self.info
        if info is None or latent.model != info.name or not uid or not self.session.has(uid) \
                or uid not in latent.codes or shape is None:
            return False
        values = np.asarray(latent.codes[uid], np.float32)
        if shape[1] != info.z_dim or values.size != shape[0] * shape[1]:
            return False
        clip = self.session.item(uid).clip
        n_steps = snap.n_steps or shape[0] * info.window_steps
        self.code = Code(uid, clip, None, None, values.reshape(shape), n_steps, "restored")
        self.sliders = {k: float(latent.sliders.get(k, 0.0)) for k in self.sliders}
        self.offset = np.asarray(snap.map_offset, np.float32)
        return True
