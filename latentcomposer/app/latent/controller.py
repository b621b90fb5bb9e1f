"""`LatentController`: the latent tools' rules, without Qt.

It owns the :class:`~.panel.PanelModel` state (it *is* one), the loaded engine and the model service,
and decides what every user action and session event does: which engine job runs (always through the
host's lane, never inline in the GUI), what a session event cancels or re-encodes, when to switch to a
model that can read the clip, what is stored with the project and whether that makes the session
"modified" (a model load or an encoding does not; a slider move does).

Widgets call its methods directly. It runs engine jobs (:mod:`.jobs`) on a :class:`Lane` (the GUI's is
:class:`latentcomposer.ui.decode_worker.EngineWorker`, one worker thread) and tells a
:class:`LatentHost` what changed (the GUI's is :class:`latentcomposer.ui.latent_tools.LatentTools`: Qt
signals, the roll overlay, the preview's sound, debounce timers). :class:`InlineHost` is both: it runs
the jobs at once and records what would be shown, so the controller also works headless (tests,
scripts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np

from latentcomposer.core import Clip

from ..harmony import KEY_LOCK
from ..model_names import plain_model_message, plain_titles, prefer_for_clip
from ..model_service import ModelInfo, ModelService
from ..session import Session
from . import jobs
from .info import (
    DEVICES,
    EngineInfo,
    bars_words,
    can_read,
    continue_from,
    model_for_clip,
    model_representation,
)
from .panel import PanelModel

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine

T = TypeVar("T")
DECODINGS = ("search", "greedy")
QUICK_PREVIEW = "preview_quick"  # the greedy first result of a progressive preview (lane channel)
REST_PREVIEW = "preview_rest"  # a long clip's windows out of view, block by block (lane channel)
LONG_WINDOWS = 16  # a code of more windows than this decodes the windows in view first (issue 27, defect 4)
BLOCK_WINDOWS = 16  # then the rest, this many windows a job (a newer request waits at most one block)
INCOMPLETE = ("The preview is still being worked out for the whole clip (the bars in view come first): "
              "Apply or Add as clip when it is complete")


@dataclass(frozen=True)
class Shown:
    """A preview over the roll (and in the speakers): the latent decode, an interpolation step, a
    Bars result. ``uid``: the clip it belongs to; ``stamp``: the preview request it answers;
    ``complete``: False while a long clip's preview holds only some of its windows (no Apply yet)."""

    clip: Clip
    label: str
    uid: str
    stamp: int = 0
    complete: bool = True


class Lane(Protocol):
    """Where engine jobs run: off the UI thread, newest request per channel wins, results called back on
    the UI thread (:class:`latentcomposer.ui.decode_worker.EngineWorker` in the GUI)."""

    def submit(self, channel: str, job: Callable[[], T], on_done: Callable[[T], None] | None = None,
               on_error: Callable[[str], None] | None = None) -> int:
        ...

    def cancel(self, channel: str) -> None:
        """Drop the channel's pending job and any result asked for so far."""
        ...


class LatentHost(Protocol):
    """What the controller tells its surroundings (the widgets follow)."""

    def changed(self, what: str) -> None:
        """``"engine"``, ``"state"``, ``"preview"`` or ``"points"`` changed: the widgets follow."""
        ...

    def say(self, text: str) -> None:
        """A status message for the user."""
        ...

    def remember(self, key: str, value: str) -> None:
        """The user chose ``"device"`` or ``"decoding"``: keep it for the next start."""
        ...

    def show(self, shown: Shown | None) -> None:
        """Show (and sound) a preview, or none."""
        ...

    def soon(self, what: str) -> None:
        """Call :meth:`LatentController.store` (``"store"``) or :meth:`LatentController.refresh_points`
        (``"points"``) shortly, once for a burst of requests."""
        ...


class InlineHost:
    """Host and lane in one: runs jobs at once on the calling thread; records messages and previews
    (headless use, tests)."""

    def __init__(self) -> None:
        self.controller: LatentController | None = None
        self.messages: list[str] = []
        self.shown: list[Shown | None] = []

    def submit(self, channel: str, job: Callable[[], T], on_done: Callable[[T], None] | None = None,
               on_error: Callable[[str], None] | None = None) -> int:
        try:
            result = job()
        except Exception as exc:
            if on_error is not None:
                on_error(str(exc) or type(exc).__name__)
            return 0
        if on_done is not None:
            on_done(result)
        return 0

    def cancel(self, channel: str) -> None:
        pass

    def changed(self, what: str) -> None:
        pass

    def say(self, text: str) -> None:
        self.messages.append(text)

    def remember(self, key: str, value: str) -> None:
        pass

    def show(self, shown: Shown | None) -> None:
        self.shown.append(shown)

    def soon(self, what: str) -> None:
        if self.controller is not None:
            self.controller.store() if what == "store" else self.controller.refresh_points()


class LatentController(PanelModel):
    """The latent tools' rules for one session (see the module docstring)."""

    def __init__(self, session: Session, models: ModelService | None = None, host: LatentHost | None = None,
                 lane: Lane | None = None) -> None:
        super().__init__(session)
        self.models = models
        inline = InlineHost()
        inline.controller = self
        self.host: LatentHost = host if host is not None else inline
        self.lane: Lane = lane if lane is not None else inline
        self.engine: Engine | None = None
        self.status = (models.state, models.message) if models is not None else ("none", "")
        self.decoding = "search"  # how temperature-0 decodes pick notes (Engine.set_decoding)
        self.cpu_threads = 1  # CPU threads for the worker's decoding (0: leave the libraries' default)
        self.shown: Shown | None = None
        self.clip_points: dict[str, np.ndarray] = {}  # uid -> projected mean of its code
        self.path: np.ndarray | None = None  # interpolation path, projected [steps, 2]
        self.request_gen = 0  # bumps with every preview request (benchmark: move -> paint)
        self._preview_gen = 0  # the request whose preview (quick or final) is shown
        # the tick span in view ((start, end) of the current clip), asked when a long clip's preview starts
        self.view_ticks: Callable[[], tuple[float, float] | None] | None = None
        self.loaded_as = "auto"  # the device choice the current engine was loaded with
        self._chosen = False  # the model being loaded was picked by the user
        self._applying = False
        self._unlisten = session.listen(self.on_session)

    def close(self) -> None:
        """Stop following the session."""
        self._unlisten()

    # --- models ---------------------------------------------------------------------------------
    def installed(self) -> list[ModelInfo]:
        return self.models.installed() if self.models is not None else []

    def representations(self) -> list[tuple[str, str]]:
        return [(m.name, m.representation or model_representation(m.folder)) for m in self.installed()]

    def load_model(self, name: str, device: str | None = None, chosen: bool = True) -> None:
        """Load ``name`` on ``device`` (auto/cpu/cuda) in the background; the clip is re-encoded when ready.
        ``chosen``: the user picked it (a drum model for a melody stays, to sample drums), rather than
        the controller switching for a clip."""
        device = device or self.device
        if device not in DEVICES:
            raise ValueError(f"unknown device {device!r}")
        self.device = device
        if chosen:
            self.host.remember("device", device)
            self.edited = True
        if self.info is not None and (name, device) == (self.info.name, self.loaded_as):
            return
        self.loaded_as, self._chosen = device, chosen
        self.host.say(f"Loading {plain_titles(self.installed()).get(name, name)} ({device})…")
        self._start_service(name, device)

    def start_model(self, name: str | None, device: str) -> bool:
        """The first load (start-up, a project opened): ``name`` (None: the service's default) on
        ``device``, which becomes the panel's choice. Not a user pick: the controller may still switch
        models for a drum clip. False when nothing could be started (no model installed)."""
        device = device if device in DEVICES else "auto"
        self.device = device
        self.loaded_as, self._chosen = device, False
        self.host.changed("state")  # the panel shows the device at once
        return self._start_service(name, device)

    def _start_service(self, name: str | None, device: str) -> bool:
        return self.models is not None and self.models.start(name, device=device)

    def on_model_status(self, state: str, message: str) -> None:
        self.status = (state, message)
        engine = self.models.engine if self.models is not None else None
        if state == "ready" and engine is not None and engine is not self.engine:
            self.host.say(f"Model {plain_model_message(message, self.installed())}")  # plain names (issue 27)
            self.use_engine(engine)
        elif state == "error":
            self.host.say(f"Model: {plain_model_message(message, self.installed())}")
        self.host.changed("state")

    def use_engine(self, engine: Engine | None) -> None:
        """A model was loaded: new sliders, the saved state back if it fits, the clip re-encoded (or
        another model loaded when this one cannot read the clip and the user did not pick it)."""
        self.engine = engine
        self._submit_decoding()
        if engine is not None and self.cpu_threads:
            threads = self.cpu_threads
            self.lane.submit("setup", lambda: jobs.limit_cpu_threads(engine, threads))
        self.set_engine(EngineInfo.of(engine) if engine is not None else None)
        self.clear_preview()
        self.clip_points = {}
        self.path = None
        restored = self.restore()
        self.host.changed("engine")
        self.host.changed("state")
        chosen, self._chosen = self._chosen, False
        if self.info is not None and (chosen or not self.switch_for(self.session.current_clip)):
            self.encode_current(keep_base=restored, then_preview=restored)
        self.host.soon("points")
        self.host.soon("store")

    def switch_for(self, clip: Clip) -> bool:
        """Switch to an installed model whose representation holds ``clip`` strictly better than the
        current one (a chord clip -> a piano model, a melody -> a melody model, drums -> drums)."""
        if self.info is None:
            return False
        if self._in_section(clip):
            return False  # a part of a section, a section model loaded: the section tools need it (issue 24)
        what = "drums" if clip.is_drum else "a melody" if clip.is_monophonic() else "polyphonic (chords)"
        ordered = [(m.name, m.representation or model_representation(m.folder))  # the window that fits first
                   for m in prefer_for_clip(clip, self.installed())]
        target = model_for_clip(clip, self.info.name, self.info.representation, ordered)
        if target is None or target == self.info.name:
            if clip.notes and not can_read(self.info, clip):
                self.host.say(f"'{clip.name}' is {what} and no installed model reads it; "
                              f"{self.info.name} cannot encode it")
            return False
        label = plain_titles(self.installed()).get(target, target)
        self.host.say(f"'{clip.name}' is {what}: switching to {target} ({label})")
        self.load_model(target, chosen=False)
        return True

    def _in_section(self, clip: Clip) -> bool:
        from latentcomposer.app.section_book import section_model_part

        return section_model_part(self.session, self.info.codec if self.info is not None else None, clip)

    # --- encoding -------------------------------------------------------------------------------
    def encode(self) -> None:
        """The Encode button: the current clip's posterior mean becomes the code."""
        self.edited = True
        clip = self.session.current_clip
        if self._in_section(clip):
            self.host.say(f"'{clip.name}' is a part of a section: this model reads whole sections, so Encode "
                          "it in the Section panel (the Section sliders then move every part)")
        self.encode_current()

    def encode_current(self, keep_base: bool = False, then_preview: bool = False) -> None:
        """Encode the current clip on the lane (its posterior mean becomes the base z)."""
        engine, session = self.engine, self.session
        if engine is None:
            return
        uid, clip = session.current_uid, session.current_clip
        if not clip.notes or self._in_section(clip):  # a section model reads a part only with the others
            self.forget()
            self.host.changed("state")
            return

        def done(out: jobs.EncodeOutcome) -> None:
            if engine is not self.engine or out.uid != self.session.current_uid:
                return
            self.accept_encoding(out, keep_base)
            for w in out.warnings:
                self.host.say(w)
            self.host.changed("state")
            self.host.changed("points")
            if then_preview or self.moved or (self.code and self.code.origin != "encoded"):
                self.request_preview()

        def failed(msg: str) -> None:
            self.forget()
            self.host.say(f"Cannot encode '{clip.name}': {msg}")
            self.host.changed("state")

        chords = session.current.chords
        self.lane.submit("encode", lambda: jobs.encode_clip(engine, uid, clip, 0, chords), done, failed)

    # --- slider panel actions -------------------------------------------------------------------
    def request_preview(self) -> int:
        """Decode the current state on the lane (newest request wins); returns its number."""
        req = self.preview_request()
        engine = self.engine
        if req is None or engine is None:
            return 0
        self.request_gen += 1
        gen = self.request_gen
        if len(req.base) > LONG_WINDOWS:
            self._request_long(engine, req, gen)
            return gen

        def done(result: jobs.PreviewResult, final: bool = True) -> None:
            # progressive: the quick result shows unless a newer one is shown; the final one replaces it
            if gen < self._preview_gen or (not final and gen == self._preview_gen):
                return
            if engine is self.engine and self.accept_preview(result):
                self._preview_gen = gen
                self.show_preview(result.clip, "Latent preview", uid=result.request.uid, stamp=gen)
                self.host.changed("points")
                self.host.soon("store")

        if self.progressive(engine, req.temperature):  # the greedy decode at once, search when it is ready
            self.lane.submit(QUICK_PREVIEW, lambda: jobs.decode_preview(engine, req, "greedy"),
                             lambda r: done(r, final=False), self.host.say)
        self.lane.submit("preview", lambda: jobs.decode_preview(engine, req), done, self.host.say)
        return gen

    def visible_windows(self, req: jobs.PreviewRequest, engine: Engine) -> tuple[int, int]:
        """The windows [first, last) of ``req``'s code in view (the first ones without a view)."""
        rows = len(req.base)
        span = self.view_ticks() if self.view_ticks is not None else None
        if span is None:
            return 0, min(rows, LONG_WINDOWS)
        wt = jobs.window_ticks(engine, req.template)
        first = min(rows - 1, max(0, int(span[0] // wt)))
        last = min(rows, max(first + 1, -int(-span[1] // wt)))
        return first, min(last, first + LONG_WINDOWS)

    def _request_long(self, engine: Engine, req: jobs.PreviewRequest, gen: int) -> None:
        """A long clip's preview: the windows in view first (greedy, then search when progressive),
        shown at once; then the others in blocks of :data:`BLOCK_WINDOWS`, in view order, each block
        shown as it lands. A newer request drops the blocks not yet run (the lane's newest-wins rule
        and ``gen``); Apply waits for the whole clip (``Shown.complete``)."""
        rows = len(req.base)
        first, last = self.visible_windows(req, engine)
        rest = [(a, min(a + BLOCK_WINDOWS, first if a < first else rows))
                for a in list(range(last, rows, BLOCK_WINDOWS)) + list(range(0, first, BLOCK_WINDOWS))]
        parts: dict[int, jobs.PreviewResult] = {}
        bars = max(1, req.template.n_bars)
        self.lane.cancel(REST_PREVIEW)

        def bar_of(window: int) -> int:
            return min(bars, round(window * jobs.window_ticks(engine, req.template) / req.template.bar_ticks))

        def show(final: bool) -> None:
            ordered = [parts[k] for k in sorted(parts)]
            result = jobs.join_windows(req, ordered)
            done_windows = sum(len(p.z) for p in ordered)
            if done_windows >= rows:
                if self.accept_preview(result):
                    self._preview_gen = gen
                    self.show_preview(result.clip, "Latent preview", uid=req.uid, stamp=gen)
                    self.host.changed("points")
                    self.host.soon("store")
                return
            label = (f"Latent preview · bars {bar_of(first) + 1:,}–{bar_of(last):,} of {bars:,} "
                     f"({bar_of(done_windows):,} decoded, the rest on the way)" if final else
                     f"Latent preview (quick) · bars {bar_of(first) + 1:,}–{bar_of(last):,} of {bars:,}")
            self._preview_gen = gen
            self.shown = Shown(result.clip, label, req.uid, gen, complete=False)
            self.host.show(self.shown)
            self.host.changed("preview")

        def landed(result: jobs.PreviewResult, start: int, final: bool = True) -> bool:
            if gen != self.request_gen or engine is not self.engine or self.code is None \
                    or self.code.uid != req.uid:
                return False  # a newer request (or another clip) since: this one is stale
            if not final and start in parts:
                return False
            parts[start] = result
            show(final)
            return True

        def next_block() -> None:
            if not rest or gen != self.request_gen:
                return
            a, b = rest.pop(0)

            def done(result: jobs.PreviewResult) -> None:
                if landed(result, a):
                    next_block()

            self.lane.submit(REST_PREVIEW, lambda: jobs.decode_windows(engine, req, a, b), done, self.host.say)

        def visible_done(result: jobs.PreviewResult) -> None:
            if landed(result, first):
                next_block()

        if self.progressive(engine, req.temperature):
            self.lane.submit(QUICK_PREVIEW, lambda: jobs.decode_windows(engine, req, first, last, "greedy"),
                             lambda r: None if landed(r, first, final=False) else None, self.host.say)
        self.lane.submit("preview", lambda: jobs.decode_windows(engine, req, first, last), visible_done,
                         self.host.say)

    def progressive(self, engine: object, temperature: float) -> bool:
        """Whether a decode shows the quick greedy result first (temperature 0, search decoding)."""
        return temperature <= 0 and self.decoding == "search" and bool(getattr(engine, "supports_search", False))

    def cancel_preview(self) -> None:
        """Drop the pending preview decodes (the quick, the final one and a long clip's other windows)
        and their results."""
        self.lane.cancel(QUICK_PREVIEW)
        self.lane.cancel("preview")
        self.lane.cancel(REST_PREVIEW)

    def set_slider(self, key: str, value: float) -> int:
        self.sliders[key] = float(value)
        self.edited = True
        return self.request_preview()

    def set_temperature(self, value: float) -> None:
        self.temperature = max(0.0, float(value))
        self.edited = True
        if self.preview is not None or self.moved:
            self.request_preview()
        self.host.soon("store")

    def set_lock(self, lock: str) -> None:
        self.lock = lock
        self.edited = True
        self.host.changed("state")
        if self.preview is not None or self.moved:
            self.request_preview()
        self.host.soon("store")

    def set_key_lock(self, on: bool) -> None:
        """Keep generated melodies in their clip's key (a post-process: out-of-key notes move into it)."""
        if bool(self.session.latent.extra.get(KEY_LOCK)) == bool(on):
            return
        self.session.update_latent(extra={**self.session.latent.extra, KEY_LOCK: bool(on)})
        if self.engine is not None and (self.preview is not None or self.moved):
            self.request_preview()

    def set_decoding(self, mode: str, chosen: bool = False) -> None:
        """``"search"`` (beam search + the encoder's choice) or ``"greedy"`` for temperature-0 decodes;
        re-decodes the preview. ``chosen``: picked by the user (kept for the next start)."""
        if mode not in DECODINGS:
            self.host.say(f"Unknown decoding '{mode}' (search or greedy)")
            return
        self.decoding = mode
        self._submit_decoding()
        if chosen:
            self.host.remember("decoding", mode)
        self.host.changed("state")
        if self.engine is not None and (self.preview is not None or self.moved):
            self.request_preview()

    def _submit_decoding(self) -> None:
        # on the lane like every engine call: jobs run oldest first, so later decodes use the new setting
        engine, mode = self.engine, self.decoding
        if engine is not None:
            self.lane.submit("decoding", lambda: jobs.set_decoding(engine, mode))

    def sample(self) -> None:
        if self.info is None:
            self.host.say("No model loaded yet")
            return
        self.sample_code(self.session.current_uid, self.session.current_clip, self.seed + 1)
        self.edited = True
        self.host.changed("state")
        self.request_preview()

    def reroll(self) -> None:
        if self.code is None:
            self.sample()
            return
        self.reroll_code()
        self.edited = True
        self.host.changed("state")
        self.request_preview()

    def reset(self) -> None:
        self.cancel_preview()
        if not self.reset_to_encoded():
            self.encode_current()
        self.edited = True
        self.clear_preview()
        self.host.changed("state")
        self.host.changed("points")
        self.host.soon("store")

    def move_map(self, x: float, y: float) -> int:
        """Decode the point (x, y) of the latent map (the other dimensions come from the current z)."""
        if self.code is None:
            self.host.say("Encode a clip (or Sample) first: the map moves the current code")
            return 0
        self.set_map_point(x, y)
        self.edited = True
        return self.request_preview()

    def continue_current(self, bars: int = 4) -> bool:
        """Continue the current clip by ``bars`` bars (per-bar model with a bar prior): the result is a
        preview (Apply or Add as clip), each press a new seed."""
        clip, info = self.session.current_clip, self.info
        if info is None or not info.per_bar:
            self.host.say("Continue needs a per-bar model (Melody 16 bars, per bar: tvae_16bar)")
            return False
        if not clip.notes:
            self.host.say("The clip has no notes to continue")
            return False
        self.continue_seed = getattr(self, "continue_seed", 0) + 1  # its own counter: the latent seed stays
        seed, uid = self.continue_seed, self.session.current_uid
        heard = continue_from(info, clip, bars)
        where = f" from {bars_words(*heard)}" if heard else ""
        self.host.say(f"Continuing '{clip.name}'{where} (the last bars the model hears) by {bars} bars…")
        return self.run("continue", lambda engine: jobs.continue_clip(engine, clip, bars, seed),
                        lambda r: self.show_preview(r.clip, f"Continued{where} by {bars} bars", uid))

    # --- previews -------------------------------------------------------------------------------
    def show_preview(self, clip: Clip, label: str, uid: str | None = None, stamp: int = 0) -> None:
        self.shown = Shown(clip, label, uid or self.session.current_uid, stamp)
        self.host.show(self.shown)
        self.host.changed("preview")

    def clear_preview(self) -> None:
        had = self.shown is not None
        self.shown = None
        self.preview = None
        if had:
            self.host.show(None)
            self.host.changed("preview")

    def apply_shown(self) -> bool:
        """The preview shown (latent, interpolation step, Bars) becomes its clip's content: one undoable step."""
        shown = self.shown
        if shown is None or not self.session.has(shown.uid):
            return False
        if not shown.complete:
            self.host.say(INCOMPLETE)
            return False
        self._applying = True
        try:
            self.session.replace_clip(shown.clip.copy(name=self.session.item(shown.uid).clip.name),
                                      f"Apply {shown.label.lower() or 'preview'}", uid=shown.uid)
        finally:
            self._applying = False
        self.clear_preview()
        self.host.soon("store")
        self.host.say("Applied to the clip (Undo takes it back)")
        return True

    def add_as_clip(self, clip: Clip | None = None, origin: str = "generated", source: str = "") -> bool:
        """``clip`` (default: the preview shown) as a new clip; a long clip's preview only once it holds
        the whole clip (like Apply)."""
        if clip is None and self.shown is not None and not self.shown.complete:
            self.host.say(INCOMPLETE)
            return False
        clip = clip or (self.shown.clip if self.shown is not None else None)
        if clip is None:
            return False
        name = self.info.name if self.info else "model"
        self.session.add_clip(clip.copy(name=f"{clip.name or 'variation'} ({origin})"), origin=origin,
                              source=source or f"{name}, seed {self.seed}", label="Add generated clip")
        return True

    # --- the map's points -----------------------------------------------------------------------
    def set_path(self, z: np.ndarray | None) -> None:
        """The interpolation's codes [steps, chunks, d] (or None) for the map."""
        self.path = None if z is None or self.info is None else self.info.plane.project(np.asarray(z).mean(1))
        self.host.changed("points")

    def refresh_points(self) -> None:
        """Encode every clip the model can read (one job) and place them on the map."""
        engine, info = self.engine, self.info
        if engine is None or info is None:
            return
        clips = [(i.uid, i.clip) for i in self.session.items if i.clip.notes and can_read(info, i.clip)]

        def done(mus: dict[str, np.ndarray]) -> None:
            if engine is self.engine:
                self.clip_points = {uid: info.plane.project(mu).mean(0) for uid, mu in mus.items()}
                self.host.changed("points")

        self.lane.submit("points", lambda: jobs.encode_means(engine, clips), done, self.host.say)

    # --- other engine jobs (the timeline's tabs) ---------------------------------------------------
    def run(self, channel: str, job: Callable[[Engine], T], on_done: Callable[[T], None],
            on_error: Callable[[str], None] | None = None) -> bool:
        """Run ``job(engine)`` (a function of :mod:`.jobs`) on the lane; False without a model."""
        engine = self.engine
        if engine is None:
            return False
        self.lane.submit(channel, lambda: job(engine), on_done, on_error or self.host.say)
        return True

    # --- the session ------------------------------------------------------------------------------
    def store(self) -> bool:
        return self.info is not None and super().store()

    def on_session(self, kinds: frozenset[str]) -> None:
        """(The session calls it.) What a session event does: a new session restores and re-encodes; another clip, or the current
        clip edited by hand, drops the preview and starts again from the clip."""
        if "reset" in kinds:
            self.cancel_preview()
            self.forget()
            self.reset_values()
            self.clear_preview()
            restored = self.info is not None and self.restore()
            self.edited = False
            self.host.changed("state")
            if self.info is not None and not self.switch_for(self.session.current_clip):
                self.encode_current(keep_base=restored, then_preview=restored)
            self.host.soon("points")
            return
        if "current" in kinds:
            self.cancel_preview()
            self.clear_preview()
            self.forget()
            self.reset_values()
            self.host.changed("state")
            if not self.switch_for(self.session.current_clip):
                self.encode_current()
        elif "clip" in kinds and not self._applying:
            code = self.code
            if code is None or code.uid == self.session.current_uid:  # edited by hand: start again from it
                self.cancel_preview()
                self.clear_preview()
                self.reset_values()
                self.encode_current()
                self.host.changed("state")
        if "chords" in kinds and "reset" not in kinds and self.engine is not None and self.code is not None \
                and self.code.uid == self.session.current_uid and (self.preview is not None or self.moved
                                                                   or self.code.origin != "encoded") \
                and (self.engine.condition_dim or self.session.latent.extra.get(KEY_LOCK)):
            self.request_preview()  # the chord lane (a chord model) or the locked key changed: decode again
        if kinds & {"clips", "clip"}:
            self.host.soon("points")

