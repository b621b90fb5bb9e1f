"""Sections in the app (issue 24): open a POP909 file as a section with an editable mapping, edit
programs and channels, export one track per stream, and run the latent verbs through a tiny trio model
(encode, decode, sample, interpolate, keep the melody and regenerate the rest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from latentcomposer.app.section import Section, SectionTools
from latentcomposer.core import Clip, Note
from latentcomposer.data.trio_codec import TRIO, StreamMapping
from latentcomposer.io.midifile import read_midi
from latentcomposer.model.engine import Engine
from tests.helpers_models import make_tiny_trio_model


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> SectionTools:
    return SectionTools(Engine.load(make_tiny_trio_model(tmp_path_factory.mktemp("models")), device="cpu"))


def melody_section(bars: int = 4) -> Section:
    mel = Clip(notes=tuple(Note(i * 480, 72 + i % 5, i * 480 + 400, 96) for i in range(4 * bars)), tempo=90.0)
    return Section.from_streams(TRIO, {"melody": mel}, "tune")


def test_open_a_pop909_file_as_a_section(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "pop909" / "003" / "003.mid"
    section, file = Section.from_file(path, TRIO)
    assert section.streams == ("melody", "bass", "accompaniment") and section.selected == "melody"
    assert file.mapping.bass_from_accompaniment
    piano = next(c for c in file.clips if c.name.upper() == "PIANO")
    both = section.track("bass").clip.notes + section.track("accompaniment").clip.notes
    assert sorted(both) == sorted(piano.notes)  # nothing lost between bass and accompaniment
    assert len({t.clip.tempo for t in section.tracks}) == 1  # shared tempo
    # the user edits the mapping: no bass taken out; the section keeps its id and programs
    edited = section.with_program("accompaniment", 4).remap(TRIO, file, StreamMapping(
        {"melody": file.mapping.tracks["melody"], "bass": (), "accompaniment": file.mapping.tracks["accompaniment"]}))
    assert edited.uid == section.uid and not edited.track("bass").clip.notes
    assert edited.track("accompaniment").program == 4
    assert sorted(edited.track("accompaniment").clip.notes) == sorted(piano.notes)
    out = edited.with_channel("melody", 5).export(tmp_path / "s.mid", TRIO)
    clips = read_midi(out)
    assert [(c.name, c.channel) for c in clips] == [("Melody", 5), ("Accompaniment", 2)]
    assert clips[1].program == 4


def test_track_settings_are_checked() -> None:
    s = melody_section()
    with pytest.raises(ValueError, match="channel 10"):
        s.with_channel("bass", 9)
    with pytest.raises(ValueError, match="program"):
        s.with_program("bass", 128)
    with pytest.raises(KeyError, match="drums"):
        s.select("drums")


def test_latent_verbs_on_sections(tools: SectionTools) -> None:
    s = melody_section(4).with_program("melody", 40)
    code = tools.encode(s)
    back = tools.decode(code.mu, s, name="decoded")
    assert back.track("melody").program == 40 and back.tempo == 90.0 and back.name == "decoded"
    assert back.uid != s.uid
    samples = tools.sample(2, temperature=1.0, seed=4, tempo=100.0)
    assert len(samples) == 2 and all(x.tempo == 100.0 for x in samples)
    steps = tools.interpolate(s, samples[0], steps=3)
    assert len(steps) == 3 and all(x.streams == s.streams for x in steps)
    arranged = tools.regenerate(s, keep=["melody"], seed=1, iterations=5)
    assert arranged.track("melody").clip.notes == s.track("melody").clip.notes
    assert arranged.track("melody").program == 40 and "kept melody" in arranged.name


def test_listeners_see_a_new_section_when_its_part_becomes_current() -> None:
    """Sample / Vary / Blend add a section whose part becomes the current clip: whoever listens for
    that (the clip's latent tools: "keep the section's model loaded") already finds the section, and
    the part is a section model's part only under a section model."""
    from latentcomposer.app import section_book as book
    from latentcomposer.app.session import Session

    session = Session()
    seen: list[book.SectionRef | None] = []
    session.listen(lambda kinds: seen.append(book.holding(session, session.current_uid)) if "current" in kinds
                   else None)
    ref = book.add_section(session, melody_section(), TRIO)
    assert seen and seen[-1] is not None and seen[-1].uid == ref.uid
    part = session.current_clip
    assert book.section_model_part(session, TRIO, part)
    assert not book.section_model_part(session, None, part)  # a one-part model: the usual rules
    session.add_clip(Clip(notes=(Note(0, 60, 480, 90),), name="plain"))
    assert not book.section_model_part(session, TRIO, session.current_clip)


def test_replacing_parts_keeps_the_current_part() -> None:
    """Keep the melody and regenerate the rest: the roll stays on the melody, on undo and redo too."""
    from latentcomposer.app import section_book as book
    from latentcomposer.app.session import Session

    session = Session()
    ref = book.add_section(session, melody_section(), TRIO)
    book.select(session, ref, "melody")
    melody = session.current_uid
    new = Clip(notes=(Note(0, 40, 960, 90),))
    book.replace_tracks(session, ref, {"bass": new, "accompaniment": new.transpose(20)}, "Regenerate")
    assert session.current_uid == melody
    assert session.item(ref.clip_uid("bass")).clip.notes == new.notes
    assert session.undo() and session.current_uid == melody and not session.item(ref.clip_uid("bass")).clip.notes
    assert session.redo() and session.current_uid == melody
