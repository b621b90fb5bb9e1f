"""One home for "import a MIDI file": naming, merging and sources of chosen tracks, the clip a model
reads (its codec's choice or --track), and the clip an interpolation slot takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from latentcomposer.app.midi_import import ImportProblem, MidiTracks, read_tracks
from latentcomposer.core import DRUM_CHANNEL, Clip, Note
from latentcomposer.core.errors import UserFacingError
from latentcomposer.core.examples import example_clip, example_drums
from latentcomposer.data.codecs import codec_for
from latentcomposer.io.midifile import MidiFileError, write_midi


def band_clips() -> list[Clip]:
    kit = example_drums(2).copy(name="", channel=DRUM_CHANNEL)
    lead = example_clip("twinkle").copy(name="Lead", program=73)
    bass = Clip((Note(0, 36, 1920, 90), Note(1920, 43, 3840, 90)), name="", program=33, length=3840)
    return [kit, lead, bass]


@pytest.fixture
def band(tmp_path: Path) -> Path:
    return write_midi(tmp_path / "band.mid", band_clips())


def test_chosen_tracks_are_named_merged_and_sourced() -> None:
    tracks = MidiTracks(Path("/music/band.mid"), tuple(band_clips()))  # as read: two tracks without names
    assert tracks.several and len(tracks.clips) == 3
    names = [tracks.named(r).name for r in range(3)]
    assert names[0] == "band drums" and names[1] == "Lead" and names[2] == "band 3"
    one = tracks.choose([1])
    assert [c.name for c in one.clips] == ["Lead"] and one.source == "band.mid, track 2"
    assert one.label == "Open band.mid"
    merged = tracks.choose([1, 2], merge=True)
    assert [c.name for c in merged.clips] == ["band"] and merged.source == "band.mid"
    assert len(merged.clips[0].notes) == len(tracks.clips[1].notes) + len(tracks.clips[2].notes)
    assert len(tracks.choose().clips) == 3
    with pytest.raises(ImportProblem):
        tracks.choose([])


def test_the_clip_a_model_reads(band: Path) -> None:
    tracks = read_tracks(band)
    melody = tracks.for_model(codec_for("melody"))
    assert melody.clip.notes == tracks.clips[1].notes and "Lead" in melody.how  # the monophonic lead
    drums = tracks.for_model(codec_for("drums"))
    assert drums.clip.is_drum and drums.clip.notes == tracks.clips[0].notes
    assert tracks.for_model(codec_for("melody"), track=2).clip is tracks.clips[2]  # --track
    with pytest.raises(ImportProblem, match="no track 7"):
        tracks.for_model(codec_for("melody"), track=7)


def test_the_clip_a_slot_takes(band: Path, tmp_path: Path) -> None:
    tracks = read_tracks(band)
    assert tracks.for_slot(None).clip.is_drum  # no model: the first track
    unnamed = MidiTracks(Path("band.mid"), tuple(band_clips()))
    assert unnamed.for_slot(None).clip.name == "band"  # named after the file
    assert tracks.for_slot(codec_for("melody")).clip.name == "Lead"  # the melody model's track
    solo = read_tracks(write_midi(tmp_path / "solo.mid", [example_clip("mary")]))
    chosen = solo.for_slot(codec_for("drums"))  # one track: that one, whatever the model
    assert chosen.clip.notes == solo.clips[0].notes and chosen.how == "its only track"
    only_drums = read_tracks(write_midi(tmp_path / "kit.mid", [example_drums(2), example_drums(1)]))
    assert only_drums.for_slot(codec_for("melody")).clip.is_drum  # nothing the model reads: the first


def test_errors_are_for_the_user(tmp_path: Path) -> None:
    with pytest.raises(MidiFileError):
        read_tracks(tmp_path / "missing.mid")
    assert issubclass(ImportProblem, UserFacingError)
