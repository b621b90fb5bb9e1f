"""Sections in the window (issue 24): open a multi-track MIDI file as a section, show its tracks
together in the roll, run the latent tools on it, export it with one track per part.

:class:`SectionController` is the Qt side of :mod:`latentcomposer.app.section_book` (which clips make a
section; every change an undoable session command) and :class:`~latentcomposer.app.section.SectionTools`
(the engine verbs). Every engine call runs on the latent tools' engine worker
(:mod:`.decode_worker`, channels ``section-*``), so it never overlaps the sliders' decodes and never
blocks the UI thread; file reading and writing run off the UI thread too (:func:`.background.
off_ui_thread`). Errors come back as a status message (and, for files, an error dialog), never a
traceback.

The roll shows the current section's tracks together: the selected track (the current clip) editable
in its part's colour, the others as dimmed ghost layers (:meth:`PianoRoll.set_ghosts`).

:func:`install` builds the controller and its panel (objectName ``sectionPanel``) into a main window
and adds File > Open MIDI as Section… and File > Export Section as MIDI….
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QDockWidget, QFrame, QMenu, QScrollArea

from latentcomposer.app import section_book as book
from latentcomposer.app.section import Section, SectionTools
from latentcomposer.core import Clip
from latentcomposer.data.section_midi import SectionFile, read_section
from latentcomposer.data.trio_codec import TRIO, MultiStreamCodec
from latentcomposer.io.midifile import MidiFileError

from . import messages, section_import
from .background import off_ui_thread
from .piano_roll.widget import GhostLayer

if TYPE_CHECKING:
    from .main_window import MainWindow

R = TypeVar("R")
STREAM_COLORS = {"melody": QColor("#ffb454"), "bass": QColor("#5ec8ff"), "accompaniment": QColor("#9ee37d"),
                 book.DRUMS: QColor("#ff6f9c")}
SAMPLE_TEMPERATURE = 0.5  # the trio's fitted prior at 0.5 measures closest to the data (its card_notes.md)
NO_DRUMS_IN_MODEL = "the drums are left out: the trio model writes no drums"
_MORE_COLORS = (QColor("#e98bff"), QColor("#ff7a7a"), QColor("#f5e663"))
NO_TRIO = ("The section tools need a model that writes melody, bass and accompaniment together "
           "(a trio model). Choose one in the model list.")


def stream_color(codec: MultiStreamCodec, stream: str) -> QColor:
    if stream in STREAM_COLORS:
        return STREAM_COLORS[stream]
    return _MORE_COLORS[codec.streams.index(stream) % len(_MORE_COLORS)] if stream in codec.streams else QColor("#ccc")


class SectionController(QObject):
    changed = Signal()  # sections, the current section, its tracks or the model changed
    busyChanged = Signal(bool)
    blendReady = Signal()  # new interpolation results (``self.blend``)
    message = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("sectionController")
        self.window = window
        self.session = window.session
        self.tools = window.latent_tools
        self.codes: dict[str, np.ndarray] = {}  # section uid -> its encoded z (mu) [windows, z_dim]
        self.blend: list[Section] = []
        self.blend_names: tuple[str, str] = ("", "")
        self.seed = itertools.count(1)
        self.temperature = SAMPLE_TEMPERATURE  # Sample's and Vary's (the panel's spin box)
        self.running: set[str] = set()
        self._tools_for: tuple[object, SectionTools] | None = None  # (engine, its tools), made on the worker
        self.dock: QDockWidget | None = None  # where the panel sits (install)
        self._unlisten = self.session.listen(self._on_session)
        self.tools.engineChanged.connect(self.changed.emit)
        self.message.connect(window.show_message)
        self._show_ghosts()

    def reveal(self) -> None:
        """Bring the section panel to the front (a section was opened or added)."""
        if self.dock is not None:
            self.dock.show()
            self.dock.raise_()

    # --- reading ---------------------------------------------------------------------------------
    @property
    def codec(self) -> MultiStreamCodec:
        """The loaded model's streams when it is a trio model, else the trio's."""
        codec = getattr(self.tools.engine, "codec", None)
        return codec if isinstance(codec, MultiStreamCodec) else TRIO

    def model_problem(self) -> str | None:
        """Why the model tools cannot run on sections now (None: they can)."""
        engine = self.tools.engine
        if engine is None:
            return "No model is loaded yet. " + NO_TRIO
        if not isinstance(getattr(engine, "codec", None), MultiStreamCodec):
            return NO_TRIO
        return None

    def current_ref(self) -> book.SectionRef | None:
        return book.holding(self.session, self.session.current_uid)

    def current(self) -> Section | None:
        ref = self.current_ref()
        return book.build(self.session, ref, self.codec) if ref is not None else None

    def refs(self) -> list[book.SectionRef]:
        return book.refs(self.session)

    def section(self, uid: str) -> Section | None:
        ref = book.find(self.session, uid)
        return book.build(self.session, ref, self.codec) if ref is not None else None

    # --- opening ---------------------------------------------------------------------------------
    def open_section(self, path: str | Path | None = None) -> bool:
        """Read a MIDI file, ask which tracks play which part (the guess filled in), and add the
        section (one undo step; it replaces an untouched fresh session)."""
        from .file_ops import is_pristine

        if path is None:
            picked = messages.open_path(self.window, "Open MIDI as a section", messages.MIDI_FILTER,
                                        self.window.files._folder())
            if picked is None:
                return False
            path = picked
        p, codec = Path(path), self.codec
        try:
            read: SectionFile = off_ui_thread(self.window, f"Reading {p.name}…", lambda: read_section(p, codec))
        except MidiFileError as exc:
            messages.error(self.window, "Cannot open MIDI file", str(exc))
            return False
        mapping = section_import.ask_mapping(self.window, read.clips, read.mapping, p.name, codec)
        if mapping is None:
            return False
        streams = codec.streams_from_tracks(read.clips, mapping)
        if not any(c is not None and c.notes for c in streams.values()):
            messages.error(self.window, "Nothing to open", "None of the chosen tracks has notes: choose at least "
                                                            "one track with notes to play a part.")
            return False
        section = Section.from_streams(codec, streams, p.stem, source=str(p))
        pristine = is_pristine(self.session)
        book.add_section(self.session, section, codec, origin="imported", label="Open as section",
                         replace_session=pristine)
        if pristine:
            self.window.files.opened_midi = p
        self.window.prefs.add_recent(p)
        self.window.refresh_recent()
        self.window.roll.zoom_fit()
        self.reveal()
        self.message.emit(f"Opened {p.name} as a section: "
                          + ", ".join(f"{codec.spec(s).label.lower()} {len(c.notes) if c else 0} notes"
                                      for s, c in streams.items()))
        self.changed.emit()
        return True

    # --- track settings (undoable) ---------------------------------------------------------------
    def select_track(self, stream: str) -> None:
        ref = self.current_ref()
        if ref is not None and self.session.has(dict(ref.parts).get(stream, "")):
            book.select(self.session, ref, stream)

    def show_section(self, uid: str) -> None:
        ref = book.find(self.session, uid)
        if ref is not None and ref.stream_of(self.session.current_uid) is None:
            book.select(self.session, ref, ref.streams[0])

    def set_program(self, stream: str, program: int) -> None:
        self._track_edit(lambda ref: book.set_program(self.session, ref, stream, program))

    def set_channel(self, stream: str, channel: int) -> None:
        self._track_edit(lambda ref: book.set_channel(self.session, ref, stream, channel))

    def _track_edit(self, fn: Callable[[book.SectionRef], None]) -> None:
        ref = self.current_ref()
        if ref is None:
            return
        try:
            fn(ref)
        except ValueError as exc:
            self.message.emit(str(exc))
            self.changed.emit()  # the panel shows the value the track really has

    # --- the model tools (on the engine worker) ----------------------------------------------------
    def _run(self, channel: str, what: str, job: Callable[[SectionTools], R], done: Callable[[R], None]) -> bool:
        problem = self.model_problem()
        if problem is not None:
            self.message.emit(problem)
            return False
        engine = self.tools.engine

        def work() -> R:
            return job(self.section_tools(engine))

        def finished(result: R) -> None:
            self._set_running(channel, False)
            done(result)

        def failed(msg: str) -> None:
            self._set_running(channel, False)
            self.message.emit(f"{what}: {msg}")

        self._set_running(channel, True)
        self.tools.worker.submit(channel, work, finished, failed)
        return True

    def section_tools(self, engine: Any) -> SectionTools:
        """(On the engine worker.) The section verbs for ``engine``, made once per engine."""
        if self._tools_for is None or self._tools_for[0] is not engine:
            self._tools_for = (engine, SectionTools(engine))
        return self._tools_for[1]

    def _set_running(self, channel: str, on: bool) -> None:
        before = bool(self.running)
        (self.running.add if on else self.running.discard)(channel)
        if bool(self.running) != before:
            self.busyChanged.emit(bool(self.running))

    def _need_section(self) -> tuple[book.SectionRef, Section] | None:
        ref = self.current_ref()
        if ref is None:
            self.message.emit("Select a track of a section first (File > Open MIDI as Section…, or Sample).")
            return None
        return ref, book.build(self.session, ref, self.codec)

    def encode(self) -> bool:
        """The current section's z (kept for Vary)."""
        got = self._need_section()
        if got is None:
            return False
        ref, section = got

        def done(code: Any) -> None:
            self.codes[ref.uid] = np.asarray(code.mu)
            warn = f" ({code.warnings[0]})" if code.warnings else ""
            warn += f"; {NO_DRUMS_IN_MODEL}" if section.drums is not None else ""
            self.message.emit(f"Encoded ‘{section.name}’ ({section.n_bars} bars): Vary and the Section sliders "
                              f"are ready{warn}")
            self.changed.emit()

        return self._run("section-encode", "Encode", lambda t: t.encode(section), done)

    def set_temperature(self, temperature: float) -> None:
        """Sample's and Vary's temperature from now on (0: the most likely notes)."""
        self.temperature = max(0.0, float(temperature))

    def vary(self, temperature: float | None = None) -> bool:
        """A new section decoded from the current one's z with some randomness (encode first);
        ``temperature`` None: :attr:`temperature`."""
        temperature = self.temperature if temperature is None else temperature
        got = self._need_section()
        if got is None:
            return False
        ref, section = got
        z = self.codes.get(ref.uid)
        if z is None:
            self.message.emit("Encode the section first: a variation starts from the model's reading of it.")
            return False
        seed = next(self.seed)
        name = f"{section.name} variation {seed}"
        return self._run("section-vary", "Vary", lambda t: t.decode(z, section, temperature, seed, name),
                         lambda out: self._add(out, "Vary section"))

    def sample(self, temperature: float | None = None) -> bool:
        """A new section from the model alone; ``temperature`` None: :attr:`temperature`."""
        temperature = self.temperature if temperature is None else temperature
        seed = next(self.seed)
        tempo = self.session.current_clip.tempo

        def make(t: SectionTools) -> Section:
            return t.sample(1, temperature, seed, tempo)[0]

        def done(out: Section) -> None:
            n = 1 + sum(r.name.startswith("Sampled section") for r in self.refs())
            self._add(Section(out.uid, f"Sampled section {n}", out.tracks, out.tempo, out.selected, "sampled"),
                      "Sample section")

        return self._run("section-sample", "Sample", make, done)

    def regenerate(self, keep: Sequence[str], iterations: int | None = None) -> bool:
        """Keep the ``keep`` parts as they are and write the others anew (one undo step)."""
        got = self._need_section()
        if got is None:
            return False
        ref, section = got
        keep = [s for s in section.streams if s in keep]
        if not keep:
            self.message.emit("Tick at least one part to keep; the others are written anew around it.")
            return False
        if len(keep) == len(section.streams):
            self.message.emit("Every part is kept: untick the ones the model should write anew.")
            return False
        seed = next(self.seed)
        before = {t.stream: t.clip for t in section.tracks}
        new_parts = [self.codec.spec(s).label.lower() for s in section.streams if s not in keep]

        def done(out: Section) -> None:
            now = self.section(ref.uid)
            if now is None or {t.stream: t.clip for t in now.tracks} != before:
                self.message.emit("The section changed while the model was writing; press Regenerate again.")
                return
            self.codes.pop(ref.uid, None)  # first: the panel and the sliders redraw without the old reading
            book.replace_tracks(self.session, ref, {t.stream: t.clip for t in out.tracks if t.stream not in keep},
                                f"Regenerate {' and '.join(new_parts)}")
            drums = f"; {NO_DRUMS_IN_MODEL} and kept as they are" if section.drums is not None else ""
            self.message.emit(f"New {' and '.join(new_parts)} for ‘{section.name}’ (Undo brings the old back)"
                              + drums)

        return self._run("section-regenerate", "Regenerate",
                         lambda t: t.regenerate(section, keep, 0.0, seed, iterations), done)

    def interpolate(self, a_uid: str, b_uid: str, steps: int = 5) -> bool:
        """Sections from A to B (both included) into :attr:`blend` (thumbnails; add one as a section)."""
        a, b = self.section(a_uid), self.section(b_uid)
        if a is None or b is None:
            self.message.emit("Choose two sections to blend between.")
            return False
        if a_uid == b_uid:
            self.message.emit("Choose two different sections to blend between.")
            return False

        def done(out: list[Section]) -> None:
            self.blend, self.blend_names = out, (a.name, b.name)
            self.blendReady.emit()

        return self._run("section-blend", "Blend", lambda t: t.interpolate(a, b, steps), done)

    def add_blend(self, index: int) -> None:
        if 0 <= index < len(self.blend):
            step = self.blend[index]
            a, b = self.blend_names
            name = f"{a} → {b} {index + 1}/{len(self.blend)}"
            self._add(Section(step.uid, name, step.tracks, step.tempo, step.selected, "blended"), "Add blended section")

    def _add(self, section: Section, label: str) -> None:
        book.add_section(self.session, section, self.codec, label=label)
        self.window.roll.zoom_fit()
        self.message.emit(f"Added ‘{section.name}’ ({len(section.tracks)} parts) to the clips")
        self.reveal()
        self.changed.emit()

    # --- drums beside the section (Drumify) --------------------------------------------------------
    def add_drums(self, follow: Sequence[str] = ("melody", "accompaniment"), seed: int | None = None,
                  temperature: float = 0.0) -> bool:
        """A drum part (channel 10) that follows the ``follow`` parts' rhythm, written by Drumify on the
        engine worker (its drum model loaded there the first time) and added to the section, or
        replacing its drum part: one undo step. False (with a message) when it cannot start."""
        from latentcomposer.app.section_drums import follow_clip, section_bars

        from . import drumify as drumify_ui

        got = self._need_section()
        if got is None:
            return False
        ref, section = got
        try:
            clip = follow_clip(section, follow)
        except ValueError as exc:
            self.message.emit(f"Drums: {exc}")
            return False
        folder = drumify_ui._folder(self.tools)
        if folder is None:
            self.message.emit(drumify_ui.NO_MODEL)
            return False
        seed = next(self.seed) if seed is None else seed
        bars = section_bars(section)
        tools = self.tools
        had = book.drums_of(self.session, ref) is not None
        parts = " + ".join(self.codec.spec(s).label.lower() for s in section.streams if s in follow)

        def job() -> Clip:
            out: Clip = drumify_ui._runner(tools, folder).drumify(clip, temperature, seed, bars).clips[0]
            return out.slice_bars(0, bars)  # Drumify writes whole 2-bar windows: cut to the section's bars

        def done(drums: Clip) -> None:
            self._set_running("section-drums", False)
            now = book.find(self.session, ref.uid)
            if now is None:
                self.message.emit("Drums: the section is gone (undone or removed) — nothing added")
                return
            if not drums.notes:
                self.message.emit(f"Drums: Drumify found no rhythm to follow in the {parts}")
                return
            book.set_drums(self.session, now, drums, "Replace drums" if had else "Add drums")
            self.message.emit(f"Drums for ‘{section.name}’ following the {parts}: {len(drums.notes)} hits on "
                              "channel 10 (Undo removes them)")
            self.changed.emit()

        def failed(msg: str) -> None:
            self._set_running("section-drums", False)
            self.message.emit(f"Drums could not be written: {msg}")

        self._set_running("section-drums", True)
        self.message.emit(f"Writing drums that follow the {parts}…")
        tools.worker.submit("section-drums", job, done, failed)
        return True

    # --- export ----------------------------------------------------------------------------------
    def export(self, path: str | Path | None = None) -> Path | None:
        """The current section as a MIDI file, one track per part (its instrument and channel)."""
        got = self._need_section()
        if got is None:
            return None
        _ref, section = got
        p = self.window.files.midi_save_path("Export section as MIDI", section.name, path)
        if p is None:
            return None
        codec = self.codec
        try:
            out = off_ui_thread(self.window, f"Writing {p.name}…", lambda: section.export(p, codec))
        except MidiFileError as exc:
            messages.error(self.window, "Cannot export MIDI", str(exc))
            return None
        n = len(section.tracks) + (section.drums is not None)
        self.message.emit(f"Exported ‘{section.name}’ to {out.name}: {n} tracks"
                          + (" (drums on channel 10)" if section.drums is not None else ""))
        return out

    # --- following the session -------------------------------------------------------------------
    def _on_session(self, kinds: frozenset[str]) -> None:
        if kinds & {"clip", "clips", "current", "reset", "latent"}:
            self._show_ghosts()
            self.changed.emit()
        if kinds & {"clips", "latent"} and not kinds & {"clip", "current", "reset"}:
            playback = getattr(self.window, "playback_ui", None)  # another part changed: play it as it is now
            if playback is not None and self.current_ref() is not None:
                playback.clip_changed()

    def _show_ghosts(self) -> None:
        roll = self.window.roll
        ref = self.current_ref()
        if ref is None:
            roll.set_ghosts(())
            return
        codec = self.codec
        selected = ref.stream_of(self.session.current_uid) or ""
        layers = [GhostLayer(self.session.item(uid).clip, stream_color(codec, s))
                  for s, uid in ref.parts if s != selected and self.session.has(uid)]
        roll.set_ghosts(layers, stream_color(codec, selected))

    def shutdown(self) -> None:
        self._unlisten()


def install(window: MainWindow) -> SectionController:
    """The controller, its panel (a dock tabbed with the latent panel) and the File menu entries."""
    from .section_panel import SectionPanel

    ctl = SectionController(window)
    panel = SectionPanel(ctl, window)
    scroll = QScrollArea(window)  # the panel scrolls rather than making the window taller
    scroll.setObjectName("sectionScroll")
    scroll.setWidget(panel)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # wide enough for the panel's rows beside the scroll bar (nothing cut off at the right edge)
    scroll.setMinimumWidth(panel.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 2)
    dock = window._add_dock("sectionPanel", "Section", scroll, Qt.DockWidgetArea.RightDockWidgetArea)
    if "latentPanel" in window.docks:  # a tab beside the clip's latent tools; raised when a section opens
        window.tabifyDockWidget(window.docks["latentPanel"], dock)
        window.docks["latentPanel"].raise_()
    ctl.dock = dock

    def add(key: str, text: str, slot: Callable[[], object], tip: str) -> QAction:
        act = QAction(text, window)
        act.setObjectName("action" + key[0].upper() + key[1:])
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.triggered.connect(lambda _=False: slot())
        window.addAction(act)
        window.action_map[key] = act
        return act

    opener = add("openSection", "Open MIDI as &Section…", lambda: ctl.open_section(),
                 "Open a multi-track MIDI file as a section: melody, bass and accompaniment together")
    exporter = add("exportSection", "Export Section as MIDI…", lambda: ctl.export(),
                   "Export the current section as a MIDI file with one track per part")
    menu = window.menuBar().findChild(QMenu, "menuFile")
    if menu is not None:
        acts = menu.actions()
        after_open = next((acts[k + 1] for k, a in enumerate(acts[:-1]) if a is window.action_map.get("openProject")),
                          None)
        after_export = next((acts[k + 1] for k, a in enumerate(acts[:-1])
                             if a is window.action_map.get("exportAllMidi")), None)
        menu.insertAction(after_open, opener) if after_open else menu.addAction(opener)
        menu.insertAction(after_export, exporter) if after_export else menu.addAction(exporter)
    return ctl
