"""The interpolation timeline (``objectName`` ``interpolationTimeline``) and, beside it, the Bars tab.

Two endpoint slots A and B (drop a clip from the clip list or a MIDI file, pick one, or open a file);
N steps between them (2-32), slerp or lerp, a temperature. Generate decodes every step in one batch on
the worker (the progress bar runs meanwhile) and shows the strip A, 1..N, B as mini piano rolls. Click a
step to show it over the roll and hear it; Shift+click selects a range to render as one clip; play the
whole chain (with a loop option); export a step, the selection or the chain as MIDI, or drag a step out.
The engine's warnings (different lengths are padded with rests, never trimmed) show under the strip.

Deleting a clip that sits in slot A or B empties the slot (the combo shows "— none —" and Generate is
disabled until both slots hold a clip); undoing the delete puts the clip back into the slot, unless
another clip was put there meanwhile. The session enforces this (see
:mod:`latentcomposer.app.session`), so a slot never names a missing clip; a stale uid from an old
project file is dropped on load, and :meth:`InterpolationView.endpoints` still treats any unknown uid
as an empty slot rather than raising.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from latentcomposer.app.exporting import safe_filename, temp_midi_for_drag
from latentcomposer.app.latent import jobs
from latentcomposer.app.latent.jobs import InterpolationResult, join_clips
from latentcomposer.core import Clip
from latentcomposer.io.midifile import MidiFileError, write_midi

from . import messages
from .bars_tab import BarsView
from .clip_thumb import ClipThumb, pitch_range
from .file_ops import read_midi_file
from .latent_tools import LatentTools, make_button
from .status_note import StatusNote

UID_ROLE = Qt.ItemDataRole.UserRole + 1  # the clip list's role for a clip's uid
QUICK_INTERPOLATION = "interpolate_quick"  # the greedy first thumbnails of a progressive interpolation
MIN_STEPS, MAX_STEPS = 2, 32


class SlotBox(QFrame):
    """Endpoint A or B: a clip of the session (chosen, dropped, or opened from a file)."""

    def __init__(self, view: InterpolationView, slot: str) -> None:
        super().__init__(view)
        self.view, self.slot = view, slot
        self.setObjectName(f"slot{slot.upper()}")
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip(f"Endpoint {slot.upper()}: drop a clip from the clip list or a MIDI file here")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(3)
        title = QLabel(f"<b>{slot.upper()}</b>", self)
        self.combo = QComboBox(self)
        self.combo.setObjectName(f"slot{slot.upper()}Combo")
        self.combo.setMinimumWidth(120)
        self.open_button = QToolButton(self)
        self.open_button.setObjectName(f"slot{slot.upper()}Open")
        self.open_button.setText("…")
        self.open_button.setToolTip("Open a MIDI file into this slot")
        lay.addWidget(title)
        lay.addWidget(self.combo, 1)
        lay.addWidget(self.open_button)
        self.combo.activated.connect(lambda _i: view.session.set_slot(slot, self.combo.currentData()))
        self.open_button.clicked.connect(self.open_file)

    def refresh(self) -> None:
        s = self.view.session
        uid = getattr(s.latent.interpolation, f"slot_{self.slot}")
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("— none —", None)
        for item in s.items:
            self.combo.addItem(item.clip.name or "untitled", item.uid)
        self.combo.setCurrentIndex(max(0, self.combo.findData(uid if uid and s.has(uid) else None)))
        self.combo.blockSignals(False)

    def open_file(self) -> None:
        path = messages.open_path(self, f"Open a MIDI file for slot {self.slot.upper()}", messages.MIDI_FILTER)
        if path:
            self.load_path(Path(path))

    def load_path(self, path: Path) -> bool:
        """Read a MIDI file (off the UI thread) and put the clip the loaded model reads into this slot."""
        tracks = read_midi_file(self, path)
        if tracks is None:
            return False
        info = self.view.tools.info
        chosen = tracks.for_slot(info.codec if info is not None else None)
        if tracks.several:
            self.view.tools.message.emit(f"{path.name}: slot {self.slot.upper()} takes {chosen.how}")
        if tracks.first_bars:
            self.view.tools.message.emit(f"{path.name}: only its first {tracks.first_bars:,} bars were opened (the "
                                         "file is longer than latentcomposer reads)")
        item = self.view.session.add_clip(chosen.clip, origin="imported", source=path.name,
                                          label=f"Open {path.name}")
        self.view.session.set_slot(self.slot, item.uid)
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or self._dragged_uid(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        uid = self._dragged_uid(event)
        if uid is not None:
            self.view.session.set_slot(self.slot, uid)
        else:
            for url in event.mimeData().urls():
                if url.toLocalFile() and self.load_path(Path(url.toLocalFile())):
                    break
        event.acceptProposedAction()

    def _dragged_uid(self, event: QDropEvent | QDragEnterEvent) -> str | None:
        """A drag from the clip list names its clip (it carries a temporary MIDI file as well)."""
        src = event.source()
        item = src.currentItem() if src is not None and hasattr(src, "currentItem") else None
        uid = item.data(UID_ROLE) if item is not None else None
        return uid if isinstance(uid, str) and self.view.session.has(uid) else None


class InterpolationView(QWidget):
    _request = 0  # the newest interpolation asked for
    _final = 0  # the newest one whose final (search) result is shown

    def __init__(self, tools: LatentTools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("interpolationView")
        self.tools = tools
        self.session = tools.session
        self.result: InterpolationResult | None = None
        self.thumbs: list[ClipThumb] = []
        self._strip_slots: tuple[str | None, str | None] = (None, None)  # the slots the strip was made for
        self.selection: tuple[int, int] | None = None  # inclusive step range
        self.current: int | None = None
        self._temp: Path | None = None
        st = self.session.latent.interpolation
        self.seed = int(st.extra.get("seed", 0)) if isinstance(st.extra.get("seed", 0), int) else 0

        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 2, 4, 2)
        outer.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.slot_a, self.slot_b = SlotBox(self, "a"), SlotBox(self, "b")
        self.steps = QSpinBox(self)
        self.steps.setObjectName("stepsSpin")
        self.steps.setRange(MIN_STEPS, MAX_STEPS)
        self.steps.setToolTip("Steps between A and B")
        self.method = QComboBox(self)
        self.method.setObjectName("methodCombo")
        self.method.addItems(["slerp", "lerp"])
        self.method.setToolTip("slerp: along the sphere (MusicVAE); lerp: a straight line")
        self.temperature = QDoubleSpinBox(self)
        self.temperature.setObjectName("interpTemperature")
        self.temperature.setRange(0.0, 1.5)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setToolTip("Decoding temperature (0 = most likely notes)")
        self.generate_button = self._button("generateButton", "Generate", "Decode the steps from A to B",
                                            self.generate)
        self.seed_button = self._button("newSeedButton", "New seed", "Generate again with a new seed",
                                        self.new_seed)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("interpProgress")
        self.progress.setMaximumWidth(90)
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 0)
        keep = self.progress.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.progress.setSizePolicy(keep)
        self.progress.setToolTip("Decoding the steps…")
        self.progress.hide()
        w: QWidget
        for w in (self.slot_a, QLabel("Steps", self), self.steps, self.method, QLabel("T", self),
                  self.temperature, self.generate_button, self.seed_button, self.progress, self.slot_b):
            row.addWidget(w)
        row.insertStretch(row.indexOf(self.slot_b), 1)
        outer.addLayout(row)

        self.strip = QWidget(self)
        self.strip.setObjectName("thumbStrip")
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(2, 2, 2, 2)
        self.strip_layout.setSpacing(4)
        self.hint = QLabel("The steps from A to B appear here: put clips in slots A and B (drop them from the "
                           "clip list, pick them, or open MIDI files) and press Generate.", self.strip)
        self.hint.setObjectName("thumbHint")
        self.hint.setStyleSheet("color: #8a8f99;")
        self.strip_layout.addWidget(self.hint)
        self.strip_layout.addStretch(1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("thumbScroll")
        self.scroll_area.setWidget(self.strip)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFixedHeight(ClipThumb.H + 22)
        outer.addWidget(self.scroll_area)

        bottom = QHBoxLayout()
        self.play_button = self._button("playChainButton", "Play chain", "Play every step in order", self.play_chain)
        self.loop_check = QCheckBox("Loop", self)
        self.loop_check.setObjectName("loopChainCheck")
        self.render_button = self._button("renderRangeButton", "Render range",
                                          "The selected steps (Shift+click) one after another, as a new clip",
                                          self.render_range)
        self.export_button = self._button("exportChainButton", "Export MIDI…",
                                          "Export the selected steps (or the whole chain) as a MIDI file",
                                          self.export_selection)
        self.warning = StatusNote("", self)  # warning colour only for warnings (issue 27)
        self.warning.setObjectName("interpWarning")
        self.warning.setWordWrap(True)
        for w in (self.play_button, self.loop_check, self.render_button, self.export_button):
            bottom.addWidget(w)
        bottom.addWidget(self.warning, 1)
        outer.addLayout(bottom)

        self.load_settings()
        self.steps.valueChanged.connect(lambda _v: self.save_settings())
        self.method.currentTextChanged.connect(lambda _t: self.save_settings())
        self.temperature.valueChanged.connect(lambda _v: self.save_settings())
        tools.worker.busyChanged.connect(self._busy)
        self._unlisten = self.session.listen(self._on_session)
        tools.engineChanged.connect(self.sync)
        self.refresh_slots()
        self.sync()

    def _button(self, name: str, text: str, tip: str, slot: object) -> QPushButton:
        return make_button(self, name, text, tip, slot)

    # --- settings in the session ----------------------------------------------------------------
    def load_settings(self) -> None:
        st = self.session.latent.interpolation
        for w in (self.steps, self.method, self.temperature):
            w.blockSignals(True)
        self.steps.setValue(min(MAX_STEPS, max(MIN_STEPS, st.steps)))
        self.method.setCurrentText(st.method if st.method in ("slerp", "lerp") else "slerp")
        self.temperature.setValue(st.temperature)
        for w in (self.steps, self.method, self.temperature):
            w.blockSignals(False)

    def save_settings(self) -> None:
        st = self.session.latent.interpolation
        new = (self.steps.value(), self.method.currentText(), round(self.temperature.value(), 3), self.seed)
        if new != (st.steps, st.method, round(st.temperature, 3), st.extra.get("seed")):
            st.steps, st.method, st.temperature = new[0], new[1], float(new[2])
            st.extra = {**st.extra, "seed": self.seed}
            self.session.update_latent(interpolation=st)

    def _on_session(self, kinds: frozenset[str]) -> None:
        if "reset" in kinds:
            self.clear_strip()
            self.load_settings()
        if kinds & {"clips", "latent", "reset"}:
            self.refresh_slots()
            if self.result is not None and self._strip_slots != self._slot_uids():
                self.clear_strip()  # the steps were between other clips
                self.warning.setText("Slots changed: Generate for the new A → B")
            self.sync()

    def refresh_slots(self) -> None:
        self.slot_a.refresh()
        self.slot_b.refresh()

    def endpoints(self) -> tuple[Clip, Clip] | None:
        return self.session.slot_clips()

    def _slot_uids(self) -> tuple[str | None, str | None]:
        st = self.session.latent.interpolation
        return st.slot_a, st.slot_b

    def sync(self) -> None:
        ready = self.tools.engine is not None and self.endpoints() is not None
        self.generate_button.setEnabled(ready)
        self.seed_button.setEnabled(ready)
        has = self.result is not None
        for b in (self.play_button, self.render_button, self.export_button):
            b.setEnabled(has)
        if self.tools.engine is None:
            self.generate_button.setToolTip("Needs a loaded model")
        elif self.endpoints() is None:
            self.generate_button.setToolTip("Put clips in slots A and B first")
        else:
            self.generate_button.setToolTip("Decode the steps from A to B")

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(self.tools.worker.is_busy("interpolate"))

    # --- generating -------------------------------------------------------------------------------
    def new_seed(self) -> None:
        self.seed += 1
        self.generate()

    def generate(self) -> bool:
        ends = self.endpoints()
        if ends is None or self.tools.engine is None:
            self.tools.message.emit("Interpolation needs a loaded model and clips in slots A and B")
            return False
        a, b = ends
        slots = self._slot_uids()
        n, method, temp, seed = self.steps.value(), self.method.currentText(), self.temperature.value(), self.seed
        self.save_settings()
        self.warning.setText("Decoding…")

        def failed(msg: str) -> None:
            self.warning.setText(f"⚠ {msg}")
            self.tools.message.emit(f"Interpolation: {msg}")
            self._busy(False)

        chords, key = self.tools.ctl.harmony_for(slots[0]) if slots[0] else (None, None)  # A's chord lane
        self._request += 1
        request = self._request

        def show(r: InterpolationResult, final: bool = True) -> None:
            # progressive: the greedy thumbnails at once, replaced by the search decode when it is ready
            if request != self._request or (not final and self._final == request):
                return
            if final:
                self._final = request
            self.show_result(r, a, b, slots)
            if not final:
                self.warning.setText(self.warning.text() + " · refining…")

        if self.tools.ctl.progressive(self.tools.engine, temp):
            self.tools.ctl.run(QUICK_INTERPOLATION,
                               lambda engine: jobs.interpolate(engine, a, b, n, method, temp, seed, chords, key,
                                                               decoding="greedy"),
                               lambda r: show(r, final=False), failed)
        self.tools.ctl.run("interpolate", lambda engine: jobs.interpolate(engine, a, b, n, method, temp, seed,
                                                                          chords, key), show, failed)
        self._busy(True)
        return True

    def show_result(self, result: InterpolationResult, a: Clip, b: Clip,
                    slots: tuple[str | None, str | None] | None = None) -> None:
        current = self._slot_uids()
        if slots is not None and slots != current:
            return  # the slots changed while it was decoding: a stale result
        self.clear_strip()
        self.result = result
        self._strip_slots = current
        self.hint.hide()
        clips = result.clips
        prange = pitch_range(clips + [a, b])
        last = len(clips) - 1
        for i, clip in enumerate(clips):
            label = "A" if i == 0 else "B" if i == last else f"{i}"
            label += f"  {clip.n_bars} bar{'s' if clip.n_bars != 1 else ''}" if i in (0, last) else ""
            t = ClipThumb(i, clip, label, prange, self.drag_file, endpoint=i in (0, last), parent=self.strip)
            t.clicked.connect(self.step_clicked)
            t.menuRequested.connect(self.step_menu)
            self.strip_layout.insertWidget(self.strip_layout.count() - 1, t)
            self.thumbs.append(t)
        self.warning.setText("⚠ " + "; ".join(result.warnings) if result.warnings else
                             f"{len(clips)} clips, seed {result.seed}")
        for w in result.warnings:
            self.tools.message.emit(w)
        self.tools.ctl.set_path(result.z)
        self._busy(False)
        self.sync()

    def clear_strip(self) -> None:
        for t in self.thumbs:
            t.deleteLater()
        self.thumbs, self.result, self.selection, self.current = [], None, None, None
        self.hint.show()
        self.tools.ctl.set_path(None)

    # --- using the steps ------------------------------------------------------------------------
    def step_clicked(self, index: int, shift: bool) -> None:
        anchor = self.current if shift and self.current is not None else index
        self.selection = (min(anchor, index), max(anchor, index))
        if not shift:
            self.current = index
        for t in self.thumbs:
            t.set_marks(self.selection[0] <= t.index <= self.selection[1], t.index == self.current)
        self.show_step(index)

    def show_step(self, index: int, audition: bool = True) -> None:
        if self.result is None:
            return
        clip = self.result.clips[index]
        self.tools.ctl.show_preview(clip, f"Interpolation step {self.thumbs[index].label.split()[0]}")
        if audition and self.tools.audio is not None:
            self.tools.audio.audition(clip)

    def selected_clips(self) -> list[Clip]:
        if self.result is None:
            return []
        lo, hi = self.selection if self.selection is not None else (0, len(self.result.clips) - 1)
        return self.result.clips[lo:hi + 1]

    def chain(self, clips: list[Clip] | None = None) -> Clip | None:
        clips = clips if clips is not None else (self.result.clips if self.result else [])
        if not clips:
            return None
        ends = self.endpoints()
        title = f"{ends[0].name} → {ends[1].name}" if ends else "interpolation"
        return join_clips(clips, title if len(clips) > 1 else clips[0].name)

    def play_chain(self) -> None:
        chain = self.chain()
        if chain is None or self.tools.audio is None:
            return
        service = self.tools.audio.service
        if self.tools.audio.audition(chain):
            end = max(chain.end_tick, chain.n_bars * chain.bar_ticks)
            service.set_loop(0, end) if self.loop_check.isChecked() else service.set_loop(None, None)

    def render_range(self) -> bool:
        chain = self.chain(self.selected_clips())
        if chain is None:
            return False
        ends = self.endpoints()
        source = f"{self.tools.info.name if self.tools.info else 'model'} interpolation" + \
            (f" {ends[0].name} → {ends[1].name}" if ends else "")
        self.session.add_clip(chain, origin="interpolated", source=source, label="Render interpolation")
        return True

    def export_selection(self) -> None:
        clips = self.selected_clips()
        chain = self.chain(clips)
        if chain is None:
            return
        path = messages.save_path(self, "Export MIDI", messages.MIDI_FILTER, safe_filename(chain.name) + ".mid")
        if path:
            self.export_to(Path(path), chain)

    def export_to(self, path: Path, clip: Clip) -> bool:
        try:
            write_midi(path, [clip])
        except (MidiFileError, OSError) as exc:
            messages.error(self, "Export failed", str(exc))
            return False
        self.tools.message.emit(f"Exported {path.name}")
        return True

    def drag_file(self, clip: Clip) -> Path | None:
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix="latentcomposer-steps-"))
        try:
            return temp_midi_for_drag(clip, self._temp / str(len(list(self._temp.iterdir()))))
        except (MidiFileError, OSError) as exc:
            self.tools.message.emit(f"Could not make a MIDI file to drag: {exc}")
            return None

    def step_menu(self, index: int, pos: QPoint) -> None:
        if self.result is None:
            return
        clip = self.result.clips[index]
        menu = QMenu(self)
        menu.setObjectName("stepMenu")
        menu.addAction("Show in the roll", lambda: self.step_clicked(index, False))
        menu.addAction("Add as clip", lambda: self.session.add_clip(
            clip.copy(name=f"{chain.name if (chain := self.chain()) else 'step'} {index}"), origin="interpolated",
            label="Add interpolation step"))
        menu.addAction("Export step as MIDI…", lambda: self._export_one(clip))
        menu.popup(pos)

    def _export_one(self, clip: Clip) -> None:
        path = messages.save_path(self, "Export step", messages.MIDI_FILTER, safe_filename(clip.name) + ".mid")
        if path:
            self.export_to(Path(path), clip)

    def cleanup(self) -> None:
        self._unlisten()
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None


class TimelineTabs(QTabWidget):
    """The dock's widget: "Interpolation" and "Bars" tabs."""

    def __init__(self, tools: LatentTools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("interpolationTimeline")
        self.interpolation = InterpolationView(tools, self)
        self.bars = BarsView(tools, self)
        self.addTab(self.interpolation, "Interpolation")
        self.addTab(self.bars, "Bars")
        self.setTabToolTip(1, "Per-bar latents (Transformer VAE models): mix bars of A and B, re-sample a bar")
        self.setDocumentMode(True)

    def cleanup(self) -> None:
        self.interpolation.cleanup()
        self.bars.cleanup()
