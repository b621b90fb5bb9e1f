"""The clip list: every clip of the session; select to edit it, rename in place, drag out as MIDI.

Each row shows a mini-roll of the clip, its name and a line with its length, instrument and note
count (:mod:`.clip_row`). The context menu changes a clip's instrument (General MIDI program) and
asks for its Groove (``grooveRequested``) or its Drumify (``drumifyRequested``; the latent tools do both).

Dragging a clip out of the list gives a file URL to a temporary ``.mid`` named after the clip, so it
drops into a DAW or a file manager. Interpolation slots show as "A" / "B" badges.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from latentcomposer.app.exporting import temp_midi_for_drag
from latentcomposer.app.instruments import GM_PROGRAMS
from latentcomposer.app.session import Session, empty_clip
from latentcomposer.core import Clip
from latentcomposer.io.midifile import MidiFileError

from . import messages
from .clip_row import SUBTITLE_ROLE, ClipRowDelegate, subtitle, thumbnail

UID_ROLE = Qt.ItemDataRole.UserRole + 1


class ClipListView(QListWidget):
    """A list whose drags carry MIDI files."""

    dragFailed = Signal(str)

    def __init__(self, panel: ClipListPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.setObjectName("clipListView")
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        mime = QMimeData()
        urls = []
        for item in items:
            path = self.panel.midi_file_for(item.data(UID_ROLE))
            if path is not None:
                urls.append(QUrl.fromLocalFile(str(path)))
        mime.setUrls(urls)
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


class ClipListPanel(QWidget):
    grooveRequested = Signal(str)  # a clip's uid: give it a drummer's timing and dynamics
    drumifyRequested = Signal(str)  # a clip's uid: a new drum clip that follows its rhythm

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipList")
        self.session = session
        self.list = ClipListView(self)
        self.list.setItemDelegate(ClipRowDelegate(self.list))
        self._thumbs: dict[str, tuple[Clip, QPixmap]] = {}
        self._temp: Path | None = None
        self._rebuilding = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        self.actions_by_name: dict[str, QAction] = {}
        for name, text, tip, slot in (
            ("newClip", "New", "New empty clip", self.new_clip),
            ("duplicateClip", "Copy", "Duplicate the clip", self.duplicate_current),
            ("renameClip", "Rename", "Rename the clip (or double-click it)", self.rename_current),
            ("deleteClip", "Delete", "Delete the clip (undoable)", self.delete_current),
            ("instrumentClip", "Instrument…", "Change the clip's instrument (General MIDI)", self.choose_instrument),
            ("grooveClip", "Groove", "Give a drum clip a drummer's timing and dynamics (a preview to apply)",
             lambda: self.grooveRequested.emit(self.session.current_uid)),
            ("drumify", "Drumify", "A drum part that follows the clip's rhythm (melody, chords or drums), "
             "added as a new clip", lambda: self.drumifyRequested.emit(self.session.current_uid)),
        ):
            action = QAction(text, self)
            action.setObjectName(name)
            action.setToolTip(tip)
            action.triggered.connect(slot)
            self.actions_by_name[name] = action
            if name in ("instrumentClip",):
                continue  # in the context menu only (the row of buttons stays narrow)
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setObjectName(name + "Button")
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.list.currentItemChanged.connect(self._on_current_item)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self._unlisten = session.listen(self._on_session)
        self.rebuild()

    # --- keeping in step with the session ------------------------------------------------------
    def _on_session(self, kinds: frozenset[str]) -> None:
        if kinds & {"clips", "current", "reset", "latent"} or ("clip" in kinds):
            self.rebuild()

    def label_for(self, uid: str) -> str:
        item = self.session.item(uid)
        slots = self.session.latent.interpolation
        badge = "".join(s for s, u in (("A", slots.slot_a), ("B", slots.slot_b)) if u == uid)
        clip = item.clip
        return f"{'[' + badge + '] ' if badge else ''}{clip.name or 'untitled'}"

    def rebuild(self) -> None:
        self._rebuilding = True
        try:
            uids = [i.uid for i in self.session.items]
            if [self.list.item(r).data(UID_ROLE) for r in range(self.list.count())] != uids:
                self.list.clear()
                for uid in uids:
                    it = QListWidgetItem()
                    it.setData(UID_ROLE, uid)
                    it.setFlags(it.flags() | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled)
                    self.list.addItem(it)
            for r in range(self.list.count()):
                it = self.list.item(r)
                uid = it.data(UID_ROLE)
                ci = self.session.item(uid)
                it.setText(self.label_for(uid))
                it.setData(SUBTITLE_ROLE, subtitle(ci.clip))
                it.setData(Qt.ItemDataRole.DecorationRole, self._thumb(uid, ci.clip))
                it.setToolTip(f"{ci.clip.name or 'untitled'} — {subtitle(ci.clip)}; {ci.origin}"
                              + (f" ({ci.source})" if ci.source else "") + "\nDrag out to a DAW as a MIDI file")
            self._thumbs = {u: t for u, t in self._thumbs.items() if u in uids}
            self.list.setCurrentRow(self.session.current_index)
        finally:
            self._rebuilding = False

    def _thumb(self, uid: str, clip: Clip) -> QPixmap:
        cached = self._thumbs.get(uid)
        if cached is None or cached[0] is not clip:  # clips are immutable: same object, same picture
            cached = (clip, thumbnail(clip))
            self._thumbs[uid] = cached
        return cached[1]

    def _on_current_item(self, current: QListWidgetItem | None, _previous: object) -> None:
        if self._rebuilding or current is None:
            return
        uid = current.data(UID_ROLE)
        if uid != self.session.current_uid:
            self.session.set_current(uid)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._rebuilding:
            return
        uid = item.data(UID_ROLE)
        text = item.text()
        if text.startswith("[") and "] " in text:  # the badge is not part of the name
            text = text.split("] ", 1)[1]
        if text.strip():
            self.session.rename_clip(uid, text)
        self.rebuild()

    # --- actions -----------------------------------------------------------------------------
    def new_clip(self) -> None:
        clip = self.session.current_clip
        n = len(self.session.items) + 1
        self.session.add_clip(empty_clip(f"Clip {n}", tempo=clip.tempo), label="New clip")

    def duplicate_current(self) -> None:
        self.session.duplicate_clip(self.session.current_uid)

    def delete_current(self) -> None:
        self.session.remove_clip(self.session.current_uid)

    def rename_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._rebuilding = True
            item.setText(self.session.current_clip.name)  # edit the plain name, without the badge
            self._rebuilding = False
            self.list.editItem(item)

    def choose_instrument(self) -> None:
        """Ask for a General MIDI instrument for the current clip (one undoable step)."""
        uid = self.session.current_uid
        clip = self.session.current_clip
        if clip.is_drum:
            self.list.dragFailed.emit("A drum clip plays the drum kit (MIDI channel 10); its sounds are chosen "
                                      "by note, not by instrument")
            return
        names = [f"{k + 1:3d}  {name}" for k, name in enumerate(GM_PROGRAMS)]
        answer = messages.pick_item(self, "Instrument", f"Instrument for “{clip.name or 'untitled'}”:",
                                    names, clip.program)
        if answer is None or answer not in names:
            return
        program = names.index(answer)
        if program != clip.program:
            self.session.replace_clip(clip.copy(program=program), "Change instrument", uid=uid)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        uid = item.data(UID_ROLE)
        self.session.set_current(uid)
        menu = QMenu(self)
        menu.addAction(self.actions_by_name["renameClip"])
        menu.addAction(self.actions_by_name["duplicateClip"])
        menu.addAction(self.actions_by_name["deleteClip"])
        menu.addSeparator()
        menu.addAction(self.actions_by_name["instrumentClip"])
        menu.addAction(self.actions_by_name["grooveClip"])
        menu.addAction(self.actions_by_name["drumify"])
        menu.addSeparator()
        menu.addAction("Use as interpolation A", lambda: self.session.set_slot("a", uid))
        menu.addAction("Use as interpolation B", lambda: self.session.set_slot("b", uid))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    # --- drag out ----------------------------------------------------------------------------
    def midi_file_for(self, uid: str) -> Path | None:
        """Write clip ``uid`` to a temporary MIDI file for dragging; None (with a message) on failure."""
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix="latentcomposer-drag-"))
        try:
            return temp_midi_for_drag(self.session.item(uid).clip, self._temp / uid)
        except (MidiFileError, OSError) as exc:
            self.list.dragFailed.emit(f"Could not make a MIDI file to drag: {exc}")
            return None

    def cleanup(self) -> None:
        self._unlisten()
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None
