"""Issue 27, defect 4: long and huge clips. A huge file is read on a worker with a progress dialog and
Cancel while the event loop keeps turning; a long clip's preview decodes the windows in view first and
the rest block by block, stale blocks dropped; Apply waits for the whole clip. (Timings:
benchmarks/huge_clips.py.)"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton

from latentcomposer.app.latent import controller as ctl_module
from latentcomposer.core import Clip, Note, TimeSignature
from latentcomposer.core.examples import example_clip
from latentcomposer.io.midifile import ReadCancelled, write_midi
from latentcomposer.ui import file_ops
from latentcomposer.ui.main_window import MainWindow

from .issue27_rig import shot
from .latent_rig import Rig, tiny_models  # noqa: F401


def long_clip(bars: int = 2000, ppq: int = 96) -> Clip:
    """A 2,000-bar melody in 2/4 (the longest metre that fits the clip limit at 2,000 bars)."""
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    notes = [Note(b * 2 * ppq + k * ppq // 2, scale[(b * 3 + k) % 8], b * 2 * ppq + (k + 1) * ppq // 2 - 4, 90)
             for b in range(bars) for k in range(4)]
    return Clip(tuple(notes), ppq=ppq, time_signature=TimeSignature(2, 4), name="Long", length=bars * 2 * ppq)


def huge_clip(n_notes: int = 200_000, ppq: int = 96) -> Clip:
    """200,000 notes: chords of 13 on every 16th over 962 bars of 4/4."""
    step = ppq // 4
    notes = [Note(k // 13 * step, 36 + (k // 13 * 7 + k % 13 * 5) % 60, k // 13 * step + step - 1, 80)
             for k in range(n_notes)]
    return Clip(tuple(notes), ppq=ppq, name="Huge")


def slow_reader(monkeypatch: Any, stop: threading.Event) -> list[threading.Thread]:
    """``read_tracks`` that reports progress until ``stop`` (a huge file's parse), then reads for real."""
    real = file_ops.read_tracks
    readers: list[threading.Thread] = []

    def slow(path: Path, progress: Any = None) -> Any:
        readers.append(threading.current_thread())
        k = 0
        while not stop.is_set() and k < 2000:  # at most ~20 s
            k += 1
            if progress is not None:
                progress(min(0.9, k / 200))
            time.sleep(0.01)
        return real(path, progress)

    monkeypatch.setattr(file_ops, "read_tracks", slow)
    return readers


def test_open_runs_on_a_worker_with_progress_while_the_loop_turns(window: MainWindow, tmp_path: Path,
                                                                 monkeypatch: Any) -> None:
    path = write_midi(tmp_path / "tune.mid", [example_clip("mary")])
    stop = threading.Event()
    readers = slow_reader(monkeypatch, stop)
    ticks: list[int] = []
    seen: list[int] = []

    def tick() -> None:  # on the UI thread: it runs only while the event loop turns
        ticks.append(1)
        box = window.findChild(QProgressDialog, "readProgress")
        if box is not None and box.isVisible() and "tune.mid" in box.labelText():
            seen.append(box.value())
            if box.value() > 300:
                shot(box, "open_progress")  # (a window of its own: window.grab() leaves it out)
                stop.set()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(20)
    assert window.files.open_midi(path)
    timer.stop()
    assert readers and readers[0] is not threading.main_thread()
    assert stop.is_set() and len(ticks) >= 3  # the loop turned while the file was read
    assert seen and max(seen) > 300  # the dialog showed how far the read got, not only "busy"
    box = window.findChild(QProgressDialog, "readProgress")
    assert box is None or not box.isVisible()
    assert [c.name for c in window.session.clips] == ["Mary"]  # the result arrived


def test_cancel_stops_the_read_and_leaves_the_session(window: MainWindow, tmp_path: Path, monkeypatch: Any) -> None:
    path = write_midi(tmp_path / "tune.mid", [example_clip("mary")])
    stop = threading.Event()
    slow_reader(monkeypatch, stop)
    before = [c.name for c in window.session.clips]
    ended = threading.Event()
    real_cancelled = file_ops.ReadCancelled

    class Watched(real_cancelled):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            ended.set()  # the worker's progress call raised: it stops reading

    monkeypatch.setattr(file_ops, "ReadCancelled", Watched)
    messages: list[str] = []
    monkeypatch.setattr(window, "show_message", lambda text, *_: messages.append(text))

    def press_cancel() -> None:
        box = window.findChild(QProgressDialog, "readProgress")
        if box is not None and box.isVisible() and box.value() > 0:
            button = box.findChild(QPushButton)  # the dialog's Cancel button, as the user presses it
            assert button is not None
            button.click()

    timer = QTimer()
    timer.timeout.connect(press_cancel)
    timer.start(30)
    assert not window.files.open_midi(path)
    timer.stop()
    assert [c.name for c in window.session.clips] == before
    assert any("cancelled" in m for m in messages)
    assert ended.wait(5)  # the worker stopped at its next progress report
    stop.set()
    assert issubclass(Watched, ReadCancelled)


def test_a_200k_note_file_opens_while_the_loop_turns(window: MainWindow, tmp_path: Path, monkeypatch: Any) -> None:
    path = write_midi(tmp_path / "huge.mid", [huge_clip()])
    real = file_ops.read_tracks

    def paced(p: Path, report: Any = None, *rest: Any) -> Any:
        """The real reader, each progress report held 10 ms: a read lasts long enough to watch on a fast
        machine too (the dialog shows after 150 ms; the timer ticks every 20 ms)."""
        def slow_report(fraction: float) -> None:
            time.sleep(0.01)
            if report is not None:
                report(fraction)

        return real(p, slow_report, *rest)

    monkeypatch.setattr(file_ops, "read_tracks", paced)
    ticks: list[float] = []
    progress: list[int] = []

    def tick() -> None:
        ticks.append(time.monotonic())
        box = window.findChild(QProgressDialog, "readProgress")
        if box is not None and box.isVisible():
            progress.append(box.value())

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(20)
    assert window.files.open_midi(path)
    timer.stop()
    assert len(window.session.current_clip.notes) == 200_000
    assert len(ticks) >= 5 and progress and progress[-1] > progress[0]  # it moved while the file was read


def long_rig(qtbot: Any, root: Path) -> Rig:
    return Rig(qtbot, root, clips=[long_clip()])


def test_long_clip_preview_decodes_the_bars_in_view_first(qtbot: Any, tiny_models: Path) -> None:  # noqa: F811
    rig = long_rig(qtbot, tiny_models)
    try:
        rig.load()
        rig.idle(30000)
        code = rig.tools.ctl.code
        assert code is not None and len(code.base) == 500  # the model hears all 2,000 bars, 2 of 4/4 a window
        rig.engine.delays["decode"] = 0.05  # a real model's pace, per block
        before = len(rig.engine.called("decode"))
        rig.panel.rows[next(iter(rig.panel.rows))].slider.setValue(150)
        qtbot.waitUntil(lambda: rig.tools.ctl.shown is not None, timeout=10000)
        shown = rig.tools.ctl.shown
        assert shown is not None and not shown.complete and "of 2,000" in shown.label
        first = rig.engine.called("decode")[before]
        assert len(first[0][0]) <= ctl_module.LONG_WINDOWS  # the first decode: the windows in view only
        assert not rig.panel.apply_button.isEnabled()  # Apply waits for the whole clip
        shot(rig.window, "long_clip_preview")
        qtbot.waitUntil(lambda: rig.tools.ctl.shown is not None and rig.tools.ctl.shown.complete, timeout=60000)
        assert rig.tools.ctl.preview is not None
        assert rig.tools.ctl.preview.clip.end_tick == 2000 * 2 * 96  # all 2,000 bars decoded
        assert rig.panel.apply_button.isEnabled()
    finally:
        rig.close()


def test_a_new_slider_move_drops_the_stale_blocks(qtbot: Any, tiny_models: Path) -> None:  # noqa: F811
    rig = long_rig(qtbot, tiny_models)
    try:
        rig.load()
        rig.idle(30000)
        rig.engine.delays["decode"] = 0.1
        slider = rig.panel.rows[next(iter(rig.panel.rows))].slider
        before = len(rig.engine.called("decode"))
        slider.setValue(150)
        qtbot.waitUntil(lambda: rig.tools.ctl.shown is not None, timeout=10000)
        stamp = rig.tools.ctl.shown.stamp if rig.tools.ctl.shown else 0
        slider.setValue(-150)  # while the first move's other blocks are being decoded
        qtbot.waitUntil(lambda: rig.tools.ctl.shown is not None and rig.tools.ctl.shown.complete, timeout=60000)
        assert rig.tools.ctl.shown is not None and rig.tools.ctl.shown.stamp > stamp
        calls = len(rig.engine.called("decode")) - before
        per_request = 1 + -(-(500 - ctl_module.LONG_WINDOWS) // ctl_module.BLOCK_WINDOWS) + 1  # (+ a quick one)
        assert calls < 2 * per_request - 3  # most of the first move's blocks never ran
    finally:
        rig.close()
