"""The latent slider panel (``objectName`` ``latentPanel``).

Model and device choice; Encode / Sample / Re-roll / Reset; temperature; the rhythm/pitch lock; one
slider per attribute vector (density, range, ... for melodies; kick, snare, ... for drums) and per
principal direction ("Dim 1..N"), each with its value and a reset. Dragging a slider decodes on the
worker (newest position wins) and shows the result as a preview over the piano roll; "Apply to clip"
makes it one undoable edit, "Add as clip" a new clip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from latentcomposer.app.latent.controller import INCOMPLETE
from latentcomposer.app.latent.info import SLIDER_RANGE, SliderSpec, bars_words, continue_from
from latentcomposer.app.latent.locks import LOCK_TIPS
from latentcomposer.app.model_names import listed, plain_titles
from latentcomposer.app.model_service import DEFAULT_MODEL, gpu_summary

from .latent_tools import PLAY_MODES, LatentTools, make_button

STEPS = 100  # slider ticks per unit
DEVICE_LABELS = {"auto": "Auto", "cpu": "CPU", "cuda": "CUDA"}
DECODING_LABELS = {"search": "Best (search)", "greedy": "Fast (greedy)"}
DECODING_TIPS = {
    "search": "At temperature 0: beam search, and the model's encoder picks the beam that reads back as "
              "the code -- the closest to an encoded clip (drums_2bar: 0.88 -> 0.94 of the steps); a few "
              "times slower, ~0.1 s for a 16-bar decode on the CPU",
    "greedy": "At temperature 0: the most likely step at each step (MusicVAE); fastest, less faithful",
}
LOCK_LABELS = {"none": "Free", "rhythm": "Keep rhythm", "pitches": "Keep pitches"}

APPLY_TIP = "Make the preview the clip's notes (one undoable step)"
ADD_TIP = "Add the preview as a new clip"
CONTINUE_TIP = "Extend the clip by 4 bars in its style (per-bar models); each press another continuation"


class SliderRow:
    """Label, slider, value and reset for one direction, in a grid row. A calibrated attribute slider
    (the model ships ``slider_units.json``) takes two rows: its name with the musical value at the
    current position and the reset, then the slider between the values at its two ends; it travels
    only over the positions whose music stays inside the training data's 5th-95th percentile."""

    def __init__(self, panel: LatentPanel, grid: QGridLayout, row: int, spec: SliderSpec) -> None:
        self.spec = spec
        units = spec.units
        parent = grid.parentWidget()
        self.label = QLabel(spec.label, parent)
        self.label.setObjectName(f"sliderLabel_{spec.key}")
        tip = spec.tooltip if units is None else f"{spec.tooltip}\n\n{units.tooltip()}"
        self.label.setToolTip(tip)
        self.slider = QSlider(Qt.Orientation.Horizontal, parent)
        self.slider.setObjectName(f"slider_{spec.key}")
        lo, hi = (-SLIDER_RANGE, SLIDER_RANGE) if units is None else units.travel
        self.slider.setRange(round(lo * STEPS), round(hi * STEPS))
        self.slider.setSingleStep(5)
        self.slider.setPageStep(50)
        self.slider.setToolTip(tip)
        self.slider.setMinimumWidth(90)
        self.value = QLabel("0.00", parent)
        self.value.setObjectName(f"sliderValue_{spec.key}")
        self.value.setMinimumWidth(38)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.reset = QToolButton(parent)
        self.reset.setObjectName(f"sliderReset_{spec.key}")
        self.reset.setText("↺")
        self.reset.setToolTip(f"Reset {spec.label} to 0")
        self.reset.setAutoRaise(True)
        self.ends: tuple[QLabel, QLabel] | None = None
        if units is None:
            for col, w in enumerate((self.label, self.slider, self.value, self.reset)):
                grid.addWidget(w, row, col)
        else:
            self.value.hide()  # the amount: the label says what it means instead
            self.label.setWordWrap(True)
            grid.addWidget(self.label, row, 0, 1, 3)
            grid.addWidget(self.reset, row, 3)
            left, right = units.ends()
            self.ends = (self._end(parent, "Low", left, Qt.AlignmentFlag.AlignRight),
                         self._end(parent, "High", right, Qt.AlignmentFlag.AlignLeft))
            grid.addWidget(self.ends[0], row + 1, 0)
            grid.addWidget(self.slider, row + 1, 1)
            grid.addWidget(self.ends[1], row + 1, 2, 1, 2)
        self.rows = 1 if units is None else 2
        self.show_text(0.0)
        self.slider.valueChanged.connect(lambda v: panel.slider_moved(spec.key, v / STEPS))
        self.reset.clicked.connect(lambda: self.slider.setValue(0))

    def _end(self, parent: QWidget | None, which: str, text: str, align: Qt.AlignmentFlag) -> QLabel:
        label = QLabel(text, parent)
        label.setObjectName(f"slider{which}_{self.spec.key}")
        label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        label.setToolTip(f"{self.spec.label} at this end of the slider (median of the calibration decodes)")
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        label.setFont(font)
        return label

    def show_text(self, value: float) -> None:
        """The amount (uncalibrated) or what it means in musical units (calibrated) at ``value``."""
        self.value.setText(f"{value:+.2f}" if value else "0.00")
        if self.spec.units is not None:
            self.label.setText(f"{self.spec.label} · {self.spec.units.words(value)}")

    def show_value(self, value: float, emit: bool = False) -> None:
        if not emit:
            self.slider.blockSignals(True)
        self.slider.setValue(round(value * STEPS))
        self.slider.blockSignals(False)
        self.show_text(value)


class LatentPanel(QWidget):
    sliderMoved = Signal(str, float)

    def __init__(self, tools: LatentTools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latentPanel")
        self.tools = tools
        self.rows: dict[str, SliderRow] = {}
        self._syncing = False
        self.card_dialog: QDialog | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)

        top = QGridLayout()
        top.setHorizontalSpacing(4)
        self.model_combo = QComboBox(self)
        self.model_combo.setObjectName("modelCombo")
        self.model_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.card_button = QToolButton(self)
        self.card_button.setObjectName("modelCardButton")
        self.card_button.setText("Card")
        self.card_button.setToolTip("Show the model card")
        self.device_combo = QComboBox(self)
        self.device_combo.setObjectName("deviceCombo")
        self.device_combo.setToolTip("Where the model runs. Auto: a CUDA GPU if there is one, else the CPU.\n"
                                     + gpu_summary())
        top.addWidget(QLabel("Model", self), 0, 0)
        top.addWidget(self.model_combo, 0, 1)
        top.addWidget(self.card_button, 0, 2)
        top.addWidget(QLabel("Device", self), 1, 0)
        top.addWidget(self.device_combo, 1, 1, 1, 2)
        self.advanced_box = QCheckBox("Advanced: list baseline models too", self)
        self.advanced_box.setObjectName("advancedModels")
        self.advanced_box.setToolTip("Baselines are models kept for comparison (for example a 16-bar melody "
                                     "model without the per-bar planner); most pieces sound better without")
        top.addWidget(self.advanced_box, 2, 0, 1, 3)
        outer.addLayout(top)

        self.loading_bar = QProgressBar(self)
        self.loading_bar.setObjectName("modelLoading")
        self.loading_bar.setRange(0, 0)  # indeterminate: loading takes a few seconds, with no steps to count
        self.loading_bar.setTextVisible(False)
        self.loading_bar.setFixedHeight(6)
        self.loading_bar.hide()
        outer.addWidget(self.loading_bar)

        self.status = QLabel("", self)
        self.status.setObjectName("latentStatus")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)

        buttons = QGridLayout()
        buttons.setSpacing(3)
        self.encode_button = self._button("encodeButton", "Encode", "Encode the current clip into z", tools.ctl.encode)
        self.sample_button = self._button("sampleButton", "Sample", "A new random z from the prior", tools.ctl.sample)
        self.reroll_button = self._button("rerollButton", "Re-roll", "A new seed: another draw around the same "
                                          "code (or a new random one after Sample)", tools.ctl.reroll)
        self.reset_button = self._button("resetButton", "Reset", "Back to the encoded clip: all sliders at 0",
                                         tools.ctl.reset)
        self.continue_button = self._button("continueButton", "Continue", CONTINUE_TIP,
                                            lambda: tools.ctl.continue_current(4))
        for k, b in enumerate((self.encode_button, self.sample_button, self.reroll_button, self.reset_button,
                               self.continue_button)):
            buttons.addWidget(b, k // 2, k % 2)
        outer.addLayout(buttons)

        opts = QGridLayout()
        opts.setHorizontalSpacing(4)
        self.temperature = QSlider(Qt.Orientation.Horizontal, self)
        self.temperature.setObjectName("temperatureSlider")
        self.temperature.setRange(0, 150)
        self.temperature.setToolTip("Decoding temperature: 0 = the most likely notes, higher = more random")
        self.temperature_value = QLabel("0.00", self)
        self.temperature_value.setObjectName("temperatureValue")
        self.temperature_value.setMinimumWidth(32)
        self.lock_combo = QComboBox(self)
        self.lock_combo.setObjectName("lockCombo")
        for key, label in LOCK_LABELS.items():
            self.lock_combo.addItem(label, key)
            self.lock_combo.setItemData(self.lock_combo.count() - 1, LOCK_TIPS[key], Qt.ItemDataRole.ToolTipRole)
        self.decoding_combo = QComboBox(self)
        self.decoding_combo.setObjectName("decodingCombo")
        for key, label in DECODING_LABELS.items():
            self.decoding_combo.addItem(label, key)
            self.decoding_combo.setItemData(self.decoding_combo.count() - 1, DECODING_TIPS[key],
                                            Qt.ItemDataRole.ToolTipRole)
        self.decoding_combo.setToolTip("How temperature 0 picks the notes (sampling above 0 is the same)")
        self.play_combo = QComboBox(self)
        self.play_combo.setObjectName("previewTimingCombo")
        for key, label in PLAY_MODES.items():
            self.play_combo.addItem(label, key)
        self.play_combo.setToolTip("While playing, when the sound follows a slider move")
        opts.addWidget(QLabel("Temperature", self), 0, 0)
        opts.addWidget(self.temperature, 0, 1)
        opts.addWidget(self.temperature_value, 0, 2)
        opts.addWidget(QLabel("Lock", self), 1, 0)
        opts.addWidget(self.lock_combo, 1, 1, 1, 2)
        opts.addWidget(QLabel("Decoding", self), 2, 0)
        opts.addWidget(self.decoding_combo, 2, 1, 1, 2)
        opts.addWidget(QLabel("Sound", self), 3, 0)
        opts.addWidget(self.play_combo, 3, 1, 1, 2)
        outer.addLayout(opts)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("sliderScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.slider_box = QWidget(self.scroll_area)
        self.slider_box.setObjectName("sliderBox")
        self.scroll_area.setWidget(self.slider_box)
        outer.addWidget(self.scroll_area, 1)

        bottom = QHBoxLayout()
        self.apply_button = self._button("applyButton", "Apply to clip", APPLY_TIP, tools.ctl.apply_shown)
        self.add_button = self._button("addClipButton", "Add as clip", ADD_TIP, lambda: tools.ctl.add_as_clip())
        bottom.addWidget(self.apply_button)
        bottom.addWidget(self.add_button)
        outer.addLayout(bottom)

        self.model_combo.activated.connect(self._model_chosen)
        self.device_combo.activated.connect(self._model_chosen)
        self.card_button.clicked.connect(self.show_card)
        self.advanced_box.toggled.connect(lambda _on: self.fill_models())
        self.temperature.valueChanged.connect(self._temperature_moved)
        self.lock_combo.activated.connect(lambda _i: tools.ctl.set_lock(self.lock_combo.currentData()))
        self.decoding_combo.activated.connect(
            lambda _i: tools.ctl.set_decoding(self.decoding_combo.currentData(), chosen=True))
        self.play_combo.activated.connect(self._play_mode)
        tools.engineChanged.connect(self.rebuild)
        tools.stateChanged.connect(self.sync)
        tools.previewChanged.connect(self.sync)
        self.rebuild()

    def _button(self, name: str, text: str, tip: str, slot: object) -> QPushButton:
        return make_button(self, name, text, tip, slot)

    # --- building -----------------------------------------------------------------------------
    def fill_models(self) -> None:
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        loading = getattr(self.tools.models, "loading_name", None)
        current = loading if loading and self.tools.status[0] == "loading" else \
            self.tools.info.name if self.tools.info else self.tools.models.model_name
        installed = self.tools.ctl.installed()
        titles = plain_titles(installed)
        for m in listed(installed, self.advanced_box.isChecked(), keep=current):
            self.model_combo.addItem(titles[m.name], m.name)
            card = m.card()
            tip = f"{m.name}\n\n" + ((card[:700] + ("…" if len(card) > 700 else "")) if card else "No model card")
            self.model_combo.setItemData(self.model_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        if self.model_combo.count() == 0:
            self.model_combo.addItem("no model installed", None)
        index = self.model_combo.findData(current)
        if index < 0:  # nothing loaded or loading yet: the one a start would load
            index = self.model_combo.findData(DEFAULT_MODEL)
        self.model_combo.setCurrentIndex(max(0, index))
        self.model_combo.blockSignals(False)
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        cuda = "NVIDIA" in gpu_summary() or (self.tools.info is not None and self.tools.info.device.startswith("cuda")) \
            or self.tools.ctl.device == "cuda"  # chosen (remembered) even where it falls back to the CPU
        for key in ("auto", "cpu", "cuda") if cuda else ("auto", "cpu"):
            self.device_combo.addItem(DEVICE_LABELS[key], key)
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(self.tools.ctl.device)))
        self.device_combo.blockSignals(False)

    def rebuild(self) -> None:
        """New model: one row per attribute and direction of this model."""
        old = self.slider_box.layout()
        if old is not None:
            QWidget().setLayout(old)  # re-parent the old layout (and its widgets) away
        for child in self.slider_box.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            child.deleteLater()
        self.rows = {}
        grid = QGridLayout(self.slider_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(1)
        grid.setColumnStretch(1, 1)
        info = self.tools.info
        row = 0
        last_kind = ""
        for spec in info.specs if info else ():
            if spec.kind != last_kind:
                title = {"attribute": "Attributes", "dim": "Principal directions", "z": "Latent dimensions"}[spec.kind]
                head = QLabel(f"<b>{title}</b>", self.slider_box)
                head.setObjectName(f"sliderHeading_{spec.kind}")
                grid.addWidget(head, row, 0, 1, 4)
                row += 1
                last_kind = spec.kind
            self.rows[spec.key] = SliderRow(self, grid, row, spec)
            row += self.rows[spec.key].rows
        if not self.rows:
            empty = QLabel("Sliders appear when a model is loaded.", self.slider_box)
            empty.setObjectName("slidersEmpty")
            empty.setWordWrap(True)
            grid.addWidget(empty, 0, 0, 1, 4)
            row = 1
        grid.setRowStretch(row, 1)
        self.fill_models()
        self.sync()

    # --- reacting ------------------------------------------------------------------------------
    def sync(self) -> None:
        t, ctl = self.tools, self.tools.ctl
        self._syncing = True
        for key, row in self.rows.items():
            row.show_value(ctl.sliders.get(key, 0.0))
        self.temperature.blockSignals(True)
        self.temperature.setValue(round(ctl.temperature * 100))
        self.temperature.blockSignals(False)
        self.temperature_value.setText(f"{ctl.temperature:.2f}")
        self.lock_combo.setCurrentIndex(max(0, self.lock_combo.findData(ctl.lock)))
        self.decoding_combo.setCurrentIndex(max(0, self.decoding_combo.findData(t.decoding)))
        if self.device_combo.findData(ctl.device) >= 0:
            self.device_combo.blockSignals(True)
            self.device_combo.setCurrentIndex(self.device_combo.findData(ctl.device))
            self.device_combo.blockSignals(False)
        search = ctl.info is None or ctl.info.search
        self.decoding_combo.setEnabled(search)
        self.decoding_combo.setToolTip("How temperature 0 picks the notes (sampling above 0 is the same)" if search
                                       else "This model has one decoding: each step's most likely notes")
        self.lock_combo.setEnabled(ctl.lock_supported)
        self.lock_combo.setToolTip(LOCK_TIPS[ctl.lock] if ctl.lock_supported else
                                   "Drum models: there are no pitches to keep (a drum's pitch is its "
                                   "instrument), so the lock does not apply.")
        if t.audio is not None:
            self.play_combo.setCurrentIndex(max(0, self.play_combo.findData(t.audio.mode)))
        self.play_combo.setEnabled(t.audio is not None)
        self._syncing = False
        ready = t.info is not None
        has_code = ctl.code is not None
        self.encode_button.setEnabled(ready and bool(t.session.current_clip.notes))
        self.sample_button.setEnabled(ready)
        self.reroll_button.setEnabled(ready)
        self.reset_button.setEnabled(has_code)
        why_not = t.info.cannot_continue if t.info is not None else "Load a model first"
        self.continue_button.setEnabled(ready and not why_not and bool(t.session.current_clip.notes))
        heard = continue_from(t.info, t.session.current_clip, 4) if t.info is not None else None
        self.continue_button.setToolTip(why_not or (CONTINUE_TIP if heard is None else  # which bars it hears
                                                    f"Continues from {bars_words(*heard)} (the last bars the "
                                                    f"model hears): {CONTINUE_TIP[0].lower()}{CONTINUE_TIP[1:]}"))
        for row in self.rows.values():
            row.slider.setEnabled(has_code)
            row.reset.setEnabled(has_code)
        whole = ctl.shown is None or ctl.shown.complete  # a long clip's preview: Apply and Add wait for all of it
        self.apply_button.setEnabled(t.preview_clip is not None and whole)
        self.add_button.setEnabled(t.preview_clip is not None and whole)
        self.apply_button.setToolTip(APPLY_TIP if whole else INCOMPLETE)
        self.add_button.setToolTip(ADD_TIP if whole else INCOMPLETE)
        self.status.setText(self.status_text())
        loading = t.status[0] == "loading"
        self.loading_bar.setVisible(loading)
        if loading and self.model_combo.currentData() != getattr(t.models, "loading_name", None):
            self.fill_models()  # the combo names the model being loaded, never another one

    def status_text(self) -> str:
        t, ctl = self.tools, self.tools.ctl
        state, message = t.status
        if t.info is None:
            return {"loading": f"Loading the {t.loading_title() or 'model'} model… the sliders appear when "
                               "it is ready (a few seconds)", "error": f"Model problem: {message}",
                    "none": "No model installed: put one in models/ (see the README)."}.get(
                state, "No model loaded yet.")
        title = plain_titles(self.tools.ctl.installed()).get(t.info.name, t.info.name)
        head = f"{title} ({t.info.device})"
        if state == "loading":
            head += f" — loading the {t.loading_title() or 'next'} model…"
        c = ctl.code
        if c is None:
            clip = t.session.current_clip
            return f"{head}\n" + ("Empty clip: Sample to start from a random code." if not clip.notes
                                  else "Encoding the current clip…")
        origin = {"encoded": "encoded from", "posterior": "a posterior draw of", "sampled": "sampled for",
                  "restored": "restored for"}.get(c.origin, c.origin)
        chunks = len(c.base)
        text = f"{head}\nz: {origin} '{c.clip.name or 'untitled'}' ({chunks} window{'s' if chunks > 1 else ''}), " \
               f"seed {ctl.seed}"
        if ctl.warnings:
            text += "\n⚠ " + "\n⚠ ".join(ctl.warnings[:3])
        return text

    def slider_moved(self, key: str, value: float) -> None:
        row = self.rows.get(key)
        if row is not None:
            row.show_text(value)
        if not self._syncing:
            self.tools.ctl.set_slider(key, value)
            self.sliderMoved.emit(key, value)

    def _temperature_moved(self, v: int) -> None:
        self.temperature_value.setText(f"{v / 100:.2f}")
        if not self._syncing:
            self.tools.ctl.set_temperature(v / 100)

    def _play_mode(self, _index: int) -> None:
        if self.tools.audio is not None:
            self.tools.audio.mode = self.play_combo.currentData()

    def _model_chosen(self, _index: int = 0) -> None:
        name = self.model_combo.currentData()
        if name:
            self.tools.ctl.load_model(name, self.device_combo.currentData() or "auto")

    def show_card(self) -> None:
        name = self.model_combo.currentData()
        info = next((m for m in self.tools.ctl.installed() if m.name == name), None)
        card = info.card() if info is not None else None
        dlg = QDialog(self)
        dlg.setObjectName("modelCardDialog")
        dlg.setWindowTitle(f"Model card — {name or 'none'}")
        view = QTextBrowser(dlg)
        view.setObjectName("modelCardText")
        view.setMarkdown(card or f"# {name}\n\nThis model has no MODEL_CARD.md.")
        QVBoxLayout(dlg).addWidget(view)
        dlg.resize(520, 480)
        dlg.show()
        self.card_dialog = dlg
