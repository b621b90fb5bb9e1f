"""Autosave files and finding what a crashed session left."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from latentcomposer.app import autosave
from latentcomposer.app.project import load_project
from latentcomposer.app.session import Session
from latentcomposer.core import Note
from latentcomposer.core.examples import example_clip


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_autosave_only_when_modified(tmp_path: Path) -> None:
    s = Session([example_clip("twinkle")])
    saver = autosave.Autosaver(s, tmp_path)
    assert not saver.maybe_save() and not saver.path.exists()
    s.add_notes([Note(0, 90, 100)])
    assert saver.maybe_save() and saver.path.exists()
    assert not saver.maybe_save()  # nothing new since
    data = load_project(saver.path)
    assert data.items[0].clip == s.current_clip
    assert data.meta["autosave"]["pid"] == saver.pid
    s.undo()  # back to the saved (clean) state: nothing to recover any more
    assert not saver.maybe_save() and not saver.path.exists()


def test_default_folder_is_under_the_data_dir(user_dirs: dict[str, Path]) -> None:
    saver = autosave.Autosaver(Session())
    assert saver.directory == user_dirs["data"] / "autosave"


def test_recoverable_only_from_dead_processes(tmp_path: Path) -> None:
    s = Session([example_clip("mary")])
    s.add_notes([Note(0, 90, 100)])
    s.path = tmp_path / "mine.lcproj"
    mine = autosave.Autosaver(s, tmp_path)
    mine.save()
    crashed = autosave.Autosaver(s, tmp_path, pid=dead_pid())
    crashed.save()
    (tmp_path / "autosave-123abc.lcproj").write_text("junk")
    (tmp_path / f"autosave-{dead_pid()}.lcproj").write_text("{not json")  # unreadable: skipped
    found = autosave.find_recoverable(tmp_path)
    assert [r.path for r in found] == [crashed.path]
    rec = found[0]
    assert rec.data.items[0].clip == s.current_clip
    assert rec.original == str(tmp_path / "mine.lcproj")
    assert "mine.lcproj (1 clip)" in rec.description
    autosave.discard(rec)
    assert autosave.find_recoverable(tmp_path) == []


def test_pid_alive() -> None:
    import os

    assert autosave.pid_alive(os.getpid())
    assert not autosave.pid_alive(dead_pid())
    assert not autosave.pid_alive(0)


def test_missing_folder_means_nothing_to_recover(tmp_path: Path) -> None:
    assert autosave.find_recoverable(tmp_path / "nope") == []


def test_write_failure_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    s = Session()
    s.add_notes([Note(0, 60, 10)])
    saver = autosave.Autosaver(s, blocker / "sub")
    assert not saver.maybe_save()
    assert saver.last_error and "cannot be written" in saver.last_error
