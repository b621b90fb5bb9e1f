"""Project files: round trip, the version-1 format, atomic saves, damaged files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from latentcomposer.app import project
from latentcomposer.app.project import ProjectError, apply_to_session, load_project, save_project
from latentcomposer.app.session import Session
from latentcomposer.core import Clip, Note, TempoChange, TimeSignature, TimeSignatureChange
from latentcomposer.core.examples import example_clip

PROJECTS = Path(__file__).resolve().parents[1] / "data" / "projects"
DAMAGED = ["truncated", "not_json", "not_a_project", "future_version", "bad_note", "duplicate_ids", "binary"]


def rich_session() -> Session:
    s = Session([example_clip("twinkle")])
    odd = Clip((Note(0, 36, 24, 110), Note(10, 42, 20, 60)), ppq=96, tempo=133.5,
               time_signature=TimeSignature(7, 8), name="Drums ü", program=0, is_drum=True, channel=9,
               length=96 * 7, tempo_changes=(TempoChange(96, 140.0),),
               time_signature_changes=(TimeSignatureChange(336, TimeSignature(4, 4)),))
    item = s.add_clip(odd, origin="generated", source="model x")
    s.update_latent(model="melody_2bar", codes={item.uid: [0.5, -0.25]}, sliders={"z3": 1.5})
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", item.uid)
    s.update_playback(output="none", soundfont="/x/y.sf2", metronome=True, loop=(0, 960), loop_enabled=True)
    return s


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    s = rich_session()
    path = save_project(tmp_path / "song.lcproj", s)
    data = load_project(path)
    assert [i.clip for i in data.items] == list(s.clips)
    assert [(i.uid, i.origin, i.source) for i in data.items] == [(i.uid, i.origin, i.source) for i in s.items]
    assert data.current == s.current_uid
    assert data.latent == s.latent and data.playback == s.playback
    fresh = Session()
    apply_to_session(fresh, data, path)
    assert fresh.clips == s.clips and fresh.path == path and not fresh.modified
    assert not fresh.undo_stack.can_undo


def test_version_1_file_reads(tmp_path: Path) -> None:
    data = load_project(PROJECTS / "v1_two_clips.lcproj")
    melody, beat = (i.clip for i in data.items)
    assert melody.name == "Melody" and melody.program == 73 and melody.time_signature == TimeSignature(3, 4)
    assert melody.tempo_changes == (TempoChange(1440, 120.0),) and melody.length == 2880
    assert melody.notes[2] == Note(960, 71, 1920, 100)
    assert beat.is_drum and beat.ppq == 96 and beat.channel == 9
    assert data.current == "0f9e8d7c6b5a"
    assert data.latent.model == "melody_2bar" and data.latent.codes["a1b2c3d4e5f6"] == [0.25, -1.5, 0.0]
    assert data.latent.sliders == {"z0": 0.75, "density": -0.5}
    assert data.latent.interpolation.steps == 7 and data.latent.interpolation.slot_b == "0f9e8d7c6b5a"
    assert data.latent.extra == {"map_view": [0, 0, 1]}
    assert data.playback.output == "midi" and data.playback.port == "Synth 1" and data.playback.loop == (0, 1440)


@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_projects_raise_a_user_message(name: str) -> None:
    with pytest.raises(ProjectError) as err:
        load_project(PROJECTS / f"{name}.lcproj")
    message = str(err.value)
    assert message.startswith(f"{name}.lcproj: ") and "Traceback" not in message


def test_specific_messages(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="newer latentcomposer"):
        load_project(PROJECTS / "future_version.lcproj")
    with pytest.raises(ProjectError, match="pitch 200"):
        load_project(PROJECTS / "bad_note.lcproj")
    with pytest.raises(ProjectError, match="no such file"):
        load_project(tmp_path / "missing.lcproj")
    with pytest.raises(ProjectError, match="folder"):
        load_project(tmp_path)


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "projects"
    path = folder / "song.lcproj"
    save_project(path, Session([example_clip("mary")]))
    before = path.read_bytes()

    def broken_replace(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ProjectError, match="No space left"):
        save_project(path, rich_session())
    assert path.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["song.lcproj"]  # no temporary file left


def test_nan_in_latent_codes_is_refused(tmp_path: Path) -> None:
    s = Session()
    s.update_latent(codes={s.current_uid: [float("nan")]})
    with pytest.raises(ProjectError, match="cannot be saved"):
        save_project(tmp_path / "x.lcproj", s)
    assert not (tmp_path / "x.lcproj").exists()


def test_saved_json_is_versioned_and_readable(tmp_path: Path) -> None:
    path = save_project(tmp_path / "x.lcproj", rich_session())
    d = json.loads(path.read_text(encoding="utf-8"))
    assert d["format"] == project.FORMAT and d["version"] == project.VERSION
    assert d["clips"][0]["clip"]["notes"][0] == [0, 60, 480, 90]


def test_migrations_run_for_older_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(project, "VERSION", 2)
    monkeypatch.setitem(project.MIGRATIONS, 1, lambda d: {**d, "version": 2, "clips": []})
    data = project.project_from_dict(json.loads((PROJECTS / "v1_two_clips.lcproj").read_text()))
    assert data.items == []
