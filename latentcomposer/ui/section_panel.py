"""`SectionPanel` (objectName ``sectionPanel``): the current section's parts and what the model can do
with it. Only widgets: every action goes to the :class:`~.section_ops.SectionController`.

* **Parts**: one row per part (melody, bass, accompaniment) in its roll colour, with the part's
  instrument (General MIDI) and MIDI channel; clicking a row makes that part the one the roll edits.
* **Drums**: "Add Drums" has Drumify write a drum part (channel 10, its own colour) that follows the
  chosen parts' rhythm; it shows as a fourth row of Parts, plays and exports with the section.
* **Write with the model** (a trio model loaded): Encode (the model's reading, for Vary), Vary,
  Sample a new section (both at the panel's temperature), and Regenerate with some parts kept ("Keep melody" writes a new bass and
  accompaniment under it).
* **Section sliders** (:mod:`.section_sliders`): after Encode, sliders move the whole section; a
  preview over the roll until Apply.
* **Blend two sections**: the steps from one section to another as thumbnails with every part;
  double-click one (or "Add as Section") to keep it.
* Export the section as a MIDI file with one track per part.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from latentcomposer.app import section_book as book
from latentcomposer.app.instruments import GM_PROGRAMS
from latentcomposer.app.section_drums import FOLLOW_CHOICES
from latentcomposer.data.trio_codec import MultiStreamCodec

from .latent_tools import make_button
from .section_drag import SectionDragHandle
from .section_ops import SectionController, stream_color
from .section_sliders import SectionSliders
from .section_thumb import SectionThumb

CHANNELS = [c for c in range(16) if c != 9]  # channel 10 (index 9) is the drums
NOTE_STYLE = "color: #8a8f99;"


BUSY = {"section-encode": "The model is reading the section…", "section-vary": "The model is writing a variation…",
        "section-sample": "The model is writing a new section…",
        "section-regenerate": "The model is writing the new parts…",
        "section-blend": "The model is writing the blend…"}


def busy_text(running: set[str]) -> str:
    """What the model is doing now, in words (the first of ``running`` it knows)."""
    return next((BUSY[c] for c in BUSY if c in running), "The model is writing…")


def swatch(color: QColor, size: int = 12) -> QPixmap:
    pix = QPixmap(size, size)
    pix.fill(color)
    return pix


class TrackRow:
    """One part: its colour and name (a button that selects it), instrument, channel, note count."""

    def __init__(self, panel: SectionPanel, grid: QGridLayout, row: int, codec: MultiStreamCodec, stream: str) -> None:
        self.stream = stream
        label = codec.spec(stream).label
        self.button = QPushButton(label, panel)
        self.button.setObjectName(f"track_{stream}")
        self.button.setCheckable(True)
        self.button.setIcon(swatch(stream_color(codec, stream)))
        self.button.setToolTip(f"Edit the {label.lower()} in the roll (the other parts stay visible, dimmed)")
        self.button.setStyleSheet("QPushButton { text-align: left; padding: 3px 4px; }")
        self.button.clicked.connect(lambda _=False: panel.ctl.select_track(stream))
        self.program = QComboBox(panel)
        self.program.setObjectName(f"program_{stream}")
        self.program.addItems([f"{k + 1} {name}" for k, name in enumerate(GM_PROGRAMS)])
        self.program.setToolTip(f"The {label.lower()}'s instrument (General MIDI), for playback and export")
        self.program.setMinimumContentsLength(7)
        self.program.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.program.currentIndexChanged.connect(lambda k: panel.ctl.set_program(stream, k))
        self.channel = QComboBox(panel)
        self.channel.setObjectName(f"channel_{stream}")
        self.channel.addItems([str(c + 1) for c in CHANNELS])
        self.channel.setMinimumContentsLength(2)
        self.channel.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.channel.setToolTip(f"The {label.lower()}'s MIDI channel (10 is kept for drums)")
        self.channel.currentIndexChanged.connect(lambda k: panel.ctl.set_channel(stream, CHANNELS[k]))
        for col, w in enumerate((self.button, self.program, self.channel)):
            grid.addWidget(w, row, col)

    def show(self, program: int, channel: int, n_notes: int, selected: bool) -> None:
        for w, value in ((self.program, program), (self.channel, CHANNELS.index(channel) if channel in CHANNELS else 0)):
            w.blockSignals(True)
            w.setCurrentIndex(value)
            w.blockSignals(False)
        self.button.setChecked(selected)
        self.button.setToolTip(f"Edit the {self.button.text().lower()} in the roll ({n_notes} notes; the other parts "
                               "stay visible, dimmed)")


class SectionPanel(QWidget):
    def __init__(self, ctl: SectionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sectionPanel")
        self.ctl = ctl
        self.thumbs: list[SectionThumb] = []
        self.chosen = -1
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        head = QHBoxLayout()
        head.addWidget(QLabel("Section", self))
        self.combo = QComboBox(self)
        self.combo.setObjectName("sectionCombo")
        self.combo.setToolTip("The sections of this project; choose one to edit it")
        self.combo.activated.connect(self._combo_chosen)
        head.addWidget(self.combo, 1)
        outer.addLayout(head)
        self.empty = QLabel("No section yet. Open a multi-track MIDI file with File > Open MIDI as Section…, "
                            "or load a trio model and press Sample.", self)
        self.empty.setObjectName("sectionEmpty")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet(NOTE_STYLE)
        outer.addWidget(self.empty)

        self.parts_box = QGroupBox("Parts", self)
        self.grid = QGridLayout(self.parts_box)
        self.grid.setContentsMargins(6, 4, 6, 4)
        self.grid.setHorizontalSpacing(6)
        for col, text in enumerate(("Part", "Instrument", "Channel")):
            lab = QLabel(text, self.parts_box)
            lab.setStyleSheet(NOTE_STYLE)
            self.grid.addWidget(lab, 0, col)
        self.grid.setColumnStretch(1, 1)
        self.rows: dict[str, TrackRow] = {}
        self._codec: MultiStreamCodec | None = None
        self.drums_button = QPushButton("Drums", self.parts_box)
        self.drums_button.setObjectName("track_drums")
        self.drums_button.setCheckable(True)
        self.drums_button.setIcon(swatch(stream_color(ctl.codec, book.DRUMS)))
        self.drums_button.setStyleSheet("QPushButton { text-align: left; padding: 3px 4px; }")
        self.drums_button.setToolTip("Edit the drum part in the roll")
        self.drums_button.clicked.connect(lambda _=False: ctl.select_track(book.DRUMS))
        self.drums_kit = QLabel("Drum kit (Drumify)", self.parts_box)
        self.drums_channel = QLabel("10", self.parts_box)
        self.drums_channel.setToolTip("Drums always play on MIDI channel 10")
        for w in (self.drums_kit, self.drums_channel):
            w.setStyleSheet(NOTE_STYLE)
        outer.addWidget(self.parts_box)

        drums = QGroupBox("Drums", self)
        drums.setObjectName("sectionDrumsBox")
        dl = QHBoxLayout(drums)
        dl.setContentsMargins(6, 4, 6, 4)
        dl.addWidget(QLabel("Follow", drums))
        self.follow = QComboBox(drums)
        self.follow.setObjectName("drumsFollow")
        for label, streams in FOLLOW_CHOICES:
            self.follow.addItem(label, list(streams))
        self.follow.setToolTip("Which parts' rhythm the drums follow (their notes merged)")
        self.follow.setMinimumContentsLength(10)
        self.follow.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        dl.addWidget(self.follow, 1)
        self.drums_btn = make_button(drums, "sectionAddDrums", "Add Drums",
                                     "Drumify writes a drum part (channel 10) that follows the chosen parts' rhythm "
                                     "and adds it to the section (Undo removes it)", self._add_drums)
        dl.addWidget(self.drums_btn)
        outer.addWidget(drums)

        model = QGroupBox("Write with the model", self)
        model.setObjectName("sectionModelBox")
        lay = QVBoxLayout(model)
        lay.setContentsMargins(6, 4, 6, 4)
        self.model_note = QLabel("", model)
        self.model_note.setObjectName("sectionModelNote")
        self.model_note.setWordWrap(True)
        self.model_note.setStyleSheet(NOTE_STYLE)
        lay.addWidget(self.model_note)
        row = QHBoxLayout()
        self.encode_btn = make_button(model, "sectionEncode", "Encode",
                                      "Let the model read the whole section (needed for Vary)", ctl.encode)
        self.vary_btn = make_button(model, "sectionVary", "Vary",
                                    "A new section close to this one: the model's reading, with some freedom",
                                    ctl.vary)
        self.sample_btn = make_button(model, "sectionSample", "Sample",
                                      "A new section (melody, bass and accompaniment) from the model alone", ctl.sample)
        for b in (self.encode_btn, self.vary_btn, self.sample_btn):
            row.addWidget(b)
        lay.addLayout(row)
        temp_row = QHBoxLayout()
        temp_label = QLabel("Temperature", model)
        temp_row.addWidget(temp_label)
        self.temperature = QDoubleSpinBox(model)
        self.temperature.setObjectName("sectionTemperature")
        self.temperature.setRange(0.0, 1.5)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(1)
        self.temperature.setValue(ctl.temperature)
        tip = ("How free Sample and Vary are: 0 writes the model's most likely notes, higher values are freer "
               "and more surprising (0.5 sounds most like real songs with the trio model)")
        temp_label.setToolTip(tip)
        self.temperature.setToolTip(tip)
        self.temperature.valueChanged.connect(ctl.set_temperature)
        temp_row.addWidget(self.temperature)
        temp_row.addStretch(1)
        lay.addLayout(temp_row)
        lay.addWidget(QLabel("Keep these parts, write the others anew:", model))
        self.keep_row = QHBoxLayout()
        self.keeps: dict[str, QCheckBox] = {}
        lay.addLayout(self.keep_row)
        self.regen_btn = make_button(model, "sectionRegenerate", "Regenerate the Other Parts",
                                     "Keep the ticked parts as they are and let the model write the others to go "
                                     "with them (Undo brings the old ones back)", self._regenerate)
        lay.addWidget(self.regen_btn)
        outer.addWidget(model)
        self.sliders = SectionSliders(ctl, self)
        outer.addWidget(self.sliders)

        blend = QGroupBox("Blend two sections", self)
        blend.setObjectName("sectionBlendBox")
        bl = QVBoxLayout(blend)
        bl.setContentsMargins(6, 4, 6, 4)
        pick = QHBoxLayout()
        self.blend_a, self.blend_b = QComboBox(blend), QComboBox(blend)
        self.blend_a.setObjectName("blendFrom")
        self.blend_b.setObjectName("blendTo")
        self.steps = QSpinBox(blend)
        self.steps.setObjectName("blendSteps")
        self.steps.setRange(3, 9)
        self.steps.setValue(5)
        self.steps.setToolTip("How many sections from the first to the second (both included)")
        pick.addWidget(self.blend_a, 1)
        pick.addWidget(QLabel("→", blend))
        pick.addWidget(self.blend_b, 1)
        pick.addWidget(self.steps)
        bl.addLayout(pick)
        self.blend_btn = make_button(blend, "sectionBlend", "Blend",
                                     "Sections that go step by step from the first to the second", self._blend)
        bl.addWidget(self.blend_btn)
        self.strip = QWidget(blend)
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(0, 0, 0, 0)
        self.strip_layout.setSpacing(4)
        self.strip_hint = QLabel("Choose two sections and press Blend: the steps between them appear here.",
                                 self.strip)
        self.strip_hint.setWordWrap(True)
        self.strip_hint.setStyleSheet(NOTE_STYLE)
        self.strip_layout.addWidget(self.strip_hint, 1)
        self.strip_layout.addStretch(0)  # thumbnails stay left; the hint takes the width
        scroll = QScrollArea(blend)
        scroll.setObjectName("sectionBlendStrip")
        scroll.setWidget(self.strip)
        scroll.setWidgetResizable(True)
        scroll.setFixedHeight(SectionThumb.H + 22)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bl.addWidget(scroll)
        self.add_btn = make_button(blend, "sectionAddBlend", "Add as Section",
                                   "Add the chosen step as a new section", lambda: ctl.add_blend(self.chosen))
        bl.addWidget(self.add_btn)
        outer.addWidget(blend)

        self.export_btn = make_button(self, "sectionExport", "Export Section as MIDI…",
                                      "A MIDI file with one track per part (its instrument and channel)",
                                      lambda: ctl.export())
        outer.addWidget(self.export_btn)
        self.drag_handle = SectionDragHandle(ctl.current, lambda: ctl.codec, self)
        outer.addWidget(self.drag_handle)
        outer.addStretch(1)

        ctl.changed.connect(self.refresh)
        ctl.busyChanged.connect(lambda _on: self.refresh())
        ctl.blendReady.connect(self._show_blend)
        self.refresh()

    # --- building ------------------------------------------------------------------------------------
    def _ensure_rows(self, codec: MultiStreamCodec) -> None:
        if self._codec is not None and self._codec.streams == codec.streams:
            return
        for r in self.rows.values():
            for w in (r.button, r.program, r.channel):
                w.deleteLater()
        for box in self.keeps.values():
            box.deleteLater()
        self.rows, self.keeps, self._codec = {}, {}, codec
        for k, stream in enumerate(codec.streams):
            self.rows[stream] = TrackRow(self, self.grid, k + 1, codec, stream)
            box = QCheckBox(codec.spec(stream).label, self)
            box.setObjectName(f"keep_{stream}")
            box.setToolTip(f"Keep the {codec.spec(stream).label.lower()} as it is when regenerating")
            box.setChecked(stream == codec.streams[0])
            box.toggled.connect(lambda _on: self.refresh())
            self.keep_row.addWidget(box)
            self.keeps[stream] = box
        drum_row: tuple[QWidget, ...] = (self.drums_button, self.drums_kit, self.drums_channel)
        for col, cell in enumerate(drum_row):
            self.grid.addWidget(cell, len(codec.streams) + 1, col)

    def refresh(self) -> None:
        ctl = self.ctl
        codec = ctl.codec
        self._ensure_rows(codec)
        refs = ctl.refs()
        section = ctl.current()
        self.combo.blockSignals(True)
        self.combo.clear()
        for ref in refs:
            self.combo.addItem(ref.name, ref.uid)
        if section is None:
            self.combo.insertItem(0, "— a plain clip is selected —" if refs else "— none —", "")
            self.combo.setCurrentIndex(0)
        else:
            self.combo.setCurrentIndex(max(0, self.combo.findData(section.uid)))
        self.combo.setEnabled(bool(refs))
        self.combo.blockSignals(False)
        self.empty.setVisible(section is None)
        if section is None and refs:
            self.empty.setText("The clip in the roll is not part of a section: choose a section above.")
        self.parts_box.setEnabled(section is not None)
        if section is not None:
            for t in section.tracks:
                if t.stream in self.rows:
                    self.rows[t.stream].show(t.program, t.channel, len(t.clip.notes), t.stream == section.selected)
        has_drums = section is not None and section.drums is not None
        for w in (self.drums_button, self.drums_kit, self.drums_channel):
            w.setVisible(has_drums)
        if section is not None and section.drums is not None:
            self.drums_button.setChecked(section.selected == book.DRUMS)
            self.drums_button.setToolTip(f"Edit the drum part in the roll ({len(section.drums.notes)} hits; not "
                                         "read by the model tools)")
        self.drums_btn.setText("New Drums" if has_drums else "Add Drums")
        self.drums_btn.setEnabled(section is not None and "section-drums" not in ctl.running)
        problem = ctl.model_problem()
        busy = bool(ctl.running - {"section-drums"})
        self.model_note.setText(problem or (busy_text(ctl.running) if busy else
                                            "Encoded: Vary is ready." if section is not None and section.uid in ctl.codes
                                            else "Melody, bass and accompaniment are written together."))
        ready = problem is None and not busy
        have = ready and section is not None
        self.encode_btn.setEnabled(have)
        self.vary_btn.setEnabled(have and section is not None and section.uid in ctl.codes)
        self.sample_btn.setEnabled(ready)
        kept = [s for s, b in self.keeps.items() if b.isChecked()]
        self.regen_btn.setEnabled(have and 0 < len(kept) < len(self.keeps))
        for combo, default in ((self.blend_a, 0), (self.blend_b, 1)):
            was = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for ref in refs:
                combo.addItem(ref.name, ref.uid)
            k = combo.findData(was)
            combo.setCurrentIndex(k if k >= 0 else min(default, combo.count() - 1))
            combo.blockSignals(False)
        if self.blend_b.count() > 1 and self.blend_b.currentData() == self.blend_a.currentData():
            self.blend_b.setCurrentIndex(1 if self.blend_a.currentIndex() == 0 else 0)  # two different ones
        self.blend_btn.setEnabled(ready and len(refs) >= 2)
        self.add_btn.setEnabled(0 <= self.chosen < len(ctl.blend))
        self.export_btn.setEnabled(section is not None)
        self.drag_handle.setEnabled(section is not None)

    # --- actions -------------------------------------------------------------------------------------
    def _combo_chosen(self, index: int) -> None:
        uid = self.combo.itemData(index)
        if uid:
            self.ctl.show_section(uid)

    def keep(self, streams: list[str]) -> None:
        """Tick exactly ``streams`` as the parts to keep."""
        for s, box in self.keeps.items():
            box.setChecked(s in streams)

    def _add_drums(self) -> None:
        self.ctl.add_drums(self.follow.currentData() or ("melody", "accompaniment"))

    def _regenerate(self) -> None:
        self.ctl.regenerate([s for s, b in self.keeps.items() if b.isChecked()])

    def _blend(self) -> None:
        a, b = self.blend_a.currentData(), self.blend_b.currentData()
        self.ctl.interpolate(a or "", b or "", self.steps.value())

    def _show_blend(self) -> None:
        for t in self.thumbs:
            t.deleteLater()
        self.thumbs = []
        codec = self.ctl.codec
        n = len(self.ctl.blend)
        self.strip_hint.setVisible(n == 0)
        for k, section in enumerate(self.ctl.blend):
            label = "A" if k == 0 else "B" if k == n - 1 else f"step {k}"
            thumb = SectionThumb(k, section, label, lambda s: stream_color(codec, s), self.strip)
            thumb.clicked.connect(self._choose)
            thumb.doubleClicked.connect(self.ctl.add_blend)
            self.strip_layout.insertWidget(k, thumb)
            self.thumbs.append(thumb)
        self._choose(n // 2 if n else -1)

    def _choose(self, index: int) -> None:
        self.chosen = index
        for t in self.thumbs:
            t.set_selected(t.index == index)
        self.add_btn.setEnabled(0 <= index < len(self.ctl.blend))
