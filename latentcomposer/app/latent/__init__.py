"""The latent tools without Qt: the slider panel, the latent map, the interpolation timeline and the
Bars tab drive these; the widgets in :mod:`latentcomposer.ui` only show them.

* :mod:`.controller` -- :class:`LatentController`: the rules (what each action and session event does,
  which engine job runs, when to switch model, what is stored with the project).
* :mod:`.panel` -- :class:`PanelModel`: the state the controller changes (code, sliders, seed, ...).
* :mod:`.jobs` -- every engine call the GUI makes, as functions for the worker thread.
* :mod:`.locks` -- the rhythm / pitch locks applied after decoding.
* :mod:`.coalesce` -- :class:`LatestOnlyQueue`, the worker lane's newest-request-wins rule.
* :mod:`.info` -- :class:`EngineInfo` (what the widgets know about a model) and model choice.

Nothing here imports torch or Qt; the engine is passed in (typed
:class:`latentcomposer.model.engine.Engine`, imported for type checking only).
"""

from .coalesce import LatestOnlyQueue
from .controller import InlineHost, LatentController, LatentHost, Shown
from .info import (
    DEVICES,
    N_DIMS,
    SLIDER_RANGE,
    STEPS_PER_BAR,
    EngineInfo,
    MapPlane,
    SliderSpec,
    map_plane,
    model_for_clip,
    model_representation,
)
from .jobs import (
    BarsResult,
    EncodeOutcome,
    InterpolationResult,
    PreviewRequest,
    PreviewResult,
    compose,
    decode_preview,
    encode_clip,
    interpolate,
    join_clips,
    limit_cpu_threads,
)
from .locks import LOCK_TIPS, LOCKS, apply_lock, keep_pitches, keep_rhythm
from .panel import Code, PanelModel

__all__ = ["DEVICES", "LOCKS", "LOCK_TIPS", "N_DIMS", "SLIDER_RANGE", "STEPS_PER_BAR", "BarsResult", "Code",
           "EncodeOutcome", "EngineInfo", "InlineHost", "InterpolationResult", "LatentController", "LatentHost",
           "LatestOnlyQueue", "MapPlane", "PanelModel", "PreviewRequest", "PreviewResult", "Shown", "SliderSpec",
           "apply_lock", "compose", "decode_preview", "encode_clip", "interpolate", "join_clips", "keep_pitches",
           "keep_rhythm", "limit_cpu_threads", "map_plane", "model_for_clip", "model_representation"]
