"""Plain-data parts of a session: clip items, latent-model state, playback choices.

Everything here is JSON-friendly (``to_dict`` / ``from_dict``) so a project file can store it. The latent
panel, interpolation timeline and latent map read and write :class:`LatentState`; this module fixes only
its shape. ``from_dict`` raises ``ValueError`` with a message naming the bad field, except
:meth:`PanelState.from_dict`, which (as before it was typed) falls back to defaults for values it does not
understand: the panel's settings are never a reason to refuse a project.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from latentcomposer.core import Clip
from latentcomposer.core.chords import ChordTrack
from latentcomposer.core.harmony import Key

ORIGINS = ("user", "imported", "generated", "interpolated", "recovered")
OUTPUTS = ("fluidsynth", "midi", "none")


def new_uid() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class ClipItem:
    """One entry of the clip list: a stable id, the (immutable) clip, and where it came from.

    ``origin`` is one of :data:`ORIGINS`; ``source`` says more (the MIDI file and track it came from,
    or the model and settings that generated it).
    """

    uid: str
    clip: Clip
    origin: str = "user"
    source: str = ""
    # the clip's chord lane (None: none yet) and the key the composer set (None: the detected key)
    chords: ChordTrack | None = None
    key: Key | None = None

    @property
    def name(self) -> str:
        return self.clip.name

    def with_clip(self, clip: Clip) -> ClipItem:
        return ClipItem(self.uid, clip, self.origin, self.source, self.chords, self.key)

    def with_harmony(self, chords: ChordTrack | None, key: Key | None) -> ClipItem:
        return ClipItem(self.uid, self.clip, self.origin, self.source, chords, key)


def _float_list(value: Any, what: str) -> list[float]:
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list of numbers")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValueError(f"{what} holds {v!r}, not a finite number")
        out.append(float(v))
    return out


def _opt_str(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{what} must be text or null")
    return value


@dataclass
class InterpolationSettings:
    """Interpolation between two clips: ``slot_a``/``slot_b`` are clip uids (or None)."""

    slot_a: str | None = None
    slot_b: str | None = None
    steps: int = 5
    method: str = "slerp"
    temperature: float = 0.0  # the latent panel's default too: the most likely notes (issue 27)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"slot_a": self.slot_a, "slot_b": self.slot_b, "steps": self.steps, "method": self.method,
                "temperature": self.temperature, "extra": self.extra}

    @classmethod
    def from_dict(cls, d: Any) -> InterpolationSettings:
        if not isinstance(d, dict):
            raise ValueError("latent.interpolation must be an object")
        steps = d.get("steps", 5)
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 1024:
            raise ValueError("latent.interpolation.steps must be an integer 1-1024")
        temperature = d.get("temperature", 0.0)
        if isinstance(temperature, bool) or not isinstance(temperature, int | float) \
                or not math.isfinite(temperature):
            raise ValueError("latent.interpolation.temperature must be a number")
        method = d.get("method", "slerp")
        if not isinstance(method, str):
            raise ValueError("latent.interpolation.method must be text")
        extra = d.get("extra", {})
        if not isinstance(extra, dict):
            raise ValueError("latent.interpolation.extra must be an object")
        return cls(_opt_str(d.get("slot_a"), "latent.interpolation.slot_a"),
                   _opt_str(d.get("slot_b"), "latent.interpolation.slot_b"),
                   steps, method, float(temperature), extra)


def _lenient(value: Any, kind: Any, default: Any) -> Any:
    """``value`` if it is a ``kind`` (never a bool; a finite float), else ``default``."""
    ok = isinstance(value, kind) and not isinstance(value, bool)
    return value if ok and (not isinstance(value, float) or math.isfinite(value)) else default


@dataclass(frozen=True)
class PanelState:
    """The latent panel's settings and where its code came from (saved with the project).

    The code itself is ``LatentState.codes[source]`` with ``shape`` (windows, z dims); ``origin`` says
    how it was made (encoded | posterior | sampled | restored) and ``n_steps`` the 16th steps its
    decode is trimmed to. Projects written before this type existed keep it in
    ``latent.extra["panel"]`` (same keys); :meth:`LatentState.from_dict` reads either.
    """

    source: str | None = None
    shape: tuple[int, int] | None = None
    origin: str | None = None
    n_steps: int | None = None
    seed: int = 0
    temperature: float = 0.0
    lock: str = "none"  # none | rhythm | pitches (the controller checks the value)
    device: str = "auto"  # auto | cpu | cuda (the controller checks the value)
    map_offset: tuple[float, float] = (0.0, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "shape": list(self.shape) if self.shape else None, "origin": self.origin,
                "seed": self.seed, "temperature": self.temperature, "lock": self.lock, "device": self.device,
                "map_offset": list(self.map_offset), "n_steps": self.n_steps}

    @classmethod
    def from_dict(cls, d: Any) -> PanelState:
        if not isinstance(d, dict):
            return cls()
        shape: tuple[int, int] | None = None
        raw = d.get("shape")
        if isinstance(raw, list) and len(raw) == 2 and all(_lenient(v, int, -1) > 0 for v in raw):
            shape = (raw[0], raw[1])
        offset = (0.0, 0.0)
        raw = d.get("map_offset")
        if isinstance(raw, list) and len(raw) == 2 and all(_lenient(v, int | float, None) is not None for v in raw):
            offset = (float(raw[0]), float(raw[1]))
        n_steps = _lenient(d.get("n_steps"), int, None)
        return cls(source=_lenient(d.get("source"), str, None), shape=shape,
                   origin=_lenient(d.get("origin"), str, None),
                   n_steps=n_steps if n_steps is None or n_steps > 0 else None,
                   seed=_lenient(d.get("seed"), int, 0),
                   temperature=max(0.0, float(_lenient(d.get("temperature"), int | float, 0.0))),
                   lock=_lenient(d.get("lock"), str, "none"),
                   device=_lenient(d.get("device"), str, "auto"),
                   map_offset=offset)


@dataclass
class LatentState:
    """What the latent tools need to come back exactly as they were.

    * ``model``: the chosen model's name (a folder under ``models/``), or None.
    * ``codes``: clip uid -> latent vector (list of floats) for clips that were encoded/generated.
    * ``sliders``: slider name (e.g. ``"z0"`` or an attribute-vector name) -> position.
    * ``interpolation``: :class:`InterpolationSettings`.
    * ``panel``: :class:`PanelState`, or None until the panel first stores itself.
    * ``extra``: anything else the latent tools want saved (JSON values).
    """

    model: str | None = None
    codes: dict[str, list[float]] = field(default_factory=dict)
    sliders: dict[str, float] = field(default_factory=dict)
    interpolation: InterpolationSettings = field(default_factory=InterpolationSettings)
    panel: PanelState | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "codes": {k: list(v) for k, v in self.codes.items()},
                "sliders": dict(self.sliders), "interpolation": self.interpolation.to_dict(),
                "panel": self.panel.to_dict() if self.panel is not None else None, "extra": self.extra}

    @classmethod
    def from_dict(cls, d: Any) -> LatentState:
        if not isinstance(d, dict):
            raise ValueError("latent must be an object")
        codes = d.get("codes", {})
        sliders = d.get("sliders", {})
        if not isinstance(codes, dict) or not isinstance(sliders, dict):
            raise ValueError("latent.codes and latent.sliders must be objects")
        extra = d.get("extra", {})
        if not isinstance(extra, dict):
            raise ValueError("latent.extra must be an object")
        extra = dict(extra)
        old_panel = extra.pop("panel", None)  # where projects kept it before PanelState
        panel = d.get("panel", old_panel)
        return cls(
            model=_opt_str(d.get("model"), "latent.model"),
            codes={str(k): _float_list(v, f"latent.codes[{k!r}]") for k, v in codes.items()},
            sliders={str(k): _float_list([v], f"latent.sliders[{k!r}]")[0] for k, v in sliders.items()},
            interpolation=InterpolationSettings.from_dict(d.get("interpolation", {})),
            panel=PanelState.from_dict(panel) if panel is not None else None,
            extra=extra,
        )


@dataclass
class PlaybackChoice:
    """Output and transport choices saved with a project."""

    output: str = "fluidsynth"  # one of OUTPUTS
    soundfont: str | None = None
    port: str | None = None
    metronome: bool = False
    loop: tuple[int, int] | None = None
    loop_enabled: bool = False
    chords: bool = False  # sound the chord lane (a soft pad on its own channel) with the clip

    def to_dict(self) -> dict[str, Any]:
        return {"output": self.output, "soundfont": self.soundfont, "port": self.port,
                "metronome": self.metronome, "loop": list(self.loop) if self.loop else None,
                "loop_enabled": self.loop_enabled, "chords": self.chords}

    @classmethod
    def from_dict(cls, d: Any) -> PlaybackChoice:
        if not isinstance(d, dict):
            raise ValueError("playback must be an object")
        output = d.get("output", "fluidsynth")
        if output not in OUTPUTS:
            raise ValueError(f"playback.output {output!r} must be one of {', '.join(OUTPUTS)}")
        loop = d.get("loop")
        if loop is not None:
            if (not isinstance(loop, list) or len(loop) != 2
                    or not all(isinstance(v, int) and not isinstance(v, bool) for v in loop)
                    or not 0 <= loop[0] < loop[1]):
                raise ValueError("playback.loop must be [start, end] ticks with 0 <= start < end")
            loop = (loop[0], loop[1])
        return cls(output, _opt_str(d.get("soundfont"), "playback.soundfont"),
                   _opt_str(d.get("port"), "playback.port"), bool(d.get("metronome", False)),
                   loop, bool(d.get("loop_enabled", False)), bool(d.get("chords", False)))
