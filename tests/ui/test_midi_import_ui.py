"""Opening MIDI files in the GUI: read off the UI thread with a busy dialog (a huge file must not freeze
the window), errors as messages, and an interpolation slot takes the track the loaded model reads."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog

from latentcomposer.core import DRUM_CHANNEL
from latentcomposer.core.examples import example_clip, example_drums
from latentcomposer.io.midifile import write_midi
from latentcomposer.ui import file_ops
from latentcomposer.ui.main_window import MainWindow

from .latent_rig import Rig, rig, tiny_models  # noqa: F401


def test_a_slow_read_runs_off_the_ui_thread_with_a_busy_dialog(window: MainWindow, tmp_path: Path,
                                                              monkeypatch: Any) -> None:
    path = write_midi(tmp_path / "tune.mid", [example_clip("mary")])
    real = file_ops.read_tracks
    readers: list[threading.Thread] = []
    seen_busy = threading.Event()  # set by a timer on the UI thread: its event loop runs during the read

    def slow(p: Path, progress: Any = None) -> Any:  # a 200k-note file takes seconds: this one lasts until shown
        readers.append(threading.current_thread())
        seen_busy.wait(20)
        return real(p, progress)

    monkeypatch.setattr(file_ops, "read_tracks", slow)

    def tick() -> None:
        box = window.findChild(QProgressDialog, "readProgress")  # (a progress dialog with Cancel: issue 27)
        if box is not None and box.isVisible() and "tune.mid" in box.labelText():
            seen_busy.set()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(20)
    assert window.files.open_midi(path)
    timer.stop()
    assert readers and readers[0] is not threading.main_thread()
    assert seen_busy.is_set()  # the window went on painting, with a busy dialog, while the file was read
    box = window.findChild(QProgressDialog, "readProgress")
    assert box is None or not box.isVisible()
    assert [c.name for c in window.session.clips] == ["Mary"]


def test_a_slot_takes_the_track_the_model_reads(rig: Rig, qtbot: Any, tmp_path: Path,  # noqa: F811
                                                dialogs: Any) -> None:
    rig.load()
    kit = example_drums(2).copy(name="Kit", channel=DRUM_CHANNEL)
    path = write_midi(tmp_path / "band.mid", [kit, example_clip("mary").copy(name="Lead")])
    view = rig.timeline.interpolation
    n = len(rig.session.items)
    assert view.slot_a.load_path(path)
    st = rig.session.latent.interpolation
    assert len(rig.session.items) == n + 1 and rig.session.item(st.slot_a).clip.name == "Lead"
    assert any("slot A takes" in m and "Lead" in m for m in rig.messages)
    bad = tmp_path / "bad.mid"
    bad.write_text("not MIDI")
    assert not view.slot_b.load_path(bad)  # an error dialog, not a traceback; nothing added
    assert dialogs.errors and dialogs.errors[-1][0] == "Cannot open MIDI file" and "bad.mid" in dialogs.errors[-1][1]
    assert len(rig.session.items) == n + 1
