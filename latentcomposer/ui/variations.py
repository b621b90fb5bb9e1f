"""The Variations strip (``objectName`` ``variationsStrip``): "Generate 8" as thumbnails.

Eight takes on the current sound (the slider position, with new draws of the code) or eight fresh
ideas (:mod:`latentcomposer.app.latent.variations`), decoded on the worker in one job. Click a
thumbnail to see it over the roll and hear it; drag it into a DAW (it carries a temporary MIDI file);
right-click to keep it (Apply to clip) or add it as a clip; "Add all" keeps the eight as clips.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QScrollArea, QVBoxLayout, QWidget

from latentcomposer.app.exporting import temp_midi_for_drag
from latentcomposer.app.latent import variations
from latentcomposer.core import Clip
from latentcomposer.io.midifile import MidiFileError

from .clip_thumb import ClipThumb, pitch_range
from .latent_tools import LatentTools, make_button


class VariationsStrip(QWidget):
    def __init__(self, tools: LatentTools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("variationsStrip")
        self.tools = tools
        self.clips: list[Clip] = []
        self.uid: str | None = None  # the clip they are variations of
        self.thumbs: list[ClipThumb] = []
        self.chosen: int | None = None
        self.round = 0
        self._temp: Path | None = None
        self.mode = QComboBox(self)
        self.mode.setObjectName("variationsMode")
        for key, label in variations.MODES.items():
            self.mode.addItem(label, key)
        self.generate_button = make_button(self, "generateVariations", f"Generate {variations.COUNT}",
                                           "Eight takes at once: click one to hear it, drag it to your DAW, "
                                           "right-click to keep it", self.generate)
        self.add_all_button = make_button(self, "variationsAddAll", "Add all as clips",
                                          "Keep every variation as a new clip", self.add_all)
        self.info = QLabel("", self)
        self.info.setObjectName("variationsInfo")
        top = QHBoxLayout()
        top.addWidget(self.mode)
        top.addWidget(self.generate_button)
        top.addWidget(self.add_all_button)
        top.addWidget(self.info, 1)
        self.strip = QWidget(self)
        self.strip.setObjectName("variationsThumbs")
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(2, 2, 2, 2)
        self.strip_layout.setSpacing(4)
        self.strip_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(self.strip)
        scroll.setWidgetResizable(True)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedHeight(ClipThumb.H + 22)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.addLayout(top)
        lay.addWidget(scroll)
        lay.addStretch(1)
        self.mode.activated.connect(lambda _i: self.sync())
        tools.stateChanged.connect(self.sync)
        tools.engineChanged.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        ready = self.tools.ctl.code is not None or (self.mode.currentData() == "continue"
                                                     and self.tools.info is not None)
        self.generate_button.setEnabled(ready)
        self.add_all_button.setEnabled(bool(self.clips))
        if not ready and not self.clips:
            self.info.setText("Encode a clip or Sample first: variations start from the current sound.")
        elif not self.clips:
            self.info.setText("")

    # --- generating ------------------------------------------------------------------------------
    def generate(self) -> bool:
        ctl = self.tools.ctl
        mode = self.mode.currentData() or "around"
        if mode == "continue":
            return self.generate_continuations()
        request = ctl.preview_request()
        try:
            if request is None:
                raise ValueError("Encode a clip or Sample first: variations start from the current sound")
            self.round += 1
            bases = variations.variation_bases(ctl, mode, variations.COUNT, ctl.seed * 100 + self.round)
        except ValueError as exc:
            self.tools.say(str(exc))
            return False
        seed = ctl.seed * 100 + self.round
        uid = request.uid
        self.info.setText(f"Generating {variations.COUNT} variations…")

        def done(clips: list[Clip]) -> None:
            self.show_clips(clips, uid)

        def failed(msg: str) -> None:
            self.info.setText(f"⚠ {msg}")

        return ctl.run("variations", lambda engine: variations.decode_variations(engine, request, bases, seed),
                       done, failed)

    def generate_continuations(self) -> bool:
        """Eight continuations of the current clip (needs the per-bar model)."""
        ctl, session = self.tools.ctl, self.tools.session
        info = ctl.info
        if info is None or not info.per_bar:
            self.tools.say("Continue works with the per-bar model (\"Melody · 16 bars (per-bar)\"): choose it in "
                           "the Model list, or use the Bars tab's switch")
            return False
        uid, clip = session.current_uid, session.current_clip
        if not clip.notes:
            self.tools.say("Continue needs some notes to continue: draw or open a clip first")
            return False
        self.round += 1
        seed, temperature = ctl.seed * 100 + self.round, max(0.8, ctl.temperature)
        self.info.setText(f"Continuing '{clip.name}' {variations.COUNT} ways…")

        def failed(msg: str) -> None:
            self.info.setText(f"⚠ {msg}")

        return ctl.run("variations", lambda engine: variations.continue_variations(
            engine, clip, variations.COUNT, seed, temperature), lambda clips: self.show_clips(clips, uid), failed)

    def show_clips(self, clips: list[Clip], uid: str) -> None:
        for t in self.thumbs:
            t.deleteLater()
        self.thumbs, self.clips, self.uid, self.chosen = [], list(clips), uid, None
        rng = pitch_range(self.clips)
        for k, clip in enumerate(self.clips):
            thumb = ClipThumb(k, clip, f"{k + 1}", rng, drag_file=self.midi_file, parent=self.strip)
            thumb.setObjectName(f"variation_{k}")
            thumb.clicked.connect(lambda i, _shift: self.choose(i))
            thumb.menuRequested.connect(self.menu)
            self.strip_layout.insertWidget(self.strip_layout.count() - 1, thumb)
            self.thumbs.append(thumb)
        self.info.setText("Click one to hear it over the roll; drag it to your DAW; right-click to keep it.")
        self.sync()

    # --- using them ------------------------------------------------------------------------------
    def choose(self, index: int) -> None:
        """See variation ``index`` over the roll and hear it."""
        if not 0 <= index < len(self.clips) or self.uid is None or not self.tools.session.has(self.uid):
            return
        self.chosen = index
        for k, t in enumerate(self.thumbs):
            t.set_marks(False, k == index)
        clip = self.clips[index]
        if self.tools.session.current_uid != self.uid:
            self.tools.session.set_current(self.uid)
        self.tools.ctl.show_preview(clip, f"Variation {index + 1}", uid=self.uid)
        if self.tools.audio is not None:
            self.tools.audio.audition(clip)

    def keep(self, index: int) -> bool:
        """Variation ``index`` becomes the clip's notes (one undoable step)."""
        self.choose(index)
        return self.tools.ctl.apply_shown()

    def add(self, index: int) -> bool:
        return 0 <= index < len(self.clips) and self.tools.ctl.add_as_clip(self.clips[index], "variation")

    def add_all(self) -> None:
        for k in range(len(self.clips)):
            self.add(k)

    def menu(self, index: int, pos: QPoint) -> None:
        m = QMenu(self)
        m.setObjectName("variationMenu")
        m.addAction("Hear it", lambda: self.choose(index))
        m.addAction("Keep it (Apply to clip)", lambda: self.keep(index))
        m.addAction("Add as clip", lambda: self.add(index))
        m.popup(pos)

    # --- drag out --------------------------------------------------------------------------------
    def midi_file(self, clip: Clip) -> Path | None:
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix="latentcomposer-variations-"))
        try:
            return temp_midi_for_drag(clip, self._temp)
        except (MidiFileError, OSError) as exc:
            self.tools.say(f"Could not make a MIDI file to drag: {exc}")
            return None

    def cleanup(self) -> None:
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None
