""""Open as a section": which of a file's tracks play the melody, the bass and the accompaniment.

:class:`SectionImportDialog` (objectName ``sectionImportDialog``) lists the file's tracks with a
"Plays" choice each, filled in from the guess (:func:`latentcomposer.data.trio_codec.guess_mapping`,
by track names, GM programs and range) and editable; with no bass track the bass can be taken from
the accompaniment's lowest notes (as the trio model was trained on POP909). :func:`ask_mapping` shows
it; tests replace that function (as :mod:`.messages`).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from latentcomposer.app.instruments import instrument_name, pitch_name
from latentcomposer.core import Clip
from latentcomposer.data.trio_codec import MultiStreamCodec, StreamMapping

LEAVE_OUT = "Leave out"


class SectionImportDialog(QDialog):
    def __init__(self, clips: Sequence[Clip], guess: StreamMapping, file_name: str, codec: MultiStreamCodec,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sectionImportDialog")
        self.setWindowTitle(f"Open {file_name} as a section")
        self.clips, self.codec = list(clips), codec
        self.labels = [s.label for s in codec.specs]
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{file_name}</b>: choose what each track plays in the section. "
                       f"The section has {len(codec.specs)} parts ({', '.join(lb.lower() for lb in self.labels)}) "
                       "that share bars and tempo; each part becomes a clip you can edit.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.table = QTableWidget(len(self.clips), 5, self)
        self.table.setObjectName("sectionTrackTable")
        self.table.setHorizontalHeaderLabels(["Track", "Instrument", "Notes", "Range", "Plays"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        stream_of = {i: s for s, idx in guess.tracks.items() for i in idx}
        self.combos: list[QComboBox] = []
        for row, clip in enumerate(self.clips):
            rng = clip.pitch_range()
            cells = [clip.name or f"Track {row + 1}", instrument_name(clip), str(len(clip.notes)),
                     f"{pitch_name(rng[0])}–{pitch_name(rng[1])}" if rng and not clip.is_drum else "—"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
            combo = QComboBox(self.table)
            combo.setObjectName(f"plays_{row}")
            combo.addItems([*self.labels, LEAVE_OUT])
            stream = stream_of.get(row)
            combo.setCurrentText(codec.spec(stream).label if stream in codec.streams else LEAVE_OUT)
            if clip.is_drum or not clip.notes:
                combo.setCurrentText(LEAVE_OUT)
                combo.setEnabled(False)
                combo.setToolTip("Drums and empty tracks are not part of a section")
            combo.currentTextChanged.connect(lambda _t: self._sync())
            self.table.setCellWidget(row, 4, combo)
            self.combos.append(combo)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)

        self.bass_from_acc = QCheckBox("No bass track: take the bass from the accompaniment's lowest notes", self)
        self.bass_from_acc.setObjectName("bassFromAccompaniment")
        self.bass_from_acc.setChecked(guess.bass_from_accompaniment)
        layout.addWidget(self.bass_from_acc)
        self.note = QLabel(self)
        self.note.setObjectName("sectionImportNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8a8f99;")
        layout.addWidget(self.note)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Open as Section")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._sync()
        self.resize(620, min(520, 220 + 34 * len(self.clips)))

    def set_plays(self, row: int, label: str) -> None:
        """Set what track ``row`` plays (a part's label, or :data:`LEAVE_OUT`)."""
        self.combos[row].setCurrentText(label)

    def mapping(self) -> StreamMapping:
        tracks: dict[str, list[int]] = {s: [] for s in self.codec.streams}
        for row, combo in enumerate(self.combos):
            if combo.currentText() in self.labels:
                tracks[self.codec.streams[self.labels.index(combo.currentText())]].append(row)
        from_acc = self.bass_from_acc.isChecked() and self.bass_from_acc.isEnabled()
        return StreamMapping({k: tuple(v) for k, v in tracks.items()}, from_acc)

    def _sync(self) -> None:
        chosen = self.mapping().tracks
        has_bass = bool(chosen.get("bass"))
        has_acc = bool(chosen.get("accompaniment"))
        self.bass_from_acc.setEnabled("bass" in self.codec.streams and not has_bass and has_acc)
        self.bass_from_acc.setVisible("bass" in self.codec.streams)
        empty = [self.codec.spec(s).label.lower() for s, idx in chosen.items() if not idx
                 and not (s == "bass" and self.bass_from_acc.isEnabled() and self.bass_from_acc.isChecked())]
        any_part = any(chosen.values())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(any_part)
        if not any_part:
            self.note.setText("Choose at least one track to play a part.")
        elif empty:
            self.note.setText(f"No track plays the {' or the '.join(empty)}: that part starts empty "
                              "(the model can write it: Regenerate with the other parts kept).")
        else:
            self.note.setText("Guessed from the track names, instruments and ranges; change any choice.")


def ask_mapping(parent: QWidget | None, clips: Sequence[Clip], guess: StreamMapping, file_name: str,
                codec: MultiStreamCodec) -> StreamMapping | None:
    """Show the dialog; the mapping chosen, or None when cancelled."""
    dialog = SectionImportDialog(clips, guess, file_name, codec, parent)
    try:
        return dialog.mapping() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
