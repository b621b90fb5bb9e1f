"""The ``chords`` verb and ``--chords`` on sample / reconstruct / interpolate (issue 25), end to end on
MIDI files with a tiny chord-conditioned model: progressions parse and print back, bad chord text gets
a message naming the symbol, a file's chord track is read when no ``--chords`` is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcomposer.app.harmony import chord_clip, is_chord_track, read_chord_track
from latentcomposer.cli import main
from latentcomposer.commands import UserError
from latentcomposer.commands.chords import parse_progression, progression_text
from latentcomposer.core import ChordTrack
from latentcomposer.core.chords import QUALITIES, Chord
from latentcomposer.core.examples import example_clip
from latentcomposer.io.midifile import read_midi, write_midi
from tests.app.piano_models import chord_clip as piano_chords
from tests.helpers_models import make_tiny_chords_model


@pytest.fixture(scope="module")
def chords_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_chords_model(tmp_path_factory.mktemp("cli-chords") / "tiny_mel_chords")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


chords = st.builds(Chord, st.integers(0, 11), st.sampled_from(sorted(QUALITIES)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(chords, min_size=1, max_size=4).filter(lambda b: len(b) in (1, 2, 4)), min_size=1,
                max_size=8))
def test_progression_text_round_trip(bars: list[list[Chord]]) -> None:
    text = " | ".join(" ".join(str(c) for c in bar) for bar in bars)
    text += " |" if len(bars) == 1 and len(bars[0]) > 1 else ""  # one bar of several chords
    track = parse_progression(text)
    assert progression_text(track) == text  # printed as typed (one bar after another)
    assert parse_progression(progression_text(track)) == track


def test_bad_chord_text_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"--chords: unknown chord symbol 'Hm7'.*e\.g\. C, F#m7"):
        parse_progression("C Hm7 F")
    with pytest.raises(UserError, match=r"unknown chord quality 'xyz' in chord symbol 'Cxyz'"):
        parse_progression("Cxyz")
    with pytest.raises(UserError, match="bar 1 .* has 3 chords"):
        parse_progression("C F G | Am")
    with pytest.raises(UserError, match="no chords given"):
        parse_progression("   ")
    f = tmp_path / "song.txt"
    f.write_text("C Am\nF G\n", encoding="utf-8")
    assert [str(e.chord) for e in parse_progression(str(f))] == ["C", "Am", "F", "G"]


def test_chords_verb_prints_key_and_chords_and_writes_a_chord_track(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    src = write_midi(tmp_path / "piano.mid", [piano_chords(4, "Piano")])
    out = tmp_path / "chords.mid"
    code, text, _ = run(capsys, "chords", str(src), "--out", str(out))
    assert code == 0
    lines = text.splitlines()
    assert lines[0].startswith(f"{src}: key C major; chords detected from its notes, one per bar")
    assert [ln.split(":")[1].strip().split("/")[0] for ln in lines[1:5]] == ["C", "Am", "F", "G"]
    assert lines[-2].startswith("progression: C") and "wrote" in lines[-1]
    back = read_midi(out)
    assert len(back) == 1 and is_chord_track(back[0])
    assert [str(e.chord).split("/")[0] for e in read_chord_track(back[0])] == ["C", "Am", "F", "G"]
    code, text, _ = run(capsys, "chords", str(out), "--per", "beat")  # read back from the chord track
    assert code == 0 and "chords its chord track 'Chords', one per beat" in text.splitlines()[0]
    drums = write_midi(tmp_path / "drums.mid", [example_clip("twinkle").copy(is_drum=True, channel=9)])
    code, _, err = run(capsys, "chords", str(drums))
    assert code == 2 and "no pitched notes to read chords from" in err


def test_model_verbs_follow_chords(chords_model: Path, tiny_model_dir: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    m = str(chords_model)
    a, b = tmp_path / "a.mid", tmp_path / "b.mid"
    code, _, _ = run(capsys, "sample", "--model", m, "--chords", "C Am F G", "-n", "2", "--temperature", "0",
                     "-o", str(a))
    assert code == 0
    clips = read_midi(a)
    assert len(clips) == 2 and is_chord_track(clips[1])
    assert [str(e.chord) for e in read_chord_track(clips[1])] == ["C", "Am", "F", "G"] * 2
    assert clips[0].n_bars == 8  # two samples of four bars: the progression's length
    code, _, _ = run(capsys, "sample", "--model", m, "--chords", "F# F# F# F#", "-n", "2", "--temperature", "0",
                     "-o", str(b))
    assert code == 0 and read_midi(b)[0].notes != clips[0].notes  # other chords, other notes
    # reconstruct reads the input's chord track; --chords replaces it
    r1, r2 = tmp_path / "r1.mid", tmp_path / "r2.mid"
    code, _, err = run(capsys, "reconstruct", str(a), "--model", m, "-o", str(r1))
    assert code == 0 and "chords from its chord track: C | Am | F | G" in err
    code, _, err = run(capsys, "reconstruct", str(a), "--model", m, "--chords", "F# F# F# F#", "-o", str(r2))
    assert code == 0 and "chord track" not in err
    one, two = read_midi(r1), read_midi(r2)
    assert [str(e.chord) for e in read_chord_track(two[1])][:1] == ["F#"] and one[0].notes != two[0].notes
    code, _, err = run(capsys, "interpolate", str(a), str(b), "--model", m, "--steps", "3", "--chords", "C G",
                       "-o", str(tmp_path / "i.mid"))
    assert code == 0 and "warning: the chords end at step 32 of the clip's 128" in err  # said, padded with N
    code, _, err = run(capsys, "reconstruct", str(a), "--model", m, "--chords", " ".join(["C"] * 12),
                       "-o", str(r2))
    assert code == 0 and "the chords after its end were cut" in err
    # chords for a model that reads none, and bad chord text: one line each, exit 2
    code, _, err = run(capsys, "sample", "--model", str(tiny_model_dir), "--chords", "C F", "-o", str(tmp_path / "x.mid"))
    assert code == 2 and "--chords needs a chord-conditioned model such as mel_2bar_chords" in err
    code, _, err = run(capsys, "sample", "--model", m, "--chords", "C H", "-o", str(tmp_path / "x.mid"))
    assert code == 2 and "unknown chord symbol 'H'" in err and "Traceback" not in err


def test_chord_track_helpers() -> None:
    track = ChordTrack.from_symbols("C G | Am F")
    clip = chord_clip(track, example_clip("twinkle"))
    assert [str(e.chord) for e in read_chord_track(clip, "beat")] == ["C", "G", "Am", "F"]
