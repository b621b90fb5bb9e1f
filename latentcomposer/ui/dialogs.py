"""Dialogs: choosing tracks of a MIDI file, keyboard shortcuts, about (with model cards), transpose."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from latentcomposer import __version__
from latentcomposer.app.instruments import instrument_name, pitch_name
from latentcomposer.core import Clip

ROLL_KEYS = [
    ("Up / Down", "Transpose the selection a semitone (drums: move hits a lane up or down)"),
    ("Shift+Up / Shift+Down", "Transpose the selection an octave"),
    ("Left / Right", "Move the selection one grid cell (Shift: one bar)"),
    ("Escape", "Clear the selection / cancel a drag"),
    ("Alt while dragging", "No snapping"),
    ("Alt+wheel on a note", "Change velocity (the selection, if the note is selected)"),
    ("Ctrl+wheel", "Zoom horizontally (Ctrl+Shift+wheel: vertically)"),
    ("Shift+wheel", "Scroll horizontally"),
    ("Right-click a note", "Delete it (draw and erase tools)"),
    ("Click / drag in the ruler", "Move the playhead / set the loop region (double-click clears it)"),
    ("Click a key", "Hear that pitch"),
]


class TrackPickerDialog(QDialog):
    """Lists a MIDI file's tracks (name, instrument, channel, notes, bars, range) with check boxes."""

    def __init__(self, clips: Sequence[Clip], file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trackPicker")
        self.setWindowTitle(f"Open {file_name}")
        self.clips = list(clips)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{file_name}</b> has {len(clips)} tracks. Choose the ones to open; "
                                "each becomes a clip."))
        self.table = QTableWidget(len(clips), 6, self)
        self.table.setObjectName("trackTable")
        self.table.setHorizontalHeaderLabels(["Track", "Instrument", "Channel", "Notes", "Bars", "Range"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        default = self._default_checked()
        for row, clip in enumerate(clips):
            rng = clip.pitch_range()
            cells = [clip.name or f"Track {row + 1}", instrument_name(clip),
                     "10 (drums)" if clip.is_drum else str((clip.channel or 0) + 1), str(len(clip.notes)),
                     str(clip.n_bars), f"{pitch_name(rng[0])}–{pitch_name(rng[1])}" if rng and not clip.is_drum
                     else "—"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked if row in default else Qt.CheckState.Unchecked)
                if col >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.cellDoubleClicked.connect(self._toggle_row)
        layout.addWidget(self.table)

        row_buttons = QHBoxLayout()
        for text, state in (("Check all", True), ("Check none", False)):
            b = QPushButton(text, self)
            b.clicked.connect(lambda _=False, s=state: self.set_all(s))
            row_buttons.addWidget(b)
        row_buttons.addStretch(1)
        self.merge = QCheckBox("Merge the checked tracks into one clip", self)
        self.merge.setObjectName("mergeTracks")
        row_buttons.addWidget(self.merge)
        layout.addLayout(row_buttons)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.as_section = False  # "Open as a Section…": the tracks as the parts of one section (issue 24)
        section = self.buttons.addButton("Open as a Section…", QDialogButtonBox.ButtonRole.ActionRole)
        section.setObjectName("openAsSection")
        section.setToolTip("Open the file as a section: melody, bass and accompaniment together, for the "
                           "trio model's tools")
        section.clicked.connect(self._open_as_section)
        layout.addWidget(self.buttons)
        self.table.itemChanged.connect(lambda _item: self._update_ok())
        self._update_ok()
        self.resize(640, min(520, 160 + 30 * len(clips)))

    def _open_as_section(self) -> None:
        self.as_section = True
        self.accept()

    def _default_checked(self) -> set[int]:
        if len(self.clips) <= 4:
            return set(range(len(self.clips)))
        melodic = [k for k, c in enumerate(self.clips) if not c.is_drum]
        return {melodic[0] if melodic else 0}

    def _check_item(self, row: int) -> QTableWidgetItem:
        item = self.table.item(row, 0)
        if item is None:  # __init__ fills every row; only a bad row number gets here
            raise IndexError(f"track table has no row {row}")
        return item

    def _toggle_row(self, row: int, _col: int) -> None:
        item = self._check_item(row)
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.chosen()))

    def set_all(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for row in range(self.table.rowCount()):
            self._check_item(row).setCheckState(state)

    def set_checked(self, rows: Sequence[int]) -> None:
        self.set_all(False)
        for row in rows:
            self._check_item(row).setCheckState(Qt.CheckState.Checked)

    def chosen(self) -> list[int]:
        return [r for r in range(self.table.rowCount())
                if self._check_item(r).checkState() == Qt.CheckState.Checked]


AS_SECTION = "section"  # what pick_tracks returns for "Open as a Section…"


def pick_tracks(parent: QWidget | None, clips: Sequence[Clip],
                file_name: str) -> tuple[list[int], bool] | str | None:
    """Ask which tracks to open; ``(rows, merge)``, :data:`AS_SECTION`, or None if cancelled."""
    dialog = TrackPickerDialog(clips, file_name, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        if dialog.as_section:
            return AS_SECTION
        return dialog.chosen(), dialog.merge.isChecked()
    finally:
        dialog.deleteLater()


def ask_semitones(parent: QWidget | None) -> int | None:
    value, ok = QInputDialog.getInt(parent, "Transpose", "Semitones (negative: down):", 0, -48, 48, 1)
    return value if ok and value else None



def _close_box(dialog: QDialog, content: QWidget, width: int, height: int) -> None:
    """Lay ``content`` out in ``dialog`` above a Close button, at ``width`` x ``height``."""
    layout = QVBoxLayout(dialog)
    layout.addWidget(content)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.resize(width, height)

class ShortcutsDialog(QDialog):
    def __init__(self, actions: Sequence[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        rows = [(", ".join(s.toString() for s in a.shortcuts()), a.text().replace("&", "").rstrip("…."))
                for a in actions if a.shortcuts()]
        rows += ROLL_KEYS
        table = QTableWidget(len(rows), 2, self)
        table.setHorizontalHeaderLabels(["Keys", "Does"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (keys, what) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(keys))
            table.setItem(r, 1, QTableWidgetItem(what))
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        _close_box(self, table, 560, 520)


class AboutDialog(QDialog):
    """Version, what the app is, and each installed model's card (``models/*/MODEL_CARD.md``)."""

    def __init__(self, cards: Sequence[tuple[str, str]], status: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About latentcomposer")
        tabs = QTabWidget(self)
        tabs.setObjectName("aboutTabs")
        about = QTextBrowser(self)
        about.setMarkdown(
            f"# latentcomposer {__version__}\n\nA composition assistant: MusicVAE-style latent models behind "
            "a piano roll, latent sliders and an interpolation timeline. Licensed under Apache-2.0.\n\n"
            f"**Model:** {status}\n\n"
            + ("" if cards else "No model cards: no model is installed in `models/` yet."))
        tabs.addTab(about, "latentcomposer")
        for name, text in cards:
            browser = QTextBrowser(self)
            browser.setObjectName(f"modelCard_{name}")
            browser.setMarkdown(text)
            tabs.addTab(browser, f"Model: {name}")
        _close_box(self, tabs, 620, 480)
