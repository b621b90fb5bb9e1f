"""Autosave from the window, and recovery after a crash."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from latentcomposer.app import autosave
from latentcomposer.app.project import load_project
from latentcomposer.app.session import Session
from latentcomposer.core import Note
from latentcomposer.core.examples import example_clip
from latentcomposer.ui.main_window import MainWindow

from .conftest import make_window


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_autosave_file_appears_soon_after_an_edit(window: MainWindow, user_dirs: dict[str, Path]) -> None:
    assert window.autosave_timer.isActive() and window.autosave_timer.interval() == 1000
    path = user_dirs["data"] / "autosave" / f"autosave-{window.autosaver.pid}.lcproj"
    window.autosave_timer.timeout.emit()
    assert not path.exists()  # nothing changed yet
    window.session.add_notes([Note(0, 60, 240)])
    t0 = time.monotonic()
    assert not window.autosaver.tick(now=t0)  # the edit is seen; the debounce waits for a pause
    assert not path.exists()
    assert window.autosaver.tick(now=t0 + 2.5)  # 2 s quiet: saved
    assert path.exists()
    assert load_project(path).items[0].clip.notes == (Note(0, 60, 240),)
    window.shutdown()  # a clean exit removes it
    assert not path.exists()


def crash_leftover(user_dirs: dict[str, Path]) -> Session:
    """What a crashed run leaves: an autosave whose process is gone."""
    crashed = Session([example_clip("ode_to_joy")])
    crashed.add_clip(example_clip("mary"))
    crashed.add_notes([Note(0, 90, 120)])
    autosave.Autosaver(crashed, user_dirs["data"] / "autosave", pid=dead_pid()).save()
    return crashed


def test_recovery_restores_the_crashed_session(qtbot: Any, dialogs, user_dirs: dict[str, Path]) -> None:
    crashed = crash_leftover(user_dirs)
    w = make_window(qtbot)
    dialogs.choices.append("Recover")
    assert w.files.offer_recovery()
    assert "did not close properly" in dialogs.questions[0] and "2 clips" in dialogs.questions[0]
    assert w.session.clips == crashed.clips and w.session.current_uid == crashed.current_uid
    assert w.session.modified and w.windowTitle().startswith("Untitled")
    leftovers = autosave.find_recoverable(user_dirs["data"] / "autosave")
    assert leftovers == []  # the old file is gone; this session autosaves under its own pid
    assert w.autosaver.path.exists()
    w.shutdown()


def test_discarding_the_recovery(qtbot: Any, dialogs, user_dirs: dict[str, Path]) -> None:
    crash_leftover(user_dirs)
    w = make_window(qtbot)
    dialogs.choices.append("Not now")
    assert not w.files.offer_recovery()
    assert len(autosave.find_recoverable(user_dirs["data"] / "autosave")) == 1  # kept for later
    dialogs.choices.append("Discard")
    assert not w.files.offer_recovery()
    assert autosave.find_recoverable(user_dirs["data"] / "autosave") == []
    assert w.session.current_clip.notes == ()
    w.shutdown()


def test_no_question_without_a_crash(window: MainWindow, dialogs) -> None:
    assert not window.files.offer_recovery()
    assert dialogs.questions == []
