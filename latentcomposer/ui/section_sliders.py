"""Sliders on a whole section (issue 24): after Encode, a few sliders move the section's z along the
directions the trio model offers (:mod:`latentcomposer.app.section_sliders`), and every part changes.

Each move decodes the section on the latent tools' engine worker (channel ``section-slide``: a drag
coalesces there, the newest request wins and stale results are dropped), never on the UI thread. The
result is a **preview** drawn over the roll (:class:`SectionPreview`: every part in its colour, the
section's own notes dimmed beneath) until **Apply** writes all parts at once (one undo step) or
**Reset** puts the sliders back. The drum part is not the model's and never moves.

Why a group of its own rather than the latent panel's sliders: the latent panel's controller is built
around one clip (its per-bar locks, chord conditions, the clip's own re-encode on every edit, the
latent map's points); a section has one z for all its parts and decodes through ``SectionTools``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from latentcomposer.app import section_book as book
from latentcomposer.app import section_sliders as dirs_mod
from latentcomposer.app.section import Section

from .latent_tools import make_button
from .roll_preview import RollPreview

if TYPE_CHECKING:
    from .piano_roll import PianoRoll
    from .section_ops import SectionController

CHANNEL = "section-slide"
STEPS = 10  # slider ticks per unit
NOTE_STYLE = "color: #8a8f99;"


class SectionPreview(RollPreview):
    """The previewed section over the roll: every part in its colour (the part being edited brightest)."""

    def __init__(self, roll: PianoRoll, color: Any) -> None:
        super().__init__(roll)
        self.setObjectName("sectionPreview")
        self.color = color  # stream -> QColor
        self.section: Section | None = None

    def show_section(self, section: Section, label: str) -> None:
        self.section = section
        self.show_clip(section.track(section.selected).clip if section.selected in section.streams
                       else section.tracks[0].clip, label)

    def clear(self) -> None:
        self.section = None
        super().clear()

    def paint_notes(self, p: QPainter, r: QRect) -> None:
        """Every part in its colour, the part being edited on top and outlined."""
        section = self.section
        if section is None:
            return
        order = [t for t in section.tracks if t.stream != section.selected] + \
                [t for t in section.tracks if t.stream == section.selected]
        for t in order:
            base = QColor(self.color(t.stream))
            edited = t.stream == section.selected
            if not edited:
                base.setAlpha(170)
            p.setPen(QPen(QColor("#fff4dd"), 1) if edited else Qt.PenStyle.NoPen)
            p.setBrush(base)
            scale = self.roll.view.ppq / t.clip.ppq
            for n in self.visible(t.clip.notes, scale, r):
                self.draw_note(p, n, scale)


class SectionSliders(QGroupBox):
    """The "Section sliders" group of the section panel."""

    def __init__(self, ctl: SectionController, parent: QWidget | None = None) -> None:
        super().__init__("Section sliders", parent)
        self.setObjectName("sectionSliders")
        self.ctl = ctl
        self.dirs: list[dirs_mod.Direction] = []
        self._dirs_engine: object | None = None
        self.sliders: dict[str, QSlider] = {}
        self.labels: list[QWidget] = []
        self.preview: Section | None = None  # the newest decoded section (not applied)
        self.preview_z: np.ndarray | None = None
        self.base: tuple[str, dict[str, Any]] | None = None  # (section uid, {stream: clip}) it was made from
        self.stamp = 0  # newest request
        from .section_ops import stream_color

        self.overlay = SectionPreview(ctl.window.roll, lambda s: stream_color(ctl.codec, s))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.note = QLabel("", self)
        self.note.setObjectName("sectionSlidersNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        lay.addWidget(self.note)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(1, 1)
        lay.addLayout(self.grid)
        row = QHBoxLayout()
        self.apply_btn = make_button(self, "sectionSlidersApply", "Apply",
                                     "Write the previewed section into all its parts (one undo step)", self.apply)
        self.reset_btn = make_button(self, "sectionSlidersReset", "Reset",
                                     "Sliders back to the middle; the preview goes", self.reset)
        row.addWidget(self.apply_btn)
        row.addWidget(self.reset_btn)
        lay.addLayout(row)
        ctl.changed.connect(self.refresh)
        ctl.tools.worker.busyChanged.connect(lambda _on: self._show_state())
        self.refresh()

    # --- state --------------------------------------------------------------------------------
    def _code(self) -> tuple[Section, np.ndarray] | None:
        section = self.ctl.current()
        if section is None or self.ctl.model_problem() is not None:
            return None
        z = self.ctl.codes.get(section.uid)
        return (section, z) if z is not None else None

    def refresh(self) -> None:
        got = self._code()
        engine = self.ctl.tools.engine
        if got is not None and self._dirs_engine is not engine:
            self._ask_directions(engine)
        if self.preview is not None and (got is None or self.base is None or self.base[0] != got[0].uid
                                         or self.base[1] != _parts(got[0])):
            self.reset()  # another section, or its parts changed: the preview no longer fits
        self._show_state()

    def _show_state(self) -> None:
        got = self._code()
        ready = got is not None and bool(self.dirs) and self._dirs_engine is self.ctl.tools.engine
        for s in self.sliders.values():
            s.setEnabled(ready)
        decoding = self.ctl.tools.worker.is_busy(CHANNEL)
        if self.ctl.model_problem() is not None:
            text = "Load a trio model, then Encode: the sliders move the whole section."
        elif got is None:
            text = "Encode the section first: the sliders then move all its parts together."
        elif not ready:
            text = "Reading the model's directions…"
        elif decoding:
            text = "Writing the preview…"
        elif self.preview is not None:
            text = "Preview over the roll: Apply writes every part (one undo step)."
        elif self.dirs[0].key.startswith("z"):
            text = ("These sliders have no musical names yet (the model ships none): each moves the whole "
                    "section its own way. Try one and listen to the preview.")
        else:
            text = "Move a slider: every part of the section changes."
        if got is not None and got[0].drums is not None:
            text += " The drums stay as they are (the model writes no drums)."
        self.note.setText(text)
        self.apply_btn.setEnabled(self.preview is not None and not decoding)
        self.reset_btn.setEnabled(self.preview is not None or any(s.value() for s in self.sliders.values()))

    def _ask_directions(self, engine: object) -> None:
        self._dirs_engine = None

        def done(found: list[dirs_mod.Direction]) -> None:
            self._dirs_engine = engine
            self._build(found)
            self._show_state()

        self.ctl.tools.worker.submit("section-directions", lambda: dirs_mod.directions(engine), done,
                                     lambda msg: self.note.setText(f"Section sliders unavailable: {msg}"))

    def _build(self, found: list[dirs_mod.Direction]) -> None:
        if [d.key for d in found] == [d.key for d in self.dirs]:
            return
        for w in [*self.sliders.values(), *self.labels]:
            self.grid.removeWidget(w)
            w.deleteLater()
        self.sliders, self.labels, self.dirs = {}, [], list(found)
        span = round(dirs_mod.RANGE * STEPS)
        for k, d in enumerate(found):
            name = QLabel(d.label, self)
            name.setToolTip(d.tip)
            slider = QSlider(Qt.Orientation.Horizontal, self)
            slider.setObjectName(f"sectionSlider_{k}")
            slider.setRange(-span, span)
            slider.setToolTip(d.tip)
            value = QLabel("0.0", self)
            value.setMinimumWidth(30)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            slider.valueChanged.connect(lambda v, lab=value: (lab.setText(f"{v / STEPS:+.1f}" if v else "0.0"),
                                                               self.request()))
            self.grid.addWidget(name, k, 0)
            self.grid.addWidget(slider, k, 1)
            self.grid.addWidget(value, k, 2)
            self.sliders[d.key] = slider
            self.labels += [name, value]

    def values(self) -> dict[str, float]:
        return {k: s.value() / STEPS for k, s in self.sliders.items()}

    # --- decoding (worker) ---------------------------------------------------------------------
    def request(self) -> int:
        """Decode the section at the sliders' values (newest request wins); returns its stamp."""
        got = self._code()
        if got is None or not self.dirs:
            return 0
        section, z = got
        values, found, engine, ctl = self.values(), list(self.dirs), self.ctl.tools.engine, self.ctl
        self.stamp += 1
        stamp = self.stamp
        if not any(values.values()):
            self.ctl.tools.worker.cancel(CHANNEL)
            self._clear_preview()
            return stamp
        base = (section.uid, _parts(section))

        def job() -> tuple[Section, np.ndarray]:
            moved = dirs_mod.moved(engine, z, values, found)
            return ctl.section_tools(engine).decode(moved, section, 0.0, 0, section.name), moved

        def done(result: tuple[Section, np.ndarray]) -> None:
            if stamp != self.stamp:
                return  # a newer move is on its way
            self.preview, self.preview_z = result
            self.base = base
            self.overlay.show_section(result[0], "Section sliders")
            self._show_state()

        def failed(msg: str) -> None:
            self.ctl.message.emit(f"Section sliders: {msg}")
            self._show_state()

        self.ctl.tools.worker.submit(CHANNEL, job, done, failed)
        self._show_state()
        return stamp

    # --- apply / reset ---------------------------------------------------------------------------
    def apply(self) -> bool:
        """Write the preview into every part of the section: one undo step."""
        ref = self.ctl.current_ref()
        preview, z = self.preview, self.preview_z
        if ref is None or preview is None or self.base is None or self.base[0] != ref.uid:
            return False
        now = self.ctl.current()
        if now is None or _parts(now) != self.base[1]:
            self.ctl.message.emit("The section changed since the preview; move a slider again.")
            self.reset()
            return False
        book.replace_tracks(self.ctl.session, ref, {t.stream: t.clip for t in preview.tracks}, "Section sliders")
        if z is not None:
            self.ctl.codes[ref.uid] = z  # further moves start from what was applied
        self._zero()
        self.ctl.message.emit(f"Applied the sliders to every part of ‘{preview.name}’ (Undo brings the old back)")
        self.ctl.changed.emit()
        return True

    def reset(self) -> None:
        self.ctl.tools.worker.cancel(CHANNEL)
        self.stamp += 1
        self._zero()
        self._show_state()

    def _zero(self) -> None:
        for s in self.sliders.values():
            s.blockSignals(True)
            s.setValue(0)
            s.blockSignals(False)
        for lab in self.labels[1::2]:
            if isinstance(lab, QLabel):
                lab.setText("0.0")
        self._clear_preview()

    def _clear_preview(self) -> None:
        self.preview, self.preview_z, self.base = None, None, None
        self.overlay.clear()
        self._show_state()


def _parts(section: Section) -> dict[str, Any]:
    return {t.stream: t.clip.notes for t in section.tracks}
