"""A clip's chord lane and key in the app (issue 25): undoable edits, transposing with the clip, the
project file (old files without lanes still open), playback and MIDI export of the chords, the key lock,
and the latent jobs decoding over the lane with a tiny chord-conditioned model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from latentcomposer.app import harmony
from latentcomposer.app.latent import jobs
from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
from latentcomposer.app.project import ProjectError, load_project, loads_project, save_project
from latentcomposer.app.session import Session
from latentcomposer.core import ChordTrack, Clip, Note, parse_chord
from latentcomposer.core.examples import example_clip
from latentcomposer.core.harmony import Key, out_of_key, parse_key, snap_to_key, voicing
from latentcomposer.io.midifile import read_midi, write_midi
from tests.app.piano_models import chord_clip

PROGRESSION = "C Am F G"


def test_chords_and_key_are_undoable_and_transpose_with_the_clip() -> None:
    s = Session([example_clip("twinkle")])
    events: list[frozenset[str]] = []
    s.listen(events.append)
    track = ChordTrack.from_symbols(PROGRESSION)
    s.set_chords(track, "Type chords")
    assert s.current.chords == track and "chords" in events[-1] and s.modified
    s.set_chords(track.with_chord(16, 32, "Dm7"), "Set chord Dm7")
    assert str(s.current.chords.at(20)) == "Dm7"
    s.set_key(parse_key("A minor"))
    assert s.current.key == Key(9, "minor") and s.undo_stack.undo_label == "Set key to A minor"
    s.undo()
    assert s.current.key is None
    s.undo()
    assert s.current.chords == track
    s.redo()
    s.redo()
    s.transpose_selection(2)  # the whole clip: its chords and key move with it, one undo step
    assert [str(e.chord) for e in s.current.chords] == ["D", "Em7", "G", "A"]
    assert s.current.key == Key(11, "minor") and s.current_clip.notes[0].pitch == example_clip("twinkle").notes[0].pitch + 2
    s.undo()
    assert str(s.current.chords.at(20)) == "Dm7" and s.current.key == Key(9, "minor")
    # editing the notes keeps the lane (the item carries it)
    s.add_notes([Note(0, 40, 240, 90)])
    assert s.current.chords is not None
    s.set_chords(None, "Clear chords")
    assert s.current.chords is None
    s.undo()
    assert s.current.chords is not None


def test_projects_keep_the_lane_and_old_projects_still_open(tmp_path: Path) -> None:
    s = Session([example_clip("twinkle"), example_clip("mary")])
    s.set_chords(ChordTrack.from_symbols("C G | Am F | F C/E"), "Type chords")
    s.set_key(Key(7, "major"))
    s.update_playback(chords=True)
    path = save_project(tmp_path / "song.lcproj", s)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["clips"][0]["chords"][:2] == [[0, 8, "C"], [8, 16, "G"]] and raw["clips"][0]["key"] == "G major"
    assert "chords" not in raw["clips"][1]  # a clip without a lane stores nothing new
    data = load_project(path)
    assert data.items[0].chords == s.items[0].chords and data.items[0].key == Key(7, "major")
    assert data.items[1].chords is None and data.playback.chords
    # a project written before lanes existed (no "chords"/"key" keys) opens as before
    for c in raw["clips"]:
        c.pop("chords", None)
        c.pop("key", None)
    raw["playback"].pop("chords")
    old = loads_project(json.dumps(raw))
    assert old.items[0].chords is None and old.items[0].key is None and not old.playback.chords
    # a damaged lane is refused with a message naming where
    raw["clips"][0]["chords"] = [[0, 16, "Hm7"]]
    with pytest.raises(ProjectError, match=r"clips\[0\]\.chords.*Hm7"):
        loads_project(json.dumps(raw))
    raw["clips"][0]["chords"] = [[0, 16, "C"]]
    raw["clips"][0]["key"] = "H major"
    with pytest.raises(ProjectError, match=r"clips\[0\]\.key"):
        loads_project(json.dumps(raw))


def test_detected_lane_and_key_of_a_clip() -> None:
    piano = chord_clip(4)  # C Am F G block chords under a top line
    lane = harmony.detect_lane(piano, "bar")
    assert [str(e.chord.without_bass()) for e in lane] == ["C", "Am", "F", "G"]
    assert [(e.start_step, e.end_step) for e in lane] == [(0, 16), (16, 32), (32, 48), (48, 64)]
    assert harmony.detect_lane(example_clip("twinkle"), "bar")  # a melody alone gets plainer chords
    s = Session([example_clip("twinkle"), Clip(name="empty")])
    assert harmony.key_of(s.current).text == "Key: C major" and not harmony.key_of(s.current).set
    s.set_key(Key(9, "minor"))
    info = harmony.key_of(s.current)
    assert info.set and info.text == "Key: A minor"
    assert harmony.key_of(s.items[1]).text == "Key: not enough notes"
    s.set_chords(ChordTrack.from_symbols("Am Dm E7 Am"), "Type chords", uid=s.items[1].uid)
    assert harmony.key_of(s.items[1]).text == "Key: A minor"  # an empty clip: the key of its chords


def test_key_lock_snaps_out_of_key_notes() -> None:
    c_major = Key(0, "major")
    clip = Clip((Note(0, 61, 240), Note(240, 66, 480), Note(480, 60, 720), Note(720, 70, 960)))
    assert out_of_key(clip, c_major) == 3
    snapped = snap_to_key(clip, c_major)
    assert [n.pitch for n in snapped.notes] == [60, 65, 60, 69] and out_of_key(snapped, c_major) == 0
    assert [n.start for n in snapped.notes] == [n.start for n in clip.notes]  # only pitches move
    assert snap_to_key(clip, Key(1, "major")).notes[0].pitch == 61  # C# is in C# major


def test_chords_sound_on_their_own_channel_and_export_as_a_chord_track(tmp_path: Path) -> None:
    s = Session([example_clip("twinkle")])
    s.set_chords(ChordTrack.from_symbols(PROGRESSION), "Type chords")
    assert s.current.chords is not None
    pad = harmony.chord_clip(s.current.chords, s.current_clip)
    assert pad.channel == harmony.CHORD_CHANNEL and pad.program == harmony.PAD_PROGRAM
    assert sorted({n.pitch for n in pad.notes if n.start == 0}) == sorted(voicing(parse_chord("C")))
    assert {n.start for n in pad.notes} == {0, 1920, 3840, 5760}
    player = PlaybackService(InMemoryBackend(), threaded=False)
    scheduled: list[list[Clip]] = []
    player.sequencer.set_clips = lambda clips: scheduled.append(list(clips))  # type: ignore[method-assign]
    player.set_clip(s.current_clip)
    player.set_chords(pad)
    assert scheduled[-1] == [s.current_clip, pad]
    player.set_chords(None)
    assert scheduled[-1] == [s.current_clip]
    clips = harmony.export_clips([s.current])
    assert [c.name for c in clips] == ["Twinkle", "Chords"]
    path = write_midi(tmp_path / "out.mid", clips)
    back = read_midi(path)
    chords = [c for c in back if harmony.is_chord_track(c)]
    assert len(chords) == 1
    assert [str(e.chord) for e in harmony.read_chord_track(chords[0])] == PROGRESSION.split()


@pytest.fixture(scope="module")
def chord_engine(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - an Engine
    from latentcomposer.model.engine import Engine
    from tests.helpers_models import make_tiny_chords_model

    folder = make_tiny_chords_model(tmp_path_factory.mktemp("chords") / "tiny_mel_chords")
    return Engine.load(folder, device="cpu", warmup=False, decoding="greedy")


def test_previews_decode_over_the_lane_and_keep_the_key(chord_engine) -> None:  # noqa: ANN001
    eng = chord_engine
    clip = example_clip("twinkle").slice_bars(0, 4)
    n = eng.clip_steps(clip)
    z = np.random.default_rng(0).standard_normal((2, eng.z_dim)).astype(np.float32)

    def preview(chords: ChordTrack | None, key: Key | None = None) -> Clip:
        req = jobs.PreviewRequest("uid", z, (), None, 0.0, 0, "none", None, clip, n, eng.name, chords, key)
        return jobs.decode_preview(eng, req).clip

    over_c = preview(ChordTrack.from_symbols("C C C C"))
    over_fs = preview(ChordTrack.from_symbols("F# F# F# F#"))
    assert [x.pitch for x in over_c.notes] != [x.pitch for x in over_fs.notes]  # the lane steers it
    assert preview(ChordTrack.from_symbols("C C C C")).notes == over_c.notes  # deterministic
    locked = preview(ChordTrack.from_symbols("F# F# F# F#"), Key(0, "major"))
    assert out_of_key(locked, Key(0, "major")) == 0
    enc = jobs.encode_clip(eng, "uid", clip, 0, ChordTrack.from_symbols(PROGRESSION))
    plain = jobs.encode_clip(eng, "uid", clip, 0, None)
    assert enc.mu.shape == plain.mu.shape == (2, eng.z_dim)  # (the encoder does not read chords yet)
    res = jobs.interpolate(eng, clip, example_clip("mary").slice_bars(0, 4), 1, "slerp", 0.0, 0,
                           ChordTrack.from_symbols("F# F# F# F#"), Key(0, "major"))
    assert len(res.clips) == 3 and all(out_of_key(c, Key(0, "major")) == 0 for c in res.clips)


LANE_SONGS = ("040", "104", "115")  # POP909 test-split songs (split_of("pop909", ...) == "test")


def test_the_lane_detects_pop909_chords_as_annotated(shared_data: Path) -> None:
    """"Detect chords" on real POP909 arrangements (all tracks, on the annotated beat grid) against the
    annotations, roots on the annotated beats that hold a chord. Measured on the first 18 test-split songs
    (2026-11-30): per beat mean 0.947, lowest song 0.79; per bar mean 0.670, lowest 0.49 (one chord a bar
    cannot follow POP909's two-chord bars: its ceiling is 0.761, docs/MODELS.md). These three songs gave
    0.970 / 0.996 / 0.986 per beat and 0.777 / 0.721 / 0.758 per bar; the thresholds are on the pooled
    figure, below the 18 songs' mean, so a small detector change does not fail it."""
    from latentcomposer.data.corpora import BeatGrid
    from latentcomposer.data.pop909_chords import chord_track, read_song_notes

    hits: dict[str, list[bool]] = {"beat": [], "bar": []}
    for sid in LANE_SONGS:
        d = shared_data / "pop909" / sid
        grid = BeatGrid.read(d)
        ref = chord_track(d, grid)
        clip = Clip.from_steps(read_song_notes(d, grid), n_steps=ref.end_step)
        for per in ("beat", "bar"):
            est = harmony.detect_lane(clip, per)  # type: ignore[arg-type]
            hits[per] += [ref.at(t).root == est.at(t).root for t in range(2, ref.end_step, 4)
                          if not ref.at(t).is_none]
    assert np.mean(hits["beat"]) >= 0.93, np.mean(hits["beat"])
    assert np.mean(hits["bar"]) >= 0.65, np.mean(hits["bar"])


def test_a_duplicated_clip_keeps_its_chords() -> None:
    s = Session([example_clip("twinkle")])
    s.set_chords(ChordTrack.from_symbols(PROGRESSION), "Type chords")
    s.set_key(Key(0, "major"))
    copy = s.duplicate_clip(s.current_uid)
    assert copy.chords == s.items[0].chords and copy.key == Key(0, "major") and s.current_uid == copy.uid
    s.undo()
    assert len(s.items) == 1
