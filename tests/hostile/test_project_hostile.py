"""Hostile projects and autosaves (issue 31): every bad value is a ProjectError naming its JSON path;
whatever loads can be used and saved again; a bad autosave never stops the app from starting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from latentcomposer.app import autosave
from latentcomposer.app.project import (
    MAX_BYTES,
    ProjectData,
    ProjectError,
    apply_to_session,
    load_project,
    loads_project,
    save_project,
)
from latentcomposer.app.session import Session
from latentcomposer.core import Note

from .project_gen import Raw, dumps, every_path_cases, put, random_cases, valid_project

REPO = Path(__file__).resolve().parents[2]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _usable(data: ProjectData, tmp_path: Path) -> None:
    """What loaded must open in a session and save again (nothing the user made is lost)."""
    s = Session()
    apply_to_session(s, data, None)
    again = loads_project(Path(save_project(tmp_path / "again.lcproj", s)).read_text("utf-8"))
    assert [i.clip for i in again.items] == list(s.clips)
    if data.items:  # (with none, the session starts an empty clip)
        assert list(s.clips) == [i.clip for i in data.items]


# --- the reproduced findings ----------------------------------------------------------------
def test_current_of_the_wrong_type_only_means_no_current_clip(tmp_path: Path) -> None:
    data = loads_project(dumps(put(valid_project(), ("current",), [])))
    assert data.current is None
    _usable(data, tmp_path)


@pytest.mark.parametrize("path, words", [
    (("clips", 0, "clip", "time_signature"), "clips[0].clip.time_signature must be a list of 2, not an object"),
    (("clips", 0, "clip", "tempo"), "a 401-digit number at clips[0].clip.tempo"),
    (("latent", "codes"), "at latent.codes"),
    (("latent", "sliders", "z3"), "at latent.sliders.z3"),
    (("latent", "interpolation", "temperature"), "at latent.interpolation.temperature"),
])
def test_wrong_types_and_huge_numbers_name_their_path(path: tuple, words: str) -> None:
    d = valid_project()
    if path == ("latent", "codes"):
        path = ("latent", "codes", next(iter(d["latent"]["codes"])), 0)
    value = {} if path[-1] == "time_signature" else Raw("1" + "0" * 400)
    with pytest.raises(ProjectError) as info:
        loads_project(dumps(put(d, path, value)), "song.lcproj")
    assert str(info.value).startswith("song.lcproj: is damaged: ") and words in str(info.value)


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ProjectError, match="not valid JSON|must be finite|must be a number"):
        loads_project(dumps(put(valid_project(), ("clips", 0, "clip", "tempo"), Raw(raw))))


def test_json_bomb_and_deep_nesting() -> None:
    with pytest.raises(ProjectError):
        loads_project("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ProjectError, match="more than 64 levels"):
        loads_project(dumps(put(valid_project(), ("latent", "extra", "x"), Raw("[" * 100 + "]" * 100))))


def test_size_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.lcproj"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ProjectError, match="too large to be a project file"):
        load_project(big)


def test_clip_past_the_length_limit_is_refused() -> None:
    d = put(valid_project(), ("clips", 0, "clip", "notes", 0), [0, 60, 10**12, 100])
    with pytest.raises(ProjectError, match="quarter notes long"):
        loads_project(dumps(d))


# --- generated: every path, every hostile value --------------------------------------------
def _check(text: str, tmp_path: Path, what: object) -> str:
    try:
        data = loads_project(text, "fuzz.lcproj")
    except ProjectError as exc:
        message = str(exc)
        assert message.startswith("fuzz.lcproj: ") and len(message) < 600, (what, message)
        return "refused"
    except BaseException as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{what} escaped as {type(exc).__name__}: {exc}")
    _usable(data, tmp_path)
    return "loaded"


def test_every_path_with_every_hostile_value(tmp_path: Path) -> None:
    outcomes = {"refused": 0, "loaded": 0}
    for path, value, text in every_path_cases():
        outcomes[_check(text, tmp_path, (path, value))] += 1
    assert sum(outcomes.values()) > 2000
    assert outcomes["refused"] > 500 and outcomes["loaded"] > 100  # lenient where nothing is lost


def test_random_combinations(tmp_path: Path) -> None:
    for changes, text in random_cases(300, seed=31):
        _check(text, tmp_path, changes)


# --- autosave: quarantine, never block the start ---------------------------------------------
def bad_autosaves(folder: Path) -> list[Path]:
    """One of each kind of unreadable autosave, each under a dead process's id."""
    made = []
    for content in ["{not json", "\x00\xff binary", json.dumps({"format": "other"}),
                    dumps(put(valid_project(), ("clips", 0, "clip", "tempo"), Raw("1" + "0" * 400))),
                    dumps(put(valid_project(), ("clips", 0, "clip", "time_signature"), {}))]:
        path = folder / f"autosave-{dead_pid()}.lcproj"
        path.write_text(content, encoding="utf-8", errors="surrogateescape")
        made.append(path)
    odd = folder / f"autosave-{dead_pid()}.lcproj"
    odd.mkdir()  # a folder with an autosave's name
    made.append(odd)
    if hasattr(os, "mkfifo"):
        fifo = folder / f"autosave-{dead_pid()}.lcproj"
        os.mkfifo(fifo)  # reading it would block forever
        made.append(fifo)
    return made


def test_bad_autosaves_are_quarantined_and_good_ones_recovered(tmp_path: Path) -> None:
    s = Session()
    s.add_notes([Note(0, 64, 100)])
    good = autosave.Autosaver(s, tmp_path, pid=dead_pid())
    good.save()
    bad_autosaves(tmp_path)
    found = autosave.scan(tmp_path)
    assert [r.path for r in found.recoverable] == [good.path]
    assert len(found.quarantined) >= 6
    for q in found.quarantined:
        assert q.moved_to is not None and q.moved_to.parent == tmp_path / "damaged"
        assert (q.moved_to.exists() or q.moved_to.is_symlink()) and not q.original.exists()
        assert "could not be recovered" in q.message and str(q.moved_to) in q.message
    assert autosave.scan(tmp_path).quarantined == []  # moved once, not reported again


def test_scan_survives_a_bug_in_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    autosave.Autosaver(Session(), tmp_path, pid=dead_pid()).save()

    def broken(_path: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(autosave, "load_project", broken)
    found = autosave.scan(tmp_path)
    assert found.recoverable == [] and "RuntimeError: a bug" in found.quarantined[0].problem


def test_unreadable_autosave_folder_means_nothing_to_recover(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert autosave.scan(blocker) == autosave.Scan([], [])
    assert autosave.find_recoverable(blocker / "sub") == []


# --- autosave timing: debounced after edits ---------------------------------------------------
def test_debounced_autosave_after_a_pause_and_during_a_long_burst(tmp_path: Path) -> None:
    s = Session()
    saver = autosave.Autosaver(s, tmp_path)
    assert not saver.tick(0.0) and not saver.path.exists()
    s.add_notes([Note(0, 60, 10)])
    assert not saver.tick(1.0)  # edits still coming
    assert saver.tick(1.0 + autosave.QUIET_S)  # paused: saved
    assert not saver.tick(10.0)  # nothing new
    t = 20.0
    saved_at = []
    while t < 20.0 + 3 * autosave.MAX_DELAY_S:  # an edit every second, never pausing
        s.add_notes([Note(int(t), 61, int(t) + 1)])
        if saver.tick(t):
            saved_at.append(t)
        t += autosave.POLL_S
    assert saved_at and saved_at[0] - 20.0 <= autosave.MAX_DELAY_S
    assert all(b - a <= autosave.MAX_DELAY_S + autosave.POLL_S for a, b in zip(saved_at, saved_at[1:], strict=False))
    s.undo_stack.set_clean()
    s.mark_saved(tmp_path / "x.lcproj")
    saver.tick(t)
    assert not saver.path.exists()  # saved by the user: nothing to recover


CHILD = textwrap.dedent("""
    import os, signal, sys, time
    from latentcomposer.app import autosave
    from latentcomposer.app.session import Session
    from latentcomposer.core import Note
    autosave.QUIET_S = 0.2
    s = Session()
    saver = autosave.Autosaver(s, sys.argv[1])
    for k in range(20):  # a burst of edits
        s.add_notes([Note(k * 10, 60 + k % 12, k * 10 + 5)])
        saver.tick()
    while not saver.tick():  # the GUI's poll, faster
        time.sleep(0.05)
    s.add_notes([Note(999, 90, 1000)])  # the edit the crash takes with it
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX kill -9")
def test_kill_9_after_an_edit_burst_keeps_the_burst(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], cwd=REPO, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    (rec,) = autosave.find_recoverable(tmp_path)
    notes = rec.data.items[0].clip.notes
    assert len(notes) == 20 and Note(999, 90, 1000) not in notes
