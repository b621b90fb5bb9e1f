""""Learn my style…": choose a folder of MIDI files (or the project's clips), see what was found, and
personalize a model on it (app/personalize.py does the work on its own thread; this dialog only shows).

Widgets have stable object names (``personalizeDialog``, ``personalizeFolder``, ``personalizeFound``,
``personalizeStart``, ``personalizeProgress``, ``personalizeCurve``, ``personalizeResult``, ...) for
tests and screenshots. Cancel while training stops it and keeps the best weights so far; when the job
is done the dialog emits ``modelCreated(name)`` (the window selects the new model) and shows the
before/after figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from latentcomposer.app.model_service import ModelInfo, list_titles
from latentcomposer.app.personalize import PersonalizeJob
from latentcomposer.core import Clip

LEVELS = (("finetune", "Fine-tune, then the style prior (minutes)"),
          ("prior", "Style prior only (seconds)"))


def choose_folder(parent: QWidget, start: str) -> str:
    """A folder chooser (tests replace it)."""
    return QFileDialog.getExistingDirectory(parent, "Folder of your MIDI files", start)


class ValidationCurve(QWidget):
    """The held-out NLL per window over the fine-tune's steps (lower is better), drawn live."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("personalizeCurve")
        self.setMinimumHeight(90)
        self.points: list[tuple[int, float]] = []
        self.setToolTip("Held-out NLL per window (lower is better) over the training steps")

    def set_points(self, points: Sequence[tuple[int, float]]) -> None:
        self.points = list(points)
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.rect().adjusted(6, 6, -6, -16)
        p.fillRect(self.rect(), self.palette().base())
        p.setPen(QPen(self.palette().mid().color()))
        p.drawRect(r)
        if len(self.points) < 2:
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "validation curve (held-out files)")
            return
        xs = [s for s, _ in self.points]
        ys = [v for _, v in self.points]
        x0, x1 = min(xs), max(xs) or 1
        y0, y1 = min(ys), max(ys)
        if y1 - y0 < 1e-9:
            y0, y1 = y0 - 1, y1 + 1
        poly = QPolygonF([QPointF(r.left() + (x - x0) / max(1, x1 - x0) * r.width(),
                                  r.bottom() - (y - y0) / (y1 - y0) * r.height()) for x, y in self.points])
        p.setPen(QPen(QColor(40, 120, 200), 2))
        p.drawPolyline(poly)
        best = min(range(len(ys)), key=ys.__getitem__)
        p.setBrush(QColor(220, 90, 40))
        p.drawEllipse(poly.at(best), 3.5, 3.5)
        p.setPen(QPen(self.palette().text().color()))
        p.drawText(self.rect().adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft,
                   f"held-out NLL {ys[0]:.1f} → best {ys[best]:.1f} (step {xs[best]})")


class PersonalizeDialog(QDialog):
    modelCreated = Signal(str)
    _event = Signal(str, object)  # from the job's thread, delivered on the UI thread

    def __init__(self, models: Sequence[ModelInfo], current: str | None = None,
                 clips: Sequence[Clip] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("personalizeDialog")
        self.setWindowTitle("Learn My Style")
        self.resize(640, 620)
        self.models = [m for m in models if m.complete]
        self.clips = list(clips)
        self.job: PersonalizeJob | None = None
        self.result: Any = None
        self.options_override: dict[str, Any] = {}  # tests: tiny, fast settings
        self._event.connect(self._on_event)

        self.model_combo = QComboBox(self)
        self.model_combo.setObjectName("personalizeModel")
        titles = list_titles(self.models)
        for m in self.models:
            self.model_combo.addItem(titles[m.name], m.name)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(current)))
        self.model_combo.currentIndexChanged.connect(lambda _i: self._rescan())
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setObjectName("personalizeFolder")
        self.folder_edit.setPlaceholderText("a folder of your MIDI files")
        self.folder_edit.editingFinished.connect(self._rescan)
        browse = self._button("personalizeChoose", "Choose Folder…", self._choose)
        use_clips = self._button("personalizeClips", "Use Project Clips", self.scan_clips)
        use_clips.setEnabled(bool(self.clips))
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        row.addWidget(use_clips)
        self.found = QTreeWidget(self)
        self.found.setObjectName("personalizeFound")
        self.found.setHeaderLabels(["File", "Track", "Bars", "Status"])
        self.found.setRootIsDecorated(False)
        self.found.setColumnWidth(0, 220)
        self.found.setColumnWidth(1, 170)
        self.found.setColumnWidth(2, 50)
        self.summary = QLabel("Choose a folder of your MIDI files, or use the project's clips.", self)
        self.summary.setObjectName("personalizeSummary")
        self.summary.setWordWrap(True)
        self.name_edit = QLineEdit("my_style", self)
        self.name_edit.setObjectName("personalizeName")
        self.level_combo = QComboBox(self)
        self.level_combo.setObjectName("personalizeLevel")
        for key, text in LEVELS:
            self.level_combo.addItem(text, key)
        self.minutes = QSpinBox(self)
        self.minutes.setObjectName("personalizeMinutes")
        self.minutes.setRange(1, 60)
        self.minutes.setValue(4)
        self.minutes.setSuffix(" min at most")
        form = QFormLayout()
        form.addRow("Start from:", self.model_combo)
        form.addRow("Music:", row)
        form.addRow("New model name:", self.name_edit)
        form.addRow("Learn:", self.level_combo)
        form.addRow("Time:", self.minutes)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("personalizeProgress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.time_left = QLabel("", self)
        self.time_left.setObjectName("personalizeTime")
        self.curve = ValidationCurve(self)
        self.result_label = QLabel("", self)
        self.result_label.setObjectName("personalizeResult")
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setWordWrap(True)
        self.start_button = self._button("personalizeStart", "Start", self.start)
        self.start_button.setEnabled(False)
        self.cancel_button = self._button("personalizeCancel", "Close", self.cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.found, 1)
        lay.addWidget(self.summary)
        prog = QHBoxLayout()
        prog.addWidget(self.progress, 1)
        prog.addWidget(self.time_left)
        lay.addLayout(prog)
        lay.addWidget(self.curve)
        lay.addWidget(self.result_label)
        lay.addLayout(buttons)
        self._source: Path | list[Clip] | None = None

    def _button(self, name: str, text: str, slot: Any) -> QPushButton:
        b = QPushButton(text, self)
        b.setObjectName(name)
        b.clicked.connect(lambda _=False: slot())
        return b

    # --- scanning --------------------------------------------------------------------------------
    def _model(self) -> ModelInfo | None:
        name = self.model_combo.currentData()
        return next((m for m in self.models if m.name == name), None)

    def _new_job(self) -> PersonalizeJob | None:
        info = self._model()
        if info is None:
            self.summary.setText("No model installed to start from.")
            return None
        if self.job is not None and self.job.running:
            return None
        self.job = PersonalizeJob(info.name, info.folder, self._event.emit)
        return self.job

    def _choose(self) -> None:
        folder = choose_folder(self, self.folder_edit.text())
        if folder:
            self.scan_folder(folder)

    def scan_folder(self, folder: str | Path) -> None:
        self.folder_edit.setText(str(folder))
        self._source = Path(folder)
        self._rescan()

    def scan_clips(self) -> None:
        self.folder_edit.setText("")
        self._source = list(self.clips)
        self._rescan()

    def _rescan(self) -> None:
        text = self.folder_edit.text().strip()
        if text and (not isinstance(self._source, Path) or str(self._source) != text):
            self._source = Path(text)
        if self._source is None:
            return
        job = self._new_job()
        if job is None:
            return
        self.start_button.setEnabled(False)
        self.found.clear()
        self.summary.setText("Reading the files…")
        job.start_scan(self._source)

    # --- running ----------------------------------------------------------------------------------
    def options(self) -> Any:
        from latentcomposer.model.finetune import FinetuneOptions

        return FinetuneOptions(level=self.level_combo.currentData(), max_minutes=float(self.minutes.value()),
                               **self.options_override)

    def start(self) -> None:
        if self.job is None or self.job.scan is None:
            return
        self.job.wait(2.0)  # the scan's thread ends just after it reports
        if self.job.running:
            return
        self.result_label.setText("")
        self.curve.set_points([])
        self.progress.setValue(0)
        self._running(True)
        self.job.start(self.name_edit.text().strip(), self.options())

    def _running(self, on: bool) -> None:
        self.start_button.setEnabled(not on)
        for w in (self.model_combo, self.folder_edit, self.name_edit, self.level_combo, self.minutes,
                  self.findChild(QPushButton, "personalizeChoose"), self.findChild(QPushButton, "personalizeClips")):
            if w is not None:
                w.setEnabled(not on if w.objectName() != "personalizeClips" else (not on and bool(self.clips)))
        self.cancel_button.setText("Cancel" if on else "Close")
        self.cancel_button.setToolTip("Stop training and keep the best weights so far" if on else "")

    def cancel_or_close(self) -> None:
        if self.job is not None and self.job.running and self.job.scan is not None \
                and self.cancel_button.text() == "Cancel":
            self.job.cancel()
            self.time_left.setText("stopping: keeping the best weights so far…")
            return
        self.reject()

    def reject(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()  # closing the window while training: keep the best so far, written off-thread
        super().reject()

    def _on_event(self, kind: str, payload: Any) -> None:
        if kind == "scanned":
            self._show_scan(payload)
        elif kind == "progress":
            self.progress.setValue(int(1000 * payload.fraction))
            if payload.seconds_left is not None:
                self.time_left.setText(f"about {_duration(payload.seconds_left)} left")
            else:
                self.time_left.setText(payload.message)
            if payload.curve:
                self.curve.set_points(payload.curve)
        elif kind == "done":
            self.result = payload
            self.progress.setValue(1000)
            self.time_left.setText("done" + (" (cancelled: best weights so far)" if payload.cancelled else ""))
            if payload.info.get("training"):
                self.curve.set_points(payload.info["training"]["curve"])
            self.result_label.setText(result_html(payload))
            self._running(False)
            self.start_button.setEnabled(False)
            self.modelCreated.emit(payload.name)
        elif kind == "error":
            self._running(False)
            self.start_button.setEnabled(bool(self.job and self.job.scan and self.job.scan.used))
            self.time_left.setText("")
            self.summary.setText(f"<b>Cannot learn from this:</b> {_escape(str(payload))}")

    def _show_scan(self, scan: Any) -> None:
        self.found.clear()
        for f in scan.files:
            item = QTreeWidgetItem([f.name, f.how, str(f.bars) if f.bars else "",
                                    f"{f.windows} windows" if f.used else f"skipped: {f.skipped}"])
            if not f.used:
                item.setForeground(3, QColor(170, 60, 40))
            self.found.addTopLevelItem(item)
        text = _escape(scan.summary())
        if len(scan.used) == 1:
            text += "<br>One file: the style prior only (a fine-tune needs files to hold out)."
        self.summary.setText(text)
        self.start_button.setEnabled(bool(scan.used))
        if not scan.used:
            try:
                scan.check_usable(self.model_combo.currentData() or "the model")
            except Exception as exc:  # StyleDataError: say what was found
                self.summary.setText(f"<b>Nothing to learn from:</b> {_escape(str(exc))}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def result_html(result: Any) -> str:
    """The before/after figures as a small table."""
    info = result.info
    b, a = info["before"], info["after"]
    rows = []
    for part, title in (("held_out", "held-out files"), ("source_test", "source music")):
        for key, what in (("greedy", "reconstruction, greedy"), ("search", "reconstruction, search"),
                          ("nll", "NLL per window")):
            bv, av = b.get(part, {}).get(key), a.get(part, {}).get(key)
            if bv is None and av is None:
                continue
            fmt = "{:.1f}" if key == "nll" else "{:.3f}"
            rows.append(f"<tr><td>{title}: {what}</td><td align='right'>{fmt.format(bv) if bv is not None else '-'}"
                        f"</td><td align='right'>{fmt.format(av) if av is not None else '-'}</td></tr>")
    rows.append(f"<tr><td>prior samples: distance to your files</td><td align='right'>{b['prior']['distance']:.2f}"
                f"</td><td align='right'>{a['prior']['distance']:.2f}</td></tr>")
    notes = "".join(f"<br><i>{_escape(n)}</i>" for n in result.notes)
    return (f"<b>{_escape(result.name)}</b> is ready and selected ({_escape(info['level_text'])}).{notes}"
            "<table cellspacing='6'><tr><th align='left'>figure</th><th>before</th><th>after</th></tr>"
            + "".join(rows) + "</table>")
